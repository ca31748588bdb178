#include "runtime/cli/printers.hpp"

#include <catch2/catch.hpp>

#include "runtime/base/error.hpp"
#include "runtime/base/text.hpp"
#include "runtime/base/time.hpp"
#include "runtime/codec/yaml.hpp"

using namespace troupe;
using namespace troupe::cli;

namespace {

codec::node yaml(const std::string& text) { return codec::parse_yaml(text, "test").at(0).root; }

// A template and what it prints.
struct template_case {
  std::string tmpl;
  std::string out;
};

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
  CHECK(
      print_table(*kinds.find_resource("pods"), {pod}, options) ==
      "default   web-1   1/2   CrashLoopBackOff   3   2m30s   127.64.0.5   n1   <none>   <none>\n");
  auto gated = yaml(R"(
metadata: {name: g, creationTimestamp: "2026-12-01T11:59:00Z"}
spec: {containers: [{name: a}], readinessGates: [{conditionType: x/one}, {conditionType: x/two}]}
status: {phase: Running, nominatedNodeName: n9, conditions: [{type: x/two, status: "True"}]}
)");
  options.headers = true;
  options.with_namespace = false;
  CHECK(print_table(*kinds.find_resource("pods"), {gated}, options) ==
        "NAME   READY   STATUS    RESTARTS   AGE   IP       NODE     NOMINATED NODE   READINESS "
        "GATES\n"
        "g      0/1     Running   0          60s   <none>   <none>   n9               1/2\n");
}

