#include "actors/apiserver/services.hpp"

#include <capnp/message.h>

#include <map>
#include <set>
#include <vector>

#include "runtime/base/error.hpp"
#include "runtime/base/text.hpp"
#include "runtime/object/kinds.hpp"
#include "runtime/object/object.hpp"
#include "schema/core.capnp.h"

namespace troupe {
namespace {

bool has_node_ports(k8s::ServiceType type) {
  return type == k8s::ServiceType::NODE_PORT || type == k8s::ServiceType::LOAD_BALANCER;
}

}  // namespace

void add_allocations(std::string_view service, service_allocations& into) {
  object_reader reader(service);
  auto spec = reader.as<k8s::Service>().getSpec();
  if (auto ip = parse_ipv4(text_view(spec.getClusterIP()))) into.ips.insert(*ip);
  for (auto port : spec.getPorts())
    if (port.getNodePort() != 0) into.node_ports.insert(port.getNodePort());
  if (spec.getHealthCheckNodePort() != 0) into.node_ports.insert(spec.getHealthCheckNodePort());
}

std::string assign_service_addresses(const kind_info& kind, std::string_view service,
                                     const service_network& network,
                                     const service_allocations& used, service_cursor& cursor,
                                     const service_allocations& held) {
  object_reader reader(service);
  capnp::MallocMessageBuilder message;
  message.setRoot(reader.as<k8s::Service>());
  auto svc = message.getRoot<k8s::Service>();
  auto spec = svc.getSpec();
  std::vector<field_error> causes;
  std::string wanted = text_string(spec.getClusterIP());
  auto type = spec.getType();

  if (type == k8s::ServiceType::EXTERNAL_NAME) {
    if (!wanted.empty() && wanted != "None")
      causes.push_back({"spec.clusterIP", "Invalid value: " + quote(wanted) +
                                              ": may not be set for ExternalName services"});
  } else if (wanted == "None") {
    if (type != k8s::ServiceType::CLUSTER_I_P)
      causes.push_back({"spec.clusterIP",
                        std::string("Invalid value: \"None\": may not be set to 'None' for ") +
                            (type == k8s::ServiceType::NODE_PORT ? "NodePort" : "LoadBalancer") +
                            " services"});
  } else if (!wanted.empty()) {
    auto ip = parse_ipv4(wanted);
    std::string listed = "[]string{" + quote(wanted) + "}";
    // The network and broadcast addresses are never given out.
    bool edge = ip && (*ip == network.cluster_ips.base ||
                       *ip == network.cluster_ips.base + (network.cluster_ips.size() - 1));
    if (!ip)
      causes.push_back(
          {"spec.clusterIP", "Invalid value: " + quote(wanted) + ": must be a valid IP address"});
    else if (held.ips.count(*ip))
      ;  // this Service's already
    else if (!network.cluster_ips.contains(*ip) || edge)
      causes.push_back(
          {"spec.clusterIPs", "Invalid value: " + listed + ": failed to allocate IP " + wanted +
                                  ": the provided IP (" + wanted +
                                  ") is not in the valid range. The range of valid IPs is " +
                                  network.cluster_ips.text()});
    else if (used.ips.count(*ip))
      causes.push_back({"spec.clusterIPs", "Invalid value: " + listed + ": failed to allocate IP " +
                                               wanted + ": provided IP is already allocated"});
  } else {
    // Offsets 1 .. size-2: the network and broadcast addresses are never handed out.
    uint32_t usable = network.cluster_ips.size() > 2 ? network.cluster_ips.size() - 2 : 0;
    bool found = false;
    for (uint32_t tried = 0; tried < usable && !found; ++tried) {
      uint32_t offset = 1 + (cursor.next_ip - 1 + tried) % usable;
      uint32_t ip = network.cluster_ips.base + offset;
      if (used.ips.count(ip)) continue;
      wanted = format_ipv4(ip);
      cursor.next_ip = offset + 1;
      found = true;
    }
    if (!found)
      causes.push_back(
          {"spec.clusterIPs", "Internal error: failed to allocate a serviceIP: range is full"});
  }
  if (causes.empty() && type != k8s::ServiceType::EXTERNAL_NAME) {
    spec.setClusterIP(wanted);
    spec.initClusterIPs(1).set(0, wanted);
  }

  int port_count = network.node_port_max - network.node_port_min + 1;
  // Node ports this Service holds now, each with the service port number it serves: one node
  // port serves one port number (TCP and UDP 53 share theirs, as Kubernetes gives them), and
  // any other use of it is taken. The health check port serves none (0).
  std::map<int, int> mine;
  auto next_free = [&]() {
    for (int tried = 0; tried < port_count; ++tried) {
      int candidate = network.node_port_min + (cursor.next_port + tried) % port_count;
      if (used.node_ports.count(candidate) || mine.count(candidate)) continue;
      cursor.next_port = (candidate - network.node_port_min + 1) % port_count;
      return candidate;
    }
    return 0;
  };
  // A node port the user named for `port_number`: shared with its own number's, this
  // Service's already, or in range and free.
  auto check_named = [&](int node_port, int port_number, const std::string& path) {
    if (auto it = mine.find(node_port); it != mine.end()) {
      if (it->second != port_number || port_number == 0)
        causes.push_back({path, "Invalid value: " + std::to_string(node_port) + ": provided port is already allocated"});
      return;
    }
    if (held.node_ports.count(node_port)) return;
    if (node_port < network.node_port_min || node_port > network.node_port_max)
      causes.push_back({path, "Invalid value: " + std::to_string(node_port) +
                                  ": provided port is not in the valid range. The range of valid ports is " +
                                  std::to_string(network.node_port_min) + "-" + std::to_string(network.node_port_max)});
    else if (used.node_ports.count(node_port))
      causes.push_back({path, "Invalid value: " + std::to_string(node_port) + ": provided port is already allocated"});
  };
  // With allocateLoadBalancerNodePorts false a load balancer gets only the node ports it names.
  auto allocate = spec.getAllocateLoadBalancerNodePorts();
  bool allocating = !(type == k8s::ServiceType::LOAD_BALANCER && allocate.isValue() && !allocate.getValue());
  auto ports = spec.getPorts();
  // A port number's node port is the one any of its ports names, else one found for it.
  std::map<int, int> by_port;
  for (auto port : ports)
    if (port.getNodePort() != 0 && !by_port.count(port.getPort())) by_port[port.getPort()] = port.getNodePort();
  for (unsigned i = 0; i < ports.size(); ++i) {
    auto port = ports[i];
    auto path = "spec.ports[" + std::to_string(i) + "].nodePort";
    int node_port = port.getNodePort();
    if (!has_node_ports(type)) {
      if (node_port != 0)
        causes.push_back(
            {path, "Forbidden: may not be used when `type` is '" +
                       std::string(type == k8s::ServiceType::EXTERNAL_NAME ? "ExternalName"
                                                                           : "ClusterIP") +
                       "'"});
      continue;
    }
    if (node_port == 0 && !allocating) continue;
    if (node_port == 0) {
      auto shared = by_port.find(port.getPort());
      node_port = shared != by_port.end() ? shared->second : next_free();
      if (node_port == 0) {
        causes.push_back({path, "Internal error: failed to allocate a nodePort: range is full"});
        continue;
      }
      by_port[port.getPort()] = node_port;
      port.setNodePort(node_port);
      if (shared != by_port.end()) check_named(node_port, port.getPort(), path);
    } else {
      check_named(node_port, port.getPort(), path);
    }
    mine.emplace(node_port, port.getPort());
  }
  // A load balancer that keeps traffic on the node it arrives at gets a port for the load
  // balancer's health checks.
  if (type == k8s::ServiceType::LOAD_BALANCER && spec.getExternalTrafficPolicy() == k8s::TrafficPolicy::LOCAL) {
    int health = spec.getHealthCheckNodePort();
    if (health == 0) {
      health = next_free();
      if (health == 0)
        causes.push_back({"spec.healthCheckNodePort", "Internal error: failed to allocate a nodePort: range is full"});
      else
        spec.setHealthCheckNodePort(health);
    } else {
      check_named(health, 0, "spec.healthCheckNodePort");
    }
    if (health != 0) mine.emplace(health, 0);
  }
  if (!causes.empty())
    throw api_error::invalid(kind.group_kind(), text_view(svc.getMetadata().getName()), causes);
  return to_bytes(message);
}

std::pair<int, int> parse_port_range(std::string_view text, const std::string& flag) {
  auto dash = text.find('-');
  std::optional<int64_t> low, high;
  if (dash != std::string_view::npos) {
    low = parse_int(text.substr(0, dash));
    high = parse_int(text.substr(dash + 1));
  }
  TROUPE_REQUIRE(low && high && *low >= 1 && *low <= *high && *high <= 65535, api_errc::bad_request,
                 flag + ": " + quote(text) + " is not a port range like 30000-32767");
  return {static_cast<int>(*low), static_cast<int>(*high)};
}

}  // namespace troupe
