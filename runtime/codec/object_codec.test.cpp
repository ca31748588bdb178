#include "runtime/codec/object_codec.hpp"

#include <catch2/catch.hpp>

#include "runtime/base/error.hpp"
#include "runtime/codec/json.hpp"
#include "runtime/codec/yaml.hpp"
#include "runtime/object/object.hpp"
#include "schema/apps.capnp.h"
#include "schema/core.capnp.h"

using namespace troupe;
using namespace troupe::codec;

namespace {

std::string decode_error(const std::string& text, const char* source = "deploy.yaml") {
  auto kinds = builtin_kinds();
  try {
    decode_manifests(text, source, kinds);
  } catch (const api_error& e) {
    CHECK(e.code() == api_errc::bad_request);
    return e.message();
  }
  FAIL("decoded without error:\n" << text);
  return "";
}

const char* deployment_head = R"(apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx
)";

}  // namespace

TEST_CASE("unknown fields name the document and the full path", "[codec]") {
  std::string text = std::string("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n") +
                     deployment_head + "        imagePullPolicyy: Always\n";
  auto message = decode_error(text);
  CHECK_THAT(message,
             Catch::StartsWith("deploy.yaml doc 2: spec.template.spec.containers[0]."
                               "imagePullPolicyy: unknown field"));
  CHECK_THAT(message, Catch::Contains("did you mean \"imagePullPolicy\"?"));
  CHECK_THAT(message, Catch::Contains("(line 19)"));
}

TEST_CASE("unknown fields are dropped by the schema wherever they are", "[codec]") {
  auto kinds = builtin_kinds();
  auto tree = parse_yaml(std::string(deployment_head) +
                             "        bogus: 1\n        env: [{name: A, value: b, extra: x}]\n"
                             "        resources: {limits: {cpu: 1}}\n"
                             "      nodeSelector: {disk.type: ssd}\n"
                             "  strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 1, maxLost: 2}}\n"
                             "  replicaz: 3\n",
                         "deploy.yaml")[0]
                  .root;
  auto dropped = drop_unknown_fields(tree, *kinds.find("apps/v1", "Deployment"));
  CHECK(dropped == std::vector<std::string>{"spec.template.spec.containers[0].bogus",
                                            "spec.template.spec.containers[0].env[0].extra",
                                            "spec.strategy.rollingUpdate.maxLost", "spec.replicaz"});
  // What is left decodes strictly, maps (nodeSelector, limits) and IntOrStrings untouched.
  auto bytes = decode_object(tree, *kinds.find("apps/v1", "Deployment"), "deploy.yaml");
  auto again = encode_object(bytes, *kinds.find("apps/v1", "Deployment"));
  auto at = [&](std::initializer_list<const char*> path) {
    const node* n = &again;
    for (auto* key : path) n = n ? n->find(key) : nullptr;
    return n ? n->text() : std::string("<missing>");
  };
  CHECK(at({"spec", "template", "spec", "nodeSelector", "disk.type"}) == "ssd");
  CHECK(at({"spec", "strategy", "rollingUpdate", "maxSurge"}) == "1");
  CHECK(at({"spec", "template", "spec", "containers"}) != "<missing>");
  CHECK(drop_unknown_fields(tree, *kinds.find("apps/v1", "Deployment")).empty());
}

TEST_CASE("wrong types and bad enum values are errors", "[codec]") {
  struct row {
    std::string extra;  // appended under the container
    const char* expect;
  };
  std::vector<row> rows = {
      {"        imagePullPolicy: Sometimes\n",
       "spec.template.spec.containers[0].imagePullPolicy: Unsupported value: \"Sometimes\": "
       "supported values: \"Always\", \"IfNotPresent\", \"Never\""},
      {"        ports:\n        - containerPort: eighty\n",
       "spec.template.spec.containers[0].ports[0].containerPort: expected an integer, got string "
       "\"eighty\""},
      {"        ports:\n        - containerPort: \"80\"\n",
       "containerPort: expected an integer, got string \"80\""},
      {"        ports:\n        - containerPort: 3000000000\n",
       "containerPort: 3000000000 is out of range"},
      {"        resources:\n          limits:\n            cpu: 5x\n",
       "spec.template.spec.containers[0].resources.limits[cpu]: quantities must match"},
      {"        env:\n        - name: A\n          value: 8080\n",
       "env[0].value: expected a string, got number 8080"},
      {"        args: web\n", "containers[0].args: expected a list, got string \"web\""},
      {"        tty: maybe\n", "containers[0].tty: expected a boolean"},
      {"        livenessProbe:\n          exec: {command: [x]}\n          httpGet: {port: 80}\n",
       "livenessProbe.httpGet: \"exec\" is already set"},
  };
  for (auto& r : rows) {
    INFO(r.extra);
    CHECK_THAT(decode_error(deployment_head + r.extra), Catch::Contains(r.expect));
  }
}

