#include "actors/nodelifecycle/nodelifecycle.hpp"

#include <capnp/message.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <thread>
#include <string>
#include <vector>

#include "actors/node/objects.hpp"
#include "runtime/base/time.hpp"
#include "test/harness/api_fixture.hpp"
#include "test/harness/eventually.hpp"
#include "test/harness/objects.hpp"
#include "runtime/object/object.hpp"
#include "runtime/object/pod_condition.hpp"
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
  // Heard from by its Ready heartbeat though its Lease is old, as Kubernetes counts either.
  auto posting = new_node("n1", "127.64.0.0/24", f, node_conditions(p, ""), now / 1'000'000 - 2);
  CHECK(decide_node_health(posting, now - 41'000'000, now, grace) == node_health_action::none);
  CHECK(decide_node_health(posting, std::nullopt, now, grace) == node_health_action::none);
  CHECK(decide_node_health(posting, now - 41'000'000, now + 41'000'000, grace) ==
        node_health_action::mark_unknown);

  auto [spec, status] = mark_node_unknown(ready, 200);
  object_reader s(status);
  for (auto c : s.as<k8s::Node>().getStatus().getConditions()) {
    CHECK(c.getStatus() == k8s::ConditionStatus::IS_UNKNOWN);
    CHECK(text_string(c.getMessage()) == "Kubelet stopped posting node status.");
  }
  object_reader t(spec);
  auto taints = t.as<k8s::Node>().getSpec().getTaints();
  REQUIRE(taints.size() == 2);
  CHECK(text_string(taints[0].getKey()) == "node.kubernetes.io/unreachable");
  CHECK(taints[0].getEffect() == k8s::TaintEffect::NO_SCHEDULE);
  CHECK(text_string(taints[1].getKey()) == "node.kubernetes.io/unreachable");
  CHECK(taints[1].getEffect() == k8s::TaintEffect::NO_EXECUTE);
  CHECK(taints[1].getTimeAdded() == 200);

  // Marked and tainted: nothing more to do while it stays away (the heartbeat of a condition
  // marked Unknown is no sign of the kubelet).
  auto both =
      with_node_status(spec, f, {{"Ready", "Unknown", "NodeStatusUnknown", ""}}, now / 1'000'000);
  CHECK(decide_node_health(both, std::nullopt, now, grace) == node_health_action::none);
  // Back and Ready: the taint goes.
  auto back = with_node_status(spec, f, node_conditions(p, ""), 400);
  CHECK(decide_node_health(back, now, now, grace) == node_health_action::clear_unreachable);
  auto cleared_bytes = clear_unreachable(back);
  object_reader c(cleared_bytes);
  CHECK_FALSE(c.as<k8s::Node>().getSpec().hasTaints());  // the field goes, not just its items

  // A node no kubelet ever reported for: the kubelet's four conditions, never updated, their
  // heartbeat its creation; a condition not the kubelet's stays as it was.
  capnp::MallocMessageBuilder bare;
  auto root = bare.initRoot<k8s::Node>();
  root.initMetadata().setName("manual");
  root.getMetadata().setCreationTimestamp(50);
  auto network = root.initStatus().initConditions(1)[0];
  network.setType("NetworkUnavailable");
  network.setStatus(k8s::ConditionStatus::IS_FALSE);
  auto never = mark_node_unknown(to_bytes(bare), 700).second;
  object_reader n(never);
  std::vector<std::string> seen;
  for (auto cond : n.as<k8s::Node>().getStatus().getConditions()) {
    seen.push_back(text_string(cond.getType()) + " " + text_string(cond.getReason()));
    if (text_view(cond.getType()) == "NetworkUnavailable") {
      CHECK(cond.getStatus() == k8s::ConditionStatus::IS_FALSE);
      continue;
    }
    CHECK(cond.getStatus() == k8s::ConditionStatus::IS_UNKNOWN);
    CHECK(text_string(cond.getMessage()) == "Kubelet never posted node status.");
    CHECK(cond.getLastHeartbeatTime() == 50);
    CHECK(cond.getLastTransitionTime() == 700);
  }
  CHECK(seen == std::vector<std::string>{"NetworkUnavailable ", "Ready NodeStatusNeverUpdated",
                                         "MemoryPressure NodeStatusNeverUpdated", "DiskPressure NodeStatusNeverUpdated",
                                         "PIDPressure NodeStatusNeverUpdated"});
  // Marked again: a condition Unknown already keeps its reason and its time.
  auto again = mark_node_unknown(never, 900).second;
  object_reader a(again);
  for (auto cond : a.as<k8s::Node>().getStatus().getConditions())
    if (text_view(cond.getType()) == "Ready") {
      CHECK(text_string(cond.getReason()) == "NodeStatusNeverUpdated");
      CHECK(cond.getLastTransitionTime() == 700);
    }
}

