#include "actors/apiserver/defaults.hpp"

#include <set>

#include "runtime/base/text.hpp"
#include "runtime/object/cron.hpp"
#include "runtime/object/kinds.hpp"
#include "runtime/object/object.hpp"
#include "runtime/object/quantity.hpp"
#include "runtime/object/selector.hpp"
#include "runtime/object/validation.hpp"
#include "schema/apps.capnp.h"
#include "schema/batch.capnp.h"
#include "schema/core.capnp.h"
#include "schema/networking.capnp.h"
#include "schema/rbac.capnp.h"

// Kubernetes' Validate* for the fields a user writes, per kind. Each check appends every
// failure with its full path, so one Invalid error lists them all.

namespace troupe {
namespace {

void add(std::vector<field_error>& out, const std::string& path, const messages& found) {
  for (auto& m : found) out.push_back({path, m});
}

// A request above its limit, per resource (Kubernetes' ValidateResourceRequirements).
void validate_resources(k8s::ResourceRequirements::Reader resources, const std::string& path,
                        std::vector<field_error>& out) {
  for (auto request : resources.getRequests())
    for (auto limit : resources.getLimits()) {
      if (request.getKey() != limit.getKey()) continue;
      auto wanted = quantity::parse(text_view(request.getValue()));
      auto allowed = quantity::parse(text_view(limit.getValue()));
      if (wanted && allowed && *allowed < *wanted)
        out.push_back({path + ".requests",
                       "Invalid value: " + quote(text_view(request.getValue())) +
                           ": must be less than or equal to " + text_string(request.getKey()) +
                           " limit of " + text_string(limit.getValue())});
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
}

void validate_containers(capnp::List<k8s::Container>::Reader containers, const std::string& path,
                         bool required, const std::set<std::string>& volumes,
                         std::vector<field_error>& out) {
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
    for (unsigned e = 0; e < c.getEnv().size(); ++e) {
      auto env_path = at + ".env[" + std::to_string(e) + "]";
      add(out, env_path + ".name", check_env_var_name(text_view(c.getEnv()[e].getName())));
      validate_env_source(c.getEnv()[e], env_path, out);
    }
    validate_resources(c.getResources(), at + ".resources", out);
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

// `provided`: volumes a mount may name beyond the spec's own (a StatefulSet's claim templates).
void validate_pod_spec(k8s::PodSpec::Reader spec, const std::string& path,
                       std::vector<field_error>& out, std::set<std::string> provided = {}) {
  std::set<std::string> volumes;
  auto declared = spec.getVolumes();
  for (unsigned v = 0; v < declared.size(); ++v) {
    auto at = path + ".volumes[" + std::to_string(v) + "].name";
    std::string name = text_string(declared[v].getName());
    if (name.empty()) {
      out.push_back({at, "Required value"});
      continue;
    }
    add(out, at, check_dns1123_label(name));
    if (!volumes.insert(name).second) out.push_back({at, "Duplicate value: " + quote(name)});
  }
  volumes.insert(provided.begin(), provided.end());
  validate_containers(spec.getContainers(), path + ".containers", true, volumes, out);
  validate_containers(spec.getInitContainers(), path + ".initContainers", false, volumes, out);
  auto grace = spec.getTerminationGracePeriodSeconds();
  if (!grace.isUnset() && grace.getValue() < 0)
    out.push_back({path + ".terminationGracePeriodSeconds", "must be greater than or equal to 0"});
}

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
                     "Invalid value: selector does not match template labels"});
  } catch (const api_error& e) {
    out.push_back({path + ".selector", e.message()});
  }
}

template <class Optional>
void non_negative(Optional value, const std::string& path, std::vector<field_error>& out) {
  if (!value.isUnset() && value.getValue() < 0)
    out.push_back({path, "must be greater than or equal to 0"});
}

// Deployments, ReplicaSets, DaemonSets and StatefulSets: a selector that matches the
// template, and pods that always restart.
template <class Spec>
void validate_workload(Spec spec, std::vector<field_error>& out,
                       std::set<std::string> provided = {}) {
  validate_selector(spec.hasSelector(), spec.getSelector(), spec.getTemplate(), "spec", out);
  validate_pod_spec(spec.getTemplate().getSpec(), "spec.template.spec", out, std::move(provided));
  if (spec.getTemplate().getSpec().getRestartPolicy() != k8s::RestartPolicy::ALWAYS)
    out.push_back({"spec.template.spec.restartPolicy",
                   "Unsupported value: only \"Always\" is supported"});
}

