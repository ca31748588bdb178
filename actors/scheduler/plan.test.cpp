#include "actors/scheduler/plan.hpp"

#include <catch2/catch.hpp>
#include <chrono>
#include <deque>
#include <functional>
#include <iostream>
#include <unordered_map>

using namespace troupe;
using namespace troupe::sched;

namespace {

constexpr int64_t gi = int64_t{1} << 30;

node_info make_node(const std::string& name, int64_t milli_cpu = 4000, int64_t memory = 8 * gi,
                    int64_t pods = 110) {
  node_info n;
  n.name = name;
  n.labels = {{"kubernetes.io/hostname", name}};
  n.allocatable = {milli_cpu, memory, pods};
  return n;
}

pod_info make_pod(const std::string& name, int64_t milli_cpu = 1000, int64_t memory = 1 * gi) {
  pod_info p;
  p.ns = "default";
  p.name = name;
  p.uid = "uid-" + name;
  p.requests = {milli_cpu, memory, 1};
  p.scored_requests = p.requests;
  return p;
}

using filter_fn = filter_result (*)(const pod_info&, const node_info&);
using setup_fn = std::function<void(pod_info&, node_info&)>;

struct filter_row {
  const char* name;
  filter_fn filter;
  setup_fn setup;
  filter_result want;
};

void run(const std::vector<filter_row>& rows) {
  for (auto& r : rows) {
    INFO(r.name);
    auto pod = make_pod("p");
    auto node = make_node("n1");
    r.setup(pod, node);
    CHECK(r.filter(pod, node) == r.want);
  }
}

node_selector_requirement req(std::string key, std::string op,
                              std::vector<std::string> values = {}) {
  return {std::move(key), std::move(op), std::move(values)};
}

node_selector_term expressions(std::vector<node_selector_requirement> r) {
  return {std::move(r), {}};
}

const filter_result fits_ok = std::nullopt;
const std::string affinity_msg = "node(s) didn't match Pod's node affinity/selector";
const std::string ports_msg = "node(s) didn't have free ports for the requested pod ports";
const std::string anti_msg = "node(s) didn't match pod anti-affinity rules";

}  // namespace

TEST_CASE("node name and unschedulable filters", "[scheduler]") {
  const std::string name_msg = "node(s) didn't match the requested node name";
  const std::string cordoned = "node(s) were unschedulable";
  run({
      {"no node name", filter_node_name, [](pod_info&, node_info&) {}, fits_ok},
      {"its own node", filter_node_name, [](pod_info& p, node_info&) { p.node_name = "n1"; },
       fits_ok},
      {"another node", filter_node_name, [](pod_info& p, node_info&) { p.node_name = "n2"; },
       name_msg},
      {"schedulable", filter_unschedulable, [](pod_info&, node_info&) {}, fits_ok},
      {"cordoned", filter_unschedulable, [](pod_info&, node_info& n) { n.unschedulable = true; },
       cordoned},
      {"cordoned, tolerated by key", filter_unschedulable,
       [](pod_info& p, node_info& n) {
         n.unschedulable = true;
         p.tolerations = {{"node.kubernetes.io/unschedulable", "Exists", "", "NoSchedule"}};
       },
       fits_ok},
      {"cordoned, tolerated by a blanket Exists", filter_unschedulable,
       [](pod_info& p, node_info& n) {
         n.unschedulable = true;
         p.tolerations = {{"", "Exists", "", ""}};
       },
       fits_ok},
      {"cordoned, toleration for NoExecute only", filter_unschedulable,
       [](pod_info& p, node_info& n) {
         n.unschedulable = true;
         p.tolerations = {{"node.kubernetes.io/unschedulable", "Exists", "", "NoExecute"}};
       },
       cordoned},
      {"cordoned, another key tolerated", filter_unschedulable,
       [](pod_info& p, node_info& n) {
         n.unschedulable = true;
         p.tolerations = {{"dedicated", "Exists", "", ""}};
       },
       cordoned},
  });
}

TEST_CASE("resource filter", "[scheduler]") {
  run({
      {"fits exactly", filter_resources,
       [](pod_info& p, node_info& n) {
         n.requested = {3000, 7 * gi, 109};
         p.requests = {1000, 1 * gi, 1};
       },
       fits_ok},
      {"one milli-core short", filter_resources,
       [](pod_info& p, node_info& n) {
         n.requested = {3001, 0, 0};
       },
       std::string("Insufficient cpu")},
      {"one byte short", filter_resources,
       [](pod_info& p, node_info& n) {
         n.requested = {0, 7 * gi + 1, 0};
       },
       std::string("Insufficient memory")},
      {"no room for another pod", filter_resources,
       [](pod_info& p, node_info& n) {
         n.requested = {0, 0, 110};
       },
       std::string("Too many pods")},
      {"cpu and memory", filter_resources,
       [](pod_info& p, node_info&) {
         p.requests = {5000, 9 * gi, 1};
       },
       std::string("Insufficient cpu\nInsufficient memory")},
      {"everything", filter_resources,
       [](pod_info& p, node_info& n) {
         n.requested = {4000, 8 * gi, 110};
       },
       std::string("Too many pods\nInsufficient cpu\nInsufficient memory")},
      {"a pod without requests fits a full node", filter_resources,
       [](pod_info& p, node_info& n) {
         n.requested = {4000, 8 * gi, 3};
         p.requests = {0, 0, 1};
       },
       fits_ok},
      {"an extended resource the node advertises", filter_resources,
       [](pod_info& p, node_info& n) {
         n.extended_allocatable = {{"example.com/dongle", 4}};
         n.extended_requested = {{"example.com/dongle", 2}};
         p.extended_requests = {{"example.com/dongle", 2}};
       },
       fits_ok},
      {"an extended resource used up", filter_resources,
       [](pod_info& p, node_info& n) {
         n.extended_allocatable = {{"example.com/dongle", 4}};
         n.extended_requested = {{"example.com/dongle", 3}};
         p.extended_requests = {{"example.com/dongle", 2}};
       },
       std::string("Insufficient example.com/dongle")},
      {"extended resources the node lacks, beside cpu", filter_resources,
       [](pod_info& p, node_info& n) {
         n.requested = {4000, 0, 1};
         p.extended_requests = {{"example.com/dongle", 1}, {"vendor.io/gpu", 1}};
       },
       std::string(
           "Insufficient cpu\nInsufficient example.com/dongle\nInsufficient vendor.io/gpu")},
  });
}

TEST_CASE("extended resources are counted per node and named when short", "[scheduler]") {
  auto a = make_node("a"), b = make_node("b");
  b.extended_allocatable = {{"example.com/dongle", 2}};
  auto first = make_pod("first"), second = make_pod("second");
  first.extended_requests = second.extended_requests = {{"example.com/dongle", 2}};
  auto chosen = place({a, b}, first);
  CHECK(chosen.node == std::optional<std::string>("b"));
  b.add_pod(first);
  CHECK(b.extended_requested == extended_amounts{{"example.com/dongle", 2}});
  CHECK(place({a, b}, second).message ==
        "0/2 nodes are available: 2 Insufficient example.com/dongle.");
  b.remove_pod(first);
  CHECK(b.extended_requested == extended_amounts{{"example.com/dongle", 0}});
  CHECK(place({a, b}, second).node == std::optional<std::string>("b"));
}

