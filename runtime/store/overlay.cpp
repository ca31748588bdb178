#include "runtime/store/overlay.hpp"

#include <algorithm>

namespace troupe::store {

namespace {

size_t lower_bound(const overlay_entries& entries, std::string_view key) {
  auto at = std::lower_bound(entries.begin(), entries.end(), key,
                             [](const auto& entry, std::string_view k) { return entry->key < k; });
  return static_cast<size_t>(at - entries.begin());
}

const overlay_entry* find_in(const overlay_entries& entries, std::string_view key) {
  size_t at = lower_bound(entries, key);
  return at < entries.size() && entries[at]->key == key ? entries[at].get() : nullptr;
}

const change* change_in(const overlay_batches& batches, uint64_t at) {
  auto batch = std::upper_bound(batches.begin(), batches.end(), at,
                                [](uint64_t r, const auto& b) { return r < b->front().revision; });
  if (batch == batches.begin()) return nullptr;
  const auto& changes = **(batch - 1);
  uint64_t first = changes.front().revision;
  return at - first < changes.size() ? &changes[at - first] : nullptr;
}

/// `older` and `newer` in one run by key, a key in both as `newer` has it, without what LMDB
/// holds (revisions up to `applied`).
overlay_entries merge(const overlay_entries& older, const overlay_entries& newer,
                      uint64_t applied) {
  overlay_entries merged;
  merged.reserve(older.size() + newer.size());
  auto keep = [&](const std::shared_ptr<const overlay_entry>& e) {
    if (e->revision > applied) merged.push_back(e);
  };
  auto old = older.begin();
  for (auto& e : newer) {
    for (; old != older.end() && (*old)->key < e->key; ++old) keep(*old);
    if (old != older.end() && (*old)->key == e->key) ++old;  // replaced
    keep(e);
  }
  for (; old != older.end(); ++old) keep(*old);
  return merged;
}

/// Whether a recent part should be folded into the settled one. A commit copies the recent part
/// (r items) and a fold copies both (n + r) every few commits: folding once r*r passes about
/// 2n times the items a commit adds keeps the sum near its least; 8n stands for a few per commit.
bool outgrown(size_t recent, size_t settled) {
  return recent >= 32 && recent * recent > 8 * settled;
}

}  // namespace

const overlay_entry* overlay::find(std::string_view key) const {
  if (const overlay_entry* e = find_in(recent_entries, key)) return e;
  return find_in(*settled_entries, key);
}

const change* overlay::change_at(uint64_t at) const {
  if (at <= applied || at > revision) return nullptr;
  if (!recent_batches.empty() && at >= recent_batches.front()->front().revision)
    return change_in(recent_batches, at);
  return change_in(*settled_batches, at);
}

overlay_cursor::overlay_cursor(const overlay& changes, std::string_view from)
    : settled_(*changes.settled_entries),
      recent_(changes.recent_entries),
      settled_at_(lower_bound(settled_, from)),
      recent_at_(lower_bound(recent_, from)) {}

const overlay_entry* overlay_cursor::get() const {
  const overlay_entry* settled =
      settled_at_ < settled_.size() ? settled_[settled_at_].get() : nullptr;
  const overlay_entry* recent = recent_at_ < recent_.size() ? recent_[recent_at_].get() : nullptr;
  if (!settled || !recent) return settled ? settled : recent;
  return recent->key <= settled->key ? recent : settled;
}

void overlay_cursor::next() {
  bool settled = settled_at_ < settled_.size(), recent = recent_at_ < recent_.size();
  if (settled && recent) {
    const std::string& settled_key = settled_[settled_at_]->key;
    const std::string& recent_key = recent_[recent_at_]->key;
    if (recent_key <= settled_key) ++recent_at_;
    if (settled_key <= recent_key) ++settled_at_;  // on equal keys both: the recent one shadows it
  } else if (recent) {
    ++recent_at_;
  } else if (settled) {
    ++settled_at_;
  }
}

std::shared_ptr<const overlay> next_overlay(const overlay& base, std::vector<change> batch,
                                            uint64_t applied) {
  auto next = std::make_shared<overlay>();
  next->applied = std::max(base.applied, applied);
  next->revision = batch.empty() ? base.revision : batch.back().revision;

  // The batch's newest version of each key, by key.
  overlay_entries fresh;
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
  std::shared_ptr<const std::vector<change>> commit;
  if (!batch.empty() && batch.back().revision > next->applied)
    commit = std::make_shared<const std::vector<change>>(std::move(batch));

  if (next->applied > base.applied) {
    // The applier has written more to LMDB: everything is rebuilt without it, once a run.
    next->settled_entries = std::make_shared<const overlay_entries>(merge(
        merge(*base.settled_entries, base.recent_entries, next->applied), fresh, next->applied));
    overlay_batches batches;
    auto keep = [&](const auto& b) {
      if (b->back().revision > next->applied) batches.push_back(b);
    };
    for (auto& b : *base.settled_batches) keep(b);
    for (auto& b : base.recent_batches) keep(b);
    if (commit) batches.push_back(std::move(commit));
    next->settled_batches = std::make_shared<const overlay_batches>(std::move(batches));
    return next;
  }

  next->settled_entries = base.settled_entries;
  next->recent_entries = merge(base.recent_entries, fresh, next->applied);
  if (outgrown(next->recent_entries.size(), next->settled_entries->size())) {
    next->settled_entries = std::make_shared<const overlay_entries>(
        merge(*base.settled_entries, next->recent_entries, next->applied));
    next->recent_entries.clear();
  }
  next->settled_batches = base.settled_batches;
  next->recent_batches = base.recent_batches;
  if (commit) next->recent_batches.push_back(std::move(commit));
  if (outgrown(next->recent_batches.size(), next->settled_batches->size())) {
    overlay_batches batches;
    batches.reserve(next->batch_count());
    batches.insert(batches.end(), base.settled_batches->begin(), base.settled_batches->end());
    batches.insert(batches.end(), next->recent_batches.begin(), next->recent_batches.end());
    next->settled_batches = std::make_shared<const overlay_batches>(std::move(batches));
    next->recent_batches.clear();
  }
  return next;
}

}  // namespace troupe::store
