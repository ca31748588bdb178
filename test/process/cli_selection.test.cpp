// Which objects a command acts on, and the arguments kubectl refuses: -l among a file's objects,
// a blank selector, several names for patch and scale, a key both set and removed.

#include <catch2/catch.hpp>

#include "test/harness/cli.hpp"

using troupe::testing::cluster;
using troupe::testing::everything;

namespace {

const char* two_config_maps = R"(apiVersion: v1
kind: ConfigMap
metadata: {name: keep-me, labels: {tier: db}}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: drop-me, labels: {tier: web}}
)";

}  // namespace

TEST_CASE("arguments kubectl refuses are refused with its words and nothing is run", "[process][cli]") {
  cluster c;
  REQUIRE(c.troupe({"create", "configmap", "kept"}).code == 0);
  auto before = c.troupe({"get", "cm", "kept", "-o", "yaml"}).out;
  auto slashes = c.troupe({"get", "cm/kept,svc/web"});
  CHECK(slashes.code == 1);
  CHECK(slashes.err ==
        "error: arguments in resource/name form may not have more than one slash, got \"cm/kept,svc/web\"\n");
  CHECK(c.troupe({"delete", "cm,svc/kept"}).err ==
        "error: arguments in resource/name form must have a single resource and name, got \"cm,svc/kept\"\n");
  // A --timeout that is not a duration fails before the list is printed.
  for (const char* bad : {"--timeout=abc", "--timeout=-5s"}) {
    auto watch = c.troupe({"get", "cm", "-w", bad});
    CHECK(watch.code == 1);
    CHECK(watch.out.empty());
    CHECK_THAT(watch.err, Catch::StartsWith("error: --timeout: invalid duration "));
  }
  CHECK(c.troupe({"config", "set-context", "--namespace=x"}).err ==
        "error: you must specify a non-empty context name or --current\n");
  auto explain = c.troupe({"explain", "pods", "-o", "bogus"});
  CHECK(explain.code == 1);
  CHECK(explain.err == "error: --output: unknown format \"bogus\" (choose plaintext or plaintext-openapiv2)\n");
  CHECK(c.troupe({"explain", "pods", "-o", "plaintext"}).code == 0);
  auto empty = c.write("empty.yaml", "# nothing here\n");
  for (const char* verb : {"create", "apply", "replace"})
    CHECK(c.troupe({verb, "-f", empty}).err == std::string("error: no objects passed to ") + verb + "\n");
  CHECK(c.troupe({"get", "cm", "kept", "-o", "yaml"}).out == before);
}

TEST_CASE("-l with -f chooses among the file's objects by their own labels", "[process][cli]") {
  cluster c;
  auto file = c.write("two.yaml", two_config_maps);
  REQUIRE(c.troupe({"apply", "-f", file}).code == 0);
  CHECK(c.troupe({"get", "-f", file, "-l", "tier=web", "-o", "name"}).out == "configmap/drop-me\n");
  auto deleted = c.troupe({"delete", "-f", file, "-l", "tier=web"});
  CHECK(deleted.code == 0);
  CHECK(deleted.out == "configmap \"drop-me\" deleted\n");
  CHECK(c.troupe({"get", "cm", "keep-me", "-o", "name"}).out == "configmap/keep-me\n");
  for (const char* verb : {"get", "describe"}) {
    auto nothing = c.troupe({verb, "-f", file, "-l", "tier=none"});
    CHECK(nothing.code == 0);
    CHECK(nothing.out.empty());
    CHECK(nothing.err == "No resources found in default namespace.\n");
  }
  auto none = c.troupe({"delete", "-f", file, "-l", "tier=none"});
  CHECK(none.code == 0);
  CHECK(none.out == "No resources found\n");  // kubectl's delete says it on stdout
  CHECK(c.troupe({"get", "cm", "keep-me", "-o", "name"}).out == "configmap/keep-me\n");
}

TEST_CASE("a blank selector is no selector - it never chooses every object", "[process][cli]") {
  cluster c;
  REQUIRE(c.troupe({"apply", "-f", c.write("two.yaml", two_config_maps)}).code == 0);
  auto before = everything(c);
  for (const char* blank : {"", " "}) {
    auto del = c.troupe({"delete", "cm", "-l", blank});
    CHECK(del.code == 1);
    CHECK(del.err == "error: resource(s) were provided, but no name was specified\n");
    CHECK(c.troupe({"label", "cm", "-l", blank, "x=1"}).code == 1);
    CHECK(c.troupe({"delete", "cm", "--field-selector", blank}).code == 1);
  }
  auto both = c.troupe({"delete", "cm", "--all", "-l", "tier=web"});
  CHECK(both.code == 1);
  CHECK(both.err == "error: cannot set --all and --selector at the same time\n");
  CHECK(everything(c) == before);
  // get lists everything without a selector, as kubectl does with a blank one.
  CHECK(c.troupe({"get", "cm", "-l", "", "-o", "name"}).out ==
        c.troupe({"get", "cm", "-o", "name"}).out);
}

