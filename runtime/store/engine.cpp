#include "runtime/store/engine.hpp"

#include <capnp/message.h>
#include <fcntl.h>
#include <lmdb.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "runtime/base/text.hpp"
#include "runtime/base/thread_name.hpp"
#include "runtime/base/time.hpp"
#include "runtime/object/kinds.hpp"
#include "runtime/object/object.hpp"
#include "runtime/store/overlay.hpp"
#include "runtime/store/wal.hpp"

namespace troupe::store {
namespace {

[[noreturn]] void fail(const std::string& what, int rc) {
  throw api_error(api_errc::internal, "store: " + what + ": " + mdb_strerror(rc));
}

// A commit that writes pages to `dir`. LMDB reports a short write, as on a full disk, as EIO,
// so a failed write also says how much room is left there.
[[noreturn]] void fail_writing(const std::string& what, int rc, const std::string& dir) {
  std::string room;
  struct statvfs fs {};
  if ((rc == EIO || rc == ENOSPC) && ::statvfs(dir.c_str(), &fs) == 0)
    room = " (" + std::to_string(uint64_t{fs.f_bavail} * fs.f_frsize / 1024) +
           " KiB free on the file system of " + dir + ")";
  throw api_error(api_errc::internal, "store: " + what + ": " + mdb_strerror(rc) + room);
}

void check(int rc, const char* what) {
  if (rc != MDB_SUCCESS) fail(what, rc);
}

struct event_header {
  uint64_t prev_revision;
  int64_t time_ms;
  uint32_t object_size;
  uint16_t key_size;
  uint8_t type;
  uint8_t reserved;
};
static_assert(sizeof(event_header) == 24);

size_t pad8(size_t n) {
  return (n + 7) & ~size_t{7};
}

std::string revision_key(uint64_t revision) {
  std::string k(8, '\0');
  for (int i = 7; i >= 0; --i) {
    k[i] = static_cast<char>(revision & 0xff);
    revision >>= 8;
  }
  return k;
}

uint64_t revision_of_key(const MDB_val& v) {
  uint64_t r = 0;
  auto* p = static_cast<const unsigned char*>(v.mv_data);
  for (size_t i = 0; i < 8; ++i) r = (r << 8) | p[i];
  return r;
}

MDB_val val(std::string_view s) {
  return MDB_val{s.size(), const_cast<char*>(s.data())};
}

std::string_view unpadded(const MDB_val& v) {
  std::string_view s(static_cast<const char*>(v.mv_data), v.mv_size);
  while (!s.empty() && s.back() == '\0') s.remove_suffix(1);
  return s;
}

uint64_t read_u64(const void* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// "pods \"web\"" or "deployments.apps \"web\"", as Kubernetes names objects in errors.
std::string describe_key(std::string_view key) {
  auto parts = parse_key(key);
  if (!parts) return troupe::quote(key);
  return std::string(parts->resource) + " " + troupe::quote(parts->name);
}

std::string stamp(std::string_view bytes, uint64_t revision) {
  object_reader reader(bytes);
  auto root = reader.root();
  capnp::MallocMessageBuilder message(root.totalSize().wordCount + 8);
  message.setRoot(root);
  auto out = message.getRoot<capnp::AnyPointer>().getAs<capnp::AnyStruct>();
  meta_of(out).setResourceVersion(std::to_string(revision));
  return to_bytes(message);
}

logged_event parse_event(const MDB_val& key, const MDB_val& value) {
  event_header h;
  std::memcpy(&h, value.mv_data, sizeof h);
  auto* base = static_cast<const char*>(value.mv_data);
  logged_event e;
  e.type = static_cast<event_type>(h.type);
  e.revision = revision_of_key(key);
  e.prev_revision = h.prev_revision;
  e.time_ms = h.time_ms;
  e.key = std::string_view(base + sizeof h, h.key_size);
  e.object = std::string_view(base + sizeof h + pad8(h.key_size), h.object_size);
  return e;
}

}  // namespace

std::string_view to_string(event_type type) {
  switch (type) {
    case event_type::added: return "ADDED";
    case event_type::modified: return "MODIFIED";
    case event_type::deleted: return "DELETED";
    case event_type::bookmark: return "BOOKMARK";
  }
  return "UNKNOWN";
}

std::string padded_key(std::string_view key) {
  std::string k(key);
  k.resize(pad8(k.size()), '\0');
  return k;
}

struct engine::impl {
  MDB_env* env = nullptr;
  MDB_dbi objects = 0, events = 0, meta = 0, index = 0, prior = 0;
  int lock_fd = -1;
  // Reset read transactions kept for reuse (renewing one is far cheaper than beginning one).
  // Lock-free slots, each on its own cache line, so readers on different cores don't contend.
  struct alignas(64) pooled_txn {
    std::atomic<MDB_txn*> txn{nullptr};
  };
  static constexpr size_t pool_slots = 64;
  std::array<pooled_txn, pool_slots> pool;
  uint64_t revision = 0;  // writer's copy: the last published
  uint64_t staged = 0;    // writer's: the last staged (in the log's next record or later)
  // What each staged commit not yet published wrote, oldest first, by key (null object:
  // deleted): the next commits must see it. Usually one or two commits.
  struct staged_version {
    uint64_t revision = 0;
    std::shared_ptr<const std::string> object;
  };
  struct staged_writes {
    uint64_t through = 0;  // the commit's last revision
    std::unordered_map<std::string, staged_version> by_key;
  };
  std::deque<staged_writes> unpublished;

  const staged_version* find_unpublished(const std::string& key) const {
    for (auto commit = unpublished.rbegin(); commit != unpublished.rend(); ++commit)
      if (auto found = commit->by_key.find(key); found != commit->by_key.end())
        return &found->second;
    return nullptr;
  }

  std::thread syncer;  // started by the first background sync
  std::mutex sync_job_mutex;
  std::condition_variable sync_job_wake;
  std::function<void(uint64_t, std::string)> sync_job;
  bool syncer_stopping = false;
  bool sync_running = false;
  std::string sync_error;  // a background sync failed: nothing may be written after it

  // Waits until no background sync is asked for or running, and takes up its failure: a record
  // is written only once the last one's sync has ended (see wal_writer::write_out).
  void await_sync() {
    std::string error;
    {
      std::unique_lock<std::mutex> lock(sync_job_mutex);
      sync_job_wake.wait(lock, [&] { return !sync_job && !sync_running; });
      error = sync_error;
    }
    if (!error.empty() && failure.empty()) failure = error;
    if (!failure.empty())
      throw api_error(api_errc::internal,
                      "store: no more writes until a restart, after " + failure);
  }
  std::atomic<uint64_t> commits{0};

  std::unique_ptr<wal_writer> wal;
  // Set when the log may hold a record that was not acknowledged (a failed write or sync): the
  // revisions after it can't be handed out again until a restart has replayed the log.
  std::string failure;

  // The newest overlay. Readers copy the pointer under the lock; the writer and the applier
  // publish new ones under it.
  mutable std::mutex overlay_mutex;
  std::shared_ptr<const overlay> current;
  std::atomic<const overlay*> current_address{nullptr};

  std::thread applier;
  std::mutex build_mutex;  // the writer and the applier each build the next overlay from the last

