// Service addresses: allocation from the ranges, requested ones checked, and what the resource
// actor does with them (tested through the plain functions; apiserver.test.cpp covers the actor).

#include "actors/apiserver/services.hpp"

#include <catch2/catch.hpp>

#include "actors/apiserver/admission.hpp"
#include "runtime/base/error.hpp"
#include "runtime/codec/object_codec.hpp"
#include "runtime/object/kinds.hpp"
#include "runtime/object/object.hpp"
#include "schema/core.capnp.h"

using namespace troupe;

namespace {

const kind_registry& kinds() {
  static const kind_registry registry = builtin_kinds();  // NOLINT: immutable test data
  return registry;
}

const kind_info& services() {
  return *kinds().find_by_resource("services");
}

std::string service(const std::string& spec) {
  admission_context ctx;
  ctx.now_seconds = 1700000000;
  ctx.new_uid = [] { return std::string("uid-1"); };
  ctx.random_suffix = [](size_t n) { return std::string(n, 'x'); };
  auto docs = codec::decode_manifests(
      "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: " + spec + "\n", "svc.yaml",
      kinds());
  return admit_create(services(), docs.at(0).bytes, "", ctx);
}

std::vector<std::string> failures(const std::string& spec, const service_allocations& used = {}) {
  service_cursor cursor;
  try {
    assign_service_addresses(services(), service(spec), service_network{}, used, cursor);
  } catch (const api_error& e) {
    std::vector<std::string> out;
    for (auto& c : e.causes()) out.push_back(c.path + ": " + c.message);
    return out;
  }
  return {};
}

}  // namespace

TEST_CASE("services get distinct cluster IPs and node ports from their ranges",
          "[apiserver][services]") {
  service_network network;
  service_allocations used;
  used.ips.insert(*parse_ipv4("127.16.0.2"));
  used.node_ports.insert(30000);
  service_cursor cursor;
  auto first = assign_service_addresses(
      services(), service("{type: NodePort, ports: [{name: a, port: 80}, {name: b, port: 81}]}"),
      network, used, cursor);
  object_reader a(first);
  auto spec = a.as<k8s::Service>().getSpec();
  CHECK(text_string(spec.getClusterIP()) == "127.16.0.1");
  REQUIRE(spec.getClusterIPs().size() == 1);
  CHECK(spec.getClusterIPs()[0] == "127.16.0.1");
  CHECK(spec.getPorts()[0].getNodePort() == 30001);  // 30000 is taken
  CHECK(spec.getPorts()[1].getNodePort() == 30002);
  CHECK(spec.getIpFamilyPolicy() == k8s::IpFamilyPolicy::SINGLE_STACK);
  CHECK(spec.getInternalTrafficPolicy() == k8s::TrafficPolicy::CLUSTER);
  // The next one, before the first is visible in any snapshot, gets other ones.
  auto second = assign_service_addresses(
      services(), service("{type: NodePort, ports: [{port: 80}]}"), network, used, cursor);
  object_reader b(second);
  CHECK(text_string(b.as<k8s::Service>().getSpec().getClusterIP()) == "127.16.0.3");
  CHECK(b.as<k8s::Service>().getSpec().getPorts()[0].getNodePort() == 30003);
  // What a stored Service holds counts as used.
  service_allocations held;
  add_allocations(first, held);
  CHECK(held.ips == std::set<uint32_t>{*parse_ipv4("127.16.0.1")});
  CHECK(held.node_ports == std::set<int>{30001, 30002});
  // Headless and ExternalName Services get no address.
  auto headless = assign_service_addresses(
      services(), service("{clusterIP: None, ports: [{port: 80}]}"), network, used, cursor);
  object_reader h(headless);
  CHECK(text_string(h.as<k8s::Service>().getSpec().getClusterIP()) == "None");
  auto external = assign_service_addresses(
      services(), service("{type: ExternalName, externalName: db.example.com}"), network, used,
      cursor);
  object_reader e(external);
  CHECK(e.as<k8s::Service>().getSpec().getClusterIP().size() == 0);
}

TEST_CASE("requested service addresses are checked", "[apiserver][services]") {
  service_allocations used;
  used.ips.insert(*parse_ipv4("127.16.0.9"));
  used.node_ports.insert(30080);
  struct row {
    std::string spec, cause;
  };
  auto r = GENERATE(values<row>({
      {"{clusterIP: 10.0.0.5, ports: [{port: 80}]}",
       "spec.clusterIPs: Invalid value: []string{\"10.0.0.5\"}: failed to allocate IP 10.0.0.5: "
       "the provided IP "
       "(10.0.0.5) is not in the valid range. The range of valid IPs is 127.16.0.0/16"},
      {"{clusterIP: 127.16.0.9, ports: [{port: 80}]}",
       "spec.clusterIPs: Invalid value: []string{\"127.16.0.9\"}: failed to allocate IP "
       "127.16.0.9: provided IP is "
       "already allocated"},
      {"{clusterIP: x.y, ports: [{port: 80}]}",
       "spec.clusterIP: Invalid value: \"x.y\": must be a valid IP address"},
      {"{type: NodePort, ports: [{port: 80, nodePort: 80}]}",
       "spec.ports[0].nodePort: Invalid value: 80: provided port is not in the valid range. The "
       "range of valid "
       "ports is 30000-32767"},
      {"{type: NodePort, ports: [{port: 80, nodePort: 30080}]}",
       "spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated"},
      {"{ports: [{port: 80, nodePort: 30081}]}",
       "spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"},
      {"{type: NodePort, clusterIP: None, ports: [{port: 80}]}",
       "spec.clusterIP: Invalid value: \"None\": may not be set to 'None' for NodePort services"},
  }));
  CAPTURE(r.spec);
  CHECK_THAT(failures(r.spec, used), Catch::VectorContains(r.cause));
}

