#pragma once
// Committed changes that the applier has not yet written to LMDB (see engine.hpp). An overlay is
// immutable once published: each commit publishes a new one, and a snapshot keeps the one it began
// with, so readers never lock against the writer.
//
// A commit must not copy everything the overlay holds: between two applier runs that is every
// change of the last `apply_interval_ms`, thousands under load. So each list has two parts: a
// settled part, shared by every overlay since it was last rebuilt, and a recent part each commit
// copies. The recent part is folded into a new settled one once it outgrows about the square root
// of the settled one, which keeps a commit's copying near O(sqrt n); the applier's run, which
// drops what LMDB now holds, rebuilds both.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/store/engine.hpp"

namespace troupe::store {

struct overlay_entry {
  std::string key;  ///< unpadded
  uint64_t revision = 0;
  std::shared_ptr<const std::string> object;  ///< null: deleted at `revision`
};

using overlay_entries = std::vector<std::shared_ptr<const overlay_entry>>;
using overlay_batches = std::vector<std::shared_ptr<const std::vector<change>>>;

struct overlay {
  uint64_t applied = 0;   ///< LMDB holds every change up to this revision
  uint64_t revision = 0;  ///< the newest committed change (== applied when nothing is pending)
  /// The newest version of every key changed after `applied`, in two runs sorted by key: a key
  /// in `recent_entries` is newer there than in `settled_entries`.
  std::shared_ptr<const overlay_entries> settled_entries =
      std::make_shared<const overlay_entries>();
  overlay_entries recent_entries;
  /// Every change after `applied`, one vector per commit, in revision order: the settled
  /// commits, then the recent ones.
  std::shared_ptr<const overlay_batches> settled_batches =
      std::make_shared<const overlay_batches>();
  overlay_batches recent_batches;

  const overlay_entry* find(std::string_view key) const;
  /// The change at `revision`, if it is here.
  const change* change_at(uint64_t revision) const;
  size_t batch_count() const { return settled_batches->size() + recent_batches.size(); }
  /// Commit `i` of batch_count(), oldest first.
  const std::vector<change>& batch(size_t i) const {
    size_t settled = settled_batches->size();
    return i < settled ? *(*settled_batches)[i] : *recent_batches[i - settled];
  }
};

/// The entries of an overlay from a key on, in key order, each key once (its newest version).
class overlay_cursor {
 public:
  overlay_cursor(const overlay& changes, std::string_view from);
  /// Null past the last entry.
  const overlay_entry* get() const;
  void next();

 private:
  const overlay_entries& settled_;
  const overlay_entries& recent_;
  size_t settled_at_, recent_at_;
};

/// `base` plus one commit's `batch` (consecutive revisions after base.revision; may be empty),
/// less what LMDB holds once it has applied through `applied`.
std::shared_ptr<const overlay> next_overlay(const overlay& base, std::vector<change> batch,
                                            uint64_t applied);

}  // namespace troupe::store