  std::mutex apply_mutex;              // guards the six below
  std::condition_variable apply_wake;  // the applier waits for work, flushers for the applier
  bool stopping = false;
  bool pending = false;      // commits since the applier last looked
  size_t compact_batch = 0;  // asked to compact in transactions of this many events (0: not)
  uint64_t flush_to = 0;     // a flush waits for LMDB to hold this revision: apply now
  std::string apply_error;   // of the last run
  uint64_t apply_runs = 0;
  std::atomic<bool> apply_failed{false};  // apply_error is set: commits are refused
  std::atomic<uint64_t> applied{0};

  std::shared_ptr<const overlay> load() const {
    // A thread's last overlay is reused without the lock while it is still the current one:
    // the cached reference keeps its address from being reused, so equal means the same.
    thread_local std::shared_ptr<const overlay> cached;
    if (cached && current_address.load(std::memory_order_acquire) == cached.get()) return cached;
    std::lock_guard<std::mutex> lock(overlay_mutex);
    cached = current;
    return cached;
  }
  void publish(std::shared_ptr<const overlay> next) {
    std::lock_guard<std::mutex> lock(overlay_mutex);
    current = std::move(next);
    current_address.store(current.get(), std::memory_order_release);
  }

  ~impl() {
    for (auto& slot : pool)
      if (auto* txn = slot.txn.load()) mdb_txn_abort(txn);
    if (env) mdb_env_close(env);
    if (lock_fd >= 0) close(lock_fd);
  }
};

namespace {

int lock_directory(const std::string& dir) {
  std::string path = dir + "/troupe.lock";
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    throw api_error(api_errc::internal, "store: cannot open " + path + ": " + strerror(errno));
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    close(fd);
    throw api_error(api_errc::unavailable,
                    "store: data directory " + dir + " is in use by another troupe process");
  }
  return fd;
}

uint64_t get_meta(MDB_txn* txn, MDB_dbi meta, const char* name) {
  MDB_val k = val(name), v;
  int rc = mdb_get(txn, meta, &k, &v);
  if (rc == MDB_NOTFOUND) return 0;
  check(rc, "read meta");
  return read_u64(v.mv_data);
}

void put_meta(MDB_txn* txn, MDB_dbi meta, const char* name, uint64_t value) {
  MDB_val k = val(name), v{sizeof value, &value};
  check(mdb_put(txn, meta, &k, &v, 0), "write meta");
}

std::string get_meta_text(MDB_txn* txn, MDB_dbi meta, const char* name) {
  MDB_val k = val(name), v;
  int rc = mdb_get(txn, meta, &k, &v);
  if (rc == MDB_NOTFOUND) return {};
  check(rc, "read meta");
  return std::string(static_cast<const char*>(v.mv_data), v.mv_size);
}

void put_meta_text(MDB_txn* txn, MDB_dbi meta, const char* name, std::string_view value) {
  MDB_val k = val(name), v = val(value);
  check(mdb_put(txn, meta, &k, &v, 0), "write meta");
}

std::string index_names(const std::vector<field_index>& indexes) {
  std::string names;
  for (auto& index : indexes) {
    if (!names.empty()) names += ',';
    names += index.resource + '/' + index.field;
  }
  return names;
}

bool indexes_resource(const field_index& index, std::string_view key) {
  return key.size() > index.resource.size() && key[index.resource.size()] == '/' &&
         key.compare(0, index.resource.size(), index.resource) == 0;
}

std::string index_prefix(std::string_view resource, std::string_view field,
                         std::string_view value) {
  std::string k;
  k.reserve(resource.size() + field.size() + value.size() + 3);
  k.append(resource).append(1, '\0').append(field).append(1, '\0').append(value).append(1, '\0');
  return k;
}

std::string index_key(const field_index& index, std::string_view value, std::string_view key) {
  return index_prefix(index.resource, index.field, value).append(key);
}

void put_index(MDB_txn* txn, MDB_dbi dbi, const std::string& k) {
  MDB_val mk = val(k), v{0, nullptr};
  check(mdb_put(txn, dbi, &mk, &v, 0), "put index");
}

void del_index(MDB_txn* txn, MDB_dbi dbi, const std::string& k) {
  MDB_val mk = val(k);
  int rc = mdb_del(txn, dbi, &mk, nullptr);
  if (rc != MDB_NOTFOUND) check(rc, "delete index");
}

// Fills the index database from the objects: at open, when the indexes asked for are not the
// ones the store holds (a new store, or one written with other indexes).
void rebuild_indexes(MDB_txn* txn, MDB_dbi objects, MDB_dbi index,
                     const std::vector<field_index>& indexes) {
  check(mdb_drop(txn, index, 0), "clear index");
  MDB_cursor* cursor = nullptr;
  check(mdb_cursor_open(txn, objects, &cursor), "open cursor");
  for (auto& spec : indexes) {
    std::string prefix = spec.resource + '/';
    MDB_val k = val(prefix), v;
    int rc = mdb_cursor_get(cursor, &k, &v, MDB_SET_RANGE);
    for (; rc == MDB_SUCCESS; rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT)) {
      std::string_view key(static_cast<const char*>(k.mv_data), k.mv_size);
      if (key.compare(0, prefix.size(), prefix) != 0) break;
      key = unpadded(k);
      std::string_view object(static_cast<const char*>(v.mv_data) + 8, v.mv_size - 8);
      put_index(txn, index, index_key(spec, spec.value_of(object), key));
    }
    if (rc != MDB_SUCCESS && rc != MDB_NOTFOUND) {
      mdb_cursor_close(cursor);
      fail("rebuild index", rc);
    }
  }
  mdb_cursor_close(cursor);
}

struct txn_guard {
  MDB_txn* txn = nullptr;
  ~txn_guard() {
    if (txn) mdb_txn_abort(txn);
  }
};

void put_object(MDB_txn* txn, MDB_dbi dbi, const std::string& key, uint64_t revision,
                std::string_view object) {
  MDB_val k = val(key), v{8 + object.size(), nullptr};
  check(mdb_put(txn, dbi, &k, &v, MDB_RESERVE), "put object");
  auto* p = static_cast<char*>(v.mv_data);
  std::memcpy(p, &revision, 8);
  std::memcpy(p + 8, object.data(), object.size());
}

void put_event(MDB_txn* txn, MDB_dbi dbi, event_type type, uint64_t revision,
               uint64_t prev_revision, int64_t time_ms, std::string_view key,
               std::string_view object) {
  std::string k = revision_key(revision);
  size_t key_size = pad8(key.size());
  MDB_val mk = val(k), v{sizeof(event_header) + key_size + object.size(), nullptr};
  check(mdb_put(txn, dbi, &mk, &v, MDB_RESERVE | MDB_APPEND), "put event");
  event_header h{prev_revision,
                 time_ms,
                 static_cast<uint32_t>(object.size()),
                 static_cast<uint16_t>(key.size()),
                 static_cast<uint8_t>(type),
                 0};
  auto* p = static_cast<char*>(v.mv_data);
  std::memcpy(p, &h, sizeof h);
  std::memset(p + sizeof h, 0, key_size);
  std::memcpy(p + sizeof h, key.data(), key.size());
  std::memcpy(p + sizeof h + key_size, object.data(), object.size());
}

}  // namespace