TEST_CASE("pod STATUS READY and RESTARTS follow kubectl's printPod", "[cli][printers]") {
  auto kinds = builtin_kinds();
  table_options options;
  options.now = now;
  options.headers = false;
  auto row = [&](const std::string& text) {
    auto line = print_table(*kinds.find_resource("pods"), {yaml(starts_with(text, "metadata") ? text : "metadata: {name: p}\n" + text)}, options);
    std::string cells;  // READY STATUS RESTARTS, one space apart
    auto parts = split(line.substr(0, line.size() - 1), ' ');
    for (size_t i = 1; i < parts.size(); ++i)
      if (!parts[i].empty()) cells += (cells.empty() ? "" : " ") + parts[i];
    return cells.substr(0, cells.rfind(' '));  // without AGE
  };
  // The latest restart's age, from any container's last termination.
  CHECK(row(R"(spec: {containers: [{name: a}, {name: b}]}
status:
  phase: Running
  containerStatuses:
  - {name: a, ready: true, restartCount: 2, state: {running: {}},
     lastState: {terminated: {exitCode: 1, finishedAt: "2026-12-01T11:55:00Z"}}}
  - {name: b, ready: true, restartCount: 1, state: {running: {}},
     lastState: {terminated: {exitCode: 1, finishedAt: "2026-12-01T11:59:20Z"}}})") == "2/2 Running 3 (40s ago)");
  // Init containers: which one runs, or why one is stuck.
  auto two_inits = std::string("spec: {initContainers: [{name: i1}, {name: i2}], containers: [{name: a}]}\n");
  CHECK(row(two_inits + R"(status:
  phase: Pending
  initContainerStatuses:
  - {name: i1, state: {terminated: {exitCode: 0, reason: Completed}}}
  - {name: i2, state: {running: {}}}
  containerStatuses: [{name: a, state: {waiting: {reason: PodInitializing}}}])") == "0/1 Init:1/2 0");
  CHECK(row(two_inits + R"(status:
  phase: Pending
  initContainerStatuses:
  - {name: i1, restartCount: 4, state: {waiting: {reason: CrashLoopBackOff}},
     lastState: {terminated: {exitCode: 2, finishedAt: "2026-12-01T11:00:00Z"}}})") ==
        "0/1 Init:CrashLoopBackOff 4 (60m ago)");
  CHECK(row(two_inits + R"(status:
  phase: Failed
  initContainerStatuses: [{name: i1, state: {terminated: {exitCode: 3}}}])") == "0/1 Init:ExitCode:3 0");
  // App containers: a terminated one's reason, or its exit code or signal without one.
  CHECK(row(R"(spec: {containers: [{name: a}]}
status: {phase: Failed, containerStatuses: [{name: a, state: {terminated: {exitCode: 137, signal: 9}}}]})") ==
        "0/1 Signal:9 0");
  CHECK(row(R"(spec: {containers: [{name: a}]}
status: {phase: Failed, containerStatuses: [{name: a, state: {terminated: {exitCode: 7}}}]})") ==
        "0/1 ExitCode:7 0");
  // One finished while another still runs: Running (or NotReady), not Completed.
  CHECK(row(R"(spec: {containers: [{name: a}, {name: b}]}
status:
  phase: Running
  conditions: [{type: Ready, status: "False"}]
  containerStatuses:
  - {name: a, ready: true, state: {running: {}}}
  - {name: b, state: {terminated: {exitCode: 0, reason: Completed}}})") == "1/2 NotReady 0");
  // A sidecar (restartable init container) counts as a container.
  CHECK(row(R"(spec: {initContainers: [{name: s, restartPolicy: Always}], containers: [{name: a}]}
status:
  phase: Running
  conditions: [{type: Initialized, status: "True"}]
  initContainerStatuses: [{name: s, started: true, ready: true, state: {running: {}}}]
  containerStatuses: [{name: a, ready: true, state: {running: {}}}])") == "2/2 Running 0");
  // The pod's own reason; deleting shows Terminating unless the pod already ended.
  CHECK(row("spec: {containers: [{name: a}]}\nstatus: {phase: Failed, reason: Evicted}") == "0/1 Evicted 0");
  CHECK(row("metadata: {name: p, deletionTimestamp: '2026-12-01T11:59:00Z'}\nspec: {containers: [{name: a}]}\n"
            "status: {phase: Running}")
            .find("Terminating") != std::string::npos);
  CHECK(row("spec: {containers: [{name: a}]}\nstatus: {phase: Succeeded}") == "0/1 Succeeded 0");
  // Maps where lists belong (not from a server, but from a file) are taken as empty.
  CHECK(row("spec: {containers: {a: 1}, initContainers: {b: 2}}\n"
            "status: {containerStatuses: {x: 1}, initContainerStatuses: {y: 2}, conditions: {z: 3}}") ==
        "0/0 Pending 0");
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
  // Endpoints as kubectl's formatEndpoints: port by port, three shown and the rest counted.
  auto ep = yaml(R"(
metadata: {name: web, creationTimestamp: "2026-12-01T11:00:00Z"}
subsets: [{addresses: [{ip: 10.0.0.1}, {ip: 10.0.0.2}], ports: [{name: a, port: 80}, {name: b, port: 81}]}]
)");
  CHECK(print_table(*kinds.find_resource("ep"), {ep}, options) ==
        "NAME   ENDPOINTS                                         AGE\n"
        "web    10.0.0.1:80,10.0.0.2:80,10.0.0.1:81 + 1 more...   60m\n");
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
  CHECK_THROWS_WITH(jsonpath("{.a[x]}", obj), Catch::Contains("invalid array index x"));
  CHECK_THROWS_WITH(jsonpath("{.a", obj), Catch::Contains("unclosed {"));
}

TEST_CASE("jsonpath-as-json prints what each piece of the template gives as a JSON list", "[cli][printers]") {
  auto obj = yaml(R"(
metadata: {name: web, labels: {z: "<1>", app: shop}}
status: {conditions: [{type: Ready, status: "True"}, {type: Initialized, status: "False"}]}
)");
  CHECK(jsonpath_as_json("{.status.conditions[*].type}", obj) == "[\n    \"Ready\",\n    \"Initialized\"\n]\n");
  CHECK(jsonpath_as_json("{.metadata.labels}", obj) ==
        "[\n    {\n        \"app\": \"shop\",\n        \"z\": \"\\u003c1\\u003e\"\n    }\n]\n");
  CHECK(jsonpath_as_json("{.missing}", obj) == "[]\n");
  // A literal is a piece too; a range gives its pieces once per item.
  CHECK(jsonpath_as_json("{range .status.conditions[*]}{.type}{\"\\n\"}{end}", obj) ==
        "[\n    \"Ready\"\n]\n[\n    \"\\n\"\n]\n[\n    \"Initialized\"\n]\n[\n    \"\\n\"\n]\n");
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
  auto r = GENERATE(values<template_case>({
      {R"({range .items[*]}{.metadata.name}{"\n"}{end})", "c1\nc2\nc3\n"},
      {R"({range .items[*]}{.metadata.name}{"\t"}{.spec.replicas}{"\n"}{end})",
       "c1\t1\nc2\t3\nc3\t5\n"},
      {"{.items[?(@.metadata.name=='c3')].spec.replicas}", "5"},
      {"{.items[?(@.metadata.name!='c3')].metadata.name}", "c1 c2"},
      {"{.items[?(@.spec.replicas>2)].metadata.name}", "c2 c3"},
      {"{.items[?(@.spec.replicas < 3)].metadata.name}", "c1"},
      {"{.items[?(@.spec.replicas==5.0)].metadata.name}", "c3"},  // bare numbers by value
      {"{.items[?(@.spec.replicas=='05')].metadata.name}", ""},   // quoted: as text
      {"{.items[?(@.spec.replicas=='5')].metadata.name}", "c3"},
      {"{.items[?(@.metadata.labels.tier)].metadata.name}", "c1 c3"},
      {R"({.items[0].data.tls\.crt})", "CERT"},
      {R"({.items[0].data['tls\.crt']})", "CERT"},
      // ['a.b'] is the path .a.b, as kubectl reads it: the key a, then b.
      {R"({.items[0].data['tls.crt']})", ""},
      {"{.items[*]['metadata.name']}", "c1 c2 c3"},
      {R"(a{"}"}b)", "a}b"},
      {"{range .items[?(@.spec.replicas>=3)]}[{.metadata.name}]{end}", "[c2][c3]"},
      {"{range .items[*]}{$.items[0].metadata.name}{end}", "c1c1c1"},
  }));
  CAPTURE(r.tmpl);
  CHECK(jsonpath(r.tmpl, list) == r.out);
}

TEST_CASE("jsonpath slices unions wildcards and recursive descent as kubectl", "[cli][printers]") {
  auto pod = codec::parse_yaml(R"(
metadata: {name: web, labels: {app: shop, tier: front}}
spec:
  containers: [{name: a, image: nginx}, {name: b, image: busybox}, {name: c, image: redis}]
  initContainers: [{name: i, image: alpine}]
)",
                               "t")[0]
                 .root;
  auto r = GENERATE(values<template_case>({
      {"{.spec.containers[0:2].name}", "a b"},
      {"{.spec.containers[1:].name}", "b c"},
      {"{.spec.containers[-1:].name}", "c"},
      {"{.spec.containers[-2].name}", "b"},
      {"{.spec.containers[::2].name}", "a c"},
      {"{.spec.containers[:0].name}", ""},  // no items asked for: no error
      {"{.spec.containers[0,2].name}", "a c"},
      {"{.metadata['name','labels']}", R"(web {"app":"shop","tier":"front"})"},
      {"{.metadata.labels.*}", "shop front"},
      {"{..image}", "nginx busybox redis alpine"},
      {"{.spec..name}", "a b c i"},
      {"{.*.name}", "web"},  // a map's children in key order: metadata, then spec
      {"{$..containers[0].name}", "a"},
      {"{@.metadata.name}", "web"},
      {"{range .spec.containers[*]}{@.name}{'\\t'}{end}", "a\tb\tc\t"},
      {"{.metadata.\\*}", ""},  // an escaped * is a key
  }));
  CAPTURE(r.tmpl);
  CHECK(jsonpath(r.tmpl, pod) == r.out);
}

TEST_CASE("a jsonpath index out of bounds is kubectl's error and nothing printed", "[cli][printers]") {
  auto list = yaml("items: [{metadata: {name: a}}, {metadata: {name: b}}]");
  try {
    jsonpath(R"({.items[0].metadata.name}{"\n"}{.items[5].metadata.name})", list);
    FAIL("no error");
  } catch (const troupe::cli::template_failure& failure) {
    CHECK(failure.printed.empty());  // kubectl finds every result before it prints one
    CHECK_THAT(failure.message(),
               Catch::StartsWith(
                   R"(error executing jsonpath "{.items[0].metadata.name}{\"\\n\"}{.items[5].metadata.name}": )"
                   "Error executing template: array index out of bounds: index 5, length 2. Printing "
                   "more information for debugging the template:\n\ttemplate was:\n\t\t") &&
                   Catch::EndsWith("\tobject given to jsonpath engine was:\n\t\tmap[string]interface "
                                   "{}{\"items\":[]interface {}{map[string]interface {}{\"metadata\":"
                                   "map[string]interface {}{\"name\":\"a\"}}, map[string]interface "
                                   "{}{\"metadata\":map[string]interface {}{\"name\":\"b\"}}}}\n\n"));
  }
  auto empty = yaml("items: []");
  CHECK_THROWS_WITH(jsonpath("{.items[0].metadata.name}", empty),
                    Catch::Contains("array index out of bounds: index 0, length 0."));
  CHECK_THROWS_WITH(jsonpath("{.items[1:5]}", list), Catch::Contains("array index out of bounds: index 4, length 2."));
  CHECK_THROWS_WITH(jsonpath("{.items[::0]}", list), Catch::Contains("step must be > 0"));
  CHECK(jsonpath("{.items[*].metadata.name}", empty).empty());
  CHECK(jsonpath("{.items[1:2:9223372036854775807].metadata.name}", list) == "b");
  CHECK_THROWS_WITH(jsonpath("{.items[9223372036854775807]}", list),
                    Catch::Contains("array index out of bounds: index 9223372036854775807, length 2."));
  CHECK(jsonpath("{.items[5]}", list, false).empty());
  // A filter's left side never fails: an item it cannot read does not pass.
  auto pods = yaml("items: [{kind: Pod, metadata: {name: one}, spec: {containers: [{name: a}]}},"
                   " {kind: Pod, metadata: {name: two}, spec: {containers: [{name: a}, {name: side}]}}]");
  CHECK(jsonpath("{.items[?(@.spec.containers[1].name=='side')].metadata.name}", pods) == "two");
  // Each step over all the nodes the last one gave, as client-go: a union's paths in turn.
  CHECK(jsonpath("{.items[*]['metadata.name','kind']}", pods) == "one two Pod Pod");
  // Sorting and waiting read a missing index as nothing; a column is kubectl's error.
  CHECK(troupe::cli::jsonpath_nodes(".items[5]", list, false).empty());
  CHECK_THROWS_WITH(troupe::cli::jsonpath_nodes(".items[5]", list),
                    "array index out of bounds: index 5, length 2");
}

TEST_CASE("a jsonpath that cannot be read is an error", "[cli][printers]") {
  codec::node obj = codec::node::map();
  auto bad = GENERATE(as<std::string>{}, "{range .items[*]}{.x}", "{end}", "{.a[?(@.x=='y']}",
                      "{.a[?(.x)]}", "{\"abc}", "{}", "{...name}", "{.a b}",
                      "{.items[0}", "{.a[1:2:3:4]}", "{.a[+1]}", "{.a['x]}",
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
        "n2     Unknown,SchedulingDisabled   <none>        60s   \n");  // kubeletVersion as it is
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

namespace {

std::string table(const char* resource, const std::string& manifest, bool wide = false) {
  static auto kinds = builtin_kinds();
  table_options options;
  options.now = now;
  options.wide = wide;
  return print_table(*kinds.find_resource(resource), {yaml(manifest)}, options);
}

}  // namespace

TEST_CASE("storage tables show capacity access modes and claims as kubectl does",
          "[cli][printers]") {
  CHECK(table("pv", R"(
metadata: {name: pv1, creationTimestamp: "2026-12-01T11:00:00Z"}
spec:
  capacity: {storage: 5Gi}
  accessModes: [ReadWriteOnce, ReadOnlyMany]
  persistentVolumeReclaimPolicy: Retain
  storageClassName: manual
  claimRef: {namespace: default, name: data}
status: {phase: Bound}
)") == "NAME   CAPACITY   ACCESS MODES   RECLAIM POLICY   STATUS   CLAIM          STORAGECLASS   "
       "VOLUMEATTRIBUTESCLASS   REASON   AGE\n"
       "pv1    5Gi        RWO,ROX        Retain           Bound    default/data   manual         "
       "<unset>                          60m\n");
  auto pvc = R"(
metadata: {name: data, creationTimestamp: "2026-12-01T11:00:00Z"}
spec: {accessModes: [ReadWriteOnce], volumeName: pv1, storageClassName: manual}
status: {phase: Bound, accessModes: [ReadWriteOnce], capacity: {storage: 5Gi}}
)";
  CHECK(table("pvc", pvc) ==
        "NAME   STATUS   VOLUME   CAPACITY   ACCESS MODES   STORAGECLASS   VOLUMEATTRIBUTESCLASS   "
        "AGE\n"
        "data   Bound    pv1      5Gi        RWO            manual         <unset>                 "
        "60m\n");
  CHECK(table("pvc", "metadata: {name: new}\nspec: {accessModes: [ReadWriteOnce]}") ==
        "NAME   STATUS    VOLUME   CAPACITY   ACCESS MODES   STORAGECLASS   VOLUMEATTRIBUTESCLASS  "
        " AGE\n"
        "new    Pending                                                     <unset>                "
        " <unknown>\n");
}

TEST_CASE("ingress rbac lease and service account tables", "[cli][printers]") {
  CHECK(table("ing", R"(
metadata: {name: web, creationTimestamp: "2026-12-01T11:00:00Z"}
spec:
  ingressClassName: nginx
  tls: [{hosts: [a.example]}]
  rules: [{host: a.example}, {host: b.example}, {host: c.example}, {host: d.example}]
status: {loadBalancer: {ingress: [{ip: 10.0.0.1}]}}
)") == "NAME   CLASS   HOSTS                                       ADDRESS    PORTS     AGE\n"
       "web    nginx   a.example,b.example,c.example + 1 more...   10.0.0.1   80, 443   60m\n");
  CHECK(table("ing", "metadata: {name: any}\nspec: {}") ==
        "NAME   CLASS    HOSTS   ADDRESS   PORTS   AGE\n"
        "any    <none>   *                 80      <unknown>\n");
  CHECK(
      table("clusterroles", "metadata: {name: view, creationTimestamp: '2026-12-01T11:00:00Z'}") ==
      "NAME   CREATED AT\n"
      "view   2026-12-01T11:00:00Z\n");
  auto binding = R"(
metadata: {name: b, creationTimestamp: "2026-12-01T11:00:00Z"}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects: [{kind: User, name: ann}, {kind: ServiceAccount, name: bot, namespace: ci}]
)";
  CHECK(table("rolebindings", binding) ==
        "NAME   ROLE               AGE\n"
        "b      ClusterRole/view   60m\n");
  CHECK(table("clusterrolebindings", binding, true) ==
        "NAME   ROLE               AGE   USERS   GROUPS   SERVICEACCOUNTS\n"
        "b      ClusterRole/view   60m   ann              ci:bot\n");
  CHECK(table("leases",
              "metadata: {name: n1, creationTimestamp: '2026-12-01T11:00:00Z'}\n"
              "spec: {holderIdentity: n1}") ==
        "NAME   HOLDER   AGE\n"
        "n1     n1       60m\n");
  CHECK(table("sa",
              "metadata: {name: bot, creationTimestamp: '2026-12-01T11:00:00Z'}\n"
              "secrets: [{name: t}]") ==
        "NAME   SECRETS   AGE\n"
        "bot    1         60m\n");
}

TEST_CASE("daemon set job and cron job tables", "[cli][printers]") {
  auto ds = R"(
metadata: {name: agent, creationTimestamp: "2026-12-01T11:00:00Z"}
spec:
  selector: {matchLabels: {app: agent}}
  template: {spec: {nodeSelector: {zone: a, disk: ssd}, containers: [{name: a, image: agent:1}]}}
status: {desiredNumberScheduled: 3, currentNumberScheduled: 3, numberReady: 2, updatedNumberScheduled: 1, numberAvailable: 2}
)";
  CHECK(table("ds", ds) ==
        "NAME    DESIRED   CURRENT   READY   UP-TO-DATE   AVAILABLE   NODE SELECTOR     AGE\n"
        "agent   3         3         2       1            2           disk=ssd,zone=a   60m\n");
  CHECK(table("ds", ds, true) ==
        "NAME    DESIRED   CURRENT   READY   UP-TO-DATE   AVAILABLE   NODE SELECTOR     AGE   "
        "CONTAINERS   IMAGES    SELECTOR\n"
        "agent   3         3         2       1            2           disk=ssd,zone=a   60m   "
        "a            agent:1   app=agent\n");
  CHECK(table("jobs", R"(
metadata: {name: pi, creationTimestamp: "2026-12-01T11:00:00Z"}
spec: {completions: 3, template: {spec: {containers: [{name: pi, image: perl}]}}}
status: {succeeded: 3, startTime: "2026-12-01T11:00:00Z", completionTime: "2026-12-01T11:01:30Z",
         conditions: [{type: Complete, status: "True"}]}
)") == "NAME   STATUS     COMPLETIONS   DURATION   AGE\n"
       "pi     Complete   3/3           90s        60m\n");
  CHECK(table("jobs", R"(
metadata: {name: w, creationTimestamp: "2026-12-01T11:58:00Z"}
spec: {parallelism: 4}
status: {succeeded: 1, startTime: "2026-12-01T11:58:00Z"}
)") == "NAME   STATUS    COMPLETIONS   DURATION   AGE\n"
       "w      Running   1/1 of 4      2m         2m\n");
  CHECK(table("cj", R"(
metadata: {name: tick, creationTimestamp: "2026-12-01T11:00:00Z"}
spec: {schedule: "*/5 * * * *", suspend: true}
status: {active: [{name: tick-1}], lastScheduleTime: "2026-12-01T11:55:00Z"}
)") == "NAME   SCHEDULE      TIMEZONE   SUSPEND   ACTIVE   LAST SCHEDULE   AGE\n"
       "tick   */5 * * * *   <none>     True      1        5m              60m\n");
}

TEST_CASE("service external ips node and deployment wide columns", "[cli][printers]") {
  CHECK(table("svc", R"(
metadata: {name: ext, creationTimestamp: "2026-12-01T11:00:00Z"}
spec: {type: ExternalName, externalName: db.example.com}
)") == "NAME   TYPE           CLUSTER-IP   EXTERNAL-IP      PORT(S)   AGE\n"
       "ext    ExternalName   <none>       db.example.com   <none>    60m\n");
  CHECK(table("svc", R"(
metadata: {name: lb, creationTimestamp: "2026-12-01T11:00:00Z"}
spec: {type: LoadBalancer, clusterIP: 10.43.0.7, selector: {app: web}, ports: [{port: 80, nodePort: 30001}]}
)",
              true) ==
        "NAME   TYPE           CLUSTER-IP   EXTERNAL-IP   PORT(S)        AGE   SELECTOR\n"
        "lb     LoadBalancer   10.43.0.7    <pending>     80:30001/TCP   60m   app=web\n");
  CHECK(table("svc", "metadata: {name: h}\nspec: {clusterIP: None, ports: [{port: 5432}]}") ==
        "NAME   TYPE        CLUSTER-IP   EXTERNAL-IP   PORT(S)    AGE\n"
        "h      ClusterIP   None         <none>        5432/TCP   <unknown>\n");
  CHECK(table("nodes", R"(
metadata: {name: n1, creationTimestamp: "2026-12-01T11:00:00Z"}
status:
  addresses: [{type: InternalIP, address: 10.0.0.4}, {type: Hostname, address: n1}]
  nodeInfo: {kubeletVersion: v0.1.0, osImage: Debian 12, kernelVersion: 6.1.0}
  conditions: [{type: Ready, status: "True"}]
)",
              true) ==
        "NAME   STATUS   ROLES    AGE   VERSION   INTERNAL-IP   EXTERNAL-IP   OS-IMAGE    "
        "KERNEL-VERSION   CONTAINER-RUNTIME\n"
        "n1     Ready    <none>   60m   v0.1.0    10.0.0.4      <none>        Debian 12   "
        "6.1.0            <unknown>\n");
  CHECK(table("deploy", R"(
metadata: {name: web, creationTimestamp: "2026-12-01T11:00:00Z"}
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
    matchExpressions: [{key: tier, operator: In, values: [front, edge]}, {key: canary, operator: DoesNotExist}]
  template: {spec: {containers: [{name: web, image: nginx}, {name: log, image: busybox}]}}
status: {readyReplicas: 2, updatedReplicas: 2, availableReplicas: 2}
)",
              true) ==
        "NAME   READY   UP-TO-DATE   AVAILABLE   AGE   CONTAINERS   IMAGES          SELECTOR\n"
        "web    2/2     2            2           60m   web,log      nginx,busybox   "
        "app=web,!canary,tier in (edge,front)\n");
}

