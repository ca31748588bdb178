#include "runtime/store/wal.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <optional>

#include "runtime/base/error.hpp"
#include "runtime/base/file.hpp"
#include "runtime/store/engine.hpp"

namespace troupe::store {
namespace {

constexpr uint32_t record_magic = 0x4c415754;  // "TWAL"

struct record_header {
  uint32_t magic;
  uint32_t crc;  // of everything after this field: the rest of the header and the payload
  uint32_t payload_size;
  uint32_t count;
  uint64_t first_revision;
};
static_assert(sizeof(record_header) == 24);

struct change_header {
  uint64_t prev_revision;
  int64_t time_ms;
  uint32_t key_size;
  uint32_t object_size;
  uint8_t type;
  uint8_t pad[7];
};
static_assert(sizeof(change_header) == 32);

size_t pad8(size_t n) {
  return (n + 7) & ~size_t{7};
}

[[noreturn]] void io_failure(const std::string& what) {
  throw api_error(api_errc::internal, "store: write-ahead log: " + what + ": " + strerror(errno));
}

uint32_t checksum(const char* data, size_t size) {
  uLong crc = crc32(0L, Z_NULL, 0);
  while (size > 0) {  // zlib takes a uInt length
    uInt chunk = static_cast<uInt>(std::min<size_t>(size, 1u << 30));
    crc = crc32(crc, reinterpret_cast<const Bytef*>(data), chunk);
    data += chunk;
    size -= chunk;
  }
  return static_cast<uint32_t>(crc);
}

std::string wal_dir(const std::string& dir) {
  return dir + "/wal";
}

std::string segment_name(uint64_t first_revision) {
  char name[32];
  snprintf(name, sizeof name, "%016llx.log", static_cast<unsigned long long>(first_revision));
  return name;
}

// The segments in `dir` by first revision; spares are not segments.
std::vector<std::pair<uint64_t, std::string>> list_segments(const std::string& dir) {
  std::vector<std::pair<uint64_t, std::string>> found;
  std::error_code ec;
  std::filesystem::directory_iterator entries(dir, ec);
  if (ec && ec != std::errc::no_such_file_or_directory) {
    errno = ec.value();
    io_failure("list " + dir);
  }
  for (auto& entry : entries) {
    std::string name = entry.path().filename().string();
    if (name.size() != 20 || name.compare(16, 4, ".log") != 0) continue;
    if (name.find_first_not_of("0123456789abcdef") != 16) continue;
    found.emplace_back(std::stoull(name.substr(0, 16), nullptr, 16), entry.path().string());
  }
  std::sort(found.begin(), found.end());
  return found;
}

void sync_dir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) io_failure("open " + dir);
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) io_failure("sync " + dir);
}

bool valid_record(const char* base, size_t size, size_t offset, record_header& h) {
  if (offset + sizeof h > size) return false;
  std::memcpy(&h, base + offset, sizeof h);
  size_t record_size = sizeof h + h.payload_size;
  return h.magic == record_magic && h.count != 0 && record_size <= size - offset &&
         checksum(base + offset + 8, record_size - 8) == h.crc;
}

// The first revision of a valid record at or after `from` (8-aligned, as records are) that
// starts at `revision` or later.
std::optional<uint64_t> later_record(const char* base, size_t size, size_t from,
                                     uint64_t revision) {
  for (size_t at = (from + 7) & ~size_t{7}; at + sizeof(record_header) <= size; at += 8) {
    uint32_t magic;
    std::memcpy(&magic, base + at, sizeof magic);
    record_header h;
    if (magic == record_magic && valid_record(base, size, at, h) && h.first_revision >= revision)
      return h.first_revision;
  }
  return std::nullopt;
}

std::string mark_path(const std::string& wal) {
  return wal + "/revision";
}

}  // namespace