TEST_CASE("patch and scale act on every object named and report each missing one", "[process][cli]") {
  cluster c;
  for (const char* name : {"e1", "e2"}) REQUIRE(c.troupe({"create", "cm", name}).code == 0);
  auto both = c.troupe({"patch", "cm", "e1", "e2", "-p", R"({"data":{"w":"1"}})"});
  CHECK(both.code == 0);
  CHECK(both.out == "configmap/e1 patched\nconfigmap/e2 patched\n");
  auto missing = c.troupe({"patch", "cm/e1", "cm/nope", "cm/e2", "-p", R"({"data":{"w":"2"}})"});
  CHECK(missing.code == 1);
  CHECK(missing.out == "configmap/e1 patched\nconfigmap/e2 patched\n");
  CHECK(missing.err == "Error from server (NotFound): configmaps \"nope\" not found\n");
  CHECK(c.troupe({"get", "cm", "e2", "-o", "jsonpath={.data.w}"}).out == "2");
  for (const char* name : {"a", "b"})
    REQUIRE(c.troupe({"create", "deployment", name, "--image=nginx"}).code == 0);
  CHECK(c.troupe({"scale", "deploy", "a", "b", "--replicas=3"}).out ==
        "deployment.apps/a scaled\ndeployment.apps/b scaled\n");
  auto scaled = c.troupe({"scale", "deploy/a", "statefulset/gone", "--replicas=4"});
  CHECK(scaled.code == 1);
  CHECK(scaled.err == "Error from server (NotFound): statefulsets.apps \"gone\" not found\n");
  CHECK(c.troupe({"get", "deploy", "-o", "jsonpath={.items[*].spec.replicas}"}).out == "4 3");
  // In turn, as kubectl walks them: a is scaled, then the ConfigMap fails.
  auto partly = c.troupe({"scale", "deploy/a", "cm/e1", "--replicas=1"});
  CHECK(partly.out == "deployment.apps/a scaled\n");
  CHECK(partly.err == "error: cannot scale configmaps: only deployments, replicasets and statefulsets have replicas\n");
  CHECK(c.troupe({"get", "deploy", "a", "-o", "jsonpath={.spec.replicas}"}).out == "1");
}

TEST_CASE("a key both set and removed in one command is refused", "[process][cli]") {
  cluster c;
  REQUIRE(c.troupe({"create", "cm", "r1"}).code == 0);
  REQUIRE(c.troupe({"create", "deployment", "web", "--image=nginx"}).code == 0);
  auto before = everything(c);
  CHECK(c.troupe({"label", "cm", "r1", "y=1", "y-", "--overwrite"}).err ==
        "error: can not both modify and remove a label in the same command\n");
  CHECK(c.troupe({"annotate", "cm", "r1", "m=1", "m-", "n=2", "n-"}).err ==
        "error: can not both modify and remove the following annotation(s) in the same command: m, n\n");
  CHECK(c.troupe({"set", "env", "deploy/web", "X=1", "X-"}).err ==
        "error: can not both modify and remove an environment variable in the same command\n");
  CHECK(everything(c) == before);
}

TEST_CASE("apply -o yaml or json prints one object or one List of them all", "[process][cli]") {
  cluster c;
  auto file = c.write("two.yaml", two_config_maps);
  auto json = c.troupe({"apply", "-f", file, "-o", "json"});
  REQUIRE(json.code == 0);
  CHECK_THAT(json.out, Catch::StartsWith("{\n    \"apiVersion\": \"v1\",\n    \"items\": [\n") &&
                           Catch::EndsWith("    \"kind\": \"List\",\n    \"metadata\": {}\n}\n"));
  auto yaml = c.troupe({"apply", "-f", file, "-o", "yaml"});
  CHECK(yaml.out.find("---") == std::string::npos);
  CHECK_THAT(yaml.out, Catch::EndsWith("kind: List\nmetadata: {}\n"));
  auto one = c.write("one.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: solo}\n");
  CHECK_THAT(c.troupe({"apply", "-f", one, "-o", "yaml"}).out,
             Catch::StartsWith("apiVersion: v1\nkind: ConfigMap\n"));
  CHECK(c.troupe({"apply", "-f", file, "-o", "name"}).out == "configmap/keep-me\nconfigmap/drop-me\n");
}
