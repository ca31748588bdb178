#include "actors/store/store.hpp"

#include <caf/all.hpp>

#include <algorithm>
#include <deque>
#include <map>
#include <set>
#include <unordered_map>

#include "actors/store/filter.hpp"
#include "runtime/base/text.hpp"
#include "runtime/base/thread_name.hpp"
#include "runtime/caf/errors.hpp"
#include "runtime/object/kinds.hpp"
#include "runtime/store/engine.hpp"

namespace troupe {
namespace {

using store_impl_actor =
    store_actor::extend<caf::reacts_to<flush_atom>,
                        caf::reacts_to<synced_atom, uint64_t, std::string>,
                        caf::reacts_to<linger_end_atom, uint64_t>, caf::reacts_to<compact_atom>,
                        caf::reacts_to<bookmark_atom>>;

using snapshot_worker_actor =
    caf::typed_actor<caf::replies_to<snapshot_atom, std::string>::with<uint64_t>>;

struct pending_write {
  store::write_op op;
  caf::typed_response_promise<api_reply> promise;
};

struct subscription {
  uint64_t id = 0;
  watcher_actor watcher;
  std::string resource;
  watch_filter filter;
  uint64_t cursor = 0;              // every event up to here is accounted for
  uint64_t last_sent_revision = 0;  // for bookmarks
  uint64_t sent = 0;
  uint64_t acked = 0;
  bool live = false;  // caught up: gets changes as they commit; else replayed from the log
  bool bookmarks = false;
  std::optional<std::string> pinned;  // the spec.nodeName its field selector demands
};

// Kubelets watch "pods with spec.nodeName=<me>": thousands of them would each be asked about
// every pod change. Like the watch cache's trigger index, such watches are kept by the node
// they name and only asked about changes to pods on that node (before or after the change).
constexpr std::string_view indexed_field = "spec.nodeName";

using subscription_set = std::set<struct subscription*>;

// The revisions of logged events by the indexed field's value, the value an object had before
// or after the change. A pinned watch that resumes from an old revision reads just its own
// events instead of scanning the log: thousands of kubelets reconnecting after a server
// restart would otherwise each read every event since they last heard from it. Built from
// the log the first time such a watch resumes, then kept up by every commit.
struct pinned_history {
  std::unordered_map<std::string, std::deque<uint64_t>> revisions;  // ascending

