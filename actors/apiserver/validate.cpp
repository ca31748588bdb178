#include <algorithm>
#include <ctime>
#include <map>
#include <optional>
#include <set>

#include "actors/apiserver/defaults.hpp"
#include "actors/apiserver/priority_classes.hpp"
#include "actors/apiserver/validate_rules.hpp"
#include "runtime/base/text.hpp"
#include "runtime/codec/json.hpp"
#include "runtime/object/kinds.hpp"
#include "runtime/object/object.hpp"
#include "runtime/object/selector.hpp"
#include "runtime/object/validation.hpp"
#include "schema/apps.capnp.h"
#include "schema/batch.capnp.h"
#include "schema/coordination.capnp.h"
#include "schema/core.capnp.h"
#include "schema/networking.capnp.h"
#include "schema/rbac.capnp.h"
#include "schema/scheduling.capnp.h"

// Kubernetes' Validate* for the fields a user writes, per kind. Each check appends every
// failure with its full path, so one Invalid error lists them all.

namespace troupe {
namespace validation_rules {

namespace {

// Go's %#v of a map[string]string, as field.Invalid prints template labels: keys sorted.
std::string go_string_map(capnp::List<k8s::StringEntry>::Reader entries) {
  if (entries.size() == 0) return "map[string]string(nil)";
  std::string out = "map[string]string{";
  for (auto& [key, value] : sorted_map(entries))
    out += (out.back() == '{' ? "" : ", ") + quote(key) + ":" + quote(value);
  return out + "}";
}

}  // namespace

void validate_label_selector(k8s::LabelSelector::Reader selector, const std::string& path,
                             std::vector<field_error>& out) {
  for (auto& e : label_selector_errors(selector, path)) out.push_back(std::move(e));
}

void validate_selector(bool has, k8s::LabelSelector::Reader selector,
                       k8s::PodTemplateSpec::Reader tmpl, const std::string& path,
                       std::vector<field_error>& out) {
  if (!has || (selector.getMatchLabels().size() == 0 && selector.getMatchExpressions().size() == 0)) {
    out.push_back({path + ".selector", "Required value"});
    return;
  }
  size_t before = out.size();
  validate_label_selector(selector, path + ".selector", out);
  if (out.size() != before) return;
  if (!label_selector::from(selector).matches(tmpl.getMetadata().getLabels()))
    out.push_back({path + ".template.metadata.labels",
                   "Invalid value: " + go_string_map(tmpl.getMetadata().getLabels()) +
                       ": `selector` does not match template `labels`"});
}

}  // namespace validation_rules

namespace {

using validation_rules::add;
using validation_rules::json_of;
using validation_rules::non_negative;
using validation_rules::validate_claim;
using validation_rules::validate_cron_job;
using validation_rules::validate_endpoints;
using validation_rules::validate_ingress;
using validation_rules::validate_job;
using validation_rules::validate_label_selector;
using validation_rules::validate_labels_and_annotations;
using validation_rules::validate_persistent_volume;
using validation_rules::validate_pod_spec;
using validation_rules::validate_selector;
using validation_rules::validate_service;

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
                   "Unsupported value: " + quote(json_of(pod_spec.getRestartPolicy())) +
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
  // In ValidateRoleBinding's order: the group, then the kind.
  if (text_view(ref.getApiGroup()) != "rbac.authorization.k8s.io")
    out.push_back({"roleRef.apiGroup", "Unsupported value: " + quote(text_view(ref.getApiGroup())) +
                                           ": supported values: \"rbac.authorization.k8s.io\""});
  if (kind != "ClusterRole" && (cluster || kind != "Role"))
    out.push_back(
        {"roleRef.kind", "Unsupported value: " + quote(kind) + ": supported values: " +
                             (cluster ? "\"ClusterRole\"" : "\"Role\", \"ClusterRole\"")});
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

// Go's %#v of a *metav1.Time read from the API (in UTC).
std::string go_time_pointer(int64_t unix_seconds) {
  if (unix_seconds == 0) return "(*v1.Time)(nil)";
  static const char* const months[] = {"January",   "February", "March",    "April",
                                       "May",       "June",     "July",     "August",
                                       "September", "October",  "November", "December"};
  time_t t = static_cast<time_t>(unix_seconds);
  struct tm utc {};
  gmtime_r(&t, &utc);
  return "&v1.Time{Time:time.Date(" + std::to_string(utc.tm_year + 1900) + ", time." +
         months[utc.tm_mon] + ", " + std::to_string(utc.tm_mday) + ", " +
         std::to_string(utc.tm_hour) + ", " + std::to_string(utc.tm_min) + ", " +
         std::to_string(utc.tm_sec) + ", 0, time.UTC)}";
}

// Kubernetes' validateNodeTaints.
void validate_node(k8s::Node::Reader node, std::vector<field_error>& out) {
  auto taints = node.getSpec().getTaints();
  std::set<std::pair<k8s::TaintEffect, std::string>> seen;
  for (unsigned i = 0; i < taints.size(); ++i) {
    auto at = "spec.taints[" + std::to_string(i) + "]";
    std::string key = text_string(taints[i].getKey()), value = text_string(taints[i].getValue());
    add(out, at + ".key", key, check_qualified_name(key));
    add(out, at + ".value", value, check_label_value(value));
    auto effect = taints[i].getEffect();
    if (effect == k8s::TaintEffect::UNSPECIFIED) out.push_back({at + ".effect", "Required value"});
    if (!seen.emplace(effect, key).second) {
      std::string effect_name = effect == k8s::TaintEffect::NO_SCHEDULE ? "NoSchedule"
                                : effect == k8s::TaintEffect::PREFER_NO_SCHEDULE
                                    ? "PreferNoSchedule"
                                : effect == k8s::TaintEffect::NO_EXECUTE ? "NoExecute"
                                                                         : "";
      out.push_back({at, "Duplicate value: core.Taint{Key:" + quote(key) +
                             ", Value:" + quote(value) + ", Effect:" + quote(effect_name) +
                             ", TimeAdded:" + go_time_pointer(taints[i].getTimeAdded()) +
                             "}: taints must be unique by key and effect pair"});
    }
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

// Kubernetes' ValidatePriorityClass: "system-" names are the system classes', as they are.
void validate_priority_class(k8s::PriorityClass::Reader pc, std::vector<field_error>& out) {
  auto name = text_string(pc.getMetadata().getName());
  if (name.rfind("system-", 0) == 0) {
    auto value = system_priority_class_value(name);
    std::string error =
        !value ? name + " is not a known system priority class"
        : *value != pc.getValue()
            ? "value of " + name + " PriorityClass must be " + std::to_string(*value)
        : pc.getGlobalDefault() ? "globalDefault of " + name + " PriorityClass must be false"
                                : "";
    if (!error.empty())
      out.push_back({"metadata.name",
                     "Forbidden: priority class names with 'system-' prefix are reserved for "
                     "system use only. error: " +
                         error});
  } else if (pc.getValue() > highest_user_priority) {
    out.push_back({"value", "Forbidden: maximum allowed value of a user defined priority is " +
                                std::to_string(highest_user_priority)});
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
    auto selectors = role.getAggregationRule().getClusterRoleSelectors();
    for (unsigned i = 0; i < selectors.size(); ++i)
      validate_label_selector(
          selectors[i], "aggregationRule.clusterRoleSelectors[" + std::to_string(i) + "]", out);
  } else if (k == "RoleBinding")
    validate_binding(root.as<k8s::RoleBinding>(), false, out);
  else if (k == "ClusterRoleBinding") validate_binding(root.as<k8s::ClusterRoleBinding>(), true, out);
  else if (k == "Node") validate_node(root.as<k8s::Node>(), out);
  else if (k == "Lease") validate_lease(root.as<k8s::Lease>(), out);
  else if (k == "PriorityClass")
    validate_priority_class(root.as<k8s::PriorityClass>(), out);
  else if (k == "Event")
    validate_event(root.as<k8s::Event>(), out);
  else if (k == "Namespace")
    validate_namespace(root.as<k8s::Namespace>(), out);
  if (k == "Deployment" || k == "ReplicaSet" || k == "StatefulSet" || k == "DaemonSet")
    validate_workload_status(k, root.get("status").as<capnp::DynamicStruct>(), out);
}

void validate_kind_on_create(const kind_info& kind, capnp::DynamicStruct::Reader root,
                             std::vector<field_error>& out) {
  if (kind.kind == "Ingress")
    validation_rules::validate_ingress_create(root.as<k8s::Ingress>(), out);
  if (kind.kind == "Pod") {
    auto spec = root.as<k8s::Pod>().getSpec();
    if (spec.getNodeName().size() > 0 && spec.getSchedulingGates().size() > 0)
      out.push_back({"spec.nodeName",
                     "Forbidden: cannot be set until all schedulingGates have been cleared"});
  }
}

}  // namespace troupe