TEST_CASE("natural order compares digit runs by value as kubectl does", "[cli][printers]") {
  CHECK(natural_less("a2", "a10"));
  CHECK_FALSE(natural_less("a10", "a2"));
  CHECK(natural_less("a", "a1"));
  CHECK(natural_less("1x", "x"));      // digits before other characters
  CHECK(natural_less("a01", "a001"));  // equal value: fewer zeros first
  CHECK(natural_less("a1b", "a1c"));
  CHECK(natural_less("B", "a"));  // bytewise otherwise
  CHECK_FALSE(natural_less("same-7", "same-7"));
}

TEST_CASE("custom columns and sort-by read paths with the jsonpath engine", "[cli][printers]") {
  std::vector<codec::node> objects = {
      yaml("metadata: {name: b, labels: {rank: '10'}}\nspec: {containers: [{image: x}, {image: "
           "y}]}"),
      yaml("metadata: {name: a, labels: {rank: '9'}}\nspec: {containers: []}"),
      yaml("metadata: {name: c}\nspec: {containers: [{image: z}]}")};
  table_options options;
  CHECK(print_custom_columns(
            "NAME:.metadata.name,IMAGES:{.spec.containers[*].image},R:metadata.labels.rank",
            objects, options) ==
        "NAME   IMAGES   R\n"
        "b      x,y      10\n"
        "a      <none>   9\n"
        "c      z        <none>\n");
  options.headers = false;
  CHECK(print_custom_columns("N:.metadata.name", objects, options) == "b\na\nc\n");
  // Maps and lists as Go's fmt.Sprint prints them, keys sorted.
  CHECK(print_custom_columns("L:.metadata.labels,C:.spec.containers", {objects[0]}, options) ==
        "map[rank:10]   [map[image:x] map[image:y]]\n");
  CHECK_THROWS_WITH(print_custom_columns("NAME", objects, options),
                    Catch::Contains("unexpected spec \"NAME\""));
  CHECK_THROWS_WITH(print_custom_columns("N:.x[", objects, options),
                    Catch::Contains("error parsing jsonpath"));

  auto names = [](const std::vector<codec::node>& list) {
    std::string out;
    for (auto& o : list) out += text_at(o, {"metadata", "name"});
    return out;
  };
  auto sorted = objects;
  sort_by(sorted, ".metadata.name");
  CHECK(names(sorted) == "abc");
  sort_by(sorted, "{.metadata.labels.rank}");  // numbers by value; c has none and goes first
  CHECK(names(sorted) == "cab");
  std::vector<codec::node> pods = {yaml("metadata: {name: web-10}"), yaml("metadata: {name: web-9}"),
                                    yaml("metadata: {name: web-09}"), yaml("metadata: {name: web}")};
  sort_by(pods, ".metadata.name");
  CHECK(names(pods) == "webweb-9web-09web-10");
  // Text that looks like numbers still sorts as text, naturally; real numbers by value.
  std::vector<codec::node> versions = {yaml("metadata: {name: a, labels: {v: '1.10'}}"),
                                       yaml("metadata: {name: b, labels: {v: '1.9'}}")};
  sort_by(versions, ".metadata.labels.v");
  CHECK(names(versions) == "ba");
  std::vector<codec::node> numbers = {yaml("metadata: {name: a}\nspec: {x: 1.10}"),
                                      yaml("metadata: {name: b}\nspec: {x: 1.9}"),
                                      yaml("metadata: {name: c}\nspec: {x: nan}")};
  sort_by(numbers, ".spec.x");  // "nan" is text here: the whole column sorts naturally
  CHECK(names(numbers) == "bac");
  CHECK_THROWS_WITH(sort_by(sorted, ".metadata.nothing"),
                    Catch::Contains("couldn't find any field with path"));
}