// An IntOrString of a rolling update: its value, a percentage when `percent`; nullopt when
// it is neither a non-negative integer nor "N%".
std::optional<int64_t> int_or_percent(k8s::IntOrString::Reader v, bool& percent) {
  percent = false;
  if (v.isInt()) return v.getInt() >= 0 ? std::optional<int64_t>(v.getInt()) : std::nullopt;
  std::string text = text_string(v.getStr());
  if (text.size() < 2 || text.back() != '%') return std::nullopt;
  auto number = parse_int(std::string_view(text).substr(0, text.size() - 1));
  if (!number || *number < 0) return std::nullopt;
  percent = true;
  return *number;
}

void validate_rolling_update(k8s::RollingUpdateDeployment::Reader rolling, const std::string& path,
                             std::vector<field_error>& out) {
  bool unavailable_percent = false, surge_percent = false;
  auto unavailable = int_or_percent(rolling.getMaxUnavailable(), unavailable_percent);
  auto surge = int_or_percent(rolling.getMaxSurge(), surge_percent);
  if (!unavailable)
    out.push_back({path + ".maxUnavailable",
                   "Invalid value: must be a non-negative integer or a percentage"});
  if (!surge)
    out.push_back(
        {path + ".maxSurge", "Invalid value: must be a non-negative integer or a percentage"});
  if (unavailable && unavailable_percent && *unavailable > 100)
    out.push_back({path + ".maxUnavailable",
                   "Invalid value: " + quote(text_view(rolling.getMaxUnavailable().getStr())) +
                       ": must not be greater than 100%"});
  if (unavailable && surge && *unavailable == 0 && *surge == 0)
    out.push_back(
        {path + ".maxUnavailable", "Invalid value: 0: may not be 0 when `maxSurge` is 0"});
}

void validate_deployment(k8s::Deployment::Reader d, std::vector<field_error>& out) {
  non_negative(d.getSpec().getReplicas(), "spec.replicas", out);
  non_negative(d.getSpec().getRevisionHistoryLimit(), "spec.revisionHistoryLimit", out);
  auto spec = d.getSpec();
  if (spec.getMinReadySeconds() < 0)
    out.push_back({"spec.minReadySeconds", "must be greater than or equal to 0"});
  auto deadline = spec.getProgressDeadlineSeconds();
  if (!deadline.isUnset() && deadline.getValue() <= spec.getMinReadySeconds())
    out.push_back(
        {"spec.progressDeadlineSeconds", "Invalid value: " + std::to_string(deadline.getValue()) +
                                             ": must be greater than minReadySeconds"});
  if (spec.getStrategy().getType() == k8s::DeploymentStrategyType::ROLLING_UPDATE)
    validate_rolling_update(spec.getStrategy().getRollingUpdate(), "spec.strategy.rollingUpdate",
                            out);
  validate_workload(d.getSpec(), out);
}