TEST_CASE("node port ranges parse or name the flag", "[apiserver][services]") {
  CHECK(parse_port_range("30000-32767", "--service-node-port-range") ==
        std::pair<int, int>{30000, 32767});
  CHECK_THROWS_WITH(
      parse_port_range("32767-30000", "--service-node-port-range"),
      "--service-node-port-range: \"32767-30000\" is not a port range like 30000-32767");
}

TEST_CASE("what a Service already holds stays valid when the ranges change",
          "[apiserver][services]") {
  service_network narrow;
  narrow.cluster_ips = *parse_cidr("127.17.0.0/24");
  narrow.node_port_min = 31000;
  service_allocations held;
  held.ips.insert(*parse_ipv4("127.16.0.7"));
  held.node_ports.insert(30080);
  service_cursor cursor;
  auto kept = assign_service_addresses(
      services(),
      service("{type: NodePort, clusterIP: 127.16.0.7, ports: [{port: 80, nodePort: 30080}]}"),
      narrow, {}, cursor, held);
  object_reader r(kept);
  CHECK(text_string(r.as<k8s::Service>().getSpec().getClusterIP()) == "127.16.0.7");
  // The network address is never given out.
  CHECK_THAT(
      failures("{clusterIP: 127.16.0.0, ports: [{port: 80}]}"),
      Catch::VectorContains(std::string(
          "spec.clusterIPs: Invalid value: []string{\"127.16.0.0\"}: failed to allocate IP "
          "127.16.0.0: the provided "
          "IP (127.16.0.0) is not in the valid range. The range of valid IPs is 127.16.0.0/16")));
}

TEST_CASE("node ports as Kubernetes hands them out for load balancers and shared port numbers",
          "[apiserver][services]") {
  service_network network;
  service_cursor cursor;
  auto ports_of = [](const std::string& bytes) {
    object_reader r(bytes);
    std::vector<int> out;
    for (auto p : r.as<k8s::Service>().getSpec().getPorts()) out.push_back(p.getNodePort());
    out.push_back(r.as<k8s::Service>().getSpec().getHealthCheckNodePort());
    return out;
  };
  // TCP and UDP on one port number share one node port.
  CHECK(ports_of(assign_service_addresses(
            services(),
            service("{type: NodePort, ports: [{name: a, port: 53, protocol: TCP}, {name: b, port: 53, "
                    "protocol: UDP}, {name: c, port: 80}]}"),
            network, {}, cursor)) == std::vector<int>{30000, 30000, 30001, 0});
  // allocateLoadBalancerNodePorts false: only the node ports asked for.
  CHECK(ports_of(assign_service_addresses(
            services(),
            service("{type: LoadBalancer, allocateLoadBalancerNodePorts: false, ports: [{name: a, port: 80}, "
                    "{name: b, port: 81, nodePort: 30100}]}"),
            network, {}, cursor)) == std::vector<int>{0, 30100, 0});
  // externalTrafficPolicy Local: a health check node port too, and a named one is checked.
  CHECK(ports_of(assign_service_addresses(services(),
                                          service("{type: LoadBalancer, externalTrafficPolicy: Local, "
                                                  "ports: [{port: 80}]}"),
                                          network, {}, cursor)) == std::vector<int>{30002, 30003});
  service_allocations used;
  used.node_ports.insert(30200);
  CHECK(failures("{type: LoadBalancer, externalTrafficPolicy: Local, healthCheckNodePort: 30200, ports: "
                 "[{port: 80}]}",
                 used) == std::vector<std::string>{"spec.healthCheckNodePort: Invalid value: 30200: provided port "
                                                   "is already allocated"});
}

TEST_CASE("one node port serves one port number", "[apiserver][services]") {
  CHECK(failures("{type: NodePort, ports: [{name: a, port: 80, nodePort: 30050}, {name: b, port: 81, protocol: UDP, "
                 "nodePort: 30050}]}") ==
        std::vector<std::string>{"spec.ports[1].nodePort: Invalid value: 30050: provided port is already allocated"});
  CHECK(failures("{type: NodePort, ports: [{name: a, port: 53, nodePort: 30050}, {name: b, port: 53, protocol: UDP, "
                 "nodePort: 30050}]}")
            .empty());
  CHECK(failures("{type: LoadBalancer, externalTrafficPolicy: Local, healthCheckNodePort: 30050, ports: [{port: 80, "
                 "nodePort: 30050}]}") ==
        std::vector<std::string>{"spec.healthCheckNodePort: Invalid value: 30050: provided port is already allocated"});
}