TEST_CASE("node affinity and nodeSelector filter", "[scheduler]") {
  auto with_terms = [](std::vector<node_selector_term> terms) {
    return [terms](pod_info& p, node_info& n) {
      n.labels = {{"zone", "a"}, {"cores", "8"}, {"disk", "ssd"}};
      p.required_node_affinity = terms;
    };
  };
  auto one = [&](node_selector_requirement r) { return with_terms({expressions({r})}); };
  run({
      {"nothing asked", filter_node_affinity, [](pod_info&, node_info&) {}, fits_ok},
      {"nodeSelector matches", filter_node_affinity,
       [](pod_info& p, node_info& n) {
         n.labels["disk"] = "ssd";
         p.node_selector = {{"disk", "ssd"}};
       },
       fits_ok},
      {"nodeSelector value differs", filter_node_affinity,
       [](pod_info& p, node_info& n) {
         n.labels["disk"] = "hdd";
         p.node_selector = {{"disk", "ssd"}};
       },
       affinity_msg},
      {"nodeSelector label missing", filter_node_affinity,
       [](pod_info& p, node_info&) {
         p.node_selector = {{"disk", "ssd"}};
       },
       affinity_msg},
      {"In", filter_node_affinity, one(req("zone", "In", {"b", "a"})), fits_ok},
      {"In, other value", filter_node_affinity, one(req("zone", "In", {"b"})), affinity_msg},
      {"In, label missing", filter_node_affinity, one(req("rack", "In", {"1"})), affinity_msg},
      {"NotIn", filter_node_affinity, one(req("zone", "NotIn", {"b"})), fits_ok},
      {"NotIn, listed", filter_node_affinity, one(req("zone", "NotIn", {"a"})), affinity_msg},
      {"NotIn, label missing", filter_node_affinity, one(req("rack", "NotIn", {"1"})), fits_ok},
      {"Exists", filter_node_affinity, one(req("zone", "Exists")), fits_ok},
      {"Exists, missing", filter_node_affinity, one(req("rack", "Exists")), affinity_msg},
      {"DoesNotExist", filter_node_affinity, one(req("rack", "DoesNotExist")), fits_ok},
      {"DoesNotExist, present", filter_node_affinity, one(req("zone", "DoesNotExist")),
       affinity_msg},
      {"Gt", filter_node_affinity, one(req("cores", "Gt", {"4"})), fits_ok},
      {"Gt, equal", filter_node_affinity, one(req("cores", "Gt", {"8"})), affinity_msg},
      {"Lt", filter_node_affinity, one(req("cores", "Lt", {"16"})), fits_ok},
      {"Lt, larger", filter_node_affinity, one(req("cores", "Lt", {"2"})), affinity_msg},
      {"Gt on a label that is no number", filter_node_affinity, one(req("zone", "Gt", {"1"})),
       affinity_msg},
      {"Lt, label missing", filter_node_affinity, one(req("rack", "Lt", {"1"})), affinity_msg},
      {"terms are ORed", filter_node_affinity,
       with_terms({expressions({req("zone", "In", {"b"})}), expressions({req("disk", "Exists")})}),
       fits_ok},
      {"requirements in a term are ANDed", filter_node_affinity,
       with_terms({expressions({req("zone", "In", {"a"}), req("disk", "In", {"hdd"})})}),
       affinity_msg},
      {"an empty term matches nothing", filter_node_affinity, with_terms({{}}), affinity_msg},
      {"matchFields metadata.name", filter_node_affinity,
       with_terms({{{}, {req("metadata.name", "In", {"n1"})}}}), fits_ok},
      {"matchFields another name", filter_node_affinity,
       with_terms({{{}, {req("metadata.name", "In", {"n2"})}}}), affinity_msg},
      {"matchFields NotIn its name", filter_node_affinity,
       with_terms({{{}, {req("metadata.name", "NotIn", {"n1"})}}}), affinity_msg},
      {"matchFields on another field", filter_node_affinity,
       with_terms({{{}, {req("metadata.uid", "In", {"n1"})}}}), affinity_msg},
      {"nodeSelector and affinity both needed", filter_node_affinity,
       [](pod_info& p, node_info& n) {
         n.labels = {{"zone", "a"}};
         p.node_selector = {{"disk", "ssd"}};
         p.required_node_affinity = {expressions({req("zone", "In", {"a"})})};
       },
       affinity_msg},
  });
}

TEST_CASE("taint filter", "[scheduler]") {
  const std::string gpu_msg = "node(s) had untolerated taint {dedicated: gpu}";
  const std::string not_ready_msg =
      "node(s) had untolerated taint {node.kubernetes.io/not-ready: }";
  auto tainted = [](std::string effect, std::vector<toleration> tolerations) {
    return [=](pod_info& p, node_info& n) {
      n.taints = {{"dedicated", "gpu", effect}};
      p.tolerations = tolerations;
    };
  };
  auto not_ready = [](std::vector<toleration> tolerations) {
    return [=](pod_info& p, node_info& n) {
      n.ready = false;
      p.tolerations = tolerations;
    };
  };
  run({
      {"no taints", filter_taints, [](pod_info&, node_info&) {}, fits_ok},
      {"NoSchedule", filter_taints, tainted("NoSchedule", {}), gpu_msg},
      {"NoExecute", filter_taints, tainted("NoExecute", {}), gpu_msg},
      {"PreferNoSchedule only scores", filter_taints, tainted("PreferNoSchedule", {}), fits_ok},
      {"Equal with the value", filter_taints,
       tainted("NoSchedule", {{"dedicated", "Equal", "gpu", "NoSchedule"}}), fits_ok},
      {"operator defaults to Equal", filter_taints,
       tainted("NoSchedule", {{"dedicated", "", "gpu", ""}}), fits_ok},
      {"Equal, another value", filter_taints,
       tainted("NoSchedule", {{"dedicated", "Equal", "cpu", ""}}), gpu_msg},
      {"Exists on the key", filter_taints, tainted("NoExecute", {{"dedicated", "Exists", "", ""}}),
       fits_ok},
      {"another effect", filter_taints,
       tainted("NoSchedule", {{"dedicated", "Exists", "", "NoExecute"}}), gpu_msg},
      {"another key", filter_taints, tainted("NoSchedule", {{"team", "Exists", "", ""}}), gpu_msg},
      {"blanket Exists", filter_taints, tainted("NoSchedule", {{"", "Exists", "", ""}}), fits_ok},
      {"first untolerated named", filter_taints,
       [](pod_info& p, node_info& n) {
         n.taints = {{"a", "1", "NoSchedule"}, {"b", "2", "NoExecute"}};
         p.tolerations = {{"a", "Exists", "", ""}};
       },
       std::string("node(s) had untolerated taint {b: 2}")},
      {"not ready", filter_taints, not_ready({}), not_ready_msg},
      {"not ready, tolerated", filter_taints,
       not_ready({{"node.kubernetes.io/not-ready", "Exists", "", "NoSchedule"}}), fits_ok},
      {"not ready, only the NoExecute default toleration", filter_taints,
       not_ready({{"node.kubernetes.io/not-ready", "Exists", "", "NoExecute"}}), not_ready_msg},
  });
}