namespace {

std::string pod_tolerating(const std::string& tolerations) {
  capnp::MallocMessageBuilder m;
  auto pod = m.initRoot<k8s::Pod>();
  pod.getMetadata().setName("p");
  pod.getMetadata().setNamespace("default");
  auto spec = pod.getSpec();
  // "key=value:seconds" or "key:Exists:seconds" items, ';'-separated; seconds "-" for unset.
  // An item may start with "NoSchedule|" or "any|" for that effect; NoExecute otherwise.
  std::vector<std::string> items;
  for (size_t at = 0; at < tolerations.size();) {
    size_t end = tolerations.find(';', at);
    if (end == std::string::npos) end = tolerations.size();
    items.push_back(tolerations.substr(at, end - at));
    at = end + 1;
  }
  auto list = spec.initTolerations(static_cast<unsigned>(items.size()));
  for (unsigned i = 0; i < items.size(); ++i) {
    auto item = items[i];
    auto t = list[i];
    t.setEffect(k8s::TaintEffect::NO_EXECUTE);
    if (auto bar = item.find('|'); bar != std::string::npos) {
      t.setEffect(item.substr(0, bar) == "NoSchedule" ? k8s::TaintEffect::NO_SCHEDULE
                                                      : k8s::TaintEffect::UNSPECIFIED);
      item = item.substr(bar + 1);
    }
    auto colon = item.rfind(':');
    auto seconds = item.substr(colon + 1);
    auto head = item.substr(0, colon);
    if (head.size() >= 7 && head.compare(head.size() - 7, 7, ":Exists") == 0) {
      t.setKey(head.substr(0, head.size() - 7));
      t.setOperator(k8s::TolerationOperator::EXISTS);
    } else {
      auto eq = head.find('=');
      t.setKey(head.substr(0, eq));
      t.setValue(eq == std::string::npos ? "" : head.substr(eq + 1));
    }
    if (seconds != "-") t.getTolerationSeconds().setValue(std::stoll(seconds));
  }
  return copy_to_bytes(m.getRoot<capnp::AnyStruct>().asReader());
}

}  // namespace

TEST_CASE("taint eviction: when a pod leaves a node with NoExecute taints",
          "[nodelifecycle][eviction]") {
  std::vector<noexecute_taint> unreachable{{"node.kubernetes.io/unreachable", "", 1000}};
  std::vector<noexecute_taint> two{{"node.kubernetes.io/unreachable", "", 1000},
                                   {"dedicated", "db", 1100}};
  struct row {
    const char* why;
    std::vector<noexecute_taint> taints;
    std::string tolerations;
    std::optional<int64_t> evicted_at;
    int64_t not_before = 0;
  };
  std::vector<row> rows{
      {"no taints: stays", {}, "", std::nullopt},
      {"no toleration of a taint put by hand: at once", {{"dedicated", "db", 1000}}, "", 0},
      {"no toleration of unreachable (a pod stored before admission added it): the default 300 s",
       unreachable, "", 1300},
      {"the default 300 s", unreachable, "node.kubernetes.io/unreachable:Exists:300", 1300},
      {"no tolerationSeconds: for ever", unreachable, "node.kubernetes.io/unreachable:Exists:-",
       std::nullopt},
      {"zero seconds: at once", unreachable, "node.kubernetes.io/unreachable:Exists:0", 0},
      {"negative seconds: at once", unreachable, "node.kubernetes.io/unreachable:Exists:-5", 0},
      {"an empty key with Exists tolerates any key", two, ":Exists:60", 1060},
      {"Equal needs the value", two, "node.kubernetes.io/unreachable:Exists:-;dedicated=web:-", 0},
      {"Equal with the value", two, "node.kubernetes.io/unreachable:Exists:-;dedicated=db:30",
       1130},
      {"the shortest of the tolerations used", two,
       "node.kubernetes.io/unreachable:Exists:300;dedicated:Exists:30", 1130},
      {"one taint untolerated: at once", two, "node.kubernetes.io/unreachable:Exists:300", 0},
      {"a pod without tolerations on an unreachable node with a taint put by hand: at once", two,
       "", 0},
      {"the first toleration that fits is the one used", unreachable,
       "node.kubernetes.io/unreachable:Exists:-;node.kubernetes.io/unreachable:Exists:5",
       std::nullopt},
      {"a NoSchedule toleration does not cover NoExecute",
       {{"dedicated", "db", 1000}},
       "NoSchedule|dedicated:Exists:-",
       0},
      {"a toleration without an effect covers every effect", unreachable,
       "any|node.kubernetes.io/unreachable:Exists:-", std::nullopt},
      {"counted from the controller's start or first sight when later", unreachable,
       "node.kubernetes.io/unreachable:Exists:300", 1800, 1500},
      {"an earlier start changes nothing", unreachable, "node.kubernetes.io/unreachable:Exists:300",
       1300, 900},
      {"a toleration of ages saturates instead of wrapping to now", unreachable,
       "node.kubernetes.io/unreachable:Exists:9223372036854775000", INT64_MAX},
  };
  for (auto& r : rows) {
    INFO(r.why);
    CHECK(eviction_time(r.taints, pod_tolerating(r.tolerations), r.not_before) == r.evicted_at);
  }
}

