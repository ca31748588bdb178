@0xe9be1fbf4052facc;
# Group rbac.authorization.k8s.io, version v1: Role, RoleBinding, ClusterRole, ClusterRoleBinding.
using Cxx = import "/capnp/c++.capnp";
using Meta = import "meta.capnp";
$Cxx.namespace("troupe::k8s");

struct PolicyRule {
  verbs @0 :List(Text) $Meta.required;
  apiGroups @1 :List(Text);
  resources @2 :List(Text);
  resourceNames @3 :List(Text);
  nonResourceURLs @4 :List(Text);
}

struct Subject {
  kind @0 :Text $Meta.required;                      # User, Group, ServiceAccount
  apiGroup @1 :Text;
  name @2 :Text $Meta.required;
  namespace @3 :Text;
}

struct RoleRef {
  apiGroup @0 :Text $Meta.required;
  kind @1 :Text $Meta.required;
  name @2 :Text $Meta.required;
}

struct AggregationRule {
  clusterRoleSelectors @0 :List(Meta.LabelSelector);
}

struct Role $Meta.resource(group = "rbac.authorization.k8s.io", version = "v1", plural = "roles",
                           namespaced = true) {
  apiVersion @0 :Text;
  kind @1 :Text;
  metadata @2 :Meta.ObjectMeta;
  rules @3 :List(PolicyRule);
}

struct ClusterRole $Meta.resource(group = "rbac.authorization.k8s.io", version = "v1",
                                  plural = "clusterroles", namespaced = false) {
  apiVersion @0 :Text;
  kind @1 :Text;
  metadata @2 :Meta.ObjectMeta;
  rules @3 :List(PolicyRule);
  aggregationRule @4 :AggregationRule;
}

struct RoleBinding $Meta.resource(group = "rbac.authorization.k8s.io", version = "v1",
                                  plural = "rolebindings", namespaced = true) {
  apiVersion @0 :Text;
  kind @1 :Text;
  metadata @2 :Meta.ObjectMeta;
  subjects @3 :List(Subject);
  roleRef @4 :RoleRef $Meta.required;
}

struct ClusterRoleBinding $Meta.resource(group = "rbac.authorization.k8s.io", version = "v1",
                                         plural = "clusterrolebindings", namespaced = false) {
  apiVersion @0 :Text;
  kind @1 :Text;
  metadata @2 :Meta.ObjectMeta;
  subjects @3 :List(Subject);
  roleRef @4 :RoleRef $Meta.required;
}