TEST_CASE("host port filter", "[scheduler]") {
  auto ports = [](host_port want, host_port used) {
    return [=](pod_info& p, node_info& n) {
      p.host_ports = {want};
      n.used_ports = {used};
    };
  };
  run({
      {"no ports", filter_host_ports, [](pod_info&, node_info&) {}, fits_ok},
      {"free node", filter_host_ports,
       [](pod_info& p, node_info&) {
         p.host_ports = {{"TCP", "", 80}};
       },
       fits_ok},
      {"same port", filter_host_ports, ports({"TCP", "", 80}, {"TCP", "", 80}), ports_msg},
      {"another port", filter_host_ports, ports({"TCP", "", 80}, {"TCP", "", 81}), fits_ok},
      {"another protocol", filter_host_ports, ports({"UDP", "", 53}, {"TCP", "", 53}), fits_ok},
      {"empty protocol is TCP", filter_host_ports, ports({"", "", 80}, {"TCP", "", 80}), ports_msg},
      {"two addresses", filter_host_ports, ports({"TCP", "10.0.0.1", 80}, {"TCP", "10.0.0.2", 80}),
       fits_ok},
      {"same address", filter_host_ports, ports({"TCP", "10.0.0.1", 80}, {"TCP", "10.0.0.1", 80}),
       ports_msg},
      {"wildcard wanted", filter_host_ports, ports({"TCP", "0.0.0.0", 80}, {"TCP", "10.0.0.1", 80}),
       ports_msg},
      {"wildcard used", filter_host_ports, ports({"TCP", "10.0.0.1", 80}, {"TCP", "", 80}),
       ports_msg},
  });
}

TEST_CASE("pod anti-affinity filter", "[scheduler]") {
  // The pods a node holds must outlive it: node_info only borrows them.
  static std::deque<pod_info> others;
  auto running = [](std::string ns, std::map<std::string, std::string> labels) {
    pod_info& o = others.emplace_back(make_pod("other-" + std::to_string(others.size())));
    o.ns = std::move(ns);
    o.labels = std::move(labels);
    return &o;
  };
  auto term = [](std::string selector, std::string topology, std::vector<std::string> ns = {}) {
    return pod_affinity_term{label_selector::parse(selector), std::move(ns), std::move(topology)};
  };
  const std::string hostname = "kubernetes.io/hostname";
  auto scene =
      [&](pod_affinity_term t, std::string other_ns, std::map<std::string, std::string> labels,
          std::map<std::string, std::string> node_labels = {{"kubernetes.io/hostname", "n1"}}) {
        const pod_info* other = running(other_ns, labels);
        return [=](pod_info& p, node_info& n) {
          p.required_anti_affinity = {t};
          n.labels = node_labels;
          n.add_pod(*other);
        };
      };
  run({
      {"no terms", filter_inter_pod_affinity, [](pod_info&, node_info&) {}, fits_ok},
      {"a matching pod on the node", filter_inter_pod_affinity,
       scene(term("app=web", hostname), "default", {{"app", "web"}}), anti_msg},
      {"pods that do not match", filter_inter_pod_affinity,
       scene(term("app=web", hostname), "default", {{"app", "db"}}), fits_ok},
      {"matching pod in another namespace", filter_inter_pod_affinity,
       scene(term("app=web", hostname), "other", {{"app", "web"}}), fits_ok},
      {"namespaces listed", filter_inter_pod_affinity,
       scene(term("app=web", hostname, {"other"}), "other", {{"app", "web"}}), anti_msg},
      {"set-based selector", filter_inter_pod_affinity,
       scene(term("app in (web,api),tier", hostname), "default", {{"app", "api"}, {"tier", "x"}}),
       anti_msg},
      {"hostname needs no label", filter_inter_pod_affinity,
       scene(term("app=web", hostname), "default", {{"app", "web"}}, {}), anti_msg},
      {"zone: node without the zone label", filter_inter_pod_affinity,
       scene(term("app=web", "zone"), "default", {{"app", "web"}}), fits_ok},
      {"zone: matching pod on this node", filter_inter_pod_affinity,
       scene(term("app=web", "zone"), "default", {{"app", "web"}}, {{"zone", "a"}}), anti_msg},
      {"a selector that selects nothing", filter_inter_pod_affinity,
       scene({label_selector::nothing(), {}, hostname}, "default", {{"app", "web"}}), fits_ok},
  });
}

TEST_CASE("fits runs the filters in order and reports the first failure", "[scheduler]") {
  auto tainted = std::string("node(s) had untolerated taint {k: v}");
  run({
      {"all pass", fits, [](pod_info&, node_info&) {}, fits_ok},
      // kube-scheduler's filter order: NodeUnschedulable, NodeName, TaintToleration,
      // NodeAffinity, NodePorts, NodeResourcesFit.
      {"unschedulable before node name", fits,
       [](pod_info& p, node_info& n) {
         p.node_name = "n2";
         n.unschedulable = true;
       },
       std::string("node(s) were unschedulable")},
      {"node name before taints", fits,
       [](pod_info& p, node_info& n) {
         p.node_name = "n2";
         n.taints = {{"k", "v", "NoSchedule"}};
       },
       std::string("node(s) didn't match the requested node name")},
      {"taints before affinity", fits,
       [](pod_info& p, node_info& n) {
         n.taints = {{"k", "v", "NoSchedule"}};
         p.node_selector = {{"disk", "ssd"}};
       },
       tainted},
      {"affinity before ports", fits,
       [](pod_info& p, node_info& n) {
         p.node_selector = {{"disk", "ssd"}};
         n.used_ports = {{"TCP", "", 80}};
         p.host_ports = {{"TCP", "", 80}};
       },
       affinity_msg},
      {"ports before resources", fits,
       [](pod_info& p, node_info& n) {
         n.used_ports = {{"TCP", "", 80}};
         p.host_ports = {{"TCP", "", 80}};
         n.requested = {4000, 0, 0};
       },
       ports_msg},
      {"resources", fits, [](pod_info&, node_info& n) { n.requested = {4000, 0, 0}; },
       std::string("Insufficient cpu")},
      {"not ready is a taint", fits, [](pod_info&, node_info& n) { n.ready = false; },
       std::string("node(s) had untolerated taint {node.kubernetes.io/not-ready: }")},
      {"ports", fits,
       [](pod_info& p, node_info& n) {
         n.used_ports = {{"TCP", "", 80}};
         p.host_ports = {{"TCP", "", 80}};
       },
       ports_msg},
  });
}

TEST_CASE("node_info accounts its pods", "[scheduler]") {
  auto node = make_node("n1");
  auto a = make_pod("a", 500, gi), b = make_pod("b", 250, 2 * gi);
  a.owner_uid = b.owner_uid = "rs-1";
  a.host_ports = {{"TCP", "", 80}};
  node.add_pod(a);
  node.add_pod(b);
  CHECK(node.requested.milli_cpu == 750);
  CHECK(node.requested.memory == 3 * gi);
  CHECK(node.requested.pods == 2);
  CHECK(node.owner_counts.count("rs-1") == 2);
  CHECK(node.used_ports.size() == 1);
  CHECK(node.pods.size() == 2);

  node.remove_pod(a);
  CHECK(node.requested.milli_cpu == 250);
  CHECK(node.requested.pods == 1);
  CHECK(node.used_ports.empty());
  CHECK(node.owner_counts.count("rs-1") == 1);
  CHECK(node.pods == std::vector<const pod_info*>{&b});

  node.remove_pod(a);  // not there any more: nothing changes
  CHECK(node.requested.milli_cpu == 250);
  node.remove_pod(b);
  CHECK(node.owner_counts.count("rs-1") == 0);
  CHECK(node.owner_counts.size() == 0);
  CHECK(node.requested.pods == 0);
}

