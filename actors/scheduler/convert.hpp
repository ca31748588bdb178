#pragma once
// API objects to the scheduler's plain structs (plan.hpp). Plain functions, no CAF.

#include "actors/scheduler/plan.hpp"
#include "schema/core.capnp.h"

namespace troupe::sched {

/// Requests as kube-scheduler counts them: the sum over containers, or the largest init
/// container when larger, per resource; pods = 1. Affinity, tolerations, host ports
/// (containers[].ports[].hostPort), owner = the controller ownerReference.
pod_info to_pod_info(k8s::Pod::Reader pod);

/// Whether a pod's metadata.labels are those `known` (a pod_info's).
bool same_labels(capnp::List<k8s::StringEntry>::Reader labels,
                 const std::map<std::string, std::string>& known);

/// Succeeded or Failed: it holds nothing on its node any more.
bool terminal(k8s::Pod::Reader pod);

/// An unbound pod this scheduler should place: named for it (or for no scheduler), not
/// finished, not being deleted, and with no scheduling gates left (kube-scheduler's
/// SchedulingGates PreEnqueue keeps a gated pod out of the queue: no attempt, no
/// FailedScheduling, until an update removes its last gate).
bool waits_for_us(k8s::Pod::Reader pod);

/// Allocatable (falling back to capacity), taints, unschedulable, labels, and ready from the
/// Ready condition. `requested`, `pods` and ports start empty: add_pod() fills them.
node_info to_node_info(k8s::Node::Reader node);

}  // namespace troupe::sched
