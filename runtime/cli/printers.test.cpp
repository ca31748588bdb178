#include "runtime/cli/printers.hpp"

#include <catch2/catch.hpp>

#include "runtime/base/error.hpp"
#include "runtime/base/time.hpp"
#include "runtime/codec/yaml.hpp"

using namespace troupe;
using namespace troupe::cli;

namespace {

codec::node yaml(const std::string& text) { return codec::parse_yaml(text, "test").at(0).root; }

const int64_t now = *parse_rfc3339("2026-12-01T12:00:00Z");

}  // namespace

TEST_CASE("pod tables show ready status restarts and age like kubectl", "[cli][printers]") {
  auto kinds = builtin_kinds();
  auto pod = yaml(R"(
metadata: {name: web-1, namespace: default, creationTimestamp: "2026-12-01T11:57:30Z"}
spec:
  nodeName: n1
  containers: [{name: a, image: x}, {name: b, image: y}]
status:
  phase: Running
  podIP: 127.64.0.5
  containerStatuses:
  - {name: a, ready: true, restartCount: 2, state: {running: {}}}
  - {name: b, ready: false, restartCount: 1, state: {waiting: {reason: CrashLoopBackOff}}}
)");
  auto pending = yaml("metadata: {name: p, namespace: other, creationTimestamp: '2026-11-29T12:00:00Z'}\n"
                      "spec: {containers: [{name: a}]}");
  table_options options;
  options.now = now;
  CHECK(print_table(*kinds.find_resource("pods"), {pod, pending}, options) ==
        "NAME    READY   STATUS             RESTARTS   AGE\n"
        "web-1   1/2     CrashLoopBackOff   3          2m30s\n"
        "p       0/1     Pending            0          2d\n");
  options.wide = true;
  options.with_namespace = true;
  options.headers = false;
  CHECK(print_table(*kinds.find_resource("pods"), {pod}, options) ==
        "default   web-1   1/2   CrashLoopBackOff   3   2m30s   127.64.0.5   n1\n");
}

TEST_CASE("service and deployment tables", "[cli][printers]") {
  auto kinds = builtin_kinds();
  table_options options;
  options.now = now;
  auto svc = yaml(R"(
metadata: {name: web, creationTimestamp: "2026-12-01T11:00:00Z"}
spec: {clusterIP: 10.43.0.10, ports: [{port: 80, protocol: TCP}, {port: 30080, nodePort: 31000}]}
)");
  CHECK(print_table(*kinds.find_resource("svc"), {svc}, options) ==
        "NAME   TYPE        CLUSTER-IP   EXTERNAL-IP   PORT(S)                  AGE\n"
        "web    ClusterIP   10.43.0.10   <none>        80/TCP,30080:31000/TCP   60m\n");
  auto deploy = yaml(R"(
metadata: {name: web, creationTimestamp: "2026-12-01T11:59:55Z"}
spec: {replicas: 3}
status: {readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2}
)");
  CHECK(print_table(*kinds.find_resource("deploy"), {deploy}, options) ==
        "NAME   READY   UP-TO-DATE   AVAILABLE   AGE\n"
        "web    2/3     3            2           5s\n");
  CHECK(object_ref(*kinds.find_resource("deploy"), deploy) == "deployment.apps/web");
  CHECK(object_ref(*kinds.find_resource("po"), yaml("metadata: {name: x}")) == "pod/x");
}

TEST_CASE("jsonpath reads fields indexes wildcards and maps", "[cli][printers]") {
  auto obj = yaml(R"(
metadata: {name: web, labels: {app: shop}}
status: {conditions: [{type: Ready, status: "True"}, {type: Initialized, status: "False"}]}
)");
  CHECK(jsonpath("{.metadata.name}", obj) == "web");
  CHECK(jsonpath("name={.metadata.name} app={.metadata.labels.app}", obj) == "name=web app=shop");
  CHECK(jsonpath("{.status.conditions[1].type}", obj) == "Initialized");
  CHECK(jsonpath("{.status.conditions[-1].status}", obj) == "False");
  CHECK(jsonpath("{.status.conditions[*].type}", obj) == "Ready Initialized");
  CHECK(jsonpath("{.metadata.labels}", obj) == "{\"app\":\"shop\"}");
  CHECK(jsonpath("{.missing.field}", obj) == "");
  auto list = list_of({obj, yaml("metadata: {name: db}")});
  CHECK(jsonpath("{.items[*].metadata.name}", list) == "web db");
  CHECK_THROWS_WITH(jsonpath("{.a[x]}", obj), Catch::Contains("unsupported subscript [x]"));
  CHECK_THROWS_WITH(jsonpath("{.a", obj), Catch::Contains("unclosed {"));
}

