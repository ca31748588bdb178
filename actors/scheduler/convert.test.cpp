#include "actors/scheduler/convert.hpp"

#include <catch2/catch.hpp>

#include "runtime/codec/object_codec.hpp"
#include "runtime/object/kinds.hpp"
#include "runtime/object/object.hpp"

using namespace troupe;
using namespace troupe::sched;

namespace {

constexpr int64_t mi = int64_t{1} << 20;

const kind_registry& kinds() {
  static const kind_registry registry = builtin_kinds();
  return registry;
}

std::string decode(const std::string& yaml) {
  auto docs = codec::decode_manifests(yaml, "test.yaml", kinds());
  REQUIRE(docs.size() == 1);
  return docs[0].bytes;
}

pod_info pod_from(const std::string& yaml) {
  const std::string bytes = decode(yaml);  // object_reader borrows these bytes
  object_reader reader(bytes);
  return to_pod_info(reader.as<k8s::Pod>());
}

node_info node_from(const std::string& yaml) {
  const std::string bytes = decode(yaml);
  object_reader reader(bytes);
  return to_node_info(reader.as<k8s::Node>());
}

/// A pod whose spec is `spec` (YAML indented by four spaces under `spec:`).
std::string pod_yaml(const std::string& spec) {
  return "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: default}\nspec:\n" + spec;
}

std::string container(const std::string& name, const std::string& resources,
                      const std::string& extra = "") {
  return "  - name: " + name + "\n    image: busybox\n    resources: " + resources + "\n" + extra;
}

}  // namespace

TEST_CASE("pod requests as kube-scheduler counts them", "[scheduler]") {
  struct row {
    const char* name;
    std::string spec;
    int64_t milli_cpu, memory;
    // What scoring counts: 100m and 200Mi for each request a container does not make.
    int64_t scored_milli_cpu = -1, scored_memory = -1;  // -1: the same as the requests
  };
  std::vector<row> rows = {
      {"no requests", "  containers:\n" + container("a", "{}"), 0, 0, 100, 200 * mi},
      {"requests of zero are made",
       "  containers:\n" + container("a", "{requests: {cpu: 0, memory: 0}}"), 0, 0, 0, 0},
      {"one container",
       "  containers:\n" + container("a", "{requests: {cpu: 500m, memory: 128Mi}}"), 500, 128 * mi},
      {"containers add up",
       "  containers:\n" + container("a", "{requests: {cpu: 500m, memory: 128Mi}}") +
           container("b", "{requests: {cpu: \"1.5\", memory: 1Gi}}"),
       2000, 1152 * mi},
      {"a limit without a request counts as the request",
       "  containers:\n" + container("a", "{limits: {cpu: \"1\", memory: 64Mi}}"), 1000, 64 * mi},
      {"a request below its limit",
       "  containers:\n" + container("a", "{requests: {cpu: 100m}, limits: {cpu: \"2\"}}"), 100, 0,
       100, 200 * mi},
      {"each container's missing requests count",
       "  containers:\n" + container("a", "{requests: {cpu: 1}}") +
           container("b", "{requests: {memory: 1Gi}}"),
       1000, 1024 * mi, 1100, 1224 * mi},
      {"the larger init container wins per resource",
       "  initContainers:\n" + container("i1", "{requests: {cpu: \"2\", memory: 10Mi}}") +
           container("i2", "{requests: {cpu: 100m, memory: 20Mi}}") + "  containers:\n" +
           container("a", "{requests: {cpu: 500m, memory: 128Mi}}"),
       2000, 128 * mi},
      {"sidecars run beside the containers",
       "  initContainers:\n" +
           container("side", "{requests: {cpu: 300m, memory: 10Mi}}",
                     "    restartPolicy: Always\n") +
           "  containers:\n" + container("a", "{requests: {cpu: 500m, memory: 128Mi}}"),
       800, 138 * mi},
      {"overhead is added",
       "  overhead: {cpu: 250m, memory: 1Mi}\n  containers:\n" +
           container("a", "{requests: {cpu: 500m, memory: 128Mi}}"),
       750, 129 * mi},
  };
  for (auto& r : rows) {
    INFO(r.name);
    auto pod = pod_from(pod_yaml(r.spec));
    CHECK(pod.requests.milli_cpu == r.milli_cpu);
    CHECK(pod.requests.memory == r.memory);
    CHECK(pod.requests.pods == 1);
    CHECK(pod.scored_requests.milli_cpu ==
          (r.scored_milli_cpu < 0 ? r.milli_cpu : r.scored_milli_cpu));
    CHECK(pod.scored_requests.memory == (r.scored_memory < 0 ? r.memory : r.scored_memory));
  }
}

