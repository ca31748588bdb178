#pragma once
// The store actor: the only writer of the LMDB store and the hub of watches.
//
// Writes waiting in its mailbox are committed together in one durable transaction (group
// commit); each writer gets its reply only after the fsync. Reads never come here: readers use
// engine snapshots directly. Watchers subscribe with a filter and a starting revision and get
// every event after it, in order, with no gap and no duplicate; a watcher that stops acking is
// cut off. See README.md for the message flow.

#include <caf/fwd.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "runtime/caf/atoms.hpp"
#include "runtime/caf/shared_bytes.hpp"

namespace troupe {

class kind_registry;
namespace store {
class engine;
}

/// A write: op 1 = create, 2 = update (CAS on expected_revision unless 0), 3 = delete.
struct write_request {
  uint8_t op = 1;
  std::string key;  ///< "<resource>/<namespace>/<name>"
  uint64_t expected_revision = 0;
  std::string object;  ///< flat-array object (create/update)
};

/// The answer to a write and to every API call (apiserver.hpp). One type, so that a resource
/// actor can hand a write on to the store with its caller's promise and the store answers the
/// caller directly, with no hop back through the resource actor.
struct api_reply {
  shared_bytes object;             ///< write: as stored, resourceVersion stamped (delete: last
                                   ///< state); API: create, get, update, delete
  std::vector<std::string> items;  ///< list
  uint64_t revision = 0;           ///< write: the change's; list: the snapshot's
  std::string continue_after;      ///< list: more items follow; ask again from here
};

/// What a watcher asks for. `id` is the watcher's own name for the subscription: events carry
/// it, acks and unwatch name it.
struct watch_request {
  uint64_t id = 0;
  std::string resource;  ///< "pods", "deployments.apps"
  std::string ns;        ///< "" for every namespace
  std::string label_selector;
  std::string field_selector;
  uint64_t from_revision = 0;  ///< replay events after it; 0: from now on
  bool bookmarks = false;      ///< periodic BOOKMARK events carrying the current revision
  /// What a garbage collector needs, instead of the selectors: objects that have
  /// ownerReferences or are marked for deletion (each change of them), and every deletion.
  bool owned_only = false;
};

/// One event. `type` is a store::event_type (ADDED, MODIFIED, DELETED, BOOKMARK).
struct watch_event {
  uint64_t id = 0;
  uint8_t type = 0;
  uint64_t revision = 0;
  shared_bytes object;  ///< empty for bookmarks
};

/// What the store is doing, for tests and metrics.
struct store_stats {
  uint64_t revision = 0;
  uint64_t commits = 0;  ///< write transactions since start
  uint64_t watches = 0;  ///< open subscriptions
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, store_stats& x) {
  return f(caf::meta::type_name("store_stats"), x.revision, x.commits, x.watches);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, write_request& x) {
  return f(caf::meta::type_name("write_request"), x.op, x.key, x.expected_revision, x.object);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, api_reply& x) {
  return f(caf::meta::type_name("api_reply"), x.object, x.items, x.revision, x.continue_after);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, watch_request& x) {
  return f(caf::meta::type_name("watch_request"), x.id, x.resource, x.ns, x.label_selector,
           x.field_selector, x.from_revision, x.bookmarks, x.owned_only);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, watch_event& x) {
  return f(caf::meta::type_name("watch_event"), x.id, x.type, x.revision, x.object);
}

/// Anything that receives watch events. Acks go back as (watch_ack_atom, id, events received).
using watcher_actor = caf::typed_actor<
    caf::reacts_to<watch_event_atom, watch_event>,
    /// The watch ended: Gone (too old), TooManyRequests (fell behind), or the store stopped.
    caf::reacts_to<watch_end_atom, uint64_t, caf::error>>;

using store_actor = caf::typed_actor<
    caf::replies_to<write_atom, write_request>::with<api_reply>,
    /// Replies with the revision the watch starts after, once registered.
    caf::replies_to<watch_atom, watch_request, watcher_actor>::with<uint64_t>,
    caf::reacts_to<unwatch_atom, uint64_t>,
    caf::reacts_to<watch_ack_atom, uint64_t, uint64_t>,
    /// Writes a consistent backup of the whole store to a file; replies with its revision.
    caf::replies_to<snapshot_atom, std::string>::with<uint64_t>,
    caf::replies_to<stats_atom>::with<store_stats>>;

/// A watcher acks after this many events; the store's window must be well above it.
constexpr uint64_t watch_ack_every = 64;

/// The one store watch a controller keeps, started again after the store ends it: events of a
/// watch it replaced are told apart and dropped, and the store is acked as it wants.
class controller_watch {
 public:
  /// Watches as `req` says (its id set here) for `self`, as a new generation; `self` quits if
  /// the store refuses it (a controller cannot go on without its watch).
  void start(caf::event_based_actor* self, const store_actor& store, watch_request req);
  /// True for an event of the current watch, counted and acked every watch_ack_every.
  bool accept(caf::event_based_actor* self, const store_actor& store, const watch_event& ev);
  /// True when the watch that ended is the current one, which is then unwatched: start again.
  bool ended(caf::event_based_actor* self, const store_actor& store, uint64_t id);

 private:
  uint64_t generation_ = 0, received_ = 0;
};

struct store_knobs {
  size_t max_batch = 4096;          ///< writes per transaction
  /// How long a sync may wait for the writers the previous sync answered to come back, so that
  /// concurrent writers share one sync instead of alternating between two. Short: a sync takes
  /// a few hundred microseconds.
  std::chrono::microseconds linger{100};
  uint64_t watch_window = 1024;     ///< unacked events a replay sends; twice this cuts a watcher off
  std::chrono::milliseconds compact_interval{1000};
  size_t compact_batch = 10000;     ///< events dropped per compaction transaction
  std::chrono::milliseconds bookmark_interval{1000};
};

struct store_deps {
  std::shared_ptr<store::engine> engine;
  std::shared_ptr<const kind_registry> kinds;
  store_knobs knobs;
};

/// Spawns the store actor on its own thread (LMDB commits block on fsync).
store_actor spawn_store(caf::actor_system& sys, store_deps deps);

/// Registers the store's message types; every process that talks to it must call this.
void add_store_types(caf::actor_system_config& cfg);

}  // namespace troupe
