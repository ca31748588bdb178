#pragma once
// The durable store: objects and an event log in LMDB. One thread writes (the store actor);
// any thread reads through snapshots (LMDB MVCC), which never wait for writers.
//
// Durability: a commit is on disk once its record is in the write-ahead log (wal.hpp), one
// fdatasync of contiguous bytes. Its changes are then published: visible through an in-memory
// overlay (the newest version of each key changed lately, and those changes in order), and an
// applier thread writes them to LMDB in one synced transaction every `apply_interval_ms`; after
// that the log drops them. Many commits per LMDB transaction means a B-tree page changed by each of
// them is written once. Open replays the log after LMDB's revision, so a crash loses nothing the
// log acknowledged. Snapshots read LMDB plus the overlay they started with.
//
// Layout (named databases):
//   objects  "<resource>/<namespace>/<name>" NUL-padded to 8 bytes
//              -> [u64 revision][Cap'n Proto flat array]      (8-aligned, read in place)
//   events   big-endian u64 revision
//              -> [event header][key padded to 8][flat array] (what watches replay)
//   meta     "revision" -> u64, "horizon" -> u64 (events after the horizon are in the log),
//            "indexes" -> the field indexes the index database holds, as "pods/spec.nodeName,...",
//            "indexed" -> u64, the revision the index is up to date with
//   index    "<resource>\0<field>\0<value>\0<object key>" -> empty   (see field_index)
//   prior    object key -> [u64 revision][flat array]: the version an event in the log replaced
//            when it is older than the log (see engine::note_leaving)

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/base/error.hpp"

struct MDB_env;
struct MDB_txn;

namespace troupe {
class kind_registry;
}

namespace troupe::store {

enum class event_type : uint8_t { added = 1, modified = 2, deleted = 3, bookmark = 4 };
std::string_view to_string(event_type type);  ///< "ADDED", "MODIFIED", ...

/// A secondary index on one field of one resource, so that a list by that field's value (a
/// kubelet's "pods with spec.nodeName=me") reads only the objects that match instead of all.
struct field_index {
  std::string resource;  ///< "pods"
  std::string field;     ///< "spec.nodeName"
  /// The field's value in a stored object ("" when unset; such objects are indexed under "").
  std::function<std::string(std::string_view object)> value_of;
};

/// The indexes a server's store keeps: pods by spec.nodeName, which every kubelet lists and
/// watches by.
std::vector<field_index> server_indexes(const kind_registry& kinds);

struct engine_options {
  std::string dir;
  size_t map_size = size_t{64} << 30;  ///< address space reserved; the file grows as written
  uint64_t retain_events = 100000;     ///< the event log keeps at most this many events...
  int64_t retain_seconds = 3600;       ///< ...and none older than this
  unsigned max_readers = 1024;         ///< concurrent snapshots
  /// Kept up to date by every commit; rebuilt at open when the store held other indexes.
  std::vector<field_index> indexes{};
  size_t wal_segment_bytes = size_t{16} << 20;  ///< write-ahead log file size
  /// How often the applier writes committed changes to LMDB: the longer, the fewer times a B-tree
  /// page is written, and the more the overlay holds (reads search it; a commit copies only its
  /// recent part, see overlay.hpp). 100 ms, as etcd's backend batch interval; at 10 ms the
  /// applier's writes cost more CPU than the API server's other threads can spare on 2 cores.
  int64_t apply_interval_ms = 100;
  /// The sync of a log record: fdatasync, unless a test puts a failing device in its place
  /// (returns 0, or -1 with errno set).
  std::function<int(int)> sync_log_file{};
  /// The reservation of a new log segment's blocks: fallocate, unless a test puts a full disk
  /// in its place (returns 0, or -1 with errno set).
  std::function<int(int, off_t)> reserve_log_file{};
};

enum class op_kind : uint8_t { create = 1, update = 2, remove = 3 };

/// One write. The store stamps metadata.resourceVersion with the revision it assigns.
struct write_op {
  op_kind kind = op_kind::create;
  std::string key;
  uint64_t expected_revision = 0;  ///< update/remove: 0 means "whatever is there"
  std::string object;              ///< create/update: flat-array object
};

struct write_result {
  api_errc error = api_errc::none;
  std::string message;
  uint64_t revision = 0;
  /// The stored object (for remove: its last state at the delete revision).
  std::shared_ptr<const std::string> object;
};

/// A committed change, as the watch fan-out needs it.
struct change {
  event_type type = event_type::added;
  uint64_t revision = 0;
  uint64_t prev_revision = 0;  ///< revision of the version this one replaced (0 if added)
  int64_t time_ms = 0;
  std::string key;
  std::shared_ptr<const std::string> object;
  std::shared_ptr<const std::string> prev_object;  ///< replaced version (modified only)
};

/// An object as stored: its revision and bytes. The view lives as long as the snapshot.
struct stored_view {
  uint64_t revision = 0;
  std::string_view object;
};

/// An entry of the event log, viewed in place.
struct logged_event {
  event_type type = event_type::added;
  uint64_t revision = 0;
  uint64_t prev_revision = 0;
  int64_t time_ms = 0;
  std::string_view key;
  std::string_view object;
};

class engine;
struct overlay;

/// A consistent read view: an LMDB read transaction (pooled, so cheap) and the overlay of changes
/// not yet in LMDB as it was when the view began.
class snapshot {
 public:
  snapshot(snapshot&& other) noexcept;
  snapshot& operator=(snapshot&&) = delete;
  ~snapshot();

