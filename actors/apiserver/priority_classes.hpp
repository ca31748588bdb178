#pragma once
// PriorityClasses as Kubernetes' Priority admission reads them, and the two system classes a
// cluster starts with.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "schema/core.capnp.h"

namespace troupe {

/// Where PriorityClasses are stored (their resource name).
constexpr const char* priority_classes_resource = "priorityclasses.scheduling.k8s.io";

/// A stored PriorityClass, as pods' admission reads it.
struct priority_class_info {
  std::string name;
  int32_t value = 0;
  bool global_default = false;
  k8s::PreemptionPolicy preemption = k8s::PreemptionPolicy::PREEMPT_LOWER_PRIORITY;
};

/// A stored PriorityClass object, read.
priority_class_info priority_class_of(std::string_view stored);

/// What a pod without a class gets (Kubernetes' getDefaultPriority): the global default with
/// the lowest value; none such: no class, priority 0, PreemptLowerPriority.
std::optional<priority_class_info> default_priority_class(
    const std::vector<priority_class_info>& classes);

/// Kubernetes' HighestUserDefinablePriority: classes without the "system-" prefix stay at or
/// below it.
constexpr int32_t highest_user_priority = 1000000000;

/// system-cluster-critical and system-node-critical: their value if `name` is one.
std::optional<int32_t> system_priority_class_value(std::string_view name);

/// The system classes as YAML manifests, one per document (made at start where missing).
const std::string& system_priority_classes_manifests();

/// Kubernetes' spelling of a preemption policy.
std::string preemption_policy_name(k8s::PreemptionPolicy policy);

}  // namespace troupe