TEST_CASE("a pod's scheduling constraints", "[scheduler]") {
  auto pod = pod_from(R"(
apiVersion: v1
kind: Pod
metadata:
  name: web-1
  namespace: shop
  uid: u-1
  labels: {app: web}
  ownerReferences:
  - {apiVersion: v1, kind: ConfigMap, name: x, uid: not-the-controller}
  - {apiVersion: apps/v1, kind: ReplicaSet, name: web, uid: rs-uid, controller: true}
spec:
  nodeName: n7
  priority: 1000
  nodeSelector: {disk: ssd}
  tolerations:
  - {key: dedicated, operator: Equal, value: web, effect: NoSchedule}
  - {operator: Exists}
  affinity:
    nodeAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
        nodeSelectorTerms:
        - matchExpressions:
          - {key: zone, operator: NotIn, values: [c]}
          - {key: cores, operator: Gt, values: ["4"]}
          matchFields:
          - {key: metadata.name, operator: In, values: [n7]}
        - matchExpressions:
          - {key: gpu, operator: DoesNotExist}
      preferredDuringSchedulingIgnoredDuringExecution:
      - weight: 30
        preference:
          matchExpressions:
          - {key: zone, operator: In, values: [a, b]}
    podAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
      - labelSelector:
          matchLabels: {app: db}
        namespaceSelector: {}
        topologyKey: zone
    podAntiAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
      - labelSelector:
          matchLabels: {app: web}
        topologyKey: kubernetes.io/hostname
      - namespaces: [other]
        topologyKey: zone
  containers:
  - name: web
    image: nginx
    ports:
    - {containerPort: 80, hostPort: 8080}
    - {containerPort: 53, hostPort: 53, protocol: UDP, hostIP: 10.0.0.1}
    - {containerPort: 9000}
)");
  CHECK(pod.ns == "shop");
  CHECK(pod.name == "web-1");
  CHECK(pod.uid == "u-1");
  CHECK(pod.owner_uid == "rs-uid");
  CHECK(pod.labels == std::map<std::string, std::string>{{"app", "web"}});
  CHECK(pod.node_name == "n7");
  CHECK(pod.priority == 1000);
  CHECK(pod.node_selector == std::map<std::string, std::string>{{"disk", "ssd"}});

  REQUIRE(pod.tolerations.size() == 2);
  CHECK(pod.tolerations[0].key == "dedicated");
  CHECK(pod.tolerations[0].op == "Equal");
  CHECK(pod.tolerations[0].value == "web");
  CHECK(pod.tolerations[0].effect == "NoSchedule");
  CHECK(pod.tolerations[1].key.empty());
  CHECK(pod.tolerations[1].op == "Exists");
  CHECK(pod.tolerations[1].effect.empty());

  REQUIRE(pod.required_node_affinity.size() == 2);
  auto& first = pod.required_node_affinity[0];
  REQUIRE(first.match_expressions.size() == 2);
  CHECK(first.match_expressions[0].key == "zone");
  CHECK(first.match_expressions[0].op == "NotIn");
  CHECK(first.match_expressions[0].values == std::vector<std::string>{"c"});
  CHECK(first.match_expressions[1].op == "Gt");
  REQUIRE(first.match_fields.size() == 1);
  CHECK(first.match_fields[0].key == "metadata.name");
  CHECK(pod.required_node_affinity[1].match_expressions[0].op == "DoesNotExist");
  REQUIRE(pod.preferred_node_affinity.size() == 1);
  CHECK(pod.preferred_node_affinity[0].weight == 30);
  CHECK(pod.preferred_node_affinity[0].preference.match_expressions[0].values ==
        std::vector<std::string>{"a", "b"});

  REQUIRE(pod.required_anti_affinity.size() == 2);
  CHECK(pod.required_anti_affinity[0].topology_key == "kubernetes.io/hostname");
  CHECK(pod.required_anti_affinity[0].selector.matches({{"app", "web"}}));
  CHECK_FALSE(pod.required_anti_affinity[0].selector.matches({{"app", "db"}}));
  CHECK(pod.required_anti_affinity[1].namespaces == std::vector<std::string>{"other"});
  CHECK(pod.required_anti_affinity[1].selector.matches_nothing());  // no labelSelector
  CHECK_FALSE(pod.required_anti_affinity[1].all_namespaces);
  REQUIRE(pod.required_affinity.size() == 1);
  CHECK(pod.required_affinity[0].topology_key == "zone");
  CHECK(pod.required_affinity[0].selector.matches({{"app", "db"}}));
  CHECK(pod.required_affinity[0].all_namespaces);  // an empty namespaceSelector: every namespace

  REQUIRE(pod.host_ports.size() == 2);  // containerPort alone takes no host port
  CHECK(pod.host_ports[0].protocol == "TCP");
  CHECK(pod.host_ports[0].port == 8080);
  CHECK(pod.host_ports[0].host_ip.empty());
  CHECK(pod.host_ports[1].protocol == "UDP");
  CHECK(pod.host_ports[1].port == 53);
  CHECK(pod.host_ports[1].host_ip == "10.0.0.1");
}