TEST_CASE("go-template prints fields ranges and conditions as kubectl's Go template does", "[cli][printers]") {
  auto obj = yaml(R"(
kind: Deployment
metadata: {name: web, labels: {app: shop, tier: front}, annotations: null}
spec: {replicas: 3, big: 1000000, ratio: 0.25, paused: false, ports: [{port: 80}, {port: 443}]}
data: {password: aHVudGVyMg==, user: Ym9i}
)");
  CHECK(go_template("{{.metadata.name}}/{{.spec.replicas}}", obj) == "web/3");
  CHECK(go_template("{{.spec.big}} {{.spec.ratio}} {{.spec.paused}}", obj) == "1e+06 0.25 false");
  CHECK(go_template("{{.metadata.labels}} {{.spec.ports}}", obj) == "map[app:shop tier:front] [map[port:80] map[port:443]]");
  CHECK(go_template("{{.nope}}|{{.metadata.annotations}}", obj) == "<no value>|<no value>");
  CHECK(go_template("{{range .spec.ports}}{{.port}},{{end}}", obj) == "80,443,");
  CHECK(go_template("{{range $i, $p := .spec.ports}}{{$i}}={{$p.port}} {{end}}", obj) == "0=80 1=443 ");
  CHECK(go_template("{{range $k, $v := .metadata.labels}}{{$k}}:{{$v}};{{end}}", obj) == "app:shop;tier:front;");
  CHECK(go_template("{{range .missing}}x{{else}}none{{end}}", obj) == "none");
  CHECK(go_template("{{range .spec.ports}}{{if eq .port 443.0}}{{break}}{{end}}{{.port}}{{end}}", obj) == "80");
  CHECK(go_template("{{range .spec.ports}}{{if lt .port 100.0}}{{continue}}{{end}}{{.port}}{{end}}", obj) == "443");
  CHECK(go_template("{{if .spec.paused}}p{{else if gt .spec.replicas 2.0}}many{{else}}few{{end}}", obj) == "many");
  CHECK(go_template("{{with .metadata.labels}}{{.app}}{{end}}{{with .nope}}x{{else}}-{{end}}", obj) == "shop-");
  CHECK(go_template("a  {{- \" b \" -}}  c\n{{/* a comment */}}d", obj) == "a b c\nd");
  CHECK(go_template("{{$n := .metadata.name}}{{$n = printf \"%s!\" $n}}{{$n}} {{$.kind}}", obj) == "web! Deployment");
  CHECK(go_template("{{printf \"%-5s|%5.2f|%d|%q|%v|%x\" .metadata.name .spec.ratio 7 \"q\" .spec.paused \"hi\"}}", obj) ==
        "web  | 0.25|7|\"q\"|false|6869");
  CHECK(go_template("{{printf \"%d\" .spec.replicas}}", obj) == "%!d(float64=3)");  // JSON numbers are float64
  CHECK(go_template("{{printf \"%s %s\" \"a\"}}", obj) == "a %!s(MISSING)");
  CHECK(go_template("{{len .spec.ports}} {{len .metadata.name}} {{index .metadata.labels \"tier\"}} "
                    "{{(index .spec.ports 1).port}}", obj) == "2 3 front 443");
  CHECK(go_template("{{and 1 0}} {{or 0 \"\" \"x\"}} {{not .spec.paused}} {{ne .kind \"Pod\"}}", obj) == "0 x true true");
  CHECK(go_template("{{.data.password | base64decode}} {{base64decode .data.user}}", obj) == "hunter2 bob");
  CHECK(go_template("{{exists . \"spec\" \"ports\"}} {{exists . \"spec\" \"nope\"}}", obj) == "true false");
  CHECK(go_template("{{print 1 2 \"a\" \"b\" 3}}|{{println \"x\" 1}}", obj) == "1 2ab3|x 1\n");  // Sprint spaces only between non-strings
}

