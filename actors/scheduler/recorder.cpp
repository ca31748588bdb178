#include "actors/scheduler/recorder.hpp"

#include <algorithm>

namespace troupe::sched {

bool event_queue::push(pending_event e) {
  if (queue_.size() >= limits_.capacity) {
    ++dropped_;
    return false;
  }
  queue_.push_back(std::move(e));
  return true;
}

void event_queue::refill(int64_t now_ms) {
  if (refilled_ms_ >= 0 && now_ms > refilled_ms_)
    milli_tokens_ = std::min(limits_.burst * 1000, milli_tokens_ + (now_ms - refilled_ms_) * limits_.per_second);
  refilled_ms_ = std::max(refilled_ms_, now_ms);
}

std::optional<pending_event> event_queue::take(int64_t now_ms) {
  refill(now_ms);
  if (queue_.empty() || milli_tokens_ < 1000) return std::nullopt;
  milli_tokens_ -= 1000;
  auto e = std::move(queue_.front());
  queue_.pop_front();
  return e;
}

std::optional<int64_t> event_queue::next_at(int64_t now_ms) {
  refill(now_ms);
  if (queue_.empty()) return std::nullopt;
  if (milli_tokens_ >= 1000) return now_ms;
  return now_ms + (1000 - milli_tokens_ + limits_.per_second - 1) / limits_.per_second;
}

}  // namespace troupe::sched
