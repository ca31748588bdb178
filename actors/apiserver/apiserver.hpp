#pragma once
// The API server's resource actors: one per kind, each serving create, get, list, update,
// update-status, patch and delete for its kind (one generic behavior; the per-kind parts are the
// defaults and validation in defaults.cpp). Reads come from store snapshots on the actor's
// thread; writes go to the store actor and are answered after they are durable.

#include <caf/fwd.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "actors/apiserver/admission.hpp"
#include "actors/apiserver/services.hpp"
#include "actors/store/store.hpp"
#include "runtime/caf/atoms.hpp"
#include "runtime/caf/shared_bytes.hpp"

namespace troupe {

enum class api_verb : uint8_t { create = 1, get, list, update, update_status, remove, patch, bind };
enum class patch_type : uint8_t { merge = 0, strategic = 1, json = 2 };

struct api_request {
  uint8_t verb = 0;       ///< an api_verb
  std::string resource;   ///< "pods", "deployments.apps"
  std::string ns;
  std::string name;
  std::string object;     ///< flat-array object (create, update, update_status)
  std::string label_selector;
  std::string field_selector;
  uint64_t resource_version = 0;  ///< delete: precondition
  bool dry_run = false;
  uint8_t patch_type = 0;  ///< a patch_type
  std::string patch;       ///< patch: a JSON document
  int64_t grace_period = -1;  ///< remove: seconds a pod's node has to stop it; -1: its default
  std::string target;         ///< bind: the node a pod goes to
  uint8_t propagation = 3;    ///< remove: a propagation (3: unset)
  uint32_t limit = 0;             ///< list: at most this many items (0: all)
  uint64_t page_bytes = 0;        ///< list: stop after this many bytes of items (0: no limit)
  std::string continue_after;     ///< list: the continue_after of the page before
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, api_request& x) {
  return f(caf::meta::type_name("api_request"), x.verb, x.resource, x.ns, x.name, x.object,
           x.label_selector, x.field_selector, x.resource_version, x.dry_run, x.patch_type, x.patch,
           x.grace_period, x.target, x.propagation, x.limit, x.page_bytes, x.continue_after);
}

/// A request for `verb` on one object or list (nodes, controllers and tests build them).
api_request make_request(api_verb verb, std::string resource, std::string ns = "",
                         std::string name = "", std::string object = "");

using resource_actor =
    caf::typed_actor<caf::replies_to<api_atom, api_request>::with<api_reply>>;

struct apiserver_deps {
  std::shared_ptr<store::engine> engine;
  std::shared_ptr<const kind_registry> kinds;
  store_actor store;
  service_network services;  ///< where Services' cluster IPs and node ports come from
};

/// One resource actor per kind, by store resource name ("deployments.apps").
std::map<std::string, resource_actor> spawn_resources(caf::actor_system& sys,
                                                      const apiserver_deps& deps);

/// One handle for every kind: forwards each request to the resource actor of its resource
/// (what remote nodes and controllers talk to).
resource_actor spawn_router(caf::actor_system& sys, std::map<std::string, resource_actor> resources);

/// The NotFound error for a resource name no kind has.
std::string unknown_resource(const std::string& resource);

/// The namespaces that exist from the start: default, kube-system, kube-public,
/// kube-node-lease. Creates those missing; blocks until they are stored.
void ensure_system_namespaces(caf::actor_system& sys, const apiserver_deps& deps);
/// Creates the bootstrap policy's ClusterRoles and ClusterRoleBinding that are missing
/// (cluster-admin, admin, edit, view, system:aggregate-to-*) and reconciles those there, and
/// creates the system PriorityClasses that are missing; blocks until they are stored.
void ensure_bootstrap_objects(caf::actor_system& sys, const apiserver_deps& deps);

void add_apiserver_types(caf::actor_system_config& cfg);

}  // namespace troupe