TEST_CASE("go-template follows Go on missing values short circuits and printf", "[cli][printers]") {
  auto obj = yaml(R"(
items:
- metadata: {name: a, labels: {app: x}}
- metadata: {name: b}
metadata: {annotations: null}
spec: {replicas: 3}
)");
  // A field of a missing value is no value, not an error.
  CHECK(go_template("{{range .items}}{{.metadata.name}}={{.metadata.labels.app}} {{end}}", obj) ==
        "a=x b=<no value> ");
  CHECK(go_template("{{$a := .metadata.annotations}}{{$a.x}}", obj) == "<no value>");
  // and/or stop at the argument that decides.
  CHECK(go_template("{{if and .metadata.annotations (index .metadata.annotations \"x\")}}y{{else}}n{{end}}", obj) == "n");
  CHECK(go_template("{{or .spec.replicas (index .nope 0)}}", obj) == "3");
  // What a function is handed for no value is nil.
  CHECK(go_template("{{printf \"%s|%v|%d\" .nope .nope .nope}}|{{print .nope}}", obj) == "%!s(<nil>)|<nil>|%!d(<nil>)|<nil>");
  CHECK(go_template("{{printf \"%T %T %T\" .spec.replicas 1 .items}}", obj) == "float64 int []interface {}");
  CHECK(go_template("{{printf \"%x %X %b %o %c%c %5d|%-4d|%05d|%+d\" -255 255 5 8 65 26085 42 7 -42 3}}", obj) ==
        "-ff FF 101 10 A\xe6\x97\xa5    42|7   |-0042|+3");
  CHECK(go_template("{{printf \"%q\" \"a\\tb\\a\"}}", obj) == "\"a\\tb\\a\"");
  CHECK(go_template("{{printf \"%.99999999999999999999s\" \"x\"}}", obj) == "%!(NOVERB)%!(EXTRA string=x)");
  std::string long_text(5000, 'x');
  CHECK(go_template("{{printf \"%s\" .t}}", yaml("t: " + long_text)) == long_text);
  CHECK(go_template("{{printf \"%8.3s|%-6v|\" \"abcdef\" true}}", obj) == "     abc|true  |");
  CHECK(go_template("{{index \"web\" 0}}", obj) == "119");
  CHECK(go_template("{{exists . \"metadata\" \"annotations\"}} {{exists .items 1 \"metadata\"}} {{exists .items 5}}", obj) ==
        "false true false");
  CHECK(go_template("{{/* don't }} */}}{{.spec.replicas}}{{- /* trimmed */ -}} !", obj) == "3!");
  CHECK(go_template("{{if false}}a{{else\nif true}}b{{end}}", obj) == "b");
  CHECK(go_template("{{with .nope}}a{{else with .spec}}{{.replicas}}{{end}}", obj) == "3");
}