wal_writer::wal_writer(std::string dir, size_t segment_bytes, uint64_t stored_revision,
                       std::function<int(int)> sync_file,
                       std::function<int(int, off_t)> reserve_file)
    : dir_(wal_dir(dir)),
      segment_bytes_(segment_bytes),
      sync_file_(sync_file ? std::move(sync_file) : [](int fd) { return ::fdatasync(fd); }),
      reserve_file_(reserve_file ? std::move(reserve_file) : [](int fd, off_t bytes) {
        return ::fallocate(fd, 0, 0, bytes);
      }) {
  std::error_code ec;
  if (std::filesystem::create_directories(dir_, ec)) sync_dir(dir);
  if (ec) {
    errno = ec.value();
    io_failure("create " + dir_);
  }
  for (auto& entry : std::filesystem::directory_iterator(dir_, ec)) {
    std::string name = entry.path().filename().string();
    if (name.size() > 4 && name.compare(name.size() - 4, 4, ".tmp") == 0) {
      ::unlink(entry.path().c_str());  // a spare being prepared when the process stopped
    } else if (name.rfind("spare-", 0) == 0) {
      next_spare_ = std::max(next_spare_, static_cast<unsigned>(std::atoi(name.c_str() + 6)) + 1);
      // One left short by a failed reservation (a full disk) would fail the next segment again.
      if (entry.file_size(ec) >= segment_bytes_ && !ec)
        spares_.push_back(entry.path().string());
      else
        ::unlink(entry.path().c_str());
    }
  }
  if (auto kept = read_file_if_readable(mark_path(dir_))) {
    marked_ = std::strtoull(kept->c_str(), nullptr, 10);
    if (stored_revision < marked_)
      throw api_error(api_errc::internal,
                      "store: " + dir + "/data.mdb holds revisions through " +
                          std::to_string(stored_revision) + " but this store had reached " +
                          std::to_string(marked_) +
                          " (its write-ahead log's mark): data.mdb was removed or replaced by "
                          "an older copy, and its next writes would reuse revisions already "
                          "given out. Put the current data.mdb back; to go back to the older "
                          "copy on purpose, remove " +
                          dir_ + " as well");
  }
  // Not being able to write it (a full disk, when the server is most wanted up to delete
  // things) only checks less: the next start or retired segment writes it.
  if (stored_revision > marked_) {
    try {
      write_mark(stored_revision);
    } catch (const api_error& e) {
      std::fprintf(stderr, "troupe store: %s\n", e.message().c_str());
    }
  }
  // Whatever the segments hold has been replayed into LMDB by now.
  for (auto& found : list_segments(dir_)) retire(found.second);
}

void wal_writer::write_mark(uint64_t revision) {
  std::lock_guard<std::mutex> lock(mark_mutex_);
  if (revision <= marked_) return;  // as far, or a later mark was written first
  std::string path = mark_path(dir_);
  auto error = replace_file_durably(path, std::to_string(revision) + "\n");
  if (!error.empty())
    throw api_error(api_errc::internal, "store: write-ahead log: write " + path + ": " + error);
  marked_ = revision;
}

wal_writer::~wal_writer() {
  if (fd_ >= 0) ::close(fd_);
}

void wal_writer::open_segment(uint64_t first_revision, size_t at_least) {
  std::lock_guard<std::mutex> lock(sync_mutex_);
  if (fd_ >= 0) ::close(fd_);  // synced: no record is written while the last one syncs
  fd_ = -1;
  try {
    open_segment_file(first_revision, at_least);
  } catch (...) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;  // the next append tries again
    throw;
  }
}

void wal_writer::open_segment_file(uint64_t first_revision, size_t at_least) {
  std::string path = dir_ + "/" + segment_name(first_revision);
  std::string spare;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!spares_.empty()) {
      spare = spares_.back();
      spares_.pop_back();
    }
  }
  if (!spare.empty() && ::rename(spare.c_str(), path.c_str()) != 0) io_failure("reuse " + spare);
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd_ < 0) io_failure("open " + path);
  // Nothing is in it yet: a segment that cannot be made ready goes, rather than stay behind
  // to be replayed (or kept as a spare) later.
  auto give_up = [&](const std::string& what) {
    int error = errno;
    ::unlink(path.c_str());
    errno = error;
    io_failure(what + " " + path);
  };
  capacity_ = std::max(segment_bytes_, at_least);
  struct stat st {};
  if (::fstat(fd_, &st) != 0) give_up("stat");
  if (static_cast<size_t>(st.st_size) < capacity_) {
    // Blocks reserved up front, so an append's fdatasync need not also journal a new size.
    // Without fallocate (some file systems) appends still work, a little slower. On a full
    // disk a segment just large enough for the record still lets deletes free space.
    int rc = reserve_file_(fd_, static_cast<off_t>(capacity_));
    if (rc != 0 && errno == ENOSPC && at_least < capacity_) {
      capacity_ = at_least;
      rc = reserve_file_(fd_, static_cast<off_t>(capacity_));
    }
    if (rc != 0 && errno != EOPNOTSUPP) give_up("reserve");
  } else {
    capacity_ = static_cast<size_t>(st.st_size);
  }
  if (::fsync(fd_) != 0) give_up("sync");
  // The name must be durable before a record in it is acknowledged: replay finds it by name.
  sync_dir(dir_);
  offset_ = 0;
  asked_for_spare_ = false;
  std::lock_guard<std::mutex> lock(mutex_);
  segments_.push_back({first_revision, path});
}