TEST_CASE("jsonpath ranges filters literals and escaped dots", "[cli][printers]") {
  auto list = codec::parse_yaml(R"(
items:
- metadata: {name: c1, labels: {tier: front}}
  spec: {replicas: 1}
  data: {tls.crt: CERT}
- metadata: {name: c2}
  spec: {replicas: 3}
- metadata: {name: c3, labels: {tier: back}}
  spec: {replicas: 5}
)",
                                "t")[0]
                  .root;
  struct row {
    std::string tmpl;
    std::string out;
  };
  auto r = GENERATE(values<row>({
      {R"({range .items[*]}{.metadata.name}{"\n"}{end})", "c1\nc2\nc3\n"},
      {R"({range .items[*]}{.metadata.name}{"\t"}{.spec.replicas}{"\n"}{end})",
       "c1\t1\nc2\t3\nc3\t5\n"},
      {"{.items[?(@.metadata.name=='c3')].spec.replicas}", "5"},
      {"{.items[?(@.metadata.name!='c3')].metadata.name}", "c1 c2"},
      {"{.items[?(@.spec.replicas>2)].metadata.name}", "c2 c3"},
      {"{.items[?(@.spec.replicas < 3)].metadata.name}", "c1"},
      {"{.items[?(@.metadata.labels.tier)].metadata.name}", "c1 c3"},
      {R"({.items[0].data.tls\.crt})", "CERT"},
      {R"({.items[0].data['tls.crt']})", "CERT"},
      {R"(a{"}"}b)", "a}b"},
      {"{range .items[?(@.spec.replicas>=3)]}[{.metadata.name}]{end}", "[c2][c3]"},
      {"{range .items[*]}{$.items[0].metadata.name}{end}", "c1c1c1"},
  }));
  CAPTURE(r.tmpl);
  CHECK(jsonpath(r.tmpl, list) == r.out);
}

TEST_CASE("a jsonpath that cannot be read is an error", "[cli][printers]") {
  codec::node obj = codec::node::map();
  auto bad = GENERATE(as<std::string>{}, "{range .items[*]}{.x}", "{end}", "{.a[?(@.x=='y']}",
                      "{.a[?(.x)]}", "{\"abc}", "{}", "{..name}", "{.a b}", "{.items[0}",
                      "{.a[?(@.x==)]}");
  CAPTURE(bad);
  CHECK_THROWS_WITH(jsonpath(bad, obj), Catch::StartsWith("error parsing jsonpath " + bad + ": "));
}

TEST_CASE("node and statefulset tables have kubectl's columns", "[cli][printers]") {
  auto kinds = builtin_kinds();
  table_options options;
  options.now = now;
  auto worker = yaml(R"(
metadata:
  name: n1
  creationTimestamp: "2026-12-01T11:00:00Z"
  labels: {node-role.kubernetes.io/worker: "", node-role.kubernetes.io/edge: "", kubernetes.io/role: worker}
status:
  nodeInfo: {kubeletVersion: v0.1.0}
  conditions: [{type: Ready, status: "True"}]
)");
  auto plain = yaml(
      "metadata: {name: n2, creationTimestamp: '2026-12-01T11:59:00Z'}\nspec: {unschedulable: "
      "true}");
  CHECK(print_table(*kinds.find_resource("nodes"), {worker, plain}, options) ==
        "NAME   STATUS                       ROLES         AGE   VERSION\n"
        "n1     Ready                        edge,worker   60m   v0.1.0\n"
        "n2     Unknown,SchedulingDisabled   <none>        60s   <none>\n");
  auto sts = yaml(R"(
metadata: {name: db, creationTimestamp: "2026-12-01T11:59:55Z"}
spec: {replicas: 3, template: {spec: {containers: [{name: pg, image: postgres}]}}}
status: {readyReplicas: 2, replicas: 3}
)");
  CHECK(print_table(*kinds.find_resource("sts"), {sts}, options) ==
        "NAME   READY   AGE\n"
        "db     2/3     5s\n");
  options.wide = true;
  CHECK(print_table(*kinds.find_resource("sts"), {sts}, options) ==
        "NAME   READY   AGE   CONTAINERS   IMAGES\n"
        "db     2/3     5s    pg           postgres\n");
}