TEST_CASE("go-template errors name the template and the cause", "[cli][printers]") {
  auto obj = yaml("kind: Pod\nspec: {replicas: 3}\n");
  CHECK_THROWS_WITH(go_template("{{.kind", obj),
                    "error parsing template {{.kind, template: output:1: unclosed action");
  CHECK_THROWS_WITH(go_template("{{upper .kind}}", obj), Catch::EndsWith("function \"upper\" not defined"));
  CHECK_THROWS_WITH(go_template("{{end}}", obj), Catch::EndsWith("unexpected {{end}}"));
  CHECK_THROWS_WITH(go_template("{{if .kind}}x", obj), Catch::EndsWith("unexpected EOF"));
  CHECK_THROWS_WITH(go_template("{{.kind 1}}", obj), Catch::Contains("can't give argument to non-function .kind"));
  CHECK_THROWS_WITH(go_template("{{.spec.n.y}}", yaml("spec: {n: null}")),
                    "error executing template \"{{.spec.n.y}}\": template: output:1:2: executing \"output\" at "
                    "<.spec.n.y>: nil pointer evaluating interface {}.y");
  try {
    go_template("x{{.spec.n.y}}", yaml("spec: {n: null}"));
    FAIL("no failure");
  } catch (const troupe::cli::template_failure& failure) {
    // What ran, then kubectl's dump: Go prints a JSON null given to the template as <nil>.
    CHECK(failure.printed ==
          "xError executing template: template: output:1:3: executing \"output\" at <.spec.n.y>: nil pointer "
          "evaluating interface {}.y. Printing more information for debugging the template:\n\ttemplate was:\n"
          "\t\tx{{.spec.n.y}}\n\traw data was:\n\t\t{\"spec\":{\"n\":null}}\n\tobject given to template engine "
          "was:\n\t\tmap[spec:map[n:<nil>]]\n\n");
  }
  CHECK_THROWS_WITH(go_template("{{.kind.x}}", obj), Catch::EndsWith("can't evaluate field x in type interface {}"));
  CHECK_THROWS_WITH(go_template("{{$k := .kind}}{{$k.x}}", obj), Catch::EndsWith("can't evaluate field x in type string"));
  CHECK_THROWS_WITH(go_template("{{index .spec \"x\" \"y\"}}", obj),
                    Catch::EndsWith("at <index .spec \"x\" \"y\">: error calling index: index of untyped nil"));
  CHECK_THROWS_WITH(go_template("{{.kind)}}", obj), Catch::EndsWith("unexpected right paren"));
  CHECK_THROWS_WITH(go_template("{{nil}}", obj), Catch::EndsWith("nil is not a command"));
  CHECK_THROWS_WITH(go_template("{{$a, $b := 1}}", obj), Catch::EndsWith("too many declarations in command"));
  CHECK_THROWS_WITH(go_template("{{if false}}{{$x}}{{end}}", obj), Catch::EndsWith("undefined variable \"$x\""));
  CHECK_THROWS_WITH(go_template("{{if true}}{{$x := 1}}{{end}}{{$x}}", obj), Catch::EndsWith("undefined variable \"$x\""));
  CHECK_THROWS_WITH(go_template("{{range .spec}}{{else if true}}{{end}}", obj), Catch::Contains("in else"));
  CHECK_THROWS_WITH(go_template("{{range .spec}}{{break 1}}{{end}}", obj), Catch::Contains("in break"));
  CHECK_THROWS_WITH(go_template("{{\"YQ=a\" | base64decode}}", obj), Catch::Contains("base64 decode failed"));
  CHECK_THROWS_WITH(go_template("{{eq .spec.replicas 3}}", obj), Catch::EndsWith("incompatible types for comparison"));
  CHECK_THROWS_WITH(go_template("{{range .kind}}{{end}}", obj), Catch::EndsWith("range can't iterate over Pod"));
  CHECK_THROWS_WITH(go_template("{{\"%%\" | base64decode}}", obj),
                    Catch::EndsWith("illegal base64 data at input byte 0"));
}