engine::engine(engine_options options) : impl_(std::make_unique<impl>()), options_(options) {
  std::error_code ec;
  std::filesystem::create_directories(options_.dir, ec);
  if (ec)
    throw api_error(api_errc::internal,
                    "store: cannot create " + options_.dir + ": " + ec.message());
  impl_->lock_fd = lock_directory(options_.dir);
  check(mdb_env_create(&impl_->env), "create environment");
  check(mdb_env_set_mapsize(impl_->env, options_.map_size), "set map size");
  check(mdb_env_set_maxdbs(impl_->env, 6), "set max dbs");
  check(mdb_env_set_maxreaders(impl_->env, options_.max_readers), "set max readers");
  // MDB_NOTLS: snapshots are handed between threads (actors migrate across workers).
  int rc = mdb_env_open(impl_->env, options_.dir.c_str(), MDB_NOTLS, 0600);
  if (rc != MDB_SUCCESS) fail("open " + options_.dir, rc);
  // LMDB reads its pages through the map: a file cut short under them would end the process
  // with SIGBUS at the first read past its end, not an error.
  MDB_envinfo info{};
  MDB_stat stat{};
  check(mdb_env_info(impl_->env, &info), "read environment");
  check(mdb_env_stat(impl_->env, &stat), "read environment");
  std::error_code size_error;
  auto file_size = std::filesystem::file_size(options_.dir + "/data.mdb", size_error);
  uint64_t pages_end = (uint64_t{info.me_last_pgno} + 1) * stat.ms_psize;
  if (!size_error && file_size < pages_end)
    throw api_error(api_errc::internal,
                    "store: " + options_.dir + "/data.mdb is damaged: it is " +
                        std::to_string(file_size) + " bytes long but its pages reach byte " +
                        std::to_string(pages_end) + " (the file was cut short)");
  MDB_txn* txn = nullptr;
  check(mdb_txn_begin(impl_->env, nullptr, 0, &txn), "begin");
  try {
    check(mdb_dbi_open(txn, "objects", MDB_CREATE, &impl_->objects), "open objects");
    check(mdb_dbi_open(txn, "events", MDB_CREATE, &impl_->events), "open events");
    check(mdb_dbi_open(txn, "meta", MDB_CREATE, &impl_->meta), "open meta");
    check(mdb_dbi_open(txn, "index", MDB_CREATE, &impl_->index), "open index");
    check(mdb_dbi_open(txn, "prior", MDB_CREATE, &impl_->prior), "open prior");
    impl_->revision = get_meta(txn, impl_->meta, "revision");
  } catch (...) {
    mdb_txn_abort(txn);
    throw;
  }
  check(mdb_txn_commit(txn), "commit open");
  replay_log();

  check(mdb_txn_begin(impl_->env, nullptr, 0, &txn), "begin");
  try {
    // Rebuilt unless it is the index asked for and no commit went by it: a binary from before
    // indexes would have written objects without keeping "indexed" up with "revision".
    std::string wanted = index_names(options_.indexes);
    if (get_meta_text(txn, impl_->meta, "indexes") != wanted ||
        get_meta(txn, impl_->meta, "indexed") != impl_->revision) {
      rebuild_indexes(txn, impl_->objects, impl_->index, options_.indexes);
      put_meta_text(txn, impl_->meta, "indexes", wanted);
      put_meta(txn, impl_->meta, "indexed", impl_->revision);
    }
  } catch (...) {
    mdb_txn_abort(txn);
    throw;
  }
  check(mdb_txn_commit(txn), "commit open");

  impl_->applied = impl_->staged = impl_->revision;
  auto empty = std::make_shared<overlay>();
  empty->applied = empty->revision = impl_->revision;
  impl_->publish(std::move(empty));
  // What the log held is in LMDB now (replayed and synced): its segments go.
  impl_->wal =
      std::make_unique<wal_writer>(options_.dir, options_.wal_segment_bytes, impl_->revision,
                                   options_.sync_log_file, options_.reserve_log_file);
  impl_->applier = std::thread([this] {
    name_this_thread("store.apply");
    apply_loop();
  });
}

engine::~engine() {
  if (impl_->syncer.joinable()) {
    {
      std::lock_guard<std::mutex> lock(impl_->sync_job_mutex);
      impl_->syncer_stopping = true;
    }
    impl_->sync_job_wake.notify_all();
    impl_->syncer.join();  // after a sync it was asked for
  }
  if (impl_->applier.joinable()) {
    {
      std::lock_guard<std::mutex> lock(impl_->apply_mutex);
      impl_->stopping = true;
    }
    impl_->apply_wake.notify_all();
    impl_->applier.join();  // after writing what is pending, so the next open replays nothing
  }
}

uint64_t engine::revision() const {
  return impl_->revision;
}

uint64_t engine::commits() const {
  return impl_->commits.load(std::memory_order_relaxed);
}

uint64_t engine::applied_revision() const {
  return impl_->applied.load(std::memory_order_acquire);
}

// ---- the log and the applier ----------------------------------------------------------------

void engine::apply_change(MDB_txn* txn, const logged_event& c, uint64_t horizon) {
  std::string key = padded_key(c.key);
  MDB_val mk = val(key), mv;
  int rc = mdb_get(txn, impl_->objects, &mk, &mv);
  if (rc != MDB_SUCCESS && rc != MDB_NOTFOUND) fail("get", rc);
  std::optional<std::string_view> previous;
  if (rc == MDB_SUCCESS) previous.emplace(static_cast<const char*>(mv.mv_data) + 8, mv.mv_size - 8);
  if (previous && c.type == event_type::modified && c.prev_revision <= horizon) {
    // The version this one replaces is older than the log: keep it, as compaction would have.
    // Copied first: a write may move the page it is read from.
    std::string replaced(*previous);
    put_object(txn, impl_->prior, key, read_u64(static_cast<const char*>(mv.mv_data)), replaced);
    rc = mdb_get(txn, impl_->objects, &mk, &mv);
    check(rc, "get");
    previous.emplace(static_cast<const char*>(mv.mv_data) + 8, mv.mv_size - 8);
  }
  bool removed = c.type == event_type::deleted;
  std::optional<std::string_view> object;
  if (!removed) object = c.object;
  try {
    update_indexes(txn, c.key, previous, object);
  } catch (const kj::Exception& e) {  // commit checks every object it logs; this is a backstop
    throw api_error(api_errc::internal, "store: indexing " + std::string(c.key) + " at revision " +
                                            std::to_string(c.revision) + ": " +
                                            e.getDescription().cStr());
  }
  if (removed && previous) {
    check(mdb_del(txn, impl_->objects, &mk, nullptr), "delete");
  } else if (!removed) {
    put_object(txn, impl_->objects, key, c.revision, c.object);
  }
  put_event(txn, impl_->events, c.type, c.revision, c.prev_revision, c.time_ms, c.key, c.object);
}

