#include "actors/node/node.hpp"

#include <capnp/message.h>

#include <catch2/catch.hpp>

#include "actors/node/objects.hpp"
#include "runtime/object/object.hpp"
#include "schema/coordination.capnp.h"
#include "schema/core.capnp.h"

using namespace troupe;

TEST_CASE("node conditions follow the kubelet's eviction thresholds", "[node]") {
  host_pressure ok;
  ok.memory_available = int64_t{2} << 30;
  ok.disk_free_fraction = 0.5;
  ok.pids = 100;
  ok.pid_max = 32768;
  auto c = node_conditions(ok, "cgroup v1 (memory, cpu)");
  REQUIRE(c.size() == 4);
  CHECK(c[0] == node_condition{"MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"});
  CHECK(c[3].type == "Ready");
  CHECK(c[3].status == "True");
  CHECK(c[3].message == "kubelet is posting ready status; container limits: cgroup v1 (memory, cpu)");
  host_pressure bad = ok;
  bad.memory_available = 50 << 20;
  bad.disk_free_fraction = 0.05;
  bad.pids = 30000;
  auto b = node_conditions(bad, "");
  CHECK(b[0].status == "True");
  CHECK(b[0].reason == "KubeletHasInsufficientMemory");
  CHECK(b[1].status == "True");
  CHECK(b[2].status == "True");
}

TEST_CASE("the Node object: capacity labels pod range addresses transition times", "[node]") {
  host_facts f;
  f.milli_cpu = 2000;
  f.memory = int64_t{24} << 30;
  f.hostname = "box";
  f.address = "127.0.0.1";
  f.kernel = "6.1";
  f.machine_id = "m-1";
  f.system_uuid = "u-1";
  f.boot_id = "b-1";
  host_pressure p;
  p.memory_available = int64_t{8} << 30;
  auto conditions = node_conditions(p, "");
  auto bytes = new_node("n1", "127.64.0.0/24", f, conditions, 1000);
  object_reader r(bytes);
  auto n = r.as<k8s::Node>();
  CHECK(text_string(n.getSpec().getPodCIDR()) == "127.64.0.0/24");
  CHECK(map_get(n.getMetadata().getLabels(), "kubernetes.io/hostname") == "n1");
  CHECK(map_get(n.getMetadata().getLabels(), "kubernetes.io/arch") == "amd64");
  auto cap = n.getStatus().getCapacity();
  CHECK(text_string(cap[0].getValue()) == "2");
  CHECK(text_string(cap[1].getValue()) == "24Gi");
  CHECK(text_string(cap[2].getValue()) == "110");
  CHECK(text_string(n.getStatus().getAddresses()[0].getAddress()) == "127.0.0.1");
  CHECK(n.getSpec().getTaints().size() == 0);
  CHECK(text_string(n.getStatus().getNodeInfo().getMachineID()) == "m-1");
  CHECK(text_string(n.getStatus().getNodeInfo().getSystemUUID()) == "u-1");
  CHECK(text_string(n.getStatus().getNodeInfo().getBootID()) == "b-1");
  // Taints a Node registers with are its first ones only: taken off later, they stay off.
  f.taints = {{"dedicated", "db", "NoSchedule"}, {"gpu", "", "NoExecute"}};
  auto tainted = new_node("n2", "127.64.1.0/24", f, conditions, 1000);
  object_reader tainted_node(tainted);
  auto taints = tainted_node.as<k8s::Node>().getSpec().getTaints();
  REQUIRE(taints.size() == 2);
  CHECK(text_string(taints[0].getKey()) == "dedicated");
  CHECK(text_string(taints[0].getValue()) == "db");
  CHECK(taints[0].getEffect() == k8s::TaintEffect::NO_SCHEDULE);
  CHECK(taints[1].getEffect() == k8s::TaintEffect::NO_EXECUTE);
  auto registered_again = with_node_spec(bytes, "127.64.0.0/24", f);
  object_reader again(registered_again);
  CHECK(again.as<k8s::Node>().getSpec().getTaints().size() == 0);
  // A later status keeps the transition time of conditions that did not change.
  auto later = with_node_status(bytes, f, conditions, 2000);
  object_reader l(later);
  for (auto c : l.as<k8s::Node>().getStatus().getConditions()) {
    CHECK(c.getLastTransitionTime() == 1000);
    CHECK(c.getLastHeartbeatTime() == 2000);
  }
  CHECK(stored_conditions(later) == conditions);
  auto lease = node_lease("n1", "", 5000000, 40);
  auto renewed = node_lease("n1", lease, 6000000, 8);
  object_reader lr(renewed);
  CHECK(text_string(lr.meta().getNamespace()) == "kube-node-lease");
  auto spec = lr.as<k8s::Lease>().getSpec();
  CHECK(text_string(spec.getHolderIdentity()) == "n1");
  CHECK(spec.getRenewTime() == 6000000);
  CHECK(spec.getLeaseDurationSeconds().getValue() == 8);  // follows --node-lease-duration-seconds
  CHECK(lr.meta().getOwnerReferences().size() == 0);  // the Node's uid not known yet
  capnp::MallocMessageBuilder stored_node;
  auto meta = stored_node.initRoot<k8s::Node>().initMetadata();
  meta.setName("n1");
  meta.setUid("node-uid");
  auto owned = node_lease("n1", renewed, 7000000, 8, to_bytes(stored_node));
  object_reader or_(owned);
  REQUIRE(or_.meta().getOwnerReferences().size() == 1);
  auto owner = or_.meta().getOwnerReferences()[0];
  CHECK(text_string(owner.getKind()) == "Node");
  CHECK(text_string(owner.getApiVersion()) == "v1");
  CHECK(text_string(owner.getName()) == "n1");
  CHECK(text_string(owner.getUid()) == "node-uid");
}