TEST_CASE("the event table is kubectl's printEvent - wide columns among the others", "[cli][printers]") {
  auto kinds = builtin_kinds();
  auto old = yaml(R"(
metadata: {name: web.1}
involvedObject: {kind: Pod, name: web, fieldPath: "spec.containers{app}"}
reason: BackOff
message: "  Back-off restarting  "
type: Warning
firstTimestamp: "2026-12-01T11:00:00Z"
lastTimestamp: "2026-12-01T11:59:00Z"
count: 5
source: {component: kubelet, host: n1}
)");
  auto series = yaml(R"(
metadata: {name: n.2}
involvedObject: {kind: Node}
reason: Ready
type: Normal
eventTime: "2026-12-01T11:30:00.000000Z"
series: {count: 3, lastObservedTime: "2026-12-01T11:58:00.000000Z"}
reportingComponent: node-controller
)");
  table_options options;
  options.now = now;
  auto& events = *kinds.find_resource("ev");
  CHECK(print_table(events, {old, series}, options) ==
        "LAST SEEN   TYPE      REASON    OBJECT    MESSAGE\n"
        "60s         Warning   BackOff   pod/web   Back-off restarting\n"
        "2m          Normal    Ready     node      \n");
  options.wide = true;
  CHECK(print_table(events, {old, series}, options) ==
        "LAST SEEN   TYPE      REASON    OBJECT    SUBOBJECT              SOURCE            MESSAGE               "
        "FIRST SEEN   COUNT   NAME\n"
        "60s         Warning   BackOff   pod/web   spec.containers{app}   kubelet, n1       Back-off restarting   "
        "60m          5       web.1\n"
        "2m          Normal    Ready     node                             node-controller                         "
        "30m          3       n.2\n");
}

