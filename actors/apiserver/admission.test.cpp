#include "actors/apiserver/admission.hpp"

#include <catch2/catch.hpp>
#include <regex>
#include <set>

#include "runtime/base/error.hpp"
#include "runtime/codec/object_codec.hpp"
#include "runtime/object/kinds.hpp"
#include "runtime/object/object.hpp"
#include "schema/apps.capnp.h"
#include "schema/core.capnp.h"

using namespace troupe;

namespace {

const kind_registry& kinds() {
  static const kind_registry registry = builtin_kinds();  // NOLINT: immutable test data
  return registry;
}

admission_context fixed_context() {
  admission_context ctx;
  ctx.now_seconds = 1700000000;
  ctx.new_uid = [] { return std::string("11111111-2222-4333-8444-555555555555"); };
  ctx.random_suffix = [](size_t n) { return std::string(n, 'x'); };
  return ctx;
}

std::string decode(const std::string& yaml) {
  auto docs = codec::decode_manifests(yaml, "test.yaml", kinds());
  REQUIRE(docs.size() == 1);
  return docs[0].bytes;
}

const kind_info& kind(const char* resource) { return *kinds().find_by_resource(resource); }

api_error create_error(const char* resource, const std::string& yaml, std::string_view ns = "") {
  try {
    admit_create(kind(resource), decode(yaml), ns, fixed_context());
  } catch (const api_error& e) {
    return e;
  }
  FAIL("admitted");
  return api_error(api_errc::none, "");
}

const char* pod_yaml = R"(apiVersion: v1
kind: Pod
metadata: {name: web, labels: {app: web}}
spec:
  containers:
  - name: main
    image: busybox
    ports: [{containerPort: 8080}]
)";

}  // namespace