TEST_CASE("extended resources advertised in a Node's capacity stay and become allocatable",
          "[node]") {
  host_facts f;
  f.milli_cpu = 2000;
  f.memory = int64_t{4} << 30;
  auto conditions = node_conditions(host_pressure{}, "");
  auto bytes = new_node("n1", "127.64.0.0/24", f, conditions, 1000);
  CHECK_FALSE(resources_outdated(bytes, f));
  // As `kubectl patch node n1 --subresource=status` adds example.com/dongle to the capacity.
  object_reader r(bytes);
  capnp::MallocMessageBuilder m;
  m.setRoot(r.as<k8s::Node>());
  auto status = m.getRoot<k8s::Node>().getStatus();
  auto capacity = status.initCapacity(5);
  const char* entries[][2] = {{"cpu", "2"},
                              {"memory", "4Gi"},
                              {"pods", "110"},
                              {"example.com/dongle", "4"},
                              {"kubernetes.io/not-ours", "1"}};
  for (unsigned i = 0; i < 5; ++i)
    capacity[i].setKey(entries[i][0]), capacity[i].setValue(entries[i][1]);
  auto patched = to_bytes(m);
  CHECK(resources_outdated(patched, f));
  auto written = with_node_status(patched, f, conditions, 2000);
  CHECK_FALSE(resources_outdated(written, f));
  object_reader w(written);
  auto quantities = [](capnp::List<k8s::QuantityEntry>::Reader list) {
    std::map<std::string, std::string> out;
    for (auto e : list) out[text_string(e.getKey())] = text_string(e.getValue());
    return out;
  };
  std::map<std::string, std::string> want = {{"cpu", "2"},
                                             {"memory", "4Gi"},
                                             {"pods", "110"},
                                             {"example.com/dongle", "4"},
                                             {"kubernetes.io/not-ours", "1"}};
  CHECK(quantities(w.as<k8s::Node>().getStatus().getCapacity()) == want);
  CHECK(quantities(w.as<k8s::Node>().getStatus().getAllocatable()) == want);
  // Taken out of the capacity, it leaves the allocatable too.
  capnp::MallocMessageBuilder removed;
  removed.setRoot(w.as<k8s::Node>());
  auto fewer = removed.getRoot<k8s::Node>().getStatus().initCapacity(3);
  for (unsigned i = 0; i < 3; ++i) fewer[i].setKey(entries[i][0]), fewer[i].setValue(entries[i][1]);
  auto without = to_bytes(removed);
  CHECK(resources_outdated(without, f));
  const auto rewritten = with_node_status(without, f, conditions, 3000);
  object_reader plain(rewritten);
  CHECK(
      quantities(plain.as<k8s::Node>().getStatus().getAllocatable()).count("example.com/dongle") ==
      0);
  // The host's own figures moving is a change too.
  f.memory = int64_t{8} << 30;
  CHECK(resources_outdated(written, f));
}

TEST_CASE("the kubelet's node events: condition changes and cordons", "[node]") {
  host_facts f;
  f.memory = int64_t{1} << 30;
  host_pressure p;
  p.memory_available = int64_t{1} << 30;
  auto fresh = new_node("n1", "127.64.0.0/24", f, node_conditions(p, ""), 100);
  CHECK(node_status_events("", fresh) ==
        std::vector<std::string>{"NodeHasSufficientMemory", "NodeHasNoDiskPressure", "NodeHasSufficientPID", "NodeReady"});
  CHECK(node_status_events(fresh, fresh).empty());
  auto unknown = with_node_status(fresh, f, {{"Ready", "Unknown", "NodeStatusUnknown", ""}}, 200);
  CHECK(node_status_events(fresh, unknown).empty());  // the node controller's, not the kubelet's
  auto back = with_node_status(unknown, f, node_conditions(p, ""), 300);
  CHECK(node_status_events(unknown, back) ==
        std::vector<std::string>{"NodeHasSufficientMemory", "NodeHasNoDiskPressure", "NodeHasSufficientPID", "NodeReady"});
  object_reader r(back);
  capnp::MallocMessageBuilder m;
  m.setRoot(r.as<k8s::Node>());
  m.getRoot<k8s::Node>().getSpec().setUnschedulable(true);
  auto cordoned = copy_to_bytes(m.getRoot<capnp::AnyStruct>().asReader());
  CHECK(node_status_events(back, cordoned) == std::vector<std::string>{"NodeNotSchedulable"});
  CHECK(node_status_events(cordoned, back) == std::vector<std::string>{"NodeSchedulable"});
}
