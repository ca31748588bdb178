#pragma once
// One pod worker actor per pod on the node: runs the pod's init containers in order, then its
// containers, under shims; restarts them by the restart policy with CrashLoopBackOff; runs
// startup, liveness and readiness probes; stops them gracefully (preStop, SIGTERM, SIGKILL
// after the grace period); and writes the pod's status whenever it changes.

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/fwd.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <memory>
#include <optional>
#include <string>

#include "actors/kubelet/kubelet.hpp"
#include "actors/kubelet/state.hpp"

namespace troupe::kubelet {

using pod_atom = caf::atom_constant<caf::atom("pod")>;
using stop_atom = caf::atom_constant<caf::atom("stop")>;
using stopped_atom = caf::atom_constant<caf::atom("stopped")>;

/// A pod's bytes as stored, shared by the kubelet (which keeps them for a worker's successor)
/// and the pod's worker: one copy of each pod, not two.
using pod_bytes = std::shared_ptr<const std::string>;

using pod_worker_actor = caf::typed_actor<
    /// The pod as stored now (a spec change is not acted on; deletionTimestamp is).
    caf::reacts_to<pod_atom, pod_bytes>,
    caf::reacts_to<connected_atom, resource_actor, store_actor>,
    /// The object is gone from the API: stop everything now (with the pod's grace period).
    caf::reacts_to<stop_atom>,
    caf::replies_to<exec_atom, exec_request>::with<exec_reply>,
    caf::replies_to<logs_atom, logs_request>::with<logs_reply>>;

/// What a worker tells its kubelet: every container of pod `uid` has stopped after deletion.
using pod_owner_actor = caf::typed_actor<caf::reacts_to<stopped_atom, std::string>>;

struct pod_worker_deps {
  std::shared_ptr<const kubelet_deps> node;
  std::string uid;
  std::string ip;
  std::string mirror_of;  ///< a static pod: the name its mirror pod has in the API ("" otherwise)
  resource_actor api;
  pod_owner_actor owner;
  std::optional<pod_record> adopted;  ///< containers left running by an earlier agent
};

pod_worker_actor spawn_pod_worker(caf::actor_system& sys, pod_worker_deps deps);

}  // namespace troupe::kubelet

// Between actors of one process only (the kubelet and its workers).
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(troupe::kubelet::pod_bytes)