uint64_t wal_writer::sync() {
  std::lock_guard<std::mutex> lock(sync_mutex_);
  uint64_t through = written_through_.load(std::memory_order_acquire);
  if (fd_ >= 0 && sync_file_(fd_) != 0) io_failure("sync");
  synced_through_.store(through, std::memory_order_release);
  return through;
}

void wal_writer::add(const change* changes, size_t count) {
  if (count == 0) return;
  if (unwritten_.empty()) {
    unwritten_.assign(sizeof(record_header), '\0');  // filled in by write_out
    unwritten_first_ = changes[0].revision;
    unwritten_count_ = 0;
  }
  size_t size = 0;
  for (size_t i = 0; i < count; ++i)
    size += sizeof(change_header) + pad8(changes[i].key.size()) + pad8(changes[i].object->size());
  size_t start = unwritten_.size();
  unwritten_.resize(start + size, '\0');
  char* at = unwritten_.data() + start;
  for (size_t i = 0; i < count; ++i) {
    const change& c = changes[i];
    change_header h{c.prev_revision,
                    c.time_ms,
                    static_cast<uint32_t>(c.key.size()),
                    static_cast<uint32_t>(c.object->size()),
                    static_cast<uint8_t>(c.type),
                    {}};
    std::memcpy(at, &h, sizeof h);
    at += sizeof h;
    std::memcpy(at, c.key.data(), c.key.size());
    at += pad8(c.key.size());
    std::memcpy(at, c.object->data(), c.object->size());
    at += pad8(c.object->size());
  }
  unwritten_count_ += static_cast<uint32_t>(count);
  unwritten_through_ = changes[count - 1].revision;
}

void wal_writer::write_out() {
  if (unwritten_.empty()) return;
  size_t size = unwritten_.size();
  maybe_written_ = false;
  if (size - sizeof(record_header) > UINT32_MAX)
    throw api_error(api_errc::internal, "store: write-ahead log: a record of " +
                                            std::to_string(size) + " bytes is too large");
  char* p = unwritten_.data();
  record_header header{record_magic, 0, static_cast<uint32_t>(size - sizeof(record_header)),
                       unwritten_count_, unwritten_first_};
  std::memcpy(p, &header, sizeof header);
  header.crc = checksum(p + 8, size - 8);
  std::memcpy(p, &header, sizeof header);

  if (fd_ < 0 || offset_ + size > capacity_) open_segment(unwritten_first_, size);
  maybe_written_ = true;
  size_t written = 0;
  while (written < size) {
    ssize_t n = ::pwrite(fd_, p + written, size - written, static_cast<off_t>(offset_ + written));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) io_failure("write");
    written += static_cast<size_t>(n);
  }
  offset_ += size;
  unwritten_.clear();
  written_through_.store(unwritten_through_, std::memory_order_release);
  if (!asked_for_spare_ && offset_ > capacity_ / 2) {
    asked_for_spare_ = true;  // once per segment: a busy log will want the next one soon
    std::lock_guard<std::mutex> lock(mutex_);
    if (spares_.size() + preparing_ < spares_kept) wants_spare_ = true;
  }
}

void wal_writer::discard_unwritten() {
  unwritten_.clear();
}

bool wal_writer::prepare_spare() {
  std::string spare;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    wants_spare_ = false;
    if (spares_.size() + preparing_ >= spares_kept) return false;
    spare = dir_ + "/spare-" + std::to_string(next_spare_++) + ".log";
    ++preparing_;
  }
  // Zeros written, not just blocks reserved: an append over written blocks syncs its data
  // alone, while one over reserved blocks also commits the file system's journal.
  std::string tmp = spare + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  bool ok = fd >= 0;
  std::string zeros(size_t{1} << 20, '\0');
  for (size_t at = 0; ok && at < segment_bytes_; at += zeros.size()) {
    size_t n = std::min(zeros.size(), segment_bytes_ - at);
    ok = ::pwrite(fd, zeros.data(), n, static_cast<off_t>(at)) == static_cast<ssize_t>(n);
  }
  ok = ok && ::fsync(fd) == 0;
  if (fd >= 0) ::close(fd);
  ok = ok && ::rename(tmp.c_str(), spare.c_str()) == 0;
  if (!ok) ::unlink(tmp.c_str());
  std::lock_guard<std::mutex> lock(mutex_);
  --preparing_;
  if (ok) spares_.push_back(spare);
  return ok;
}

