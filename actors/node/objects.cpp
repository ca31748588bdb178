// The Node and Lease objects the node agent writes: plain builders, no actors.

#include "actors/node/objects.hpp"

#include <capnp/message.h>

#include <map>

#include "runtime/object/object.hpp"
#include "runtime/object/pod_condition.hpp"
#include "runtime/object/quantity.hpp"
#include "schema/coordination.capnp.h"
#include "schema/core.capnp.h"

namespace troupe {
namespace {

using quantity_entries = std::vector<std::pair<std::string, std::string>>;

// Resources others advertised in the Node's capacity (example.com/dongle, by a PATCH of its
// status as Kubernetes documents it): they stay, and allocatable follows them, as the kubelet
// keeps every capacity entry but those it measures itself.
quantity_entries advertised_resources(k8s::NodeStatus::Reader previous) {
  quantity_entries out;
  for (auto entry : previous.getCapacity()) {
    auto name = text_view(entry.getKey());
    if (name != "cpu" && name != "memory" && name != "pods")
      out.emplace_back(std::string(name), text_string(entry.getValue()));
  }
  return out;
}

// The capacity and the allocatable alike: the host's figures, then what was advertised.
void set_quantities(k8s::NodeStatus::Builder status, const host_facts& f,
                    const quantity_entries& advertised) {
  auto size = static_cast<unsigned>(3 + advertised.size());
  for (auto list : {status.initCapacity(size), status.initAllocatable(size)}) {
    list[0].setKey("cpu");
    list[0].setValue(quantity::from_milli(f.milli_cpu).format_decimal());
    list[1].setKey("memory");
    list[1].setValue(quantity::from_value(f.memory).format_binary());
    list[2].setKey("pods");
    list[2].setValue(std::to_string(f.max_pods));
    for (unsigned i = 0; i < advertised.size(); ++i) {
      list[3 + i].setKey(advertised[i].first);
      list[3 + i].setValue(advertised[i].second);
    }
  }
}

void set_labels(k8s::ObjectMeta::Builder meta, const std::string& name, const host_facts& f) {
  auto labels = map_entries(meta.asReader().getLabels());
  auto put = [&](const std::string& k, const std::string& v) {
    for (auto& [key, value] : labels)
      if (key == k) return void(value = v);
    labels.emplace_back(k, v);
  };
  put("kubernetes.io/hostname", name);
  put("kubernetes.io/os", f.os);
  put("kubernetes.io/arch", f.arch);
  put("beta.kubernetes.io/os", f.os);
  put("beta.kubernetes.io/arch", f.arch);
  for (auto& [key, value] : f.labels) put(key, value);
  fill_map(meta.initLabels(static_cast<unsigned>(labels.size())), labels);
}

void set_spec(k8s::NodeSpec::Builder spec, const std::string& pod_cidr) {
  spec.setPodCIDR(pod_cidr);
  spec.initPodCIDRs(1).set(0, pod_cidr);
}

k8s::TaintEffect effect_named(const std::string& effect) {
  return effect == "NoExecute"          ? k8s::TaintEffect::NO_EXECUTE
         : effect == "PreferNoSchedule" ? k8s::TaintEffect::PREFER_NO_SCHEDULE
                                        : k8s::TaintEffect::NO_SCHEDULE;
}

void set_status(k8s::Node::Builder node, k8s::Node::Reader previous, const host_facts& f,
                const std::vector<node_condition>& conditions, int64_t now) {
  auto advertised = advertised_resources(previous.getStatus());
  auto status = node.initStatus();
  set_quantities(status, f, advertised);
  auto conds = status.initConditions(static_cast<unsigned>(conditions.size()));
  for (unsigned i = 0; i < conds.size(); ++i) {
    auto& c = conditions[i];
    conds[i].setType(c.type);
    conds[i].setStatus(condition_status_named(c.status));
    conds[i].setReason(c.reason);
    conds[i].setMessage(c.message);
    conds[i].setLastHeartbeatTime(now);
    int64_t since = now;
    for (auto old : previous.getStatus().getConditions())
      if (text_view(old.getType()) == c.type && old.getStatus() == condition_status_named(c.status))
        since = old.getLastTransitionTime();
    conds[i].setLastTransitionTime(since);
  }
  auto addresses = status.initAddresses(2);
  addresses[0].setType("InternalIP");
  addresses[0].setAddress(f.address);
  addresses[1].setType("Hostname");
  addresses[1].setAddress(f.hostname);
  auto info = status.initNodeInfo();
  info.setMachineID(f.machine_id);
  info.setSystemUUID(f.system_uuid);
  info.setBootID(f.boot_id);
  info.setKernelVersion(f.kernel);
  info.setOsImage(f.os_image);
  info.setContainerRuntimeVersion("troupe-process://" TROUPE_VERSION);
  info.setKubeletVersion("v" TROUPE_VERSION);
  info.setKubeProxyVersion("v" TROUPE_VERSION);
  info.setOperatingSystem(f.os);
  info.setArchitecture(f.arch);
}

}  // namespace

std::string new_node(const std::string& name, const std::string& pod_cidr, const host_facts& f,
                     const std::vector<node_condition>& conditions, int64_t now) {
  capnp::MallocMessageBuilder m;
  auto node = m.initRoot<k8s::Node>();
  node.setApiVersion("v1");
  node.setKind("Node");
  node.initMetadata().setName(name);
  set_labels(node.getMetadata(), name, f);
  set_spec(node.initSpec(), pod_cidr);
  auto taints = f.taints.empty()
                    ? node.getSpec().getTaints()
                    : node.getSpec().initTaints(static_cast<unsigned>(f.taints.size()));
  for (unsigned i = 0; i < taints.size(); ++i) {
    taints[i].setKey(f.taints[i].key);
    taints[i].setValue(f.taints[i].value);
    taints[i].setEffect(effect_named(f.taints[i].effect));
  }
  set_status(node, k8s::Node::Reader(), f, conditions, now);
  return to_bytes(m);
}

std::string with_node_spec(std::string_view stored, const std::string& pod_cidr, const host_facts& f) {
  object_reader r(stored);
  capnp::MallocMessageBuilder m;
  m.setRoot(r.as<k8s::Node>());
  auto node = m.getRoot<k8s::Node>();
  set_labels(node.getMetadata(), text_string(node.getMetadata().getName()), f);
  set_spec(node.getSpec(), pod_cidr);
  return copy_to_bytes(m.getRoot<capnp::AnyStruct>().asReader());
}

std::string with_node_status(std::string_view stored, const host_facts& f,
                             const std::vector<node_condition>& conditions, int64_t now) {
  object_reader r(stored);
  capnp::MallocMessageBuilder m;
  m.setRoot(r.as<k8s::Node>());
  set_status(m.getRoot<k8s::Node>(), r.as<k8s::Node>(), f, conditions, now);
  return copy_to_bytes(m.getRoot<capnp::AnyStruct>().asReader());
}

bool resources_outdated(std::string_view node, const host_facts& f) {
  object_reader r(node);
  auto status = r.as<k8s::Node>().getStatus();
  capnp::MallocMessageBuilder m;
  auto fresh = m.initRoot<k8s::NodeStatus>();
  auto advertised = advertised_resources(status);
  set_quantities(fresh, f, advertised);
  auto as_map = [](capnp::List<k8s::QuantityEntry>::Reader list) {
    std::map<std::string, std::string> out;
    for (auto entry : list) out[text_string(entry.getKey())] = text_string(entry.getValue());
    return out;
  };
  return as_map(status.getCapacity()) != as_map(fresh.getCapacity()) ||
         as_map(status.getAllocatable()) != as_map(fresh.getAllocatable());
}

std::vector<node_condition> stored_conditions(std::string_view node) {
  object_reader r(node);
  std::vector<node_condition> out;
  for (auto c : r.as<k8s::Node>().getStatus().getConditions())
    out.push_back({text_string(c.getType()), condition_status_text(c.getStatus()), text_string(c.getReason()),
                   text_string(c.getMessage())});
  return out;
}

std::string node_lease(const std::string& name, std::string_view stored, int64_t now_micros,
                       int duration_seconds, std::string_view node) {
  std::string node_uid = node.empty() ? "" : text_string(object_reader(node).meta().getUid());
  capnp::MallocMessageBuilder m;
  if (!stored.empty()) {
    object_reader r(stored);
    m.setRoot(r.as<k8s::Lease>());
  } else {
    auto lease = m.initRoot<k8s::Lease>();
    lease.setApiVersion("coordination.k8s.io/v1");
    lease.setKind("Lease");
    auto meta = lease.initMetadata();
    meta.setName(name);
    meta.setNamespace("kube-node-lease");
    lease.initSpec().setHolderIdentity(name);
  }
  auto meta = m.getRoot<k8s::Lease>().getMetadata();
  if (!node_uid.empty() && meta.getOwnerReferences().size() == 0) {
    auto owner = meta.initOwnerReferences(1)[0];
    owner.setApiVersion("v1");
    owner.setKind("Node");
    owner.setName(name);
    owner.setUid(node_uid);
  }
  auto spec = m.getRoot<k8s::Lease>().getSpec();
  spec.getLeaseDurationSeconds().setValue(duration_seconds);
  spec.setRenewTime(now_micros);
  return copy_to_bytes(m.getRoot<capnp::AnyStruct>().asReader());
}

std::vector<std::string> node_status_events(std::string_view before, std::string_view after) {
  // The kubelet's names for each condition when True and when False (its nodestatus setters).
  static const std::map<std::string, std::pair<const char*, const char*>> reasons = {
      {"MemoryPressure", {"NodeHasInsufficientMemory", "NodeHasSufficientMemory"}},
      {"DiskPressure", {"NodeHasDiskPressure", "NodeHasNoDiskPressure"}},
      {"PIDPressure", {"NodeHasInsufficientPID", "NodeHasSufficientPID"}},
      {"Ready", {"NodeReady", "NodeNotReady"}},
  };
  std::map<std::string, std::string> was;
  if (!before.empty())
    for (auto& c : stored_conditions(before)) was[c.type] = c.status;
  std::vector<std::string> out;
  for (auto& c : stored_conditions(after)) {
    auto names = reasons.find(c.type);
    if (names == reasons.end() || was[c.type] == c.status || (c.status != "True" && c.status != "False")) continue;
    out.push_back(c.status == "True" ? names->second.first : names->second.second);
  }
  if (!before.empty()) {
    bool cordoned_before = object_reader(before).as<k8s::Node>().getSpec().getUnschedulable();
    bool cordoned_now = object_reader(after).as<k8s::Node>().getSpec().getUnschedulable();
    if (cordoned_before != cordoned_now) out.push_back(cordoned_now ? "NodeNotSchedulable" : "NodeSchedulable");
  }
  return out;
}

}  // namespace troupe