TEST_CASE("owner tally counts pods per owner", "[scheduler]") {
  owner_tally t;
  t.add("a");
  t.add("b", 3);
  t.add("c");
  t.add("a");
  CHECK(t.size() == 3);
  CHECK(t.count("a") == 2);
  CHECK(t.count("a", owner_tally::hash("a")) == 2);
  CHECK(t.count("d") == 0);
  t.remove("b", 3);  // the last entry moves into its place
  CHECK(t.size() == 2);
  CHECK(t.count("b") == 0);
  CHECK(t.count("c") == 1);
  CHECK(t.count("a") == 2);
  t.remove("a");
  CHECK(t.count("a") == 1);
  t.remove("nobody");
  CHECK(t.size() == 2);
}

TEST_CASE("scores", "[scheduler]") {
  using score_fn = std::function<int64_t(const pod_info&, const node_info&)>;
  struct row {
    const char* name;
    score_fn score;
    setup_fn setup;
    int64_t want;
  };
  score_fn least = score_least_allocated, balanced = score_balanced_allocation;
  score_fn affinity = preferred_node_affinity_weight, tolerate = intolerable_taints;
  auto spread = [](int32_t max) {
    return [max](const pod_info& p, const node_info& n) { return score_spread(p, n, max); };
  };
  auto owned = [](int32_t count) {
    return [count](pod_info& p, node_info& n) {
      p.owner_uid = "rs";
      if (count) n.owner_counts.add("rs", count);
    };
  };
  auto prefer = [](std::vector<preferred_term> terms) {
    return [terms](pod_info& p, node_info& n) {
      n.labels = {{"zone", "a"}, {"disk", "ssd"}};
      p.preferred_node_affinity = terms;
    };
  };
  auto zone_a = expressions({req("zone", "In", {"a"})});
  auto zone_b = expressions({req("zone", "In", {"b"})});
  auto ssd = expressions({req("disk", "Exists")});
  auto prefer_taints = [](std::vector<taint> taints, std::vector<toleration> tolerations) {
    return [=](pod_info& p, node_info& n) {
      n.taints = taints;
      p.tolerations = tolerations;
    };
  };
  // Nodes are 4000m / 8Gi; the pod asks 1000m / 1Gi unless a row says otherwise.
  std::vector<row> rows = {
      {"least allocated, empty node", least, [](pod_info&, node_info&) {}, (75 + 87) / 2},
      {"least allocated, half used", least,
       [](pod_info& p, node_info& n) {
         n.scored_requested = {1000, 2 * gi, 2};
         p.scored_requests = {1000, 2 * gi, 1};
       },
       50},
      {"least allocated, one resource full", least,
       [](pod_info& p, node_info& n) {
         n.scored_requested = {0, 6 * gi, 2};
         p.scored_requests = {1000, 2 * gi, 1};
       },
       (75 + 0) / 2},
      {"least allocated, over-committed", least,
       [](pod_info&, node_info& n) {
         n.scored_requested = {4000, 8 * gi, 1};
       },
       0},
      {"least allocated counts scored requests, not requests", least,
       [](pod_info& p, node_info& n) {
         n.requested = {0, 0, 2};
         n.scored_requested = {2000, 4 * gi, 2};
         p.requests = {0, 0, 1};
         p.scored_requests = {1000, 2 * gi, 1};
       },
       25},
      {"least allocated, nothing allocatable", least,
       [](pod_info&, node_info& n) {
         n.allocatable = {0, 0, 110};
       },
       0},
      {"balanced, even", balanced,
       [](pod_info& p, node_info&) {
         p.requests = {2000, 4 * gi, 1};
       },
       100},
      {"balanced, a quarter apart", balanced,
       [](pod_info& p, node_info& n) {
         n.requested = {1000, 1 * gi, 1};
         p.requests = {1000, 1 * gi, 1};
       },
       87},  // 1 - |0.5 - 0.25| / 2
      {"balanced, cpu capped at full", balanced,
       [](pod_info& p, node_info& n) {
         n.requested = {4000, 3 * gi, 1};
         p.requests = {1000, 1 * gi, 1};
       },
       75},  // 1 - |1 - 0.5| / 2
      {"spread, no owner anywhere", spread(0), owned(0), 100},
      {"spread, none here", spread(4), owned(0), 100},
      {"spread, one of four", spread(4), owned(1), 75},
      {"spread, the most", spread(4), owned(4), 0},
      {"spread, a bare pod", spread(4),
       [](pod_info&, node_info& n) { n.owner_counts.add("rs", 4); }, 100},
      {"node affinity, no preferences", affinity, prefer({}), 0},
      {"node affinity, one of two", affinity, prefer({{20, zone_a}, {80, zone_b}}), 20},
      {"node affinity, the heavier", affinity, prefer({{20, zone_b}, {80, zone_a}}), 80},
      {"node affinity, all", affinity, prefer({{30, zone_a}, {10, ssd}}), 40},
      {"node affinity, none", affinity, prefer({{30, zone_b}}), 0},
      {"node affinity, an empty preference matches nothing", affinity, prefer({{30, {}}}), 0},
      {"taints, none", tolerate, prefer_taints({}, {}), 0},
      {"taints, two preferred against", tolerate,
       prefer_taints({{"a", "1", "PreferNoSchedule"}, {"b", "2", "PreferNoSchedule"}}, {}), 2},
      {"taints, one tolerated", tolerate,
       prefer_taints({{"a", "1", "PreferNoSchedule"}, {"b", "2", "PreferNoSchedule"}},
                     {{"a", "Equal", "1", "PreferNoSchedule"}}),
       1},
      {"taints, NoSchedule ones do not score", tolerate,
       prefer_taints({{"a", "1", "NoSchedule"}}, {}), 0},
      {"taints, a NoSchedule toleration does not help", tolerate,
       prefer_taints({{"a", "1", "PreferNoSchedule"}}, {{"a", "Exists", "", "NoSchedule"}}), 1},
  };
  for (auto& r : rows) {
    INFO(r.name);
    auto pod = make_pod("p");
    auto node = make_node("n1");
    r.setup(pod, node);
    CHECK(r.score(pod, node) == r.want);
  }
}

