#include "actors/namespace/namespace.hpp"

#include <caf/all.hpp>
#include <algorithm>
#include <map>
#include <set>

#include "actors/apiserver/admission.hpp"
#include "actors/apiserver/defaults.hpp"
#include "runtime/base/text.hpp"
#include "runtime/base/time.hpp"
#include "runtime/caf/errors.hpp"
#include "runtime/codec/object_codec.hpp"
#include "runtime/object/kinds.hpp"
#include "runtime/object/object.hpp"
#include "runtime/object/pod_condition.hpp"
#include "runtime/store/engine.hpp"
#include "schema/core.capnp.h"

namespace troupe {

namespace_sweep plan_namespace_sweep(const std::vector<namespace_item>& content) {
  namespace_sweep plan;
  plan.empty = content.empty();
  for (auto& item : content)
    if (!item.marked) plan.to_delete.push_back(item);
  return plan;
}

std::vector<namespace_condition> namespace_deletion_conditions(const std::vector<namespace_item>& content) {
  std::map<std::string, size_t> by_resource, by_finalizer;
  for (auto& item : content) {
    // Kubernetes writes group resources as resource.group: "pods." for the core group.
    auto dot = item.resource.find('.');
    ++by_resource[dot == std::string::npos ? item.resource + "." : item.resource];
    for (auto& f : item.finalizers) ++by_finalizer[f];
  }
  auto listed = [](const std::map<std::string, size_t>& counts, const char* between) {
    std::vector<std::string> parts;
    for (auto& [what, n] : counts) parts.push_back(what + between + std::to_string(n) + " resource instances");
    std::sort(parts.begin(), parts.end());
    return join(parts, ", ");
  };
  std::vector<namespace_condition> out = {
      {"NamespaceDeletionDiscoveryFailure", "False", "ResourcesDiscovered", "All resources successfully discovered"},
      {"NamespaceDeletionGroupVersionParsingFailure", "False", "ParsedGroupVersions",
       "All legacy kube types successfully parsed"},
      {"NamespaceDeletionContentFailure", "False", "ContentDeleted",
       "All content successfully deleted, may be waiting on finalization"},
  };
  if (by_resource.empty())
    out.push_back({"NamespaceContentRemaining", "False", "ContentRemoved", "All content successfully removed"});
  else
    out.push_back({"NamespaceContentRemaining", "True", "SomeResourcesRemain",
                   "Some resources are remaining: " + listed(by_resource, " has ")});
  if (by_finalizer.empty())
    out.push_back({"NamespaceFinalizersRemaining", "False", "ContentHasNoFinalizers",
                   "All content-preserving finalizers finished"});
  else
    out.push_back({"NamespaceFinalizersRemaining", "True", "SomeFinalizersRemain",
                   "Some content in the namespace has finalizers remaining: " + listed(by_finalizer, " in ")});
  return out;
}

std::optional<std::string> with_namespace_conditions(std::string_view ns_object,
                                                     const std::vector<namespace_condition>& conditions,
                                                     int64_t now_seconds) {
  object_reader reader(ns_object);
  auto old = reader.as<k8s::Namespace>().getStatus().getConditions();
  auto find_old = [&](const std::string& type) -> std::optional<k8s::NamespaceCondition::Reader> {
    for (auto c : old)
      if (text_view(c.getType()) == type) return c;
    return std::nullopt;
  };
  auto ours = [&](k8s::NamespaceCondition::Reader c) {
    for (auto& want : conditions)
      if (text_view(c.getType()) == want.type) return true;
    return false;
  };
  bool changed = false;
  unsigned others = 0;
  for (auto c : old) others += !ours(c);
  for (auto& want : conditions) {
    auto was = find_old(want.type);
    changed = changed || !was || was->getStatus() != condition_status_named(want.status) ||
              text_view(was->getReason()) != want.reason || text_view(was->getMessage()) != want.message;
  }
  if (!changed) return std::nullopt;
  capnp::MallocMessageBuilder message;
  message.setRoot(reader.as<k8s::Namespace>());
  auto status = message.getRoot<k8s::Namespace>().getStatus();
  auto list = status.initConditions(others + static_cast<unsigned>(conditions.size()));
  unsigned i = 0;
  for (auto c : old)  // conditions someone else keeps stay, first
    if (!ours(c)) list.setWithCaveats(i++, c);
  for (auto& want : conditions) {
    auto was = find_old(want.type);
    auto c = list[i++];
    c.setType(want.type);
    c.setStatus(condition_status_named(want.status));
    c.setReason(want.reason);
    c.setMessage(want.message);
    c.setLastTransitionTime(was && was->getStatus() == condition_status_named(want.status) ? was->getLastTransitionTime()
                                                                              : now_seconds);
  }
  message.getRoot<k8s::Namespace>().getMetadata().disownResourceVersion();
  return to_bytes(message);
}

bool awaits_content_deletion(std::string_view ns_object) {
  object_reader reader(ns_object);
  if (reader.meta().getDeletionTimestamp() == 0) return false;
  for (auto f : reader.as<k8s::Namespace>().getSpec().getFinalizers())
    if (text_view(f) == namespace_finalizer) return true;
  return false;
}

std::string without_content_finalizer(std::string_view ns_object) {
  object_reader reader(ns_object);
  capnp::MallocMessageBuilder message;
  message.setRoot(reader.as<k8s::Namespace>());
  auto ns = message.getRoot<k8s::Namespace>();
  auto kept = without_name(ns.getSpec().getFinalizers().asReader(), namespace_finalizer);
  if (kept && kept->empty())
    ns.getSpec().disownFinalizers();
  else if (kept)
    fill_names(ns.getSpec().initFinalizers(static_cast<unsigned>(kept->size())), *kept);
  return to_bytes(message);
}

namespace {

using sweep_atom = caf::atom_constant<caf::atom("ns_sweep")>;

// Watch ids are generation * 10 + one of these, so a reload's new watches are told apart from
// the events still coming from the ones it replaced.
constexpr uint64_t namespaces_watch = 1;
constexpr uint64_t service_accounts_watch = 2;
constexpr auto call_patience = std::chrono::seconds(30);

struct controller_state {
  namespace_controller_deps deps;
  std::set<std::string> scheduled;  ///< namespaces with a sweep on its way
  std::set<std::string> deleting;   ///< "ns\nresource\nname": deletes not yet answered
  uint64_t received[3] = {0, 0, 0};  ///< watch events by kind of watch, for acks
  uint64_t generation = 0;           ///< of the watches
  static inline const char* name = "namespace";
};

using self_ptr = caf::stateful_actor<controller_state>*;

void schedule(self_ptr self, const std::string& ns, std::chrono::milliseconds after) {
  if (!self->state.scheduled.insert(ns).second) return;
  if (after.count() == 0)
    self->send(self, sweep_atom::value, ns);
  else
    self->delayed_send(self, after, sweep_atom::value, ns);
}

// The content is gone: the namespace's own finalizer goes (Kubernetes' finalize), read afresh
// so the conditions just written are not overwritten with a stale revision.
void release(self_ptr self, const std::string& ns) {
  auto reading = self->state.deps.engine->read();  // the view below lives as long as it
  auto stored = reading.get(object_key("namespaces", "", ns));
  if (!stored || !awaits_content_deletion(stored->object)) return;
  // A conflict (the namespace changed since this read) is settled by looking again.
  self->request(self->state.deps.api, call_patience, api_atom::value,
                make_request(api_verb::update, "namespaces", "", ns, without_content_finalizer(stored->object)))
      .then([](api_reply&) {}, [=](caf::error&) { schedule(self, ns, self->state.deps.recheck); });
}

void sweep(self_ptr self, const std::string& ns) {
  auto& st = self->state;
  st.scheduled.erase(ns);
  auto snap = st.deps.engine->read();
  auto stored = snap.get(object_key("namespaces", "", ns));
  if (!stored || !awaits_content_deletion(stored->object)) return;
  std::vector<namespace_item> content;
  for (auto& kind : st.deps.kinds->all()) {
    if (!kind->namespaced) continue;
    std::string resource = kind->resource();
    snap.list(list_prefix(resource, ns), [&](std::string_view, store::stored_view v) {
      object_reader r(v.object);
      namespace_item item{resource, text_string(r.meta().getName()), r.meta().getDeletionTimestamp() != 0, {}};
      for (auto f : r.meta().getFinalizers()) item.finalizers.push_back(text_string(f));
      content.push_back(std::move(item));
      return true;
    });
  }
  auto plan = plan_namespace_sweep(content);
  auto api = st.deps.api;
  // What holds the namespace up, in its status for `describe namespace` to show, and once it
  // is empty that nothing does (another finalizer may keep it a while longer).
  auto status = with_namespace_conditions(stored->object, namespace_deletion_conditions(content), unix_seconds());
  if (plan.empty) {
    if (!status) return release(self, ns);
    self->request(api, call_patience, api_atom::value,
                  make_request(api_verb::update_status, "namespaces", "", ns, std::move(*status)))
        .then([=](api_reply&) { release(self, ns); }, [=](caf::error&) { release(self, ns); });
    return;
  }
  if (status)
    self->request(api, call_patience, api_atom::value,
                  make_request(api_verb::update_status, "namespaces", "", ns, std::move(*status)))
        .then([](api_reply&) {}, [](caf::error&) {});  // written again at the next sweep
  for (auto& item : plan.to_delete) {
    auto key = ns + "\n" + item.resource + "\n" + item.name;
    if (!st.deleting.insert(key).second) continue;
    // In the background, as Kubernetes' namespace deleter asks.
    auto req = make_request(api_verb::remove, item.resource, ns, item.name);
    req.propagation = static_cast<uint8_t>(propagation::background);
    self->request(api, call_patience, api_atom::value, std::move(req))
        .then([=](api_reply&) { self->state.deleting.erase(key); },
              [=](caf::error&) {
                self->state.deleting.erase(key);
              });  // tried again at the next sweep
  }
  // Pods end gracefully and finalizers hold: look again until the namespace is empty.
  schedule(self, ns, st.deps.recheck);
}

// Kubernetes' service account controller: every live namespace has a "default" service
// account, made again if it is deleted. AlreadyExists (a race with a user) is as good.
void ensure_default_service_account(self_ptr self, const std::string& ns) {
  auto& st = self->state;
  if (st.deps.engine->read().get(object_key("serviceaccounts", ns, "default"))) return;
  std::string yaml =
      "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: default, namespace: " + ns + "}\n";
  auto object = codec::decode_manifests(yaml, "serviceaccount", *st.deps.kinds).at(0).bytes;
  self->request(st.deps.api, call_patience, api_atom::value,
                make_request(api_verb::create, "serviceaccounts", ns, "", std::move(object)))
      .then([](api_reply&) {}, [](caf::error&) {});
}

// Kubernetes' system namespaces controller: a system namespace that is gone (kube-node-lease
// may be deleted, and the nodes' Leases live there) is made again. AlreadyExists is as good.
void ensure_system_namespace(self_ptr self, const std::string& name) {
  auto& st = self->state;
  auto& system = system_namespaces();
  if (std::find(system.begin(), system.end(), name) == system.end()) return;
  if (st.deps.engine->read().get(object_key("namespaces", "", name))) return;
  std::string yaml = "apiVersion: v1\nkind: Namespace\nmetadata: {name: " + name + "}\n";
  auto object = codec::decode_manifests(yaml, "namespace", *st.deps.kinds).at(0).bytes;
  self->request(st.deps.api, call_patience, api_atom::value,
                make_request(api_verb::create, "namespaces", "", "", std::move(object)))
      .then([](api_reply&) {}, [](caf::error&) {});
}

void namespace_seen(self_ptr self, std::string_view object) {
  object_reader reader(object);
  std::string name = text_string(reader.meta().getName());
  if (awaits_content_deletion(object))
    schedule(self, name, std::chrono::milliseconds(0));
  else if (reader.meta().getDeletionTimestamp() == 0)
    ensure_default_service_account(self, name);
}

void watch(self_ptr self, uint64_t id, const char* resource, uint64_t from) {
  watch_request req;
  req.id = self->state.generation * 10 + id;
  req.resource = resource;
  req.from_revision = from;
  self->state.received[id] = 0;
  self->request(self->state.deps.store, caf::infinite, watch_atom::value, req,
                caf::actor_cast<watcher_actor>(self))
      .then([](uint64_t) {}, [=](caf::error&) { self->quit(); });
}

// Namespaces from a snapshot, then their changes (and deleted service accounts) from its
// revision on.
void load(self_ptr self) {
  ++self->state.generation;
  auto snap = self->state.deps.engine->read();
  snap.list(list_prefix("namespaces", ""), [&](std::string_view, store::stored_view v) {
    namespace_seen(self, v.object);
    return true;
  });
  for (auto& name : system_namespaces()) ensure_system_namespace(self, name);
  watch(self, namespaces_watch, "namespaces", snap.revision());
  watch(self, service_accounts_watch, "serviceaccounts", snap.revision());
}

void on_event(self_ptr self, const watch_event& ev) {
  auto& st = self->state;
  uint64_t which = ev.id % 10;
  if (ev.id / 10 != st.generation || (which != namespaces_watch && which != service_accounts_watch))
    return;
  if (++st.received[which] % watch_ack_every == 0)
    self->send(st.deps.store, watch_ack_atom::value, ev.id, st.received[which]);
  if (ev.object.empty()) return;
  bool deleted = ev.type == static_cast<uint8_t>(store::event_type::deleted);
  if (which == namespaces_watch) {
    if (!deleted) namespace_seen(self, ev.object.str());
    else ensure_system_namespace(self, text_string(object_reader(ev.object.str()).meta().getName()));
    return;
  }
  object_reader account(ev.object.str());
  if (!deleted || account.meta().getName() != "default") return;
  std::string ns = text_string(account.meta().getNamespace());
  auto reading = st.deps.engine->read();  // the view below lives as long as it
  auto live = reading.get(object_key("namespaces", "", ns));
  if (live && object_reader(live->object).meta().getDeletionTimestamp() == 0)
    ensure_default_service_account(self, ns);
}

caf::behavior controller(self_ptr self, namespace_controller_deps deps) {
  self->state.deps = std::move(deps);
  load(self);
  return {
      [=](watch_event_atom, watch_event& ev) { on_event(self, ev); },
      [=](watch_end_atom, uint64_t id, const caf::error& reason) {
        if (to_api_error(reason).code() == api_errc::unavailable)
          return self->quit();  // the store is going
        auto& st = self->state;
        if (id / 10 != st.generation) return;  // already replaced
        self->send(st.deps.store, unwatch_atom::value, st.generation * 10 + namespaces_watch);
        self->send(st.deps.store, unwatch_atom::value, st.generation * 10 + service_accounts_watch);
        load(self);
      },
      [=](sweep_atom, const std::string& ns) { sweep(self, ns); },
  };
}

}  // namespace

caf::actor spawn_namespace_controller(caf::actor_system& sys, namespace_controller_deps deps) {
  return sys.spawn(controller, std::move(deps));
}

}  // namespace troupe