void engine::replay_log() {
  txn_guard guard;
  size_t in_transaction = 0;
  uint64_t revision = impl_->revision;
  auto commit_replayed = [&] {
    if (!guard.txn) return;
    put_meta(guard.txn, impl_->meta, "revision", revision);
    put_meta(guard.txn, impl_->meta, "indexed", revision);
    int rc = mdb_txn_commit(guard.txn);
    guard.txn = nullptr;
    if (rc != MDB_SUCCESS) fail_writing("commit replayed log", rc, options_.dir);
    impl_->revision = revision;
    in_transaction = 0;
  };
  uint64_t horizon = 0;  // compaction does not run while the log replays
  replay_wal(options_.dir, impl_->revision, [&](const logged_event& c) {
    if (!guard.txn) {
      check(mdb_txn_begin(impl_->env, nullptr, 0, &guard.txn), "begin replay");
      horizon = get_meta(guard.txn, impl_->meta, "horizon");
    }
    apply_change(guard.txn, c, horizon);
    revision = c.revision;
    if (++in_transaction == 10000) commit_replayed();  // LMDB bounds a transaction's dirty pages
  });
  commit_replayed();
}

namespace {
// A committed change as the event log holds it (views into the change).
logged_event as_event(const change& c) {
  logged_event e;
  e.type = c.type;
  e.revision = c.revision;
  e.prev_revision = c.prev_revision;
  e.time_ms = c.time_ms;
  e.key = c.key;
  e.object = *c.object;
  return e;
}
}  // namespace

void engine::apply_pending() {
  auto& im = *impl_;
  auto pending = im.load();
  uint64_t from = im.applied.load(std::memory_order_acquire);
  size_t batch = 0;
  while (pending->revision > from) {
    // Whole commits, up to about as many changes as LMDB takes in one transaction with ease
    // (after a stall the overlay can hold far more).
    txn_guard guard;
    check(mdb_txn_begin(im.env, nullptr, 0, &guard.txn), "begin apply");
    // Read in the write transaction: compaction, the only other writer of it, cannot move it
    // meanwhile.
    uint64_t horizon = get_meta(guard.txn, im.meta, "horizon");
    uint64_t through = from;
    size_t changes = 0;
    for (; batch < pending->batch_count() && changes < 10000; ++batch) {
      for (auto& c : pending->batch(batch)) {
        if (c.revision <= from) continue;
        apply_change(guard.txn, as_event(c), horizon);
        through = c.revision;
        ++changes;
      }
    }
    put_meta(guard.txn, im.meta, "revision", through);
    put_meta(guard.txn, im.meta, "indexed", through);
    int rc = mdb_txn_commit(guard.txn);  // synced: the log can let these changes go
    guard.txn = nullptr;
    if (rc != MDB_SUCCESS) fail_writing("commit applied changes", rc, options_.dir);
    im.applied.store(through, std::memory_order_release);
    im.wal->release_through(through);
    {
      std::lock_guard<std::mutex> lock(im.build_mutex);
      im.publish(next_overlay(*im.load(), {}, through));
    }
    from = through;
  }
}

void engine::apply_loop() {
  auto& im = *impl_;
  auto interval = std::chrono::milliseconds(options_.apply_interval_ms);
  std::unique_lock<std::mutex> lock(im.apply_mutex);
  for (;;) {
    auto flushing = [&] { return im.stopping || im.flush_to > im.applied.load(); };
    if (im.apply_failed.load()) {
      // Commits are refused meanwhile (see commit), so nothing new comes: retry each second,
      // or at once for a flush.
      im.apply_wake.wait_for(lock, std::chrono::seconds(1), flushing);
    } else {
      im.apply_wake.wait(lock, [&] { return flushing() || im.pending || im.compact_batch > 0; });
      // Let commits gather: each B-tree page they share is then written once.
      if (im.pending && !flushing()) im.apply_wake.wait_for(lock, interval, flushing);
    }
    im.pending = false;
    bool last = im.stopping;
    size_t compact_batch = last ? 0 : im.compact_batch;
    lock.unlock();
    std::string error;
    try {
      apply_pending();
      if (!last && im.wal->wants_spare()) im.wal->prepare_spare();
    } catch (const api_error& e) {
      error = e.message();
    } catch (const kj::Exception& e) {
      error = std::string("store: ") + e.getDescription().cStr();
    } catch (const std::exception& e) {
      error = std::string("store: ") + e.what();
    }
    // What failed is not in LMDB: the overlay and the log still hold it all.
    if (!error.empty())
      std::cerr << "troupe store: writing committed changes to LMDB failed: " << error << "\n";
    lock.lock();
    im.apply_error = error;
    ++im.apply_runs;
    im.apply_failed.store(!error.empty(), std::memory_order_release);
    if (!error.empty()) im.flush_to = im.applied.load();  // waiting flushers get the error
    im.apply_wake.notify_all();
    if (last) return;
    if (compact_batch == 0) continue;
    lock.unlock();
    // Here rather than on the writer's thread: compaction commits an LMDB transaction, which
    // waits for this thread's own and syncs, and writes would wait meanwhile. Also after a
    // failed apply: the pages it frees may be what a full map lacks.
    bool request_done = true;
    try {
      size_t dropped = compact(compact_batch);
      request_done = dropped < compact_batch;  // else the next round goes on
      if (!error.empty() && dropped > 0) {
        // LMDB reuses the pages a transaction freed only from the second transaction after
        // it, and the failing apply commits none: one more commit lets its retry have them.
        txn_guard guard;
        check(mdb_txn_begin(im.env, nullptr, 0, &guard.txn), "begin compact");
        put_meta(guard.txn, im.meta, "horizon", get_meta(guard.txn, im.meta, "horizon"));
        int rc = mdb_txn_commit(guard.txn);
        guard.txn = nullptr;
        if (rc != MDB_SUCCESS) fail_writing("commit compact", rc, options_.dir);
      }
    } catch (const api_error& e) {
      if (error.empty())  // else the apply's error says it already
        std::cerr << "troupe store: compacting the event log failed (tried again when next "
                     "asked): "
                  << e.message() << "\n";
    }
    lock.lock();
    // A request that came meanwhile finds the log compacted but for what came since then, and
    // the store asks again each second.
    if (request_done) im.compact_batch = 0;
  }
}

void engine::compact_in_background(size_t max_events) {
  if (max_events == 0) return;
  auto& im = *impl_;
  std::lock_guard<std::mutex> lock(im.apply_mutex);
  im.compact_batch = max_events;
  im.apply_wake.notify_all();
}

void engine::flush() const {
  auto& im = *impl_;
  uint64_t target = im.load()->revision;
  std::unique_lock<std::mutex> lock(im.apply_mutex);
  uint64_t runs = im.apply_runs;
  im.flush_to = std::max(im.flush_to, target);
  im.apply_wake.notify_all();
  im.apply_wake.wait(lock, [&] {
    return im.applied.load() >= target || im.stopping ||
           (im.apply_runs > runs && !im.apply_error.empty());
  });
  if (im.applied.load() < target)
    throw api_error(api_errc::internal, im.stopping ? "store: closing" : im.apply_error);
}

namespace {
// Where a thread starts looking in the pool, so threads mostly keep to their own slots.
size_t pool_start() {
  static thread_local size_t start = std::hash<std::thread::id>{}(std::this_thread::get_id());
  return start;
}
}  // namespace