TEST_CASE("place picks the best feasible node", "[scheduler]") {
  auto busy = make_node("busy"), idle = make_node("idle"), full = make_node("full");
  busy.requested = busy.scored_requested = {2000, 4 * gi, 2};
  full.requested = full.scored_requested = {4000, 0, 1};
  auto pod = make_pod("p");

  auto chosen = place({busy, full, idle}, pod);
  CHECK(chosen.node == "idle");
  CHECK(chosen.message.empty());
  CHECK(chosen.next_start == 0);

  SECTION("ties go to the first node seen from start") {
    std::vector<node_info> same = {make_node("a"), make_node("b"), make_node("c")};
    CHECK(place(same, pod).node == "a");
    CHECK(place(same, pod, {0, 1}).node == "b");
    CHECK(place(same, pod, {0, 2}).node == "c");
    CHECK(place(same, pod, {0, 4}).node == "b");  // start wraps
  }
  SECTION("spreading outweighs a little load") {
    auto a = make_node("a"), b = make_node("b");
    pod.owner_uid = "rs";
    a.owner_counts.add("rs");
    b.requested = b.scored_requested = {500, 0, 1};
    CHECK(place({a, b}, pod).node == "b");
  }
  SECTION("pods without requests weigh on a node") {
    auto a = make_node("a"), b = make_node("b");
    std::vector<pod_info> bare;
    for (int i = 0; i < 8; ++i) bare.push_back(make_pod("bare-" + std::to_string(i), 0, 0));
    for (auto& p : bare) {
      p.scored_requests = {100, 200 * 1024 * 1024, 1};
      a.add_pod(p);
    }
    CHECK(a.requested.milli_cpu == 0);
    CHECK(a.scored_requested.milli_cpu == 800);
    pod.requests = {0, 0, 1};
    pod.scored_requests = {100, 200 * 1024 * 1024, 1};
    CHECK(place({a, b}, pod).node == "b");
  }
  SECTION("preferred node affinity") {
    auto a = make_node("a"), b = make_node("b");
    b.labels["disk"] = "ssd";
    pod.preferred_node_affinity = {{10, expressions({req("disk", "Exists")})}};
    CHECK(place({a, b}, pod).node == "b");
  }
  SECTION("a PreferNoSchedule taint") {
    auto a = make_node("a"), b = make_node("b");
    a.taints = {{"spot", "true", "PreferNoSchedule"}};
    CHECK(place({a, b}, pod).node == "b");
  }
  SECTION("PreferNoSchedule taints weigh against the most tainted node's count") {
    // Normalised as kube-scheduler's: one taint where another node has two scores 50 (x3), which
    // outweighs a node being busier.
    auto one = make_node("one"), two = make_node("two");
    one.taints = {{"spot", "true", "PreferNoSchedule"}};
    two.taints = {{"spot", "true", "PreferNoSchedule"}, {"old", "true", "PreferNoSchedule"}};
    one.requested = one.scored_requested = {1500, 3 * gi, 2};
    CHECK(place({two, one}, pod).node == "one");
  }
  SECTION("preferred node affinity counts as a share of the best match") {
    auto a = make_node("a"), b = make_node("b");
    a.labels["disk"] = "ssd";
    b.labels["disk"] = "ssd";
    b.labels["gpu"] = "yes";
    pod.preferred_node_affinity = {{1, expressions({req("disk", "Exists")})},
                                   {2, expressions({req("gpu", "Exists")})}};
    b.requested = b.scored_requested = {1000, 2 * gi, 2};  // busier, but matches 3 of 3
    CHECK(place({a, b}, pod).node == "b");
  }
  SECTION("preferred node affinity when no node matches the heaviest term") {
    // a matches the light term only, b nothing: a scores 100 (the best match), though 1 of 101.
    auto a = make_node("a"), b = make_node("b");
    a.labels["disk"] = "ssd";
    pod.preferred_node_affinity = {{1, expressions({req("disk", "Exists")})},
                                   {100, expressions({req("gpu", "Exists")})}};
    a.requested = a.scored_requested = {1500, 3 * gi, 2};  // busier
    CHECK(place({b, a}, pod).node == "a");
  }
}

TEST_CASE("place stops after enough feasible nodes and says where to resume", "[scheduler]") {
  auto full = make_node("full"), worse = make_node("worse"), best = make_node("best");
  full.requested = full.scored_requested = {4000, 0, 1};
  worse.requested = worse.scored_requested = {3000, 6 * gi, 2};
  std::vector<node_info> nodes = {full, worse, best, make_node("last")};
  auto pod = make_pod("p");
  struct row {
    size_t enough, start;
    const char* node;
    size_t next_start;
  };
  std::vector<row> rows = {
      {0, 0, "best", 0},                                         // every node examined
      {1, 0, "worse", 2},                                        // full skipped, worse is enough
      {2, 0, "best", 3},  {1, 2, "best", 3}, {1, 3, "last", 0},  // wraps
      {2, 3, "last", 2},                                         // last, then full (no), then worse
      {9, 1, "best", 1},                                         // more than there are: all of them
  };
  for (auto& r : rows) {
    INFO("enough " << r.enough << " start " << r.start);
    auto p = place(nodes, pod, {r.enough, r.start});
    CHECK(p.node == r.node);
    CHECK(p.next_start == r.next_start);
  }
}

TEST_CASE("place explains why no node fits", "[scheduler]") {
  auto pod = make_pod("p");
  auto gpu = make_node("gpu"), small1 = make_node("s1", 500), small2 = make_node("s2", 500);
  gpu.taints = {{"dedicated", "gpu", "NoSchedule"}};
  auto tiny = make_node("tiny", 500, gi / 2);
  auto cordoned = make_node("c");
  cordoned.unschedulable = true;
  auto tpu = make_node("tpu"), packed = make_node("packed"), down = make_node("down");
  tpu.taints = {{"dedicated", "tpu", "NoExecute"}};
  packed.requested = {4000, 8 * gi, 110};
  down.ready = false;
  struct row {
    std::vector<node_info> nodes;
    std::string message;
  };
  std::vector<row> rows = {
      {{}, "no nodes available to schedule pods"},
      {{gpu, small1, small2},
       "0/3 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}, 2 Insufficient "
       "cpu."},
      {{tiny, small1}, "0/2 nodes are available: 1 Insufficient memory, 2 Insufficient cpu."},
      {{cordoned, gpu, cordoned},
       "0/3 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}, 2 node(s) were "
       "unschedulable."},
      {{gpu, tpu, packed, gpu, down},
       "0/5 nodes are available: 1 Insufficient cpu, 1 Insufficient memory, 1 Too many pods, 1 "
       "node(s) had untolerated taint {dedicated: tpu}, 1 node(s) had untolerated taint "
       "{node.kubernetes.io/not-ready: }, 2 node(s) had untolerated taint {dedicated: gpu}."},
  };
  for (auto& r : rows) {
    INFO(r.message);
    for (size_t start : {size_t{0}, size_t{1}}) {
      auto p = place(r.nodes, pod, {1, start});
      CHECK_FALSE(p.node);
      CHECK(p.message == r.message);
    }
  }
}

TEST_CASE("place speed", "[.bench]") {
  // 5,000 nodes, pods bound as they are placed, kube-scheduler's 10% sample.
  std::vector<node_info> nodes;
  for (int i = 0; i < 5000; ++i)
    nodes.push_back(make_node("node-" + std::to_string(i), 32000, 128 * gi));
  std::deque<pod_info> pods;
  const int count = 50000;
  for (int i = 0; i < count; ++i) {
    auto& p = pods.emplace_back(make_pod("pod-" + std::to_string(i), 100, 128 << 20));
    auto owner = std::to_string(i % 50);
    p.owner_uid = "6f1c2e0a-8d4b-4b7e-9a51-" + std::string(12 - owner.size(), '0') + owner;
    p.labels = {{"app", "app-" + std::to_string(i % 50)}};
  }
  std::unordered_map<std::string, size_t> by_name;
  for (size_t i = 0; i < nodes.size(); ++i) by_name[nodes[i].name] = i;
  place_options options{500, 0};
  size_t bound = 0;
  auto begin = std::chrono::steady_clock::now();
  for (auto& p : pods) {
    auto result = place(nodes, p, options);
    options.start = result.next_start;
    if (!result.node) continue;
    nodes[by_name.at(*result.node)].add_pod(p);
    ++bound;
  }
  auto elapsed = std::chrono::steady_clock::now() - begin;
  // Then place() alone, on the loaded cluster, without binding.
  auto place_only = std::chrono::steady_clock::now();
  for (int i = 0; i < 10000; ++i) options.start = place(nodes, pods[i], options).next_start;
  auto place_elapsed = std::chrono::steady_clock::now() - place_only;
  // And a pod no node can take: every node examined, then the message built.
  auto huge = make_pod("huge", 64000);
  auto no_fit = std::chrono::steady_clock::now();
  for (int i = 0; i < 100; ++i) CHECK_FALSE(place(nodes, huge, options).node);
  auto no_fit_elapsed = std::chrono::steady_clock::now() - no_fit;
  std::cout << "no fit: " << std::chrono::duration<double, std::micro>(no_fit_elapsed).count() / 100
            << " us per pod; ";
  std::cout << "bound " << bound << "/" << count << ", "
            << std::chrono::duration<double, std::micro>(elapsed).count() / count
            << " us per pod including binding; place() alone on the loaded cluster: "
            << std::chrono::duration<double, std::micro>(place_elapsed).count() / 10000 << " us\n";
  CHECK(bound == count);
}

