#pragma once
// The node lifecycle controller: a node whose kubelet stops renewing its Lease (or whose link
// to the server drops) is marked NotReady — Ready=Unknown, "Kubelet stopped posting node
// status." — and tainted node.kubernetes.io/unreachable with NoSchedule (nothing new lands on
// it) and NoExecute; the taints go again once the node reports Ready. Pods on a node with
// NoExecute taints they do not tolerate, or no longer, are deleted (taint eviction). A node
// marked unschedulable (cordoned) carries node.kubernetes.io/unschedulable:NoSchedule, and
// loses it when it is uncordoned.

#include <caf/fwd.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <set>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "actors/apiserver/apiserver.hpp"
#include "actors/cluster/cluster.hpp"

namespace troupe {

struct nodelifecycle_knobs {
  std::chrono::milliseconds check_interval{5000};
  std::chrono::milliseconds grace{40000};  ///< kube-controller-manager's node-monitor-grace-period
  /// PodGC's quarantine: how long a node its pods name must be missing before they go.
  std::chrono::milliseconds orphan_quarantine{40000};
  /// How often PodGC reads every pod (Kubernetes' gcCheckPeriod).
  std::chrono::milliseconds orphan_check_interval{20000};
};

struct nodelifecycle_deps {
  std::shared_ptr<store::engine> engine;
  resource_actor api;
  store_actor store;  ///< node changes are watched here, so a cordon is tainted at once
  nodelifecycle_knobs knobs;
};

node_watcher_actor spawn_nodelifecycle(caf::actor_system& sys, nodelifecycle_deps deps);

/// What the controller does about one node (plain decision, tested as a table).
enum class node_health_action { none, mark_unknown, clear_unreachable };
/// `node`: the Node object's bytes; `lease_renew_micros`: its Lease's renewTime, if any. The
/// node is heard from by that or by its Ready condition's lastHeartbeatTime, the later.
node_health_action decide_node_health(std::string_view node, std::optional<int64_t> lease_renew_micros,
                                      int64_t now_micros, int64_t grace_micros);

/// Ready=True in the node's status: marking it unknown is then the transition Kubernetes
/// reports (a NodeNotReady event, its pods marked not ready).
bool node_reports_ready(std::string_view node);
/// The node marked unknown: every condition Unknown ("Kubelet stopped posting node status.")
/// in `status`, and the unreachable taint in `spec`. Returns {spec update, status update}.
std::pair<std::string, std::string> mark_node_unknown(std::string_view node, int64_t now_seconds);
/// Kubernetes' MarkPodsNotReady, for each pod of a node just marked unknown: the pod with its
/// Ready condition False (lastTransitionTime now; reason and message kept), or nullopt when it
/// has no Ready condition that is not False already. The kubelet, back, writes its own again.
std::optional<std::string> pod_marked_not_ready(std::string_view pod, int64_t now_seconds);
/// The event recorded on a node marked unknown: Normal "NodeNotReady", "Node NAME status is
/// now: NodeNotReady" (Kubernetes' RecordNodeStatusChange).
std::string node_not_ready_node_event(std::string_view node, int64_t now_micros);
/// The pod about to be deleted by a controller, with the DisruptionTarget condition True
/// (`reason`, `message`) and, for PodGC (`failed`), phase Failed; nullopt for PodGC's pod that
/// has ended already, which Kubernetes leaves unmarked. Kubernetes' PodDisruptionConditions, so
/// a Job's podFailurePolicy can tell why a pod went.
std::optional<std::string> pod_marked_for_disruption(std::string_view pod, const std::string& reason,
                                                     const std::string& message, bool failed, int64_t now_seconds);
/// The Warning event "NodeNotReady", "Node is not ready" recorded on each pod so marked.
std::string node_not_ready_event(std::string_view pod, int64_t now_micros);
/// The node without the unreachable taints.
std::string clear_unreachable(std::string_view node);
/// The node with its node.kubernetes.io/unschedulable:NoSchedule taint in step with
/// spec.unschedulable, as Kubernetes' controller keeps it (added with timeAdded `now_seconds`);
/// nullopt when it already is.
std::optional<std::string> with_unschedulable_taint(std::string_view node, int64_t now_seconds);

// ---- PodGC: pods bound to a node that is not there ----

/// Kubernetes' PodGC (gcOrphaned): which of `pod_nodes` (the nodes pods are bound to) have been
/// missing from `nodes` for the whole quarantine; their pods are deleted at once (grace 0), as
/// no kubelet will ever stop them. `missing_since` (node -> unix ms it was first found missing)
/// is brought up to date: a node that is there again, or that no pod names any more, leaves it.
std::set<std::string> orphaned_nodes(const std::set<std::string>& nodes, const std::set<std::string>& pod_nodes,
                                     std::map<std::string, int64_t>& missing_since, int64_t now_ms,
                                     int64_t quarantine_ms);

// ---- taint eviction (Kubernetes' taint eviction controller) ----

/// A NoExecute taint of a node and the unix second it appeared (0: the node does not say).
struct noexecute_taint {
  std::string key, value;
  int64_t since_seconds = 0;
};
std::vector<noexecute_taint> noexecute_taints(std::string_view node);

/// When a pod must leave a node with these NoExecute taints: never (nullopt), at once (0) when
/// one of them is not tolerated, else when the shortest tolerationSeconds of the tolerations
/// used runs out, counted from the taint's appearance but not from before `not_before` (when
/// the controller started, or first saw the pod there). As in Kubernetes, a toleration
/// without tolerationSeconds tolerates for ever and one of zero or less not at all. A pod with
/// no toleration of a not-ready or unreachable taint (stored before admission added them) is
/// treated as admission would have made it: tolerating it for 300 s.
std::optional<int64_t> eviction_time(const std::vector<noexecute_taint>& taints,
                                     std::string_view pod, int64_t not_before = 0);

/// The taints a node carries while its kubelet is not ready or unreachable.
bool is_node_condition_taint(const noexecute_taint& taint);

/// The Event recorded for an evicted pod ("TaintManagerEviction"), or for one whose eviction
/// was due later and is no more (its node's taints went, or it tolerates them for ever now).
std::string eviction_event(std::string_view pod, int64_t now_micros, bool cancelled = false);

}  // namespace troupe
