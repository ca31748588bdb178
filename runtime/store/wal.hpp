#pragma once
// The write-ahead log: what makes a commit durable. The commits staged while the last sync ran
// go out as one record holding their changes, appended to a preallocated segment file with one
// write and synced with one fdatasync of contiguous bytes, where a synced LMDB commit writes its
// B-tree pages all over the file and syncs twice. The engine's applier writes the changes to LMDB
// later, many commits to one synced transaction; after that the log lets them go. The log only has
// to cover the changes LMDB lacks.
//
// Layout: DIR/wal/<first revision, 16 hex digits>.log, records back to back from offset 0:
//   [u32 magic][u32 crc32 of all that follows it][u32 payload bytes][u32 changes]
//   [u64 first revision] then per change, each part padded to 8 bytes:
//   [u64 prev revision][i64 time ms][u32 key bytes][u32 object bytes][u8 type][7 pad] key object
// Change i of a record has revision first + i. Reading stops at the first record that is torn,
// fails its checksum or does not continue the revisions; released segments are kept as
// spares (DIR/wal/spare-N.log) and written over, so stale records behind the end are expected.
// Stale records are older than the segment's first revision; a valid record with a later
// revision behind a bad one means the log was damaged, and open refuses it, unless the bad
// record's header is whole, LMDB already holds its revisions and the next record follows it.
// DIR/wal/revision marks the revision LMDB had reached (see wal_writer).

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace troupe::store {

struct change;
struct logged_event;

class wal_writer {
 public:
  /// Starts with no segment: the first append opens one. Segments already in `dir` must have
  /// been replayed into LMDB before: they are released.
  /// `stored_revision`: LMDB's revision, after that replay. The log keeps a mark of the
  /// revision LMDB had reached (written at each start and as segments are released); a
  /// `stored_revision` below it means LMDB was removed or replaced by an older copy, whose
  /// next writes would take revisions already given out: refused, api_error(internal) saying so.
  /// `sync_file` makes a record durable (fdatasync unless a test puts a failing device in its
  /// place); like fdatasync it returns 0, or -1 with errno set.
  /// `reserve_file` reserves a new segment's blocks (fallocate unless a test fills the disk).
  wal_writer(std::string dir, size_t segment_bytes, uint64_t stored_revision,
             std::function<int(int)> sync_file = {},
             std::function<int(int, off_t)> reserve_file = {});
  ~wal_writer();
  wal_writer(const wal_writer&) = delete;
  wal_writer& operator=(const wal_writer&) = delete;

  /// Adds `changes` (consecutive revisions, continuing those added before) to the next record.
  /// Writer thread only.
  void add(const change* changes, size_t count);
  /// Writes what was added since the last call as one record, not synced (a record that would
  /// not fit the segment starts the next one). Throws api_error(internal) on an I/O error.
  /// Writer thread only, and only once the last record's sync has ended: so at most one record
  /// is ever unsynced, and a crash can tear only the last record. Replay relies on that.
  void write_out();
  /// After write_out failed with nothing written: forgets what was added.
  void discard_unwritten();
  /// Bytes added and not yet written out.
  size_t unwritten_bytes() const { return unwritten_.size(); }
  /// The last revision written out (synced or not). Any thread.
  uint64_t written_through() const { return written_through_.load(std::memory_order_acquire); }
  /// The last revision a sync made durable. Any thread.
  uint64_t synced_through() const { return synced_through_.load(std::memory_order_acquire); }
  /// Makes every record written out before it began durable (one fdatasync) and returns the
  /// last revision they hold (0 if none was). Throws api_error(internal) on an I/O error. One
  /// thread at a time, which may be another than the writer's, while it adds on.
  uint64_t sync();
  /// After a failed write or write_out: whether some of its records may be on disk (a write
  /// began), so that a restart could replay them. False when it failed before writing (e.g. no
  /// space for a new segment), and then the revisions they would have taken are still free.
  bool maybe_written() const { return maybe_written_; }

  /// Drops every segment whose changes all have revisions <= `revision` (in LMDB), keeping a
  /// few as spares. Any thread.
  void release_through(uint64_t revision);
  /// Whether the log is busy enough to want a spare prepared (see prepare_spare).
  bool wants_spare() const { return wants_spare_.load(std::memory_order_relaxed); }
  /// Writes one zero-filled spare if fewer than are kept exist or are being written: appends go
  /// faster over written blocks. Slow (a segment's worth of I/O); any thread but the writer's.
  /// Returns whether it made one.
  bool prepare_spare();

 private:
  struct segment {
    uint64_t first_revision;
    std::string path;
  };
  void open_segment(uint64_t first_revision, size_t at_least);
  void open_segment_file(uint64_t first_revision, size_t at_least);
  void retire(const std::string& path);  ///< into a spare, or gone; mutex_ held
  void write_mark(uint64_t revision);    ///< durably: LMDB holds every revision through it

  std::string dir_;
  size_t segment_bytes_;
  std::function<int(int)> sync_file_;
  std::function<int(int, off_t)> reserve_file_;
  // sync uses the writer's file while the writer goes on: a new segment is opened (fd_ changed)
  // only under sync_mutex_.
  std::mutex sync_mutex_;
  int fd_ = -1;
  std::atomic<uint64_t> written_through_{0};  ///< the last revision written
  std::atomic<uint64_t> synced_through_{0};
  size_t offset_ = 0, capacity_ = 0;
  std::string unwritten_;  ///< the next record: header space, then the changes added
  uint64_t unwritten_first_ = 0, unwritten_through_ = 0;
  uint32_t unwritten_count_ = 0;
  bool asked_for_spare_ = false;
  bool maybe_written_ = false;
  std::atomic<bool> wants_spare_{false};

  std::mutex mutex_;  // guards segments_ and spares_ against release_through
  std::vector<segment> segments_;
  std::vector<std::string> spares_;
  size_t preparing_ = 0;
  unsigned next_spare_ = 0;
  std::mutex mark_mutex_;
  uint64_t marked_ = 0;
  static constexpr size_t spares_kept = 2;
};

/// Calls `fn` for every logged change with revision > `after`, in revision order (the views in
/// it are valid during the call), and returns the last revision it saw (`after` if none). Throws
/// api_error(internal) when the log skips revisions (a segment lost or damaged before its end),
/// naming the missing ones.
uint64_t replay_wal(const std::string& dir, uint64_t after,
                    const std::function<void(const logged_event&)>& fn);

/// Every segment and spare of the log in `dir` (for restore, which replaces the store).
void remove_wal(const std::string& dir);

}  // namespace troupe::store
