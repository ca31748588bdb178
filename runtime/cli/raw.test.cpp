#include "runtime/cli/raw.hpp"

#include <catch2/catch.hpp>

#include "runtime/base/error.hpp"

namespace troupe::cli {
namespace {

const kind_registry& kinds() {
  static const kind_registry registry = builtin_kinds();  // NOLINT: immutable test data
  return registry;
}

using what = raw_path::what;

raw_path routed(const std::string& url) {
  auto route = route_raw_path(kinds(), url);
  REQUIRE(route);
  return *route;
}

TEST_CASE("get --raw routes object and collection paths as the API server does", "[cli][raw]") {
  auto pod = routed("/api/v1/namespaces/team/pods/web");
  CHECK(pod.target == what::object);
  CHECK(pod.kind->kind == "Pod");
  CHECK(pod.ns == "team");
  CHECK(pod.name == "web");

  auto status = routed("/apis/apps/v1/namespaces/default/deployments/web/status");
  CHECK(status.target == what::object);
  CHECK(status.kind->kind == "Deployment");
  CHECK(status.name == "web");

  auto all_pods = routed("/api/v1/pods?labelSelector=app%3Dweb%2Ctier+in+%28a%29&fieldSelector=spec.nodeName=n1&limit=2");
  CHECK(all_pods.target == what::collection);
  CHECK(all_pods.ns == "");
  CHECK(all_pods.label_selector == "app=web,tier in (a)");
  CHECK(all_pods.field_selector == "spec.nodeName=n1");
  CHECK(all_pods.limit == 2);

  // A path segment keeps its '+' (a query turns it into a space).
  CHECK(routed("/apis/rbac.authorization.k8s.io/v1/clusterroles/system:a+b%3Ac").name == "system:a+b:c");

  auto node = routed("/api/v1/nodes/n1");
  CHECK(node.target == what::object);
  CHECK(node.kind->kind == "Node");

  // /namespaces/NAME is the Namespace itself, and so is its status.
  auto ns = routed("/api/v1/namespaces/team/status");
  CHECK(ns.target == what::object);
  CHECK(ns.kind->kind == "Namespace");
  CHECK(ns.name == "team");

  auto watch = routed("http://127.0.0.1:6443/api/v1/namespaces/default/pods?watch=1&timeoutSeconds=5&resourceVersion=7");
  CHECK(watch.target == what::collection);
  CHECK(watch.watch);
  CHECK(watch.timeout_seconds == 5);
  CHECK(watch.resource_version == "7");
}

TEST_CASE("get --raw routes discovery and health paths", "[cli][raw]") {
  CHECK(routed("/healthz").target == what::health);
  CHECK(routed("/readyz").target == what::health);
  CHECK(routed("/version").target == what::version);
  CHECK(routed("/api").target == what::core);
  CHECK(routed("/apis").target == what::groups);
  auto group = routed("/apis/batch");
  CHECK(group.target == what::group);
  CHECK(group.group == "batch");
  auto resources = routed("/apis/apps/v1");
  CHECK(resources.target == what::resources);
  CHECK(resources.version == "v1");
  CHECK(routed("/api/v1").target == what::resources);
}

TEST_CASE("get --raw finds nothing where the API server serves nothing", "[cli][raw]") {
  for (const char* path :
       {"/", "/bogus", "/api/v2", "/api/v1/", "/api/v1/widgets", "/apis/apps/v2", "/apis/nothing.io",
        "/api/v1/pods/web",                          // a namespaced object needs its namespace
        "/api/v1/namespaces/default/nodes",          // a cluster-scoped kind has none
        "/api/v1/namespaces/default/configmaps/c/status",  // ConfigMaps have no status
        "/api/v1/namespaces/default/pods/web/exec", "/apis/apps/v1/namespaces/default/deploy"})
    CHECK_FALSE(route_raw_path(kinds(), path));
}

TEST_CASE("get --raw refuses what is not a URL path and bad query values", "[cli][raw]") {
  CHECK_THROWS_WITH(route_raw_path(kinds(), "api/v1"),
                    "--raw must be a valid URL path: parse \"api/v1\": invalid URI for request");
  CHECK_THROWS_WITH(route_raw_path(kinds(), "/api/v1/pods?limit=-1"),
                    "--raw: query parameter limit: invalid value \"-1\", a whole number of 0 or more");
  CHECK_THROWS_WITH(route_raw_path(kinds(), "/api/v1/pods?labelSelector=a%2"),
                    "--raw: invalid URL escape in \"labelSelector=a%2\"");
}

}  // namespace
}  // namespace troupe::cli