  void record(const std::string& value, uint64_t revision) {
    auto& list = revisions[value];
    if (list.empty() || list.back() < revision) list.push_back(revision);
  }
  // Forgets what compaction took from the log.
  void trim(uint64_t horizon) {
    for (auto i = revisions.begin(); i != revisions.end();) {
      auto& list = i->second;
      while (!list.empty() && list.front() <= horizon) list.pop_front();
      i = list.empty() ? revisions.erase(i) : std::next(i);
    }
  }
};

struct resource_watches {
  subscription_set unpinned;
  std::unordered_map<std::string, subscription_set> by_value;
  bool empty() const { return unpinned.empty() && by_value.empty(); }
};

using subscription_key = std::pair<caf::actor_addr, uint64_t>;

// A commit staged (its changes in the log's next record) and waiting for the sync that makes it
// durable.
struct staged_commit {
  std::vector<caf::typed_response_promise<api_reply>> writers;
  std::vector<store::write_result> results;
  std::vector<store::change> changes;
  uint64_t through = 0;  // the engine's staged revision once this was staged
};

struct store_state {
  store_deps deps;
  std::vector<pending_write> pending;
  bool flush_scheduled = false;
  std::deque<staged_commit> staged;  // in revision order
  bool syncing = false;              // a background sync is under way
  // Linger (see maybe_sync): how many writers the next sync waits for, and whether it waits.
  size_t expected = 0;
  bool lingering = false;
  // +1 for a linger that saw most writers back in time, -1 for one that did not (-2 to 2):
  // one hiccup does not stop lingering, API clients soon do.
  int linger_score = 2;
  unsigned syncs_without_linger = 0;
  uint64_t linger_generation = 0;  // tells a stale linger timer from the current one
  std::map<subscription_key, subscription> subs;
  std::unordered_map<std::string, resource_watches> by_resource;
  std::unordered_map<std::string, pinned_history> histories;  // by resource
  uint64_t trimmed_to = 0;  // the log's horizon the histories were last trimmed to
  static inline const char* name = "store";
};

using self_ptr = store_impl_actor::stateful_pointer<store_state>;

store_impl_actor handle(self_ptr self) { return caf::actor_cast<store_impl_actor>(self); }

// ---- writes ---------------------------------------------------------------------------------

// Pipelined group commit. Writes that arrive while the log syncs are staged at once: checked,
// stamped and added to the log's next write. When the sync ends, the next one starts and covers
// everything staged meanwhile, so the disk is kept busy and a commit's work never waits for
// the previous commit's sync. A commit is answered and fanned out once a sync covers it.

void schedule_flush(self_ptr self) {
  auto& st = self->state;
  if (st.flush_scheduled) return;
  st.flush_scheduled = true;
  // Queued behind every write already in the mailbox: they are all staged together.
  self->send(handle(self), flush_atom::value);
}

void fan_out(self_ptr self, const std::vector<store::change>& changes);

// While a sync runs, staging stops once the next record is this large: the rest waits for the
// sync after (a record's size must fit 32 bits, and memory stays bounded).
constexpr size_t max_staged_bytes = size_t{64} << 20;

void stage_pending(self_ptr self) {
  auto& st = self->state;
  while (!st.pending.empty() &&
         (!st.syncing || st.deps.engine->staged_bytes() < max_staged_bytes)) {
    size_t n = std::min(st.pending.size(), st.deps.knobs.max_batch);
    std::vector<store::write_op> ops;
    ops.reserve(n);
    staged_commit commit;
    commit.writers.reserve(n);
    for (size_t i = 0; i < n; ++i) {
      ops.push_back(std::move(st.pending[i].op));
      commit.writers.push_back(std::move(st.pending[i].promise));
    }
    st.pending.erase(st.pending.begin(), st.pending.begin() + static_cast<ptrdiff_t>(n));
    st.deps.engine->stage(ops, commit.results, commit.changes);
    commit.through = st.deps.engine->staged_revision();
    st.staged.push_back(std::move(commit));
  }
}

void answer(staged_commit& commit) {
  for (size_t i = 0; i < commit.writers.size(); ++i) {
    auto& r = commit.results[i];
    if (r.error != api_errc::none)
      commit.writers[i].deliver(make_error(r.error, r.message));
    else
      commit.writers[i].deliver(api_reply{shared_bytes(r.object), {}, r.revision, {}});
  }
}

// Every staged commit fails: writing or syncing its record (or publishing after it) failed. The
// engine refuses writes from now on, unless nothing was written (then it rolled them back).
// AlreadyExists, Conflict and NotFound fail too: they may have been decided against a staged
// write that never became durable.
void fail_staged(self_ptr self, const std::string& why) {
  auto& st = self->state;
  st.deps.engine->sync_failed(why);
  for (auto& commit : st.staged) {
    for (auto& r : commit.results) {
      if (r.error == api_errc::none || r.error == api_errc::already_exists ||
          r.error == api_errc::conflict || r.error == api_errc::not_found) {
        r.error = api_errc::internal;
        r.message = why;
      }
    }
    answer(commit);
  }
  st.staged.clear();
}

// Publishes, answers and fans out the staged commits that `through` covers, in order.
void release(self_ptr self, uint64_t through) {
  auto& st = self->state;
  size_t n = 0;
  std::vector<store::change> changes;
  for (; n < st.staged.size() && st.staged[n].through <= through; ++n)
    for (auto& c : st.staged[n].changes) changes.push_back(std::move(c));
  if (n == 0) return;
  try {
    st.deps.engine->publish(changes);
  } catch (const std::exception& e) {
    return fail_staged(self, e.what());
  }
  for (size_t i = 0; i < n; ++i) answer(st.staged[i]);
  st.staged.erase(st.staged.begin(), st.staged.begin() + static_cast<ptrdiff_t>(n));
  fan_out(self, changes);
}

void start_sync(self_ptr self) {
  auto& st = self->state;
  caf::weak_actor_ptr weak{self->ctrl()};
  try {
    st.deps.engine->sync_in_background([weak](uint64_t through, std::string failure) {
      if (auto store = caf::actor_cast<store_impl_actor>(weak.lock()))
        caf::anon_send(store, synced_atom::value, through, std::move(failure));
    });
  } catch (const std::exception& e) {
    // Failed here, before anything more is staged: if nothing was written, the engine rolled
    // the staged commits back and later ones build on what is published.
    return fail_staged(self, e.what());
  }
  st.syncing = true;
}

size_t staged_writers(const store_state& st) {
  size_t n = 0;
  for (auto& commit : st.staged) n += commit.writers.size();
  return n;
}

void synced(self_ptr self, uint64_t through, const std::string& failure);

// While a sync is under way, writes are staged as they come, to go with the next sync.
// Otherwise a sync of what is staged and pending starts, unless it lingers for the writers it
// expects (see synced). If they all came, nothing will arrive during the sync: it runs right
// here, sparing the two thread hand-offs of a background sync. Else writers are still on their
// way: the sync runs in the background and they are staged meanwhile.
void maybe_sync(self_ptr self, bool linger_ran_out = false) {
  auto& st = self->state;
  if (st.syncing) return stage_pending(self);
  size_t here = staged_writers(st) + st.pending.size();
  bool everyone_here = st.expected > 0 && here >= st.expected;
  if (st.expected > 0 && !everyone_here && !linger_ran_out) {
    // The linger runs from the first write back: until then there is nothing to sync.
    if (!st.lingering && here > 0) {
      st.lingering = true;
      self->delayed_send(handle(self), st.deps.knobs.linger, linger_end_atom::value,
                         ++st.linger_generation);
    }
    return;
  }
  if (linger_ran_out) {
    // Stragglers aside, did the writers come back in time?
    bool paid = here * 4 >= st.expected * 3;
    st.linger_score = paid ? std::min(st.linger_score + 1, 2) : std::max(st.linger_score - 1, -2);
    st.syncs_without_linger = 0;
  } else if (st.lingering) {
    st.linger_score = std::min(st.linger_score + 1, 2);
  }
  st.lingering = false;
  st.expected = 0;
  stage_pending(self);
  if (st.deps.engine->staged_revision() == st.deps.engine->revision())
    return release(self, st.deps.engine->revision());  // commits that changed nothing
  if (!everyone_here) return start_sync(self);
  uint64_t through = 0;
  try {
    through = st.deps.engine->sync();
  } catch (const api_error& e) {
    return fail_staged(self, e.message());
  }
  synced(self, through, "");
}

void flush(self_ptr self) {
  self->state.flush_scheduled = false;
  maybe_sync(self);
}

// Writers answered by a sync usually come back with their next write. In-process ones (the
// controllers) do so within microseconds: the next sync lingers for them and for those staged
// meanwhile, or they would split into two cohorts that alternate between syncs, each sync
// carrying a part and costing as much CPU (a sync exits the VM to kick the disk). Clients of
// the API come back a millisecond later, beyond any linger worth waiting for: once lingers keep
// running out with most of them still away, syncs start at once and every 16th lingers to see.
void synced(self_ptr self, uint64_t through, const std::string& failure) {
  auto& st = self->state;
  st.syncing = false;
  if (!failure.empty()) return fail_staged(self, failure);
  size_t waiting = staged_writers(st);
  release(self, through);
  size_t answered = waiting - staged_writers(st), arrived = staged_writers(st) + st.pending.size();
  bool linger =
      st.deps.knobs.linger.count() > 0 && (st.linger_score > 0 || ++st.syncs_without_linger >= 16);
  st.expected = linger ? std::min(answered + arrived, st.deps.knobs.max_batch) : 0;
  maybe_sync(self);
}

// ---- watches --------------------------------------------------------------------------------

void deliver(self_ptr self, subscription& sub, store::event_type type, uint64_t revision,
             shared_bytes object) {
  ++sub.sent;
  sub.last_sent_revision = revision;
  self->send(sub.watcher, watch_event_atom::value,
             watch_event{sub.id, static_cast<uint8_t>(type), revision, std::move(object)});
}

void index_watch(self_ptr self, subscription& sub) {
  auto& watches = self->state.by_resource[sub.resource];
  if (sub.pinned) watches.by_value[*sub.pinned].insert(&sub);
  else watches.unpinned.insert(&sub);
}

void forget(self_ptr self, subscription& sub) {
  auto& st = self->state;
  auto index = st.by_resource.find(sub.resource);
  if (index != st.by_resource.end()) {
    auto& w = index->second;
    if (sub.pinned) {
      auto bucket = w.by_value.find(*sub.pinned);
      if (bucket != w.by_value.end()) {
        bucket->second.erase(&sub);
        if (bucket->second.empty()) w.by_value.erase(bucket);
      }
    } else {
      w.unpinned.erase(&sub);
    }
    if (w.empty()) st.by_resource.erase(index);
  }
  st.subs.erase({sub.watcher.address(), sub.id});
}

void end_watch(self_ptr self, subscription& sub, caf::error reason) {
  self->send(sub.watcher, watch_end_atom::value, sub.id, std::move(reason));
  forget(self, sub);
}

// Replay sends a watcher at most a window of events ahead of its acks. Live events may take
// it to twice that: a healthy watcher still working through the page it was just replayed
// must not be cut off by the first writes after it; one that stops reading is.
bool window_full(const self_ptr& self, const subscription& sub) {
  return sub.sent - sub.acked >= self->state.deps.knobs.watch_window;
}

uint64_t live_limit(const self_ptr& self) { return 2 * self->state.deps.knobs.watch_window; }

bool too_far_behind(const self_ptr& self, const subscription& sub) {
  return sub.sent - sub.acked >= live_limit(self);
}

caf::error fell_behind(const self_ptr& self, const subscription& sub) {
  return make_error(api_errc::too_many_requests,
                    "watch cut off: the watcher fell " + std::to_string(live_limit(self)) +
                        " events behind; watch again from revision " +
                        std::to_string(sub.last_sent_revision));
}

caf::error too_old(uint64_t from, uint64_t horizon) {
  return make_error(api_errc::gone, "too old resource version: " + std::to_string(from) +
                                        " (oldest available: " + std::to_string(horizon) + ")");
}

std::string indexed_value(self_ptr self, const kind_info* kind, std::string_view object);

// Offers one logged event to a replaying watcher; false once its window is full.
bool replay(self_ptr self, subscription& sub, const store::snapshot& snap,
            const store::logged_event& ev, uint64_t& budget) {
  if (budget == 0) return false;
  if (sub.filter.covers(ev.key)) {
    std::optional<std::string_view> before;
    if (ev.type == store::event_type::modified && sub.filter.selects())
      if (auto prev = snap.version_at(ev.key, ev.prev_revision)) before = prev->object;
    if (auto type = visible_as(sub.filter, ev.type, ev.object, before)) {
      deliver(self, sub, *type, ev.revision, shared_bytes(std::string(ev.object)));
      --budget;
    }
  }
  sub.cursor = ev.revision;
  return true;
}

pinned_history& history_of(self_ptr self, const std::string& resource,
                           const store::snapshot& snap) {
  auto& histories = self->state.histories;
  if (auto found = histories.find(resource); found != histories.end()) return found->second;
  auto* kind = self->state.deps.kinds->find_by_resource(resource);
  pinned_history history;
  std::unordered_map<std::string, std::string> value_of_key;  // at its latest event so far
  std::string prefix = resource + "/";
  snap.events_after(snap.horizon(), [&](const store::logged_event& ev) {
    if (ev.key.compare(0, prefix.size(), prefix) != 0) return true;
    std::string now = indexed_value(self, kind, ev.object);
    history.record(now, ev.revision);
    std::string key(ev.key);
    auto then = value_of_key.find(key);
    if (then != value_of_key.end()) {
      if (then->second != now) history.record(then->second, ev.revision);
    } else if (ev.type ==
               store::event_type::modified) {  // its version before is older than the log
      if (auto prev = snap.version_at(ev.key, ev.prev_revision))
        if (auto was = indexed_value(self, kind, prev->object); was != now)
          history.record(was, ev.revision);
    }
    if (ev.type == store::event_type::deleted) value_of_key.erase(key);
    else value_of_key[key] = std::move(now);
    return true;
  });
  return histories.emplace(resource, std::move(history)).first->second;
}

// Replays logged events to a watcher that is behind, as far as its window allows.
void pump(self_ptr self, subscription& sub) {
  auto snap = self->state.deps.engine->read();
  if (sub.cursor < snap.horizon()) return end_watch(self, sub, too_old(sub.cursor, snap.horizon()));
  uint64_t window = self->state.deps.knobs.watch_window;
  uint64_t budget = sub.sent - sub.acked >= window ? 0 : window - (sub.sent - sub.acked);
  if (sub.pinned) {
    auto& revisions = history_of(self, sub.resource, snap).revisions;
    if (auto mine = revisions.find(*sub.pinned); mine != revisions.end()) {
      auto& list = mine->second;
      for (auto at = std::upper_bound(list.begin(), list.end(), sub.cursor); at != list.end(); ++at) {
        auto ev = snap.event_at(*at);
        if (ev && !replay(self, sub, snap, *ev, budget)) return;
      }
    }
    sub.cursor = snap.revision();  // nothing else in the log concerns this watcher
  } else {
    snap.events_after(sub.cursor, [&](const store::logged_event& ev) {
      return replay(self, sub, snap, ev, budget);
    });
  }
  if (sub.cursor >= snap.revision()) sub.live = true;
}

// The indexed field of an object of a kind that has it ("" when it has none or no value).
// The engine's index on the field reads it fastest (its path resolved once); else reflection.
std::string indexed_value(self_ptr self, const kind_info* kind, std::string_view object) {
  for (auto& index : self->state.deps.engine->options().indexes)
    if (index.field == indexed_field && index.resource == kind->resource()) return index.value_of(object);
  object_reader r(object);
  return field_value(r.as(kind->schema), indexed_field);
}

void offer(self_ptr self, subscription* sub, const store::change& c, std::vector<subscription*>& cut) {
  if (!sub->live || c.revision <= sub->cursor) return;
  sub->cursor = c.revision;
  if (!sub->filter.covers(c.key)) return;
  std::optional<std::string_view> before;
  if (c.prev_object) before = *c.prev_object;
  auto type = visible_as(sub->filter, c.type, *c.object, before);
  if (!type) return;
  if (too_far_behind(self, *sub)) return cut.push_back(sub);
  deliver(self, *sub, *type, c.revision, shared_bytes(c.object));
}

void fan_out(self_ptr self, const std::vector<store::change>& changes) {
  auto& st = self->state;
  for (auto& c : changes) {
    std::string resource = c.key.substr(0, c.key.find('/'));
    auto index = st.by_resource.find(resource);
    auto history = st.histories.find(resource);
    std::vector<subscription*> cut;
    if (index != st.by_resource.end())
      for (subscription* sub : index->second.unpinned) offer(self, sub, c, cut);
    bool by_value = index != st.by_resource.end() && !index->second.by_value.empty();
    if (by_value || history != st.histories.end()) {
      auto* kind = st.deps.kinds->find_by_resource(resource);
      std::string now = indexed_value(self, kind, *c.object);
      std::string then = c.prev_object ? indexed_value(self, kind, *c.prev_object) : now;
      for (const std::string* value : {&now, &then}) {
        if (value == &then && then == now) break;
        if (history != st.histories.end()) history->second.record(*value, c.revision);
        if (!by_value) continue;
        auto bucket = index->second.by_value.find(*value);
        if (bucket == index->second.by_value.end()) continue;
        for (subscription* sub : bucket->second) offer(self, sub, c, cut);
      }
    }
    for (subscription* sub : cut) end_watch(self, *sub, fell_behind(self, *sub));
  }
}

caf::typed_response_promise<uint64_t> watch(self_ptr self, watch_request& req,
                                            watcher_actor& watcher) {
  auto rp = self->make_response_promise<uint64_t>();
  auto& st = self->state;
  const kind_info* kind = st.deps.kinds->find_by_resource(req.resource);
  if (!kind) {
    rp.deliver(make_error(api_errc::not_found, "the server could not find the requested "
                                               "resource " + quote(req.resource)));
    return rp;
  }
  subscription sub;
  try {
    sub.filter = watch_filter::make(*kind, req.ns, req.label_selector, req.field_selector);
    if (req.owned_only) sub.filter.only_owned();
  } catch (const api_error& e) {
    rp.deliver(make_error(e));
    return rp;
  }
  auto snap = st.deps.engine->read();
  if (req.from_revision != 0 && req.from_revision < snap.horizon()) {
    rp.deliver(too_old(req.from_revision, snap.horizon()));
    return rp;
  }
  // A revision not yet written: Kubernetes' TooLargeResourceVersion (its cache waits 3 s for
  // the revision to arrive; this store has no cache behind it, so every read is current).
  if (req.from_revision > snap.revision()) {
    rp.deliver(make_error(api_errc::timeout, "Too large resource version: " + std::to_string(req.from_revision) +
                                                 ", current: " + std::to_string(snap.revision())));
    return rp;
  }
  subscription_key key{watcher.address(), req.id};
  if (st.subs.count(key)) {
    rp.deliver(make_error(api_errc::already_exists,
                          "watch id " + std::to_string(req.id) + " is already in use"));
    return rp;
  }
  sub.id = req.id;
  sub.watcher = watcher;
  sub.resource = req.resource;
  sub.bookmarks = req.bookmarks;
  sub.cursor = req.from_revision == 0 ? snap.revision() : req.from_revision;
  sub.last_sent_revision = sub.cursor;
  sub.live = sub.cursor >= snap.revision();
  if (kind->field_labels.end() != std::find(kind->field_labels.begin(), kind->field_labels.end(), indexed_field))
    sub.pinned = sub.filter.pinned(indexed_field);
  auto& stored = st.subs.emplace(key, std::move(sub)).first->second;
  index_watch(self, stored);
  self->monitor(watcher);
  rp.deliver(stored.cursor);  // the reply goes out before any replayed event
  if (!stored.live) pump(self, stored);
  return rp;
}

subscription* find_subscription(self_ptr self, uint64_t id) {
  auto sender = caf::actor_cast<caf::actor_addr>(self->current_sender());
  auto i = self->state.subs.find({sender, id});
  return i == self->state.subs.end() ? nullptr : &i->second;
}

void acked(self_ptr self, uint64_t id, uint64_t received) {
  subscription* sub = find_subscription(self, id);
  if (!sub) return;
  sub->acked = std::max(sub->acked, received);
  if (!sub->live) pump(self, *sub);
}

void send_bookmarks(self_ptr self) {
  // Every commit is fanned out before this runs, so a live watcher has seen all there is up
  // to the store's revision, whichever kinds the later commits touched.
  uint64_t revision = self->state.deps.engine->revision();
  for (auto& [key, sub] : self->state.subs) {
    if (sub.live) sub.cursor = std::max(sub.cursor, revision);
    if (sub.bookmarks && sub.live && sub.cursor > sub.last_sent_revision && !window_full(self, sub))
      deliver(self, sub, store::event_type::bookmark, sub.cursor, shared_bytes());
  }
  self->delayed_send(handle(self), self->state.deps.knobs.bookmark_interval,
                     bookmark_atom::value);
}

void compact(self_ptr self) {
  auto& st = self->state;
  // The engine's applier compacts (it owns LMDB's write lock); histories catch up at the next
  // tick, and until then only name revisions the log no longer has, which replays skip.
  st.deps.engine->compact_in_background(st.deps.knobs.compact_batch);
  uint64_t horizon = st.deps.engine->read().horizon();
  if (horizon > st.trimmed_to) {
    for (auto& [resource, history] : st.histories) history.trim(horizon);
    st.trimmed_to = horizon;
  }
  self->delayed_send(handle(self), st.deps.knobs.compact_interval, compact_atom::value);
}

void watcher_down(self_ptr self, const caf::down_msg& msg) {
  auto& subs = self->state.subs;
  for (auto i = subs.lower_bound({msg.source, 0}); i != subs.end() && i->first.first == msg.source;)
    forget(self, (i++)->second);
}

void shut_down(self_ptr self, const caf::exit_msg& msg) {
  // Queued writes still commit.
  stage_pending(self);
  if (!self->state.staged.empty()) {
    try {
      release(self, self->state.deps.engine->sync());
    } catch (const api_error& e) {
      // What a sync made durable before is answered as such; the rest fails.
      release(self, self->state.deps.engine->synced_revision());
      fail_staged(self, e.message());
    }
  }
  std::vector<subscription*> all;
  for (auto& [key, sub] : self->state.subs) all.push_back(&sub);
  for (auto* sub : all)
    end_watch(self, *sub, make_error(api_errc::unavailable, "the store is shutting down"));
  self->quit(msg.reason);
}

snapshot_worker_actor::behavior_type snapshot_worker(snapshot_worker_actor::pointer self,
                                                     std::shared_ptr<store::engine> engine) {
  return {
      [=](snapshot_atom, const std::string& path) -> caf::result<uint64_t> {
        self->quit();
        try {
          return engine->save_snapshot(path);
        } catch (const api_error& e) {
          return make_error(e);
        }
      },
  };
}

store_impl_actor::behavior_type store_behavior(self_ptr self, store_deps deps) {
  name_this_thread("store");  // a detached actor: this runs on its own thread
  self->state.deps = std::move(deps);
  self->set_down_handler([=](caf::down_msg& msg) { watcher_down(self, msg); });
  self->set_exit_handler([=](caf::exit_msg& msg) { shut_down(self, msg); });
  self->send(handle(self), compact_atom::value);
  self->delayed_send(handle(self), self->state.deps.knobs.bookmark_interval,
                     bookmark_atom::value);
  return {
      [=](write_atom, write_request& req) -> caf::result<api_reply> {
        if (req.op < 1 || req.op > 3)
          return make_error(api_errc::bad_request, "unknown write op " + std::to_string(req.op));
        auto rp = self->make_response_promise<api_reply>();
        self->state.pending.push_back(
            {store::write_op{static_cast<store::op_kind>(req.op), std::move(req.key),
                             req.expected_revision, std::move(req.object)},
             rp});
        schedule_flush(self);
        return rp;
      },
      [=](flush_atom) { flush(self); },
      [=](synced_atom, uint64_t through, const std::string& failure) {
        synced(self, through, failure);
      },
      [=](linger_end_atom, uint64_t generation) {
        auto& st = self->state;
        if (!st.lingering || generation != st.linger_generation) return;
        maybe_sync(self, true);
      },
      [=](watch_atom, watch_request& req, watcher_actor& watcher) {
        return watch(self, req, watcher);
      },
      [=](unwatch_atom, uint64_t id) {
        if (auto* sub = find_subscription(self, id)) forget(self, *sub);
      },
      [=](watch_ack_atom, uint64_t id, uint64_t received) { acked(self, id, received); },
      [=](snapshot_atom, const std::string& path) -> caf::delegated<uint64_t> {
        auto worker = self->spawn<caf::detached>(snapshot_worker, self->state.deps.engine);
        return self->delegate(worker, snapshot_atom::value, path);
      },
      [=](stats_atom) {
        auto& st = self->state;
        return store_stats{st.deps.engine->revision(), st.deps.engine->commits(),
                           static_cast<uint64_t>(st.subs.size())};
      },
      [=](compact_atom) { compact(self); },
      [=](bookmark_atom) { send_bookmarks(self); },
  };
}

}  // namespace

store_actor spawn_store(caf::actor_system& sys, store_deps deps) {
  auto impl = sys.spawn<caf::detached>(store_behavior, std::move(deps));
  return caf::actor_cast<store_actor>(impl);
}

void add_store_types(caf::actor_system_config& cfg) {
  cfg.add_message_type<write_request>("troupe.write_request");
  cfg.add_message_type<api_reply>("troupe.api_reply");
  cfg.add_message_type<watch_request>("troupe.watch_request");
  cfg.add_message_type<watch_event>("troupe.watch_event");
  cfg.add_message_type<store_stats>("troupe.store_stats");
  cfg.add_message_type<watcher_actor>("troupe.watcher_actor");
  cfg.add_message_type<store_actor>("troupe.store_actor");
}

void controller_watch::start(caf::event_based_actor* self, const store_actor& store,
                             watch_request req) {
  req.id = ++generation_;
  received_ = 0;
  self->request(store, caf::infinite, watch_atom::value, std::move(req),
                caf::actor_cast<watcher_actor>(self))
      .then([](uint64_t) {}, [self](caf::error&) { self->quit(); });
}

bool controller_watch::accept(caf::event_based_actor* self, const store_actor& store,
                              const watch_event& ev) {
  if (ev.id != generation_) return false;
  if (++received_ % watch_ack_every == 0)
    self->send(store, watch_ack_atom::value, ev.id, received_);
  return true;
}

bool controller_watch::ended(caf::event_based_actor* self, const store_actor& store, uint64_t id) {
  if (id != generation_) return false;  // already replaced
  self->send(store, unwatch_atom::value, id);
  return true;
}

}  // namespace troupe
