// What `get` prints against a real `troupe server`, where it must match kubectl: several
// kinds at once, `get all`, --sort-by, custom columns; and `apply -f` going on past a document
// it cannot decode.

#include <catch2/catch.hpp>

#include "test/harness/cli.hpp"

using troupe::testing::cli_result;
using troupe::testing::cluster;
using troupe::testing::everything;
using troupe::testing::lines;

namespace {

const char* service_and_deployment = R"(apiVersion: v1
kind: Service
metadata: {name: api}
spec: {clusterIP: None, selector: {app: web}, ports: [{port: 80}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: nginx}]}
)";

// The tables of a multi-kind `get`, split at the blank lines between them.
std::vector<std::string> tables(const std::string& out) {
  std::vector<std::string> out_tables;
  size_t at = 0;
  for (size_t blank; (blank = out.find("\n\n", at)) != std::string::npos; at = blank + 2)
    out_tables.push_back(out.substr(at, blank + 1 - at));
  out_tables.push_back(out.substr(at));
  return out_tables;
}

// "service" for a table whose first row is "service/api ...".
std::string kind_of(const std::string& table) {
  auto rows = lines(table);
  return rows.size() < 2 ? "" : rows[1].substr(0, rows[1].find('/'));
}

}  // namespace

TEST_CASE("get of several kinds prints a table per kind with kind-prefixed names",
          "[process][cli]") {
  cluster c;
  REQUIRE(c.troupe({"apply", "-f", c.write("app.yaml", service_and_deployment)}).code == 0);
  auto both = c.troupe(
      {"get", "svc,deploy", "-l", "app!=nothing", "--field-selector", "metadata.name!=kubernetes"});
  CHECK(both.code == 0);
  auto parts = tables(both.out);
  REQUIRE(parts.size() == 2);
  CHECK_THAT(parts[0], Catch::Matches("NAME +TYPE +CLUSTER-IP +EXTERNAL-IP +PORT\\(S\\) +AGE\n"
                                      "service/api +ClusterIP +None +<none> +80/TCP +\\S+\n"));
  CHECK_THAT(parts[1], Catch::Matches("NAME +READY +UP-TO-DATE +AVAILABLE +AGE\n"
                                      "deployment.apps/web +\\d/1 +\\d +\\d +\\S+\n"));
  // One kind found of two asked for: still prefixed, as kubectl prints `get all` on a fresh
  // cluster ("service/kubernetes" alone).
  auto one =
      c.troupe({"get", "deploy,cm", "-l", "app!=nothing", "--field-selector", "metadata.name=web"});
  CHECK_THAT(one.out, Catch::StartsWith("NAME ") && Catch::Contains("\ndeployment.apps/web "));
  auto none = c.troupe({"get", "deploy,cm", "-l", "app=nothing"});
  CHECK(none.code == 0);
  CHECK(none.out.empty());
  CHECK(none.err == "No resources found in default namespace.\n");
  auto names = c.troupe(
      {"get", "svc,deploy", "--field-selector", "metadata.name!=kubernetes", "-o", "name"});
  CHECK(names.out == "service/api\ndeployment.apps/web\n");
}

TEST_CASE("get all lists the workload kinds in kubectl's order", "[process][cli]") {
  cluster c;
  REQUIRE(c.troupe({"apply", "-f", c.write("app.yaml", service_and_deployment)}).code == 0);
  REQUIRE(c.troupe({"apply", "-f", "-"}, R"(apiVersion: batch/v1
kind: CronJob
metadata: {name: tick}
spec:
  schedule: "0 0 1 1 *"
  jobTemplate: {spec: {template: {spec: {restartPolicy: Never, containers: [{name: t, image: busybox}]}}}}
---
apiVersion: batch/v1
kind: Job
metadata: {name: once}
spec: {template: {spec: {restartPolicy: Never, containers: [{name: o, image: busybox}]}}}
---
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: loose}
spec:
  replicas: 0
  selector: {matchLabels: {app: loose}}
  template:
    metadata: {labels: {app: loose}}
    spec: {containers: [{name: l, image: busybox}]}
---
apiVersion: v1
kind: Pod
metadata: {name: solo}
spec: {containers: [{name: s, image: busybox}]}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: not-in-all}
)")
              .code == 0);
  auto all = c.troupe({"get", "all"});
  CHECK(all.code == 0);
  std::vector<std::string> kinds;
  for (auto& t : tables(all.out)) kinds.push_back(kind_of(t));
  CHECK(kinds == std::vector<std::string>{"pod", "service", "deployment.apps", "replicaset.apps",
                                          "cronjob.batch", "job.batch"});
  CHECK_THAT(all.out, Catch::Contains("\ncronjob.batch/tick ") &&
                          Catch::Contains("\njob.batch/once ") && !Catch::Contains("not-in-all"));
  REQUIRE(tables(all.out).size() == 6);
  CHECK_THAT(tables(all.out)[4], Catch::StartsWith("NAME                 SCHEDULE    TIMEZONE   "
                                                   "SUSPEND   ACTIVE   LAST SCHEDULE   AGE\n"));
  REQUIRE(c.troupe({"apply", "-f", "-"}, "apiVersion: v1\nkind: Service\nmetadata: {name: bare}\nspec: {ports: [{port: 80}]}\n").code == 0);
  CHECK_THAT(c.troupe({"describe", "svc", "bare"}).out, Catch::Matches("(.|\n)*\nSelector: +<none>\n(.|\n)*"));
  auto undescribed = c.troupe({"describe", "pods", "-n", "kube-public"});
  CHECK(undescribed.code == 0);
  CHECK(undescribed.err == "No resources found in kube-public namespace.\n");
  auto empty = c.troupe({"get", "all", "-n", "kube-public"});
  CHECK(empty.out.empty());
  CHECK(empty.err == "No resources found in kube-public namespace.\n");
  // Several types asked for: names carry their kind even when one type alone has objects.
  CHECK(c.troupe({"create", "namespace", "one"}).code == 0);
  CHECK(c.troupe({"create", "configmap", "only", "-n", "one"}).code == 0);
  CHECK_THAT(c.troupe({"get", "all,cm", "-n", "one", "--no-headers"}).out, Catch::StartsWith("configmap/only "));
  CHECK_THAT(c.troupe({"get", "cm", "-n", "one", "--no-headers"}).out, Catch::StartsWith("only "));
  CHECK_THAT(c.troupe({"get", "cm", "-n", "one", "--no-headers", "--show-kind"}).out,
             Catch::StartsWith("configmap/only "));
}