TEST_CASE("which pods wait for this scheduler", "[scheduler]") {
  struct row {
    std::string yaml;
    bool waits;
  };
  const std::string containers = "  containers: [{name: c, image: busybox}]\n";
  auto r = GENERATE_COPY(values<row>({
      {pod_yaml(containers), true},
      {pod_yaml("  schedulerName: default-scheduler\n" + containers), true},
      {pod_yaml("  schedulerName: other\n" + containers), false},
      {pod_yaml("  nodeName: n1\n" + containers), false},
      {pod_yaml("  schedulingGates: [{name: example.com/quota}]\n" + containers), false},
      {pod_yaml("  schedulingGates: []\n" + containers), true},
      {pod_yaml(containers) + "status: {phase: Succeeded}\n", false},
      {pod_yaml(containers) + "status: {phase: Failed}\n", false},
      {pod_yaml(containers) + "status: {phase: Pending}\n", true},
      {pod_yaml(containers)
           .replace(pod_yaml(containers).find("namespace: default"), 18,
                    "namespace: default, deletionTimestamp: '2026-01-01T00:00:00Z'"),
       false},
  }));
  CAPTURE(r.yaml);
  const std::string bytes = decode(r.yaml);
  object_reader reader(bytes);
  CHECK(waits_for_us(reader.as<k8s::Pod>()) == r.waits);
}

TEST_CASE("extended resources of pods and nodes", "[scheduler]") {
  auto pod = pod_from(
      pod_yaml("  initContainers:\n" + container("init", "{limits: {example.com/dongle: 3}}") +
               container("side", "{requests: {vendor.io/gpu: 1}, limits: {vendor.io/gpu: 1}}",
                         "    restartPolicy: Always\n") +
               "  containers:\n" + container("a", "{limits: {example.com/dongle: 1, cpu: 1}}") +
               container("b",
                         "{requests: {example.com/dongle: 1, kubernetes.io/x: 1}, limits: "
                         "{example.com/dongle: 1}}")));
  // Containers 1 + 1 dongles against the init container's 3; the sidecar's gpu runs beside all.
  // kubernetes.io/ resources count as kube-scheduler's scalar resources too.
  CHECK(pod.extended_requests ==
        extended_amounts{{"example.com/dongle", 3}, {"kubernetes.io/x", 1}, {"vendor.io/gpu", 1}});
  auto node = node_from(R"(
apiVersion: v1
kind: Node
metadata: {name: n1}
status:
  capacity: {cpu: "4", memory: 8Gi, pods: "110", example.com/dongle: "4", vendor.io/gpu: "2"}
  allocatable: {cpu: "4", memory: 8Gi, pods: "110", example.com/dongle: "4"}
)");
  // Allocatable decides: the gpu is advertised but not yet allocatable.
  CHECK(node.extended_allocatable == extended_amounts{{"example.com/dongle", 4}});
}

TEST_CASE("a pod's topology spread constraints", "[scheduler]") {
  auto pod = pod_from(R"(
apiVersion: v1
kind: Pod
metadata:
  name: web-1
  namespace: shop
  labels: {app: web, pod-template-hash: abc}
  deletionTimestamp: "2026-12-03T10:00:00Z"
spec:
  containers: [{name: a, image: busybox}]
  topologySpreadConstraints:
  - maxSkew: 2
    topologyKey: topology.kubernetes.io/zone
    whenUnsatisfiable: DoNotSchedule
    labelSelector: {matchLabels: {app: web}}
    matchLabelKeys: [pod-template-hash, not-on-the-pod]
    minDomains: 3
  - maxSkew: 1
    topologyKey: kubernetes.io/hostname
    whenUnsatisfiable: ScheduleAnyway
    nodeAffinityPolicy: Ignore
    nodeTaintsPolicy: Honor
)");
  CHECK(pod.terminating);
  REQUIRE(pod.spread_constraints.size() == 2);
  auto& zone = pod.spread_constraints[0];
  CHECK(zone.max_skew == 2);
  CHECK(zone.topology_key == "topology.kubernetes.io/zone");
  CHECK(zone.hard);
  CHECK(zone.min_domains == 3);
  CHECK(zone.honor_node_affinity);
  CHECK_FALSE(zone.honor_taints);
  // matchLabelKeys take the pod's own values; a key the pod lacks adds nothing.
  CHECK(zone.selector.to_string() == "app=web,pod-template-hash in (abc)");
  auto& host = pod.spread_constraints[1];
  CHECK_FALSE(host.hard);
  CHECK(host.min_domains == 0);
  CHECK_FALSE(host.honor_node_affinity);
  CHECK(host.honor_taints);
  CHECK(host.selector.matches_nothing());  // no labelSelector: no pod counts
}