MDB_txn* engine::begin_read() const {
  MDB_txn* txn = nullptr;
  size_t start = pool_start();
  for (size_t i = 0; i < impl::pool_slots && !txn; ++i) {
    auto& slot = impl_->pool[(start + i) % impl::pool_slots].txn;
    if (slot.load(std::memory_order_relaxed))
      txn = slot.exchange(nullptr, std::memory_order_acquire);
  }
  if (txn) {
    int rc = mdb_txn_renew(txn);
    if (rc == MDB_SUCCESS) return txn;
    mdb_txn_abort(txn);
  }
  check(mdb_txn_begin(impl_->env, nullptr, MDB_RDONLY, &txn), "begin read");
  return txn;
}

void engine::end_read(MDB_txn* txn) const {
  mdb_txn_reset(txn);
  size_t start = pool_start();
  for (size_t i = 0; i < impl::pool_slots; ++i) {
    auto& slot = impl_->pool[(start + i) % impl::pool_slots].txn;
    MDB_txn* empty = nullptr;
    if (!slot.load(std::memory_order_relaxed) &&
        slot.compare_exchange_strong(empty, txn, std::memory_order_release))
      return;
  }
  mdb_txn_abort(txn);  // the pool is full
}

snapshot engine::read() const {
  for (;;) {
    MDB_txn* txn = begin_read();
    uint64_t lmdb_revision = 0;
    try {
      lmdb_revision = get_meta(txn, impl_->meta, "revision");
    } catch (...) {
      end_read(txn);
      throw;
    }
    auto changes = impl_->load();
    if (changes->applied <= lmdb_revision)
      return snapshot(*this, txn, std::move(changes), lmdb_revision);
    // The applier committed and let go of changes after this transaction began: begin again.
    end_read(txn);
  }
}

// ---- snapshot -------------------------------------------------------------------------------

snapshot::snapshot(const engine& owner, MDB_txn* txn, std::shared_ptr<const overlay> changes,
                   uint64_t lmdb_revision)
    : owner_(&owner), txn_(txn), overlay_(std::move(changes)), lmdb_revision_(lmdb_revision) {
  revision_ = overlay_->revision;
  horizon_ = get_meta(txn_, owner.impl_->meta, "horizon");
}

snapshot::snapshot(snapshot&& other) noexcept
    : owner_(other.owner_),
      txn_(other.txn_),
      overlay_(std::move(other.overlay_)),
      lmdb_revision_(other.lmdb_revision_),
      revision_(other.revision_),
      horizon_(other.horizon_) {
  other.txn_ = nullptr;
}

snapshot::~snapshot() {
  if (txn_) owner_->end_read(txn_);
}

namespace {

std::optional<stored_view> lmdb_get(MDB_txn* txn, MDB_dbi objects, std::string_view key) {
  std::string k = padded_key(key);
  MDB_val mk = val(k), mv;
  int rc = mdb_get(txn, objects, &mk, &mv);
  if (rc == MDB_NOTFOUND) return std::nullopt;
  check(rc, "get");
  auto* p = static_cast<const char*>(mv.mv_data);
  return stored_view{read_u64(p), std::string_view(p + 8, mv.mv_size - 8)};
}

bool has_prefix(std::string_view s, std::string_view prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

}  // namespace

std::optional<stored_view> snapshot::get(std::string_view key) const {
  if (const overlay_entry* e = overlay_->find(key)) {
    if (!e->object) return std::nullopt;
    return stored_view{e->revision, *e->object};
  }
  return lmdb_get(txn_, owner_->impl_->objects, key);
}

void snapshot::list(std::string_view prefix,
                    const std::function<bool(std::string_view, stored_view)>& fn,
                    std::string_view after) const {
  // Keys after `after` only: both walks start at it and step over it.
  std::string_view from = after > prefix ? after : prefix;
  overlay_cursor changed_entries(*overlay_, from);
  while (!after.empty() && changed_entries.get() && changed_entries.get()->key <= after)
    changed_entries.next();
  auto overlay_key = [&]() -> std::optional<std::string_view> {
    const overlay_entry* e = changed_entries.get();
    if (e && has_prefix(e->key, prefix)) return e->key;
    return std::nullopt;
  };
  MDB_cursor* cursor = nullptr;
  check(mdb_cursor_open(txn_, owner_->impl_->objects, &cursor), "open cursor");
  MDB_val k = val(from), v;
  int rc = mdb_cursor_get(cursor, &k, &v, from.empty() ? MDB_FIRST : MDB_SET_RANGE);
  while (!after.empty() && rc == MDB_SUCCESS && unpadded(k) <= after)
    rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT);
  bool more = true;
  // Both in key order (NUL padding keeps LMDB's order that of the unpadded keys); where a key is
  // in both, the overlay's version is the newer one.
  while (more) {
    std::optional<std::string_view> stored;
    if (rc == MDB_SUCCESS) {
      std::string_view key(static_cast<const char*>(k.mv_data), k.mv_size);
      if (has_prefix(key, prefix)) stored = unpadded(k);
    }
    auto changed = overlay_key();
    if (!stored && !changed) break;
    if (changed && (!stored || *changed <= *stored)) {
      const overlay_entry& e = *changed_entries.get();
      changed_entries.next();
      if (stored && *stored == *changed) rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT);
      if (e.object) more = fn(e.key, stored_view{e.revision, *e.object});
    } else {
      auto* p = static_cast<const char*>(v.mv_data);
      more = fn(*stored, stored_view{read_u64(p), std::string_view(p + 8, v.mv_size - 8)});
      rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT);
    }
  }
  mdb_cursor_close(cursor);
  if (rc != MDB_SUCCESS && rc != MDB_NOTFOUND) fail("list", rc);
}

size_t snapshot::count(std::string_view prefix) const {
  size_t n = 0;
  list(prefix, [&](std::string_view, stored_view) {
    ++n;
    return true;
  });
  return n;
}

bool snapshot::list_by_field(std::string_view prefix, std::string_view field,
                             std::string_view value,
                             const std::function<bool(std::string_view, stored_view)>& fn,
                             std::string_view after) const {
  std::string_view resource = prefix.substr(0, prefix.find('/'));
  const field_index* spec = nullptr;
  for (auto& index : owner_->options_.indexes)
    if (index.resource == resource && index.field == field) spec = &index;
  if (!spec) return false;
  // Changed objects are matched here; LMDB's index entries for them may be out of date.
  std::vector<const overlay_entry*> changed;
  for (overlay_cursor at(*overlay_, prefix); at.get() && has_prefix(at.get()->key, prefix);
       at.next()) {
    const overlay_entry* e = at.get();
    if (e->object && spec->value_of(*e->object) == value && (after.empty() || e->key > after))
      changed.push_back(e);
  }
  auto next_changed = changed.begin();
  std::string start = index_prefix(resource, field, value);
  size_t keys_at = start.size();
  std::string seek = start + std::string(after > prefix ? after : prefix);
  start.append(prefix);
  MDB_cursor* cursor = nullptr;
  check(mdb_cursor_open(txn_, owner_->impl_->index, &cursor), "open cursor");
  MDB_val k = val(seek), v;
  int rc = mdb_cursor_get(cursor, &k, &v, MDB_SET_RANGE);
  while (!after.empty() && rc == MDB_SUCCESS &&
         std::string_view(static_cast<const char*>(k.mv_data), k.mv_size).substr(keys_at) <= after)
    rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT);
  bool more = true;
  for (; more && rc == MDB_SUCCESS; rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT)) {
    std::string_view entry(static_cast<const char*>(k.mv_data), k.mv_size);
    if (!has_prefix(entry, start)) break;
    std::string_view key = entry.substr(keys_at);
    for (; more && next_changed != changed.end() && (*next_changed)->key < key; ++next_changed)
      more = fn((*next_changed)->key,
                stored_view{(*next_changed)->revision, *(*next_changed)->object});
    if (!more || overlay_->find(key)) continue;
    auto object = lmdb_get(txn_, owner_->impl_->objects, key);
    if (!object) {
      mdb_cursor_close(cursor);
      fail("index entry without its object: " + std::string(key), MDB_CORRUPTED);
    }
    more = fn(key, *object);
  }
  mdb_cursor_close(cursor);
  if (rc != MDB_SUCCESS && rc != MDB_NOTFOUND && more) fail("list by " + std::string(field), rc);
  for (; more && next_changed != changed.end(); ++next_changed)
    more =
        fn((*next_changed)->key, stored_view{(*next_changed)->revision, *(*next_changed)->object});
  return true;
}