TEST_CASE("inter-pod affinity across the nodes of a topology domain", "[scheduler]") {
  std::deque<pod_info> running;  // outlives the nodes, which borrow its pods
  auto pod_with = [&](const std::string& name,
                      std::map<std::string, std::string> labels) -> pod_info& {
    pod_info& p = running.emplace_back(make_pod(name, 100, gi / 8));
    p.labels = std::move(labels);
    return p;
  };
  auto term = [](std::string selector, std::string topology) {
    return pod_affinity_term{label_selector::parse(selector), {}, std::move(topology)};
  };
  const std::string zone = "topology.kubernetes.io/zone", hostname = "kubernetes.io/hostname";
  std::vector<node_info> nodes = {make_node("a1"), make_node("a2"), make_node("b1")};
  nodes[0].labels[zone] = nodes[1].labels[zone] = "a";
  nodes[2].labels[zone] = "b";
  nodes[0].add_pod(pod_with("z", {{"app", "z"}}));

  // Its anti-affinity keeps it out of the whole zone a pod it shuns runs in.
  auto shy = make_pod("shy", 100, gi / 8);
  shy.required_anti_affinity = {term("app=z", zone)};
  CHECK(place(nodes, shy).node == std::optional<std::string>("b1"));
  nodes[2].unschedulable = true;
  CHECK(place(nodes, shy).message ==
        "0/3 nodes are available: 1 node(s) were unschedulable, 2 node(s) didn't match pod "
        "anti-affinity rules.");
  nodes[2].unschedulable = false;

  // A running pod's anti-affinity keeps pods it shuns away from it (the symmetric rule).
  auto& guard = pod_with("guard", {{"app", "guard"}});
  guard.required_anti_affinity = {term("app=victim", zone)};
  nodes[2].add_pod(guard);
  auto victim = make_pod("victim", 100, gi / 8);
  victim.labels = {{"app", "victim"}};
  victim.node_name = "b1";
  CHECK(place(nodes, victim).message ==
        "0/3 nodes are available: 1 node(s) didn't satisfy existing pods anti-affinity rules, 2 "
        "node(s) didn't match the requested node name.");
  victim.node_name.clear();
  CHECK(place(nodes, victim).node != std::optional<std::string>("b1"));

  // Affinity: only where a pod it must be with runs, in the same domain.
  auto follower = make_pod("follower", 100, gi / 8);
  follower.required_affinity = {term("app=z", zone)};
  for (int i = 0; i < 4; ++i) {
    auto placed = place(nodes, follower).node;
    CHECK(
        (placed == std::optional<std::string>("a1") || placed == std::optional<std::string>("a2")));
  }
  follower.required_affinity = {term("app=nowhere", hostname)};
  CHECK(place(nodes, follower).message ==
        "0/3 nodes are available: 3 node(s) didn't match pod affinity rules.");
  // Unless it is the first of its kind: a pod matching its own term goes anywhere.
  follower.labels = {{"app", "nowhere"}};
  CHECK(place(nodes, follower).node.has_value());

  // Terms cover the owner's namespace, the listed ones, or every one (an empty namespaceSelector).
  auto elsewhere = make_pod("elsewhere", 100, gi / 8);
  elsewhere.ns = "other";
  elsewhere.required_anti_affinity = {term("app=z", hostname)};
  elsewhere.node_name = "a1";
  CHECK(place(nodes, elsewhere).node == std::optional<std::string>("a1"));
  elsewhere.required_anti_affinity[0].all_namespaces = true;
  CHECK_FALSE(place(nodes, elsewhere).node);
}

TEST_CASE("a pod's affinity terms count only pods that match them all", "[scheduler]") {
  std::deque<pod_info> running;
  auto pod_with = [&](const std::string& name,
                      std::map<std::string, std::string> labels) -> pod_info& {
    pod_info& p = running.emplace_back(make_pod(name, 100, gi / 8));
    p.labels = std::move(labels);
    return p;
  };
  const std::string zone = "topology.kubernetes.io/zone", hostname = "kubernetes.io/hostname";
  std::vector<node_info> nodes = {make_node("a1"), make_node("b1")};
  nodes[0].labels[zone] = "a";
  nodes[1].labels[zone] = "b";
  // A web pod in zone a and a cache pod on b1: no pod is both, so terms for web (zone) and for
  // cache (hostname) are met by none, as kube-scheduler counts them.
  nodes[0].add_pod(pod_with("web", {{"app", "web"}, {"tier", "front"}}));
  nodes[1].add_pod(pod_with("cache", {{"app", "cache"}, {"tier", "front"}}));
  auto both = make_pod("both", 100, gi / 8);
  both.required_affinity = {pod_affinity_term{label_selector::parse("app=web"), {}, zone},
                            pod_affinity_term{label_selector::parse("app=cache"), {}, hostname}};
  CHECK(place(nodes, both).message ==
        "0/2 nodes are available: 2 node(s) didn't match pod affinity rules.");
  // Terms both pods meet: their domains count.
  both.required_affinity = {
      pod_affinity_term{label_selector::parse("tier=front"), {}, zone},
      pod_affinity_term{label_selector::parse("app in (web,cache)"), {}, hostname}};
  CHECK(place(nodes, both).node.has_value());
  // A namespaceSelector with labels covers the namespaces whose labels it matches (not the
  // pod's own by default), and the listed ones beside them.
  auto shy = make_pod("shy", 100, gi / 8);
  shy.required_anti_affinity = {pod_affinity_term{label_selector::parse("app=web"), {}, hostname}};
  shy.node_name = "a1";
  CHECK_FALSE(place(nodes, shy).node);
  auto& term = shy.required_anti_affinity[0];
  term.selected_namespaces = true;
  term.namespace_selector = label_selector::parse("team=web");
  CHECK(place(nodes, shy).node == std::optional<std::string>("a1"));  // labels not known: none
  const std::map<std::string, std::string> web_team = {{"team", "web"}},
                                           other_team = {{"team", "db"}};
  running.front().namespace_labels = &other_team;  // the web pod's namespace
  CHECK(place(nodes, shy).node == std::optional<std::string>("a1"));
  running.front().namespace_labels = &web_team;
  CHECK_FALSE(place(nodes, shy).node);
  running.front().namespace_labels = &other_team;
  term.namespaces = {"default"};  // listed: covered whatever the selector says
  CHECK_FALSE(place(nodes, shy).node);
  running.front().namespace_labels = nullptr;
  // What a namespace's new labels can change: pods with such required terms only.
  CHECK(selects_namespaces_by_label(shy));
  shy.required_anti_affinity[0].selected_namespaces = false;
  CHECK_FALSE(selects_namespaces_by_label(shy));
  // What an unschedulable pod's affinity waits for.
  auto waiting = make_pod("waiting", 100, gi / 8);
  waiting.required_affinity = {pod_affinity_term{label_selector::parse("app=db"), {}, hostname}};
  CHECK(may_fit_once_placed(waiting, pod_with("db", {{"app", "db"}})));
  CHECK_FALSE(may_fit_once_placed(waiting, pod_with("other", {{"app", "other"}})));
}