TEST_CASE("get --sort-by and custom columns", "[process][cli]") {
  cluster c;
  for (auto [name, size] : {std::pair{"b", "30"}, {"c", "4"}, {"a", "100"}})
    REQUIRE(c.troupe({"create", "-f", "-"},
                     std::string("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ") + name +
                         ", labels: {set: t}}\ndata: {size: '" + size + "'}\n")
                .code == 0);
  auto by_name = c.troupe({"get", "cm", "-l", "set=t", "--sort-by=.metadata.name", "-o",
                           "custom-columns=NAME:.metadata.name,SIZE:.data.size,NONE:.data.x"});
  CHECK(by_name.code == 0);
  CHECK(by_name.out ==
        "NAME   SIZE   NONE\n"
        "a      100    <none>\n"
        "b      30     <none>\n"
        "c      4      <none>\n");
  CHECK(c.troupe({"get", "cm", "-l", "set=t", "--sort-by", "{.data.size}", "-o",
                  "custom-columns=N:metadata.name", "--no-headers"})
            .out == "c\nb\na\n");
  CHECK(c.troupe({"get", "cm", "-l", "set=t", "--sort-by=.data.size", "-o", "name"}).out ==
        "configmap/c\nconfigmap/b\nconfigmap/a\n");
  auto two_kinds = c.troupe({"get", "cm/a", "ns/default", "--no-headers"});  // no blank line between
  CHECK(two_kinds.code == 0);
  CHECK_THAT(two_kinds.out, Catch::StartsWith("configmap/a ") && Catch::Contains("\nnamespace/default "));
  CHECK(two_kinds.out.find("\n\n") == std::string::npos);
  auto file = c.write("cols.txt", "WHO   SIZE\n.metadata.name .data.size\n");
  CHECK(c.troupe({"get", "cm", "b", "-o", "custom-columns-file=" + file}).out ==
        "WHO   SIZE\nb     30\n");

  auto bad_sort = c.troupe({"get", "cm", "--sort-by=.data[", "-l", "set=t"});
  CHECK(bad_sort.code == 1);
  CHECK(lines(bad_sort.err).size() == 1);
  CHECK_THAT(bad_sort.err, Catch::StartsWith("error: --sort-by: error parsing jsonpath"));
  CHECK(bad_sort.out.empty());
  auto missing = c.troupe({"get", "cm", "--sort-by=.spec.nothing", "-l", "set=t"});
  CHECK(missing.code == 1);
  CHECK_THAT(missing.err, Catch::StartsWith("error: --sort-by: couldn't find any field"));
  auto bad_spec = c.troupe({"get", "cm", "-o", "custom-columns=NAME"});
  CHECK(bad_spec.code == 1);
  CHECK(bad_spec.err ==
        "error: --output: custom-columns: unexpected spec \"NAME\", expected "
        "<header>:<json-path-expr>\n");
}

TEST_CASE("apply goes on past a document it cannot decode and exits 1", "[process][cli]") {
  cluster c;
  auto file = c.write("mixed.yaml", R"(apiVersion: v1
kind: ConfigMap
metadata: {name: first}
---
apiVersion: v1
kind: Pod
metadata: {name: p}
spec: {containers: [{name: a, image: b, imagePullPolicyy: Always}]}
---
apiVersion: v1
kind: Gizmo
metadata: {name: g}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: last}
)");
  auto result = c.troupe({"apply", "-f", file});
  CHECK(result.code == 1);
  CHECK(result.out == "configmap/first created\nconfigmap/last created\n");
  CHECK(
      lines(result.err) ==
      std::vector<std::string>{
          "error: error validating \"" + file +
              "\": spec.containers[0].imagePullPolicyy: unknown field \"imagePullPolicyy\"; "
              "did you mean \"imagePullPolicy\"? (line 8)",
          "error: resource mapping not found for name: \"g\" namespace: \"\" from \"" + file +
              "\": no matches for kind \"Gizmo\" in version \"v1\""});
  CHECK(c.troupe({"get", "pod", "p"}).code == 1);

  // A file that does not parse is stopped whole; the other files still go.
  auto before = everything(c);
  auto broken =
      c.write("broken.yaml",
              "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: never}\n---\nkind: [oops\n");
  auto good = c.write("good.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: good}\n");
  auto two = c.troupe({"apply", "-f", broken, "-f", good});
  CHECK(two.code == 1);
  CHECK(two.out == "configmap/good created\n");
  CHECK(lines(two.err).size() == 1);
  CHECK_THAT(two.err, Catch::StartsWith("error: error parsing " + broken + ": ") &&
                          Catch::Contains("invalid YAML"));
  CHECK(c.troupe({"get", "cm", "never"}).code == 1);
}
