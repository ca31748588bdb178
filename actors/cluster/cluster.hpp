#pragma once
// The cluster actor: the one actor `troupe server` publishes on its cluster port. Agents
// join through it with a token and get the handles they work with (the API router and the
// store); it hands each node its pod address range, keeps the node's kubelet handle to route
// `exec` and `logs`, and notices at once when a node's link drops. See README.md.

#include <caf/fwd.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <memory>
#include <string>

#include "actors/apiserver/apiserver.hpp"
#include "actors/kubelet/kubelet.hpp"
#include "actors/store/store.hpp"

namespace troupe {

struct join_request {
  std::string token;
  std::string node;
  kubelet_actor kubelet;
  /// The agent's own random id, kept in its data directory: the same agent restarted may take
  /// its node back at once, another agent may not take a connected node's name (as k3s' node
  /// password).
  std::string identity;
};

struct join_reply {
  resource_actor api;
  store_actor store;
  std::string pod_cidr;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, join_request& x) {
  return f(caf::meta::type_name("join_request"), x.token, x.node, x.kubelet, x.identity);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, join_reply& x) {
  return f(caf::meta::type_name("join_reply"), x.api, x.store, x.pod_cidr);
}

using cluster_actor = caf::typed_actor<
    caf::replies_to<join_atom, join_request>::with<join_reply>,
    caf::replies_to<exec_atom, exec_request>::with<exec_reply>,
    caf::replies_to<logs_atom, logs_request>::with<logs_reply>>;

/// Told when a node's link to the server drops: (node_lost_atom, node name).
using node_watcher_actor = caf::typed_actor<caf::reacts_to<node_lost_atom, std::string>>;

struct cluster_deps {
  std::shared_ptr<store::engine> engine;
  resource_actor api;
  store_actor store;
  std::string cluster_cidr = "127.64.0.0/10";
  node_watcher_actor lifecycle;  ///< may be null
};

cluster_actor spawn_cluster(caf::actor_system& sys, cluster_deps deps);

void add_cluster_types(caf::actor_system_config& cfg);

}  // namespace troupe
