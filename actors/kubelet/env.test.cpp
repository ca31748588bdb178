#include "actors/kubelet/env.hpp"

#include <catch2/catch.hpp>

#include "runtime/codec/object_codec.hpp"
#include "runtime/object/kinds.hpp"
#include "runtime/object/object.hpp"

using namespace troupe;
using namespace troupe::kubelet;

namespace {

std::string pod_bytes(const std::string& container_yaml) {
  static const kind_registry kinds = builtin_kinds();  // NOLINT: immutable test data
  return codec::decode_manifests("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - " +
                                     container_yaml + "\n",
                                 "test", kinds)
      .at(0)
      .bytes;
}

std::string get(const std::vector<std::string>& env, const std::string& name) {
  for (auto& e : env)
    if (e.rfind(name + "=", 0) == 0) return e.substr(name.size() + 1);
  return "<unset>";
}

pod_fields fields() {
  pod_fields f;
  f.name = "web-1";
  f.ns = "shop";
  f.uid = "u-1";
  f.node_name = "n1";
  f.pod_ip = "127.64.0.9";
  f.host_ip = "127.0.0.1";
  f.labels = {{"app", "web"}};
  return f;
}

}  // namespace

TEST_CASE("env from values fields ConfigMaps and Secrets in Kubernetes' order", "[kubelet][env]") {
  auto bytes = pod_bytes(R"Y({name: c, image: x, command: [sh, -c], args: ["echo $(GREETING) $$HOME $(NOPE)"],
    envFrom: [{configMapRef: {name: cfg}, prefix: CFG_}, {secretRef: {name: sec}}],
    env: [{name: GREETING, value: "hi $(POD_NAME)"}, {name: POD_NAME, valueFrom: {fieldRef: {fieldPath: metadata.name}}},
          {name: NODE, valueFrom: {fieldRef: {fieldPath: spec.nodeName}}},
          {name: IP, valueFrom: {fieldRef: {fieldPath: status.podIP}}},
          {name: APP, valueFrom: {fieldRef: {fieldPath: "metadata.labels['app']"}}},
          {name: LEVEL, valueFrom: {configMapKeyRef: {name: cfg, key: level}}},
          {name: PASS, valueFrom: {secretKeyRef: {name: sec, key: password}}},
          {name: OPT, valueFrom: {configMapKeyRef: {name: missing, key: x, optional: true}}}]})Y");
  object_reader r(bytes);
  auto c = r.as<k8s::Pod>().getSpec().getContainers()[0];
  std::set<std::string> cms, secrets;
  referenced_sources(c, cms, secrets);
  CHECK(cms == std::set<std::string>{"cfg", "missing"});
  CHECK(secrets == std::set<std::string>{"sec"});
  env_sources sources;
  sources.config_maps["cfg"] = {{"level", "debug"}, {"mode", "fast"}};
  sources.secrets["sec"] = {{"password", "s3cret"}};
  auto env = resolve_env(c, fields(), sources);
  REQUIRE(env.error.empty());
  CHECK(get(env.env, "CFG_mode") == "fast");
  CHECK(get(env.env, "password") == "s3cret");
  CHECK(get(env.env, "GREETING") == "hi $(POD_NAME)");  // defined before POD_NAME: not expanded
  CHECK(get(env.env, "POD_NAME") == "web-1");
  CHECK(get(env.env, "NODE") == "n1");
  CHECK(get(env.env, "IP") == "127.64.0.9");
  CHECK(get(env.env, "POD_IP") == "127.64.0.9");
  CHECK(get(env.env, "APP") == "web");
  CHECK(get(env.env, "LEVEL") == "debug");
  CHECK(get(env.env, "PASS") == "s3cret");
  CHECK(get(env.env, "OPT") == "<unset>");
  CHECK(command_line(c, env.env) == std::vector<std::string>{"sh", "-c", "echo hi $(POD_NAME) $HOME $(NOPE)"});
  CHECK(env.skipped.empty());
  CHECK(get(env.env, "HOSTNAME") == "web-1");
  auto named = fields();
  named.hostname = pod_hostname("db-0", named.name);
  CHECK(get(resolve_env(c, named, sources).env, "HOSTNAME") == "db-0");
  CHECK(pod_hostname("", "web-1") == "web-1");
  CHECK(pod_hostname("", std::string(62, 'a') + "-b") == std::string(62, 'a'));  // cut, no '-' left
  // Keys that are no variable names are left out, and the kubelet's warning says which.
  sources.config_maps["cfg"] = {
      {"1bad", "x"}, {"b.c", "y"}, {"with-dash", "z"}, {"level", "debug"}};
  sources.secrets["sec"] = {{"9lives", "s"}, {"password", "s3cret"}};
  auto skipping = resolve_env(c, fields(), sources);
  REQUIRE(skipping.error.empty());
  CHECK(get(skipping.env, "CFG_1bad") == "x");  // the prefix makes it a name
  CHECK(get(skipping.env, "9lives") == "<unset>");
  CHECK(get(skipping.env, "password") == "s3cret");
  CHECK(skipping.skipped ==
        std::vector<std::string>{
            "Keys [9lives] from the EnvFrom secret shop/sec were skipped since they are "
            "considered invalid environment variable names."});
}

