// The ClusterRoles and ClusterRoleBinding Kubernetes' API server makes at its first start
// (plugin/pkg/auth/authorizer/rbac/bootstrappolicy): cluster-admin, and admin, edit and view
// aggregated from the system:aggregate-to-* roles (the aggregation controller fills their
// rules; view is aggregated into edit and edit into admin, by their labels, as upstream), as
// `kubectl create rolebinding --clusterrole=edit` and manifests expect them.

#include "actors/apiserver/bootstrap_rbac.hpp"

#include <capnp/message.h>

#include <algorithm>
#include <set>
#include <vector>

#include "runtime/base/error.hpp"
#include "runtime/base/text.hpp"
#include "runtime/object/object.hpp"
#include "runtime/object/selector.hpp"
#include "schema/rbac.capnp.h"

namespace troupe {

const std::string& bootstrap_rbac_manifests() {
  static const std::string yaml = R"(apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: cluster-admin
  labels: {kubernetes.io/bootstrapping: rbac-defaults}
  annotations: {rbac.authorization.kubernetes.io/autoupdate: "true"}
rules:
- {apiGroups: ["*"], resources: ["*"], verbs: ["*"]}
- {nonResourceURLs: ["*"], verbs: ["*"]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: cluster-admin
  labels: {kubernetes.io/bootstrapping: rbac-defaults}
  annotations: {rbac.authorization.kubernetes.io/autoupdate: "true"}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects:
- {apiGroup: rbac.authorization.k8s.io, kind: Group, name: "system:masters"}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: admin
  labels: {kubernetes.io/bootstrapping: rbac-defaults}
  annotations: {rbac.authorization.kubernetes.io/autoupdate: "true"}
aggregationRule:
  clusterRoleSelectors:
  - matchLabels: {rbac.authorization.k8s.io/aggregate-to-admin: "true"}
rules: []
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: edit
  labels: {kubernetes.io/bootstrapping: rbac-defaults, rbac.authorization.k8s.io/aggregate-to-admin: "true"}
  annotations: {rbac.authorization.kubernetes.io/autoupdate: "true"}
aggregationRule:
  clusterRoleSelectors:
  - matchLabels: {rbac.authorization.k8s.io/aggregate-to-edit: "true"}
rules: []
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: view
  labels: {kubernetes.io/bootstrapping: rbac-defaults, rbac.authorization.k8s.io/aggregate-to-edit: "true"}
  annotations: {rbac.authorization.kubernetes.io/autoupdate: "true"}
aggregationRule:
  clusterRoleSelectors:
  - matchLabels: {rbac.authorization.k8s.io/aggregate-to-view: "true"}
rules: []
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: system:aggregate-to-admin
  labels: {kubernetes.io/bootstrapping: rbac-defaults, rbac.authorization.k8s.io/aggregate-to-admin: "true"}
  annotations: {rbac.authorization.kubernetes.io/autoupdate: "true"}
rules:
- {apiGroups: [authorization.k8s.io], resources: [localsubjectaccessreviews], verbs: [create]}
- apiGroups: [rbac.authorization.k8s.io]
  resources: [rolebindings, roles]
  verbs: [create, delete, deletecollection, get, list, patch, update, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: system:aggregate-to-edit
  labels: {kubernetes.io/bootstrapping: rbac-defaults, rbac.authorization.k8s.io/aggregate-to-edit: "true"}
  annotations: {rbac.authorization.kubernetes.io/autoupdate: "true"}
rules:
- apiGroups: [""]
  resources: [pods/attach, pods/exec, pods/portforward, pods/proxy, secrets, services/proxy]
  verbs: [get, list, watch]
- {apiGroups: [""], resources: [serviceaccounts], verbs: [impersonate]}
- apiGroups: [""]
  resources: [pods, pods/attach, pods/exec, pods/portforward, pods/proxy]
  verbs: [create, delete, deletecollection, patch, update]
- {apiGroups: [""], resources: [pods/eviction], verbs: [create]}
- apiGroups: [""]
  resources: [configmaps, events, persistentvolumeclaims, replicationcontrollers,
              replicationcontrollers/scale, secrets, serviceaccounts, services, services/proxy]
  verbs: [create, delete, deletecollection, patch, update]
- {apiGroups: [""], resources: [serviceaccounts/token], verbs: [create]}
- apiGroups: [apps]
  resources: [daemonsets, deployments, deployments/rollback, deployments/scale, replicasets,
              replicasets/scale, statefulsets, statefulsets/scale]
  verbs: [create, delete, deletecollection, patch, update]
- apiGroups: [autoscaling]
  resources: [horizontalpodautoscalers]
  verbs: [create, delete, deletecollection, patch, update]
- {apiGroups: [batch], resources: [cronjobs, jobs], verbs: [create, delete, deletecollection, patch, update]}
- apiGroups: [extensions]
  resources: [daemonsets, deployments, deployments/rollback, deployments/scale, ingresses,
              networkpolicies, replicasets, replicasets/scale, replicationcontrollers/scale]
  verbs: [create, delete, deletecollection, patch, update]
- apiGroups: [policy]
  resources: [poddisruptionbudgets]
  verbs: [create, delete, deletecollection, patch, update]
- apiGroups: [networking.k8s.io]
  resources: [ingresses, networkpolicies]
  verbs: [create, delete, deletecollection, patch, update]
- apiGroups: [coordination.k8s.io]
  resources: [leases]
  verbs: [create, delete, deletecollection, get, list, patch, update, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: system:aggregate-to-view
  labels: {kubernetes.io/bootstrapping: rbac-defaults, rbac.authorization.k8s.io/aggregate-to-view: "true"}
  annotations: {rbac.authorization.kubernetes.io/autoupdate: "true"}
rules:
- apiGroups: [""]
  resources: [configmaps, endpoints, persistentvolumeclaims, persistentvolumeclaims/status, pods,
              replicationcontrollers, replicationcontrollers/scale, serviceaccounts, services,
              services/status]
  verbs: [get, list, watch]
- apiGroups: [""]
  resources: [bindings, events, limitranges, namespaces/status, pods/log, pods/status,
              replicationcontrollers/status, resourcequotas, resourcequotas/status]
  verbs: [get, list, watch]
- {apiGroups: [""], resources: [namespaces], verbs: [get, list, watch]}
- {apiGroups: [discovery.k8s.io], resources: [endpointslices], verbs: [get, list, watch]}
- apiGroups: [apps]
  resources: [controllerrevisions, daemonsets, daemonsets/status, deployments, deployments/scale,
              deployments/status, replicasets, replicasets/scale, replicasets/status, statefulsets,
              statefulsets/scale, statefulsets/status]
  verbs: [get, list, watch]
- apiGroups: [autoscaling]
  resources: [horizontalpodautoscalers, horizontalpodautoscalers/status]
  verbs: [get, list, watch]
- apiGroups: [batch]
  resources: [cronjobs, cronjobs/status, jobs, jobs/status]
  verbs: [get, list, watch]
- apiGroups: [extensions]
  resources: [daemonsets, daemonsets/status, deployments, deployments/scale, deployments/status,
              ingresses, ingresses/status, networkpolicies, replicasets, replicasets/scale,
              replicasets/status, replicationcontrollers/scale]
  verbs: [get, list, watch]
- apiGroups: [policy]
  resources: [poddisruptionbudgets, poddisruptionbudgets/status]
  verbs: [get, list, watch]
- apiGroups: [networking.k8s.io]
  resources: [ingresses, ingresses/status, networkpolicies]
  verbs: [get, list, watch]
)";
  return yaml;
}

namespace {

using entries = std::vector<std::pair<std::string, std::string>>;

// `have` with the entries of `want` it lacks by key; true when some were added.
bool add_missing(entries& have, const entries& want) {
  bool added = false;
  for (auto& [key, value] : want) {
    if (std::any_of(have.begin(), have.end(), [&](auto& e) { return e.first == key; })) continue;
    have.emplace_back(key, value);
    added = true;
  }
  return added;
}

std::string list_key(capnp::List<capnp::Text>::Reader list) {
  std::vector<std::string> items;
  for (auto item : list) items.push_back(text_string(item));
  std::sort(items.begin(), items.end());
  return join(items, ",");
}

// A rule as a comparable value (each list as a set).
std::string rule_key(k8s::PolicyRule::Reader r) {
  return list_key(r.getApiGroups()) + "|" + list_key(r.getResources()) + "|" +
         list_key(r.getResourceNames()) + "|" + list_key(r.getNonResourceURLs()) + "|" +
         list_key(r.getVerbs());
}

std::string selector_key(k8s::LabelSelector::Reader s) {
  try {
    return label_selector::from(s).to_string();
  } catch (const api_error&) {
    return "";
  }
}

std::string subject_key(k8s::Subject::Reader s) {
  return text_string(s.getKind()) + "|" + text_string(s.getApiGroup()) + "|" +
         text_string(s.getName()) + "|" + text_string(s.getNamespace());
}

// Copies `old`'s items and then those of `want` whose key `old` lacks into a new list made by
// `init`; false (nothing made) when none is missing.
template <class Reader, class Key, class Init>
bool append_missing(Reader old, Reader want, Key key, Init init) {
  std::set<std::string> present;
  for (auto item : old) present.insert(key(item));
  std::vector<unsigned> missing;
  for (unsigned i = 0; i < want.size(); ++i)
    if (!present.count(key(want[i]))) missing.push_back(i);
  if (missing.empty()) return false;
  auto list = init(static_cast<unsigned>(old.size() + missing.size()));
  unsigned at = 0;
  for (auto item : old) list.setWithCaveats(at++, item);
  for (unsigned i : missing) list.setWithCaveats(at++, want[i]);
  return true;
}

}  // namespace

std::optional<std::string> reconciled_bootstrap_object(std::string_view stored,
                                                       std::string_view wanted,
                                                       std::string_view kind) {
  object_reader have_reader(stored), want_reader(wanted);
  auto have_meta = have_reader.meta(), want_meta = want_reader.meta();
  if (map_get(have_meta.getAnnotations(), autoupdate_annotation) ==
      std::optional<std::string_view>("false"))
    return std::nullopt;
  capnp::MallocMessageBuilder m;
  m.setRoot(have_reader.root());
  auto meta = meta_of(m.getRoot<capnp::AnyStruct>());
  bool changed = false;
  auto labels = map_entries(have_meta.getLabels()),
       annotations = map_entries(have_meta.getAnnotations());
  if (add_missing(labels, map_entries(want_meta.getLabels()))) {
    fill_map(meta.initLabels(static_cast<unsigned>(labels.size())), labels);
    changed = true;
  }
  if (add_missing(annotations, map_entries(want_meta.getAnnotations()))) {
    fill_map(meta.initAnnotations(static_cast<unsigned>(annotations.size())), annotations);
    changed = true;
  }
  if (kind == "ClusterRole") {
    auto have = have_reader.as<k8s::ClusterRole>(), want = want_reader.as<k8s::ClusterRole>();
    auto role = m.getRoot<k8s::ClusterRole>();
    if (want.hasAggregationRule()) {  // its rules are the aggregation controller's
      changed |= append_missing(
          have.getAggregationRule().getClusterRoleSelectors(),
          want.getAggregationRule().getClusterRoleSelectors(), selector_key,
          [&](unsigned n) { return role.getAggregationRule().initClusterRoleSelectors(n); });
    } else {
      changed |= append_missing(have.getRules(), want.getRules(), rule_key,
                                [&](unsigned n) { return role.initRules(n); });
    }
  } else if (kind == "ClusterRoleBinding") {
    auto have = have_reader.as<k8s::ClusterRoleBinding>();
    auto want = want_reader.as<k8s::ClusterRoleBinding>();
    auto binding = m.getRoot<k8s::ClusterRoleBinding>();
    changed |= append_missing(have.getSubjects(), want.getSubjects(), subject_key,
                              [&](unsigned n) { return binding.initSubjects(n); });
  }
  if (!changed) return std::nullopt;
  return to_bytes(m);
}

}  // namespace troupe
