#include "actors/apiserver/validate_rules.hpp"

#include <string>

#include "runtime/object/object.hpp"
#include "runtime/object/quantity.hpp"

// Kubernetes' ValidatePodSpec and ValidateContainers, for the fields troupe's schemas carry.

namespace troupe::validation_rules {
namespace {

bool hugepages_resource(std::string_view name) {
  return starts_with(name, "hugepages-");
}
bool standard_container_resource(std::string_view name) {
  return name == "cpu" || name == "memory" || name == "ephemeral-storage" ||
         hugepages_resource(name);
}

// Kubernetes' validateContainerResourceName and ValidateResourceQuantityValue.
void validate_resource_entry(k8s::QuantityEntry::Reader entry, const std::string& path,
                             std::vector<field_error>& out) {
  std::string name = text_string(entry.getKey()), at = path + "[" + name + "]";
  auto faults = check_qualified_name(name);
  add(out, at, name, faults);
  if (faults.empty()) {
    // Kubernetes' validateResourceName, then the container's own rule.
    static const std::set<std::string> standard = {"cpu",
                                                   "memory",
                                                   "ephemeral-storage",
                                                   "requests.cpu",
                                                   "requests.memory",
                                                   "requests.ephemeral-storage",
                                                   "limits.cpu",
                                                   "limits.memory",
                                                   "limits.ephemeral-storage",
                                                   "pods",
                                                   "services",
                                                   "replicationcontrollers",
                                                   "resourcequotas",
                                                   "secrets",
                                                   "persistentvolumeclaims",
                                                   "storage",
                                                   "requests.storage",
                                                   "services.nodeports",
                                                   "services.loadbalancers"};
    bool qualified = name.find('/') != std::string::npos;
    if (!qualified && !standard.count(name) && !hugepages_resource(name) &&
        !starts_with(name, "requests.hugepages-"))
      add(out, at, name, {"must be a standard resource type or fully qualified"});
    if (!qualified && !standard_container_resource(name))
      add(out, at, name, {"must be a standard resource for containers"});
    else if (!native_resource_name(name) && !extended_resource_name(name))
      add(out, at, name, {"doesn't follow extended resource name standard"});
  }
  auto amount = quantity::parse(text_view(entry.getValue()));
  if (!amount) return;  // the codec refuses what does not parse
  std::string shown =
      quantity::canonical(text_view(entry.getValue())).value_or(text_string(entry.getValue()));
  // Quoted: Kubernetes passes the quantity's string.
  if (amount->negative()) add(out, at, shown, {"must be greater than or equal to 0"});
  if (extended_resource_name(name) && amount->milli() % 1000 != 0)
    add(out, at, shown, {"must be an integer"});
}

// Kubernetes' ValidateResourceRequirements: names and amounts, then each request against its
// limit (equal to it for resources that cannot be overcommitted: extended ones and hugepages).
void validate_resources(k8s::ResourceRequirements::Reader resources, const std::string& path,
                        std::vector<field_error>& out) {
  for (auto limit : resources.getLimits()) validate_resource_entry(limit, path + ".limits", out);
  for (auto request : resources.getRequests()) {
    validate_resource_entry(request, path + ".requests", out);
    auto name = text_view(request.getKey());
    bool overcommit = native_resource_name(name) && !hugepages_resource(name);
    bool limited = false;
    for (auto limit : resources.getLimits()) {
      if (request.getKey() != limit.getKey()) continue;
      limited = true;
      auto wanted = quantity::parse(text_view(request.getValue()));
      auto allowed = quantity::parse(text_view(limit.getValue()));
      if (!wanted || !allowed) continue;
      auto shown = [](capnp::Text::Reader v) {
        return quantity::canonical(text_view(v)).value_or(text_string(v));
      };
      if (!overcommit && *wanted != *allowed)
        out.push_back({path + ".requests", "Invalid value: " + quote(shown(request.getValue())) +
                                               ": must be equal to " + std::string(name) +
                                               " limit of " + shown(limit.getValue())});
      else if (*allowed < *wanted)
        out.push_back({path + ".requests", "Invalid value: " + quote(shown(request.getValue())) +
                                               ": must be less than or equal to " +
                                               std::string(name) + " limit of " +
                                               shown(limit.getValue())});
    }
    if (!limited && !overcommit)
      out.push_back(
          {path + ".limits", "Required value: Limit must be set for non overcommitable resources"});
  }
}

void validate_env_source(k8s::EnvVar::Reader env, const std::string& path,
                         std::vector<field_error>& out) {
  if (!env.hasValueFrom()) return;
  auto from = env.getValueFrom();
  int sources = from.hasFieldRef() + from.hasResourceFieldRef() + from.hasConfigMapKeyRef() +
                from.hasSecretKeyRef();
  if (sources > 1)
    out.push_back({path + ".valueFrom",
                   "Invalid value: \"\": may not have more than one field specified at a time"});
  if (env.getValue().size() != 0)
    out.push_back({path + ".valueFrom",
                   "Invalid value: \"\": may not be specified when `value` is not empty"});
  if (from.hasFieldRef()) {
    static const char* const supported[] = {
        "metadata.name", "metadata.namespace", "metadata.uid", "spec.nodeName",
        "spec.serviceAccountName", "status.hostIP", "status.hostIPs", "status.podIP",
        "status.podIPs"};
    std::string field = text_string(from.getFieldRef().getFieldPath());
    bool known = starts_with(field, "metadata.labels['") || starts_with(field, "metadata.annotations['");
    for (auto* s : supported) known = known || field == s;
    if (field.empty())
      out.push_back({path + ".valueFrom.fieldRef.fieldPath", "Required value"});
    else if (!known) {
      std::string list;
      for (auto* s : supported) list += std::string(list.empty() ? "" : ", ") + quote(s);
      out.push_back({path + ".valueFrom.fieldRef.fieldPath",
                     "Unsupported value: " + quote(field) + ": supported values: " + list});
    }
  }
  if (from.hasResourceFieldRef()) {
    static const char* const resources[] = {"limits.cpu",   "limits.ephemeral-storage", "limits.memory",
                                            "requests.cpu", "requests.ephemeral-storage", "requests.memory"};
    std::string resource = text_string(from.getResourceFieldRef().getResource());
    bool known = false;
    for (auto* r : resources) known = known || resource == r;
    if (resource.empty()) {
      out.push_back({path + ".valueFrom.resourceFieldRef.resource", "Required value"});
    } else if (!known) {
      std::string list;
      for (auto* r : resources) list += std::string(list.empty() ? "" : ", ") + quote(r);
      out.push_back({path + ".valueFrom.resourceFieldRef.resource",
                     "Unsupported value: " + quote(resource) + ": supported values: " + list});
    }
    // Kubernetes' validateContainerResourceDivisor: the units a value may be given in.
    auto divisor_text = text_view(from.getResourceFieldRef().getDivisor());
    auto divisor = divisor_text.empty() ? std::nullopt : quantity::parse(divisor_text);
    if (known && divisor && !divisor->is_zero()) {
      bool cpu = resource.find("cpu") != std::string::npos;
      bool allowed = false;
      if (cpu) {
        allowed = *divisor == quantity::from_milli(1) || *divisor == quantity::from_value(1);
      } else {
        int64_t unit = 1;
        for (int i = 0; i <= 6 && !allowed; ++i, unit *= 1000) allowed = *divisor == quantity::from_value(unit);
        unit = 1;
        for (int i = 0; i <= 6 && !allowed; ++i, unit *= 1024) allowed = *divisor == quantity::from_value(unit);
      }
      std::string units = cpu ? "1m and 1" : "1, 1k, 1M, 1G, 1T, 1P, 1E, 1Ki, 1Mi, 1Gi, 1Ti, 1Pi, 1Ei";
      std::string what = cpu ? "cpu" : resource.find("memory") != std::string::npos ? "memory" : "local ephemeral storage";
      if (!allowed)
        out.push_back({path + ".valueFrom.resourceFieldRef.divisor",
                       "Invalid value: " + quote(resource) + ": only divisor's values " + units +
                           " are supported with the " + what + " resource"});
    }
  }
  // Kubernetes' validateConfigMapKeySelector/validateSecretKeySelector: the name is checked
  // even when empty (an empty name is Invalid, not Required, there).
  auto key_ref = [&](const std::string& at, std::string_view name, std::string_view key) {
    add(out, at + ".name", name, check_dns1123_subdomain(name));
    if (key.empty()) return out.push_back({at + ".key", "Required value"});
    add(out, at + ".key", key, check_config_map_key(key));
  };
  if (from.hasConfigMapKeyRef())
    key_ref(path + ".valueFrom.configMapKeyRef", text_view(from.getConfigMapKeyRef().getName()),
            text_view(from.getConfigMapKeyRef().getKey()));
  if (from.hasSecretKeyRef())
    key_ref(path + ".valueFrom.secretKeyRef", text_view(from.getSecretKeyRef().getName()),
            text_view(from.getSecretKeyRef().getKey()));
}

// Kubernetes' validateEnvFrom.
void validate_env_from(capnp::List<k8s::EnvFromSource>::Reader sources, const std::string& path,
                       std::vector<field_error>& out) {
  for (unsigned i = 0; i < sources.size(); ++i) {
    auto at = path + "[" + std::to_string(i) + "]";
    auto source = sources[i];
    auto prefix = text_view(source.getPrefix());
    if (!prefix.empty()) add(out, at + ".prefix", prefix, check_env_var_name(prefix));
    auto named = [&](const std::string& ref, std::string_view name) {
      if (name.empty()) return out.push_back({at + "." + ref + ".name", "Required value"});
      add(out, at + "." + ref + ".name", name, check_dns1123_subdomain(name));
    };
    if (source.hasConfigMapRef()) named("configMapRef", text_view(source.getConfigMapRef().getName()));
    if (source.hasSecretRef()) named("secretRef", text_view(source.getSecretRef().getName()));
    int refs = source.hasConfigMapRef() + source.hasSecretRef();
    if (refs == 0)
      out.push_back({path, "Invalid value: \"\": must specify one of: `configMapRef` or `secretRef`"});
    else if (refs > 1)
      out.push_back({at, "Forbidden: may not have more than one field specified at a time"});
  }
}

void validate_probe(k8s::Probe::Reader probe, const std::string& path, bool liveness_or_startup,
                    std::vector<field_error>& out) {
  if (probe.isUnset()) out.push_back({path, "Required value: must specify a handler type"});
  auto at_least = [&](const char* field, int64_t value, int64_t least) {
    if (value < least)
      out.push_back({path + "." + field, "Invalid value: " + std::to_string(value) +
                                             ": must be greater than or equal to " + std::to_string(least)});
  };
  at_least("initialDelaySeconds", probe.getInitialDelaySeconds(), 0);
  at_least("timeoutSeconds", probe.getTimeoutSeconds(), 0);
  at_least("periodSeconds", probe.getPeriodSeconds(), 0);
  at_least("successThreshold", probe.getSuccessThreshold(), 0);
  at_least("failureThreshold", probe.getFailureThreshold(), 0);
  if (liveness_or_startup && probe.getSuccessThreshold() != 1)
    out.push_back({path + ".successThreshold",
                   "Invalid value: " + std::to_string(probe.getSuccessThreshold()) + ": must be 1"});
}

// A container's restartPolicy: only an init container's, and only Always (a sidecar); probes and
// lifecycle hooks only where the container runs beside the pod.
void validate_restart_policy(k8s::Container::Reader c, const std::string& at, bool init,
                             std::vector<field_error>& out) {
  std::string policy = text_string(c.getRestartPolicy());
  if (!init) {
    if (!policy.empty()) out.push_back({at + ".restartPolicy", "Forbidden: may not be set for non-init containers"});
    return;
  }
  if (!policy.empty() && policy != "Always")
    out.push_back({at + ".restartPolicy", "Unsupported value: " + quote(policy) + ": supported values: \"Always\""});
  if (policy == "Always") return;
  auto forbid = [&](bool set, const char* field) {
    if (set) out.push_back({at + "." + field, "Forbidden: may not be set for init containers without restartPolicy=Always"});
  };
  forbid(c.hasLifecycle(), "lifecycle");
  forbid(c.hasLivenessProbe(), "livenessProbe");
  forbid(c.hasReadinessProbe(), "readinessProbe");
  forbid(c.hasStartupProbe(), "startupProbe");
}

// A file a volume projects: relative, inside the volume (Kubernetes' ValidateLocalNonReservedPath).
void validate_volume_path(const std::string& path, const std::string& at, std::vector<field_error>& out) {
  if (path.empty()) return out.push_back({at, "Required value"});
  if (path.front() == '/') out.push_back({at, "Invalid value: " + quote(path) + ": must be a relative path"});
  bool backstep = false;
  for (auto& part : split(path, '/')) backstep = backstep || part == "..";
  if (backstep) out.push_back({at, "Invalid value: " + quote(path) + ": must not contain '..'"});
  else if (starts_with(path, "..")) out.push_back({at, "Invalid value: " + quote(path) + ": must not start with '..'"});
}

template <class Mode>
void validate_file_mode(Mode mode, const std::string& at, std::vector<field_error>& out) {
  if (mode.isValue() && (mode.getValue() < 0 || mode.getValue() > 0777))
    out.push_back({at, "Invalid value: " + std::to_string(mode.getValue()) +
                           ": must be a number between 0 and 0777 (octal), both inclusive"});
}

void validate_items(capnp::List<k8s::KeyToPath>::Reader items, const std::string& at, std::vector<field_error>& out) {
  for (unsigned i = 0; i < items.size(); ++i) {
    auto item_at = at + ".items[" + std::to_string(i) + "]";
    if (items[i].getKey().size() == 0) out.push_back({item_at + ".key", "Required value"});
    validate_volume_path(text_string(items[i].getPath()), item_at + ".path", out);
    validate_file_mode(items[i].getMode(), item_at + ".mode", out);
  }
}

// A ConfigMap's or Secret's volume: the object named, its items, its files' mode.
template <class Source>
void validate_keyed_source(Source source, std::string_view name, const std::string& at, const char* name_field,
                           std::vector<field_error>& out) {
  if (name.empty()) out.push_back({at + "." + name_field, "Required value"});
  validate_items(source.getItems(), at, out);
  validate_file_mode(source.getDefaultMode(), at + ".defaultMode", out);
}

// Kubernetes' validateVolumeSource for the sources troupe knows (one naming none is an
// emptyDir by then, as Kubernetes defaults it).
void validate_volume_source(k8s::Volume::Reader v, const std::string& at, std::vector<field_error>& out) {
  switch (v.which()) {
    case k8s::Volume::CONFIG_MAP:
      validate_keyed_source(v.getConfigMap(), text_view(v.getConfigMap().getName()), at + ".configMap", "name", out);
      break;
    case k8s::Volume::SECRET:
      validate_keyed_source(v.getSecret(), text_view(v.getSecret().getSecretName()), at + ".secret", "secretName", out);
      break;
    case k8s::Volume::PERSISTENT_VOLUME_CLAIM:
      if (v.getPersistentVolumeClaim().getClaimName().size() == 0)
        out.push_back({at + ".persistentVolumeClaim.claimName", "Required value"});
      break;
    case k8s::Volume::HOST_PATH:
      if (v.getHostPath().getPath().size() == 0) out.push_back({at + ".hostPath.path", "Required value"});
      break;
    case k8s::Volume::DOWNWARD_A_P_I: {
      auto items = v.getDownwardAPI().getItems();
      for (unsigned i = 0; i < items.size(); ++i) {
        auto item_at = at + ".downwardAPI.items[" + std::to_string(i) + "]";
        validate_volume_path(text_string(items[i].getPath()), item_at + ".path", out);
        validate_file_mode(items[i].getMode(), item_at + ".mode", out);
        if (!items[i].hasFieldRef() && !items[i].hasResourceFieldRef())
          out.push_back({item_at, "Required value: one of fieldRef and resourceFieldRef must be specified"});
      }
      break;
    }
    default: break;
  }
}

// `names`: the pod's container names so far; init and app containers share one namespace.
void validate_containers(capnp::List<k8s::Container>::Reader containers, const std::string& path,
                         bool init, const std::set<std::string>& volumes,
                         std::set<std::string>& names, std::vector<field_error>& out) {
  if (!init && containers.size() == 0) out.push_back({path, "Required value"});
  for (unsigned i = 0; i < containers.size(); ++i) {
    auto c = containers[i];
    auto at = path + "[" + std::to_string(i) + "]";
    std::string name = text_string(c.getName());
    if (name.empty())
      out.push_back({at + ".name", "Required value"});
    else {
      add(out, at + ".name", name, check_dns1123_label(name));
      if (!names.insert(name).second) out.push_back({at + ".name", "Duplicate value: " + quote(name)});
    }
    if (c.getImage().size() == 0) out.push_back({at + ".image", "Required value"});
    auto ports = c.getPorts();
    std::set<std::string> port_names;
    for (unsigned p = 0; p < ports.size(); ++p) {
      auto port_path = at + ".ports[" + std::to_string(p) + "]";
      std::string port_name = text_string(ports[p].getName());
      if (!port_name.empty() && !port_names.insert(port_name).second)
        out.push_back({port_path + ".name", "Duplicate value: " + quote(port_name)});
      add(out, port_path + ".containerPort", ports[p].getContainerPort(), check_port_number(ports[p].getContainerPort()));
      if (ports[p].getHostPort() != 0)
        add(out, port_path + ".hostPort", ports[p].getHostPort(), check_port_number(ports[p].getHostPort()));
      if (ports[p].getName().size()) add(out, port_path + ".name", text_view(ports[p].getName()), check_port_name(text_view(ports[p].getName())));
    }
    for (unsigned e = 0; e < c.getEnv().size(); ++e) {
      auto env_path = at + ".env[" + std::to_string(e) + "]";
      auto env = c.getEnv()[e];
      if (env.getName().size() == 0)
        out.push_back({env_path + ".name", "Required value"});
      else
        add(out, env_path + ".name", text_view(env.getName()), check_env_var_name(text_view(env.getName())));
      validate_env_source(env, env_path, out);
    }
    validate_env_from(c.getEnvFrom(), at + ".envFrom", out);
    validate_resources(c.getResources(), at + ".resources", out);
    validate_restart_policy(c, at, init, out);
    if (c.hasLivenessProbe()) validate_probe(c.getLivenessProbe(), at + ".livenessProbe", true, out);
    if (c.hasReadinessProbe()) validate_probe(c.getReadinessProbe(), at + ".readinessProbe", false, out);
    if (c.hasStartupProbe()) validate_probe(c.getStartupProbe(), at + ".startupProbe", true, out);
    std::set<std::string> mount_paths;
    auto mounts = c.getVolumeMounts();
    for (unsigned m = 0; m < mounts.size(); ++m) {
      auto mount_path = at + ".volumeMounts[" + std::to_string(m) + "]";
      std::string volume = text_string(mounts[m].getName());
      if (volume.empty())
        out.push_back({mount_path + ".name", "Required value"});
      else if (!volumes.count(volume))
        out.push_back({mount_path + ".name", "Not found: " + quote(volume)});
      std::string target = text_string(mounts[m].getMountPath());
      if (target.empty())
        out.push_back({mount_path + ".mountPath", "Required value"});
      else if (!mount_paths.insert(target).second)
        out.push_back(
            {mount_path + ".mountPath", "Invalid value: " + quote(target) + ": must be unique"});
    }
  }
}

}  // namespace

void validate_pod_spec(k8s::PodSpec::Reader spec, const std::string& path,
                       std::vector<field_error>& out, std::set<std::string> provided) {
  std::set<std::string> volumes;
  auto declared = spec.getVolumes();
  for (unsigned v = 0; v < declared.size(); ++v) {
    auto at = path + ".volumes[" + std::to_string(v) + "].name";
    std::string name = text_string(declared[v].getName());
    if (name.empty()) {
      out.push_back({at, "Required value"});
      continue;
    }
    add(out, at, name, check_dns1123_label(name));
    if (!volumes.insert(name).second) out.push_back({at, "Duplicate value: " + quote(name)});
    validate_volume_source(declared[v], path + ".volumes[" + std::to_string(v) + "]", out);
  }
  volumes.insert(provided.begin(), provided.end());
  std::set<std::string> names;
  validate_containers(spec.getInitContainers(), path + ".initContainers", true, volumes, names, out);
  validate_containers(spec.getContainers(), path + ".containers", false, volumes, names, out);
  auto grace = spec.getTerminationGracePeriodSeconds();
  if (!grace.isUnset() && grace.getValue() < 0)
    validation_rules::add(out, path + ".terminationGracePeriodSeconds", grace.getValue(),
                          {"must be greater than or equal to 0"});
  auto deadline = spec.getActiveDeadlineSeconds();
  if (!deadline.isUnset() && (deadline.getValue() <= 0 || deadline.getValue() > 2147483647))
    out.push_back({path + ".activeDeadlineSeconds",
                   "Invalid value: " + std::to_string(deadline.getValue()) + ": must be between 1 and 2147483647, inclusive"});
  validate_label_map(spec.getNodeSelector(), path + ".nodeSelector", out);
  validate_scheduling(spec, path, out);
  if (spec.getDnsPolicy() == k8s::DnsPolicy::NONE &&
      (!spec.hasDnsConfig() || spec.getDnsConfig().getNameservers().size() == 0))
    out.push_back({path + ".dnsConfig",
                   "Required value: must provide at least one DNS nameserver when DNS policy is None"});
  std::set<std::string> gates;
  auto declared_gates = spec.getSchedulingGates();
  for (unsigned g = 0; g < declared_gates.size(); ++g) {
    auto at = path + ".schedulingGates[" + std::to_string(g) + "]";
    std::string name = text_string(declared_gates[g].getName());
    add(out, at, name, check_qualified_name(name));
    if (!gates.insert(name).second) out.push_back({at, "Duplicate value: " + quote(name)});
  }
  if (spec.hasOs()) {  // Kubernetes' validateOS, last as in ValidatePodSpec
    auto os = text_view(spec.getOs().getName());
    if (os.empty())
      out.push_back({path + ".os.name", "Required value: cannot be empty"});
    else if (os != "linux" && os != "windows")
      out.push_back({path + ".os", "Unsupported value: " + quote(os) +
                                       ": supported values: \"linux\", \"windows\""});
  }
}

void validate_label_map(capnp::List<k8s::StringEntry>::Reader labels, const std::string& path,
                        std::vector<field_error>& out) {
  for (auto entry : labels) {
    std::string key = text_string(entry.getKey());
    add(out, path, key, check_qualified_name(key));
    add(out, path, text_view(entry.getValue()), check_label_value(text_view(entry.getValue())));
  }
}

size_t validate_labels_and_annotations(k8s::ObjectMeta::Reader meta, const std::string& path,
                                       std::vector<field_error>& out) {
  validate_label_map(meta.getLabels(), path + ".labels", out);
  size_t annotation_bytes = 0;
  for (auto entry : meta.getAnnotations()) {
    std::string key = text_string(entry.getKey());
    add(out, path + ".annotations", key, check_qualified_name(to_lower(key)));
    annotation_bytes += entry.getKey().size() + entry.getValue().size();
  }
  return annotation_bytes;
}

}  // namespace troupe::validation_rules
