#pragma once
// Items that must run one at a time per key (the unconditional writes of one object), in
// arrival order. Plain data: the resource actor decides with it, tests drive it directly.

#include <cstddef>
#include <deque>
#include <map>
#include <optional>
#include <string>

namespace troupe {

enum class queue_place { run_now, queued, full };

template <class Item>
class per_key_queue {
 public:
  /// At most `limit` items per key, the running one included.
  explicit per_key_queue(size_t limit) : limit_(limit) {}

  /// run_now: the key had nothing running and `item` runs now; queued: it waits its turn;
  /// full: refused, it was not queued.
  queue_place push(const std::string& key, Item item) {
    auto& queue = by_key_[key];
    if (queue.size() >= limit_) return queue_place::full;
    queue.push_back(std::move(item));
    return queue.size() == 1 ? queue_place::run_now : queue_place::queued;
  }

  /// The key's running item is done: the next one, which runs now, if any.
  std::optional<Item> pop(const std::string& key) {
    auto found = by_key_.find(key);
    if (found == by_key_.end()) return std::nullopt;
    found->second.pop_front();
    if (found->second.empty()) {
      by_key_.erase(found);
      return std::nullopt;
    }
    return found->second.front();
  }

  /// Keys with an item running.
  size_t busy_keys() const { return by_key_.size(); }

 private:
  size_t limit_;
  std::map<std::string, std::deque<Item>> by_key_;
};

}  // namespace troupe
