#pragma once
// Kubernetes' well-known node taints that more than one component names: the node lifecycle
// controller sets them, the scheduler imagines them, admission tolerates them and taint
// eviction honours that toleration.

#include <cstdint>
#include <string_view>

namespace troupe {

/// On a node whose Ready condition is False.
constexpr std::string_view not_ready_taint_key = "node.kubernetes.io/not-ready";
/// On a node whose Ready condition is Unknown (it stopped reporting).
constexpr std::string_view unreachable_taint_key = "node.kubernetes.io/unreachable";
/// On a node marked unschedulable (cordoned).
constexpr std::string_view unschedulable_taint_key = "node.kubernetes.io/unschedulable";

/// How long a pod tolerates the not-ready and unreachable NoExecute taints unless it says
/// otherwise (Kubernetes' DefaultTolerationSeconds admission).
constexpr int64_t condition_taint_toleration_seconds = 300;

}  // namespace troupe
