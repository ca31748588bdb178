// Services, Endpoints and Ingresses, checked as Kubernetes' core and networking validation
// check them.

#include <arpa/inet.h>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "actors/apiserver/validate_rules.hpp"
#include "runtime/base/text.hpp"
#include "runtime/object/object.hpp"
#include "runtime/object/validation.hpp"
#include "schema/core.capnp.h"
#include "schema/networking.capnp.h"

namespace troupe::validation_rules {
namespace {

// An address of either family as Go's net.ParseIP reads it: its bytes, `bits` long.
struct ip_address {
  int bits = 0;
  unsigned char bytes[16] = {};
};

std::optional<ip_address> parse_ip(std::string_view text) {
  std::string s(text);
  ip_address ip;
  if (inet_pton(AF_INET, s.c_str(), ip.bytes) == 1)
    ip.bits = 32;
  else if (inet_pton(AF_INET6, s.c_str(), ip.bytes) == 1)
    ip.bits = 128;
  else
    return std::nullopt;
  return ip;
}

bool valid_ip(std::string_view text) {
  return parse_ip(text).has_value();
}

// Go's net.ParseCIDR: an address of either family and a prefix length that fits it (host
// bits may be set).
bool valid_cidr(std::string_view text) {
  auto slash = text.find('/');
  if (slash == std::string_view::npos) return false;
  auto address = parse_ip(text.substr(0, slash));
  auto length = text.substr(slash + 1);
  auto prefix = length.find_first_not_of("0123456789") == std::string_view::npos ? parse_int(length)
                                                                                 : std::nullopt;
  return address && prefix && *prefix <= address->bits;
}

// Kubernetes' IsValidIP then ValidateNonSpecialIP, for an address traffic is sent to; loopback
// ones pass, as troupe's pods and Services live on loopback addresses.
// `endpoint`: validateEndpointAddress's order, which checks a bad address twice over.
void validate_routable_ip(std::string_view ip, const std::string& path,
                          std::vector<field_error>& out, bool endpoint = false) {
  auto parsed = parse_ip(ip);
  if (!parsed) {
    out.push_back({path, "Invalid value: " + quote(ip) +
                             ": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"});
    if (endpoint)
      out.push_back({path, "Invalid value: " + quote(ip) + ": must be a valid IP address"});
    return;
  }
  const unsigned char* b = parsed->bytes;
  bool v4 = parsed->bits == 32;
  std::string problem;
  if (std::all_of(b, b + parsed->bits / 8, [](unsigned char byte) { return byte == 0; }))
    problem = "may not be unspecified (" + std::string(ip) + ")";
  else if (v4 ? b[0] == 169 && b[1] == 254 : b[0] == 0xfe && (b[1] & 0xc0) == 0x80)
    problem = "may not be in the link-local range (169.254.0.0/16, fe80::/10)";
  else if (v4 ? b[0] == 224 && b[1] == 0 && b[2] == 0 : b[0] == 0xff && (b[1] & 0x0f) == 0x02)
    problem = "may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)";
  if (!problem.empty()) out.push_back({path, "Invalid value: " + quote(ip) + ": " + problem});
}

const char* traffic_policy_name(k8s::TrafficPolicy p) {
  return p == k8s::TrafficPolicy::LOCAL ? "Local" : "Cluster";
}

// Kubernetes' rules for the fields that belong to some types of Service only, session
// affinity, and address families on a cluster that serves IPv4 alone.
void validate_service_policies(k8s::ServiceSpec::Reader spec, std::vector<field_error>& out) {
  auto type = spec.getType();
  bool load_balancer = type == k8s::ServiceType::LOAD_BALANCER;
  bool external = load_balancer || type == k8s::ServiceType::NODE_PORT ||
                  (type == k8s::ServiceType::CLUSTER_I_P && spec.getExternalIPs().size() > 0);
  auto etp = spec.getExternalTrafficPolicy();
  int32_t health = spec.getHealthCheckNodePort();
  if (!external && etp != k8s::TrafficPolicy::UNSPECIFIED)
    out.push_back(
        {"spec.externalTrafficPolicy", "Invalid value: " + quote(traffic_policy_name(etp)) +
                                           ": may only be set for externally-accessible services"});
  if (health != 0 && !(load_balancer && etp == k8s::TrafficPolicy::LOCAL))
    out.push_back(
        {"spec.healthCheckNodePort", "Invalid value: " + std::to_string(health) +
                                         ": may only be set when `type` is 'LoadBalancer' and "
                                         "`externalTrafficPolicy` is 'Local'"});
  if (!load_balancer) {
    auto only_load_balancers = [&](bool set, const char* field) {
      if (set)
        out.push_back({std::string("spec.") + field,
                       "Forbidden: may only be used when `type` is 'LoadBalancer'"});
    };
    // Kubernetes names this one's path with a capital L (a historical accident it keeps).
    only_load_balancers(spec.getLoadBalancerSourceRanges().size() > 0, "LoadBalancerSourceRanges");
    only_load_balancers(spec.getAllocateLoadBalancerNodePorts().isValue(),
                        "allocateLoadBalancerNodePorts");
    only_load_balancers(spec.hasLoadBalancerClass(), "loadBalancerClass");
  }
  auto ranges = spec.getLoadBalancerSourceRanges();
  for (unsigned i = 0; i < ranges.size(); ++i) {
    auto range =
        trim(text_view(ranges[i]));  // space-padded values are allowed, as from the old annotation
    if (!valid_cidr(range))
      out.push_back({"spec.LoadBalancerSourceRanges[" + std::to_string(i) + "]",
                     "Invalid value: " + quote(range) +
                         ": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)"});
  }
  auto external_ips = spec.getExternalIPs();
  for (unsigned i = 0; i < external_ips.size(); ++i)
    validate_routable_ip(text_view(external_ips[i]), "spec.externalIPs[" + std::to_string(i) + "]",
                         out);
  if (spec.getSessionAffinity() == k8s::SessionAffinity::CLIENT_I_P) {
    auto timeout = spec.getSessionAffinityConfig().getClientIP().getTimeoutSeconds();
    if (timeout.isValue() && (timeout.getValue() <= 0 || timeout.getValue() > 86400))
      out.push_back({"spec.sessionAffinityConfig.clientIP.timeoutSeconds",
                     "Invalid value: " + std::to_string(timeout.getValue()) +
                         ": must be greater than 0 and less than 86400"});
  }
  auto families = spec.getIpFamilies();
  auto family_name = [](k8s::IpFamily f) {
    return std::string(f == k8s::IpFamily::IPV4   ? "\"IPv4\""
                       : f == k8s::IpFamily::IPV6 ? "\"IPv6\""
                                                  : "\"\"");
  };
  if (type == k8s::ServiceType::EXTERNAL_NAME) {
    if (families.size() > 0) {
      std::string listed;
      for (auto f : families) listed += (listed.empty() ? "" : ", ") + family_name(f);
      out.push_back({"spec.ipFamilies", "Invalid value: []core.IPFamily{" + listed +
                                            "}: may not be set when `type` is 'ExternalName'"});
    }
    auto policy = spec.getIpFamilyPolicy();
    if (policy != k8s::IpFamilyPolicy::UNSPECIFIED)
      out.push_back(
          {"spec.ipFamilyPolicy",
           std::string("Invalid value: ") +
               (policy == k8s::IpFamilyPolicy::SINGLE_STACK        ? "\"SingleStack\""
                : policy == k8s::IpFamilyPolicy::PREFER_DUAL_STACK ? "\"PreferDualStack\""
                                                                   : "\"RequireDualStack\"") +
               ": may not be set when `type` is 'ExternalName'"});
    return;
  }
  for (unsigned i = 0; i < families.size(); ++i) {
    bool seen = false;
    for (unsigned j = 0; j < i; ++j) seen = seen || families[j] == families[i];
    if (seen)
      out.push_back({"spec.ipFamilies[" + std::to_string(i) + "]",
                     "Duplicate value: " + family_name(families[i])});
    else if (families[i] != k8s::IpFamily::IPV4)
      out.push_back(
          {"spec.ipFamilies[" + std::to_string(i) + "]",
           "Invalid value: " + family_name(families[i]) + ": not configured on this cluster"});
  }
  // Kubernetes lets a family-agnostic Service require both families on a single-stack cluster.
  if (spec.getIpFamilyPolicy() == k8s::IpFamilyPolicy::REQUIRE_DUAL_STACK &&
      !validation_rules::family_agnostic(spec))
    out.push_back({"spec.ipFamilyPolicy",
                   "Invalid value: \"RequireDualStack\": this cluster is not configured for "
                   "dual-stack services"});
  auto ips = spec.getClusterIPs();
  if (spec.getClusterIP().size() != 0 && ips.size() != 0 && ips[0] != spec.getClusterIP()) {
    std::string listed;
    for (auto ip : ips) listed += (listed.empty() ? "" : ", ") + quote(text_view(ip));
    out.push_back({"spec.clusterIPs",
                   "Invalid value: []string{" + listed + "}: first value must match `clusterIP`"});
  }
}

// Kubernetes' validateIngressBackend.
void validate_backend(k8s::IngressBackend::Reader b, const std::string& at,
                      std::vector<field_error>& out) {
  if (b.hasService() && b.hasResource())
    return out.push_back(
        {at, "Invalid value: \"\": cannot set both resource and service backends"});
  if (b.hasResource()) {
    auto ref = b.getResource();
    if (ref.hasApiGroup())
      add(out, at + ".resource.apiGroup", text_view(ref.getApiGroup()),
          check_dns1123_subdomain(text_view(ref.getApiGroup())));
    for (auto [field, value] : {std::pair{"kind", text_view(ref.getKind())},
                                std::pair{"name", text_view(ref.getName())}}) {
      std::string field_at = at + ".resource." + field;
      if (value.empty())
        out.push_back({field_at, std::string("Required value: ") + field + " is required"});
      else
        add(out, field_at, value, check_path_segment_name(value));
    }
    return;
  }
  if (!b.hasService())
    return out.push_back({at, "Invalid value: \"\": resource or service backend is required"});
  auto svc = b.getService();
  if (svc.getName().size() == 0)
    out.push_back({at + ".service.name", "Required value"});
  else
    add(out, at + ".service.name", text_view(svc.getName()),
        check_dns1035_label(text_view(svc.getName())));
  auto port = svc.getPort();
  bool named = port.getName().size() > 0, numbered = port.getNumber() != 0;
  if (named && numbered)
    out.push_back({at, "Invalid value: \"\": cannot set both port name & port number"});
  else if (named)
    add(out, at + ".service.port.name", text_view(port.getName()),
        check_port_name(text_view(port.getName())));
  else if (numbered)
    add(out, at + ".service.port.number", port.getNumber(), check_port_number(port.getNumber()));
  else
    out.push_back({at, "Required value: port name or number is required"});
}

// Kubernetes' IsWildcardDNS1123Subdomain for a host with a '*', else IsDNS1123Subdomain.
messages check_ingress_host(const std::string& host) {
  if (host.find('*') == std::string::npos) return check_dns1123_subdomain(host);
  messages found;
  if (host.size() > 253) found.push_back("must be no more than 253 characters");
  if (!starts_with(host, "*.") || host.find('*', 1) != std::string::npos ||
      !check_dns1123_subdomain(host.substr(2)).empty())
    found.push_back(
        "a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, "
        "which must consist "
        "of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character "
        "(e.g. "
        "'*.example.com', regex used for validation is "
        "'\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')");
  return found;
}

}  // namespace

void validate_service(k8s::Service::Reader s, std::vector<field_error>& out) {
  auto spec = s.getSpec();
  auto ports = spec.getPorts();
  validation_rules::validate_label_map(spec.getSelector(), "spec.selector", out);
  bool headless = spec.getClusterIP() == "None";  // a headless Service may have no ports
  if (ports.size() == 0 && spec.getType() != k8s::ServiceType::EXTERNAL_NAME && !headless)
    out.push_back({"spec.ports", "Required value"});
  if (spec.hasTrafficDistribution() && spec.getTrafficDistribution() != "PreferClose")
    out.push_back({"spec.trafficDistribution",
                   "Unsupported value: " + quote(text_view(spec.getTrafficDistribution())) +
                       ": supported values: \"PreferClose\""});
  std::set<std::string> names, numbers;
  for (unsigned i = 0; i < ports.size(); ++i) {
    auto at = "spec.ports[" + std::to_string(i) + "]";
    add(out, at + ".port", ports[i].getPort(), check_port_number(ports[i].getPort()));
    std::string name = text_string(ports[i].getName());
    if (ports.size() > 1 && name.empty()) out.push_back({at + ".name", "Required value"});
    if (!name.empty()) add(out, at + ".name", name, check_dns1123_label(name));
    if (!name.empty() && !names.insert(name).second)
      out.push_back({at + ".name", "Duplicate value: " + quote(name)});
    std::string protocol = ports[i].getProtocol() == k8s::Protocol::UDP    ? "UDP"
                           : ports[i].getProtocol() == k8s::Protocol::SCTP ? "SCTP"
                                                                           : "TCP";
    std::string number = std::to_string(ports[i].getPort()) + "/" + protocol;
    if (!numbers.insert(number).second) out.push_back({at, "Duplicate value: " + quote(number)});
    auto target = ports[i].getTargetPort();
    if (target.isInt() && target.getInt() != 0)
      add(out, at + ".targetPort", target.getInt(), check_port_number(target.getInt()));
    if (target.isStr() && target.getStr().size() != 0)
      add(out, at + ".targetPort", text_view(target.getStr()),
          check_port_name(text_view(target.getStr())));
    if (ports[i].hasAppProtocol())
      add(out, at + ".appProtocol", text_view(ports[i].getAppProtocol()),
          check_qualified_name(text_view(ports[i].getAppProtocol())));
  }
  validate_service_policies(spec, out);
  if (spec.getType() == k8s::ServiceType::EXTERNAL_NAME) {
    std::string external = text_string(spec.getExternalName());
    if (external.empty())
      out.push_back({"spec.externalName", "Required value"});
    else  // a fully qualified name may end in a dot
      add(out, "spec.externalName", external,
          check_dns1123_subdomain(external.back() == '.' ? external.substr(0, external.size() - 1)
                                                         : external));
  }
}

// Kubernetes' validateEndpointSubsets (troupe's pod addresses are loopback ones, so those pass).
void validate_endpoints(k8s::Endpoints::Reader endpoints, std::vector<field_error>& out) {
  auto subsets = endpoints.getSubsets();
  for (unsigned i = 0; i < subsets.size(); ++i) {
    auto at = "subsets[" + std::to_string(i) + "]";
    auto subset = subsets[i];
    if (subset.getAddresses().size() == 0 && subset.getNotReadyAddresses().size() == 0)
      out.push_back({at, "Required value: must specify `addresses` or `notReadyAddresses`"});
    for (auto [field, addresses] : {std::pair{".addresses", subset.getAddresses()},
                                    std::pair{".notReadyAddresses", subset.getNotReadyAddresses()}})
      for (unsigned a = 0; a < addresses.size(); ++a) {
        auto address_at = at + field + "[" + std::to_string(a) + "]";
        std::string ip = text_string(addresses[a].getIp());
        validate_routable_ip(ip, address_at + ".ip", out, true);
        if (addresses[a].getHostname().size())
          add(out, address_at + ".hostname", text_view(addresses[a].getHostname()),
              check_dns1123_label(text_view(addresses[a].getHostname())));
        if (addresses[a].hasNodeName())
          add(out, address_at + ".nodeName", text_view(addresses[a].getNodeName()),
              check_dns1123_subdomain(text_view(addresses[a].getNodeName())));
      }
    auto ports = subset.getPorts();
    for (unsigned p = 0; p < ports.size(); ++p) {
      auto port_at = at + ".ports[" + std::to_string(p) + "]";
      std::string name = text_string(ports[p].getName());
      if (ports.size() > 1 && name.empty())
        out.push_back({port_at + ".name", "Required value"});
      else if (!name.empty())
        add(out, port_at + ".name", name, check_dns1123_label(name));
      add(out, port_at + ".port", ports[p].getPort(), check_port_number(ports[p].getPort()));
      if (ports[p].hasAppProtocol())
        add(out, port_at + ".appProtocol", text_view(ports[p].getAppProtocol()),
            check_qualified_name(text_view(ports[p].getAppProtocol())));
    }
  }
}

// Kubernetes' ValidateIngressSpec.
void validate_ingress(k8s::Ingress::Reader ing, std::vector<field_error>& out) {
  auto spec = ing.getSpec();
  if (spec.getRules().size() == 0 && !spec.hasDefaultBackend())
    out.push_back(
        {"spec",
         "Invalid value: []networking.IngressRule(nil): either `defaultBackend` or `rules` must be "
         "specified"});
  if (spec.hasDefaultBackend())
    validate_backend(spec.getDefaultBackend(), "spec.defaultBackend", out);
  auto rules = spec.getRules();
  for (unsigned i = 0; i < rules.size(); ++i) {
    auto at = "spec.rules[" + std::to_string(i) + "]";
    std::string host = text_string(rules[i].getHost());
    if (!host.empty()) {
      if (valid_ip(host))
        out.push_back({at + ".host", "Invalid value: " + quote(host) +
                                         ": must be a DNS name, not an IP address"});
      add(out, at + ".host", host, check_ingress_host(host));
    }
    if (!rules[i].hasHttp()) continue;
    auto paths = rules[i].getHttp().getPaths();
    if (paths.size() == 0) out.push_back({at + ".http.paths", "Required value"});
    for (unsigned p = 0; p < paths.size(); ++p) {
      auto path_at = at + ".http.paths[" + std::to_string(p) + "]";
      std::string path = text_string(paths[p].getPath());
      auto type = paths[p].getPathType();
      if (type == k8s::PathType::UNSPECIFIED) {
        out.push_back({path_at + ".pathType", "Required value: pathType must be specified"});
        continue;
      }
      if ((type != k8s::PathType::IMPLEMENTATION_SPECIFIC || !path.empty()) &&
          !starts_with(path, "/"))
        out.push_back(
            {path_at + ".path", "Invalid value: " + quote(path) + ": must be an absolute path"});
      if (type != k8s::PathType::IMPLEMENTATION_SPECIFIC && !path.empty()) {
        for (const char* sequence : {"//", "/./", "/../", "%2f", "%2F"})
          if (path.find(sequence) != std::string::npos)
            out.push_back({path_at + ".path", "Invalid value: " + quote(path) +
                                                  ": must not contain '" + sequence + "'"});
        for (const char* suffix : {"/..", "/."})
          if (ends_with(path, suffix))
            out.push_back({path_at + ".path",
                           "Invalid value: " + quote(path) + ": cannot end with '" + suffix + "'"});
      }
      validate_backend(paths[p].getBackend(), path_at + ".backend", out);
    }
  }
  auto tls = spec.getTls();
  for (unsigned t = 0; t < tls.size(); ++t) {
    auto at = "spec.tls[" + std::to_string(t) + "]";
    auto hosts = tls[t].getHosts();
    for (unsigned h = 0; h < hosts.size(); ++h)
      add(out, at + ".hosts[" + std::to_string(h) + "]", text_view(hosts[h]),
          check_ingress_host(text_string(hosts[h])));
    if (tls[t].getSecretName().size() > 0)
      add(out, at + ".secretName", text_view(tls[t].getSecretName()),
          check_dns1123_subdomain(text_view(tls[t].getSecretName())));
  }
  if (spec.hasIngressClassName()) {
    auto name = text_view(spec.getIngressClassName());
    add(out, "spec.ingressClassName", name, check_dns1123_subdomain(name));
  }
}

// Kubernetes' ValidateIngressCreate: the old class annotation and the field agree (on create
// only; an update may leave them apart).
void validate_ingress_create(k8s::Ingress::Reader ing, std::vector<field_error>& out) {
  auto spec = ing.getSpec();
  if (!spec.hasIngressClassName()) return;
  for (auto entry : ing.getMetadata().getAnnotations())
    if (entry.getKey() == "kubernetes.io/ingress.class" &&
        entry.getValue() != spec.getIngressClassName())
      out.push_back({"annotations.kubernetes.io/ingress.class",
                     "Invalid value: " + quote(text_view(entry.getValue())) +
                         ": must match `ingressClassName` when both are specified"});
}

}  // namespace troupe::validation_rules
