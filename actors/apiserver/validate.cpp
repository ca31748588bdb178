#include <arpa/inet.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <optional>
#include <set>

#include "actors/apiserver/defaults.hpp"
#include "actors/apiserver/validate_rules.hpp"
#include "runtime/base/text.hpp"
#include "runtime/codec/json.hpp"
#include "runtime/object/kinds.hpp"
#include "runtime/object/object.hpp"
#include "runtime/object/quantity.hpp"
#include "runtime/object/selector.hpp"
#include "runtime/object/validation.hpp"
#include "schema/apps.capnp.h"
#include "schema/batch.capnp.h"
#include "schema/coordination.capnp.h"
#include "schema/core.capnp.h"
#include "schema/networking.capnp.h"
#include "schema/rbac.capnp.h"

// Kubernetes' Validate* for the fields a user writes, per kind. Each check appends every
// failure with its full path, so one Invalid error lists them all.

namespace troupe {
namespace validation_rules {

namespace {

// Go's %#v of a map[string]string, as field.Invalid prints template labels: keys sorted.
std::string go_string_map(capnp::List<k8s::StringEntry>::Reader entries) {
  if (entries.size() == 0) return "map[string]string(nil)";
  std::map<std::string, std::string> sorted;
  for (auto e : entries) sorted[text_string(e.getKey())] = text_string(e.getValue());
  std::string out = "map[string]string{";
  for (auto& [key, value] : sorted) out += (out.back() == '{' ? "" : ", ") + quote(key) + ":" + quote(value);
  return out + "}";
}

}  // namespace

void validate_selector(bool has, k8s::LabelSelector::Reader selector,
                       k8s::PodTemplateSpec::Reader tmpl, const std::string& path,
                       std::vector<field_error>& out) {
  if (!has || (selector.getMatchLabels().size() == 0 && selector.getMatchExpressions().size() == 0)) {
    out.push_back({path + ".selector", "Required value"});
    return;
  }
  try {
    if (!label_selector::from(selector).matches(tmpl.getMetadata().getLabels()))
      out.push_back({path + ".template.metadata.labels",
                     "Invalid value: " + go_string_map(tmpl.getMetadata().getLabels()) +
                         ": `selector` does not match template `labels`"});
  } catch (const api_error& e) {
    out.push_back({path + ".selector", e.message()});
  }
}

}  // namespace validation_rules

namespace {

using validation_rules::add;
using validation_rules::non_negative;
using validation_rules::validate_cron_job;
using validation_rules::validate_job;
using validation_rules::validate_labels_and_annotations;
using validation_rules::validate_pod_spec;
using validation_rules::validate_selector;

const char* restart_policy_name(k8s::RestartPolicy policy) {
  switch (policy) {
    case k8s::RestartPolicy::ALWAYS: return "Always";
    case k8s::RestartPolicy::ON_FAILURE: return "OnFailure";
    case k8s::RestartPolicy::NEVER: return "Never";
    default: return "";
  }
}

// Deployments, ReplicaSets, DaemonSets and StatefulSets: a selector that matches the
// template, and pods that always restart and have no deadline (`no_deadline`: Kubernetes'
// error for this kind's template carrying one).
template <class Spec>
void validate_workload(Spec spec, const field_error& no_deadline, std::vector<field_error>& out,
                       std::set<std::string> provided = {}) {
  validate_selector(spec.hasSelector(), spec.getSelector(), spec.getTemplate(), "spec", out);
  validate_labels_and_annotations(spec.getTemplate().getMetadata(), "spec.template", out);
  auto pod_spec = spec.getTemplate().getSpec();
  validate_pod_spec(pod_spec, "spec.template.spec", out, std::move(provided));
  if (pod_spec.getRestartPolicy() != k8s::RestartPolicy::ALWAYS)
    out.push_back({"spec.template.spec.restartPolicy",
                   "Unsupported value: " + quote(restart_policy_name(pod_spec.getRestartPolicy())) +
                       ": supported values: \"Always\""});
  if (!pod_spec.getActiveDeadlineSeconds().isUnset()) out.push_back(no_deadline);
}

const field_error replica_set_deadline{
    "spec.template.spec.activeDeadlineSeconds",
    "Forbidden: activeDeadlineSeconds in ReplicaSet is not Supported"};

// An IntOrString as Go's %#v prints it, as field.Invalid shows one (its String() takes a pointer).
std::string go_int_or_string(k8s::IntOrString::Reader v) {
  return v.isInt()
             ? "intstr.IntOrString{Type:0, IntVal:" + std::to_string(v.getInt()) + ", StrVal:\"\"}"
             : "intstr.IntOrString{Type:1, IntVal:0, StrVal:" + quote(text_view(v.getStr())) + "}";
}

// A rolling update's maxUnavailable or maxSurge as Kubernetes' getIntOrPercentValue reads it,
// checked as ValidatePositiveIntOrPercent; `percent` when it is "N%".
int64_t int_or_percent(k8s::IntOrString::Reader v, const std::string& path, bool& percent,
                       std::vector<field_error>& out) {
  percent = false;
  if (v.isInt()) {
    if (v.getInt() < 0) add(out, path, v.getInt(), {"must be greater than or equal to 0"});
    return v.getInt();
  }
  std::string text = text_string(v.getStr());
  auto number = text.size() >= 2 && text.back() == '%' &&
                        text.find_first_not_of("0123456789") == text.size() - 1
                    ? parse_int(std::string_view(text).substr(0, text.size() - 1))
                    : std::nullopt;
  if (!number) {
    out.push_back(
        {path,
         "Invalid value: " + go_int_or_string(v) +
             ": a valid percent string must be a numeric string followed by an ending '%' (e.g. "
             "'1%',  or '93%', regex used for validation is '[0-9]+%')"});
    return 0;
  }
  percent = true;
  return *number;
}

// Kubernetes' ValidateRollingUpdateDeployment, or ValidateRollingUpdateDaemonSet (`daemon`).
template <class Rolling>
void validate_rolling_update(Rolling rolling, const std::string& path, bool daemon,
                             std::vector<field_error>& out) {
  bool unavailable_percent = false, surge_percent = false;
  auto unavailable = int_or_percent(rolling.getMaxUnavailable(), path + ".maxUnavailable",
                                    unavailable_percent, out);
  auto surge = int_or_percent(rolling.getMaxSurge(), path + ".maxSurge", surge_percent, out);
  auto at_most_all = [&](int64_t value, bool percent, k8s::IntOrString::Reader v,
                         const std::string& at) {
    if (percent && value > 100)
      out.push_back(
          {at, "Invalid value: " + go_int_or_string(v) + ": must not be greater than 100%"});
  };
  auto value_text = go_int_or_string;
  if (!daemon) {
    if (unavailable == 0 && surge == 0)
      out.push_back(
          {path + ".maxUnavailable", "Invalid value: " + value_text(rolling.getMaxUnavailable()) +
                                         ": may not be 0 when `maxSurge` is 0"});
    at_most_all(unavailable, unavailable_percent, rolling.getMaxUnavailable(),
                path + ".maxUnavailable");
    return;
  }
  at_most_all(unavailable, unavailable_percent, rolling.getMaxUnavailable(),
              path + ".maxUnavailable");
  at_most_all(surge, surge_percent, rolling.getMaxSurge(), path + ".maxSurge");
  if (unavailable != 0 && surge != 0)
    out.push_back({path + ".maxSurge", "Invalid value: " + value_text(rolling.getMaxSurge()) +
                                           ": may not be set when maxUnavailable is non-zero"});
  else if (unavailable == 0 && surge == 0)
    out.push_back({path + ".maxUnavailable", "Required value: cannot be 0 when maxSurge is 0"});
}

void validate_deployment(k8s::Deployment::Reader d, std::vector<field_error>& out) {
  non_negative(d.getSpec().getReplicas(), "spec.replicas", out);
  non_negative(d.getSpec().getRevisionHistoryLimit(), "spec.revisionHistoryLimit", out);
  auto spec = d.getSpec();
  if (spec.getMinReadySeconds() < 0)
    validation_rules::add(out, "spec.minReadySeconds", spec.getMinReadySeconds(),
                          {"must be greater than or equal to 0"});
  auto deadline = spec.getProgressDeadlineSeconds();
  non_negative(deadline, "spec.progressDeadlineSeconds", out);
  if (!deadline.isUnset() && deadline.getValue() <= spec.getMinReadySeconds())
    out.push_back(
        {"spec.progressDeadlineSeconds", "Invalid value: " + std::to_string(deadline.getValue()) +
                                             ": must be greater than minReadySeconds"});
  if (spec.getStrategy().getType() == k8s::DeploymentStrategyType::ROLLING_UPDATE)
    validate_rolling_update(spec.getStrategy().getRollingUpdate(), "spec.strategy.rollingUpdate",
                            false, out);
  else if (spec.getStrategy().hasRollingUpdate())
    out.push_back({"spec.strategy.rollingUpdate",
                   "Forbidden: may not be specified when strategy `type` is 'Recreate'"});
  validate_workload(d.getSpec(), replica_set_deadline, out);
}

bool valid_ip(std::string_view text) {
  std::string s(text);
  unsigned char buffer[16];
  return inet_pton(AF_INET, s.c_str(), buffer) == 1 || inet_pton(AF_INET6, s.c_str(), buffer) == 1;
}

// Go's net.ParseCIDR: an address of either family and a prefix length that fits it (host
// bits may be set).
bool valid_cidr(std::string_view text) {
  auto slash = text.find('/');
  if (slash == std::string_view::npos) return false;
  std::string address(text.substr(0, slash));
  auto length = text.substr(slash + 1);
  unsigned char buffer[16];
  int bits = inet_pton(AF_INET, address.c_str(), buffer) == 1    ? 32
             : inet_pton(AF_INET6, address.c_str(), buffer) == 1 ? 128
                                                                 : 0;
  auto prefix = length.find_first_not_of("0123456789") == std::string_view::npos ? parse_int(length)
                                                                                 : std::nullopt;
  return bits != 0 && prefix && *prefix <= bits;
}

// Kubernetes' IsValidIP then ValidateNonSpecialIP, for an address traffic is sent to; loopback
// ones pass, as troupe's pods and Services live on loopback addresses.
// `endpoint`: validateEndpointAddress's order, which checks a bad address twice over.
void validate_routable_ip(std::string_view ip, const std::string& path,
                          std::vector<field_error>& out, bool endpoint = false) {
  if (!valid_ip(ip)) {
    out.push_back({path, "Invalid value: " + quote(ip) +
                             ": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"});
    if (endpoint)
      out.push_back({path, "Invalid value: " + quote(ip) + ": must be a valid IP address"});
    return;
  }
  std::string s(ip);
  unsigned char v4[4];
  unsigned char v6[16];
  const char* problem = nullptr;
  if (inet_pton(AF_INET, s.c_str(), v4) == 1) {
    if (v4[0] == 0 && v4[1] == 0 && v4[2] == 0 && v4[3] == 0)
      problem = "may not be unspecified";
    else if (v4[0] == 169 && v4[1] == 254)
      problem = "may not be in the link-local range (169.254.0.0/16, fe80::/10)";
    else if (v4[0] == 224 && v4[1] == 0 && v4[2] == 0)
      problem = "may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)";
  } else if (inet_pton(AF_INET6, s.c_str(), v6) == 1) {
    bool zero = std::all_of(v6, v6 + 16, [](unsigned char b) { return b == 0; });
    if (zero)
      problem = "may not be unspecified";
    else if (v6[0] == 0xfe && (v6[1] & 0xc0) == 0x80)
      problem = "may not be in the link-local range (169.254.0.0/16, fe80::/10)";
    else if (v6[0] == 0xff && (v6[1] & 0x0f) == 0x02)
      problem = "may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)";
  }
  if (!problem) return;
  std::string why = problem;
  if (why == "may not be unspecified") why += " (" + s + ")";  // as written
  out.push_back({path, "Invalid value: " + quote(ip) + ": " + why});
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
    out.push_back({"spec.externalTrafficPolicy", "Invalid value: " + quote(traffic_policy_name(etp)) +
                                                     ": may only be set for externally-accessible services"});
  if (health != 0 && !(load_balancer && etp == k8s::TrafficPolicy::LOCAL))
    out.push_back({"spec.healthCheckNodePort",
                   "Invalid value: " + std::to_string(health) +
                       ": may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"});
  if (!load_balancer) {
    auto only_load_balancers = [&](bool set, const char* field) {
      if (set) out.push_back({std::string("spec.") + field, "Forbidden: may only be used when `type` is 'LoadBalancer'"});
    };
    // Kubernetes names this one's path with a capital L (a historical accident it keeps).
    only_load_balancers(spec.getLoadBalancerSourceRanges().size() > 0, "LoadBalancerSourceRanges");
    only_load_balancers(spec.getAllocateLoadBalancerNodePorts().isValue(), "allocateLoadBalancerNodePorts");
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
    return std::string(f == k8s::IpFamily::IPV4 ? "\"IPv4\"" : f == k8s::IpFamily::IPV6 ? "\"IPv6\"" : "\"\"");
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
      out.push_back({"spec.ipFamilyPolicy",
                     std::string("Invalid value: ") +
                         (policy == k8s::IpFamilyPolicy::SINGLE_STACK      ? "\"SingleStack\""
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
      out.push_back({"spec.ipFamilies[" + std::to_string(i) + "]",
                     "Invalid value: " + family_name(families[i]) + ": not configured on this cluster"});
  }
  // Kubernetes lets a family-agnostic Service require both families on a single-stack cluster.
  if (spec.getIpFamilyPolicy() == k8s::IpFamilyPolicy::REQUIRE_DUAL_STACK &&
      !validation_rules::family_agnostic(spec))
    out.push_back({"spec.ipFamilyPolicy",
                   "Invalid value: \"RequireDualStack\": this cluster is not configured for dual-stack services"});
  auto ips = spec.getClusterIPs();
  if (spec.getClusterIP().size() != 0 && ips.size() != 0 && ips[0] != spec.getClusterIP()) {
    std::string listed;
    for (auto ip : ips) listed += (listed.empty() ? "" : ", ") + quote(text_view(ip));
    out.push_back({"spec.clusterIPs", "Invalid value: []string{" + listed + "}: first value must match `clusterIP`"});
  }
}

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
      add(out, at + ".targetPort", text_view(target.getStr()), check_port_name(text_view(target.getStr())));
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
          check_dns1123_subdomain(external.back() == '.' ? external.substr(0, external.size() - 1) : external));
  }
}

// Kubernetes' ValidateConfigMap: valid keys, none in both maps, at most 1 MiB in all.
void validate_config_map(k8s::ConfigMap::Reader cm, std::vector<field_error>& out) {
  size_t total = 0;
  std::set<std::string> keys;
  for (auto entry : cm.getData()) {
    std::string key = text_string(entry.getKey());
    add(out, "data[" + key + "]", key, check_config_map_key(key));
    keys.insert(key);
    total += entry.getValue().size();
  }
  for (auto entry : cm.getBinaryData()) {
    std::string key = text_string(entry.getKey());
    add(out, "binaryData[" + key + "]", key, check_config_map_key(key));
    if (keys.count(key))
      out.push_back({"data[" + key + "]", "Invalid value: " + quote(key) + ": duplicate of key present in binaryData"});
    total += entry.getValue().size();
  }
  if (total > 1024 * 1024)
    out.push_back({"data", "Too long: must have at most 1048576 bytes"});
}

void validate_replica_set(k8s::ReplicaSet::Reader rs, std::vector<field_error>& out) {
  non_negative(rs.getSpec().getReplicas(), "spec.replicas", out);
  non_negative(rs.getSpec().getMinReadySeconds(), "spec.minReadySeconds", out);
  validate_workload(rs.getSpec(), replica_set_deadline, out);
}

void validate_daemon_set(k8s::DaemonSet::Reader ds, std::vector<field_error>& out) {
  auto spec = ds.getSpec();
  auto deadline = spec.getTemplate().getSpec().getActiveDeadlineSeconds();
  validate_workload(
      spec,
      {"spec.template.spec.activeDeadlineSeconds",
       "Invalid value: " + std::to_string(deadline.isUnset() ? 0 : deadline.getValue()) +
           ": activeDeadlineSeconds must be nil for daemon sets"},
      out);
  non_negative(spec.getMinReadySeconds(), "spec.minReadySeconds", out);
  auto strategy = spec.getUpdateStrategy();
  if (strategy.getType() == k8s::DaemonSetUpdateStrategyType::ROLLING_UPDATE)
    validate_rolling_update(strategy.getRollingUpdate(), "spec.updateStrategy.rollingUpdate", true,
                            out);
  non_negative(spec.getRevisionHistoryLimit(), "spec.revisionHistoryLimit", out);
}

void validate_stateful_set(k8s::StatefulSet::Reader sts, std::vector<field_error>& out) {
  auto spec = sts.getSpec();
  non_negative(spec.getReplicas(), "spec.replicas", out);
  non_negative(spec.getMinReadySeconds(), "spec.minReadySeconds", out);
  if (spec.hasOrdinals() && spec.getOrdinals().getStart() < 0)
    add(out, "spec.ordinals.start", spec.getOrdinals().getStart(),
        {"must be greater than or equal to 0"});
  auto rolling = spec.getUpdateStrategy().getRollingUpdate();
  if (spec.getUpdateStrategy().hasRollingUpdate())
    non_negative(rolling.getPartition(), "spec.updateStrategy.rollingUpdate.partition", out);
  std::set<std::string> claim_names;
  for (auto claim : spec.getVolumeClaimTemplates())
    claim_names.insert(text_string(claim.getMetadata().getName()));
  validate_workload(spec,
                    {"spec.template.spec.activeDeadlineSeconds",
                     "Forbidden: activeDeadlineSeconds in StatefulSet is not Supported"},
                    out, std::move(claim_names));
  if (spec.getUpdateStrategy().getType() == k8s::StatefulSetUpdateStrategyType::ON_DELETE &&
      spec.getUpdateStrategy().hasRollingUpdate())
    out.push_back({"spec.updateStrategy.rollingUpdate",
                   "Invalid value: only allowed for updateStrategy 'RollingUpdate'"});
  auto claims = spec.getVolumeClaimTemplates();
  for (unsigned i = 0; i < claims.size(); ++i) {
    auto at = "spec.volumeClaimTemplates[" + std::to_string(i) + "]";
    if (claims[i].getMetadata().getName().size() == 0) out.push_back({at + ".metadata.name", "Required value"});
    if (claims[i].getSpec().getAccessModes().size() == 0)
      out.push_back({at + ".spec.accessModes", "Required value"});
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

void validate_secret(k8s::Secret::Reader secret, std::vector<field_error>& out) {
  size_t total = 0;
  for (auto entry : secret.getData()) {
    add(out, "data[" + text_string(entry.getKey()) + "]", text_view(entry.getKey()), check_config_map_key(text_view(entry.getKey())));
    total += entry.getValue().size();
  }
  if (total > 1024 * 1024) out.push_back({"data", "Too long: must have at most 1048576 bytes"});
  // The keys each well-known type must carry (Kubernetes' ValidateSecret).
  auto value_of = [&](std::string_view key) -> std::optional<std::string_view> {
    for (auto entry : secret.getData())
      if (text_view(entry.getKey()) == key)
        return std::string_view(reinterpret_cast<const char*>(entry.getValue().begin()), entry.getValue().size());
    return std::nullopt;
  };
  auto require = [&](std::string_view key) {
    if (!value_of(key)) out.push_back({"data[" + std::string(key) + "]", "Required value"});
  };
  std::string type = text_string(secret.getType());
  if (type == "kubernetes.io/service-account-token") {
    if (!map_get(secret.getMetadata().getAnnotations(), "kubernetes.io/service-account.name"))
      out.push_back({"metadata.annotations[kubernetes.io/service-account.name]", "Required value"});
  } else if (type == "kubernetes.io/tls") {
    require("tls.crt");
    require("tls.key");
  } else if (type == "kubernetes.io/ssh-auth") {
    require("ssh-privatekey");
  } else if (type == "kubernetes.io/basic-auth") {
    if (!value_of("username") && !value_of("password"))
      out.push_back({"data[username]", "Required value"});
  } else if (type == "kubernetes.io/dockerconfigjson" || type == "kubernetes.io/dockercfg") {
    std::string key = type == "kubernetes.io/dockercfg" ? ".dockercfg" : ".dockerconfigjson";
    auto value = value_of(key);
    if (!value) {
      require(key);
    } else {
      bool object = false;
      try {
        object = codec::parse_json(std::string(*value), key).is_map();
      } catch (const api_error&) {
        // not JSON at all
      }
      if (!object)
        out.push_back({"data[" + key + "]", "Invalid value: \"<secret contents redacted>\": must be a JSON object"});
    }
  }
}

bool has_quantity(capnp::List<k8s::QuantityEntry>::Reader list, std::string_view name) {
  for (auto e : list)
    if (text_view(e.getKey()) == name) return true;
  return false;
}

// Kubernetes' ValidatePositiveQuantityValue.
void positive_quantity(k8s::QuantityEntry::Reader entry, const std::string& path,
                       std::vector<field_error>& out) {
  auto value = quantity::parse(text_view(entry.getValue()));
  if (value && *value <= quantity())
    out.push_back({path, "Invalid value: " + quote(text_view(entry.getValue())) +
                             ": must be greater than zero"});
}

// Kubernetes' validatePathNoBacksteps.
void no_backsteps(std::string_view path, const std::string& at, std::vector<field_error>& out) {
  for (auto& part : split(path, '/'))
    if (part == "..")
      return out.push_back({at, "Invalid value: " + quote(path) + ": must not contain '..'"});
}

// Kubernetes' ValidatePersistentVolumeSpec, for the volume types troupe's schema has.
void validate_persistent_volume(k8s::PersistentVolume::Reader pv, std::vector<field_error>& out) {
  auto spec = pv.getSpec();
  if (spec.getAccessModes().size() == 0) out.push_back({"spec.accessModes", "Required value"});
  auto capacity = spec.getCapacity();
  if (capacity.size() == 0) out.push_back({"spec.capacity", "Required value"});
  if (!has_quantity(capacity, "storage") || capacity.size() > 1) {
    std::string listed;
    for (auto e : capacity)
      listed += (listed.empty() ? "" : ", ") + quote(text_view(e.getKey())) + ":" +
                quote(text_view(e.getValue()));
    out.push_back({"spec.capacity", "Unsupported value: core.ResourceList{" + listed +
                                        "}: supported values: \"storage\""});
  }
  for (auto e : capacity)
    positive_quantity(e, "spec.capacity[" + text_string(e.getKey()) + "]", out);
  if (spec.getStorageClassName().size() > 0)
    add(out, "spec.storageClassName", text_view(spec.getStorageClassName()),
        check_dns1123_subdomain(text_view(spec.getStorageClassName())));
  switch (spec.which()) {
    case k8s::PersistentVolumeSpec::UNSET:
      out.push_back({"spec", "Required value: must specify a volume type"});
      break;
    case k8s::PersistentVolumeSpec::HOST_PATH: {
      auto path = text_view(spec.getHostPath().getPath());
      if (path.empty()) out.push_back({"spec.hostPath.path", "Required value"});
      no_backsteps(path, "spec.hostPath.path", out);
      if (spec.getPersistentVolumeReclaimPolicy() == k8s::ReclaimPolicy::RECYCLE && !path.empty() &&
          std::filesystem::path(std::string(path)).lexically_normal() == "/")
        out.push_back({"spec.persistentVolumeReclaimPolicy",
                       "Forbidden: may not be 'recycle' for a hostPath mount of '/'"});
      break;
    }
    case k8s::PersistentVolumeSpec::LOCAL: {
      if (!spec.hasNodeAffinity())
        out.push_back({"spec.nodeAffinity", "Required value: Local volume requires node affinity"});
      auto path = text_view(spec.getLocal().getPath());
      if (path.empty())
        out.push_back({"spec.local.path", "Required value"});
      else if (!starts_with(path, "/"))
        out.push_back(
            {"spec.local.path", "Invalid value: " + quote(path) + ": must be an absolute path"});
      no_backsteps(path, "spec.local.path", out);
      break;
    }
    case k8s::PersistentVolumeSpec::CSI: {
      // Kubernetes' validateCSIPersistentVolumeSource.
      auto csi = spec.getCsi();
      std::string driver = text_string(csi.getDriver());
      if (driver.empty()) out.push_back({"spec.csi.driver", "Required value"});
      if (driver.size() > 63)
        out.push_back({"spec.csi.driver", "Too long: must have at most 63 bytes"});
      add(out, "spec.csi.driver", driver, check_dns1123_subdomain(to_lower(driver)));
      if (csi.getVolumeHandle().size() == 0)
        out.push_back({"spec.csi.volumeHandle", "Required value"});
      for (auto [field, ref, given] :
           {std::tuple{"controllerPublishSecretRef", csi.getControllerPublishSecretRef(),
                       csi.hasControllerPublishSecretRef()},
            std::tuple{"nodeStageSecretRef", csi.getNodeStageSecretRef(),
                       csi.hasNodeStageSecretRef()},
            std::tuple{"nodePublishSecretRef", csi.getNodePublishSecretRef(),
                       csi.hasNodePublishSecretRef()},
            std::tuple{"controllerExpandSecretRef", csi.getControllerExpandSecretRef(),
                       csi.hasControllerExpandSecretRef()},
            std::tuple{"nodeExpandSecretRef", csi.getNodeExpandSecretRef(),
                       csi.hasNodeExpandSecretRef()}}) {
        if (!given) continue;
        std::string at = std::string("spec.csi.") + field;
        if (ref.getName().size() == 0) out.push_back({at + ".name", "Required value"});
        if (ref.getNamespace().size() == 0) out.push_back({at + ".namespace", "Required value"});
      }
      break;
    }
    case k8s::PersistentVolumeSpec::NFS: {
      auto nfs = spec.getNfs();
      if (nfs.getServer().size() == 0) out.push_back({"spec.nfs.server", "Required value"});
      if (nfs.getPath().size() == 0) out.push_back({"spec.nfs.path", "Required value"});
      if (!starts_with(text_view(nfs.getPath()), "/"))
        out.push_back({"spec.nfs.path", "Invalid value: " + quote(text_view(nfs.getPath())) +
                                            ": must be an absolute path"});
      break;
    }
  }
}

// Kubernetes' ValidatePersistentVolumeClaimSpec.
void validate_claim(k8s::PersistentVolumeClaim::Reader pvc, std::vector<field_error>& out) {
  auto spec = pvc.getSpec();
  if (spec.getAccessModes().size() == 0)
    out.push_back({"spec.accessModes", "Required value: at least 1 access mode is required"});
  if (spec.hasSelector()) {
    try {
      label_selector::from(spec.getSelector());
    } catch (const api_error& e) {
      out.push_back({"spec.selector", e.message()});
    }
  }
  bool has_storage = false;
  for (auto e : spec.getResources().getRequests())
    if (text_view(e.getKey()) == "storage") {
      has_storage = true;
      positive_quantity(e, "spec.resources[storage]", out);
    }
  if (!has_storage) out.push_back({"spec.resources[storage]", "Required value"});
  auto storage_class = spec.getStorageClassName();
  if (storage_class.isValue() && storage_class.getValue().size() > 0)
    add(out, "spec.storageClassName", text_view(storage_class.getValue()),
        check_dns1123_subdomain(text_view(storage_class.getValue())));
  // Kubernetes' validateDataSource and validateDataSourceRef, and that the two agree.
  auto data_source = [&](auto ref, const std::string& at) {
    if (ref.getName().size() == 0) out.push_back({at + ".name", "Required value"});
    if (ref.getKind().size() == 0) out.push_back({at + ".kind", "Required value"});
    auto group = text_view(ref.getApiGroup());
    if (group.empty() && ref.getKind() != "PersistentVolumeClaim")
      out.push_back(
          {at, "Invalid value: " + quote(text_view(ref.getKind())) +
                   ": must be 'PersistentVolumeClaim' when referencing the default apiGroup"});
    if (!group.empty()) add(out, at + ".apiGroup", group, check_dns1123_subdomain(group));
  };
  if (spec.hasDataSource()) data_source(spec.getDataSource(), "spec.dataSource");
  if (spec.hasDataSourceRef()) {
    auto ref = spec.getDataSourceRef();
    data_source(ref, "spec.dataSourceRef");
    if (ref.getNamespace().size() > 0) {
      if (spec.hasDataSource())
        out.push_back({"spec",
                       "Invalid value: \"spec.dataSource\": may not be specified when "
                       "dataSourceRef.namespace is specified"});
    } else if (spec.hasDataSource()) {
      auto source = spec.getDataSource();
      if (source.getApiGroup() != ref.getApiGroup() || source.getKind() != ref.getKind() ||
          source.getName() != ref.getName())
        out.push_back({"spec", "Invalid value: \"spec.dataSource\": must match dataSourceRef"});
    }
  }
}

// Kubernetes' validateIngressBackend.
void validate_backend(k8s::IngressBackend::Reader b, const std::string& at, std::vector<field_error>& out) {
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
  if (svc.getName().size() == 0) out.push_back({at + ".service.name", "Required value"});
  else add(out, at + ".service.name", text_view(svc.getName()), check_dns1035_label(text_view(svc.getName())));
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

// Kubernetes' ValidateIngressSpec and ValidateIngressCreate's class annotation check.
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
    for (auto entry : ing.getMetadata().getAnnotations())
      if (entry.getKey() == "kubernetes.io/ingress.class" &&
          entry.getValue() != spec.getIngressClassName())
        out.push_back({"annotations.kubernetes.io/ingress.class",
                       "Invalid value: " + quote(text_view(entry.getValue())) +
                           ": must match `ingressClassName` when both are specified"});
  }
}

// A list of strings as Go's %#v prints it in a field error: []string{"a", "b"}.
std::string go_string_slice(capnp::List<capnp::Text>::Reader items) {
  std::string out = "[]string{";
  for (unsigned i = 0; i < items.size(); ++i) out += (i ? ", " : "") + quote(text_view(items[i]));
  return out + "}";
}

// Kubernetes' ValidatePolicyRule.
void validate_rules(capnp::List<k8s::PolicyRule>::Reader rules, bool cluster, std::vector<field_error>& out) {
  for (unsigned i = 0; i < rules.size(); ++i) {
    auto at = "rules[" + std::to_string(i) + "]";
    auto r = rules[i];
    if (r.getVerbs().size() == 0) out.push_back({at + ".verbs", "Required value: verbs must contain at least one value"});
    if (r.getNonResourceURLs().size() > 0) {
      auto urls = go_string_slice(r.getNonResourceURLs());
      if (!cluster)
        out.push_back(
            {at + ".nonResourceURLs",
             "Invalid value: " + urls + ": namespaced rules cannot apply to non-resource URLs"});
      if (r.getResources().size() > 0 || r.getApiGroups().size() > 0 ||
          r.getResourceNames().size() > 0)
        out.push_back({at + ".nonResourceURLs",
                       "Invalid value: " + urls +
                           ": rules cannot apply to both regular resources and non-resource URLs"});
    } else {
      if (r.getApiGroups().size() == 0) out.push_back({at + ".apiGroups", "Required value: resource rules must supply at least one api group"});
      if (r.getResources().size() == 0) out.push_back({at + ".resources", "Required value: resource rules must supply at least one resource"});
    }
  }
}

template <class Binding>
void validate_binding(Binding b, bool cluster, std::vector<field_error>& out) {
  auto ref = b.getRoleRef();
  std::string kind = text_string(ref.getKind());
  if (kind != "ClusterRole" && (cluster || kind != "Role"))
    out.push_back({"roleRef.kind", "Unsupported value: " + quote(kind) + ": supported values: " +
                                       (cluster ? "\"ClusterRole\"" : "\"Role\", \"ClusterRole\"")});
  if (text_view(ref.getApiGroup()) != "rbac.authorization.k8s.io")
    out.push_back({"roleRef.apiGroup", "Unsupported value: " + quote(text_view(ref.getApiGroup())) +
                                           ": supported values: \"rbac.authorization.k8s.io\""});
  if (ref.getName().size() == 0) out.push_back({"roleRef.name", "Required value"});
  else
    add(out, "roleRef.name", text_view(ref.getName()),
        check_path_segment_name(text_view(ref.getName())));
  // Kubernetes' ValidateRoleBindingSubject.
  auto subjects = b.getSubjects();
  for (unsigned i = 0; i < subjects.size(); ++i) {
    auto at = "subjects[" + std::to_string(i) + "]";
    auto subject = subjects[i];
    std::string sk = text_string(subject.getKind());
    std::string_view name = text_view(subject.getName()), group = text_view(subject.getApiGroup());
    if (name.empty()) out.push_back({at + ".name", "Required value"});
    if (sk == "ServiceAccount") {
      if (!name.empty()) add(out, at + ".name", name, check_dns1123_subdomain(name));
      if (!group.empty())
        out.push_back(
            {at + ".apiGroup", "Unsupported value: " + quote(group) + ": supported values: \"\""});
      if (cluster && subject.getNamespace().size() == 0)
        out.push_back({at + ".namespace", "Required value"});
    } else if (sk == "User" || sk == "Group") {
      if (group != "rbac.authorization.k8s.io")
        out.push_back({at + ".apiGroup", "Unsupported value: " + quote(group) +
                                             ": supported values: \"rbac.authorization.k8s.io\""});
    } else {
      out.push_back({at + ".kind", "Unsupported value: " + quote(sk) +
                                       ": supported values: \"ServiceAccount\", \"User\", \"Group\""});
    }
  }
}

void validate_node(k8s::Node::Reader node, std::vector<field_error>& out) {
  auto taints = node.getSpec().getTaints();
  for (unsigned i = 0; i < taints.size(); ++i) {
    auto at = "spec.taints[" + std::to_string(i) + "]";
    add(out, at + ".key", text_view(taints[i].getKey()), check_qualified_name(text_view(taints[i].getKey())));
    if (taints[i].getEffect() == k8s::TaintEffect::UNSPECIFIED) out.push_back({at + ".effect", "Required value"});
  }
}

// Kubernetes' legacyValidateEvent, which every core v1 Event passes: one without an eventTime
// names its object's namespace; one with it (events.k8s.io's kind) says who reported what.
void validate_event(k8s::Event::Reader event, std::vector<field_error>& out) {
  std::string ns = text_string(event.getMetadata().getNamespace());
  std::string involved = text_string(event.getInvolvedObject().getNamespace());
  auto mismatch = [&] {
    out.push_back({"involvedObject.namespace",
                   "Invalid value: " + quote(involved) + ": does not match event.namespace"});
  };
  if (event.getEventTime() == 0) {
    if (involved.empty() ? !(ns.empty() || ns == "default") : ns != involved) mismatch();
    return;
  }
  if (involved.empty() && ns != "default" && ns != "kube-system") mismatch();
  auto component = text_view(event.getReportingComponent());
  if (component.empty()) out.push_back({"reportingComponent", "Required value"});
  add(out, "reportingComponent", component, check_qualified_name(component));
  auto limited = [&](std::string_view value, const char* path, size_t limit, bool required) {
    if (required && value.empty()) out.push_back({path, "Required value"});
    if (value.size() > limit)
      out.push_back(
          {path, "Invalid value: \"\": can have at most " + std::to_string(limit) + " characters"});
  };
  limited(text_view(event.getReportingInstance()), "reportingInstance", 128, true);
  limited(text_view(event.getAction()), "action", 128, true);
  limited(text_view(event.getReason()), "reason", 128, true);
  limited(text_view(event.getMessage()), "message", 1024, false);
}

// Kubernetes' validateFinalizerName for a namespace's spec.finalizers: qualified names, and
// one without a '/' must be a standard one.
void validate_namespace(k8s::Namespace::Reader ns, std::vector<field_error>& out) {
  for (auto finalizer : ns.getSpec().getFinalizers()) {
    std::string name = text_string(finalizer);
    add(out, "spec.finalizers", name, check_qualified_name(name));
    if (name.find('/') == std::string::npos && name != "kubernetes" && name != "orphan" &&
        name != "foregroundDeletion")
      add(out, "spec.finalizers", name,
          {"name is neither a standard finalizer name nor is it fully qualified"});
  }
}

// Kubernetes' ValidateLeaseSpec.
void validate_lease(k8s::Lease::Reader lease, std::vector<field_error>& out) {
  auto duration = lease.getSpec().getLeaseDurationSeconds();
  if (!duration.isUnset() && duration.getValue() <= 0)
    validation_rules::add(out, "spec.leaseDurationSeconds", duration.getValue(), {"must be greater than 0"});
  non_negative(lease.getSpec().getLeaseTransitions(), "spec.leaseTransitions", out);
}

// A count in a workload's status: a plain integer, or an optional one's value when set.
std::optional<int64_t> status_count(capnp::DynamicStruct::Reader status, const char* name) {
  KJ_IF_MAYBE (field, status.getSchema().findFieldByName(name)) {
    auto value = status.get(*field);
    if (value.getType() != capnp::DynamicValue::STRUCT) return value.as<int64_t>();
    auto group = value.as<capnp::DynamicStruct>();
    KJ_IF_MAYBE (member, group.which()) {
      if (member->getProto().getName() == "value") return group.get(*member).as<int64_t>();
    }
  }
  return std::nullopt;
}

// Kubernetes' Validate{Deployment,ReplicaSet,StatefulSet,DaemonSet}Status: no count is
// negative, none exceeds status.replicas, and availableReplicas not readyReplicas.
void validate_workload_status(const std::string& kind, capnp::DynamicStruct::Reader status,
                              std::vector<field_error>& out) {
  std::vector<const char*> counts, within_replicas;
  if (kind == "Deployment") {
    counts = {"observedGeneration", "replicas", "updatedReplicas", "readyReplicas", "availableReplicas",
              "unavailableReplicas", "collisionCount"};
    within_replicas = {"updatedReplicas", "readyReplicas", "availableReplicas"};
  } else if (kind == "ReplicaSet") {
    counts = {"replicas", "fullyLabeledReplicas", "readyReplicas", "availableReplicas", "observedGeneration"};
    within_replicas = {"fullyLabeledReplicas", "readyReplicas", "availableReplicas"};
  } else if (kind == "StatefulSet") {
    counts = {"replicas", "readyReplicas", "currentReplicas", "updatedReplicas", "availableReplicas",
              "observedGeneration", "collisionCount"};
    within_replicas = {"readyReplicas", "currentReplicas", "updatedReplicas", "availableReplicas"};
  } else {
    counts = {"currentNumberScheduled", "numberMisscheduled", "desiredNumberScheduled", "numberReady",
              "observedGeneration", "updatedNumberScheduled", "numberAvailable", "numberUnavailable",
              "collisionCount"};
  }
  for (auto* name : counts) {
    auto n = status_count(status, name);
    if (n && *n < 0)
      validation_rules::add(out, std::string("status.") + name, *n, {"must be greater than or equal to 0"});
  }
  auto replicas = status_count(status, "replicas").value_or(0);
  for (auto* name : within_replicas) {
    auto n = status_count(status, name).value_or(0);
    if (n > replicas)
      validation_rules::add(out, std::string("status.") + name, n, {"cannot be greater than status.replicas"});
  }
  if (!within_replicas.empty() &&
      status_count(status, "availableReplicas").value_or(0) > status_count(status, "readyReplicas").value_or(0))
    validation_rules::add(out, "status.availableReplicas", status_count(status, "availableReplicas").value_or(0),
                          {kind == "StatefulSet" ? "cannot be greater than status.readyReplicas"
                                                 : "cannot be greater than readyReplicas"});
}

}  // namespace

void validate_kind(const kind_info& kind, capnp::DynamicStruct::Reader root,
                   std::vector<field_error>& out) {
  const std::string& k = kind.kind;
  if (k == "Pod") validate_pod_spec(root.as<k8s::Pod>().getSpec(), "spec", out);
  else if (k == "Deployment") validate_deployment(root.as<k8s::Deployment>(), out);
  else if (k == "ReplicaSet") validate_replica_set(root.as<k8s::ReplicaSet>(), out);
  else if (k == "DaemonSet") validate_daemon_set(root.as<k8s::DaemonSet>(), out);
  else if (k == "StatefulSet") validate_stateful_set(root.as<k8s::StatefulSet>(), out);
  else if (k == "Job") validate_job(root.as<k8s::Job>(), out);
  else if (k == "CronJob") validate_cron_job(root.as<k8s::CronJob>(), out);
  else if (k == "Service") validate_service(root.as<k8s::Service>(), out);
  else if (k == "ConfigMap") validate_config_map(root.as<k8s::ConfigMap>(), out);
  else if (k == "Secret") validate_secret(root.as<k8s::Secret>(), out);
  else if (k == "Endpoints") validate_endpoints(root.as<k8s::Endpoints>(), out);
  else if (k == "PersistentVolume") validate_persistent_volume(root.as<k8s::PersistentVolume>(), out);
  else if (k == "PersistentVolumeClaim") validate_claim(root.as<k8s::PersistentVolumeClaim>(), out);
  else if (k == "Ingress") validate_ingress(root.as<k8s::Ingress>(), out);
  else if (k == "Role") validate_rules(root.as<k8s::Role>().getRules(), false, out);
  else if (k == "ClusterRole") {
    auto role = root.as<k8s::ClusterRole>();
    validate_rules(role.getRules(), true, out);
    if (role.hasAggregationRule() &&
        role.getAggregationRule().getClusterRoleSelectors().size() == 0)
      out.push_back({"aggregationRule.clusterRoleSelectors",
                     "Required value: at least one clusterRoleSelector required if aggregationRule "
                     "is non-nil"});
  } else if (k == "RoleBinding")
    validate_binding(root.as<k8s::RoleBinding>(), false, out);
  else if (k == "ClusterRoleBinding") validate_binding(root.as<k8s::ClusterRoleBinding>(), true, out);
  else if (k == "Node") validate_node(root.as<k8s::Node>(), out);
  else if (k == "Lease") validate_lease(root.as<k8s::Lease>(), out);
  else if (k == "Event")
    validate_event(root.as<k8s::Event>(), out);
  else if (k == "Namespace")
    validate_namespace(root.as<k8s::Namespace>(), out);
  if (k == "Deployment" || k == "ReplicaSet" || k == "StatefulSet" || k == "DaemonSet")
    validate_workload_status(k, root.get("status").as<capnp::DynamicStruct>(), out);
}

}  // namespace troupe
