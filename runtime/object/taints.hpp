#pragma once
// Kubernetes' well-known node taints that more than one component names: the node lifecycle
// controller sets them, the scheduler imagines them, admission tolerates them and taint
// eviction honours that toleration.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

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

/// One `KEY[=VALUE]:EFFECT` to add, or `KEY[:EFFECT]-` to remove, as kubectl taint and the
/// kubelet's --register-with-taints read them (a removal may name a value, which is ignored).
struct taint_spec {
  std::string key, value, effect;  ///< effect "" on a removal: every effect of the key
  bool remove = false;
};

/// Throws api_error(bad_request) quoting `text` and naming what is wrong in it.
taint_spec parse_taint_spec(const std::string& text);

/// A node's --node-taint KEY[=VALUE]:EFFECT (no removal) added to `taints`, refused when one
/// with its key and effect is there already (a Node's taints are unique by the pair); errors
/// start with `flag` and `text`.
void add_node_taint_flag(std::vector<taint_spec>& taints, const std::string& text,
                         const std::string& flag);

}  // namespace troupe
