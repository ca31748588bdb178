#pragma once
// kube-scheduler's scheduling queue as plain data with the clock passed in: an active queue
// (highest priority first, then oldest), a backoff queue (1 s doubling to 10 s per failed
// attempt of a pod), and the unschedulable pods, which wait for a change in the cluster (a
// node added or updated, a pod deleted) or at most 5 minutes, then go back through backoff.

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>

namespace troupe::sched {

struct queue_knobs {
  int64_t initial_backoff_ms = 1000;
  int64_t max_backoff_ms = 10000;
  int64_t max_unschedulable_ms = 5 * 60 * 1000;
};

class scheduling_queue {
 public:
  explicit scheduling_queue(queue_knobs knobs = {}) : knobs_(knobs) {}

  /// A pending pod, new or changed: active now, unless it is backing off (then it stays
  /// there) or already queued (priority updated). Not for status-only updates (such as the
  /// scheduler's own PodScheduled condition): those would wake an unschedulable pod at once.
  void add(const std::string& key, int32_t priority, int64_t now_ms);
  /// The pod is gone or was bound elsewhere.
  void remove(const std::string& key);
  /// The next pod to try: moves due backoff entries and overdue unschedulable ones first.
  std::optional<std::string> pop(int64_t now_ms);
  /// An attempt failed: unschedulable (no node fits: wait for a cluster change) or an
  /// error (bind conflict ...: retry after backoff). Either way its backoff doubles.
  void failed(const std::string& key, bool unschedulable, int64_t now_ms);
  /// Bound: forget its attempts (and the pod: a bound pod is not queued again).
  void succeeded(const std::string& key);
  /// Something changed that may make unschedulable pods fit: they move to backoff (or
  /// active when their backoff is over).
  void cluster_changed(int64_t now_ms);
  /// A change that can only help the unschedulable pods `may_fit` names (a pod placed that
  /// their affinity waits for): those move as cluster_changed() moves them, the rest stay.
  void some_may_fit(const std::function<bool(const std::string& key)>& may_fit, int64_t now_ms);
  /// When pop() will next have something to give, if nothing is active now: the earliest
  /// end of a backoff or of an unschedulable pod's maximum wait; nullopt when none waits.
  std::optional<int64_t> next_wakeup() const;

  size_t active() const;
  size_t backing_off() const;
  size_t unschedulable() const;
  /// Queued (active, backing off or unschedulable); a popped pod is not, until it fails.
  bool contains(const std::string& key) const;

 private:
  enum class where : uint8_t { active, backoff, unschedulable, in_flight };
  /// A slot in one of the ordered queues: (priority or time, arrival sequence).
  using slot = std::pair<int64_t, uint64_t>;
  struct entry {
    where at = where::active;
    slot queued;  ///< its slot in the queue `at` names
    int32_t priority = 0;
    int32_t attempts = 0;
    int64_t backoff_until = 0;
    uint64_t moves_at_pop = 0;  ///< cluster_changed() calls seen when it was popped
  };
  using queue_index = std::map<slot, const std::string*>;  ///< values point at entries_ keys
  using item = std::pair<const std::string, entry>;

  /// Puts a pod in queue `at`, ordered by `order` (minus its priority, or a time).
  void enqueue(item& pod, where at, int64_t order);
  void dequeue(entry& e);
  queue_index* index_of(where at);
  /// Out of unschedulable or a pod's update: backoff if its backoff is still running, else active.
  void requeue(item& pod, int64_t now_ms);
  void flush(int64_t now_ms);
  int64_t backoff_ms(int32_t attempts) const;

  queue_knobs knobs_;
  std::unordered_map<std::string, entry> entries_;  ///< every pod the queue knows, in flight too
  queue_index active_;         ///< (-priority, sequence)
  queue_index backoff_;        ///< (backoff_until, sequence)
  queue_index unschedulable_;  ///< (since, sequence)
  uint64_t sequence_ = 0;
  uint64_t moves_ = 0;
};

}  // namespace troupe::sched