TEST_CASE("a bare pod has no owner and priority 0", "[scheduler]") {
  auto pod = pod_from(pod_yaml("  containers:\n" + container("a", "{}")));
  CHECK(pod.owner_uid.empty());
  CHECK(pod.priority == 0);
  CHECK(pod.required_node_affinity.empty());
  CHECK(pod.host_ports.empty());
}

TEST_CASE("a node's allocatable taints and readiness", "[scheduler]") {
  struct row {
    const char* name;
    std::string status;
    resources allocatable;
    bool ready;
  };
  std::vector<row> rows = {
      {"allocatable",
       R"(
  allocatable: {cpu: "4", memory: 8Gi, pods: "30"}
  capacity: {cpu: "8", memory: 16Gi, pods: "60"}
  conditions: [{type: Ready, status: "True"}])",
       {4000, 8192 * mi, 30},
       true},
      {"capacity when allocatable is missing",
       R"(
  capacity: {cpu: 1500m, memory: 512Mi}
  conditions: [{type: MemoryPressure, status: "False"}, {type: Ready, status: "True"}])",
       {1500, 512 * mi, 110},
       true},
      {"per resource",
       R"(
  allocatable: {cpu: "2"}
  capacity: {cpu: "4", memory: 1Gi, pods: "10"}
  conditions: [{type: Ready, status: "False"}])",
       {2000, 1024 * mi, 10},
       false},
      {"nothing reported", "  phase: Running", {0, 0, 110}, false},
      {"Ready Unknown",
       R"(
  conditions: [{type: Ready, status: "Unknown"}])",
       {0, 0, 110},
       false},
  };
  for (auto& r : rows) {
    INFO(r.name);
    auto node = node_from(R"(
apiVersion: v1
kind: Node
metadata:
  name: n1
  labels: {zone: a, kubernetes.io/hostname: n1}
spec:
  unschedulable: true
  taints:
  - {key: dedicated, value: gpu, effect: NoSchedule}
  - {key: spot, effect: PreferNoSchedule}
status:
)" + r.status + "\n");
    CHECK(node.name == "n1");
    CHECK(node.labels ==
          std::map<std::string, std::string>{{"zone", "a"}, {"kubernetes.io/hostname", "n1"}});
    CHECK(node.unschedulable);
    REQUIRE(node.taints.size() == 2);
    CHECK(node.taints[0].key == "dedicated");
    CHECK(node.taints[0].value == "gpu");
    CHECK(node.taints[0].effect == "NoSchedule");
    CHECK(node.taints[1].effect == "PreferNoSchedule");
    CHECK(node.allocatable.milli_cpu == r.allocatable.milli_cpu);
    CHECK(node.allocatable.memory == r.allocatable.memory);
    CHECK(node.allocatable.pods == r.allocatable.pods);
    CHECK(node.ready == r.ready);
    CHECK(node.requested.pods == 0);
    CHECK(node.pods.empty());
  }
}

TEST_CASE("converted objects schedule as their YAML says", "[scheduler]") {
  auto node = node_from(R"(
apiVersion: v1
kind: Node
metadata: {name: n1, labels: {disk: ssd}}
spec:
  taints: [{key: dedicated, value: gpu, effect: NoSchedule}]
status:
  allocatable: {cpu: "1", memory: 1Gi}
  conditions: [{type: Ready, status: "True"}]
)");
  auto pod = pod_from(pod_yaml(R"(  nodeSelector: {disk: ssd}
  tolerations: [{key: dedicated, operator: Exists}]
  containers:
)" + container("a", "{requests: {cpu: 600m, memory: 100Mi}}")));
  CHECK(fits(pod, node) == std::nullopt);
  node.add_pod(pod);
  CHECK(fits(pod, node) == std::string("Insufficient cpu"));
  pod.tolerations.clear();
  // Full and tainted: kube-scheduler's TaintToleration filter runs before NodeResourcesFit.
  CHECK(place({node}, pod).message ==
        "0/1 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}.");
}
