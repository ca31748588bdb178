#pragma once
// The scheduler actor: keeps its own cache of nodes and pods (from one store snapshot, then
// watches), runs pending pods through the scheduling queue and `place()`, and binds each to
// its node through the API's binding operation. A pod no node fits gets PodScheduled=False
// with kube-scheduler's message and a FailedScheduling event, and waits for the cluster to
// change. See README.md for the message flow.

#include <caf/fwd.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <memory>

#include "actors/apiserver/apiserver.hpp"
#include "actors/store/store.hpp"

namespace troupe {

struct scheduler_stats {
  uint64_t bound = 0, unschedulable = 0, pending = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, scheduler_stats& x) {
  return f(caf::meta::type_name("scheduler_stats"), x.bound, x.unschedulable, x.pending);
}

using scheduler_actor = caf::typed_actor<caf::replies_to<stats_atom>::with<scheduler_stats>>;

struct scheduler_knobs {
  size_t batch = 256;          ///< pods tried per turn before watch events get a look in
  /// Binds waiting for their write. CAF keeps an actor's awaited responses in a vector it
  /// searches and shifts on every reply, so thousands in flight cost more than they overlap;
  /// 256 covers 5,000 binds/s at 50 ms per write.
  size_t max_in_flight = 256;
};

struct scheduler_deps {
  std::shared_ptr<store::engine> engine;
  resource_actor api;
  store_actor store;
  scheduler_knobs knobs;
};

scheduler_actor spawn_scheduler(caf::actor_system& sys, scheduler_deps deps);

/// kube-scheduler's percentageOfNodesToScore: how many feasible nodes are enough to stop
/// looking (all below 100 nodes; 50% falling to 5% as the cluster grows; at least 100).
size_t feasible_nodes_to_find(size_t nodes);

}  // namespace troupe