void snapshot::events_after(uint64_t after,
                            const std::function<bool(const logged_event&)>& fn) const {
  MDB_cursor* cursor = nullptr;
  check(mdb_cursor_open(txn_, owner_->impl_->events, &cursor), "open cursor");
  std::string start = revision_key(after + 1);
  MDB_val k = val(start), v;
  int rc = mdb_cursor_get(cursor, &k, &v, MDB_SET_RANGE);
  bool more = true;
  while (rc == MDB_SUCCESS) {
    if (!fn(parse_event(k, v))) {
      more = false;
      break;
    }
    rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT);
  }
  mdb_cursor_close(cursor);
  if (rc != MDB_SUCCESS && rc != MDB_NOTFOUND && more) fail("read events", rc);
  uint64_t from = std::max(after, lmdb_revision_);
  for (size_t i = 0; more && i < overlay_->batch_count(); ++i) {
    const auto& batch = overlay_->batch(i);
    if (batch.back().revision <= from) continue;
    for (auto& c : batch)
      if (c.revision > from && !(more = fn(as_event(c)))) break;
  }
}

std::optional<stored_view> snapshot::version_at(std::string_view key, uint64_t revision) const {
  if (revision > horizon_) {
    auto ev = event_at(revision);
    if (!ev || ev->key != key || ev->type == event_type::deleted) return std::nullopt;
    return stored_view{ev->revision, ev->object};
  }
  // Older than the log: compaction kept it if a later change needs it, else it is still
  // LMDB's object (replaced in the overlay only).
  for (MDB_dbi dbi : {owner_->impl_->prior, owner_->impl_->objects})
    if (auto found = lmdb_get(txn_, dbi, key); found && found->revision == revision) return found;
  return std::nullopt;
}

std::optional<logged_event> snapshot::event_at(uint64_t revision) const {
  if (revision > lmdb_revision_) {
    if (const change* c = overlay_->change_at(revision)) return as_event(*c);
    return std::nullopt;
  }
  std::string k = revision_key(revision);
  MDB_val mk = val(k), mv;
  int rc = mdb_get(txn_, owner_->impl_->events, &mk, &mv);
  if (rc == MDB_NOTFOUND) return std::nullopt;
  check(rc, "read event");
  return parse_event(mk, mv);
}

// ---- writes ---------------------------------------------------------------------------------

std::vector<field_index> server_indexes(const kind_registry& kinds) {
  const kind_info* pods = kinds.find_by_resource("pods");
  if (!pods) throw api_error(api_errc::internal, "store: no pods kind to index");
  // Resolved once: every write of a pod reads it, before and after.
  auto spec = pods->schema.getFieldByName("spec");
  auto node_name = spec.getType().asStruct().getFieldByName("nodeName");
  return {
      {"pods", "spec.nodeName", [schema = pods->schema, spec, node_name](std::string_view object) {
         object_reader r(object);
         auto pod = r.as(schema);
         if (!pod.has(spec)) return std::string();
         return std::string(
             pod.get(spec).as<capnp::DynamicStruct>().get(node_name).as<capnp::Text>().cStr());
       }}};
}

void engine::update_indexes(MDB_txn* txn, std::string_view key,
                            std::optional<std::string_view> before,
                            std::optional<std::string_view> after) {
  for (auto& index : options_.indexes) {
    if (!indexes_resource(index, key)) continue;
    std::optional<std::string> was, is;
    if (before) was = index.value_of(*before);
    if (after) is = index.value_of(*after);
    if (was == is) continue;
    if (was) del_index(txn, impl_->index, index_key(index, *was, key));
    if (is) put_index(txn, impl_->index, index_key(index, *is, key));
  }
}

namespace {

// Nothing of the batch is acknowledged: every op that looked fine fails with `why`.
void fail_the_rest(std::vector<write_result>& results, const std::string& why) {
  for (auto& r : results) {
    if (r.error == api_errc::none) {
      r.error = api_errc::internal;
      r.message = why;
      r.object.reset();
      r.revision = 0;
    }
  }
}

}  // namespace

void engine::commit(const std::vector<write_op>& ops, std::vector<write_result>& results,
                    std::vector<change>& changes) {
  size_t first_change = changes.size();
  stage(ops, results, changes);
  if (changes.size() == first_change) return;
  try {
    sync();
  } catch (const api_error& e) {
    sync_failed(e.message());
    changes.resize(first_change);
    fail_the_rest(results, e.message());
    return;
  }
  publish(
      std::vector<change>(changes.begin() + static_cast<ptrdiff_t>(first_change), changes.end()));
}