void validate_service(k8s::Service::Reader s, std::vector<field_error>& out) {
  auto spec = s.getSpec();
  auto ports = spec.getPorts();
  bool headless = spec.getClusterIP() == "None";  // a headless Service may have no ports
  if (ports.size() == 0 && spec.getType() != k8s::ServiceType::EXTERNAL_NAME && !headless)
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

void validate_replica_set(k8s::ReplicaSet::Reader rs, std::vector<field_error>& out) {
  non_negative(rs.getSpec().getReplicas(), "spec.replicas", out);
  validate_workload(rs.getSpec(), out);
}

void validate_daemon_set(k8s::DaemonSet::Reader ds, std::vector<field_error>& out) {
  validate_workload(ds.getSpec(), out);
}

void validate_stateful_set(k8s::StatefulSet::Reader sts, std::vector<field_error>& out) {
  auto spec = sts.getSpec();
  non_negative(spec.getReplicas(), "spec.replicas", out);
  std::set<std::string> claim_names;
  for (auto claim : spec.getVolumeClaimTemplates())
    claim_names.insert(text_string(claim.getMetadata().getName()));
  validate_workload(spec, out, std::move(claim_names));
  auto claims = spec.getVolumeClaimTemplates();
  for (unsigned i = 0; i < claims.size(); ++i) {
    auto at = "spec.volumeClaimTemplates[" + std::to_string(i) + "]";
    if (claims[i].getMetadata().getName().size() == 0) out.push_back({at + ".metadata.name", "Required value"});
    if (claims[i].getSpec().getAccessModes().size() == 0)
      out.push_back({at + ".spec.accessModes", "Required value"});
  }
}

void validate_job_spec(k8s::JobSpec::Reader spec, const std::string& path, bool selector_required,
                       std::vector<field_error>& out) {
  non_negative(spec.getParallelism(), path + ".parallelism", out);
  non_negative(spec.getCompletions(), path + ".completions", out);
  non_negative(spec.getBackoffLimit(), path + ".backoffLimit", out);
  if (!spec.getActiveDeadlineSeconds().isUnset() && spec.getActiveDeadlineSeconds().getValue() <= 0)
    out.push_back({path + ".activeDeadlineSeconds", "must be greater than 0"});
  if (selector_required)
    validate_selector(spec.hasSelector(), spec.getSelector(), spec.getTemplate(), path, out);
  validate_pod_spec(spec.getTemplate().getSpec(), path + ".template.spec", out);
  auto policy = spec.getTemplate().getSpec().getRestartPolicy();
  if (policy != k8s::RestartPolicy::ON_FAILURE && policy != k8s::RestartPolicy::NEVER)
    out.push_back({path + ".template.spec.restartPolicy",
                   "Required value: valid values: \"OnFailure\", \"Never\""});
}

void validate_cron_job(k8s::CronJob::Reader cj, std::vector<field_error>& out) {
  auto spec = cj.getSpec();
  cron_schedule schedule;
  std::string problem;
  if (spec.getSchedule().size() == 0)
    out.push_back({"spec.schedule", "Required value"});
  else if (!parse_cron(text_view(spec.getSchedule()), schedule, problem))
    out.push_back({"spec.schedule", "Invalid value: " + quote(text_view(spec.getSchedule())) + ": " + problem});
  non_negative(spec.getSuccessfulJobsHistoryLimit(), "spec.successfulJobsHistoryLimit", out);
  non_negative(spec.getFailedJobsHistoryLimit(), "spec.failedJobsHistoryLimit", out);
  validate_job_spec(spec.getJobTemplate().getSpec(), "spec.jobTemplate.spec", false, out);
}

void validate_secret(k8s::Secret::Reader secret, std::vector<field_error>& out) {
  size_t total = 0;
  for (auto entry : secret.getData()) {
    add(out, "data[" + text_string(entry.getKey()) + "]", check_config_map_key(text_view(entry.getKey())));
    total += entry.getValue().size();
  }
  if (total > 1024 * 1024) out.push_back({"data", "Too long: must have at most 1048576 bytes"});
}

bool has_quantity(capnp::List<k8s::QuantityEntry>::Reader list, std::string_view name) {
  for (auto e : list)
    if (text_view(e.getKey()) == name) return true;
  return false;
}

void validate_persistent_volume(k8s::PersistentVolume::Reader pv, std::vector<field_error>& out) {
  auto spec = pv.getSpec();
  if (!has_quantity(spec.getCapacity(), "storage")) out.push_back({"spec.capacity", "Required value: storage"});
  if (spec.getAccessModes().size() == 0) out.push_back({"spec.accessModes", "Required value"});
  if (spec.isUnset()) out.push_back({"spec", "Required value: must specify a volume type"});
}

void validate_claim(k8s::PersistentVolumeClaim::Reader pvc, std::vector<field_error>& out) {
  auto spec = pvc.getSpec();
  if (spec.getAccessModes().size() == 0) out.push_back({"spec.accessModes", "Required value"});
  if (!has_quantity(spec.getResources().getRequests(), "storage"))
    out.push_back({"spec.resources.requests.storage", "Required value"});
}

void validate_backend(k8s::IngressBackend::Reader b, const std::string& at, std::vector<field_error>& out) {
  if (!b.hasService() && !b.hasResource()) return out.push_back({at, "Required value: service or resource"});
  if (!b.hasService()) return;
  auto svc = b.getService();
  if (svc.getName().size() == 0) out.push_back({at + ".service.name", "Required value"});
  else add(out, at + ".service.name", check_dns1035_label(text_view(svc.getName())));
  bool named = svc.getPort().getName().size() > 0, numbered = svc.getPort().getNumber() != 0;
  if (named == numbered) out.push_back({at + ".service.port", "Required value: exactly one of name or number"});
  if (numbered) add(out, at + ".service.port.number", check_port_number(svc.getPort().getNumber()));
}

void validate_ingress(k8s::Ingress::Reader ing, std::vector<field_error>& out) {
  auto spec = ing.getSpec();
  if (spec.hasDefaultBackend()) validate_backend(spec.getDefaultBackend(), "spec.defaultBackend", out);
  if (spec.getRules().size() == 0 && !spec.hasDefaultBackend())
    out.push_back({"spec", "Required value: either `defaultBackend` or `rules` must be specified"});
  auto rules = spec.getRules();
  for (unsigned i = 0; i < rules.size(); ++i) {
    auto at = "spec.rules[" + std::to_string(i) + "]";
    std::string host = text_string(rules[i].getHost());
    if (!host.empty())
      add(out, at + ".host", check_dns1123_subdomain(starts_with(host, "*.") ? host.substr(2) : host));
    auto paths = rules[i].getHttp().getPaths();
    for (unsigned p = 0; p < paths.size(); ++p) {
      auto path_at = at + ".http.paths[" + std::to_string(p) + "]";
      if (paths[p].getPathType() == k8s::PathType::UNSPECIFIED)
        out.push_back({path_at + ".pathType", "Required value: pathType must be specified"});
      else if (paths[p].getPathType() != k8s::PathType::IMPLEMENTATION_SPECIFIC &&
               !starts_with(text_view(paths[p].getPath()), "/"))
        out.push_back({path_at + ".path", "Invalid value: must be an absolute path"});
      validate_backend(paths[p].getBackend(), path_at + ".backend", out);
    }
  }
}

void validate_rules(capnp::List<k8s::PolicyRule>::Reader rules, bool cluster, std::vector<field_error>& out) {
  for (unsigned i = 0; i < rules.size(); ++i) {
    auto at = "rules[" + std::to_string(i) + "]";
    auto r = rules[i];
    if (r.getVerbs().size() == 0) out.push_back({at + ".verbs", "Required value: verbs must contain at least one value"});
    if (r.getNonResourceURLs().size() > 0) {
      if (!cluster) out.push_back({at + ".nonResourceURLs", "Invalid value: namespaced rules cannot apply to non-resource URLs"});
      if (r.getResources().size() > 0 || r.getApiGroups().size() > 0)
        out.push_back({at + ".nonResourceURLs", "Invalid value: rules cannot apply to both regular resources and non-resource URLs"});
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
  auto subjects = b.getSubjects();
  for (unsigned i = 0; i < subjects.size(); ++i) {
    auto at = "subjects[" + std::to_string(i) + "]";
    std::string sk = text_string(subjects[i].getKind());
    if (sk != "ServiceAccount" && sk != "User" && sk != "Group")
      out.push_back({at + ".kind", "Unsupported value: " + quote(sk) +
                                       ": supported values: \"ServiceAccount\", \"User\", \"Group\""});
    if (subjects[i].getName().size() == 0) out.push_back({at + ".name", "Required value"});
    if (sk == "ServiceAccount" && cluster && subjects[i].getNamespace().size() == 0)
      out.push_back({at + ".namespace", "Required value"});
  }
}

void validate_node(k8s::Node::Reader node, std::vector<field_error>& out) {
  auto taints = node.getSpec().getTaints();
  for (unsigned i = 0; i < taints.size(); ++i) {
    auto at = "spec.taints[" + std::to_string(i) + "]";
    add(out, at + ".key", check_qualified_name(text_view(taints[i].getKey())));
    if (taints[i].getEffect() == k8s::TaintEffect::UNSPECIFIED) out.push_back({at + ".effect", "Required value"});
  }
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
  else if (k == "Job") validate_job_spec(root.as<k8s::Job>().getSpec(), "spec", true, out);
  else if (k == "CronJob") validate_cron_job(root.as<k8s::CronJob>(), out);
  else if (k == "Service") validate_service(root.as<k8s::Service>(), out);
  else if (k == "ConfigMap") validate_config_data(root.as<k8s::ConfigMap>().getData(), out);
  else if (k == "Secret") validate_secret(root.as<k8s::Secret>(), out);
  else if (k == "PersistentVolume") validate_persistent_volume(root.as<k8s::PersistentVolume>(), out);
  else if (k == "PersistentVolumeClaim") validate_claim(root.as<k8s::PersistentVolumeClaim>(), out);
  else if (k == "Ingress") validate_ingress(root.as<k8s::Ingress>(), out);
  else if (k == "Role") validate_rules(root.as<k8s::Role>().getRules(), false, out);
  else if (k == "ClusterRole") validate_rules(root.as<k8s::ClusterRole>().getRules(), true, out);
  else if (k == "RoleBinding") validate_binding(root.as<k8s::RoleBinding>(), false, out);
  else if (k == "ClusterRoleBinding") validate_binding(root.as<k8s::ClusterRoleBinding>(), true, out);
  else if (k == "Node") validate_node(root.as<k8s::Node>(), out);
}

}  // namespace troupe
