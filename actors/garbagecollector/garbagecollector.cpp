#include "actors/garbagecollector/garbagecollector.hpp"

#include <caf/all.hpp>
#include <set>
#include <unordered_map>

#include "runtime/caf/errors.hpp"
#include "runtime/object/kinds.hpp"
#include "runtime/object/object.hpp"
#include "runtime/store/engine.hpp"

namespace troupe {

std::vector<owner_ref> owner_refs(std::string_view object) {
  object_reader reader(object);
  std::vector<owner_ref> out;
  for (auto ref : reader.meta().getOwnerReferences())
    out.push_back({text_string(ref.getApiVersion()), text_string(ref.getKind()),
                   text_string(ref.getName()), text_string(ref.getUid()),
                   ref.getBlockOwnerDeletion().isValue() && ref.getBlockOwnerDeletion().getValue()});
  return out;
}

std::string unblocked(std::string_view object) {
  object_reader reader(object);
  capnp::MallocMessageBuilder message;
  message.setRoot(reader.root());
  auto meta = meta_of(message.getRoot<capnp::AnyStruct>());
  for (auto ref : meta.getOwnerReferences())
    if (ref.getBlockOwnerDeletion().isValue() && ref.getBlockOwnerDeletion().getValue())
      ref.getBlockOwnerDeletion().setValue(false);
  return to_bytes(message);
}

dependent_verdict judge_dependent(const std::vector<owner_ref>& owners,
                                  const std::function<bool(const owner_ref&)>& exists) {
  dependent_verdict verdict;
  size_t alive = 0;
  for (auto& owner : owners) {
    if (exists(owner))
      ++alive;
    else
      verdict.dangling_uids.push_back(owner.uid);
  }
  verdict.remove = !owners.empty() && alive == 0;
  if (verdict.remove) verdict.dangling_uids.clear();
  return verdict;
}

std::string without_owner_refs(std::string_view object, const std::vector<std::string>& uids) {
  object_reader reader(object);
  capnp::MallocMessageBuilder message;
  message.setRoot(reader.root());
  auto meta = meta_of(message.getRoot<capnp::AnyStruct>());
  auto old = meta.disownOwnerReferences();
  auto refs = old.getReader();
  std::vector<unsigned> kept;
  for (unsigned i = 0; i < refs.size(); ++i) {
    bool dropped = false;
    for (auto& uid : uids) dropped = dropped || text_view(refs[i].getUid()) == uid;
    if (!dropped) kept.push_back(i);
  }
  // None left: the field goes, as an empty list is omitted in Kubernetes' JSON.
  if (!kept.empty()) {
    auto list = meta.initOwnerReferences(static_cast<unsigned>(kept.size()));
    for (unsigned i = 0; i < kept.size(); ++i) list.setWithCaveats(i, refs[kept[i]]);
  }
  return to_bytes(message);
}

std::string without_finalizer(std::string_view object, std::string_view name) {
  object_reader reader(object);
  capnp::MallocMessageBuilder message;
  message.setRoot(reader.root());
  auto meta = meta_of(message.getRoot<capnp::AnyStruct>());
  if (auto kept = without_name(meta.getFinalizers().asReader(), name)) set_finalizers(meta, *kept);
  return to_bytes(message);
}

namespace {

using held_atom = caf::atom_constant<caf::atom("gc_held")>;
using retry_atom = caf::atom_constant<caf::atom("gc_retry")>;

constexpr auto call_patience = std::chrono::seconds(30);
constexpr auto retry_after = std::chrono::seconds(1);
// Watch ids are generation * stride + kind index + 1, so events of the watches a reload
// replaced are told apart from the new ones.
constexpr uint64_t id_stride = 1000;

struct place {
  std::string resource, ns, name;
};

struct gc_state {
  garbage_collector_deps deps;
  std::vector<std::string> resources;                                    ///< by kind index
  std::vector<uint64_t> received;                                        ///< by kind index
  uint64_t generation = 0;                                               ///< of the watches
  std::unordered_map<std::string, std::vector<std::string>> owners_of;   ///< key -> owner uids
  std::unordered_map<std::string, std::set<std::string>> dependents_of;  ///< uid -> keys
  std::unordered_map<std::string, place> places;                         ///< key -> where
  std::set<std::string> held;       ///< owners being deleted in the foreground or orphaning
  std::set<std::string> in_flight;  ///< keys with a request on its way
  bool recheck_scheduled = false;
  static inline const char* name = "garbagecollector";
};

using self_ptr = caf::stateful_actor<gc_state>*;

void forget(gc_state& st, const std::string& key) {
  auto found = st.owners_of.find(key);
  if (found == st.owners_of.end()) return;
  for (auto& uid : found->second) {
    auto deps = st.dependents_of.find(uid);
    if (deps == st.dependents_of.end()) continue;
    deps->second.erase(key);
    if (deps->second.empty()) st.dependents_of.erase(deps);
  }
  st.owners_of.erase(found);
  st.places.erase(key);
}

// Indexes the object's owners; true when it has any.
bool remember(gc_state& st, const std::string& key, const std::string& resource,
              std::string_view object) {
  forget(st, key);
  auto refs = owner_refs(object);
  if (refs.empty()) return false;
  auto& uids = st.owners_of[key];
  for (auto& ref : refs) {
    uids.push_back(ref.uid);
    st.dependents_of[ref.uid].insert(key);
  }
  object_reader reader(object);
  st.places[key] = {resource, text_string(reader.meta().getNamespace()),
                    text_string(reader.meta().getName())};
  return true;
}

bool has_finalizer(std::string_view object, std::string_view name) {
  for (auto f : object_reader(object).meta().getFinalizers())
    if (text_view(f) == name) return true;
  return false;
}

bool names_owner(std::string_view object, const std::string& uid) {
  for (auto& ref : owner_refs(object))
    if (ref.uid == uid) return true;
  return false;
}

// Whether the owner a dependent in `ns` names is there. Never false for an owner of a kind
// this server does not know, nor for a namespaced owner of a cluster-scoped dependent
// (Kubernetes cannot resolve that reference either, and leaves the dependent alone).
bool owner_exists(const gc_state& st, const store::snapshot& snap, const std::string& ns,
                  const owner_ref& ref) {
  const kind_info* kind = st.deps.kinds->find(ref.api_version, ref.kind);
  if (!kind || (kind->namespaced && ns.empty())) return true;
  auto owner = snap.get(object_key(kind->resource(), kind->namespaced ? ns : "", ref.name));
  return owner &&
         (ref.uid.empty() || text_view(object_reader(owner->object).meta().getUid()) == ref.uid);
}

void check_dependent(self_ptr self, const std::string& key);

// An API call about `key`, at most one at a time. Once it is answered the key is judged
// again (an event that came meanwhile was skipped); a failure is retried a little later.
void call(self_ptr self, const std::string& key, api_verb verb, const place& where,
          std::string object = "", uint64_t expected_revision = 0,
          propagation policy = propagation::unset) {
  if (!self->state.in_flight.insert(key).second) return;
  auto req = make_request(verb, where.resource, where.ns, where.name, std::move(object));
  req.resource_version = expected_revision;  // a delete decided on this version, not a newer one
  req.propagation = static_cast<uint8_t>(policy);
  self->request(self->state.deps.api, call_patience, api_atom::value, std::move(req))
      .then(
          [=](api_reply&) {
            self->state.in_flight.erase(key);
            check_dependent(self, key);
          },
          [=](caf::error&) {
            self->state.in_flight.erase(key);
            self->delayed_send(self, retry_after, retry_atom::value, key);
          });
}

void check_dependent(self_ptr self, const std::string& key) {
  auto& st = self->state;
  auto where = st.places.find(key);
  if (where == st.places.end() || st.in_flight.count(key)) return;
  auto snap = st.deps.engine->read();
  auto stored = snap.get(key);
  if (!stored) return;
  const std::string& ns = where->second.ns;
  auto verdict = judge_dependent(owner_refs(stored->object), [&](const owner_ref& ref) {
    return owner_exists(st, snap, ns, ref);
  });
  if (verdict.remove) {
    if (object_reader(stored->object).meta().getDeletionTimestamp() == 0)
      call(self, key, api_verb::remove, where->second, "", stored->revision);
  } else if (!verdict.dangling_uids.empty()) {
    call(self, key, api_verb::update, where->second,
         without_owner_refs(stored->object, verdict.dangling_uids));
  }
}

void schedule_recheck(self_ptr self) {
  if (self->state.recheck_scheduled) return;
  self->state.recheck_scheduled = true;
  self->delayed_send(self, self->state.deps.recheck, held_atom::value);
}

// Objects in the snapshot that name `uid`, found by reading (the index may lag the store):
// those in the owner's namespace, or anywhere for a cluster-scoped owner.
std::vector<std::pair<std::string, std::string>> referencing(const gc_state& st,
                                                             const store::snapshot& snap,
                                                             const std::string& uid,
                                                             const std::string& owner_ns) {
  std::vector<std::pair<std::string, std::string>> out;  // (resource, key)
  for (auto& kind : st.deps.kinds->all()) {
    std::string resource = kind->resource();
    snap.list(list_prefix(resource, kind->namespaced ? owner_ns : ""),
              [&](std::string_view key, store::stored_view v) {
                if (names_owner(v.object, uid)) out.emplace_back(resource, std::string(key));
                return true;
              });
  }
  return out;
}

// Whether a dependent must go (or, orphaning, let go) before its owner may: under Orphan
// every dependent naming the owner; in the Foreground only those whose reference to it has
// blockOwnerDeletion, as Kubernetes' collector waits for its "blocking dependents" only.
bool holds_owner(std::string_view dependent, const std::string& owner_uid, bool orphan) {
  for (auto& ref : owner_refs(dependent))
    if (ref.uid == owner_uid && (orphan || ref.block_owner_deletion)) return true;
  return false;
}

// Whether the object is being deleted in the foreground itself (deleting its dependents).
bool deleting_dependents(std::string_view object) {
  return object_reader(object).meta().getDeletionTimestamp() != 0 && has_finalizer(object, foreground_finalizer);
}

// An owner held by foregroundDeletion or orphan: act on its dependents, and let it go once
// none holds it (see holds_owner). True while it stays held.
bool advance_held(self_ptr self, const std::string& key, const place& owner_place) {
  auto& st = self->state;
  auto snap = st.deps.engine->read();
  auto stored = snap.get(key);
  if (!stored) return false;
  object_reader owner(stored->object);
  bool foreground = has_finalizer(stored->object, foreground_finalizer);
  bool orphan = has_finalizer(stored->object, orphan_finalizer);
  if (owner.meta().getDeletionTimestamp() == 0 || (!foreground && !orphan)) return false;
  std::string uid = text_string(owner.meta().getUid());
  bool waiting = false;
  auto deps = st.dependents_of.find(uid);
  std::vector<std::string> dep_keys;
  if (deps != st.dependents_of.end()) dep_keys.assign(deps->second.begin(), deps->second.end());
  for (auto& dep_key : dep_keys) {
    auto dep = snap.get(dep_key);
    auto where = st.places.find(dep_key);
    if (!dep || where == st.places.end()) {
      forget(st, dep_key);
      continue;
    }
    if (!names_owner(dep->object, uid)) {  // the index was behind: catch up from the store
      remember(st, dep_key, where->second.resource, dep->object);
      continue;
    }
    waiting = waiting || holds_owner(dep->object, uid, orphan);
    // A dependent another live owner still holds only loses its reference to this one.
    bool others = false;
    for (auto& ref : owner_refs(dep->object))
      others = others || (ref.uid != uid && owner_exists(st, snap, where->second.ns, ref));
    object_reader dependent(dep->object);
    if (orphan || others) {
      call(self, dep_key, api_verb::update, where->second, without_owner_refs(dep->object, {uid}));
      continue;
    }
    if (dependent.meta().getDeletionTimestamp() != 0) continue;
    // As Kubernetes' collector: a dependent with dependents of its own goes in the foreground
    // too, so the owner stays until the whole tree below it is gone. But when one of those is
    // itself deleting its dependents (a cycle: A owns B owns A), waiting would never end: the
    // dependent's references stop blocking their owners first (Kubernetes'
    // unblockOwnerReferences, false positives included), and it is deleted on the next round.
    auto own_dependents = st.dependents_of.find(text_string(dependent.meta().getUid()));
    bool has_dependents = own_dependents != st.dependents_of.end();
    bool cycle = false;
    if (has_dependents)
      for (auto& below_key : own_dependents->second) {
        auto below = snap.get(below_key);
        cycle = below && deleting_dependents(below->object);
        if (cycle) break;
      }
    if (cycle && holds_owner(dep->object, uid, false))
      call(self, dep_key, api_verb::update, where->second, unblocked(dep->object));
    else
      call(self, dep_key, api_verb::remove, where->second, "", dep->revision,
           has_dependents ? propagation::foreground : propagation::unset);
  }
  if (!waiting) {
    // Released only when the store agrees that nothing holds it any more (the index may lag).
    bool held = false;
    for (auto& [resource, dep_key] : referencing(st, snap, uid, owner_place.ns)) {
      auto dep = snap.get(dep_key);
      remember(st, dep_key, resource, dep->object);
      held = held || holds_owner(dep->object, uid, orphan);
    }
    if (!held)
      call(self, key, api_verb::update, owner_place,
           without_finalizer(stored->object, orphan ? orphan_finalizer : foreground_finalizer));
  }
  return true;
}

void recheck_held(self_ptr self) {
  auto& st = self->state;
  st.recheck_scheduled = false;
  for (auto& key : std::vector<std::string>(st.held.begin(), st.held.end())) {
    auto reading = st.deps.engine->read();  // the view below lives as long as it
    auto stored = reading.get(key);
    if (!stored) {
      st.held.erase(key);
      continue;
    }
    object_reader r(stored->object);
    place where{key.substr(0, key.find('/')), text_string(r.meta().getNamespace()),
                text_string(r.meta().getName())};
    if (!advance_held(self, key, where)) st.held.erase(key);
  }
  if (!st.held.empty()) schedule_recheck(self);
}

void seen(self_ptr self, const std::string& resource, const std::string& key,
          std::string_view object, bool deleted) {
  auto& st = self->state;
  if (deleted) {
    forget(st, key);
    st.held.erase(key);
    std::string uid = text_string(object_reader(object).meta().getUid());
    auto deps = st.dependents_of.find(uid);
    if (deps == st.dependents_of.end()) return;
    for (auto& dep : std::vector<std::string>(deps->second.begin(), deps->second.end()))
      check_dependent(self, dep);
    return;
  }
  if (remember(st, key, resource, object)) check_dependent(self, key);
  object_reader r(object);
  if (r.meta().getDeletionTimestamp() != 0 &&
      (has_finalizer(object, foreground_finalizer) || has_finalizer(object, orphan_finalizer)) &&
      st.held.insert(key).second) {
    advance_held(self, key,
                 {resource, text_string(r.meta().getNamespace()), text_string(r.meta().getName())});
    schedule_recheck(self);
  }
}

uint64_t watch_id(const gc_state& st, size_t index) {
  return st.generation * id_stride + index + 1;
}

// Every object from one snapshot, then every kind's changes from its revision on.
void load(self_ptr self) {
  auto& st = self->state;
  ++st.generation;
  st.owners_of.clear();
  st.dependents_of.clear();
  st.places.clear();
  st.held.clear();
  st.resources.clear();
  for (auto& kind : st.deps.kinds->all()) st.resources.push_back(kind->resource());
  TROUPE_ASSERT(st.resources.size() < id_stride, "more kinds than watch ids");
  st.received.assign(st.resources.size(), 0);
  auto snap = st.deps.engine->read();
  std::vector<std::pair<std::string, std::string>> objects;  // (resource, key) with owners or held
  for (auto& resource : st.resources)
    snap.list(list_prefix(resource, ""), [&](std::string_view key, store::stored_view v) {
      object_reader r(v.object);
      if (r.meta().getOwnerReferences().size() || r.meta().getDeletionTimestamp())
        objects.emplace_back(resource, std::string(key));
      return true;
    });
  // Indexed first, acted on after: an owner's dependents must all be known when it is judged.
  for (auto& [resource, key] : objects) remember(st, key, resource, snap.get(key)->object);
  for (auto& [resource, key] : objects) seen(self, resource, key, snap.get(key)->object, false);
  for (size_t i = 0; i < st.resources.size(); ++i) {
    watch_request req;
    req.id = watch_id(st, i);
    req.resource = st.resources[i];
    req.from_revision = snap.revision();
    req.owned_only = true;  // a create of an object nobody owns costs the collector nothing
    self->request(st.deps.store, caf::infinite, watch_atom::value, req,
                  caf::actor_cast<watcher_actor>(self))
        .then([](uint64_t) {}, [=](caf::error&) { self->quit(); });
  }
}

caf::behavior collector(self_ptr self, garbage_collector_deps deps) {
  self->state.deps = std::move(deps);
  load(self);
  return {
      [=](watch_event_atom, watch_event& ev) {
        auto& st = self->state;
        if (ev.id / id_stride != st.generation) return;  // a watch the last reload replaced
        size_t index = ev.id % id_stride - 1;
        if (index >= st.resources.size()) return;
        if (++st.received[index] % watch_ack_every == 0)
          self->send(st.deps.store, watch_ack_atom::value, ev.id, st.received[index]);
        if (ev.object.empty()) return;
        const std::string& resource = st.resources[index];
        object_reader r(ev.object.str());
        auto key =
            object_key(resource, text_view(r.meta().getNamespace()), text_view(r.meta().getName()));
        seen(self, resource, key, ev.object.str(),
             ev.type == static_cast<uint8_t>(store::event_type::deleted));
      },
      [=](watch_end_atom, uint64_t id, const caf::error& reason) {
        if (to_api_error(reason).code() == api_errc::unavailable)
          return self->quit();  // the store is going
        auto& st = self->state;
        if (id / id_stride != st.generation) return;  // already replaced
        // Cut off (it fell behind): start again from a fresh snapshot.
        for (size_t i = 0; i < st.resources.size(); ++i)
          self->send(st.deps.store, unwatch_atom::value, watch_id(st, i));
        load(self);
      },
      [=](held_atom) { recheck_held(self); },
      [=](retry_atom, const std::string& key) { check_dependent(self, key); },
  };
}

}  // namespace

caf::actor spawn_garbage_collector(caf::actor_system& sys, garbage_collector_deps deps) {
  return sys.spawn(collector, std::move(deps));
}

}  // namespace troupe
