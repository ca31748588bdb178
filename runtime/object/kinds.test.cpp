#include "runtime/object/kinds.hpp"

#include <catch2/catch.hpp>

#include "runtime/object/object.hpp"
#include "schema/core.capnp.h"

using namespace troupe;

TEST_CASE("every kind has apiVersion kind and metadata first", "[kinds]") {
  auto kinds = builtin_kinds();
  REQUIRE(kinds.all().size() == 24);
  for (auto& k : kinds.all()) {
    INFO(k->kind);
    auto s = k->schema;
    auto api_version = s.getFieldByName("apiVersion");
    auto kind = s.getFieldByName("kind");
    auto meta = s.getFieldByName("metadata");
    // meta_of() reads pointer 2 of every root without knowing its kind.
    CHECK(api_version.getProto().getSlot().getOffset() == 0);
    CHECK(kind.getProto().getSlot().getOffset() == 1);
    CHECK(meta.getProto().getSlot().getOffset() == 2);
    CHECK(meta.getType().asStruct().getProto().getId() ==
          capnp::Schema::from<k8s::ObjectMeta>().getProto().getId());
  }
}

TEST_CASE("kinds are found the ways kubectl users spell them", "[kinds]") {
  auto kinds = builtin_kinds();
  struct row {
    const char* typed;
    const char* kind;
  };
  for (auto r : {row{"po", "Pod"}, row{"pods", "Pod"}, row{"pod", "Pod"}, row{"Pod", "Pod"},
                 row{"deploy", "Deployment"}, row{"deployments.apps", "Deployment"},
                 row{"deployment.apps", "Deployment"}, row{"svc", "Service"},
                 row{"ns", "Namespace"}, row{"no", "Node"}, row{"cm", "ConfigMap"},
                 row{"rs", "ReplicaSet"}, row{"ds", "DaemonSet"}, row{"sts", "StatefulSet"},
                 row{"cj", "CronJob"}, row{"pvc", "PersistentVolumeClaim"},
                 row{"pv", "PersistentVolume"}, row{"ing", "Ingress"}, row{"ep", "Endpoints"},
                 row{"sa", "ServiceAccount"}, row{"leases", "Lease"},
                 row{"clusterrolebindings", "ClusterRoleBinding"}, row{"deployments.v1.apps", "Deployment"},
                 row{"deploy.v1.apps", "Deployment"}, row{"cronjobs.v1.batch", "CronJob"},
                 row{"roles.v1.rbac.authorization.k8s.io", "Role"},
                 row{"roles.rbac.authorization.k8s.io", "Role"}}) {
    INFO(r.typed);
    auto k = kinds.find_resource(r.typed);
    REQUIRE(k != nullptr);
    CHECK(k->kind == r.kind);
  }
  CHECK(kinds.find_resource("deployments.batch") == nullptr);
  CHECK(kinds.find_resource("deployments.v2.apps") == nullptr);
  CHECK(kinds.find_resource("pods.v1") == nullptr);  // "v1" is no group, as in kubectl
  CHECK(kinds.find_resource("gizmos") == nullptr);
}

TEST_CASE("kind metadata matches Kubernetes", "[kinds]") {
  auto kinds = builtin_kinds();
  auto deploy = kinds.find("apps/v1", "Deployment");
  REQUIRE(deploy);
  CHECK(deploy->resource() == "deployments.apps");
  CHECK(deploy->singular_resource() == "deployment.apps");
  CHECK(deploy->namespaced);
  CHECK(deploy->has_status);
  CHECK(deploy->tracks_generation);
  auto node = kinds.find("v1", "Node");
  REQUIRE(node);
  CHECK_FALSE(node->namespaced);
  CHECK_FALSE(node->tracks_generation);
  CHECK(node->resource() == "nodes");
  auto cm = kinds.find("v1", "ConfigMap");
  REQUIRE(cm);
  CHECK_FALSE(cm->tracks_generation);
  CHECK_FALSE(cm->has_status);
  CHECK(kinds.find("v1", "Deployment") == nullptr);
  auto lease = kinds.find("coordination.k8s.io/v1", "Lease");
  REQUIRE(lease);
  CHECK(lease->api_version() == "coordination.k8s.io/v1");
}

TEST_CASE("store keys split back into their parts", "[kinds]") {
  CHECK(object_key("pods", "default", "web-0") == "pods/default/web-0");
  CHECK(object_key("nodes", "", "n1") == "nodes//n1");
  CHECK(list_prefix("pods", "") == "pods/");
  CHECK(list_prefix("pods", "kube-system") == "pods/kube-system/");
  auto parts = parse_key("deployments.apps/prod/web");
  REQUIRE(parts);
  CHECK(parts->resource == "deployments.apps");
  CHECK(parts->ns == "prod");
  CHECK(parts->name == "web");
  CHECK_FALSE(parse_key("nonsense"));
}
