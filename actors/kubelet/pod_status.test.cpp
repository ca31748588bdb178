#include "actors/kubelet/pod_status.hpp"

#include <capnp/message.h>

#include <catch2/catch.hpp>

#include "runtime/codec/object_codec.hpp"
#include "runtime/object/kinds.hpp"
#include "runtime/object/object.hpp"
#include "schema/core.capnp.h"

using namespace troupe;
using namespace troupe::kubelet;

namespace {

std::string pod_bytes(const std::string& status) {
  auto yaml = "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: default}\n"
              "spec:\n  readinessGates: [{conditionType: example.com/lb}]\n  containers: [{name: c, image: i}]\n" +
              status;
  return codec::decode_manifests(yaml, "pod.yaml", builtin_kinds()).at(0).bytes;
}

std::map<std::string, std::string> conditions_of(const std::string& bytes) {
  std::map<std::string, std::string> out;
  object_reader r(bytes);
  for (auto c : r.as<k8s::Pod>().getStatus().getConditions())
    out[text_string(c.getType())] = text_string(c.getMessage()) + (c.getStatus() == k8s::ConditionStatus::IS_TRUE ? " True" : " not");
  return out;
}

}  // namespace

TEST_CASE("Ready waits on readiness gates and the conditions others own stay", "[kubelet][status]") {
  auto stored = pod_bytes("status:\n  conditions:\n  - {type: DisruptionTarget, status: 'True', reason: DeletionByTaintManager}\n");
  object_reader r(stored);
  auto model = model_of(r.as<k8s::Pod>());
  REQUIRE(model.readiness_gates.size() == 1);
  CHECK(model.readiness_gates[0].status.empty());
  model.containers[0].state = container_model::phase::running;
  model.containers[0].ready = true;
  model.containers[0].started = false;  // its startup probe has not passed: not ready yet
  {
    auto early = with_pod_status(stored, model, 100);
    object_reader e(early);
    CHECK_FALSE(e.as<k8s::Pod>().getStatus().getContainerStatuses()[0].getReady());
  }
  model.containers[0].started = true;
  auto written = with_pod_status(stored, model, 100);
  auto conditions = conditions_of(written);
  CHECK(conditions["DisruptionTarget"] == " True");  // kept, not the kubelet's
  CHECK(conditions["ContainersReady"] == " True");
  CHECK(conditions["Ready"] == "corresponding condition of pod readiness gate \"example.com/lb\" does not exist. not");

  // The gate's owner sets it: Ready follows.
  auto gated = pod_bytes("status:\n  conditions:\n  - {type: example.com/lb, status: 'False'}\n");
  object_reader g(gated);
  model.readiness_gates = readiness_gates_of(g.as<k8s::Pod>());
  CHECK(conditions_of(with_pod_status(gated, model, 100))["Ready"] ==
        "the status of pod readiness gate \"example.com/lb\" is not \"True\", but False not");
  auto open = pod_bytes("status:\n  conditions:\n  - {type: example.com/lb, status: 'True'}\n");
  object_reader o(open);
  model.readiness_gates = readiness_gates_of(o.as<k8s::Pod>());
  auto ready = conditions_of(with_pod_status(open, model, 100));
  CHECK(ready["Ready"] == " True");
  CHECK(ready["example.com/lb"] == " True");
}

TEST_CASE("the kubelet's status write is conditional on the version it saw but a mirror's is not", "[kubelet][status]") {
  auto stored = pod_bytes("");
  capnp::MallocMessageBuilder m;
  m.setRoot(object_reader(stored).as<k8s::Pod>());
  m.getRoot<k8s::Pod>().getMetadata().setResourceVersion("42");
  auto versioned = to_bytes(m);
  object_reader r(versioned);
  auto model = model_of(r.as<k8s::Pod>());
  CHECK(text_string(object_reader(with_pod_status(versioned, model, 1)).meta().getResourceVersion()) == "42");
  CHECK_FALSE(object_reader(with_pod_status(versioned, model, 1, false)).meta().hasResourceVersion());
}
