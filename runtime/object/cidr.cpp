#include "runtime/object/cidr.hpp"

#include "runtime/base/error.hpp"
#include "runtime/base/text.hpp"

namespace troupe {

std::optional<uint32_t> parse_ipv4(std::string_view text) {
  auto parts = split(text, '.');
  if (parts.size() != 4) return std::nullopt;
  uint32_t out = 0;
  for (auto& p : parts) {
    auto n = parse_int(p);
    if (!n || *n < 0 || *n > 255 || p.empty() || (p.size() > 1 && p[0] == '0')) return std::nullopt;
    out = out << 8 | static_cast<uint32_t>(*n);
  }
  return out;
}

std::string parse_node_ip_flag(const std::string& text, const std::string& flag) {
  TROUPE_REQUIRE(parse_ipv4(text), api_errc::bad_request,
                 flag + " " + quote(text) + ": expected an IPv4 address such as 127.0.0.1");
  return text;
}

std::string format_ipv4(uint32_t a) {
  return std::to_string(a >> 24) + "." + std::to_string((a >> 16) & 255) + "." +
         std::to_string((a >> 8) & 255) + "." + std::to_string(a & 255);
}

std::string ipv4_range::text() const {
  return format_ipv4(base) + "/" + std::to_string(prefix);
}

bool ipv4_range::contains(uint32_t address) const {
  return prefix == 0 || (address >> (32 - prefix)) == (base >> (32 - prefix));
}

std::optional<ipv4_range> parse_cidr(std::string_view text) {
  auto slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  auto base = parse_ipv4(text.substr(0, slash));
  auto prefix = parse_int(text.substr(slash + 1));
  if (!base || !prefix || *prefix < 0 || *prefix > 32) return std::nullopt;
  ipv4_range r{*base, static_cast<int>(*prefix)};
  if (r.prefix < 32 && (*base & (r.size() - 1)) != 0) return std::nullopt;
  return r;
}

std::optional<std::string> allocate_node_cidr(const ipv4_range& cluster,
                                              const std::set<std::string>& used, uint32_t from) {
  if (cluster.prefix > 24) return std::nullopt;
  uint32_t blocks = cluster.size() / 256;
  for (uint32_t i = from; i < blocks; ++i) {
    ipv4_range candidate{cluster.base + i * 256, 24};
    if (!used.count(candidate.text())) return candidate.text();
  }
  return std::nullopt;
}

std::optional<std::string> allocate_pod_ip(const ipv4_range& node_cidr,
                                           const std::set<std::string>& used) {
  // .0 is the network, .1 is kept for the node, the last address is the broadcast.
  for (uint32_t i = 2; i + 1 < node_cidr.size(); ++i) {
    auto address = format_ipv4(node_cidr.base + i);
    if (!used.count(address)) return address;
  }
  return std::nullopt;
}

}  // namespace troupe