  /// The last committed revision this snapshot sees.
  uint64_t revision() const { return revision_; }
  /// Events after this revision are in the log; watches from before it get Gone.
  uint64_t horizon() const { return horizon_; }

  std::optional<stored_view> get(std::string_view key) const;
  /// Calls `fn(key, view)` for every key with `prefix`, in key order, until it returns false;
  /// only for keys after `after` when it is given (a list's next page).
  void list(std::string_view prefix,
            const std::function<bool(std::string_view, stored_view)>& fn,
            std::string_view after = {}) const;
  size_t count(std::string_view prefix) const;
  /// Like list(prefix, fn) restricted to objects whose `field` equals `value`, read through
  /// the index on `field` of the prefix's resource. Returns false, calling nothing, when the
  /// store has no such index.
  bool list_by_field(std::string_view prefix, std::string_view field, std::string_view value,
                     const std::function<bool(std::string_view, stored_view)>& fn,
                     std::string_view after = {}) const;
  /// Calls `fn` for every logged event with revision > `after`, in order, until it returns false.
  void events_after(uint64_t after, const std::function<bool(const logged_event&)>& fn) const;
  std::optional<logged_event> event_at(uint64_t revision) const;
  /// The version of `key` written at `revision` (a change's prev_revision), from the log or,
  /// when it is older than the log, kept for as long as a change after it is in the log.
  std::optional<stored_view> version_at(std::string_view key, uint64_t revision) const;

 private:
  friend class engine;
  snapshot(const engine& owner, MDB_txn* txn, std::shared_ptr<const overlay> changes,
           uint64_t lmdb_revision);
  const engine* owner_;
  MDB_txn* txn_;
  std::shared_ptr<const overlay> overlay_;
  uint64_t lmdb_revision_ = 0;
  uint64_t revision_ = 0;
  uint64_t horizon_ = 0;
};

class engine {
 public:
  /// Opens (creating if needed) the store in `options.dir`. Takes an exclusive lock on the
  /// directory; throws api_error(unavailable) if another process holds it.
  explicit engine(engine_options options);
  ~engine();
  engine(const engine&) = delete;
  engine& operator=(const engine&) = delete;

  /// A read view; any thread.
  snapshot read() const;

  /// Applies `ops` in order as one group and returns once it is durable (its log record is
  /// synced) and visible to reads. Ops that fail (Conflict, NotFound, AlreadyExists) are
  /// skipped; the others commit. Writer thread only.
  void commit(const std::vector<write_op>& ops, std::vector<write_result>& results,
              std::vector<change>& changes);

  // commit in three steps, so that a commit's sync overlaps the next commits' work:
  //   stage     checks and stamps ops against everything staged before and adds their changes
  //             to the log's next record (in memory): nothing is visible or acknowledged yet;
  //   sync      writes that record and (in the background) makes it durable;
  //   publish   makes synced changes visible to reads and hands them to the applier.
  // A staged commit is decided: the next ones build on it, so if a sync fails, the store takes
  // no more writes until a restart (which replays what reached the disk). Only a record that
  // failed before any byte of it was written is rolled back, with the commits staged in it.

