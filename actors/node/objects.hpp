#pragma once
// The Node and Lease objects the node agent writes (plain builders over flat-array bytes).

#include <string>
#include <string_view>
#include <vector>

#include "actors/node/node.hpp"

namespace troupe {

std::string new_node(const std::string& name, const std::string& pod_cidr, const host_facts& f,
                     const std::vector<node_condition>& conditions, int64_t now_seconds);
/// The stored node with this agent's labels and pod range (taints, unschedulable kept).
std::string with_node_spec(std::string_view stored, const std::string& pod_cidr, const host_facts& f);
/// The stored node with a fresh status; transition times kept for unchanged conditions.
std::string with_node_status(std::string_view stored, const host_facts& f,
                             const std::vector<node_condition>& conditions, int64_t now_seconds);
/// The events the kubelet records about its Node between two versions of it (`before` empty:
/// none yet): each condition whose status changed ("NodeHasSufficientMemory", "NodeReady",
/// "NodeNotReady", ...) and a cordon or uncordon ("NodeNotSchedulable", "NodeSchedulable").
std::vector<std::string> node_status_events(std::string_view before, std::string_view after);
/// The conditions a stored Node reports (type, status, reason, message).
std::vector<node_condition> stored_conditions(std::string_view node);
/// Whether a fresh status would change the stored Node's capacity or allocatable: the host's
/// figures moved, or an extended resource advertised in its capacity is not yet allocatable.
bool resources_outdated(std::string_view node, const host_facts& f);
/// The node's Lease renewed at `now_micros` (a new one when `stored` is empty), owned by its
/// Node once that is stored (`node`, empty before), as the kubelet's lease controller sets it
/// (so the garbage collector deletes the Lease with the Node).
std::string node_lease(const std::string& name, std::string_view stored, int64_t now_micros,
                       int duration_seconds, std::string_view node = {});

}  // namespace troupe
