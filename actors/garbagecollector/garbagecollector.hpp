#pragma once
// The garbage collector (Kubernetes' garbagecollector controller): objects whose
// ownerReferences name an owner that is gone are deleted, and references to owners that are
// gone while others remain are dropped. Owners deleted with propagationPolicy Foreground keep
// their "foregroundDeletion" finalizer while their dependents are deleted, until none with
// blockOwnerDeletion is left; with Orphan, their "orphan" finalizer until no dependent names
// them.

#include <caf/fwd.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "actors/apiserver/apiserver.hpp"
#include "actors/store/store.hpp"

namespace troupe {

struct garbage_collector_deps {
  std::shared_ptr<store::engine> engine;
  std::shared_ptr<const kind_registry> kinds;
  resource_actor api;
  store_actor store;
  /// How soon an owner held by foregroundDeletion or orphan is looked at again.
  std::chrono::milliseconds recheck{200};
};

caf::actor spawn_garbage_collector(caf::actor_system& sys, garbage_collector_deps deps);

/// One entry of an object's metadata.ownerReferences.
struct owner_ref {
  std::string api_version, kind, name, uid;
  bool block_owner_deletion = false;  ///< a Foreground delete of the owner waits for it
};
std::vector<owner_ref> owner_refs(std::string_view object);

/// What to do about a dependent, given which of its owners still exist (plain decision).
struct dependent_verdict {
  bool remove = false;                     ///< every owner is gone: delete it
  std::vector<std::string> dangling_uids;  ///< some are gone, some not: drop these references
};
dependent_verdict judge_dependent(const std::vector<owner_ref>& owners,
                                  const std::function<bool(const owner_ref&)>& exists);

/// The object with the ownerReferences of these uids removed.
std::string without_owner_refs(std::string_view object, const std::vector<std::string>& uids);

/// The object with blockOwnerDeletion false on every reference to an owner.
std::string unblocked(std::string_view object);

/// The object without finalizer `name` in metadata.finalizers.
std::string without_finalizer(std::string_view object, std::string_view name);

}  // namespace troupe