TEST_CASE("a node tainted before NoExecute eviction existed gets the NoExecute taint too",
          "[nodelifecycle][eviction]") {
  host_facts f;
  f.memory = int64_t{1} << 30;
  auto node =
      new_node("n1", "127.64.0.0/24", f, {{"Ready", "Unknown", "NodeStatusUnknown", ""}}, 100);
  capnp::MallocMessageBuilder m;
  object_reader r(node);
  m.setRoot(r.as<k8s::Node>());
  auto t = m.getRoot<k8s::Node>().getSpec().initTaints(1)[0];
  t.setKey("node.kubernetes.io/unreachable");
  t.setEffect(k8s::TaintEffect::NO_SCHEDULE);
  auto old = copy_to_bytes(m.getRoot<capnp::AnyStruct>().asReader());
  int64_t now = 1'000'000'000;
  REQUIRE(decide_node_health(old, std::nullopt, now, 40'000'000) ==
          node_health_action::mark_unknown);
  auto spec = mark_node_unknown(old, 500).first;
  auto taints = noexecute_taints(spec);
  REQUIRE(taints.size() == 1);
  CHECK(taints[0].key == "node.kubernetes.io/unreachable");
  CHECK(taints[0].since_seconds == 500);
  object_reader s(spec);
  CHECK(s.as<k8s::Node>().getSpec().getTaints().size() == 2);
  CHECK(s.as<k8s::Node>().getSpec().getTaints()[0].getTimeAdded() ==
        0);  // the NoSchedule one stays as it was
}

namespace {

// Pod p on n1 tolerating NoExecute taint `key` for `seconds`.
std::string pod_tolerating(const std::string& key, int64_t seconds) {
  auto pod = troupe::testing::pod("default", "p", "n1", {}, 0);
  object_reader r(pod);
  capnp::MallocMessageBuilder m;
  m.setRoot(r.as<k8s::Pod>());
  auto t = m.getRoot<k8s::Pod>().getSpec().initTolerations(1)[0];
  t.setKey(key);
  t.setOperator(k8s::TolerationOperator::EXISTS);
  t.setEffect(k8s::TaintEffect::NO_EXECUTE);
  t.getTolerationSeconds().setValue(seconds);
  return copy_to_bytes(m.getRoot<capnp::AnyStruct>().asReader());
}

// The API in this process with a router, and nodes as a healthy 1 GiB agent registers them.
struct lifecycle_fixture {
  troupe::testing::api_fixture api;
  resource_actor router = api.keep(spawn_router(api.sys(), api.resources()));
  host_facts facts;
  host_pressure pressure;

