#pragma once
// The node lifecycle controller: a node whose kubelet stops renewing its Lease (or whose link
// to the server drops) is marked NotReady — Ready=Unknown, "Kubelet stopped posting node
// status." — and tainted node.kubernetes.io/unreachable:NoSchedule so nothing new lands on
// it; the taint goes again once the node reports Ready.

#include <caf/fwd.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "actors/apiserver/apiserver.hpp"
#include "actors/cluster/cluster.hpp"

namespace troupe {

struct nodelifecycle_knobs {
  std::chrono::milliseconds check_interval{5000};
  std::chrono::milliseconds grace{40000};  ///< kube-controller-manager's node-monitor-grace-period
};

struct nodelifecycle_deps {
  std::shared_ptr<store::engine> engine;
  resource_actor api;
  nodelifecycle_knobs knobs;
};

node_watcher_actor spawn_nodelifecycle(caf::actor_system& sys, nodelifecycle_deps deps);

/// What the controller does about one node (plain decision, tested as a table).
enum class node_health_action { none, mark_unknown, clear_unreachable };
/// `node`: the Node object's bytes; `lease_renew_micros`: its Lease's renewTime, if any.
node_health_action decide_node_health(std::string_view node, std::optional<int64_t> lease_renew_micros,
                                      int64_t now_micros, int64_t grace_micros);

/// The node marked unknown: every condition Unknown ("Kubelet stopped posting node status.")
/// in `status`, and the unreachable taint in `spec`. Returns {spec update, status update}.
std::pair<std::string, std::string> mark_node_unknown(std::string_view node, int64_t now_seconds);
/// The node without the unreachable taint.
std::string clear_unreachable(std::string_view node);

}  // namespace troupe
