#include "actors/scheduler/convert.hpp"

#include <algorithm>

#include "runtime/base/error.hpp"
#include "runtime/codec/schema_names.hpp"
#include "runtime/object/object.hpp"
#include "runtime/object/pod_resources.hpp"
#include "runtime/object/quantity.hpp"
#include "runtime/object/validation.hpp"

// Reads once per pod or node event, not per scheduling attempt, so clarity wins over speed here.

namespace troupe::sched {
namespace {

using quantities = capnp::List<k8s::QuantityEntry>::Reader;

/// An enum as Kubernetes spells it ("NoSchedule", "In"); `unspecified` reads as "".
template <class Enum>
std::string spelling(Enum value) {
  auto index = static_cast<uint16_t>(value);
  auto enumerants = capnp::Schema::from<Enum>().getEnumerants();
  if (index == 0 || index >= enumerants.size()) return "";
  return json_name(enumerants[index]);
}

std::optional<quantity> find_quantity(quantities list, std::string_view name) {
  for (auto entry : list)
    if (text_view(entry.getKey()) == name) return quantity::parse(text_view(entry.getValue()));
  return std::nullopt;  // stored objects were validated: a bad spelling counts as absent
}

/// cpu in milli-cores, memory in bytes, pods as a count; absent ones stay unset.
struct resource_amounts {
  std::optional<int64_t> milli_cpu, memory, pods;
};

resource_amounts amounts_of(quantities list) {
  resource_amounts out;
  if (auto q = find_quantity(list, "cpu")) out.milli_cpu = q->milli();
  if (auto q = find_quantity(list, "memory")) out.memory = q->value();
  if (auto q = find_quantity(list, "pods")) out.pods = q->value();
  return out;
}

/// kube-scheduler's scalar resources: extended ones, hugepages, kubernetes.io/ ones and
/// attachable volumes, each counted by name as cpu and memory are.
bool scalar_resource(std::string_view name) {
  return extended_resource_name(name) || name.substr(0, 10) == "hugepages-" ||
         (name.find('/') != std::string_view::npos && native_resource_name(name)) ||
         name.substr(0, 19) == "attachable-volumes-";
}

/// Scalar resources in a quantity list, in whole units.
extended_amounts extended_of(quantities list) {
  extended_amounts out;
  for (auto entry : list) {
    auto name = text_view(entry.getKey());
    if (!scalar_resource(name)) continue;
    if (auto q = quantity::parse(text_view(entry.getValue())))
      out.emplace_back(std::string(name), q->value());
  }
  return out;
}

/// What scoring counts for a cpu or memory request a container does not make, so that pods
/// without requests still weigh on a node (kube-scheduler's DefaultMilliCPURequest and
/// DefaultMemoryRequest).
constexpr int64_t unset_milli_cpu_scored = 100, unset_memory_scored = 200 * 1024 * 1024;

/// A container's requests; a resource with a limit but no request requests its limit, as the
/// Kubernetes API server defaults it. `unset` stands for one with neither.
resources container_requests(k8s::Container::Reader c, const resources& unset = {}) {
  auto requests = amounts_of(c.getResources().getRequests());
  auto limits = amounts_of(c.getResources().getLimits());
  resources out;
  out.milli_cpu = requests.milli_cpu.value_or(limits.milli_cpu.value_or(unset.milli_cpu));
  out.memory = requests.memory.value_or(limits.memory.value_or(unset.memory));
  return out;
}

resources max_of(const resources& a, const resources& b) {
  return {std::max(a.milli_cpu, b.milli_cpu), std::max(a.memory, b.memory), 0};
}

/// A container's extended resources: its requests, or its limits where it makes none (the
/// API server defaults the one from the other).
std::map<std::string, int64_t> container_extended(k8s::Container::Reader c) {
  std::map<std::string, int64_t> out;
  for (auto [list, overrides] : {std::pair{c.getResources().getLimits(), false},
                                 std::pair{c.getResources().getRequests(), true}})
    for (auto& [name, amount] : extended_of(list))
      if (overrides || !out.count(name)) out[name] = amount;
  return out;
}

// kube-scheduler's computePodResourceRequest over any kind of amounts.
template <class Amounts, class Of, class Add, class Raise>
Amounts peak_requests(k8s::PodSpec::Reader spec, Of of, Add add, Raise raise) {
  return peak_of_pod<Amounts>(
      spec.getContainers(), spec.getInitContainers(), of,
      [](k8s::Container::Reader c) { return text_view(c.getRestartPolicy()) == "Always"; }, add,
      raise);
}

/// The pod's extended resources, as its cpu and memory are counted.
extended_amounts pod_extended_requests(k8s::PodSpec::Reader spec) {
  using by_name = std::map<std::string, int64_t>;
  auto sum = peak_requests<by_name>(
      spec, container_extended,
      [](by_name& to, const by_name& more) {
        for (auto& [name, amount] : more) to[name] += amount;
      },
      [](by_name& to, const by_name& more) {
        for (auto& [name, amount] : more) to[name] = std::max(to[name], amount);
      });
  return extended_amounts(sum.begin(), sum.end());
}

/// Requests as kube-scheduler counts them, plus the pod overhead. `unset` stands for a
/// container's request it does not make.
resources pod_requests(k8s::PodSpec::Reader spec, const resources& unset = {}) {
  resources out = peak_requests<resources>(
      spec, [&](k8s::Container::Reader c) { return container_requests(c, unset); },
      [](resources& to, const resources& more) { to += more; },
      [](resources& to, const resources& more) { to = max_of(to, more); });
  auto overhead = amounts_of(spec.getOverhead());
  out.milli_cpu += overhead.milli_cpu.value_or(0);
  out.memory += overhead.memory.value_or(0);
  out.pods = 1;
  return out;
}

std::vector<std::string> to_strings(capnp::List<capnp::Text>::Reader list) {
  std::vector<std::string> out;
  for (auto t : list) out.push_back(text_string(t));
  return out;
}

std::vector<node_selector_requirement> to_requirements(
    capnp::List<k8s::NodeSelectorRequirement>::Reader list) {
  std::vector<node_selector_requirement> out;
  for (auto r : list)
    out.push_back({text_string(r.getKey()), spelling(r.getOperator()), to_strings(r.getValues())});
  return out;
}

node_selector_term to_term(k8s::NodeSelectorTerm::Reader term) {
  return {to_requirements(term.getMatchExpressions()), to_requirements(term.getMatchFields())};
}

void read_node_affinity(k8s::NodeAffinity::Reader affinity, pod_info& out) {
  for (auto term :
       affinity.getRequiredDuringSchedulingIgnoredDuringExecution().getNodeSelectorTerms())
    out.required_node_affinity.push_back(to_term(term));
  for (auto p : affinity.getPreferredDuringSchedulingIgnoredDuringExecution())
    out.preferred_node_affinity.push_back({p.getWeight(), to_term(p.getPreference())});
}

/// A missing label selector matches no pod (Kubernetes' nil); so does one that does not parse,
/// which validation should have refused.
label_selector to_selector(k8s::PodAffinityTerm::Reader term) {
  if (!term.hasLabelSelector()) return label_selector::nothing();
  try {
    return label_selector::from(term.getLabelSelector());
  } catch (const api_error&) {
    return label_selector::nothing();
  }
}

// The selector a constraint counts pods by: its labelSelector (none matches no pod) and, for
// each of its matchLabelKeys the pod has, that label's value in the pod (kube-scheduler's
// merge; a key the pod lacks is ignored).
label_selector spread_selector(k8s::TopologySpreadConstraint::Reader c,
                               const std::map<std::string, std::string>& pod_labels) {
  if (!c.hasLabelSelector()) return label_selector::nothing();
  label_selector out;
  try {
    out = label_selector::from(c.getLabelSelector());
  } catch (const api_error&) {
    return label_selector::nothing();
  }
  for (auto key : c.getMatchLabelKeys()) {
    auto it = pod_labels.find(std::string(text_view(key)));
    if (it != pod_labels.end()) out.add({it->first, label_requirement::op::in, {it->second}});
  }
  return out;
}

std::vector<spread_constraint> spread_constraints(
    capnp::List<k8s::TopologySpreadConstraint>::Reader list,
    const std::map<std::string, std::string>& pod_labels) {
  std::vector<spread_constraint> out;
  for (auto c : list) {
    spread_constraint s;
    s.max_skew = c.getMaxSkew();
    s.topology_key = text_string(c.getTopologyKey());
    s.hard = text_view(c.getWhenUnsatisfiable()) != "ScheduleAnyway";
    s.selector = spread_selector(c, pod_labels);
    s.counts_none = s.selector.empty();
    s.min_domains = c.getMinDomains().isValue() ? c.getMinDomains().getValue() : 0;
    s.honor_node_affinity = text_view(c.getNodeAffinityPolicy()) != "Ignore";
    s.honor_taints = text_view(c.getNodeTaintsPolicy()) == "Honor";
    out.push_back(std::move(s));
  }
  return out;
}

// An empty namespaceSelector covers every namespace; one with labels, the namespaces whose
// labels it matches (one that does not parse, none).
pod_affinity_term to_term(k8s::PodAffinityTerm::Reader term) {
  bool selector = term.hasNamespaceSelector();
  bool all = selector && term.getNamespaceSelector().getMatchLabels().size() == 0 &&
             term.getNamespaceSelector().getMatchExpressions().size() == 0;
  pod_affinity_term out{to_selector(term), to_strings(term.getNamespaces()),
                        text_string(term.getTopologyKey()), all, selector && !all};
  if (out.selected_namespaces) {
    try {
      out.namespace_selector = label_selector::from(term.getNamespaceSelector());
    } catch (const api_error&) {
    }
  }
  return out;
}

std::vector<pod_affinity_term> required_terms(k8s::PodAffinity::Reader affinity) {
  std::vector<pod_affinity_term> out;
  for (auto term : affinity.getRequiredDuringSchedulingIgnoredDuringExecution())
    out.push_back(to_term(term));
  return out;
}

std::vector<weighted_affinity_term> preferred_terms(k8s::PodAffinity::Reader affinity) {
  std::vector<weighted_affinity_term> out;
  for (auto preferred : affinity.getPreferredDuringSchedulingIgnoredDuringExecution())
    out.push_back({preferred.getWeight(), to_term(preferred.getPodAffinityTerm())});
  return out;
}

void read_tolerations(capnp::List<k8s::Toleration>::Reader list, pod_info& out) {
  for (auto t : list)
    out.tolerations.push_back({text_string(t.getKey()), spelling(t.getOperator()),
                               text_string(t.getValue()), spelling(t.getEffect())});
}

void read_host_ports(k8s::PodSpec::Reader spec, pod_info& out) {
  for (auto c : spec.getContainers())
    for (auto p : c.getPorts()) {
      if (p.getHostPort() == 0) continue;
      std::string protocol = spelling(p.getProtocol());
      out.host_ports.push_back(
          {protocol.empty() ? "TCP" : protocol, text_string(p.getHostIP()), p.getHostPort()});
    }
}

std::string controller_uid(k8s::ObjectMeta::Reader meta) {
  for (auto owner : meta.getOwnerReferences()) {
    auto controller = owner.getController();
    if (!controller.isUnset() && controller.getValue()) return text_string(owner.getUid());
  }
  return "";
}

bool is_ready(k8s::NodeStatus::Reader status) {
  for (auto c : status.getConditions())
    if (text_view(c.getType()) == "Ready") return c.getStatus() == k8s::ConditionStatus::IS_TRUE;
  return false;  // a node that never reported Ready is not ready
}

/// Allocatable per resource, falling back to capacity; pods default to the kubelet's 110.
resources node_allocatable(k8s::NodeStatus::Reader status) {
  auto alloc = amounts_of(status.getAllocatable());
  auto capacity = amounts_of(status.getCapacity());
  resources out;
  out.milli_cpu = alloc.milli_cpu.value_or(capacity.milli_cpu.value_or(0));
  out.memory = alloc.memory.value_or(capacity.memory.value_or(0));
  out.pods = alloc.pods.value_or(capacity.pods.value_or(110));
  return out;
}

}  // namespace

bool same_labels(capnp::List<k8s::StringEntry>::Reader labels,
                 const std::map<std::string, std::string>& known) {
  if (labels.size() != known.size()) return false;
  for (auto label : labels) {
    auto it = known.find(std::string(text_view(label.getKey())));
    if (it == known.end() || it->second != text_view(label.getValue())) return false;
  }
  return true;
}

bool terminal(k8s::Pod::Reader pod) {
  auto phase = pod.getStatus().getPhase();
  return phase == k8s::PodPhase::SUCCEEDED || phase == k8s::PodPhase::FAILED;
}

bool waits_for_us(k8s::Pod::Reader pod) {
  auto scheduler = text_view(pod.getSpec().getSchedulerName());
  return (scheduler.empty() || scheduler == "default-scheduler") &&
         pod.getSpec().getNodeName().size() == 0 && !terminal(pod) &&
         pod.getMetadata().getDeletionTimestamp() == 0 &&
         pod.getSpec().getSchedulingGates().size() == 0;
}

pod_info to_pod_info(k8s::Pod::Reader pod) {
  auto meta = pod.getMetadata();
  auto spec = pod.getSpec();
  pod_info out;
  out.ns = text_string(meta.getNamespace());
  out.name = text_string(meta.getName());
  out.uid = text_string(meta.getUid());
  out.owner_uid = controller_uid(meta);
  out.labels = sorted_map(meta.getLabels());
  out.requests = pod_requests(spec);
  out.scored_requests = pod_requests(spec, {unset_milli_cpu_scored, unset_memory_scored, 0});
  out.extended_requests = pod_extended_requests(spec);
  out.node_name = text_string(spec.getNodeName());
  out.node_selector = sorted_map(spec.getNodeSelector());
  read_node_affinity(spec.getAffinity().getNodeAffinity(), out);
  read_tolerations(spec.getTolerations(), out);
  read_host_ports(spec, out);
  out.required_affinity = required_terms(spec.getAffinity().getPodAffinity());
  out.required_anti_affinity = required_terms(spec.getAffinity().getPodAntiAffinity());
  out.preferred_affinity = preferred_terms(spec.getAffinity().getPodAffinity());
  out.preferred_anti_affinity = preferred_terms(spec.getAffinity().getPodAntiAffinity());
  out.spread_constraints = spread_constraints(spec.getTopologySpreadConstraints(), out.labels);
  out.terminating = meta.getDeletionTimestamp() != 0;
  auto priority = spec.getPriority();
  out.priority = priority.isUnset() ? 0 : priority.getValue();
  return out;
}

node_info to_node_info(k8s::Node::Reader node) {
  node_info out;
  out.name = text_string(node.getMetadata().getName());
  out.labels = sorted_map(node.getMetadata().getLabels());
  out.unschedulable = node.getSpec().getUnschedulable();
  out.ready = is_ready(node.getStatus());
  for (auto t : node.getSpec().getTaints())
    out.taints.push_back(
        {text_string(t.getKey()), text_string(t.getValue()), spelling(t.getEffect())});
  out.allocatable = node_allocatable(node.getStatus());
  out.extended_allocatable = extended_of(node.getStatus().getAllocatable());
  return out;
}

}  // namespace troupe::sched
