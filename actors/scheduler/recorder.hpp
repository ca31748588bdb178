#pragma once
// The scheduler's events go out as kube-scheduler's do: queued, at most 1,000 waiting (its
// broadcaster drops what does not fit), and written within its API client's rate limit (50 a
// second, bursts of 100). A few pods each get their event at once; a flood of thousands does
// not turn into a flood of event writes competing with the binds.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>

namespace troupe::sched {

struct pending_event {
  std::string ns;
  std::string object;  ///< the Event, as new_event made it
};

class event_queue {
 public:
  struct limits {
    size_t capacity = 1000;  ///< events waiting; more are dropped
    int64_t per_second = 50;  ///< writes a second once the burst is spent
    int64_t burst = 100;
  };

  event_queue() : event_queue(limits{}) {}
  explicit event_queue(limits l) : limits_(l), milli_tokens_(l.burst * 1000) {}

  /// False when the queue is full: the event is dropped.
  bool push(pending_event e);
  /// The oldest event, if the rate allows one to go at `now_ms`.
  std::optional<pending_event> take(int64_t now_ms);
  /// When the oldest event may go: `now_ms` or later; nothing when none waits.
  std::optional<int64_t> next_at(int64_t now_ms);

  size_t waiting() const { return queue_.size(); }
  uint64_t dropped() const { return dropped_; }

 private:
  void refill(int64_t now_ms);

  limits limits_;
  int64_t milli_tokens_;  ///< thousandths of a write, so the rate needs no rounding
  int64_t refilled_ms_ = -1;
  std::deque<pending_event> queue_;
  uint64_t dropped_ = 0;
};

}  // namespace troupe::sched
