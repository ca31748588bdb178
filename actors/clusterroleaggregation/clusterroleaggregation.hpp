#pragma once
// Kubernetes' ClusterRole aggregation controller: a ClusterRole with an aggregationRule has as
// its rules the union of the rules of every other ClusterRole its selectors match, kept up to
// date as those roles come, change and go.

#include <caf/fwd.hpp>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "actors/apiserver/apiserver.hpp"
#include "actors/store/store.hpp"

namespace troupe {

struct clusterrole_aggregation_deps {
  std::shared_ptr<store::engine> engine;
  resource_actor api;
  store_actor store;
};

caf::actor spawn_clusterrole_aggregation(caf::actor_system& sys, clusterrole_aggregation_deps deps);

/// The aggregated ClusterRole `role` with the rules it should have (plain decision), or
/// nullopt when it has no aggregationRule or has those rules already. As Kubernetes'
/// syncClusterRole: per selector in order, the matching roles by name (the role itself left
/// out), each rule once, the first time it is seen. `all_roles`: every stored ClusterRole.
/// Throws api_error(bad_request) for a selector that is not one.
std::optional<std::string> with_aggregated_rules(std::string_view role,
                                                 const std::vector<std::string_view>& all_roles);

}  // namespace troupe
