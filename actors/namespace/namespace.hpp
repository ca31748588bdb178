#pragma once
// The namespace controller (Kubernetes' namespace lifecycle): a namespace marked for deletion
// (phase Terminating, held by the "kubernetes" finalizer in its spec) has every object in it
// deleted through the API, so pods stop gracefully and finalizers hold as usual; once nothing
// is left it removes the finalizer, and the API server lets the namespace go. Like Kubernetes'
// service account controller, it also keeps a "default" ServiceAccount in every live namespace.

#include <caf/fwd.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "actors/apiserver/apiserver.hpp"
#include "actors/store/store.hpp"

namespace troupe {

struct namespace_controller_deps {
  std::shared_ptr<store::engine> engine;
  std::shared_ptr<const kind_registry> kinds;
  resource_actor api;
  store_actor store;
  /// How soon a terminating namespace is looked at again while objects remain in it.
  std::chrono::milliseconds recheck{500};
};

caf::actor spawn_namespace_controller(caf::actor_system& sys, namespace_controller_deps deps);

/// One object found in a terminating namespace.
struct namespace_item {
  std::string resource;  ///< "pods", "deployments.apps"
  std::string name;
  bool marked = false;  ///< already being deleted (deletionTimestamp set)
  std::vector<std::string> finalizers;
};

/// What to do about a terminating namespace's content (plain decision).
struct namespace_sweep {
  std::vector<namespace_item> to_delete;  ///< not yet being deleted
  bool empty = false;                     ///< nothing left: remove the finalizer
};
namespace_sweep plan_namespace_sweep(const std::vector<namespace_item>& content);

/// One of the conditions Kubernetes' namespace deleter keeps on a terminating namespace.
struct namespace_condition {
  std::string type, status, reason, message;
};

/// The five deletion conditions for what is left in a terminating namespace, as Kubernetes
/// words them: NamespaceContentRemaining ("Some resources are remaining: pods. has 2 resource
/// instances") and NamespaceFinalizersRemaining name what holds it up; discovery, parsing and
/// content deletion cannot fail here and say so.
std::vector<namespace_condition> namespace_deletion_conditions(const std::vector<namespace_item>& content);

/// The namespace with `conditions` in its status (a condition's lastTransitionTime moves only
/// when its status does), or nullopt when they are there already.
std::optional<std::string> with_namespace_conditions(std::string_view ns_object,
                                                     const std::vector<namespace_condition>& conditions,
                                                     int64_t now_seconds);

/// The Namespace object without the "kubernetes" spec finalizer.
std::string without_content_finalizer(std::string_view ns_object);

/// True when the namespace is marked for deletion and still holds the finalizer.
bool awaits_content_deletion(std::string_view ns_object);

}  // namespace troupe