TEST_CASE("the server's uids are RFC 4122 version 4 with every random digit random", "[apiserver][admission]") {
  auto ctx = system_admission_context();
  std::regex v4("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  std::set<std::string> uids;
  std::vector<std::set<char>> seen(36);
  int repeats = 0;
  for (int i = 0; i < 2000; ++i) {
    auto uid = ctx.new_uid();
    REQUIRE(std::regex_match(uid, v4));
    uids.insert(uid);
    for (size_t at = 0; at < uid.size(); ++at) seen[at].insert(uid[at]);
    // Both draws are used: the last 15 random digits do not repeat the first 15.
    std::string digits;
    for (size_t at = 0; at < uid.size(); ++at)
      if (at != 8 && at != 13 && at != 14 && at != 18 && at != 23) digits += uid[at];
    repeats += digits.substr(16, 15) == digits.substr(0, 15);
  }
  CHECK(repeats == 0);
  CHECK(uids.size() == 2000);
  for (size_t at : {0, 7, 9, 12, 15, 17, 20, 22, 35}) CHECK(seen[at].size() == 16);  // x digits
  CHECK(seen[19].size() == 4);  // y: 8, 9, a, b
}

TEST_CASE("create sets server-owned metadata and Pod defaults", "[apiserver][admission]") {
  auto bytes = admit_create(kind("pods"), decode(pod_yaml), "", fixed_context());
  object_reader r(bytes);
  auto meta = r.meta();
  CHECK(text_string(meta.getNamespace()) == "default");
  CHECK(text_string(meta.getUid()) == "11111111-2222-4333-8444-555555555555");
  CHECK(meta.getCreationTimestamp() == 1700000000);
  CHECK(meta.getGeneration() == 1);
  auto spec = r.as<k8s::Pod>().getSpec();
  CHECK(spec.getRestartPolicy() == k8s::RestartPolicy::ALWAYS);
  CHECK(spec.getDnsPolicy() == k8s::DnsPolicy::CLUSTER_FIRST);
  CHECK(spec.getTerminationGracePeriodSeconds().getValue() == 30);
  CHECK(spec.getContainers()[0].getImagePullPolicy() == k8s::PullPolicy::ALWAYS);  // untagged
  CHECK(spec.getContainers()[0].getPorts()[0].getProtocol() == k8s::Protocol::TCP);
}

TEST_CASE("pods tolerate a not-ready or unreachable node for 300 s unless they say otherwise",
          "[apiserver][admission]") {
  auto bytes = admit_create(kind("pods"), decode(pod_yaml), "", fixed_context());
  object_reader r(bytes);
  auto tolerations = r.as<k8s::Pod>().getSpec().getTolerations();
  REQUIRE(tolerations.size() == 2);
  CHECK(text_string(tolerations[0].getKey()) == "node.kubernetes.io/not-ready");
  CHECK(text_string(tolerations[1].getKey()) == "node.kubernetes.io/unreachable");
  for (auto t : tolerations) {
    CHECK(t.getOperator() == k8s::TolerationOperator::EXISTS);
    CHECK(t.getEffect() == k8s::TaintEffect::NO_EXECUTE);
    CHECK(t.getTolerationSeconds().getValue() == 300);
  }
  // A pod's own toleration of one of them stays as written; only the other is added.
  auto own =
      std::string(pod_yaml) +
      "  tolerations: [{key: node.kubernetes.io/unreachable, operator: Exists, effect: NoExecute, "
      "tolerationSeconds: 5}]\n";
  auto admitted = admit_create(kind("pods"), decode(own), "", fixed_context());
  object_reader o(admitted);
  auto kept = o.as<k8s::Pod>().getSpec().getTolerations();
  REQUIRE(kept.size() == 2);
  CHECK(text_string(kept[0].getKey()) == "node.kubernetes.io/unreachable");
  CHECK(kept[0].getTolerationSeconds().getValue() == 5);
  CHECK(text_string(kept[1].getKey()) == "node.kubernetes.io/not-ready");
  // A toleration of every NoExecute taint covers both: nothing is added.
  auto all = std::string(pod_yaml) + "  tolerations: [{operator: Exists, effect: NoExecute}]\n";
  auto all_admitted = admit_create(kind("pods"), decode(all), "", fixed_context());
  object_reader a(all_admitted);
  CHECK(a.as<k8s::Pod>().getSpec().getTolerations().size() == 1);
}

TEST_CASE("generateName namespaces and cluster-scoped kinds", "[apiserver][admission]") {
  auto generated = admit_create(kind("configmaps"),
                                decode("apiVersion: v1\nkind: ConfigMap\nmetadata: {generateName: cfg-}\n"),
                                "prod", fixed_context());
  object_reader g(generated);
  CHECK(text_string(g.meta().getName()) == "cfg-xxxxx");
  CHECK(text_string(g.meta().getNamespace()) == "prod");

  auto mismatch = create_error("configmaps",
                               "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: dev}\n",
                               "prod");
  CHECK(mismatch.code() == api_errc::bad_request);
  CHECK(mismatch.message() ==
        "the namespace of the provided object (dev) does not match the namespace sent on the "
        "request (prod)");

  auto node = admit_create(kind("nodes"),
                           decode("apiVersion: v1\nkind: Node\nmetadata: {name: n1, namespace: x}\n"),
                           "", fixed_context());
  object_reader n(node);
  CHECK(n.meta().getNamespace().size() == 0);
}

TEST_CASE("Invalid lists every failing field", "[apiserver][admission]") {
  auto e = create_error("pods", R"(apiVersion: v1
kind: Pod
metadata: {name: Web_1, labels: {"bad key!": v}}
spec:
  containers:
  - name: main
    ports: [{containerPort: 70000}]
  - name: main
    image: x
)");
  CHECK(e.code() == api_errc::invalid);
  std::vector<std::string> paths;
  for (auto& c : e.causes()) paths.push_back(c.path);
  CHECK_THAT(paths, Catch::VectorContains(std::string("metadata.name")));
  CHECK_THAT(paths, Catch::VectorContains(std::string("metadata.labels")));
  CHECK_THAT(paths, Catch::VectorContains(std::string("spec.containers[0].image")));
  CHECK_THAT(paths, Catch::VectorContains(std::string("spec.containers[0].ports[0].containerPort")));
  CHECK_THAT(paths, Catch::VectorContains(std::string("spec.containers[1].name")));
  CHECK_THAT(e.message(), Catch::StartsWith("Pod \"Web_1\" is invalid: ["));

  auto missing = create_error("configmaps", "apiVersion: v1\nkind: ConfigMap\nmetadata: {}\n");
  CHECK(missing.causes().at(0).path == "metadata.name");
  CHECK(missing.causes().at(0).message == "Required value: name or generateName is required");

  auto wrong_kind = create_error("configmaps", "apiVersion: v1\nkind: Secret\nmetadata: {name: a}\n");
  CHECK(wrong_kind.code() == api_errc::bad_request);
}

TEST_CASE("Deployment and Service defaults and checks", "[apiserver][admission]") {
  auto bytes = admit_create(kind("deployments.apps"), decode(R"(apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: "nginx:1.25"}]}
)"),
                            "", fixed_context());
  object_reader r(bytes);
  auto spec = r.as<k8s::Deployment>().getSpec();
  CHECK(spec.getReplicas().getValue() == 1);
  CHECK(spec.getRevisionHistoryLimit().getValue() == 10);
  CHECK(spec.getStrategy().getType() == k8s::DeploymentStrategyType::ROLLING_UPDATE);
  CHECK(text_string(spec.getStrategy().getRollingUpdate().getMaxSurge().getStr()) == "25%");
  CHECK(spec.getTemplate().getSpec().getContainers()[0].getImagePullPolicy() ==
        k8s::PullPolicy::IF_NOT_PRESENT);

  auto mismatch = create_error("deployments.apps", R"(apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: web, image: nginx}]}
)");
  REQUIRE(mismatch.causes().size() == 1);
  CHECK(mismatch.causes()[0].path == "spec.template.metadata.labels");

  auto svc = admit_create(kind("services"), decode(R"(apiVersion: v1
kind: Service
metadata: {name: web}
spec: {selector: {app: web}, ports: [{port: 80}]}
)"),
                          "", fixed_context());
  object_reader s(svc);
  CHECK(s.as<k8s::Service>().getSpec().getType() == k8s::ServiceType::CLUSTER_I_P);
  CHECK(s.as<k8s::Service>().getSpec().getPorts()[0].getTargetPort().getInt() == 80);
}

TEST_CASE("updates keep identity and status and count spec changes", "[apiserver][admission]") {
  auto ctx = fixed_context();
  auto stored = admit_create(kind("pods"), decode(pod_yaml), "", ctx);
  // Same spec, new label: generation stays.
  auto relabelled = decode(std::string(pod_yaml).replace(std::string(pod_yaml).find("app: web"), 8, "app: api"));
  auto same_spec = admit_update(kind("pods"), stored, relabelled, false);
  object_reader a(same_spec);
  CHECK(a.meta().getGeneration() == 1);
  CHECK(text_string(a.meta().getUid()) == "11111111-2222-4333-8444-555555555555");
  CHECK(a.meta().getCreationTimestamp() == 1700000000);
  // New image: generation rises. (The pull policy stays: a tagged image would default it to
  // IfNotPresent, which a pod update may not change.)
  auto new_image = decode(std::string(pod_yaml).replace(
      std::string(pod_yaml).find("busybox"), 7, "busybox:1.36\n    imagePullPolicy: Always"));
  auto changed = admit_update(kind("pods"), stored, new_image, false);
  object_reader b(changed);  // readers borrow their bytes
  CHECK(b.meta().getGeneration() == 2);
  // A status update changes only the status.
  auto status = decode(R"(apiVersion: v1
kind: Pod
metadata: {name: web}
spec: {containers: [{name: other, image: other}]}
status: {phase: Running}
)");
  auto status_updated = admit_update(kind("pods"), stored, status, true);
  object_reader c(status_updated);
  CHECK(c.as<k8s::Pod>().getStatus().getPhase() == k8s::PodPhase::RUNNING);
  CHECK(text_string(c.as<k8s::Pod>().getSpec().getContainers()[0].getName()) == "main");
  // ...and a spec update cannot write the status.
  auto with_status = copy_to_bytes(c.root());
  auto spec_updated = admit_update(kind("pods"), with_status, new_image, false);
  object_reader d(spec_updated);
  CHECK(d.as<k8s::Pod>().getStatus().getPhase() == k8s::PodPhase::RUNNING);
}

TEST_CASE("create drops the status a client sends except a Node's", "[apiserver][admission]") {
  auto pod = std::string(pod_yaml) + "status: {phase: Running, podIP: 1.2.3.4}\n";
  auto p_bytes = (admit_create(kind("pods"), decode(pod), "", fixed_context()));
  object_reader p(p_bytes);
  auto status = p.as<k8s::Pod>().getStatus();
  CHECK(status.getPhase() == k8s::PodPhase::PENDING);
  CHECK(status.getPodIP().size() == 0);
  CHECK(status.getQosClass() == k8s::QosClass::BEST_EFFORT);

  auto s_bytes = (admit_create(kind("services"), decode(R"(apiVersion: v1
kind: Service
metadata: {name: lb}
spec: {type: LoadBalancer, ports: [{port: 80}]}
status: {loadBalancer: {ingress: [{ip: 9.9.9.9}]}}
)"), "", fixed_context()));
  object_reader s(s_bytes);
  CHECK(s.as<k8s::Service>().getStatus().getLoadBalancer().getIngress().size() == 0);

  auto n_bytes = (admit_create(kind("nodes"), decode(R"(apiVersion: v1
kind: Node
metadata: {name: n1}
status: {capacity: {cpu: "2"}}
)"), "", fixed_context()));
  object_reader n(n_bytes);
  CHECK(n.as<k8s::Node>().getStatus().getCapacity().size() == 1);

  auto v_bytes = (admit_create(kind("persistentvolumeclaims"), decode(R"(apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: c}
spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
status: {phase: Bound}
)"), "", fixed_context()));
  object_reader v(v_bytes);
  CHECK(v.as<k8s::PersistentVolumeClaim>().getStatus().getPhase() == k8s::ClaimPhase::PENDING);
}

TEST_CASE("a limit without a request requests the limit and the pod is Guaranteed",
          "[apiserver][admission]") {
  auto r_bytes = (admit_create(kind("pods"), decode(R"(apiVersion: v1
kind: Pod
metadata: {name: g}
spec:
  hostNetwork: true
  containers:
  - name: main
    image: busybox:1
    ports: [{containerPort: 8080}]
    resources: {limits: {cpu: "1", memory: 1Gi}, requests: {cpu: "1"}}
)"), "", fixed_context()));
  object_reader r(r_bytes);
  auto pod = r.as<k8s::Pod>();
  auto requests = pod.getSpec().getContainers()[0].getResources().getRequests();
  REQUIRE(requests.size() == 2);
  CHECK(text_string(requests[1].getKey()) == "memory");
  CHECK(text_string(requests[1].getValue()) == "1Gi");
  CHECK(pod.getStatus().getQosClass() == k8s::QosClass::GUARANTEED);
  CHECK(pod.getSpec().getContainers()[0].getPorts()[0].getHostPort() == 8080);  // host network
}

TEST_CASE("a pod template's limits request nothing so a lower limit later is admitted",
          "[apiserver][admission]") {
  auto deployment = [](const std::string& cpu) {
    return decode(R"(apiVersion: apps/v1
kind: Deployment
metadata: {name: d}
spec:
  selector: {matchLabels: {app: d}}
  template:
    metadata: {labels: {app: d}}
    spec: {containers: [{name: main, image: busybox:1, resources: {limits: {cpu: ")" + cpu + R"("}}}]}
)");
  };
  auto created = admit_create(kind("deployments.apps"), deployment("2"), "", fixed_context());
  object_reader r(created);
  auto resources = r.as<k8s::Deployment>().getSpec().getTemplate().getSpec().getContainers()[0].getResources();
  CHECK(resources.getRequests().size() == 0);
  CHECK(resources.getLimits().size() == 1);
  CHECK_NOTHROW(admit_update(kind("deployments.apps"), created, deployment("1"), false));
}