  lifecycle_fixture() {
    facts.memory = int64_t{1} << 30;
    pressure.memory_available = int64_t{1} << 30;
  }
  std::string healthy_node(const char* name) {
    return new_node(name, "127.64.0.0/24", facts, node_conditions(pressure, ""), unix_seconds());
  }
  /// The Events in default: each one's message, or with `detailed` "Type Reason object: message".
  std::vector<std::string> events(bool detailed = false) {
    std::vector<std::string> out;
    auto listed = api.call(api_verb::list, "events", "default", "");
    REQUIRE(listed);
    for (auto& e : listed->items) {
      object_reader r(e);
      auto event = r.as<k8s::Event>();
      std::string message = text_string(event.getMessage());
      out.push_back(detailed ? text_string(event.getType()) + " " + text_string(event.getReason()) + " " +
                                   text_string(event.getInvolvedObject().getName()) + ": " + message
                             : message);
    }
    return out;
  }
};

}  // namespace

TEST_CASE("taint eviction waits while every node is unreachable and goes on when one is back",
          "[nodelifecycle][eviction]") {
  using troupe::testing::eventually;
  lifecycle_fixture f;
  auto& api = f.api;
  auto& router = f.router;
  for (auto name : {"n1", "n2"}) REQUIRE(api.call(api_verb::create, "nodes", "", "", f.healthy_node(name)));
  // Tolerates an unreachable node for no time at all.
  REQUIRE(api.call(api_verb::create, "pods", "default", "", pod_tolerating("node.kubernetes.io/unreachable", 0)));
  auto deleting = [&] {
    auto got = api.call(api_verb::get, "pods", "default", "p");
    REQUIRE(got);
    object_reader r(got->object.str());
    return r.meta().getDeletionTimestamp() != 0;
  };
  auto tainted = [&](const char* node) {
    auto got = api.call(api_verb::get, "nodes", "", node);
    REQUIRE(got);
    return !noexecute_taints(got->object.str()).empty();
  };

  nodelifecycle_knobs knobs;
  knobs.check_interval = std::chrono::milliseconds(50);
  knobs.grace = std::chrono::milliseconds(300);  // counted from the controller's start
  api.keep(spawn_nodelifecycle(api.sys(), {api.shared_engine(), router, api.store(), knobs}));
  // Neither node has a Lease: both are marked unreachable, and then nothing is evicted.
  REQUIRE(eventually([&] { return tainted("n1") && tainted("n2"); }));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // ten checks
  CHECK_FALSE(deleting());

  // n2 renews its Lease and reports Ready: n1 alone is away, and its pod goes.
  REQUIRE(api.call(api_verb::create, "leases.coordination.k8s.io", "kube-node-lease", "",
                   node_lease("n2", "", unix_micros(), 40)));
  auto n2 = api.call(api_verb::get, "nodes", "", "n2");
  REQUIRE(n2);
  REQUIRE(api.call(api_verb::update_status, "nodes", "", "n2",
                   with_node_status(n2->object.str(), f.facts, node_conditions(f.pressure, ""), unix_seconds())));
  REQUIRE(eventually([&] { return !tainted("n2"); }));
  CHECK(eventually(deleting));
}

TEST_CASE("a cordoned node carries the unschedulable taint - uncordoned it loses it",
          "[nodelifecycle]") {
  using troupe::testing::eventually;
  lifecycle_fixture f;
  auto& api = f.api;
  auto& router = f.router;
  REQUIRE(api.call(api_verb::create, "nodes", "", "", f.healthy_node("n1")));
  nodelifecycle_knobs knobs;
  knobs.check_interval = std::chrono::hours(1);  // the first check only: the rest is the watch's
  knobs.grace = std::chrono::hours(1);
  api.keep(spawn_nodelifecycle(api.sys(), {api.shared_engine(), router, api.store(), knobs}));

  auto taints = [&] {
    auto got = api.call(api_verb::get, "nodes", "", "n1");
    REQUIRE(got);
    object_reader r(got->object.str());
    std::vector<std::string> out;
    for (auto t : r.as<k8s::Node>().getSpec().getTaints())
      out.push_back(text_string(t.getKey()) + ":" + std::to_string(static_cast<int>(t.getEffect())) +
                    (t.getTimeAdded() != 0 ? " added" : ""));
    return out;
  };
  auto set_unschedulable = [&](bool value, std::vector<std::pair<std::string, k8s::TaintEffect>> extra = {}) {
    auto got = api.call(api_verb::get, "nodes", "", "n1");
    REQUIRE(got);
    object_reader r(got->object.str());
    capnp::MallocMessageBuilder m;
    m.setRoot(r.as<k8s::Node>());
    auto spec = m.getRoot<k8s::Node>().getSpec();
    spec.setUnschedulable(value);
    if (!extra.empty()) {
      auto list = spec.initTaints(static_cast<unsigned>(extra.size()));
      for (unsigned i = 0; i < list.size(); ++i) {
        list[i].setKey(extra[i].first);
        list[i].setEffect(extra[i].second);
      }
    }
    REQUIRE(api.call(api_verb::update, "nodes", "", "n1", copy_to_bytes(m.getRoot<capnp::AnyStruct>().asReader())));
  };
  std::string unschedulable =
      "node.kubernetes.io/unschedulable:" + std::to_string(static_cast<int>(k8s::TaintEffect::NO_SCHEDULE));
  std::string mine = "example.com/mine:" + std::to_string(static_cast<int>(k8s::TaintEffect::NO_EXECUTE));

  set_unschedulable(true);
  REQUIRE(eventually([&] { return taints() == std::vector<std::string>{unschedulable + " added"}; }));
  set_unschedulable(false);
  REQUIRE(eventually([&] { return taints().empty(); }));
  // The node's other taints stay as they are.
  set_unschedulable(true, {{"example.com/mine", k8s::TaintEffect::NO_EXECUTE}});
  REQUIRE(eventually([&] { return taints() == std::vector<std::string>{mine, unschedulable + " added"}; }));
  set_unschedulable(false, {{"example.com/mine", k8s::TaintEffect::NO_EXECUTE},
                            {"node.kubernetes.io/unschedulable", k8s::TaintEffect::NO_SCHEDULE}});
  REQUIRE(eventually([&] { return taints() == std::vector<std::string>{mine}; }));
}