void wal_writer::retire(const std::string& path) {
  // Written-over spares make later appends cheaper than fresh blocks would.
  if (spares_.size() + preparing_ < spares_kept) {
    std::string spare = dir_ + "/spare-" + std::to_string(next_spare_++) + ".log";
    if (::rename(path.c_str(), spare.c_str()) == 0) spares_.push_back(spare);
  } else {
    ::unlink(path.c_str());
  }
}

void wal_writer::release_through(uint64_t revision) {
  size_t released = 0;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    // A segment's last revision is one before its successor's first; the current one has none.
    while (released + 1 < segments_.size() &&
           segments_[released + 1].first_revision <= revision + 1) {
      retire(segments_[released].path);
      ++released;
    }
    segments_.erase(segments_.begin(), segments_.begin() + static_cast<ptrdiff_t>(released));
  }
  if (released == 0) return;
  try {
    write_mark(revision);  // with the log's record of those revisions gone
  } catch (const api_error&) {
    // A mark behind LMDB only checks less: the next start writes it again.
  }
}

uint64_t replay_wal(const std::string& dir, uint64_t after,
                    const std::function<void(const logged_event&)>& fn) {
  uint64_t expected = after + 1;
  for (auto& [first, path] : list_segments(wal_dir(dir))) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) io_failure("open " + path);
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
      ::close(fd);
      io_failure("stat " + path);
    }
    size_t size = static_cast<size_t>(st.st_size);
    void* map = size ? ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0) : nullptr;
    ::close(fd);
    if (map == MAP_FAILED) io_failure("map " + path);
    const char* base = static_cast<const char*>(map);
    size_t offset = 0;
    uint64_t segment_revision = first;  // the first record must carry the segment's name
    while (offset + sizeof(record_header) <= size) {
      record_header h;
      if (!valid_record(base, size, offset, h) || h.first_revision != segment_revision) {
        // Damaged in its payload alone, every revision it carries already in LMDB, and the next
        // record right behind it: skipped. (Not a record found by scanning: that could be bytes
        // inside the damaged one's payload, an object's value written to look like a record.)
        record_header damaged, following;
        std::memcpy(&damaged, base + offset, sizeof damaged);
        size_t next = offset + sizeof damaged + damaged.payload_size;
        if (damaged.magic == record_magic && damaged.first_revision == segment_revision &&
            damaged.count != 0 && segment_revision + damaged.count <= expected &&
            valid_record(base, size, next, following) &&
            following.first_revision == segment_revision + damaged.count) {
          segment_revision = following.first_revision;
          offset = next;
          continue;
        }
        // The end: a torn or never-written record, or stale bytes of a reused spare. Unless a
        // later revision is written further on: then this record was damaged after its sync.
        if (auto later = later_record(base, size, offset + 8, segment_revision)) {
          ::munmap(map, size);
          throw api_error(api_errc::internal,
                          "store: write-ahead log " + path + " is damaged at byte " +
                              std::to_string(offset) + ": revision " + std::to_string(*later) +
                              " is written after it but revisions from " +
                              std::to_string(segment_revision) + " are unreadable");
        }
        break;
      }
      uint64_t last = h.first_revision + h.count - 1;
      if (last >= expected) {
        if (h.first_revision > expected) {
          ::munmap(map, size);
          throw api_error(api_errc::internal, "store: write-ahead log is missing revisions " +
                                                  std::to_string(expected) + " to " +
                                                  std::to_string(h.first_revision - 1) +
                                                  " (before " + path + ")");
        }
        const char* at = base + offset + sizeof h;
        for (uint32_t i = 0; i < h.count; ++i) {
          change_header ch;
          std::memcpy(&ch, at, sizeof ch);
          at += sizeof ch;
          logged_event c;
          c.type = static_cast<event_type>(ch.type);
          c.revision = h.first_revision + i;
          c.prev_revision = ch.prev_revision;
          c.time_ms = ch.time_ms;
          c.key = std::string_view(at, ch.key_size);
          at += pad8(ch.key_size);
          c.object = std::string_view(at, ch.object_size);
          at += pad8(ch.object_size);
          if (c.revision >= expected) {
            fn(c);
            expected = c.revision + 1;
          }
        }
      }
      segment_revision = last + 1;
      offset += sizeof h + h.payload_size;
    }
    if (map) ::munmap(map, size);
  }
  return expected - 1;
}

void remove_wal(const std::string& dir) {
  std::error_code ec;
  std::filesystem::remove_all(wal_dir(dir), ec);
}

}  // namespace troupe::store
