// Where a pod may run: its tolerations and affinity, checked as Kubernetes' ValidateTolerations
// and validateAffinity check them (the scheduler then reads them as stored).

#include "actors/apiserver/validate_rules.hpp"

#include "runtime/codec/schema_names.hpp"
#include "runtime/object/object.hpp"
#include "runtime/object/selector.hpp"

namespace troupe::validation_rules {
namespace {

// A toleration as Go's %#v prints Kubernetes' internal type, which some of its errors show whole.
std::string go_toleration(k8s::Toleration::Reader t) {
  auto seconds = t.getTolerationSeconds();
  return "core.Toleration{Key:" + quote(text_view(t.getKey())) + ", Operator:" + quote(json_of(t.getOperator())) +
         ", Value:" + quote(text_view(t.getValue())) + ", Effect:" + quote(json_of(t.getEffect())) +
         ", TolerationSeconds:(*int64)(" + (seconds.isUnset() ? "nil" : std::to_string(seconds.getValue())) + ")}";
}

void validate_tolerations(capnp::List<k8s::Toleration>::Reader tolerations, const std::string& path,
                          std::vector<field_error>& out) {
  for (unsigned i = 0; i < tolerations.size(); ++i) {
    auto t = tolerations[i];
    auto at = path + "[" + std::to_string(i) + "]";
    std::string key = text_string(t.getKey()), value = text_string(t.getValue());
    auto op = t.getOperator();
    if (!key.empty()) add(out, at + ".key", key, check_qualified_name(key));
    if (key.empty() && op != k8s::TolerationOperator::EXISTS)
      add(out, at + ".operator", json_of(op),
          {"operator must be Exists when `key` is empty, which means \"match all values and all keys\""});
    if (!t.getTolerationSeconds().isUnset() && t.getEffect() != k8s::TaintEffect::NO_EXECUTE)
      add(out, at + ".effect", json_of(t.getEffect()), {"effect must be 'NoExecute' when `tolerationSeconds` is set"});
    if (op == k8s::TolerationOperator::EXISTS && !value.empty()) {
      out.push_back({at + ".operator", "Invalid value: " + go_toleration(t) + ": value must be empty when `operator` is 'Exists'"});
    } else if (op != k8s::TolerationOperator::EXISTS) {
      // The whole toleration, and the value's faults joined by ';', as Kubernetes reports them.
      auto faults = check_label_value(value);
      if (!faults.empty())
        out.push_back({at + ".operator", "Invalid value: " + go_toleration(t) + ": " + join(faults, ";")});
    }
  }
}

void validate_requirement(k8s::NodeSelectorRequirement::Reader r, const std::string& at, std::vector<field_error>& out) {
  using op = k8s::NodeSelectorOperator;
  auto values = r.getValues().size();
  switch (r.getOperator()) {
    case op::IN:
    case op::NOT_IN:
      if (values == 0) out.push_back({at + ".values", "Required value: must be specified when `operator` is 'In' or 'NotIn'"});
      break;
    case op::EXISTS:
    case op::DOES_NOT_EXIST:
      if (values > 0)
        out.push_back({at + ".values", "Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'"});
      break;
    case op::GT:
    case op::LT:
      if (values != 1)
        out.push_back({at + ".values", "Required value: must be specified single value when `operator` is 'Lt' or 'Gt'"});
      break;
    default:
      add(out, at + ".operator", json_of(r.getOperator()), {"not a valid selector operator"});
  }
  std::string key = text_string(r.getKey());
  add(out, at + ".key", key, check_qualified_name(key));
}

// matchFields may only ask for the node's name, one at a time.
void validate_field_requirement(k8s::NodeSelectorRequirement::Reader r, const std::string& at,
                                std::vector<field_error>& out) {
  auto o = r.getOperator();
  if (o == k8s::NodeSelectorOperator::IN || o == k8s::NodeSelectorOperator::NOT_IN) {
    if (r.getValues().size() != 1)
      out.push_back({at + ".values",
                     "Required value: must be only one value when `operator` is 'In' or 'NotIn' for node field selector"});
  } else {
    add(out, at + ".operator", json_of(o), {"not a valid selector operator"});
  }
  std::string key = text_string(r.getKey());
  if (key != "metadata.name") {
    add(out, at + ".key", key, {"not a valid field selector key"});
    return;
  }
  auto values = r.getValues();
  for (unsigned i = 0; i < values.size(); ++i)
    add(out, at + ".values[" + std::to_string(i) + "]", text_view(values[i]), check_dns1123_subdomain(text_view(values[i])));
}

void validate_term(k8s::NodeSelectorTerm::Reader term, const std::string& at, std::vector<field_error>& out) {
  auto expressions = term.getMatchExpressions();
  for (unsigned j = 0; j < expressions.size(); ++j)
    validate_requirement(expressions[j], at + ".matchExpressions[" + std::to_string(j) + "]", out);
  auto fields = term.getMatchFields();
  for (unsigned j = 0; j < fields.size(); ++j)
    validate_field_requirement(fields[j], at + ".matchFields[" + std::to_string(j) + "]", out);
}

void check_weight(int32_t weight, const std::string& at, std::vector<field_error>& out) {
  if (weight <= 0 || weight > 100) add(out, at, weight, {"must be in the range 1-100"});
}

void validate_node_affinity(k8s::NodeAffinity::Reader affinity, const std::string& path, std::vector<field_error>& out) {
  if (affinity.hasRequiredDuringSchedulingIgnoredDuringExecution()) {
    auto at = path + ".requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms";
    auto terms = affinity.getRequiredDuringSchedulingIgnoredDuringExecution().getNodeSelectorTerms();
    if (terms.size() == 0) out.push_back({at, "Required value: must have at least one node selector term"});
    for (unsigned i = 0; i < terms.size(); ++i) validate_term(terms[i], at + "[" + std::to_string(i) + "]", out);
  }
  auto preferred = affinity.getPreferredDuringSchedulingIgnoredDuringExecution();
  for (unsigned i = 0; i < preferred.size(); ++i) {
    auto at = path + ".preferredDuringSchedulingIgnoredDuringExecution[" + std::to_string(i) + "]";
    check_weight(preferred[i].getWeight(), at + ".weight", out);
    validate_term(preferred[i].getPreference(), at + ".preference", out);
  }
}

void validate_pod_affinity_term(k8s::PodAffinityTerm::Reader term, const std::string& at, std::vector<field_error>& out) {
  if (term.hasLabelSelector())
    validate_label_selector(term.getLabelSelector(), at + ".labelSelector", out);
  if (term.hasNamespaceSelector())
    validate_label_selector(term.getNamespaceSelector(), at + ".namespaceSelector", out);
  for (auto ns : term.getNamespaces()) add(out, at + ".namespace", text_view(ns), check_dns1123_label(text_view(ns)));
  std::string key = text_string(term.getTopologyKey());
  if (key.empty()) out.push_back({at + ".topologyKey", "Required value: can not be empty"});
  add(out, at + ".topologyKey", key, check_qualified_name(key));
}

void validate_pod_affinity(k8s::PodAffinity::Reader affinity, const std::string& path, std::vector<field_error>& out) {
  auto required = affinity.getRequiredDuringSchedulingIgnoredDuringExecution();
  for (unsigned i = 0; i < required.size(); ++i)
    validate_pod_affinity_term(required[i], path + ".requiredDuringSchedulingIgnoredDuringExecution[" + std::to_string(i) + "]", out);
  auto preferred = affinity.getPreferredDuringSchedulingIgnoredDuringExecution();
  for (unsigned i = 0; i < preferred.size(); ++i) {
    auto at = path + ".preferredDuringSchedulingIgnoredDuringExecution[" + std::to_string(i) + "]";
    check_weight(preferred[i].getWeight(), at + ".weight", out);
    validate_pod_affinity_term(preferred[i].getPodAffinityTerm(), at + ".podAffinityTerm", out);
  }
}

std::string quoted_list(std::initializer_list<const char*> values) {
  std::string out;
  for (auto v : values) out += (out.empty() ? "" : ", ") + quote(v);
  return out;
}

void validate_inclusion_policy(std::string_view policy, const std::string& at,
                               std::vector<field_error>& out) {
  if (!policy.empty() && policy != "Honor" && policy != "Ignore")
    out.push_back({at, "Unsupported value: " + quote(policy) +
                           ": supported values: " + quoted_list({"Honor", "Ignore"})});
}

void validate_match_label_keys(k8s::TopologySpreadConstraint::Reader c, const std::string& at,
                               std::vector<field_error>& out) {
  auto keys = c.getMatchLabelKeys();
  if (keys.size() == 0) return;
  std::set<std::string> selector_keys;
  if (c.hasLabelSelector()) {
    for (auto entry : c.getLabelSelector().getMatchLabels())
      selector_keys.insert(text_string(entry.getKey()));
    for (auto r : c.getLabelSelector().getMatchExpressions())
      selector_keys.insert(text_string(r.getKey()));
  } else {
    out.push_back({at, "Forbidden: must not be specified when labelSelector is not set"});
  }
  for (unsigned i = 0; i < keys.size(); ++i) {
    std::string key = text_string(keys[i]), key_at = at + "[" + std::to_string(i) + "]";
    add(out, key_at, key, check_qualified_name(key));
    if (selector_keys.count(key))
      add(out, key_at, key, {"exists in both matchLabelKeys and labelSelector"});
  }
}

// Kubernetes' validateTopologySpreadConstraints, its checks in its order.
void validate_topology_spread(capnp::List<k8s::TopologySpreadConstraint>::Reader constraints,
                              const std::string& path, std::vector<field_error>& out) {
  for (unsigned i = 0; i < constraints.size(); ++i) {
    auto c = constraints[i];
    auto at = path + "[" + std::to_string(i) + "]";
    if (c.getMaxSkew() <= 0)
      add(out, at + ".maxSkew", c.getMaxSkew(), {"must be greater than zero"});
    std::string key = text_string(c.getTopologyKey()),
                action = text_string(c.getWhenUnsatisfiable());
    if (key.empty()) out.push_back({at + ".topologyKey", "Required value: can not be empty"});
    if (action != "DoNotSchedule" && action != "ScheduleAnyway")
      out.push_back({at + ".whenUnsatisfiable",
                     "Unsupported value: " + quote(action) + ": supported values: " +
                         quoted_list({"DoNotSchedule", "ScheduleAnyway"})});
    for (unsigned j = i + 1; j < constraints.size(); ++j) {
      if (text_view(constraints[j].getTopologyKey()) != key ||
          text_view(constraints[j].getWhenUnsatisfiable()) != action)
        continue;
      out.push_back({at + ".{topologyKey, whenUnsatisfiable}",
                     "Duplicate value: \"{" + key + ", " + action + "}\""});
      break;
    }
    auto min_domains = c.getMinDomains();
    if (min_domains.isValue()) {
      if (min_domains.getValue() <= 0)
        add(out, at + ".minDomains", min_domains.getValue(), {"must be greater than zero"});
      if (action != "DoNotSchedule")
        add(out, at + ".minDomains", min_domains.getValue(),
            {"can only use minDomains if whenUnsatisfiable=DoNotSchedule, not " + action});
    }
    validate_inclusion_policy(text_view(c.getNodeAffinityPolicy()), at + ".nodeAffinityPolicy",
                              out);
    validate_inclusion_policy(text_view(c.getNodeTaintsPolicy()), at + ".nodeTaintsPolicy", out);
    validate_match_label_keys(c, at + ".matchLabelKeys", out);
    if (c.hasLabelSelector())
      validate_label_selector(c.getLabelSelector(), at + ".labelSelector", out);
  }
}

}  // namespace

void validate_scheduling(k8s::PodSpec::Reader spec, const std::string& path, std::vector<field_error>& out) {
  validate_tolerations(spec.getTolerations(), path + ".tolerations", out);
  if (spec.hasAffinity()) {
    auto affinity = spec.getAffinity();
    if (affinity.hasNodeAffinity())
      validate_node_affinity(affinity.getNodeAffinity(), path + ".affinity.nodeAffinity", out);
    if (affinity.hasPodAffinity())
      validate_pod_affinity(affinity.getPodAffinity(), path + ".affinity.podAffinity", out);
    if (affinity.hasPodAntiAffinity())
      validate_pod_affinity(affinity.getPodAntiAffinity(), path + ".affinity.podAntiAffinity", out);
  }
  validate_topology_spread(spec.getTopologySpreadConstraints(), path + ".topologySpreadConstraints",
                           out);
}

}  // namespace troupe::validation_rules
