#include "actors/scheduler/queue.hpp"

#include <algorithm>
#include <vector>

// Three ordered indexes over one table of entries: the table says where a pod is, the indexes
// give the order pop() and the timers need. A popped pod stays in the table ("in flight") so
// its attempts survive until it fails, binds or is removed.

namespace troupe::sched {

scheduling_queue::queue_index* scheduling_queue::index_of(where at) {
  switch (at) {
    case where::active: return &active_;
    case where::backoff: return &backoff_;
    case where::unschedulable: return &unschedulable_;
    case where::in_flight: return nullptr;
  }
  return nullptr;
}

void scheduling_queue::enqueue(item& pod, where at, int64_t order) {
  entry& e = pod.second;
  e.at = at;
  e.queued = {order, sequence_++};
  if (auto* index = index_of(at)) index->emplace(e.queued, &pod.first);
}

void scheduling_queue::dequeue(entry& e) {
  if (auto* index = index_of(e.at)) index->erase(e.queued);
  e.at = where::in_flight;
}

void scheduling_queue::requeue(item& pod, int64_t now_ms) {
  entry& e = pod.second;
  dequeue(e);
  if (e.backoff_until > now_ms)
    enqueue(pod, where::backoff, e.backoff_until);
  else
    enqueue(pod, where::active, -int64_t{e.priority});
}

int64_t scheduling_queue::backoff_ms(int32_t attempts) const {
  int64_t wait = knobs_.initial_backoff_ms;
  for (int32_t i = 1; i < attempts && wait < knobs_.max_backoff_ms; ++i) wait *= 2;
  return std::min(wait, knobs_.max_backoff_ms);
}

void scheduling_queue::add(const std::string& key, int32_t priority, int64_t now_ms) {
  auto [it, fresh] = entries_.try_emplace(key);
  entry& e = it->second;
  bool reprioritised = e.priority != priority;
  e.priority = priority;
  if (fresh || e.at == where::in_flight) {
    enqueue(*it, where::active, -int64_t{priority});
  } else if (e.at == where::active && reprioritised) {
    slot old = e.queued;  // keep its age among pods of the new priority
    active_.erase(old);
    e.queued = {-int64_t{priority}, old.second};
    active_.emplace(e.queued, &it->first);
  } else if (e.at == where::unschedulable) {
    requeue(*it, now_ms);  // the pod changed: it may fit now
  }
}

void scheduling_queue::remove(const std::string& key) {
  auto it = entries_.find(key);
  if (it == entries_.end()) return;
  dequeue(it->second);
  entries_.erase(it);
}

void scheduling_queue::flush(int64_t now_ms) {
  while (!backoff_.empty() && backoff_.begin()->first.first <= now_ms) {
    auto& pod = *entries_.find(*backoff_.begin()->second);
    dequeue(pod.second);
    enqueue(pod, where::active, -int64_t{pod.second.priority});
  }
  while (!unschedulable_.empty() &&
         unschedulable_.begin()->first.first + knobs_.max_unschedulable_ms <= now_ms)
    requeue(*entries_.find(*unschedulable_.begin()->second), now_ms);
}

std::optional<std::string> scheduling_queue::pop(int64_t now_ms) {
  flush(now_ms);
  if (active_.empty()) return std::nullopt;
  auto& pod = *entries_.find(*active_.begin()->second);
  dequeue(pod.second);
  pod.second.moves_at_pop = moves_;
  return pod.first;
}

void scheduling_queue::failed(const std::string& key, bool unschedulable, int64_t now_ms) {
  auto it = entries_.find(key);
  if (it == entries_.end()) return;  // removed while in flight
  entry& e = it->second;
  e.backoff_until = now_ms + backoff_ms(++e.attempts);
  if (e.at != where::in_flight) return;  // updated while in flight: already queued again
  // A change seen while it was in flight may be the one that lets it fit: no waiting for another.
  if (unschedulable && e.moves_at_pop == moves_)
    enqueue(*it, where::unschedulable, now_ms);
  else
    enqueue(*it, where::backoff, e.backoff_until);
}

void scheduling_queue::succeeded(const std::string& key) {
  remove(key);
}

void scheduling_queue::cluster_changed(int64_t now_ms) {
  ++moves_;
  while (!unschedulable_.empty()) requeue(*entries_.find(*unschedulable_.begin()->second), now_ms);
}

void scheduling_queue::some_may_fit(const std::function<bool(const std::string& key)>& may_fit,
                                    int64_t now_ms) {
  ++moves_;  // a pod in flight now may fit too: it backs off rather than wait as unschedulable
  std::vector<const std::string*> moving;
  for (auto& [slot, key] : unschedulable_)
    if (may_fit(*key)) moving.push_back(key);
  for (auto* key : moving) requeue(*entries_.find(*key), now_ms);
}

std::optional<int64_t> scheduling_queue::next_wakeup() const {
  std::optional<int64_t> at;
  if (!backoff_.empty()) at = backoff_.begin()->first.first;
  if (!unschedulable_.empty()) {
    int64_t overdue = unschedulable_.begin()->first.first + knobs_.max_unschedulable_ms;
    at = std::min(at.value_or(overdue), overdue);
  }
  return at;
}

size_t scheduling_queue::active() const {
  return active_.size();
}
size_t scheduling_queue::backing_off() const {
  return backoff_.size();
}
size_t scheduling_queue::unschedulable() const {
  return unschedulable_.size();
}

bool scheduling_queue::contains(const std::string& key) const {
  auto it = entries_.find(key);
  return it != entries_.end() && it->second.at != where::in_flight;
}

}  // namespace troupe::sched
