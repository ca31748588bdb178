#pragma once
// Committed changes that the applier has not yet written to LMDB (see engine.hpp). An overlay is
// immutable once published: each commit publishes a new one, and a snapshot keeps the one it began
// with, so readers never lock against the writer.

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

struct overlay {
  uint64_t applied = 0;   ///< LMDB holds every change up to this revision
  uint64_t revision = 0;  ///< the newest committed change (== applied when nothing is pending)
  /// The newest version of every key changed after `applied`, by key.
  std::vector<std::shared_ptr<const overlay_entry>> entries;
  /// Every change after `applied`, one vector per commit, in revision order.
  std::vector<std::shared_ptr<const std::vector<change>>> batches;

  const overlay_entry* find(std::string_view key) const;
  /// The first entry whose key is not less than `key`.
  size_t lower_bound(std::string_view key) const;
  /// The change at `revision`, if it is here.
  const change* change_at(uint64_t revision) const;
};

/// `base` plus one commit's `batch` (consecutive revisions after base.revision; may be empty),
/// less what LMDB holds once it has applied through `applied`.
std::shared_ptr<const overlay> next_overlay(const overlay& base, std::vector<change> batch,
                                            uint64_t applied);

}  // namespace troupe::store