TEST_CASE("an eviction due later is cancelled with an event when the taint goes", "[nodelifecycle][eviction]") {
  using troupe::testing::eventually;
  lifecycle_fixture f;
  auto& api = f.api;
  auto& router = f.router;
  auto node = f.healthy_node("n1");
  auto with_taint = [](std::string bytes, bool tainted) {
    object_reader r(bytes);
    capnp::MallocMessageBuilder m;
    m.setRoot(r.as<k8s::Node>());
    auto spec = m.getRoot<k8s::Node>().getSpec();
    if (tainted) {
      auto t = spec.initTaints(1)[0];
      t.setKey("example.com/maintenance");
      t.setEffect(k8s::TaintEffect::NO_EXECUTE);
    } else {
      spec.disownTaints();
    }
    return copy_to_bytes(m.getRoot<capnp::AnyStruct>().asReader());
  };
  REQUIRE(api.call(api_verb::create, "nodes", "", "", with_taint(node, true)));
  REQUIRE(api.call(api_verb::create, "pods", "default", "", pod_tolerating("example.com/maintenance", 3600)));
  auto messages = [&] { return f.events(); };

  nodelifecycle_knobs knobs;
  knobs.check_interval = std::chrono::milliseconds(50);
  knobs.grace = std::chrono::hours(1);
  api.keep(spawn_nodelifecycle(api.sys(), {api.shared_engine(), router, api.store(), knobs}));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // checks that find it tolerated for now
  CHECK(messages().empty());
  auto stored = api.call(api_verb::get, "nodes", "", "n1");
  REQUIRE(stored);
  REQUIRE(api.call(api_verb::update, "nodes", "", "n1", with_taint(stored->object.str(), false)));
  REQUIRE(eventually([&] { return !messages().empty(); }));
  CHECK(messages() == std::vector<std::string>{"Cancelling deletion of Pod default/p"});
  auto got = api.call(api_verb::get, "pods", "default", "p");
  REQUIRE(got);
  CHECK(object_reader(got->object.str()).meta().getDeletionTimestamp() == 0);
}

