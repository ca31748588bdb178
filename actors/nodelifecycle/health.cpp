// Node health decisions and the edits they make: plain functions, no actors.

#include <capnp/message.h>

#include <vector>

#include "actors/nodelifecycle/nodelifecycle.hpp"
#include "runtime/object/event.hpp"
#include "runtime/object/object.hpp"
#include "runtime/object/pod_condition.hpp"
#include "runtime/object/taints.hpp"
#include "schema/core.capnp.h"

namespace troupe {
namespace {

// Kubernetes puts both on an unreachable node: NoSchedule keeps new pods off, NoExecute lets
// the taint eviction controller move the running ones once their tolerations run out.
constexpr k8s::TaintEffect unreachable_effects[] = {k8s::TaintEffect::NO_SCHEDULE,
                                                    k8s::TaintEffect::NO_EXECUTE};

bool has_unreachable_taint(k8s::Node::Reader n, k8s::TaintEffect effect) {
  for (auto t : n.getSpec().getTaints())
    if (text_view(t.getKey()) == unreachable_taint_key && t.getEffect() == effect) return true;
  return false;
}

bool has_unreachable_taints(k8s::Node::Reader n) {
  for (auto effect : unreachable_effects)
    if (!has_unreachable_taint(n, effect)) return false;
  return true;
}

bool has_any_unreachable_taint(k8s::Node::Reader n) {
  for (auto t : n.getSpec().getTaints())
    if (text_view(t.getKey()) == unreachable_taint_key) return true;
  return false;
}

k8s::ConditionStatus ready_status(k8s::Node::Reader n) {
  for (auto c : n.getStatus().getConditions())
    if (text_view(c.getType()) == "Ready") return c.getStatus();
  return k8s::ConditionStatus::UNSPECIFIED;
}

}  // namespace

node_health_action decide_node_health(std::string_view node, std::optional<int64_t> lease_renew_micros,
                                      int64_t now_micros, int64_t grace_micros) {
  object_reader r(node);
  auto n = r.as<k8s::Node>();
  // As Kubernetes' tryUpdateNodeHealth: the kubelet is heard from by its Lease or by the
  // heartbeat of the Ready condition it posts (not one this controller marked Unknown).
  std::optional<int64_t> heard = lease_renew_micros;
  for (auto c : n.getStatus().getConditions())
    if (text_view(c.getType()) == "Ready" && c.getStatus() != k8s::ConditionStatus::IS_UNKNOWN &&
        c.getLastHeartbeatTime() > 0)
      heard = std::max(heard.value_or(0), c.getLastHeartbeatTime() * 1'000'000);
  bool stale = !heard || now_micros - *heard > grace_micros;
  auto ready = ready_status(n);
  if (stale && (ready != k8s::ConditionStatus::IS_UNKNOWN || !has_unreachable_taints(n)))
    return node_health_action::mark_unknown;
  if (!stale && ready == k8s::ConditionStatus::IS_TRUE && has_any_unreachable_taint(n))
    return node_health_action::clear_unreachable;
  return node_health_action::none;
}

bool node_reports_ready(std::string_view node) {
  object_reader r(node);
  return ready_status(r.as<k8s::Node>()) == k8s::ConditionStatus::IS_TRUE;
}

std::pair<std::string, std::string> mark_node_unknown(std::string_view node, int64_t now_seconds) {
  object_reader r(node);
  capnp::MallocMessageBuilder status_msg;
  status_msg.setRoot(r.as<k8s::Node>());
  auto status_node = status_msg.getRoot<k8s::Node>();
  // Kubernetes' tryUpdateNodeHealth: the kubelet's four conditions go Unknown (one the kubelet
  // never wrote is added, its heartbeat the node's creation); others, such as
  // NetworkUnavailable, are not the kubelet's to report and stay.
  static const char* const kubelet_conditions[] = {"Ready", "MemoryPressure", "DiskPressure", "PIDPressure"};
  std::vector<const char*> never;
  for (auto* type : kubelet_conditions) {
    bool found = false;
    for (auto c : status_node.getStatus().getConditions()) {
      if (text_view(c.getType()) != type) continue;
      found = true;
      if (c.getStatus() == k8s::ConditionStatus::IS_UNKNOWN) continue;
      c.setStatus(k8s::ConditionStatus::IS_UNKNOWN);
      c.setReason("NodeStatusUnknown");
      c.setMessage("Kubelet stopped posting node status.");
      c.setLastTransitionTime(now_seconds);
    }
    if (!found) never.push_back(type);
  }
  if (!never.empty()) {
    auto had = status_node.getStatus().disownConditions();
    auto before = had.getReader();
    auto conditions = status_node.getStatus().initConditions(before.size() + static_cast<unsigned>(never.size()));
    for (unsigned i = 0; i < before.size(); ++i) conditions.setWithCaveats(i, before[i]);
    for (unsigned i = 0; i < never.size(); ++i) {
      auto c = conditions[before.size() + i];
      c.setType(never[i]);
      c.setStatus(k8s::ConditionStatus::IS_UNKNOWN);
      c.setReason("NodeStatusNeverUpdated");
      c.setMessage("Kubelet never posted node status.");
      c.setLastHeartbeatTime(r.meta().getCreationTimestamp());
      c.setLastTransitionTime(now_seconds);
    }
  }
  capnp::MallocMessageBuilder spec_msg;
  spec_msg.setRoot(r.as<k8s::Node>());
  auto spec_node = spec_msg.getRoot<k8s::Node>();
  std::vector<k8s::TaintEffect> missing;
  for (auto effect : unreachable_effects)
    if (!has_unreachable_taint(r.as<k8s::Node>(), effect)) missing.push_back(effect);
  if (!missing.empty()) {
    auto old = r.as<k8s::Node>().getSpec().getTaints();
    auto taints =
        spec_node.getSpec().initTaints(old.size() + static_cast<unsigned>(missing.size()));
    for (unsigned i = 0; i < old.size(); ++i) taints.setWithCaveats(i, old[i]);
    for (unsigned i = 0; i < missing.size(); ++i) {
      auto added = taints[old.size() + i];
      added.setKey(std::string(unreachable_taint_key));
      added.setEffect(missing[i]);
      // Only NoExecute taints carry it in Kubernetes: it starts their eviction clock.
      if (missing[i] == k8s::TaintEffect::NO_EXECUTE) added.setTimeAdded(now_seconds);
    }
  }
  // Two writes from one read: neither may carry the version, or the second always conflicts.
  spec_node.getMetadata().disownResourceVersion();
  status_node.getMetadata().disownResourceVersion();
  return {copy_to_bytes(spec_msg.getRoot<capnp::AnyStruct>().asReader()),
          copy_to_bytes(status_msg.getRoot<capnp::AnyStruct>().asReader())};
}

std::string clear_unreachable(std::string_view node) {
  object_reader r(node);
  auto old = r.as<k8s::Node>().getSpec().getTaints();
  capnp::MallocMessageBuilder m;
  m.setRoot(r.as<k8s::Node>());
  unsigned keep = 0;
  for (auto t : old) keep += text_view(t.getKey()) != unreachable_taint_key;
  auto spec = m.getRoot<k8s::Node>().getSpec();
  if (keep == 0) {
    spec.disownTaints();  // no taints left: the field goes, as in Kubernetes
    return copy_to_bytes(m.getRoot<capnp::AnyStruct>().asReader());
  }
  auto taints = spec.initTaints(keep);
  unsigned i = 0;
  for (auto t : old)
    if (text_view(t.getKey()) != unreachable_taint_key) taints.setWithCaveats(i++, t);
  return copy_to_bytes(m.getRoot<capnp::AnyStruct>().asReader());
}

std::optional<std::string> with_unschedulable_taint(std::string_view node, int64_t now_seconds) {
  object_reader r(node);
  auto spec = r.as<k8s::Node>().getSpec();
  auto is_it = [](k8s::Taint::Reader t) {
    return text_view(t.getKey()) == unschedulable_taint_key && t.getEffect() == k8s::TaintEffect::NO_SCHEDULE;
  };
  unsigned found = 0;
  for (auto t : spec.getTaints()) found += is_it(t);
  bool wanted = spec.getUnschedulable();
  if ((found > 0) == wanted) return std::nullopt;
  auto old = spec.getTaints();
  capnp::MallocMessageBuilder m;
  m.setRoot(r.as<k8s::Node>());
  auto out = m.getRoot<k8s::Node>().getSpec();
  if (wanted) {
    auto taints = out.initTaints(old.size() + 1);
    for (unsigned i = 0; i < old.size(); ++i) taints.setWithCaveats(i, old[i]);
    auto added = taints[old.size()];
    added.setKey(std::string(unschedulable_taint_key));
    added.setEffect(k8s::TaintEffect::NO_SCHEDULE);
    added.setTimeAdded(now_seconds);
  } else if (old.size() == found) {
    out.disownTaints();
  } else {
    auto taints = out.initTaints(old.size() - found);
    unsigned i = 0;
    for (auto t : old)
      if (!is_it(t)) taints.setWithCaveats(i++, t);
  }
  return copy_to_bytes(m.getRoot<capnp::AnyStruct>().asReader());
}

std::optional<std::string> pod_marked_not_ready(std::string_view pod, int64_t now_seconds) {
  object_reader r(pod);
  for (auto c : r.as<k8s::Pod>().getStatus().getConditions()) {
    if (text_view(c.getType()) != "Ready") continue;
    if (c.getStatus() == k8s::ConditionStatus::IS_FALSE) return std::nullopt;
    capnp::MallocMessageBuilder m;
    m.setRoot(r.as<k8s::Pod>());
    set_pod_condition(m.getRoot<k8s::Pod>(), "Ready", k8s::ConditionStatus::IS_FALSE, text_view(c.getReason()),
                      text_view(c.getMessage()), now_seconds);
    return to_bytes(m);
  }
  return std::nullopt;
}

std::optional<std::string> pod_marked_for_disruption(std::string_view pod, const std::string& reason,
                                                     const std::string& message, bool failed, int64_t now_seconds) {
  object_reader r(pod);
  auto phase = r.as<k8s::Pod>().getStatus().getPhase();
  if (failed && (phase == k8s::PodPhase::SUCCEEDED || phase == k8s::PodPhase::FAILED)) return std::nullopt;
  capnp::MallocMessageBuilder m;
  m.setRoot(r.as<k8s::Pod>());
  auto out = m.getRoot<k8s::Pod>();
  set_pod_condition(out, "DisruptionTarget", k8s::ConditionStatus::IS_TRUE, reason, message, now_seconds);
  if (failed) out.getStatus().setPhase(k8s::PodPhase::FAILED);
  return to_bytes(m);
}

std::string node_not_ready_node_event(std::string_view node, int64_t now_micros) {
  return node_status_event(node, "NodeNotReady", "node-controller", "", now_micros);
}

std::string node_not_ready_event(std::string_view pod, int64_t now_micros) {
  return new_event(pod, "Pod", {"Warning", "NodeNotReady", "Node is not ready", "node-controller", "", ""}, now_micros,
                   now_micros);
}

}  // namespace troupe
