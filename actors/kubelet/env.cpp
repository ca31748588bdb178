#include "actors/kubelet/env.hpp"

#include <cctype>

#include "runtime/base/text.hpp"
#include "runtime/object/object.hpp"
#include "runtime/object/quantity.hpp"
#include "runtime/object/validation.hpp"

namespace troupe::kubelet {
namespace {


template <class Optional>
bool is_optional(Optional o) {
  return !o.isUnset() && o.getValue();
}

std::string field_value(const std::string& path, const pod_fields& pod, std::string& error) {
  if (path == "metadata.name") return pod.name;
  if (path == "metadata.namespace") return pod.ns;
  if (path == "metadata.uid") return pod.uid;
  if (path == "spec.nodeName") return pod.node_name;
  if (path == "spec.serviceAccountName") return pod.service_account;
  if (path == "status.podIP" || path == "status.podIPs") return pod.pod_ip;
  if (path == "status.hostIP" || path == "status.hostIPs") return pod.host_ip;
  for (auto [prefix, map] : {std::pair{"metadata.labels['", &pod.labels}, std::pair{"metadata.annotations['", &pod.annotations}}) {
    std::string p = prefix;
    if (starts_with(path, p) && ends_with(path, "']")) {
      auto key = path.substr(p.size(), path.size() - p.size() - 2);
      auto it = map->find(key);
      return it == map->end() ? "" : it->second;
    }
  }
  error = "unsupported fieldRef " + quote(path);
  return "";
}

void set(std::vector<std::string>& env, const std::string& name, const std::string& value) {
  std::string prefix = name + "=";
  for (auto& e : env)
    if (starts_with(e, prefix)) return void(e = prefix + value);
  env.push_back(prefix + value);
}

}  // namespace

void referenced_sources(k8s::Container::Reader c, std::set<std::string>& config_maps,
                        std::set<std::string>& secrets) {
  for (auto from : c.getEnvFrom()) {
    if (from.hasConfigMapRef()) config_maps.insert(text_string(from.getConfigMapRef().getName()));
    if (from.hasSecretRef()) secrets.insert(text_string(from.getSecretRef().getName()));
  }
  for (auto e : c.getEnv()) {
    if (!e.hasValueFrom()) continue;
    auto v = e.getValueFrom();
    if (v.hasConfigMapKeyRef()) config_maps.insert(text_string(v.getConfigMapKeyRef().getName()));
    if (v.hasSecretKeyRef()) secrets.insert(text_string(v.getSecretKeyRef().getName()));
  }
}

std::string expand(const std::string& text, const std::vector<std::string>& env) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '$' || i + 1 >= text.size()) {
      out += text[i];
      continue;
    }
    if (text[i + 1] == '$') {
      out += '$';
      ++i;
      continue;
    }
    auto close = text.find(')', i);
    if (text[i + 1] != '(' || close == std::string::npos) {
      out += text[i];
      continue;
    }
    std::string name = text.substr(i + 2, close - i - 2);
    std::string prefix = name + "=";
    bool found = false;
    for (auto& e : env)
      if (starts_with(e, prefix)) {
        out += e.substr(prefix.size());
        found = true;
        break;
      }
    if (!found) out += text.substr(i, close - i + 1);
    i = close;
  }
  return out;
}

void add_service_env(k8s::Service::Reader service, key_values& out) {
  auto spec = service.getSpec();
  std::string ip = text_string(spec.getClusterIP());
  if (ip.empty() || ip == "None" || spec.getPorts().size() == 0) return;
  auto variable = [](std::string name) {
    for (auto& ch : name) ch = ch == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    return name;
  };
  std::string prefix = variable(text_string(service.getMetadata().getName()));
  auto ports = spec.getPorts();
  out[prefix + "_SERVICE_HOST"] = ip;
  out[prefix + "_SERVICE_PORT"] = std::to_string(ports[0].getPort());
  for (auto port : ports)
    if (port.getName().size())
      out[prefix + "_SERVICE_PORT_" + variable(text_string(port.getName()))] = std::to_string(port.getPort());
  for (unsigned i = 0; i < ports.size(); ++i) {
    std::string protocol = ports[i].getProtocol() == k8s::Protocol::UDP    ? "udp"
                           : ports[i].getProtocol() == k8s::Protocol::SCTP ? "sctp"
                                                                            : "tcp";
    std::string number = std::to_string(ports[i].getPort());
    std::string url = protocol + "://" + ip + ":" + number;
    if (i == 0) out[prefix + "_PORT"] = url;
    std::string port_prefix = prefix + "_PORT_" + number + "_" + variable(protocol);
    out[port_prefix] = url;
    out[port_prefix + "_PROTO"] = protocol;
    out[port_prefix + "_PORT"] = number;
    out[port_prefix + "_ADDR"] = ip;
  }
}

std::string pod_hostname(std::string_view spec_hostname, std::string_view pod_name) {
  std::string out(spec_hostname.empty() ? pod_name : spec_hostname);
  if (out.size() <= 63) return out;
  out.resize(63);
  while (!out.empty() && (out.back() == '-' || out.back() == '.')) out.pop_back();
  return out;
}