namespace {

spread_constraint spread(const std::string& selector, const std::string& key, int32_t max_skew,
                         bool hard = true) {
  spread_constraint c;
  c.max_skew = max_skew;
  c.topology_key = key;
  c.hard = hard;
  c.selector = label_selector::parse(selector);
  return c;
}

// Three zones of one node each (and a node with no zone), web pods placed per zone as given.
struct spread_scene {
  const std::string zone = "topology.kubernetes.io/zone";
  std::deque<pod_info> running;
  std::vector<node_info> nodes;

  explicit spread_scene(std::vector<int> web_per_zone) {
    for (size_t z = 0; z < web_per_zone.size(); ++z) {
      std::string name(1, static_cast<char>('a' + z));
      nodes.push_back(make_node(name));
      nodes.back().labels[zone] = name;
      for (int i = 0; i < web_per_zone[z]; ++i)
        add(nodes.back(), name + "-web-" + std::to_string(i));
    }
  }
  pod_info& add(node_info& node, const std::string& name, const std::string& ns = "default") {
    pod_info& p = running.emplace_back(make_pod(name, 100, gi / 8));
    p.ns = ns;
    p.labels = {{"app", "web"}};
    node.add_pod(p);
    return p;
  }
  pod_info web(std::vector<spread_constraint> constraints) const {
    auto p = make_pod("new", 100, gi / 8);
    p.labels = {{"app", "web"}};
    p.spread_constraints = std::move(constraints);
    return p;
  }
};

}  // namespace

TEST_CASE("topology spread constraints filter as kube-scheduler's PodTopologySpread",
          "[scheduler]") {
  spread_scene s({2, 1, 1});
  auto pod = s.web({spread("app=web", s.zone, 1)});
  auto state = prepare_spread(s.nodes, pod);
  CHECK(state.constraints[0].fewest == 1);
  CHECK(state.constraints[0].per_domain ==
        std::map<std::string, int32_t>{{"a", 2}, {"b", 1}, {"c", 1}});
  // 2 + itself - 1 > 1 on a; 1 + 1 - 1 on the others.
  CHECK(filter_topology_spread(pod, s.nodes[0], state) ==
        filter_result("node(s) didn't match pod topology spread constraints"));
  CHECK_FALSE(filter_topology_spread(pod, s.nodes[1], state));
  CHECK(place(s.nodes, pod).node == std::optional<std::string>("b"));
  CHECK(place(s.nodes, pod, {0, 2}).node == std::optional<std::string>("c"));

  SECTION("a larger skew allows the fuller zone") {
    pod.spread_constraints[0].max_skew = 2;
    CHECK_FALSE(filter_topology_spread(pod, s.nodes[0], prepare_spread(s.nodes, pod)));
  }
  SECTION("a pod its selector does not match adds nothing") {
    pod.labels = {{"app", "other"}};
    CHECK_FALSE(filter_topology_spread(pod, s.nodes[0], prepare_spread(s.nodes, pod)));
  }
  SECTION("a node without the key is out, and the message says so") {
    s.nodes.push_back(make_node("nozone"));
    s.nodes[1].unschedulable = s.nodes[2].unschedulable = true;
    CHECK(place(s.nodes, pod).message ==
          "0/4 nodes are available: 1 node(s) didn't match pod topology spread constraints, 1 "
          "node(s) didn't match pod topology spread constraints (missing required label), 2 "
          "node(s) were unschedulable.");
  }
  SECTION("fewer domains than minDomains make the minimum 0") {
    pod.spread_constraints[0].min_domains = 4;
    CHECK(place(s.nodes, pod).message ==
          "0/3 nodes are available: 3 node(s) didn't match pod topology spread constraints.");
    pod.spread_constraints[0].min_domains = 3;
    CHECK(place(s.nodes, pod).node == std::optional<std::string>("b"));
  }
  SECTION("pods elsewhere or being deleted do not count") {
    s.add(s.nodes[1], "b-other-ns", "other");
    s.add(s.nodes[2], "c-leaving").terminating = true;
    s.nodes[2].unschedulable = true;  // c would take it either way
    CHECK(place(s.nodes, pod).node == std::optional<std::string>("b"));
    s.add(s.nodes[1], "b-web-1");
    CHECK_FALSE(place(s.nodes, pod).node);
  }
  SECTION("nodeAffinityPolicy: only nodes the pod may use count, unless Ignore") {
    // Zone c has no ssd: with Honor (the default) its one pod is not the minimum.
    s.add(s.nodes[1], "b-web-1");
    s.nodes[0].labels["disk"] = s.nodes[1].labels["disk"] = "ssd";
    pod.node_selector = {{"disk", "ssd"}};
    CHECK(place(s.nodes, pod).node.has_value());
    pod.spread_constraints[0].honor_node_affinity = false;
    CHECK(place(s.nodes, pod).message ==
          "0/3 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 2 node(s) "
          "didn't match pod topology spread constraints.");
  }
  SECTION("nodeTaintsPolicy Honor: tainted nodes do not count") {
    s.add(s.nodes[1], "b-web-1");
    s.nodes[2].taints = {{"dedicated", "x", "NoSchedule"}};
    CHECK(place(s.nodes, pod).message ==
          "0/3 nodes are available: 1 node(s) had untolerated taint {dedicated: x}, 2 node(s) "
          "didn't match pod topology spread constraints.");
    pod.spread_constraints[0].honor_taints = true;
    CHECK(place(s.nodes, pod).node.has_value());
  }
  SECTION("an empty labelSelector counts no pod: only the key is required") {
    pod.spread_constraints[0].selector = label_selector();
    pod.spread_constraints[0].counts_none = true;
    auto empty = prepare_spread(s.nodes, pod);
    CHECK(empty.constraints[0].per_domain ==
          std::map<std::string, int32_t>{{"a", 0}, {"b", 0}, {"c", 0}});
    CHECK_FALSE(filter_topology_spread(pod, s.nodes[0], empty));
    s.nodes.push_back(make_node("nozone"));
    CHECK(filter_topology_spread(pod, s.nodes[3], empty) ==
          filter_result(
              "node(s) didn't match pod topology spread constraints (missing required label)"));
    pod_info other = make_pod("x");
    other.labels = {{"app", "web"}};
    CHECK_FALSE(may_fit_once_placed(pod, other));
  }
  SECTION("two constraints: a node without either key counts for neither") {
    // A second zone-a node without a hostname-like rack label: its pods count for no constraint.
    for (auto& n : s.nodes) n.labels["rack"] = n.name;
    auto& extra = s.nodes.emplace_back(make_node("a-norack"));
    extra.labels[s.zone] = "a";
    s.add(extra, "a-norack-web");
    pod.spread_constraints.push_back(spread("app=web", "rack", 5));
    auto both = prepare_spread(s.nodes, pod);
    CHECK(both.constraints[0].per_domain ==
          std::map<std::string, int32_t>{{"a", 2}, {"b", 1}, {"c", 1}});
    CHECK(both.constraints[1].per_domain.count("a-norack") == 0);
    pod.spread_constraints[0].max_skew = 5;  // the zone constraint passes; the rack one cannot
    CHECK(filter_topology_spread(pod, extra, both) ==
          filter_result(
              "node(s) didn't match pod topology spread constraints (missing required label)"));
  }
  SECTION("nodeTaintsPolicy Honor leaves out a node that is not ready") {
    s.add(s.nodes[1], "b-web-1");
    s.nodes[2].ready = false;  // c: its pod no longer sets the minimum
    pod.spread_constraints[0].honor_taints = true;
    auto state = prepare_spread(s.nodes, pod);
    CHECK(state.constraints[0].fewest == 2);
    CHECK(state.constraints[0].per_domain.count("c") == 0);
  }
  SECTION("a hostname constraint counts per node") {
    pod.spread_constraints = {spread("app=web", "kubernetes.io/hostname", 1)};
    CHECK(place(s.nodes, pod).node == std::optional<std::string>("b"));
  }
  SECTION("what a waiting pod's constraints wait for") {
    pod_info other = make_pod("x");
    other.labels = {{"app", "web"}};
    CHECK(may_fit_once_placed(pod, other));
    other.ns = "elsewhere";
    CHECK_FALSE(may_fit_once_placed(pod, other));
    other.ns = "default";
    pod.spread_constraints[0].hard = false;
    CHECK_FALSE(may_fit_once_placed(pod, other));
  }
}