TEST_CASE("a toleration that runs out evicts with one event and no cancellation", "[nodelifecycle][eviction]") {
  using troupe::testing::eventually;
  lifecycle_fixture f;
  auto& api = f.api;
  auto node = f.healthy_node("n1");
  {
    object_reader r(node);
    capnp::MallocMessageBuilder m;
    m.setRoot(r.as<k8s::Node>());
    auto t = m.getRoot<k8s::Node>().getSpec().initTaints(1)[0];
    t.setKey("example.com/maintenance");
    t.setEffect(k8s::TaintEffect::NO_EXECUTE);
    node = copy_to_bytes(m.getRoot<capnp::AnyStruct>().asReader());
  }
  REQUIRE(api.call(api_verb::create, "nodes", "", "", node));
  REQUIRE(api.call(api_verb::create, "pods", "default", "", pod_tolerating("example.com/maintenance", 1)));
  nodelifecycle_knobs knobs;
  knobs.check_interval = std::chrono::milliseconds(50);
  knobs.grace = std::chrono::hours(1);
  api.keep(spawn_nodelifecycle(api.sys(), {api.shared_engine(), f.router, api.store(), knobs}));
  auto messages = [&] { return f.events(); };
  REQUIRE(eventually([&] { return !messages().empty(); }, std::chrono::seconds(10)));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // more checks: nothing else to say
  CHECK(messages() == std::vector<std::string>{"Marking for deletion Pod default/p"});
  // Marked first as Kubernetes' PodDisruptionConditions mark it; its phase is its kubelet's.
  auto evicted = api.call(api_verb::get, "pods", "default", "p");
  REQUIRE(evicted);
  object_reader r(evicted->object.str());
  CHECK(r.meta().getDeletionTimestamp() != 0);
  bool marked = false;
  for (auto c : r.as<k8s::Pod>().getStatus().getConditions())
    marked = marked || (text_view(c.getType()) == "DisruptionTarget" && c.getStatus() == k8s::ConditionStatus::IS_TRUE &&
                        text_view(c.getReason()) == "DeletionByTaintManager" &&
                        text_view(c.getMessage()) == "Taint manager: deleting due to NoExecute taint");
  CHECK(marked);
  CHECK(r.as<k8s::Pod>().getStatus().getPhase() != k8s::PodPhase::FAILED);

  auto gc = pod_marked_for_disruption(evicted->object.str(), "DeletionByPodGC", "PodGC: node no longer exists", true, 9);
  REQUIRE(gc);
  object_reader g(*gc);
  CHECK(g.as<k8s::Pod>().getStatus().getPhase() == k8s::PodPhase::FAILED);
  CHECK_FALSE(pod_marked_for_disruption(*gc, "DeletionByPodGC", "PodGC: node no longer exists", true, 9));  // ended
}

TEST_CASE("PodGC: a node its pods name must be missing for the whole quarantine", "[nodelifecycle][podgc]") {
  std::map<std::string, int64_t> since;
  std::set<std::string> nodes{"n1"};
  CHECK(orphaned_nodes(nodes, {"n1", "ghost"}, since, 1000, 40000).empty());
  CHECK(since == std::map<std::string, int64_t>{{"ghost", 1000}});
  CHECK(orphaned_nodes(nodes, {"n1", "ghost"}, since, 40999, 40000).empty());
  CHECK(orphaned_nodes(nodes, {"n1", "ghost"}, since, 41000, 40000) == std::set<std::string>{"ghost"});
  // Back before its time: the quarantine starts again when it goes again.
  since = {{"ghost", 1000}};
  CHECK(orphaned_nodes({"n1", "ghost"}, {"ghost"}, since, 20000, 40000).empty());
  CHECK(since.empty());
  CHECK(orphaned_nodes(nodes, {"ghost"}, since, 30000, 40000).empty());
  CHECK(since.at("ghost") == 30000);
  // No pod names it any more: forgotten.
  CHECK(orphaned_nodes(nodes, {}, since, 90000, 40000).empty());
  CHECK(since.empty());
}

TEST_CASE("PodGC deletes the pods of a node that is gone and keeps the others", "[nodelifecycle][podgc]") {
  using troupe::testing::eventually;
  lifecycle_fixture f;
  auto& api = f.api;
  REQUIRE(api.call(api_verb::create, "nodes", "", "", f.healthy_node("n1")));
  REQUIRE(api.call(api_verb::create, "pods", "default", "", troupe::testing::pod("default", "kept", "n1")));
  REQUIRE(api.call(api_verb::create, "pods", "default", "", troupe::testing::pod("default", "stranded", "ghost")));
  // Marked for deletion, its node never to stop it: it goes too.
  REQUIRE(api.call(api_verb::create, "pods", "default", "", troupe::testing::pod("default", "terminating", "ghost")));
  REQUIRE(api.call(api_verb::remove, "pods", "default", "terminating"));
  REQUIRE(bool(api.call(api_verb::get, "pods", "default", "terminating")));
  auto exists = [&](const char* name) { return bool(api.call(api_verb::get, "pods", "default", name)); };
  nodelifecycle_knobs knobs;
  knobs.check_interval = std::chrono::milliseconds(50);
  knobs.grace = std::chrono::hours(1);
  knobs.orphan_quarantine = std::chrono::milliseconds(300);
  knobs.orphan_check_interval = std::chrono::milliseconds(50);
  api.keep(spawn_nodelifecycle(api.sys(), {api.shared_engine(), f.router, api.store(), knobs}));
  CHECK(eventually([&] { return !exists("stranded") && !exists("terminating"); }));
  CHECK(exists("kept"));
}

