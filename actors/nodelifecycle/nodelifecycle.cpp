#include "actors/nodelifecycle/nodelifecycle.hpp"

#include <algorithm>
#include <caf/all.hpp>
#include <map>
#include <set>
#include <vector>

#include "runtime/base/time.hpp"
#include "runtime/caf/errors.hpp"
#include "runtime/object/object.hpp"
#include "runtime/store/engine.hpp"
#include "schema/coordination.capnp.h"
#include "schema/core.capnp.h"

namespace troupe {
namespace {

using impl_actor = node_watcher_actor::extend<caf::reacts_to<tick_atom>, caf::reacts_to<evict_atom>>::
    extend_with<watcher_actor>;

// Evictions waiting for their delete: a node going away must not flood the API.
constexpr size_t max_evictions_in_flight = 64;
constexpr std::chrono::seconds eviction_patience{30};

struct lifecycle_state {
  nodelifecycle_deps deps;
  int64_t started_seconds = 0;  ///< leases count as renewed no earlier than this
  /// When this controller first saw each NoExecute taint that carries no timeAdded, by
  /// "node\ntaint key=value"; kept only while the taint stays.
  std::map<std::string, int64_t> taint_seen;
  /// When it first saw each pod on a node with NoExecute taints, by "node\nns/name": a pod
  /// bound after the taint gets its whole toleration too.
  std::map<std::string, int64_t> pod_seen;
  /// Pods whose eviction is due later, by "node\nns/name": one that drops out while it stays on
  /// its node is told its deletion is cancelled.
  std::set<std::string> pending;
  /// Pods whose deletion is under way, so a slow delete is not sent twice.
  std::set<std::string> evicting;
  int64_t next_eviction_check = 0;  ///< unix seconds of the earliest check already scheduled
  /// Nodes whose marking as unknown is under way (spec, then status): a check meanwhile reads
  /// them still Ready and must not mark them (and record the transition) again.
  std::set<std::string> marking;
  /// PodGC: nodes pods are bound to that were missing, since when (unix ms).
  std::map<std::string, int64_t> node_missing_since;
  int64_t next_orphan_check_ms = 0;
  uint64_t watch_id = 0;            ///< of the node watch; a new one after it ends
  uint64_t watch_received = 0;      ///< its events, for acks
  static inline const char* name = "nodelifecycle";
};

using self_ptr = impl_actor::stateful_pointer<lifecycle_state>;

// A conflict (the kubelet wrote first) is settled at the next check.
template <class Then, class Failed = void (*)()>
void send_update(self_ptr self, api_verb verb, std::string name, std::string object, Then then,
                 Failed failed = [] {}) {
  self->request(self->state.deps.api, caf::infinite, api_atom::value,
                make_request(verb, "nodes", "", std::move(name), std::move(object)))
      .then([then](api_reply&) mutable { then(); }, [failed](caf::error&) mutable { failed(); });
}

void record_event(self_ptr self, const std::string& ns, std::string event) {
  self->request(self->state.deps.api, eviction_patience, api_atom::value,
                make_request(api_verb::create, "events", ns, "", std::move(event)))
      .then([](api_reply&) {}, [](caf::error&) {});
}

// Kubernetes' MarkPodsNotReady: the pods of a node just marked unknown are not ready (so nothing
// counts on them), each with a NodeNotReady event. Its kubelet, back, writes their status anew.
void mark_pods_not_ready(self_ptr self, const std::string& node) {
  auto snap = self->state.deps.engine->read();
  auto mark = [&](std::string_view, store::stored_view v) {
    object_reader r(v.object);
    if (text_view(r.as<k8s::Pod>().getSpec().getNodeName()) != node) return true;
    auto marked = pod_marked_not_ready(v.object, unix_seconds());
    if (!marked) return true;
    std::string ns = text_string(r.meta().getNamespace()), name = text_string(r.meta().getName());
    std::string event = node_not_ready_event(v.object, unix_micros());
    self->request(self->state.deps.api, eviction_patience, api_atom::value,
                  make_request(api_verb::update_status, "pods", ns, name, std::move(*marked)))
        .then([=](api_reply&) mutable { record_event(self, ns, std::move(event)); },
              [](caf::error&) {});  // the kubelet wrote first, or the pod is gone
    return true;
  };
  if (!snap.list_by_field(list_prefix("pods", ""), "spec.nodeName", node, mark)) snap.list(list_prefix("pods", ""), mark);
}

// `node` already has its unschedulable taint in step (`synced`) or needs no change.
void act(self_ptr self, const std::string& name, std::string_view node, node_health_action action,
         bool synced) {
  if (action == node_health_action::none && synced) {
    send_update(self, api_verb::update, name, std::string(node), [] {});
  } else if (action == node_health_action::mark_unknown) {
    // One after the other: each applies to the version it finds, so they must not overlap.
    if (!self->state.marking.insert(name).second) return;
    auto [spec, status] = mark_node_unknown(node, unix_seconds());
    // Only Ready -> not Ready is the transition Kubernetes reports, once.
    std::optional<std::string> event;
    if (node_reports_ready(node)) event = node_not_ready_node_event(node, unix_micros());
    auto done = [=] { self->state.marking.erase(name); };
    send_update(self, api_verb::update, name, std::move(spec), [=, status = std::move(status)] {
      send_update(self, api_verb::update_status, name, status, [=] {
        done();
        if (!event) return;
        record_event(self, "default", *event);
        mark_pods_not_ready(self, name);
      }, done);
    }, done);
  } else if (action == node_health_action::clear_unreachable) {
    send_update(self, api_verb::update, name, clear_unreachable(node), [] {});
  }
}

// ---- taint eviction -------------------------------------------------------------------------

// Marks the pod with the DisruptionTarget condition (and Failed, for PodGC), then deletes it;
// `then` runs once it is deleted, `failure` when it could not be (the next check tries again).
// As Kubernetes' addConditionAndDeletePod: the mark goes on the pod as stored now (a write
// conditional on its version, read again after a conflict with its kubelet), and a pod that
// could not be marked is not deleted yet.
void disrupt(self_ptr self, const std::string& ns, const std::string& name, const std::string& reason,
             const std::string& message, bool failed, int64_t grace, std::function<void()> then,
             std::function<void()> failure, int attempts_left = 3, std::string uid = "") {
  auto api = self->state.deps.api;
  auto reading = self->state.deps.engine->read();  // the view below lives as long as it
  auto stored = reading.get(object_key("pods", ns, name));
  if (!stored) return failure();  // gone already
  // Read again after a conflict: still the pod decided on, not one made again under its name.
  auto stored_uid = text_string(object_reader(stored->object).meta().getUid());
  if (!uid.empty() && stored_uid != uid) return failure();
  auto marked = pod_marked_for_disruption(stored->object, reason, message, failed, unix_seconds());
  auto remove = [=]() mutable {
    auto req = make_request(api_verb::remove, "pods", ns, name);
    req.grace_period = grace;
    self->request(api, eviction_patience, api_atom::value, std::move(req))
        .then([then](api_reply&) mutable { then(); }, [failure](caf::error&) mutable { failure(); });
  };
  if (!marked) return remove();  // PodGC's pod that has ended already: nothing to mark
  self->request(api, eviction_patience, api_atom::value,
                make_request(api_verb::update_status, "pods", ns, name, std::move(*marked)))
      .then([remove](api_reply&) mutable { remove(); },
            [=](caf::error& e) mutable {
              if (to_api_error(e).code() == api_errc::conflict && attempts_left > 1)
                return disrupt(self, ns, name, reason, message, failed, grace, then, failure, attempts_left - 1,
                               stored_uid);
              failure();
            });
}

void evict(self_ptr self, const std::string& ns, const std::string& name, std::string pod) {
  auto key = ns + "/" + name;
  if (!self->state.evicting.insert(key).second) return;
  // The pod's own grace period applies (-1): its node stops it, and the object goes after.
  disrupt(self, ns, name, "DeletionByTaintManager", "Taint manager: deleting due to NoExecute taint", false, -1,
          [=] {
            self->state.evicting.erase(key);
            record_event(self, ns, eviction_event(pod, unix_micros()));
          },
          [=] { self->state.evicting.erase(key); });  // tried again at the next check
}

// Kubernetes' taint eviction controller. Two guards from its node lifecycle controller: when
// every node is not ready or unreachable the fault is more likely the control plane's or the
// network's than the nodes', so their condition taints evict nobody; and a node that reported
// Ready in this very check (its taints are on their way out) is left alone.
void evict_untolerated(self_ptr self, const store::snapshot& snap,
                       const std::set<std::string>& recovering = {}) {
  auto& st = self->state;
  int64_t now = unix_seconds();
  std::vector<std::pair<std::string, std::vector<noexecute_taint>>> tainted;
  size_t nodes = 0, unhealthy = 0;
  std::map<std::string, int64_t> taints_seen;
  snap.list(list_prefix("nodes", ""), [&](std::string_view, store::stored_view v) {
    ++nodes;
    auto taints = noexecute_taints(v.object);
    unhealthy += std::any_of(taints.begin(), taints.end(), is_node_condition_taint);
    object_reader r(v.object);
    std::string node = text_string(r.meta().getName());
    if (taints.empty() || recovering.count(node)) return true;
    for (auto& t : taints) {
      if (t.since_seconds != 0) continue;
      auto id = node + "\n" + t.key + "=" + t.value;
      auto known = st.taint_seen.find(id);
      t.since_seconds = taints_seen[id] = known == st.taint_seen.end() ? now : known->second;
    }
    tainted.emplace_back(std::move(node), std::move(taints));
    return true;
  });
  st.taint_seen = std::move(taints_seen);
  bool all_unhealthy = nodes > 0 && unhealthy == nodes;

  std::map<std::string, int64_t> pods_seen;
  std::set<std::string> pending, due;  // evictions due later, and those due now
  std::optional<int64_t> next;
  for (auto& [node, taints] : tainted) {
    if (all_unhealthy)
      taints.erase(std::remove_if(taints.begin(), taints.end(), is_node_condition_taint),
                   taints.end());
    if (taints.empty()) continue;
    auto consider = [&, &node = node, &taints = taints](std::string_view, store::stored_view pod) {
      object_reader p(pod.object);
      if (p.meta().getDeletionTimestamp() != 0) return true;  // already going
      if (text_view(p.as<k8s::Pod>().getSpec().getNodeName()) != node) return true;
      std::string ns = text_string(p.meta().getNamespace()), name = text_string(p.meta().getName());
      auto id = node + "\n" + ns + "/" + name;
      auto known = st.pod_seen.find(id);
      int64_t seen = pods_seen[id] = known == st.pod_seen.end() ? now : known->second;
      // First seen here no earlier than this controller's start: a restart after a long
      // outage does not evict at once what had tolerated it.
      auto at = eviction_time(taints, pod.object, seen);
      if (!at) return true;
      if (*at > now) {
        next = next ? std::min(*next, *at) : *at;
        pending.insert(id);
        return true;
      }
      due.insert(id);
      if (st.evicting.size() < max_evictions_in_flight)
        evict(self, ns, name, std::string(pod.object));
      else
        next = now + 1;  // the rest after these deletes
      return true;
    };
    // The node-name index answers this without reading every pod; a store without it still can.
    if (!snap.list_by_field(list_prefix("pods", ""), "spec.nodeName", node, consider))
      snap.list(list_prefix("pods", ""), consider);
  }
  st.pod_seen = std::move(pods_seen);
  // While every node is away, evictions wait rather than end.
  if (!all_unhealthy) {
    for (auto& id : st.pending) {
      if (pending.count(id) || due.count(id)) continue;
      auto cut = id.find('\n'), slash = id.find('/', cut);
      std::string node = id.substr(0, cut), ns = id.substr(cut + 1, slash - cut - 1), name = id.substr(slash + 1);
      auto pod = snap.get(object_key("pods", ns, name));
      if (!pod) continue;
      object_reader p(pod->object);
      if (p.meta().getDeletionTimestamp() == 0 && text_view(p.as<k8s::Pod>().getSpec().getNodeName()) == node)
        record_event(self, ns, eviction_event(pod->object, unix_micros(), true));
    }
    st.pending = std::move(pending);
  }
  // A toleration may run out between two regular checks: look again when it does.
  auto interval =
      std::chrono::duration_cast<std::chrono::seconds>(st.deps.knobs.check_interval).count();
  if (next && *next - now < interval &&
      (st.next_eviction_check <= now || *next < st.next_eviction_check)) {
    st.next_eviction_check = *next;
    self->delayed_send(self, std::chrono::seconds(std::max<int64_t>(*next - now, 1)),
                       evict_atom::value);
  }
}

// Kubernetes' PodGC for pods bound to a node that is gone (deleted, or never there): after the
// quarantine they are deleted with no grace, since no kubelet will ever stop them.
void collect_orphans(self_ptr self, const store::snapshot& snap, const std::set<std::string>& nodes) {
  std::map<std::string, std::vector<std::pair<std::string, std::string>>> pods_by_node;
  snap.list(list_prefix("pods", ""), [&](std::string_view, store::stored_view v) {
    object_reader r(v.object);
    auto node = text_string(r.as<k8s::Pod>().getSpec().getNodeName());
    if (!node.empty() && !nodes.count(node))
      pods_by_node[node].emplace_back(text_string(r.meta().getNamespace()), text_string(r.meta().getName()));
    return true;
  });
  std::set<std::string> pod_nodes;
  for (auto& [node, pods] : pods_by_node) pod_nodes.insert(node);
  auto quarantine = self->state.deps.knobs.orphan_quarantine.count();
  for (auto& node : orphaned_nodes(nodes, pod_nodes, self->state.node_missing_since, unix_micros() / 1000, quarantine))
    for (auto& [ns, name] : pods_by_node[node])  // tried again at the next check if it fails
      disrupt(self, ns, name, "DeletionByPodGC", "PodGC: node no longer exists", true, 0, [] {}, [] {});
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
  std::set<std::string> recovering, nodes;
  snap.list(list_prefix("nodes", ""), [&](std::string_view, store::stored_view v) {
    object_reader r(v.object);
    std::string name = text_string(r.meta().getName());
    nodes.insert(name);
    auto lease = renewed.find(name);
    // As Kubernetes' controller, it gives every node a whole grace period from its own start:
    // after a server restart the leases are old only because nobody could renew them.
    std::optional<int64_t> renew = self->state.started_seconds * 1'000'000;
    if (lease != renewed.end()) renew = std::max(*renew, lease->second);
    auto synced = with_unschedulable_taint(v.object, unix_seconds());
    std::string_view node = synced ? std::string_view(*synced) : v.object;
    auto action = decide_node_health(node, renew, unix_micros(), grace);
    if (action == node_health_action::clear_unreachable) recovering.insert(name);
    act(self, name, node, action, synced.has_value());
    return true;
  });
  evict_untolerated(self, snap, recovering);
  // PodGC reads every pod: less often than the nodes are checked.
  auto now_ms = unix_micros() / 1000;
  if (now_ms >= self->state.next_orphan_check_ms) {
    self->state.next_orphan_check_ms = now_ms + self->state.deps.knobs.orphan_check_interval.count();
    collect_orphans(self, snap, nodes);
  }
}

void lost(self_ptr self, const std::string& name) {
  auto reading = self->state.deps.engine->read();  // the view below lives as long as it
  auto stored = reading.get(object_key("nodes", "", name));
  if (stored) act(self, name, stored->object, node_health_action::mark_unknown, false);
}

// Node changes as they happen, so a cordon or uncordon is tainted at once rather than at the
// next check. A stale version conflicts and is settled by the change that made it stale.
void watch_nodes(self_ptr self, uint64_t from) {
  auto& st = self->state;
  watch_request req;
  req.id = ++st.watch_id;
  req.resource = "nodes";
  req.from_revision = from;
  st.watch_received = 0;
  self->request(st.deps.store, caf::infinite, watch_atom::value, req, caf::actor_cast<watcher_actor>(self))
      .then([](uint64_t) {}, [](caf::error&) {});  // the store is going
}

void node_changed(self_ptr self, const watch_event& ev) {
  auto& st = self->state;
  if (ev.id != st.watch_id) return;
  if (++st.watch_received % watch_ack_every == 0)
    self->send(st.deps.store, watch_ack_atom::value, ev.id, st.watch_received);
  if (ev.object.empty() || ev.type == static_cast<uint8_t>(store::event_type::deleted)) return;
  auto synced = with_unschedulable_taint(ev.object.str(), unix_seconds());
  if (!synced) return;
  // The name is read before the bytes move into the request (arguments are made in no fixed order).
  std::string name = text_string(object_reader(*synced).meta().getName());
  send_update(self, api_verb::update, std::move(name), std::move(*synced), [] {});
}

impl_actor::behavior_type lifecycle_behavior(self_ptr self, nodelifecycle_deps deps) {
  self->state.deps = std::move(deps);
  self->state.started_seconds = unix_seconds();
  self->send(self, tick_atom::value);
  // The first check reads a snapshot at least this new, so nothing between is missed.
  watch_nodes(self, self->state.deps.engine->read().revision());
  return {
      [=](node_lost_atom, const std::string& node) { lost(self, node); },
      [=](evict_atom) { evict_untolerated(self, self->state.deps.engine->read()); },
      [=](watch_event_atom, watch_event& ev) { node_changed(self, ev); },
      [=](watch_end_atom, uint64_t id, const caf::error& reason) {
        if (id != self->state.watch_id || to_api_error(reason).code() == api_errc::unavailable) return;
        watch_nodes(self, self->state.deps.engine->read().revision());
      },
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
