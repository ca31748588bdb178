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
                   text_string(ref.getName()), text_string(ref.getUid())});
  return out;
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
  std::vector<std::string> kept;
  for (auto f : meta.getFinalizers())
    if (text_view(f) != name) kept.push_back(text_string(f));
  if (kept.empty()) {
    meta.disownFinalizers();
  } else {
    auto list = meta.initFinalizers(static_cast<unsigned>(kept.size()));
    for (unsigned i = 0; i < list.size(); ++i) list.set(i, kept[i]);
  }
  return to_bytes(message);
}

namespace {

using held_atom = caf::atom_constant<caf::atom("gc_held")>;

constexpr auto call_patience = std::chrono::seconds(30);

struct place {
  std::string resource, ns, name;
};

struct gc_state {
  garbage_collector_deps deps;
  std::vector<std::string> resources;                                    ///< by watch id - 1
  std::vector<uint64_t> received;                                        ///< by watch id - 1
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

// An API call about `key`, at most one at a time; the events it causes bring the next step.
void call(self_ptr self, const std::string& key, api_verb verb, const place& where,
          std::string object = "") {
  if (!self->state.in_flight.insert(key).second) return;
  self->request(self->state.deps.api, call_patience, api_atom::value,
                make_request(verb, where.resource, where.ns, where.name, std::move(object)))
      .then([=](api_reply&) { self->state.in_flight.erase(key); },
            [=](caf::error&) {
              self->state.in_flight.erase(key);
            });  // a conflict: the next event tries again
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
    const kind_info* kind = st.deps.kinds->find(ref.api_version, ref.kind);
    if (!kind) return true;  // an owner of a kind this server does not know: never assumed gone
    auto owner = snap.get(object_key(kind->resource(), kind->namespaced ? ns : "", ref.name));
    return owner &&
           (ref.uid.empty() || text_view(object_reader(owner->object).meta().getUid()) == ref.uid);
  });
  if (verdict.remove) {
    if (object_reader(stored->object).meta().getDeletionTimestamp() == 0)
      call(self, key, api_verb::remove, where->second);
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

// An owner held by foregroundDeletion or orphan: act on its dependents, and let it go once
// none is left. True while it stays held.
bool advance_held(self_ptr self, const std::string& key, const place& owner_place) {
  auto& st = self->state;
  auto stored = st.deps.engine->read().get(key);
  if (!stored) return false;
  object_reader owner(stored->object);
  bool foreground = has_finalizer(stored->object, foreground_finalizer);
  bool orphan = has_finalizer(stored->object, orphan_finalizer);
  if (owner.meta().getDeletionTimestamp() == 0 || (!foreground && !orphan)) return false;
  std::string uid = text_string(owner.meta().getUid());
  auto deps = st.dependents_of.find(uid);
  if (deps == st.dependents_of.end()) {
    call(self, key, api_verb::update, owner_place,
         without_finalizer(stored->object, orphan ? orphan_finalizer : foreground_finalizer));
    return true;
  }
  auto snap = st.deps.engine->read();
  for (auto& dep_key : std::vector<std::string>(deps->second.begin(), deps->second.end())) {
    auto dep = snap.get(dep_key);
    auto where = st.places.find(dep_key);
    if (!dep || where == st.places.end()) continue;
    if (orphan)
      call(self, dep_key, api_verb::update, where->second, without_owner_refs(dep->object, {uid}));
    else if (object_reader(dep->object).meta().getDeletionTimestamp() == 0)
      call(self, dep_key, api_verb::remove, where->second);
  }
  return true;
}

void recheck_held(self_ptr self) {
  auto& st = self->state;
  st.recheck_scheduled = false;
  for (auto& key : std::vector<std::string>(st.held.begin(), st.held.end())) {
    auto snap = st.deps.engine->read();
    auto stored = snap.get(key);
    if (!stored) {
      st.held.erase(key);
      continue;
    }
    object_reader r(stored->object);
    std::string resource = key.substr(0, key.find('/'));
    place where{resource, text_string(r.meta().getNamespace()), text_string(r.meta().getName())};
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

// Every object from one snapshot, then every kind's changes from its revision on.
void load(self_ptr self) {
  auto& st = self->state;
  st.owners_of.clear();
  st.dependents_of.clear();
  st.places.clear();
  st.held.clear();
  st.resources.clear();
  for (auto& kind : st.deps.kinds->all()) st.resources.push_back(kind->resource());
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
    req.id = i + 1;
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
        if (ev.id == 0 || ev.id > st.resources.size() || ev.object.empty()) return;
        if (++st.received[ev.id - 1] % watch_ack_every == 0)
          self->send(st.deps.store, watch_ack_atom::value, ev.id, st.received[ev.id - 1]);
        const std::string& resource = st.resources[ev.id - 1];
        object_reader r(ev.object.str());
        auto key =
            object_key(resource, text_view(r.meta().getNamespace()), text_view(r.meta().getName()));
        seen(self, resource, key, ev.object.str(),
             ev.type == static_cast<uint8_t>(store::event_type::deleted));
      },
      [=](watch_end_atom, uint64_t, const caf::error& reason) {
        if (to_api_error(reason).code() == api_errc::unavailable)
          return self->quit();  // the store is going
        // Cut off (it fell behind): start again from a fresh snapshot.
        for (size_t i = 0; i < self->state.resources.size(); ++i)
          self->send(self->state.deps.store, unwatch_atom::value, static_cast<uint64_t>(i + 1));
        load(self);
      },
      [=](held_atom) { recheck_held(self); },
  };
}

}  // namespace

caf::actor spawn_garbage_collector(caf::actor_system& sys, garbage_collector_deps deps) {
  return sys.spawn(collector, std::move(deps));
}

}  // namespace troupe