TEST_CASE("ScheduleAnyway constraints score as kube-scheduler's PodTopologySpread", "[scheduler]") {
  spread_scene s({3, 0, 1});
  // b is the emptiest zone though the busiest node: spread (weight 2) outweighs the load.
  s.nodes[1].requested = s.nodes[1].scored_requested = {1000, 2 * gi, 5};
  auto pod = s.web({spread("app=web", s.zone, 1, false)});
  CHECK(place(s.nodes, pod).node == std::optional<std::string>("b"));
  CHECK(place(s.nodes, pod, {0, 2}).node == std::optional<std::string>("b"));
  // Nothing is filtered: a soft constraint allows the fullest zone when it is all there is.
  s.nodes[1].unschedulable = s.nodes[2].unschedulable = true;
  CHECK(place(s.nodes, pod).node == std::optional<std::string>("a"));
  s.nodes[1].unschedulable = s.nodes[2].unschedulable = false;

  SECTION("a node missing the key scores no spread") {
    s.nodes.push_back(make_node("nozone"));
    s.nodes[1].unschedulable = true;
    // nozone is empty and unloaded, but without a zone it scores 0 for spread; c (one pod) wins.
    CHECK(place(s.nodes, pod, {0, 3}).node == std::optional<std::string>("c"));
  }
  SECTION("a pod with constraints is not also spread by owner") {
    pod.owner_uid = "rs";
    for (int i = 0; i < 3; ++i) s.nodes[1].owner_counts.add("rs");
    CHECK(place(s.nodes, pod).node == std::optional<std::string>("b"));
  }
}

TEST_CASE("preferred pod affinity and anti-affinity score as kube-scheduler's InterPodAffinity",
          "[scheduler]") {
  const std::string zone = "topology.kubernetes.io/zone", hostname = "kubernetes.io/hostname";
  std::deque<pod_info> running;
  std::vector<node_info> nodes = {make_node("a1"), make_node("a2"), make_node("b1")};
  nodes[0].labels[zone] = nodes[1].labels[zone] = "a";
  nodes[2].labels[zone] = "b";
  auto run_on = [&](size_t node, const std::string& name, const std::string& app) -> pod_info& {
    pod_info& p = running.emplace_back(make_pod(name, 100, gi / 8));
    p.labels = {{"app", app}};
    nodes[node].add_pod(p);
    return p;
  };
  auto weighted = [](int32_t weight, const std::string& selector, const std::string& key) {
    return weighted_affinity_term{weight,
                                  pod_affinity_term{label_selector::parse(selector), {}, key}};
  };
  // b1 is the least loaded node: what it scores for load alone.
  nodes[0].requested = nodes[0].scored_requested = {1000, 2 * gi, 1};
  nodes[1].requested = nodes[1].scored_requested = {1000, 2 * gi, 1};
  run_on(0, "cache", "cache");
  auto web = make_pod("web", 100, gi / 8);
  web.labels = {{"app", "web"}};
  CHECK(place(nodes, web).node == std::optional<std::string>("b1"));

  SECTION("the pod's preferred affinity draws it to the domain of what it prefers") {
    web.preferred_affinity = {weighted(50, "app=cache", zone)};
    auto chosen = place(nodes, web).node;
    CHECK(
        (chosen == std::optional<std::string>("a1") || chosen == std::optional<std::string>("a2")));
  }
  SECTION("its preferred anti-affinity keeps it from the pods it shuns") {
    run_on(2, "web-0", "web");
    web.preferred_anti_affinity = {weighted(100, "app=web", hostname)};
    CHECK(place(nodes, web).node ==
          std::optional<std::string>("a2"));  // a1 is as loaded, and later
    // Anti-affinity against the whole zone b, and affinity to a1's cache: a1.
    web.preferred_anti_affinity = {weighted(100, "app=web", zone)};
    web.preferred_affinity = {weighted(10, "app=cache", hostname)};
    CHECK(place(nodes, web).node == std::optional<std::string>("a1"));
  }
  SECTION("existing pods' preferred terms towards the pod count as well") {
    auto& cache = running.front();
    nodes[2].requested = nodes[2].scored_requested = {2000, 4 * gi, 1};  // b1 busier now
    CHECK(place(nodes, web).node == std::optional<std::string>("a2"));
    nodes[0].remove_pod(cache);
    cache.preferred_anti_affinity = {weighted(100, "app=web", zone)};
    nodes[0].add_pod(cache);  // re-added with its terms: counted as a pod whose terms score
    CHECK(nodes[0].scoring_affinity_pods == 1);
    CHECK(place(nodes, web).node == std::optional<std::string>("b1"));
    nodes[0].remove_pod(cache);
    CHECK(nodes[0].scoring_affinity_pods == 0);
    cache.preferred_anti_affinity = {};
    cache.preferred_affinity = {weighted(100, "app=web", hostname)};
    nodes[0].add_pod(cache);
    CHECK(place(nodes, web).node == std::optional<std::string>("a1"));
  }
  SECTION("an existing pod's required affinity draws the pods it selects") {
    auto& follower = run_on(1, "follower", "follower");
    nodes[1].remove_pod(follower);
    follower.required_affinity = {
        pod_affinity_term{label_selector::parse("app=web"), {}, hostname}};
    nodes[1].add_pod(follower);
    CHECK(place(nodes, web).node == std::optional<std::string>("a2"));
  }
  SECTION("terms cover their namespaces only") {
    web.preferred_affinity = {weighted(50, "app=cache", zone)};
    web.ns = "elsewhere";
    CHECK(place(nodes, web).node == std::optional<std::string>("b1"));
  }
}