TEST_CASE("document-level errors", "[codec]") {
  CHECK_THAT(decode_error("kind: Pod\nmetadata: {name: a}\n"),
             Catch::Contains("deploy.yaml doc 1: apiVersion is required"));
  CHECK_THAT(decode_error("apiVersion: v1\nkind: Gizmo\n"),
             Catch::Contains("deploy.yaml doc 1: no matches for kind \"Gizmo\" in version \"v1\""));
  CHECK_THAT(decode_error("apiVersion: v1\nkind: Deployment\n"),
             Catch::Contains("served as apps/v1"));
  CHECK_THAT(decode_error("- a\n- b\n"), Catch::Contains("expected an object"));
  CHECK_THAT(decode_error("apiVersion: v1\nkind: Pod\nmetadata: [1]\n"),
             Catch::Contains("metadata: expected a mapping, got a list"));
  CHECK_THAT(decode_error("apiVersion: v1\nkind: Pod\nmetadata:\n  labels: [a]\n"),
             Catch::Contains("metadata.labels: expected a mapping, got a list"));
  CHECK_THAT(decode_error("apiVersion: v1\nkind: Pod\nmetadata: {name: a, creationTimestamp: "
                          "yesterday}\n"),
             Catch::Contains("metadata.creationTimestamp: expected an RFC 3339 time"));
  CHECK_THAT(decode_error("apiVersion: v1\nkind: Secret\nmetadata: {name: a}\ndata: {k: '%%%'}\n"),
             Catch::Contains("data[k]: illegal base64 data"));
  CHECK_THAT(decode_error("{\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"spec\": 3}", "pod.json"),
             Catch::StartsWith("pod.json: spec: expected a mapping, got number 3"));
}

TEST_CASE("decoded objects read back typed", "[codec]") {
  auto kinds = builtin_kinds();
  auto objs = decode_manifests(std::string(deployment_head) +
                                   "        ports:\n        - containerPort: 8080\n"
                                   "        livenessProbe:\n          httpGet: {port: http}\n",
                               "d.yaml", kinds);
  REQUIRE(objs.size() == 1);
  CHECK(objs[0].kind->kind == "Deployment");
  object_reader reader(objs[0].bytes);
  auto d = reader.as<k8s::Deployment>();
  CHECK(d.getMetadata().getName() == "web");
  CHECK(d.getSpec().getReplicas().isUnset());
  auto c = d.getSpec().getTemplate().getSpec().getContainers()[0];
  CHECK(c.getPorts()[0].getContainerPort() == 8080);
  CHECK(c.getLivenessProbe().isHttpGet());
  CHECK(c.getLivenessProbe().getHttpGet().getPort().isStr());
  CHECK(c.getLivenessProbe().getHttpGet().getPort().getStr() == "http");
  CHECK(reader.meta().getName() == "web");  // kind-agnostic path agrees
}

TEST_CASE("optional scalars keep an explicit zero", "[codec]") {
  auto kinds = builtin_kinds();
  auto objs = decode_manifests(std::string(deployment_head) + "  replicas: 0\n", "d.yaml", kinds);
  // replicas sits under spec in a real manifest; build one properly instead:
  auto text = std::string(deployment_head);
  text.insert(text.find("  selector:"), "  replicas: 0\n");
  objs = decode_manifests(text, "d.yaml", kinds);
  object_reader reader(objs[0].bytes);
  auto spec = reader.as<k8s::Deployment>().getSpec();
  CHECK(spec.getReplicas().isValue());
  CHECK(spec.getReplicas().getValue() == 0);
  auto yaml = to_yaml(encode_object(objs[0].bytes, *objs[0].kind));
  CHECK_THAT(yaml, Catch::Contains("replicas: 0"));
}

TEST_CASE("kind: List and JSON manifests", "[codec]") {
  auto kinds = builtin_kinds();
  auto objs = decode_manifests(R"(apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: a}
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: b}
)",
                               "list.yaml", kinds);
  REQUIRE(objs.size() == 2);
  CHECK(objs[1].origin == "list.yaml doc 1 items[1]");
  auto json = decode_manifests(R"({"apiVersion":"v1","kind":"Service","metadata":{"name":"s"},
    "spec":{"ports":[{"port":80,"targetPort":"http"}]}})",
                               "svc.json", kinds);
  REQUIRE(json.size() == 1);
  object_reader r(json[0].bytes);
  CHECK(r.as<k8s::Service>().getSpec().getPorts()[0].getTargetPort().getStr() == "http");
}

TEST_CASE("JSON output looks like the Kubernetes API's", "[codec]") {
  auto kinds = builtin_kinds();
  auto objs = decode_manifests(R"(apiVersion: v1
kind: Pod
metadata:
  name: p
  creationTimestamp: "2026-01-02T03:04:05Z"
  labels: {app: web}
spec:
  restartPolicy: OnFailure
  terminationGracePeriodSeconds: 0
  containers:
  - name: c
    image: x
    ports: [{containerPort: 80, protocol: TCP}]
    resources: {limits: {memory: 128Mi}}
)",
                               "p.yaml", kinds);
  auto json = to_json(encode_object(objs[0].bytes, *objs[0].kind));
  CHECK(json ==
        R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","creationTimestamp":)"
        R"("2026-01-02T03:04:05Z","labels":{"app":"web"}},"spec":{"containers":[{"name":"c",)"
        R"("image":"x","ports":[{"containerPort":80,"protocol":"TCP"}],"resources":{"limits":)"
        R"({"memory":"128Mi"}}}],"restartPolicy":"OnFailure","terminationGracePeriodSeconds":0}})");
}

