#include "actors/nodelifecycle/nodelifecycle.hpp"

#include <caf/all.hpp>

#include <map>
#include <set>

#include "runtime/base/time.hpp"
#include "runtime/caf/errors.hpp"
#include "runtime/object/object.hpp"
#include "runtime/store/engine.hpp"
#include "schema/coordination.capnp.h"
#include "schema/core.capnp.h"

namespace troupe {
namespace {

using impl_actor = node_watcher_actor::extend<caf::reacts_to<tick_atom>, caf::reacts_to<evict_atom>>;

struct lifecycle_state {
  nodelifecycle_deps deps;
  /// When this controller first saw each NoExecute taint that carries no timeAdded, by
  /// "node\ntaint key=value"; kept only while the taint stays.
  std::map<std::string, int64_t> taint_seen;
  /// Pods whose deletion is under way, so a slow delete is not sent twice.
  std::set<std::string> evicting;
  int64_t next_eviction_check = 0;  ///< unix seconds of the earliest check already scheduled
  static inline const char* name = "nodelifecycle";
};

using self_ptr = impl_actor::stateful_pointer<lifecycle_state>;

// A conflict (the kubelet wrote first) is settled at the next check.
template <class Then>
void send_update(self_ptr self, api_verb verb, std::string name, std::string object, Then then) {
  self->request(self->state.deps.api, caf::infinite, api_atom::value,
                make_request(verb, "nodes", "", std::move(name), std::move(object)))
      .then([then](api_reply&) mutable { then(); }, [](caf::error&) {});
}

void act(self_ptr self, const std::string& name, std::string_view node, node_health_action action) {
  if (action == node_health_action::mark_unknown) {
    // One after the other: each applies to the version it finds, so they must not overlap.
    auto [spec, status] = mark_node_unknown(node, unix_seconds());
    send_update(self, api_verb::update, name, std::move(spec), [=, status = std::move(status)] {
      send_update(self, api_verb::update_status, name, status, [] {});
    });
  } else if (action == node_health_action::clear_unreachable) {
    send_update(self, api_verb::update, name, clear_unreachable(node), [] {});
  }
}

// ---- taint eviction -------------------------------------------------------------------------

void evict(self_ptr self, const std::string& ns, const std::string& name, std::string pod) {
  auto key = ns + "/" + name;
  if (!self->state.evicting.insert(key).second) return;
  auto& api = self->state.deps.api;
  self->request(api, caf::infinite, api_atom::value,
                make_request(api_verb::create, "events", ns, "", eviction_event(pod, unix_micros())))
      .then([](api_reply&) {}, [](caf::error&) {});
  // The pod's own grace period applies: its node stops it, and the object goes after.
  self->request(api, caf::infinite, api_atom::value, make_request(api_verb::remove, "pods", ns, name))
      .then([=](api_reply&) { self->state.evicting.erase(key); },
            [=](caf::error&) { self->state.evicting.erase(key); });
}

// Pods on nodes with NoExecute taints go once they do not tolerate them, or no longer.
void evict_untolerated(self_ptr self, const store::snapshot& snap) {
  auto& st = self->state;
  int64_t now = unix_seconds();
  std::map<std::string, int64_t> seen;
  std::optional<int64_t> next;
  snap.list(list_prefix("nodes", ""), [&](std::string_view, store::stored_view v) {
    auto taints = noexecute_taints(v.object);
    if (taints.empty()) return true;
    object_reader r(v.object);
    std::string node = text_string(r.meta().getName());
    for (auto& t : taints) {
      if (t.since_seconds != 0) continue;
      auto id = node + "\n" + t.key + "=" + t.value;
      auto known = st.taint_seen.find(id);
      t.since_seconds = seen[id] = known == st.taint_seen.end() ? now : known->second;
    }
    auto consider = [&](std::string_view, store::stored_view pod) {
      object_reader p(pod.object);
      if (p.meta().getDeletionTimestamp() != 0) return true;  // already going
      if (text_view(p.as<k8s::Pod>().getSpec().getNodeName()) != node) return true;
      auto at = eviction_time(taints, pod.object);
      if (!at) return true;
      if (*at <= now) evict(self, text_string(p.meta().getNamespace()), text_string(p.meta().getName()), std::string(pod.object));
      else next = next ? std::min(*next, *at) : *at;
      return true;
    };
    // The node-name index answers this without reading every pod; a store without it still can.
    if (!snap.list_by_field(list_prefix("pods", ""), "spec.nodeName", node, consider))
      snap.list(list_prefix("pods", ""), consider);
    return true;
  });
  st.taint_seen = std::move(seen);
  // A toleration may run out between two regular checks: look again when it does.
  if (next && (st.next_eviction_check <= now || *next < st.next_eviction_check)) {
    st.next_eviction_check = *next;
    self->delayed_send(self, std::chrono::seconds(*next - now), evict_atom::value);
  }
}

void check(self_ptr self) {
  auto snap = self->state.deps.engine->read();
  std::map<std::string, int64_t> renewed;
  snap.list(list_prefix("leases.coordination.k8s.io", "kube-node-lease"),
            [&](std::string_view, store::stored_view v) {
              object_reader r(v.object);
              auto lease = r.as<k8s::Lease>();
              renewed[text_string(lease.getMetadata().getName())] = lease.getSpec().getRenewTime();
              return true;
            });
  int64_t grace = std::chrono::duration_cast<std::chrono::microseconds>(self->state.deps.knobs.grace).count();
  snap.list(list_prefix("nodes", ""), [&](std::string_view, store::stored_view v) {
    object_reader r(v.object);
    std::string name = text_string(r.meta().getName());
    auto lease = renewed.find(name);
    std::optional<int64_t> renew;
    if (lease != renewed.end()) renew = lease->second;
    act(self, name, v.object, decide_node_health(v.object, renew, unix_micros(), grace));
    return true;
  });
  evict_untolerated(self, snap);
}

void lost(self_ptr self, const std::string& name) {
  auto stored = self->state.deps.engine->read().get(object_key("nodes", "", name));
  if (stored) act(self, name, stored->object, node_health_action::mark_unknown);
}

impl_actor::behavior_type lifecycle_behavior(self_ptr self, nodelifecycle_deps deps) {
  self->state.deps = std::move(deps);
  self->send(self, tick_atom::value);
  return {
      [=](node_lost_atom, const std::string& node) { lost(self, node); },
      [=](evict_atom) { evict_untolerated(self, self->state.deps.engine->read()); },
      [=](tick_atom) {
        check(self);
        self->delayed_send(self, self->state.deps.knobs.check_interval, tick_atom::value);
      },
  };
}

}  // namespace

node_watcher_actor spawn_nodelifecycle(caf::actor_system& sys, nodelifecycle_deps deps) {
  return caf::actor_cast<node_watcher_actor>(sys.spawn(lifecycle_behavior, std::move(deps)));
}

}  // namespace troupe