TEST_CASE("go-template's escapers are text/template's html js and urlquery", "[cli][printers]") {
  auto obj = yaml(R"(metadata: {name: "a<b> & 'c' \"d\"", annotations: {q: "x y/z?=1&w"}})");
  CHECK(go_template("{{html .metadata.name}}", obj) == "a&lt;b&gt; &amp; &#39;c&#39; &#34;d&#34;");
  CHECK(go_template("{{js .metadata.name}}", obj) == R"(a\u003Cb\u003E \u0026 \'c\' \"d\")");
  CHECK(go_template("{{urlquery .metadata.annotations.q}}", obj) == "x+y%2Fz%3F%3D1%26w");
  CHECK(go_template("{{.metadata.name | html}}", obj) == "a&lt;b&gt; &amp; &#39;c&#39; &#34;d&#34;");
  CHECK(go_template(R"({{js "tab\there" 1 2}})", obj) == R"(tab\u0009here1 2)");
}

TEST_CASE("table columns are as wide as their cells in runes, as Go's tabwriter counts", "[cli][printers]") {
  CHECK(aligned_rows({{"NOTE", "NAME"}, {"héllo wörld ✓", "a"}, {"plain", "b"}}) ==
        "NOTE            NAME\n"
        "héllo wörld ✓   a\n"
        "plain           b\n");
}