TEST_CASE("$(VAR) names only declared variables, not the runtime's", "[kubelet][env]") {
  auto bytes = pod_bytes(R"Y({name: c, image: x, command: [sh, -c],
    args: ["$(PATH) $(HOME) $(HOSTNAME) $(POD_IP) $(MINE) $(PATH_TOO)"],
    env: [{name: MINE, value: mine}, {name: PATH_TOO, value: "$(PATH)"}, {name: HOME, value: /home/app}]})Y");
  object_reader r(bytes);
  auto c = r.as<k8s::Pod>().getSpec().getContainers()[0];
  auto env = resolve_env(c, fields(), env_sources{});
  REQUIRE(env.error.empty());
  // HOME is declared here, so it expands; PATH and HOSTNAME are the runtime's. troupe's POD_IP
  // (the address to bind, pods sharing the host's network) is the kubelet's, as Services' are.
  CHECK(command_line(c, env.declared) ==
        std::vector<std::string>{"sh", "-c",
                                 "$(PATH) /home/app $(HOSTNAME) 127.64.0.9 mine $(PATH)"});
  CHECK(get(env.env, "PATH") == "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
  CHECK(get(env.env, "HOME") == "/home/app");  // the container's own wins
  CHECK(get(env.env, "HOSTNAME") == "web-1");
}

TEST_CASE("a missing ConfigMap or key is a CreateContainerConfigError message", "[kubelet][env]") {
  auto bytes = pod_bytes("{name: c, image: x, env: [{name: A, valueFrom: {configMapKeyRef: {name: cfg, key: nokey}}}]}");
  object_reader r(bytes);
  auto c = r.as<k8s::Pod>().getSpec().getContainers()[0];
  CHECK(resolve_env(c, fields(), {}).error == "configmap \"cfg\" not found");
  env_sources sources;
  sources.config_maps["cfg"] = {{"other", "1"}};
  CHECK(resolve_env(c, fields(), sources).error == "couldn't find key nokey in ConfigMap shop/cfg");
}

TEST_CASE("resourceFieldRef gives limits and requests in the divisor's units rounded up", "[kubelet][env]") {
  auto docs = codec::decode_manifests(R"(apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers:
  - name: c
    image: i
    resources: {limits: {memory: 64Mi, cpu: 1500m}, requests: {memory: 32Mi, cpu: 100m}}
    env:
    - {name: MEM, valueFrom: {resourceFieldRef: {resource: limits.memory}}}
    - {name: MEM_MI, valueFrom: {resourceFieldRef: {resource: limits.memory, divisor: 1Mi}}}
    - {name: CPU, valueFrom: {resourceFieldRef: {resource: limits.cpu}}}
    - {name: CPU_M, valueFrom: {resourceFieldRef: {resource: requests.cpu, divisor: 1m}}}
    - {name: REQ_MEM, valueFrom: {resourceFieldRef: {resource: requests.memory}}}
    - {name: OTHER_CPU, valueFrom: {resourceFieldRef: {containerName: d, resource: limits.cpu}}}
    - {name: SIDE_MEM, valueFrom: {resourceFieldRef: {containerName: side, resource: limits.memory, divisor: 1Mi}}}
  - name: d
    image: i
  - name: ghostly
    image: i
    env: [{name: X, valueFrom: {resourceFieldRef: {containerName: ghost, resource: limits.cpu}}}]
  initContainers:
  - {name: side, image: i, restartPolicy: Always, resources: {limits: {memory: 32Mi}}}
)", "p.yaml", builtin_kinds());
  object_reader r(docs.at(0).bytes);
  pod_fields fields;
  fields.containers = r.as<k8s::Pod>().getSpec().getContainers();
  fields.init_containers = r.as<k8s::Pod>().getSpec().getInitContainers();
  fields.node_milli_cpu = 2000;
  fields.node_memory = int64_t{1} << 30;
  auto env = resolve_env(fields.containers[0], fields, {});
  REQUIRE(env.error.empty());
  auto value = [&](const std::string& name) {
    for (auto& e : env.env)
      if (e.rfind(name + "=", 0) == 0) return e.substr(name.size() + 1);
    return std::string("missing");
  };
  CHECK(value("MEM") == "67108864");
  CHECK(value("MEM_MI") == "64");
  CHECK(value("CPU") == "2");  // 1.5 rounded up
  CHECK(value("CPU_M") == "100");
  CHECK(value("REQ_MEM") == "33554432");
  CHECK(value("OTHER_CPU") == "2");  // d sets no limit: the node's allocatable
  CHECK(value("SIDE_MEM") == "32");  // an init container is found too
  CHECK(resolve_env(fields.containers[2], fields, {}).error == "container ghost not found");
}