TEST_CASE("an object stored before a field existed still reads", "[codec]") {
  // An older writer's Pod: a root struct with only apiVersion, kind and metadata, no data words
  // and no spec/status pointers. Cap'n Proto reads the missing fields as defaults, and every
  // optional scalar as unset.
  capnp::MallocMessageBuilder m;
  auto root = m.getRoot<capnp::AnyPointer>().initAsAnyStruct(0, 3);
  root.getPointerSection()[0].setAs<capnp::Text>("v1");
  root.getPointerSection()[1].setAs<capnp::Text>("Pod");
  root.getPointerSection()[2].initAs<k8s::ObjectMeta>().setName("old");
  std::string bytes = to_bytes(m);
  object_reader r(bytes);
  auto pod = r.as<k8s::Pod>();
  CHECK(pod.getMetadata().getName() == "old");
  CHECK(pod.getSpec().getTerminationGracePeriodSeconds().isUnset());
  CHECK(pod.getSpec().getPriority().isUnset());
  CHECK(pod.getStatus().getPhase() == k8s::PodPhase::UNSPECIFIED);
  CHECK(pod.getSpec().getContainers().size() == 0);
  auto kinds = builtin_kinds();
  auto yaml = to_yaml(encode_object(bytes, *kinds.find("v1", "Pod")));
  // A zero creationTimestamp is written null, as Go writes a zero metav1.Time.
  CHECK(yaml == "apiVersion: v1\nkind: Pod\nmetadata:\n  name: old\n  creationTimestamp: null\n");
}

TEST_CASE("map fields print in key order as Kubernetes prints Go maps", "[codec]") {
  auto kinds = builtin_kinds();
  auto objs = decode_manifests(R"(apiVersion: v1
kind: ConfigMap
metadata:
  name: c
  labels: {zeta: "1", alpha: "2", mid: "3"}
  annotations: {b: x, a: y}
data: {z: "1", a: "2"}
)",
                               "c.yaml", kinds);
  auto object = encode_object(objs[0].bytes, *objs[0].kind);
  CHECK(to_json(object) ==
        R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","creationTimestamp":null,"labels":{"alpha":"2",)"
        R"("mid":"3","zeta":"1"},"annotations":{"a":"y","b":"x"}},"data":{"a":"2","z":"1"}})");
  CHECK_THAT(to_yaml(object),
             Catch::Contains("  labels:\n    alpha: \"2\"\n    mid: \"3\"\n    zeta: \"1\"\n"));
}

TEST_CASE("a string with NUL characters keeps them from manifest to object and back", "[codec]") {
  auto kinds = builtin_kinds();
  auto text = std::string("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"n\"},"
                          "\"data\":{\"k\\u0000ey\":\"abc\\u0000def\"}}");
  auto decoded = decode_manifests(text, "cm.json", kinds);
  REQUIRE(decoded.size() == 1);
  auto back = encode_object(decoded[0].bytes, *decoded[0].kind);
  const node* data = back.find("data");
  REQUIRE(data != nullptr);
  REQUIRE(data->entries().size() == 1);
  CHECK(data->entries()[0].first == std::string("k\0ey", 4));
  CHECK(data->entries()[0].second.text() == std::string("abc\0def", 7));
  // Printed as kubectl prints them: JSON's \u0000 and go-yaml's \0.
  CHECK_THAT(to_json(back), Catch::Contains(R"("abc\u0000def")"));
  CHECK_THAT(to_yaml(back), Catch::Contains(R"("abc\0def")"));
  CHECK(parse_yaml(to_yaml(back), "t")[0].root == back);
}

TEST_CASE("quantities decode to Kubernetes' canonical spelling", "[codec]") {
  auto kinds = builtin_kinds();
  auto docs = decode_manifests(
      "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: c\n    image: i\n"
      "    resources: {requests: {cpu: 1000m, memory: 1024Mi}, limits: {cpu: '0.5', memory: 1.5Gi, "
      "ephemeral-storage: 1.5m}}\n",
      "pod.yaml", kinds);
  REQUIRE(docs.size() == 1);
  auto tree = encode_object(docs[0].bytes, *docs[0].kind);
  auto resources = tree.find("spec")->find("containers")->items()[0].find("resources");
  CHECK(resources->find("requests")->find("cpu")->text() == "1");
  CHECK(resources->find("requests")->find("memory")->text() == "1Gi");
  CHECK(resources->find("limits")->find("cpu")->text() == "500m");
  CHECK(resources->find("limits")->find("memory")->text() == "1536Mi");
  CHECK(resources->find("limits")->find("ephemeral-storage")->text() == "1.5m");  // finer than troupe keeps
}
