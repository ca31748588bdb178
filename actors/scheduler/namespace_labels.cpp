#include "actors/scheduler/namespace_labels.hpp"

namespace troupe::sched {

const namespace_labels::labels* namespace_labels::hold(const std::string& ns) {
  auto& e = entries_[ns];
  ++e.holders;
  return &e.now;
}

void namespace_labels::release(const std::string& ns) {
  auto it = entries_.find(ns);
  if (it == entries_.end() || it->second.holders == 0) return;
  --it->second.holders;
  forget_if_unused(it);
}

bool namespace_labels::update(const std::string& ns, labels now, bool gone) {
  auto it = entries_.try_emplace(ns).first;
  auto& e = it->second;
  e.exists = !gone;
  if (gone) now.clear();
  bool changed = now != e.now;
  e.now = std::move(now);
  forget_if_unused(it);
  return changed;
}

void namespace_labels::forget_if_unused(std::map<std::string, entry>::iterator it) {
  if (!it->second.exists && it->second.holders == 0) entries_.erase(it);
}

}  // namespace troupe::sched