resolved_env resolve_env(k8s::Container::Reader c, const pod_fields& pod, const env_sources& sources) {
  resolved_env r;
  // troupe's POD_IP (pods share the host's network: the address to bind) and Services'
  // variables first, under the container's own, which may name them in $(VAR).
  set(r.declared, "POD_IP", pod.pod_ip);
  for (auto& [name, value] : sources.services) set(r.declared, name, value);
  for (auto from : c.getEnvFrom()) {
    std::string prefix = text_string(from.getPrefix());
    const key_values* data = nullptr;
    if (from.hasConfigMapRef()) {
      auto name = text_string(from.getConfigMapRef().getName());
      auto it = sources.config_maps.find(name);
      if (it != sources.config_maps.end()) data = &it->second;
      else if (!is_optional(from.getConfigMapRef().getOptional()))
        return r.error = "configmap " + quote(name) + " not found", r;
    } else if (from.hasSecretRef()) {
      auto name = text_string(from.getSecretRef().getName());
      auto it = sources.secrets.find(name);
      if (it != sources.secrets.end()) data = &it->second;
      else if (!is_optional(from.getSecretRef().getOptional()))
        return r.error = "secret " + quote(name) + " not found", r;
    }
    if (!data) continue;
    std::vector<std::string> invalid;  // in key order, as the kubelet sorts them
    for (auto& [k, v] : *data) {
      if (check_env_var_name(prefix + k).empty())
        set(r.declared, prefix + k, v);
      else
        invalid.push_back(prefix + k);
    }
    if (!invalid.empty())
      r.skipped.push_back(
          "Keys [" + join(invalid, ", ") + "] from the EnvFrom " +
          (from.hasConfigMapRef() ? "configMap " : "secret ") + pod.ns + "/" +
          text_string(from.hasConfigMapRef() ? from.getConfigMapRef().getName()
                                             : from.getSecretRef().getName()) +
          " were skipped since they are considered invalid environment variable names.");
  }
  for (auto e : c.getEnv()) {
    std::string name = text_string(e.getName());
    if (!e.hasValueFrom()) {
      set(r.declared, name, expand(text_string(e.getValue()), r.declared));
      continue;
    }
    auto v = e.getValueFrom();
    std::string value, error;
    if (v.hasFieldRef()) {
      value = field_value(text_string(v.getFieldRef().getFieldPath()), pod, error);
    } else if (v.hasResourceFieldRef()) {
      auto selector = v.getResourceFieldRef();
      std::optional<k8s::Container::Reader> of;
      if (selector.getContainerName().size() == 0) of = c;
      for (auto list : {pod.containers, pod.init_containers})
        for (auto other : list)
          if (!of && other.getName() == selector.getContainerName()) of = other;
      if (of) value = container_resource_value(selector, *of, pod, error);
      else error = "container " + text_string(selector.getContainerName()) + " not found";
    } else if (v.hasConfigMapKeyRef() || v.hasSecretKeyRef()) {
      bool cm = v.hasConfigMapKeyRef();
      auto ref_name = text_string(cm ? v.getConfigMapKeyRef().getName() : v.getSecretKeyRef().getName());
      auto key = text_string(cm ? v.getConfigMapKeyRef().getKey() : v.getSecretKeyRef().getKey());
      bool optional = cm ? is_optional(v.getConfigMapKeyRef().getOptional())
                         : is_optional(v.getSecretKeyRef().getOptional());
      auto& pool = cm ? sources.config_maps : sources.secrets;
      auto source = pool.find(ref_name);
      const char* what = cm ? "configmap " : "secret ";
      if (source == pool.end()) {
        if (optional) continue;
        error = std::string(what) + quote(ref_name) + " not found";
      } else if (auto entry = source->second.find(key); entry != source->second.end()) {
        value = entry->second;
      } else if (optional) {
        continue;
      } else {
        error = "couldn't find key " + key + " in " + (cm ? "ConfigMap " : "Secret ") + pod.ns + "/" + ref_name;
      }
    }
    if (!error.empty()) return r.error = error, r;
    set(r.declared, name, value);
  }
  // What the runtime and image give every process (troupe has no images: their usual ones),
  // under what was declared.
  r.env = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
           "HOSTNAME=" + (pod.hostname.empty() ? pod.name : pod.hostname), "HOME=/root"};
  for (auto& entry : r.declared) {
    auto eq = entry.find('=');
    set(r.env, entry.substr(0, eq), entry.substr(eq + 1));
  }
  return r;
}

std::string container_resource_value(k8s::ResourceFieldSelector::Reader selector, k8s::Container::Reader c,
                                     const pod_fields& pod, std::string& error) {
  std::string resource = text_string(selector.getResource());
  auto dot = resource.find('.');
  std::string which = dot == std::string::npos ? "" : resource.substr(0, dot);
  std::string name = dot == std::string::npos ? resource : resource.substr(dot + 1);
  bool cpu = name == "cpu";
  if ((which != "limits" && which != "requests") || (name != "cpu" && name != "memory" && name != "ephemeral-storage")) {
    error = "unsupported container resource : " + resource;
    return "";
  }
  auto find = [&](capnp::List<k8s::QuantityEntry>::Reader list) -> std::optional<quantity> {
    for (auto e : list)
      if (text_view(e.getKey()) == name) return quantity::parse(text_view(e.getValue()));
    return std::nullopt;
  };
  auto resources = c.getResources();
  auto limit = find(resources.getLimits());
  std::optional<quantity> amount = which == "limits" ? limit : find(resources.getRequests());
  // A request not given is its limit when that is given (the API's defaulting), else zero; a
  // limit not given is what the node can give.
  if (!amount && which == "requests") amount = limit ? limit : quantity();
  if (!amount)
    amount = cpu ? quantity::from_milli(pod.node_milli_cpu)
                 : quantity::from_value(name == "memory" ? pod.node_memory : 0);
  return std::to_string(amount->in_units_of(quantity::parse(text_view(selector.getDivisor())), cpu));
}

std::vector<std::string> command_line(k8s::Container::Reader c, const std::vector<std::string>& env) {
  std::vector<std::string> out;
  for (auto part : c.getCommand()) out.push_back(expand(text_string(part), env));
  for (auto part : c.getArgs()) out.push_back(expand(text_string(part), env));
  return out;
}

}  // namespace troupe::kubelet