void engine::stage(const std::vector<write_op>& ops, std::vector<write_result>& results,
                   std::vector<change>& changes) {
  auto& im = *impl_;
  results.assign(ops.size(), write_result{});
  if (!im.failure.empty()) {
    for (auto& r : results) {
      r.error = api_errc::internal;
      r.message = "store: no more writes until a restart, after " + im.failure;
    }
    return;
  }
  if (im.apply_failed.load(std::memory_order_acquire)) {
    // What LMDB can't take must not pile up in the overlay and the log: refused until the
    // applier gets through again (the store's compaction tick flushes every second).
    std::lock_guard<std::mutex> lock(im.apply_mutex);
    for (auto& r : results) {
      r.error = api_errc::internal;
      r.message = im.apply_error;
    }
    return;
  }
  size_t first_change = changes.size();
  // Every published commit is in the newest overlay (this thread publishes them); LMDB, read
  // after it, holds at least what the overlay has let go of.
  auto base = im.load();
  using version = impl::staged_version;
  std::unordered_map<std::string, version> written;  // by this batch
  uint64_t revision = im.staged;
  int64_t now = unix_micros() / 1000;
  MDB_txn* txn = begin_read();
  try {
    for (size_t i = 0; i < ops.size(); ++i) {
      const write_op& op = ops[i];
      write_result& result = results[i];
      version current;
      if (auto mine = written.find(op.key); mine != written.end()) {
        current = mine->second;
      } else if (const auto* staged = im.find_unpublished(op.key)) {
        current = *staged;
      } else if (const overlay_entry* e = base->find(op.key)) {
        current = {e->revision, e->object};
      } else if (auto stored = lmdb_get(txn, im.objects, op.key)) {
        current = {stored->revision, std::make_shared<const std::string>(stored->object)};
      }
      bool exists = current.object != nullptr;
      if (op.kind == op_kind::create && exists) {
        result.error = api_errc::already_exists;
        result.message = describe_key(op.key) + " already exists";
        continue;
      }
      if (op.kind != op_kind::create && !exists) {
        result.error = api_errc::not_found;
        result.message = describe_key(op.key) + " not found";
        continue;
      }
      if (op.kind != op_kind::create && op.expected_revision != 0 &&
          op.expected_revision != current.revision) {
        result.error = api_errc::conflict;
        result.message = "Operation cannot be fulfilled on " + describe_key(op.key) +
                         ": the object has been modified; please apply your changes to the "
                         "latest version and try again";
        result.revision = current.revision;
        continue;
      }
      change c;
      c.revision = revision + 1;
      c.prev_revision = exists ? current.revision : 0;
      c.time_ms = now;
      c.key = op.key;
      c.type = op.kind == op_kind::remove ? event_type::deleted
               : exists                   ? event_type::modified
                                          : event_type::added;
      try {
        c.object = std::make_shared<const std::string>(
            stamp(op.kind == op_kind::remove ? std::string_view(*current.object) : op.object,
                  c.revision));
        // The applier indexes it later, past the point where the write could still be refused.
        for (auto& index : options_.indexes)
          if (indexes_resource(index, op.key)) index.value_of(*c.object);
      } catch (const kj::Exception& e) {
        result.error = api_errc::bad_request;
        result.message =
            describe_key(op.key) + ": not a valid object: " + e.getDescription().cStr();
        continue;
      }
      ++revision;
      if (c.type == event_type::modified) c.prev_object = current.object;
      result.revision = c.revision;
      result.object = c.object;
      written[op.key] = {c.revision, c.type == event_type::deleted ? nullptr : c.object};
      changes.push_back(std::move(c));
    }
    if (revision != im.staged) {
      try {
        im.wal->add(changes.data() + first_change, changes.size() - first_change);
      } catch (const std::bad_alloc&) {
        throw api_error(api_errc::internal, "store: out of memory for the log's next record");
      }
    }
  } catch (const api_error& e) {
    end_read(txn);
    changes.resize(first_change);
    fail_the_rest(results, e.message());
    return;
  }
  end_read(txn);
  im.staged = revision;
  if (!written.empty()) im.unpublished.push_back({revision, std::move(written)});
}

void engine::write_staged() {
  auto& im = *impl_;
  try {
    im.wal->write_out();
  } catch (const api_error& e) {
    if (im.wal->maybe_written() || im.wal->written_through() > im.revision) {
      // Some of the record may be on disk, or an earlier one is but is not published yet
      // (its sync's answer is still on its way): to be replayed at the next open, so their
      // revisions can't be given to other writes.
      im.failure = e.message();
    } else {
      // Nothing was written (no room for a new segment, say): the staged commits fail and
      // their revisions are free again.
      im.wal->discard_unwritten();
      im.staged = im.revision;
      im.unpublished.clear();
    }
    throw;
  }
}

void engine::sync_in_background(std::function<void(uint64_t, std::string)> done) {
  auto& im = *impl_;
  {
    std::lock_guard<std::mutex> lock(im.sync_job_mutex);
    if (im.sync_job || im.sync_running)
      throw api_error(api_errc::internal, "store: a sync is already under way");
  }
  im.await_sync();
  if (!im.syncer.joinable()) {
    im.syncer = std::thread([&im] {
      name_this_thread("store.sync");
      for (;;) {
        std::function<void(uint64_t, std::string)> job;
        {
          std::unique_lock<std::mutex> lock(im.sync_job_mutex);
          im.sync_job_wake.wait(lock, [&] { return im.syncer_stopping || im.sync_job; });
          if (!im.sync_job) return;
          job = std::move(im.sync_job);
          im.sync_job = nullptr;
          im.sync_running = true;
        }
        uint64_t through = 0;
        std::string failure;
        try {
          through = im.wal->sync();
        } catch (const std::exception& e) {
          failure = e.what();
        }
        {
          std::lock_guard<std::mutex> lock(im.sync_job_mutex);
          im.sync_running = false;
          if (!failure.empty() && im.sync_error.empty()) im.sync_error = failure;
        }
        im.sync_job_wake.notify_all();
        job(through, std::move(failure));
      }
    });
  }
  write_staged();  // everything staged since the last sync, as one record
  {
    std::lock_guard<std::mutex> lock(im.sync_job_mutex);
    im.sync_job = std::move(done);
  }
  im.sync_job_wake.notify_all();
}

void engine::publish(std::vector<change> changes) {
  auto& im = *impl_;
  if (changes.empty()) return;
  im.revision = changes.back().revision;
  im.commits.fetch_add(1, std::memory_order_relaxed);
  while (!im.unpublished.empty() && im.unpublished.front().through <= im.revision)
    im.unpublished.pop_front();
  try {
    std::lock_guard<std::mutex> lock(im.build_mutex);
    im.publish(next_overlay(*im.load(), std::move(changes), im.applied.load()));
  } catch (const std::exception& e) {
    // Durable but not visible, and the applier would skip it: only a restart replays it.
    im.failure = std::string("store: publishing a commit: ") + e.what();
    throw;
  }
  bool was_idle;
  {
    std::lock_guard<std::mutex> lock(im.apply_mutex);
    was_idle = !im.pending;
    im.pending = true;
  }
  // Only the applier's wait for work needs this: while it lets commits gather it waits for the
  // interval (or a flush) alone, and waking it on every commit (hundreds a second under load)
  // cost a futex call here and a context switch there for nothing.
  if (was_idle) im.apply_wake.notify_all();
}

uint64_t engine::sync() {
  auto& im = *impl_;
  im.await_sync();
  write_staged();
  return im.wal->sync();
}

uint64_t engine::synced_revision() const {
  return impl_->wal->synced_through();
}

size_t engine::staged_bytes() const {
  return impl_->wal->unwritten_bytes();
}

void engine::sync_failed(const std::string& why) {
  // Unless nothing was written (the staged commits were rolled back), the record may be on
  // disk: its revisions can't be given to other writes.
  if (impl_->failure.empty() && impl_->staged != impl_->revision) impl_->failure = why;
}

uint64_t engine::staged_revision() const {
  return impl_->staged;
}

// A watch resumed from a revision with a selector tells an object that left it from one that
// never matched by the version the object had before: the event log holds it while it holds
// the change after it. So when an event leaves the log, the version it wrote is kept (in
// `prior`, one per key) if the object changed after it; the next change's prev_revision names
// it. Until then LMDB's object is that version, and apply_change keeps it when it is replaced.
// Compaction only drops events LMDB holds, so an object LMDB no longer has was deleted after
// (its delete event names the version too, which keeps it until that event leaves as well).
// Returns the bytes it copied.
size_t engine::note_leaving(MDB_txn* txn, const logged_event& leaving,
                            std::map<std::string, leaving_version>& last) {
  std::string key = padded_key(leaving.key);
  auto& entry = last[key];
  entry.revision = leaving.revision;
  entry.replaced = false;
  entry.object.clear();
  if (leaving.type == event_type::deleted) return 0;  // nothing after the horizon names it
  MDB_val mk = val(key), mv;
  int rc = mdb_get(txn, impl_->objects, &mk, &mv);
  if (rc != MDB_SUCCESS && rc != MDB_NOTFOUND) fail("get", rc);
  entry.replaced =
      rc == MDB_NOTFOUND || read_u64(static_cast<const char*>(mv.mv_data)) > leaving.revision;
  if (entry.replaced) entry.object.assign(leaving.object);
  return entry.object.size();
}

