#include "actors/apiserver/defaults.hpp"

#include <set>

#include "runtime/base/text.hpp"
#include "runtime/object/kinds.hpp"
#include "runtime/object/object.hpp"
#include "runtime/object/selector.hpp"
#include "runtime/object/validation.hpp"
#include "schema/apps.capnp.h"
#include "schema/core.capnp.h"

namespace troupe {
namespace {

// ---- defaults -------------------------------------------------------------------------------

bool pinned_or_untagged(std::string_view image) {
  auto slash = image.rfind('/');
  auto name = image.substr(slash == std::string_view::npos ? 0 : slash + 1);
  if (name.find('@') != std::string_view::npos) return false;  // by digest
  auto colon = name.find(':');
  return colon == std::string_view::npos || name.substr(colon + 1) == "latest";
}

void default_container(k8s::Container::Builder c) {
  if (c.getImagePullPolicy() == k8s::PullPolicy::UNSPECIFIED)
    c.setImagePullPolicy(pinned_or_untagged(text_view(c.getImage())) ? k8s::PullPolicy::ALWAYS
                                                          : k8s::PullPolicy::IF_NOT_PRESENT);
  if (c.getTerminationMessagePath().size() == 0)
    c.setTerminationMessagePath("/dev/termination-log");
  if (c.getTerminationMessagePolicy() == k8s::TerminationMessagePolicy::UNSPECIFIED)
    c.setTerminationMessagePolicy(k8s::TerminationMessagePolicy::FILE);
  for (auto port : c.getPorts())
    if (port.getProtocol() == k8s::Protocol::UNSPECIFIED) port.setProtocol(k8s::Protocol::TCP);
}

void default_pod_spec(k8s::PodSpec::Builder spec) {
  if (spec.getRestartPolicy() == k8s::RestartPolicy::UNSPECIFIED)
    spec.setRestartPolicy(k8s::RestartPolicy::ALWAYS);
  if (spec.getDnsPolicy() == k8s::DnsPolicy::UNSPECIFIED)
    spec.setDnsPolicy(k8s::DnsPolicy::CLUSTER_FIRST);
  if (spec.getTerminationGracePeriodSeconds().isUnset())
    spec.getTerminationGracePeriodSeconds().setValue(30);
  if (spec.getSchedulerName().size() == 0) spec.setSchedulerName("default-scheduler");
  for (auto c : spec.getContainers()) default_container(c);
  for (auto c : spec.getInitContainers()) default_container(c);
}

void default_int_or_percent(k8s::IntOrString::Builder value, bool has, const char* percent) {
  if (!has) value.setStr(percent);
}

void default_deployment(k8s::Deployment::Builder d) {
  auto spec = d.getSpec();
  if (spec.getReplicas().isUnset()) spec.getReplicas().setValue(1);
  if (spec.getRevisionHistoryLimit().isUnset()) spec.getRevisionHistoryLimit().setValue(10);
  if (spec.getProgressDeadlineSeconds().isUnset()) spec.getProgressDeadlineSeconds().setValue(600);
  auto strategy = spec.getStrategy();
  if (strategy.getType() == k8s::DeploymentStrategyType::UNSPECIFIED)
    strategy.setType(k8s::DeploymentStrategyType::ROLLING_UPDATE);
  if (strategy.getType() == k8s::DeploymentStrategyType::ROLLING_UPDATE) {
    auto rolling = strategy.getRollingUpdate();
    bool has_unavailable = rolling.hasMaxUnavailable(), has_surge = rolling.hasMaxSurge();
    default_int_or_percent(rolling.getMaxUnavailable(), has_unavailable, "25%");
    default_int_or_percent(rolling.getMaxSurge(), has_surge, "25%");
  }
  default_pod_spec(spec.getTemplate().getSpec());
}

void default_service(k8s::Service::Builder s) {
  auto spec = s.getSpec();
  if (spec.getType() == k8s::ServiceType::UNSPECIFIED) spec.setType(k8s::ServiceType::CLUSTER_I_P);
  if (spec.getSessionAffinity() == k8s::SessionAffinity::UNSPECIFIED)
    spec.setSessionAffinity(k8s::SessionAffinity::NONE);
  for (auto port : spec.getPorts()) {
    if (port.getProtocol() == k8s::Protocol::UNSPECIFIED) port.setProtocol(k8s::Protocol::TCP);
    if (!port.hasTargetPort()) port.initTargetPort().setInt(port.getPort());
  }
}

// ---- validation -----------------------------------------------------------------------------

void add(std::vector<field_error>& out, const std::string& path, const messages& found) {
  for (auto& m : found) out.push_back({path, m});
}

void validate_containers(capnp::List<k8s::Container>::Reader containers, const std::string& path,
                         bool required, std::vector<field_error>& out) {
  if (required && containers.size() == 0) out.push_back({path, "Required value"});
  std::set<std::string> names;
  for (unsigned i = 0; i < containers.size(); ++i) {
    auto c = containers[i];
    auto at = path + "[" + std::to_string(i) + "]";
    std::string name = text_string(c.getName());
    if (name.empty())
      out.push_back({at + ".name", "Required value"});
    else {
      add(out, at + ".name", check_dns1123_label(name));
      if (!names.insert(name).second) out.push_back({at + ".name", "Duplicate value: " + quote(name)});
    }
    if (c.getImage().size() == 0) out.push_back({at + ".image", "Required value"});
    auto ports = c.getPorts();
    for (unsigned p = 0; p < ports.size(); ++p) {
      auto port_path = at + ".ports[" + std::to_string(p) + "]";
      add(out, port_path + ".containerPort", check_port_number(ports[p].getContainerPort()));
      if (ports[p].getHostPort() != 0)
        add(out, port_path + ".hostPort", check_port_number(ports[p].getHostPort()));
      if (ports[p].getName().size()) add(out, port_path + ".name", check_port_name(text_view(ports[p].getName())));
    }
    for (unsigned e = 0; e < c.getEnv().size(); ++e)
      add(out, at + ".env[" + std::to_string(e) + "].name", check_env_var_name(text_view(c.getEnv()[e].getName())));
  }
}

void validate_pod_spec(k8s::PodSpec::Reader spec, const std::string& path,
                       std::vector<field_error>& out) {
  validate_containers(spec.getContainers(), path + ".containers", true, out);
  validate_containers(spec.getInitContainers(), path + ".initContainers", false, out);
  auto grace = spec.getTerminationGracePeriodSeconds();
  if (!grace.isUnset() && grace.getValue() < 0)
    out.push_back({path + ".terminationGracePeriodSeconds", "must be greater than or equal to 0"});
}

void validate_deployment(k8s::Deployment::Reader d, std::vector<field_error>& out) {
  auto spec = d.getSpec();
  if (!spec.getReplicas().isUnset() && spec.getReplicas().getValue() < 0)
    out.push_back({"spec.replicas", "must be greater than or equal to 0"});
  auto selector = spec.getSelector();
  if (!spec.hasSelector() ||
      (selector.getMatchLabels().size() == 0 && selector.getMatchExpressions().size() == 0)) {
    out.push_back({"spec.selector", "Required value"});
  } else {
    try {
      if (!label_selector::from(selector).matches(spec.getTemplate().getMetadata().getLabels()))
        out.push_back({"spec.template.metadata.labels",
                       "Invalid value: selector does not match template labels"});
    } catch (const api_error& e) {
      out.push_back({"spec.selector", e.message()});
    }
  }
  validate_pod_spec(spec.getTemplate().getSpec(), "spec.template.spec", out);
  if (spec.getTemplate().getSpec().getRestartPolicy() != k8s::RestartPolicy::ALWAYS)
    out.push_back({"spec.template.spec.restartPolicy",
                   "Unsupported value: only \"Always\" is supported"});
}

void validate_service(k8s::Service::Reader s, std::vector<field_error>& out) {
  auto spec = s.getSpec();
  auto ports = spec.getPorts();
  if (ports.size() == 0 && spec.getType() != k8s::ServiceType::EXTERNAL_NAME)
    out.push_back({"spec.ports", "Required value"});
  std::set<std::string> names;
  for (unsigned i = 0; i < ports.size(); ++i) {
    auto at = "spec.ports[" + std::to_string(i) + "]";
    add(out, at + ".port", check_port_number(ports[i].getPort()));
    std::string name = text_string(ports[i].getName());
    if (ports.size() > 1 && name.empty()) out.push_back({at + ".name", "Required value"});
    if (!name.empty() && !names.insert(name).second)
      out.push_back({at + ".name", "Duplicate value: " + quote(name)});
    auto target = ports[i].getTargetPort();
    if (target.isInt() && target.getInt() != 0)
      add(out, at + ".targetPort", check_port_number(target.getInt()));
  }
}

void validate_config_data(capnp::List<k8s::StringEntry>::Reader data, std::vector<field_error>& out) {
  for (auto entry : data)
    add(out, "data[" + text_string(entry.getKey()) + "]", check_config_map_key(text_view(entry.getKey())));
}

}  // namespace

void apply_defaults(const kind_info& kind, capnp::DynamicStruct::Builder root) {
  if (kind.kind == "Pod")
    default_pod_spec(root.as<k8s::Pod>().getSpec());
  else if (kind.kind == "Deployment")
    default_deployment(root.as<k8s::Deployment>());
  else if (kind.kind == "Service")
    default_service(root.as<k8s::Service>());
}

void validate_kind(const kind_info& kind, capnp::DynamicStruct::Reader root,
                   std::vector<field_error>& out) {
  if (kind.kind == "Pod")
    validate_pod_spec(root.as<k8s::Pod>().getSpec(), "spec", out);
  else if (kind.kind == "Deployment")
    validate_deployment(root.as<k8s::Deployment>(), out);
  else if (kind.kind == "Service")
    validate_service(root.as<k8s::Service>(), out);
  else if (kind.kind == "ConfigMap")
    validate_config_data(root.as<k8s::ConfigMap>().getData(), out);
}

}  // namespace troupe