  /// Like commit but returns with its changes staged, not written; `changes` gets them
  /// (to publish once synced). Writer thread only.
  void stage(const std::vector<write_op>& ops, std::vector<write_result>& results,
             std::vector<change>& changes);
  /// Writes everything staged as one log record, then syncs it on the engine's sync thread and
  /// calls `done` there with the last revision made durable, or with what failed. One sync at a
  /// time. Writer thread only. Throws api_error(internal) if the record can't be written (then
  /// nothing is synced and `done` is not called).
  void sync_in_background(std::function<void(uint64_t revision, std::string failure)> done);
  /// Syncs everything staged now, on this thread, once a background sync under way has ended;
  /// returns the last revision made durable. Throws api_error(internal) on an I/O error.
  /// Writer thread only.
  uint64_t sync();
  /// Makes staged changes visible, in revision order, once synced. Writer thread only.
  void publish(std::vector<change> changes);
  /// The last revision a sync made durable (published or not). Writer thread only.
  uint64_t synced_revision() const;
  /// Bytes staged for the log's next record.
  size_t staged_bytes() const;
  /// After a failed sync: unless its record was never written (then the staged commits were
  /// rolled back), every write is refused from now on, naming `why`. Writer thread only.
  void sync_failed(const std::string& why);
  /// The last revision staged (== revision() when nothing awaits its sync). Writer thread only.
  uint64_t staged_revision() const;
  /// Asks the applier to drop logged events beyond the retention bounds once it has written
  /// what is pending, in transactions of at most `max_events`, until none are left; returns at
  /// once. A failure is logged and the events stay until the next request. Any thread.
  void compact_in_background(size_t max_events);
  /// Drops logged events beyond the retention bounds, at most `max_events` in one transaction
  /// (fewer when the versions it keeps for them pass 16 MiB), from those LMDB holds, on this
  /// thread. Returns how many were dropped. The applier's thread
  /// (see compact_in_background), or tests while nothing else compacts.
  size_t compact(size_t max_events);

  /// Writes a consistent copy of the whole store to `path` while it keeps serving; returns the
  /// revision the copy holds.
  uint64_t save_snapshot(const std::string& path) const;
  /// Replaces the store in `dir` by a snapshot file. The store must not be open.
  static void restore_snapshot(const std::string& path, const std::string& dir);

  /// The last revision published (visible to reads). Writer thread only.
  uint64_t revision() const;
  /// Write transactions committed since open (group commit makes this far below the writes).
  uint64_t commits() const;
  /// Returns once LMDB holds every change committed before the call (the applier goes at once).
  /// Any thread. Throws api_error(internal) if the applier fails.
  void flush() const;
  /// The revision LMDB holds; the overlay and the log hold the changes after it.
  uint64_t applied_revision() const;
  const engine_options& options() const { return options_; }

 private:
  friend class snapshot;
  MDB_txn* begin_read() const;
  void end_read(MDB_txn* txn) const;
  void update_indexes(MDB_txn* txn, std::string_view key, std::optional<std::string_view> before,
                      std::optional<std::string_view> after);
  /// `horizon`: the log's, read once per transaction (only this thread moves it).
  void apply_change(MDB_txn* txn, const logged_event& c, uint64_t horizon);
  struct leaving_version {
    uint64_t revision = 0;
    bool replaced = false;  ///< the object changed (or went) after it: keep `object`
    std::string object;
  };
  size_t note_leaving(MDB_txn* txn, const logged_event& leaving,
                    std::map<std::string, leaving_version>& last);
  void keep_prior_versions(MDB_txn* txn, const std::map<std::string, leaving_version>& last);
  void replay_log();
  void apply_pending();
  void apply_loop();

  struct impl;
  void write_staged();  ///< the log's next record; rolls staging back if nothing was written
  std::unique_ptr<impl> impl_;
  engine_options options_;
};

/// Pads a key with NULs to a multiple of 8 bytes, so values after it stay 8-byte aligned.
std::string padded_key(std::string_view key);

}  // namespace troupe::store
