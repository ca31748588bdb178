#pragma once
// A Service's cluster IP and node ports: requested ones checked against the ranges and what
// other Services hold, missing ones allocated, as Kubernetes' service registry does. Plain
// functions of data; the resource actor gathers what is in use from a snapshot.

#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include "runtime/object/cidr.hpp"

namespace troupe {

struct kind_info;

/// Where Service addresses come from (`--service-cidr`, `--service-node-port-range`). The
/// default range is inside loopback, like pod addresses, so it works on one machine.
struct service_network {
  ipv4_range cluster_ips = *parse_cidr("127.16.0.0/16");
  int node_port_min = 30000;
  int node_port_max = 32767;
};

/// What the other Services hold.
struct service_allocations {
  std::set<uint32_t> ips;
  std::set<int> node_ports;
};

/// Where the next allocation starts looking, so back-to-back creates (not yet visible in a
/// snapshot) never pick the same address.
struct service_cursor {
  uint32_t next_ip = 1;  ///< offset in the range; 0 is the network address
  int next_port = 0;     ///< offset in the node port range
};

/// Adds what `service` (stored form) holds to `into`.
void add_allocations(std::string_view service, service_allocations& into);

/// `service` with its clusterIP/clusterIPs and node ports filled in and checked. Throws
/// api_error(invalid) naming each field: an address outside the range or taken, "None" on a
/// type that needs an address, a node port outside the range, taken, or on a ClusterIP Service.
/// `held`: what the stored version of this Service already holds (an update), kept without
/// checking it again, so a changed range does not make existing Services unchangeable.
std::string assign_service_addresses(const kind_info& kind, std::string_view service,
                                     const service_network& network,
                                     const service_allocations& used, service_cursor& cursor,
                                     const service_allocations& held = {});

/// "30000-32767" -> {30000, 32767}; throws api_error(bad_request) naming `flag`.
std::pair<int, int> parse_port_range(std::string_view text, const std::string& flag);

}  // namespace troupe
