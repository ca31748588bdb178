#include "actors/nodelifecycle/nodelifecycle.hpp"

#include <catch2/catch.hpp>

#include "actors/node/objects.hpp"
#include "runtime/object/object.hpp"
#include "schema/core.capnp.h"

using namespace troupe;

TEST_CASE("a node that stops renewing its lease is marked unknown and tainted", "[nodelifecycle]") {
  host_facts f;
  f.memory = int64_t{1} << 30;
  host_pressure p;
  p.memory_available = int64_t{1} << 30;
  auto ready = new_node("n1", "127.64.0.0/24", f, node_conditions(p, ""), 100);
  int64_t grace = 40'000'000, now = 1'000'000'000;
  CHECK(decide_node_health(ready, now - 1'000'000, now, grace) == node_health_action::none);
  CHECK(decide_node_health(ready, now - 41'000'000, now, grace) == node_health_action::mark_unknown);
  CHECK(decide_node_health(ready, std::nullopt, now, grace) == node_health_action::mark_unknown);

  auto [spec, status] = mark_node_unknown(ready, 200);
  object_reader s(status);
  for (auto c : s.as<k8s::Node>().getStatus().getConditions()) {
    CHECK(c.getStatus() == k8s::ConditionStatus::IS_UNKNOWN);
    CHECK(text_string(c.getMessage()) == "Kubelet stopped posting node status.");
  }
  object_reader t(spec);
  REQUIRE(t.as<k8s::Node>().getSpec().getTaints().size() == 1);
  CHECK(text_string(t.as<k8s::Node>().getSpec().getTaints()[0].getKey()) == "node.kubernetes.io/unreachable");

  // Marked and tainted: nothing more to do while it stays away.
  auto both = with_node_status(spec, f, {{"Ready", "Unknown", "NodeStatusUnknown", ""}}, 300);
  CHECK(decide_node_health(both, std::nullopt, now, grace) == node_health_action::none);
  // Back and Ready: the taint goes.
  auto back = with_node_status(spec, f, node_conditions(p, ""), 400);
  CHECK(decide_node_health(back, now, now, grace) == node_health_action::clear_unreachable);
  auto cleared_bytes = clear_unreachable(back);
  object_reader c(cleared_bytes);
  CHECK_FALSE(c.as<k8s::Node>().getSpec().hasTaints());  // the field goes, not just its items
}