namespace {

// A pod on `node` whose status has a Ready condition of `ready`.
std::string pod_with_ready(const char* name, const char* node, k8s::ConditionStatus ready) {
  auto bytes = troupe::testing::pod("default", name, node);  // outlives its reader
  object_reader r(bytes);
  capnp::MallocMessageBuilder m;
  m.setRoot(r.as<k8s::Pod>());
  set_pod_condition(m.getRoot<k8s::Pod>(), "Ready", ready, "", "", 100);
  return copy_to_bytes(m.getRoot<capnp::AnyStruct>().asReader());
}

std::string ready_of(const std::string& pod) {
  object_reader r(pod);
  for (auto c : r.as<k8s::Pod>().getStatus().getConditions())
    if (text_view(c.getType()) == "Ready")
      return std::string(c.getStatus() == k8s::ConditionStatus::IS_TRUE ? "True" : "False") + " since " +
             std::to_string(c.getLastTransitionTime());
  return "none";
}

}  // namespace

TEST_CASE("the pods of a node marked unknown are not ready, each with a NodeNotReady event", "[nodelifecycle]") {
  auto marked = pod_marked_not_ready(pod_with_ready("p", "n1", k8s::ConditionStatus::IS_TRUE), 500);
  REQUIRE(marked);
  CHECK(ready_of(*marked) == "False since 500");
  CHECK_FALSE(pod_marked_not_ready(pod_with_ready("p", "n1", k8s::ConditionStatus::IS_FALSE), 500));
  CHECK_FALSE(pod_marked_not_ready(troupe::testing::pod("default", "p", "n1"), 500));  // no Ready condition yet

  using troupe::testing::eventually;
  lifecycle_fixture f;
  auto& api = f.api;
  for (auto name : {"n1", "n2"}) REQUIRE(api.call(api_verb::create, "nodes", "", "", f.healthy_node(name)));
  REQUIRE(api.call(api_verb::create, "leases.coordination.k8s.io", "kube-node-lease", "",
                   node_lease("n2", "", unix_micros() + 3'600'000'000, 40)));
  for (auto [name, node] : {std::pair{"away", "n1"}, std::pair{"here", "n2"}}) {
    REQUIRE(api.call(api_verb::create, "pods", "default", "", troupe::testing::pod("default", name, node)));
    auto stored = api.call(api_verb::get, "pods", "default", name);
    REQUIRE(stored);
    object_reader r(stored->object.str());
    capnp::MallocMessageBuilder m;
    m.setRoot(r.as<k8s::Pod>());
    set_pod_condition(m.getRoot<k8s::Pod>(), "Ready", k8s::ConditionStatus::IS_TRUE, "", "", 100);
    REQUIRE(api.call(api_verb::update_status, "pods", "default", name, copy_to_bytes(m.getRoot<capnp::AnyStruct>().asReader())));
  }
  auto ready = [&](const char* name) {
    auto got = api.call(api_verb::get, "pods", "default", name);
    REQUIRE(got);
    return ready_of(got->object.str()).substr(0, 5);
  };
  auto reasons = [&] { return f.events(true); };
  nodelifecycle_knobs knobs;
  knobs.check_interval = std::chrono::milliseconds(50);
  knobs.grace = std::chrono::milliseconds(300);  // n1 has no Lease: it goes away after this
  api.keep(spawn_nodelifecycle(api.sys(), {api.shared_engine(), f.router, api.store(), knobs}));
  REQUIRE(eventually([&] { return ready("away") == "False"; }));
  CHECK(ready("here") == "True ");
  CHECK(eventually([&] { return reasons().size() == 2; }));
  // The node's own, in default as for every cluster-scoped object, and one per pod marked.
  CHECK_THAT(reasons(), Catch::UnorderedEquals(std::vector<std::string>{
                            "Normal NodeNotReady n1: Node n1 status is now: NodeNotReady",
                            "Warning NodeNotReady away: Node is not ready"}));
}
