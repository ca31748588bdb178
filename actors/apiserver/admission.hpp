#pragma once
// What the API server does to an object before it is stored: metadata the server owns (uid,
// creationTimestamp, generation, namespace, generated names), Kubernetes' defaults per kind,
// and validation that lists every failing field. Plain functions of data, no actors.

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "actors/apiserver/priority_classes.hpp"

namespace troupe {

struct kind_info;

struct admission_context {
  int64_t now_seconds = 0;
  std::function<std::string()> new_uid;                 ///< RFC 4122 v4 text
  std::function<std::string(size_t)> random_suffix;  ///< generateName suffix characters
  /// The stored PriorityClasses, read when a pod is admitted (unset: none).
  std::function<std::vector<priority_class_info>()> priority_classes;
};

/// A new object, ready to store: the namespace resolved against `request_namespace`
/// ("default" when neither names one), name generated, server-owned metadata set, defaults
/// applied, and validated. Throws api_error (BadRequest, Invalid).
std::string admit_create(const kind_info& kind, std::string_view object,
                         std::string_view request_namespace, const admission_context& ctx);

/// Kubernetes' ServiceAccount admission for an admitted new pod: the service account its
/// spec names must exist in its namespace, and a pod that names no image pull secrets takes
/// the account's. A mirror pod (a static pod's) may name none and is never changed. `account`: that
/// account as stored (null: none such). The namespace's "default" account is made by the namespace
/// controller just after the namespace, so a pod created in between goes without it (Kubernetes
/// waits up to a second or two for it). Throws api_error(forbidden) as Kubernetes words it,
/// naming the pod `pod_name`.
std::string admit_service_account(std::string_view pod, const std::string* account,
                                  const std::string& pod_name);

/// How admission errors name an object as sent (Kubernetes' extractResourceName): its name, or
/// for one still to be named its generateName prefix.
std::string admission_name(k8s::ObjectMeta::Reader meta);

/// A replacement for `stored`: identity and server-owned metadata kept from it; `status`
/// kept from it on a spec update, everything but `status` kept on a status update;
/// generation bumped when the spec changed. Throws api_error (BadRequest, Invalid, Conflict).
std::string admit_update(const kind_info& kind, std::string_view stored, std::string_view object,
                         bool status_only);

/// What a delete does to the object's dependents (objects whose ownerReferences name it).
/// `unset`: no policy was asked for, so an `orphan` or `foregroundDeletion` finalizer the
/// object already carries stays and decides (Kubernetes' shouldOrphanDependents).
enum class propagation : uint8_t { background = 0, foreground = 1, orphan = 2, unset = 3 };
/// The finalizers that hold an object while the garbage collector deletes its dependents
/// (foreground) or takes its name out of their ownerReferences (orphan).
constexpr const char* foreground_finalizer = "foregroundDeletion";
constexpr const char* orphan_finalizer = "orphan";

/// What a delete request does to a stored object.
struct deletion_plan {
  enum class action : uint8_t { remove_now, mark, already_marked } what = action::remove_now;
  std::string object;  ///< mark: the object with deletionTimestamp (and grace) set
};

/// Kubernetes' graceful deletion: a pod bound to a node is marked with deletionTimestamp =
/// now + grace and deletionGracePeriodSeconds (its terminationGracePeriodSeconds unless
/// `grace_seconds` >= 0 says otherwise) so its node can stop it first; an object with
/// finalizers is marked and kept until they are gone; anything else goes at once. A second
/// delete can only shorten the grace.
/// Foreground and orphan deletion mark the object and add their finalizer.
deletion_plan plan_deletion(const kind_info& kind, std::string_view stored, int64_t grace_seconds,
                            int64_t now_seconds, propagation policy = propagation::background);

/// default, kube-system and kube-public: Kubernetes refuses to delete them.
bool undeletable_namespace(std::string_view name);
/// Those and kube-node-lease: the namespaces a cluster always has (made at start, and again
/// when one is deleted, as Kubernetes' system namespaces controller does).
const std::vector<std::string>& system_namespaces();

/// True when an object marked for deletion may go: no finalizers left (for a namespace, none
/// in its spec either) and no grace period still running (a terminating pod's node ends it by
/// deleting with grace 0).
bool deletion_due(const kind_info& kind, std::string_view object);

/// A pod bound to `node` (the binding subresource): spec.nodeName set and PodScheduled=True.
/// Throws Conflict when the pod already has a node, BadRequest when it is being deleted.
std::string bind_pod(std::string_view stored, const std::string& node, int64_t now_seconds);

/// A new object's validation; throws api_error(invalid) with every cause. Updates are
/// refused only for causes the stored object did not already have.
void validate_object(const kind_info& kind, std::string_view object);

/// A uid and generateName suffixes from a generator seeded once from the system's random
/// source; set now_seconds per request.
admission_context system_admission_context();

}  // namespace troupe