// Writes what note_leaving gathered: one write per key for a whole batch of dropped events.
void engine::keep_prior_versions(MDB_txn* txn, const std::map<std::string, leaving_version>& last) {
  MDB_stat stat{};
  check(mdb_stat(txn, impl_->prior, &stat), "stat prior");
  for (auto& [key, entry] : last) {
    if (entry.replaced) {
      put_object(txn, impl_->prior, key, entry.revision, entry.object);
      continue;
    }
    if (stat.ms_entries == 0) continue;  // nothing kept to drop (the usual case)
    // Unchanged since, or deleted: nothing after the horizon needs an older version of it.
    MDB_val mk = val(key);
    int rc = mdb_del(txn, impl_->prior, &mk, nullptr);
    if (rc != MDB_SUCCESS && rc != MDB_NOTFOUND) fail("delete prior version", rc);
  }
}

size_t engine::compact(size_t max_events) {
  // Compacts LMDB's log; events still in the overlay are the newest anyway.
  uint64_t applied = impl_->applied.load(std::memory_order_acquire);
  uint64_t count_cutoff = applied > options_.retain_events ? applied - options_.retain_events : 0;
  int64_t age_cutoff = unix_micros() / 1000 - options_.retain_seconds * 1000;
  txn_guard guard;
  check(mdb_txn_begin(impl_->env, nullptr, 0, &guard.txn), "begin compact");
  MDB_cursor* cursor = nullptr;
  check(mdb_cursor_open(guard.txn, impl_->events, &cursor), "open cursor");
  size_t dropped = 0;
  uint64_t horizon = get_meta(guard.txn, impl_->meta, "horizon");
  std::map<std::string, leaving_version> last;  // by key: its newest event that leaves the log
  constexpr size_t max_copied_bytes = size_t{16} << 20;
  size_t copied = 0;
  MDB_val k, v;
  int rc = mdb_cursor_get(cursor, &k, &v, MDB_FIRST);
  while (rc == MDB_SUCCESS && dropped < max_events) {
    uint64_t revision = revision_of_key(k);
    event_header h;
    std::memcpy(&h, v.mv_data, sizeof h);
    if (revision > count_cutoff && h.time_ms >= age_cutoff) break;
    copied += note_leaving(guard.txn, parse_event(k, v), last);
    check(mdb_cursor_del(cursor, 0), "compact");
    horizon = revision;
    ++dropped;
    // The versions kept are copied until the batch ends: large objects end it sooner (the
    // rest are dropped in the next, as when max_events is reached).
    if (copied > max_copied_bytes) break;
    rc = mdb_cursor_get(cursor, &k, &v, MDB_FIRST);
  }
  mdb_cursor_close(cursor);
  if (dropped == 0) return 0;
  keep_prior_versions(guard.txn, last);
  put_meta(guard.txn, impl_->meta, "horizon", horizon);
  int commit_rc = mdb_txn_commit(guard.txn);
  guard.txn = nullptr;
  if (commit_rc != MDB_SUCCESS) fail_writing("commit compact", commit_rc, options_.dir);
  return dropped;
}

// ---- backup and restore ---------------------------------------------------------------------

namespace {

void fsync_path(const std::string& path, int flags) {
  int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

// Opens a snapshot file read-only and returns its revision; throws if it is not a store.
uint64_t snapshot_revision(const std::string& path) {
  MDB_env* env = nullptr;
  check(mdb_env_create(&env), "create environment");
  mdb_env_set_maxdbs(env, 4);
  std::optional<uint64_t> revision;
  if (mdb_env_open(env, path.c_str(), MDB_NOSUBDIR | MDB_RDONLY | MDB_NOLOCK, 0600) ==
      MDB_SUCCESS) {
    MDB_txn* txn = nullptr;
    MDB_dbi meta;
    if (mdb_txn_begin(env, nullptr, MDB_RDONLY, &txn) == MDB_SUCCESS) {
      if (mdb_dbi_open(txn, "meta", 0, &meta) == MDB_SUCCESS)
        revision = get_meta(txn, meta, "revision");
      mdb_txn_abort(txn);
    }
  }
  mdb_env_close(env);
  if (!revision)
    throw api_error(api_errc::bad_request, "restore: " + path + " is not a troupe snapshot");
  return *revision;
}

std::string parent_dir(const std::string& path) {
  auto parent = std::filesystem::path(path).parent_path().string();
  return parent.empty() ? "." : parent;
}

}  // namespace

uint64_t engine::save_snapshot(const std::string& path) const {
  flush();  // the copy is of LMDB: it must hold every acknowledged write
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0)
    throw api_error(api_errc::internal, "snapshot: cannot create " + tmp + ": " + strerror(errno));
  int rc = mdb_env_copyfd2(impl_->env, fd, MDB_CP_COMPACT);
  int sync_rc = rc == MDB_SUCCESS ? ::fsync(fd) : 0;
  ::close(fd);
  if (rc != MDB_SUCCESS || sync_rc != 0) {
    ::unlink(tmp.c_str());
    if (rc != MDB_SUCCESS) fail("snapshot to " + path, rc);
    throw api_error(api_errc::internal, "snapshot: fsync " + tmp + ": " + strerror(errno));
  }
  uint64_t revision = snapshot_revision(tmp);
  if (::rename(tmp.c_str(), path.c_str()) != 0)
    throw api_error(api_errc::internal, "snapshot: rename " + tmp + ": " + strerror(errno));
  fsync_path(parent_dir(path), O_RDONLY | O_DIRECTORY);
  return revision;
}

void engine::restore_snapshot(const std::string& path, const std::string& dir) {
  snapshot_revision(path);  // refuses anything that is not a store before touching `dir`
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  int lock = lock_directory(dir);
  std::string tmp = dir + "/data.mdb.restore";
  std::filesystem::copy_file(path, tmp, std::filesystem::copy_options::overwrite_existing, ec);
  if (ec) {
    close(lock);
    throw api_error(api_errc::internal, "restore: copy " + path + ": " + ec.message());
  }
  fsync_path(tmp, O_RDONLY);
  // The log belongs to the store being replaced: replayed onto the snapshot it would mix the
  // two. It goes before the new file is in place.
  remove_wal(dir);
  fsync_path(dir, O_RDONLY | O_DIRECTORY);
  std::filesystem::rename(tmp, dir + "/data.mdb", ec);
  std::filesystem::remove(dir + "/lock.mdb");
  fsync_path(dir, O_RDONLY | O_DIRECTORY);
  close(lock);
  if (ec) throw api_error(api_errc::internal, "restore: " + ec.message());
}

}  // namespace troupe::store
