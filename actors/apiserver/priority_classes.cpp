#include "actors/apiserver/priority_classes.hpp"

#include "runtime/object/object.hpp"
#include "schema/scheduling.capnp.h"

namespace troupe {

priority_class_info priority_class_of(std::string_view stored) {
  object_reader reader(stored);
  auto pc = reader.as<k8s::PriorityClass>();
  priority_class_info out;
  out.name = text_string(pc.getMetadata().getName());
  out.value = pc.getValue();
  out.global_default = pc.getGlobalDefault();
  if (pc.getPreemptionPolicy() != k8s::PreemptionPolicy::UNSPECIFIED)
    out.preemption = pc.getPreemptionPolicy();
  return out;
}

std::optional<priority_class_info> default_priority_class(
    const std::vector<priority_class_info>& classes) {
  std::optional<priority_class_info> chosen;
  for (auto& c : classes)
    if (c.global_default && (!chosen || c.value < chosen->value)) chosen = c;
  return chosen;
}

std::optional<int32_t> system_priority_class_value(std::string_view name) {
  if (name == "system-cluster-critical") return 2000000000;
  if (name == "system-node-critical") return 2000001000;
  return std::nullopt;
}

const std::string& system_priority_classes_manifests() {
  static const std::string manifests = R"(apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {name: system-node-critical}
value: 2000001000
description: Used for system critical pods that must not be moved from their current node.
---
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {name: system-cluster-critical}
value: 2000000000
description: Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.
)";
  return manifests;
}

std::string preemption_policy_name(k8s::PreemptionPolicy policy) {
  return policy == k8s::PreemptionPolicy::NEVER ? "Never" : "PreemptLowerPriority";
}

}  // namespace troupe
