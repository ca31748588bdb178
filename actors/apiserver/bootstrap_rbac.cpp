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

// One permission of a rule (Kubernetes' BreakdownRule): a verb on one group's resource (one
// name, or any), or on one non-resource URL.
struct simple_rule {
  std::string verb, group, resource, name, url;
};

std::vector<simple_rule> breakdown(k8s::PolicyRule::Reader r) {
  std::vector<simple_rule> out;
  for (auto group : r.getApiGroups())
    for (auto resource : r.getResources())
      for (auto verb : r.getVerbs()) {
        if (r.getResourceNames().size() == 0) out.push_back({verb, group, resource, "", ""});
        for (auto name : r.getResourceNames()) out.push_back({verb, group, resource, name, ""});
      }
  for (auto url : r.getNonResourceURLs())
    for (auto verb : r.getVerbs()) out.push_back({verb, "", "", "", url});
  return out;
}

bool has(capnp::List<capnp::Text>::Reader list, std::string_view item) {
  for (auto t : list)
    if (text_view(t) == item) return true;
  return false;
}

// Kubernetes' ruleCovers for one permission: '*' verbs, groups and resources, "res/*" and "*/sub"
// for subresources, names only where the owner names some, URLs by a trailing '*'.
bool covers(k8s::PolicyRule::Reader owner, const simple_rule& p) {
  if (!has(owner.getVerbs(), "*") && !has(owner.getVerbs(), p.verb)) return false;
  if (!p.url.empty()) {
    for (auto u : owner.getNonResourceURLs()) {
      auto url = text_view(u);
      if (url == p.url ||
          (!url.empty() && url.back() == '*' && starts_with(p.url, url.substr(0, url.size() - 1))))
        return true;
    }
    return false;
  }
  if (!has(owner.getApiGroups(), "*") && !has(owner.getApiGroups(), p.group)) return false;
  bool resource = has(owner.getResources(), "*") || has(owner.getResources(), p.resource);
  if (!resource) {
    auto slash = p.resource.find('/');
    resource = slash != std::string::npos &&
               (has(owner.getResources(), p.resource.substr(0, slash) + "/*") ||
                has(owner.getResources(), "*" + p.resource.substr(slash)));
  }
  if (!resource) return false;
  return owner.getResourceNames().size() == 0 ||
         (!p.name.empty() && has(owner.getResourceNames(), p.name));
}

// The permissions of `want` that no rule of `have` covers, each as a rule of its own (as
// Kubernetes' reconciliation appends them).
std::vector<simple_rule> uncovered(capnp::List<k8s::PolicyRule>::Reader have,
                                   capnp::List<k8s::PolicyRule>::Reader want) {
  std::vector<simple_rule> out;
  for (auto rule : want)
    for (auto& p : breakdown(rule)) {
      bool covered = false;
      for (auto r : have) covered = covered || covers(r, p);
      if (!covered) out.push_back(p);
    }
  return out;
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
    } else if (auto missing = uncovered(have.getRules(), want.getRules()); !missing.empty()) {
      auto rules = role.initRules(static_cast<unsigned>(have.getRules().size() + missing.size()));
      unsigned at = 0;
      for (auto r : have.getRules()) rules.setWithCaveats(at++, r);
      for (auto& p : missing) {
        auto r = rules[at++];
        r.initVerbs(1).set(0, p.verb);
        if (p.url.empty()) {
          r.initApiGroups(1).set(0, p.group);
          r.initResources(1).set(0, p.resource);
          if (!p.name.empty()) r.initResourceNames(1).set(0, p.name);
        } else {
          r.initNonResourceURLs(1).set(0, p.url);
        }
      }
      changed = true;
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
