#pragma once
// IPv4 ranges: the cluster's pod range (default 127.64.0.0/10, inside loopback, so every pod
// address works on one machine with no setup) cut into one /24 per node, and the Service range
// (default 127.16.0.0/16) the API server takes cluster IPs from.

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>

namespace troupe {

struct ipv4_range {
  uint32_t base = 0;  ///< host order
  int prefix = 32;
  uint32_t size() const { return prefix == 0 ? 0xffffffffu : (1u << (32 - prefix)); }
  std::string text() const;
  bool contains(uint32_t address) const;
};

std::optional<uint32_t> parse_ipv4(std::string_view text);
/// A node's --node-ip: an IPv4 address; throws api_error(bad_request) naming `flag` and `text`.
std::string parse_node_ip_flag(const std::string& text, const std::string& flag);
std::string format_ipv4(uint32_t address);
/// "127.64.0.0/10"; nullopt on bad syntax or a base with host bits set.
std::optional<ipv4_range> parse_cidr(std::string_view text);

/// The first /24 of `cluster` not in `used` (their text forms), looking from block `from`
/// on; nullopt when all are taken.
std::optional<std::string> allocate_node_cidr(const ipv4_range& cluster,
                                              const std::set<std::string>& used, uint32_t from = 0);

/// The first address of `node_cidr` for pods (x.y.z.2 ..), skipping `used`; nullopt when full.
std::optional<std::string> allocate_pod_ip(const ipv4_range& node_cidr,
                                           const std::set<std::string>& used);

}  // namespace troupe
