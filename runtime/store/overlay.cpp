#include "runtime/store/overlay.hpp"

#include <algorithm>

namespace troupe::store {

namespace {
bool key_less(const std::shared_ptr<const overlay_entry>& entry, std::string_view key) {
  return entry->key < key;
}
}  // namespace

size_t overlay::lower_bound(std::string_view key) const {
  return static_cast<size_t>(std::lower_bound(entries.begin(), entries.end(), key, key_less) -
                             entries.begin());
}

const overlay_entry* overlay::find(std::string_view key) const {
  size_t at = lower_bound(key);
  return at < entries.size() && entries[at]->key == key ? entries[at].get() : nullptr;
}

const change* overlay::change_at(uint64_t at) const {
  if (at <= applied || at > revision) return nullptr;
  auto batch = std::upper_bound(batches.begin(), batches.end(), at,
                                [](uint64_t r, const auto& b) { return r < b->front().revision; });
  if (batch == batches.begin()) return nullptr;
  const auto& changes = **(batch - 1);
  uint64_t first = changes.front().revision;
  return at - first < changes.size() ? &changes[at - first] : nullptr;
}

std::shared_ptr<const overlay> next_overlay(const overlay& base, std::vector<change> batch,
                                            uint64_t applied) {
  auto next = std::make_shared<overlay>();
  next->applied = std::max(base.applied, applied);
  next->revision = batch.empty() ? base.revision : batch.back().revision;

  // The batch's newest version of each key, by key.
  std::vector<std::shared_ptr<const overlay_entry>> fresh;
  fresh.reserve(batch.size());
  for (auto& c : batch) {
    c.prev_object.reset();  // the overlay keeps what readers and the applier need, no more
    fresh.push_back(std::make_shared<const overlay_entry>(
        overlay_entry{c.key, c.revision, c.type == event_type::deleted ? nullptr : c.object}));
  }
  std::stable_sort(fresh.begin(), fresh.end(),
                   [](const auto& a, const auto& b) { return a->key < b->key; });
  // Of equal keys the later (higher revision) one stays: stable sort keeps them in batch order.
  size_t kept = 0;
  for (size_t i = 0; i < fresh.size(); ++i) {
    if (kept > 0 && fresh[kept - 1]->key == fresh[i]->key) {
      fresh[kept - 1] = std::move(fresh[i]);
    } else {
      if (kept != i) fresh[kept] = std::move(fresh[i]);
      ++kept;
    }
  }
  fresh.resize(kept);

  next->entries.reserve(base.entries.size() + fresh.size());
  auto old = base.entries.begin();
  auto keep_old = [&](const std::shared_ptr<const overlay_entry>& e) {
    if (e->revision > next->applied) next->entries.push_back(e);
  };
  for (auto& e : fresh) {
    while (old != base.entries.end() && (*old)->key < e->key) keep_old(*old++);
    if (old != base.entries.end() && (*old)->key == e->key) ++old;  // replaced
    next->entries.push_back(e);
  }
  for (; old != base.entries.end(); ++old) keep_old(*old);

  for (auto& b : base.batches)
    if (b->back().revision > next->applied) next->batches.push_back(b);
  if (!batch.empty() && batch.back().revision > next->applied)
    next->batches.push_back(std::make_shared<const std::vector<change>>(std::move(batch)));
  return next;
}

}  // namespace troupe::store
