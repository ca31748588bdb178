#include "runtime/object/pod_condition.hpp"

#include <capnp/message.h>

#include <catch2/catch.hpp>

#include "runtime/object/object.hpp"

using namespace troupe;

TEST_CASE("a pod condition is set in place and keeps its transition time while unchanged",
          "[pod_condition]") {
  capnp::MallocMessageBuilder m;
  auto pod = m.initRoot<k8s::Pod>();
  set_pod_condition(pod, "Initialized", k8s::ConditionStatus::IS_TRUE, "", "", 10);
  set_pod_condition(pod, "PodScheduled", k8s::ConditionStatus::IS_FALSE, "Unschedulable",
                    "0/1 nodes", 20);
  set_pod_condition(pod, "PodScheduled", k8s::ConditionStatus::IS_FALSE, "Unschedulable",
                    "0/2 nodes", 30);
  auto conds = pod.asReader().getStatus().getConditions();
  REQUIRE(conds.size() == 2);
  CHECK(text_view(conds[1].getType()) == "PodScheduled");
  CHECK(text_view(conds[1].getMessage()) == "0/2 nodes");
  CHECK(conds[1].getLastTransitionTime() == 20);  // still False since 20

  set_pod_condition(pod, "PodScheduled", k8s::ConditionStatus::IS_TRUE, "", "", 40);
  conds = pod.asReader().getStatus().getConditions();
  REQUIRE(conds.size() == 2);
  CHECK(text_view(conds[0].getType()) == "Initialized");
  CHECK(conds[0].getLastTransitionTime() == 10);
  CHECK(conds[1].getStatus() == k8s::ConditionStatus::IS_TRUE);
  CHECK(conds[1].getLastTransitionTime() == 40);
  CHECK(conds[1].getReason().size() == 0);  // the False condition's reason does not linger
  CHECK(conds[1].getMessage().size() == 0);
}
