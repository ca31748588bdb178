// Kubernetes' Validate*Update: what an update may not change once an object exists. Each rule
// compares the stored object with the admitted replacement (both defaulted) and appends every
// violation with its path, as validate.cpp does for a single object.

#include <capnp/message.h>

#include <initializer_list>
#include <map>
#include <optional>
#include <set>
#include <vector>

#include "actors/apiserver/defaults.hpp"
#include "actors/apiserver/priority_classes.hpp"
#include "actors/apiserver/validate_rules.hpp"
#include "runtime/base/text.hpp"
#include "runtime/codec/json.hpp"
#include "runtime/object/compare.hpp"
#include "runtime/object/kinds.hpp"
#include "runtime/object/object.hpp"
#include "runtime/object/quantity.hpp"
#include "schema/apps.capnp.h"
#include "schema/batch.capnp.h"
#include "schema/core.capnp.h"
#include "schema/rbac.capnp.h"
#include "schema/scheduling.capnp.h"

namespace troupe {
namespace {

template <class Reader>
bool same(Reader a, Reader b) {
  return same_content(capnp::toDynamic(a), capnp::toDynamic(b));
}

template <class List>
bool same_list(List a, List b) {
  if (a.size() != b.size()) return false;
  for (unsigned i = 0; i < a.size(); ++i)
    if (!same(a[i], b[i])) return false;
  return true;
}

// The fields of `a` other than `mutable_fields` equal those of `b`.
bool same_except(capnp::DynamicStruct::Reader a, capnp::DynamicStruct::Reader b,
                 const std::vector<const char*>& mutable_fields) {
  capnp::MallocMessageBuilder scratch;
  scratch.setRoot(b);
  auto copy = scratch.getRoot<capnp::DynamicStruct>(b.getSchema());
  for (const char* name : mutable_fields) {
    auto field = a.getSchema().getFieldByName(name);
    if (field.getProto().isGroup()) {
      // An optional scalar (`replicas :union { unset, value }`): set the member `a` has.
      auto from = a.get(field).as<capnp::DynamicStruct>();
      auto to = copy.get(field).as<capnp::DynamicStruct>();
      KJ_IF_MAYBE (member, from.which()) {
        to.set(*member, from.get(*member));
      }
      for (auto member : from.getSchema().getNonUnionFields()) to.set(member, from.get(member));
    } else if (a.has(field)) {
      copy.set(field, a.get(field));
    } else {
      copy.clear(field);
    }
  }
  return same_content(a, copy.asReader());
}

void immutable(bool unchanged, const std::string& path, std::vector<field_error>& out) {
  if (!unchanged) out.push_back({path, "Invalid value: field is immutable"});
}

void immutable_text(capnp::Text::Reader before, capnp::Text::Reader after, const std::string& path,
                    std::vector<field_error>& out) {
  if (before != after)
    out.push_back({path, "Invalid value: " + quote(text_view(after)) + ": field is immutable"});
}

// Kubernetes' ValidateTolerationsInPodUpdate: an existing toleration stays, but one without
// tolerationSeconds may take them, and one with them may shorten them.
bool still_tolerated(capnp::List<k8s::Toleration>::Reader list, k8s::Toleration::Reader old) {
  for (auto t : list) {
    capnp::MallocMessageBuilder scratch;
    scratch.setRoot(t);
    auto rest = scratch.getRoot<k8s::Toleration>();
    auto seconds = t.getTolerationSeconds(), old_seconds = old.getTolerationSeconds();
    bool allowed = old_seconds.isUnset() ||
                   (!seconds.isUnset() && seconds.getValue() <= old_seconds.getValue());
    if (!allowed) continue;
    if (old_seconds.isUnset()) rest.getTolerationSeconds().setUnset();
    else rest.getTolerationSeconds().setValue(old_seconds.getValue());
    if (same(rest.asReader(), old)) return true;
  }
  return false;
}

// A value as Go's json.Marshal prints Kubernetes' internal type in a field error: its Go field
// names, nil slices as null.
codec::node go_requirements(capnp::List<k8s::NodeSelectorRequirement>::Reader list) {
  if (list.size() == 0) return codec::node::null();
  auto out = codec::node::list();
  for (auto r : list) {
    auto item = codec::node::map();
    item.set("Key", codec::node::string(text_string(r.getKey())));
    item.set("Operator", codec::node::string(validation_rules::json_of(r.getOperator())));
    auto values = codec::node::null();
    if (r.getValues().size() > 0) {
      values = codec::node::list();
      for (auto v : r.getValues()) values.push(codec::node::string(text_string(v)));
    }
    item.set("Values", std::move(values));
    out.push(std::move(item));
  }
  return out;
}

codec::node go_term(k8s::NodeSelectorTerm::Reader term) {
  auto out = codec::node::map();
  out.set("MatchExpressions", go_requirements(term.getMatchExpressions()));
  out.set("MatchFields", go_requirements(term.getMatchFields()));
  return out;
}

capnp::List<k8s::NodeSelectorTerm>::Reader required_terms(k8s::PodSpec::Reader spec) {
  if (!spec.hasAffinity() || !spec.getAffinity().hasNodeAffinity()) return {};
  auto affinity = spec.getAffinity().getNodeAffinity();
  if (!affinity.hasRequiredDuringSchedulingIgnoredDuringExecution()) return {};
  return affinity.getRequiredDuringSchedulingIgnoredDuringExecution().getNodeSelectorTerms();
}

// Kubernetes' validateNodeSelectorTermHasOnlyAdditions: each list keeps what it had in front.
bool only_additions(k8s::NodeSelectorTerm::Reader before, k8s::NodeSelectorTerm::Reader after) {
  auto old_expressions = before.getMatchExpressions(), old_fields = before.getMatchFields();
  auto new_expressions = after.getMatchExpressions(), new_fields = after.getMatchFields();
  if (old_expressions.size() == 0 && old_fields.size() == 0)
    return new_expressions.size() == 0 && new_fields.size() == 0;
  auto keeps = [](capnp::List<k8s::NodeSelectorRequirement>::Reader old_list,
                  capnp::List<k8s::NodeSelectorRequirement>::Reader new_list) {
    if (new_list.size() < old_list.size()) return false;
    for (unsigned i = 0; i < old_list.size(); ++i)
      if (!same(old_list[i], new_list[i])) return false;
    return true;
  };
  return keeps(old_expressions, new_expressions) && keeps(old_fields, new_fields);
}

// A gated pod may still be narrowed down before it is scheduled (Kubernetes' mutable
// scheduling directives): its node selector may gain entries and each required node affinity
// term may gain requirements. Both are checked here and then taken from `before` into `spec`,
// so that the comparison of the rest of the spec does not see them.
void narrow_gated_placement(k8s::PodSpec::Reader before, k8s::PodSpec::Reader after,
                            k8s::PodSpec::Builder spec, std::vector<field_error>& out) {
  auto old_selector = sorted_map(before.getNodeSelector()),
       new_selector = sorted_map(after.getNodeSelector());
  if (old_selector != new_selector) {
    for (auto& [key, value] : old_selector) {
      auto kept = new_selector.find(key);
      if (kept != new_selector.end() && kept->second == value) continue;
      auto shown = codec::node::map();
      for (auto& [k, v] : new_selector) shown.set(k, codec::node::string(v));
      // A selector removed whole is Go's nil map, which json.Marshal prints as null.
      out.push_back(
          {"spec.nodeSelector",
           "Invalid value: " +
               (new_selector.empty() ? std::string("null") : codec::to_json_escaped(shown)) +
               ": only additions to spec.nodeSelector are allowed "
               "(no mutations or deletions)"});
      break;
    }
  }
  spec.setNodeSelector(before.getNodeSelector());

  bool old_affinity = before.hasAffinity() && before.getAffinity().hasNodeAffinity();
  bool new_affinity = after.hasAffinity() && after.getAffinity().hasNodeAffinity();
  if (old_affinity == new_affinity &&
      (!old_affinity ||
       same(before.getAffinity().getNodeAffinity(), after.getAffinity().getNodeAffinity())))
    return;
  auto old_terms = required_terms(before), new_terms = required_terms(after);
  const std::string terms_path =
      "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms";
  if (old_terms.size() > 0 && old_terms.size() != new_terms.size()) {
    auto shown = codec::node::list();
    for (auto t : new_terms) shown.push(go_term(t));
    out.push_back(
        {terms_path,
         "Invalid value: " +
             (new_terms.size() == 0 ? std::string("null") : codec::to_json_escaped(shown)) +
             ": no additions/deletions to non-empty NodeSelectorTerms list are allowed"});
  } else {
    for (unsigned i = 0; i < old_terms.size(); ++i)
      if (!only_additions(old_terms[i], new_terms[i]))
        out.push_back({terms_path + "[" + std::to_string(i) + "]",
                       "Invalid value: " + codec::to_json_escaped(go_term(new_terms[i])) +
                           ": only additions are allowed (no mutations or deletions)"});
  }
  bool other_affinity = after.hasAffinity() && (after.getAffinity().hasPodAffinity() ||
                                                after.getAffinity().hasPodAntiAffinity());
  if (!after.hasAffinity()) {
    if (old_affinity) spec.initAffinity().setNodeAffinity(before.getAffinity().getNodeAffinity());
  } else if (!before.hasAffinity() && !other_affinity) {
    spec.disownAffinity();
  } else if (old_affinity) {
    spec.getAffinity().setNodeAffinity(before.getAffinity().getNodeAffinity());
  } else {
    spec.getAffinity().disownNodeAffinity();
  }
}

// Kubernetes' validateOnlyDeletedSchedulingGates: a gate may go, none may come.
void only_deleted_gates(k8s::PodSpec::Reader before, k8s::PodSpec::Reader after,
                        std::vector<field_error>& out) {
  std::set<std::string> had;
  for (auto gate : before.getSchedulingGates()) had.insert(text_string(gate.getName()));
  auto gates = after.getSchedulingGates();
  for (unsigned i = 0; i < gates.size(); ++i) {
    std::string name = text_string(gates[i].getName());
    if (!had.count(name))
      out.push_back(
          {"spec.schedulingGates[" + std::to_string(i) + "].name",
           "Forbidden: only deletion is allowed, but found new scheduling gate '" + name + "'"});
  }
}

// A pod may change its images, shorten (or set) its deadline, add tolerations and drop
// scheduling gates, and while gated narrow where it may run; nothing else in its spec.
void validate_pod_update(k8s::PodSpec::Reader before, k8s::PodSpec::Reader after,
                         std::vector<field_error>& out) {
  only_deleted_gates(before, after, out);
  capnp::MallocMessageBuilder scratch;
  scratch.setRoot(after);
  auto spec = scratch.getRoot<k8s::PodSpec>();
  spec.setSchedulingGates(before.getSchedulingGates());
  if (before.getSchedulingGates().size() > 0) narrow_gated_placement(before, after, spec, out);
  auto keep_images = [](capnp::List<k8s::Container>::Reader from,
                        capnp::List<k8s::Container>::Builder to) {
    if (from.size() != to.size()) return;
    for (unsigned i = 0; i < to.size(); ++i) to[i].setImage(from[i].getImage());
  };
  keep_images(before.getContainers(), spec.getContainers());
  keep_images(before.getInitContainers(), spec.getInitContainers());

  auto old_deadline = before.getActiveDeadlineSeconds(),
       new_deadline = after.getActiveDeadlineSeconds();
  if (!old_deadline.isUnset() && new_deadline.isUnset())
    out.push_back({"spec.activeDeadlineSeconds",
                   "Invalid value: \"null\": must not update from a positive integer to nil value"});
  else if (!old_deadline.isUnset() && new_deadline.getValue() > old_deadline.getValue())
    out.push_back(
        {"spec.activeDeadlineSeconds", "Invalid value: " + std::to_string(new_deadline.getValue()) +
                                           ": must be less than or equal to previous value"});
  if (old_deadline.isUnset())
    spec.getActiveDeadlineSeconds().setUnset();
  else
    spec.getActiveDeadlineSeconds().setValue(old_deadline.getValue());

  bool only_added = true;
  for (auto t : before.getTolerations())
    only_added = only_added && still_tolerated(after.getTolerations(), t);
  if (only_added) spec.setTolerations(before.getTolerations());

  if (!same(before, spec.asReader()))
    out.push_back({"spec",
                   "Forbidden: pod updates may not change fields other than "
                   "`spec.containers[*].image`,`spec.initContainers[*].image`,"
                   "`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing "
                   "tolerations)"});
}

template <class Spec>
void selector_immutable(Spec before, Spec after, std::vector<field_error>& out) {
  immutable(same(before.getSelector(), after.getSelector()), "spec.selector", out);
}

void validate_stateful_set_update(k8s::StatefulSetSpec::Reader before,
                                  k8s::StatefulSetSpec::Reader after,
                                  std::vector<field_error>& out) {
  if (!same_except(capnp::toDynamic(before), capnp::toDynamic(after),
                   {"replicas", "ordinals", "template", "updateStrategy",
                    "persistentVolumeClaimRetentionPolicy", "minReadySeconds"}))
    out.push_back(
        {"spec",
         "Forbidden: updates to statefulset spec for fields other than 'replicas', "
         "'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' "
         "and 'minReadySeconds' are forbidden"});
}

// A Job's template is fixed, except that while it is suspended and has never started, what
// decides where its pods run may change (Kubernetes' mutable scheduling directives): the
// template's labels, annotations, node selector, tolerations and affinity.
bool same_template(k8s::Job::Reader old_job, k8s::PodTemplateSpec::Reader before,
                   k8s::PodTemplateSpec::Reader after) {
  auto suspend = old_job.getSpec().getSuspend();
  bool never_started = old_job.getStatus().getStartTime() == 0;
  if (suspend.isUnset() || !suspend.getValue() || !never_started) return same(before, after);
  capnp::MallocMessageBuilder scratch;
  scratch.setRoot(after);
  auto masked = scratch.getRoot<k8s::PodTemplateSpec>();
  masked.getMetadata().setLabels(before.getMetadata().getLabels());
  masked.getMetadata().setAnnotations(before.getMetadata().getAnnotations());
  return same_except(capnp::toDynamic(before.getSpec()), capnp::toDynamic(masked.getSpec().asReader()),
                     {"nodeSelector", "tolerations", "affinity"}) &&
         same(before.getMetadata(), masked.getMetadata().asReader());
}

void validate_job_update(k8s::Job::Reader old_job, k8s::Job::Reader new_job,
                         std::vector<field_error>& out) {
  auto before = old_job.getSpec(), after = new_job.getSpec();
  selector_immutable(before, after, out);
  immutable(same_template(old_job, before.getTemplate(), after.getTemplate()), "spec.template", out);
  auto new_completions = after.getCompletions();
  // ElasticIndexedJob (on since Kubernetes 1.27): an Indexed Job's completions change with its
  // parallelism; an Indexed Job without completions is refused by validation already.
  bool indexed = after.getCompletionMode() == k8s::CompletionMode::INDEXED;
  if (!same(before.getCompletions(), new_completions)) {
    if (!indexed) immutable(false, "spec.completions", out);
    else if (!new_completions.isUnset() &&
             (after.getParallelism().isUnset() || new_completions.getValue() != after.getParallelism().getValue()))
      out.push_back({"spec.completions", "Invalid value: " + std::to_string(new_completions.getValue()) +
                                             ": can only be modified in tandem with spec.parallelism"});
  }
  immutable(before.getCompletionMode() == after.getCompletionMode(), "spec.completionMode", out);
  immutable(before.hasPodFailurePolicy() == after.hasPodFailurePolicy() &&
                same(before.getPodFailurePolicy(), after.getPodFailurePolicy()),
            "spec.podFailurePolicy", out);
  immutable(same(before.getBackoffLimitPerIndex(), after.getBackoffLimitPerIndex()), "spec.backoffLimitPerIndex", out);
}

// ConfigMaps and Secrets marked immutable keep their data, and stay immutable.
template <class Object>
bool validate_immutable_data(Object before, Object after, std::vector<field_error>& out) {
  auto was = before.getImmutable();
  if (was.isUnset() || !was.getValue()) return false;
  auto now = after.getImmutable();
  if (now.isUnset() || !now.getValue())
    out.push_back({"immutable", "Forbidden: field is immutable when `immutable` is set"});
  if (!same_list(before.getData(), after.getData()))
    out.push_back({"data", "Forbidden: field is immutable when `immutable` is set"});
  return true;
}

std::optional<quantity> requested_storage(k8s::PersistentVolumeClaimSpec::Reader spec) {
  for (auto e : spec.getResources().getRequests())
    if (e.getKey() == "storage") return quantity::parse(text_view(e.getValue()));
  return std::nullopt;
}

// Kubernetes' ValidatePersistentVolumeClaimUpdate: the spec is fixed but for a volume given to
// an unbound claim and, once bound, the storage it requests; that never shrinks.
void validate_claim_update(k8s::PersistentVolumeClaim::Reader before_claim,
                           k8s::PersistentVolumeClaim::Reader after_claim,
                           std::vector<field_error>& out) {
  auto before = before_claim.getSpec(), after = after_claim.getSpec();
  bool bound = before_claim.getStatus().getPhase() == k8s::ClaimPhase::BOUND;
  bool unnamed = before.getVolumeName().size() == 0;
  std::vector<const char*> open;
  if (bound) open.push_back("resources");
  if (unnamed) open.push_back("volumeName");
  if (!same_except(capnp::toDynamic(before), capnp::toDynamic(after), open))
    out.push_back({"spec",
                   "Forbidden: spec is immutable after creation except resources.requests for "
                   "bound claims"});
  auto old_size = requested_storage(before), new_size = requested_storage(after);
  if (old_size && new_size && *new_size < *old_size)
    out.push_back({"spec.resources.requests.storage",
                   "Forbidden: field can not be less than previous value"});
}

void validate_service_update(k8s::ServiceSpec::Reader before, k8s::ServiceSpec::Reader after,
                             std::vector<field_error>& out) {
  // Switching to or from ExternalName releases or allocates the address.
  bool external = before.getType() == k8s::ServiceType::EXTERNAL_NAME ||
                  after.getType() == k8s::ServiceType::EXTERNAL_NAME;
  if (!external && before.getClusterIP().size() != 0)
    immutable_text(before.getClusterIP(), after.getClusterIP(), "spec.clusterIP", out);
}

template <class Binding>
void validate_binding_update(Binding before, Binding after, std::vector<field_error>& out) {
  if (!same(before.getRoleRef(), after.getRoleRef()))
    out.push_back({"roleRef", "Invalid value: cannot change roleRef"});
}

}  // namespace

namespace {

bool external_type(k8s::ServiceType t) {
  return t == k8s::ServiceType::NODE_PORT || t == k8s::ServiceType::LOAD_BALANCER;
}

bool needs_health_check_port(k8s::ServiceSpec::Reader spec) {
  return spec.getType() == k8s::ServiceType::LOAD_BALANCER &&
         spec.getExternalTrafficPolicy() == k8s::TrafficPolicy::LOCAL;
}

// Kubernetes' dropTypeDependentFields: a type change lets go of what only the old type used,
// when the update left it as it was (so it was set for the old type, perhaps by defaulting),
// and a health check port still needed is kept as the node ports are.
void drop_type_dependent_fields(k8s::ServiceSpec::Reader old_spec, k8s::ServiceSpec::Builder new_spec) {
  auto old_type = old_spec.getType(), new_type = new_spec.getType();
  if (old_type != k8s::ServiceType::EXTERNAL_NAME && new_type == k8s::ServiceType::EXTERNAL_NAME) {
    bool same_families = old_spec.getIpFamilies().size() == new_spec.getIpFamilies().size();
    for (unsigned i = 0; same_families && i < old_spec.getIpFamilies().size(); ++i)
      same_families = old_spec.getIpFamilies()[i] == new_spec.getIpFamilies()[i];
    if (same_families) new_spec.disownIpFamilies();
    if (old_spec.getIpFamilyPolicy() == new_spec.getIpFamilyPolicy())
      new_spec.setIpFamilyPolicy(k8s::IpFamilyPolicy::UNSPECIFIED);
  }
  bool needed = needs_health_check_port(old_spec), needs = needs_health_check_port(new_spec.asReader());
  if (needed && !needs && new_spec.getHealthCheckNodePort() == old_spec.getHealthCheckNodePort())
    new_spec.setHealthCheckNodePort(0);
  if (needed && needs && new_spec.getHealthCheckNodePort() == 0)
    new_spec.setHealthCheckNodePort(old_spec.getHealthCheckNodePort());
  if (old_type == k8s::ServiceType::LOAD_BALANCER && new_type != k8s::ServiceType::LOAD_BALANCER) {
    auto old_allocate = old_spec.getAllocateLoadBalancerNodePorts();
    auto new_allocate = new_spec.getAllocateLoadBalancerNodePorts();
    if (old_allocate.isValue() && new_allocate.isValue() && old_allocate.getValue() == new_allocate.getValue())
      new_allocate.setUnset();
    if (old_spec.hasLoadBalancerClass() && new_spec.hasLoadBalancerClass() &&
        old_spec.getLoadBalancerClass() == new_spec.getLoadBalancerClass())
      new_spec.disownLoadBalancerClass();
  }
  if (external_type(old_type) && !external_type(new_type) &&
      old_spec.getExternalTrafficPolicy() == new_spec.getExternalTrafficPolicy())
    new_spec.setExternalTrafficPolicy(k8s::TrafficPolicy::UNSPECIFIED);
}

}  // namespace

void keep_allocated(const kind_info& kind, capnp::DynamicStruct::Reader before,
                    capnp::DynamicStruct::Builder after) {
  if (kind.kind != "Service") return;
  auto old_spec = before.as<k8s::Service>().getSpec();
  auto new_spec = after.as<k8s::Service>().getSpec();
  bool node_ports = new_spec.getType() == k8s::ServiceType::NODE_PORT ||
                    new_spec.getType() == k8s::ServiceType::LOAD_BALANCER;
  drop_type_dependent_fields(old_spec, new_spec);
  // A type that does not use what the old one was given lets it go, as Kubernetes does: the
  // address for ExternalName, the node ports for ClusterIP (unless the update names others).
  if (!node_ports)
    for (auto port : new_spec.getPorts())
      for (auto old_port : old_spec.getPorts())
        if (port.getNodePort() != 0 && port.getNodePort() == old_port.getNodePort())
          port.setNodePort(0);
  if (new_spec.getType() == k8s::ServiceType::EXTERNAL_NAME) {
    if (new_spec.getClusterIP().asReader() == old_spec.getClusterIP()) {
      new_spec.disownClusterIP();
      new_spec.disownClusterIPs();
    }
    return;
  }
  if (new_spec.getClusterIP().size() == 0 && old_spec.getClusterIP().size() != 0) {
    new_spec.setClusterIP(old_spec.getClusterIP());
    if (new_spec.getClusterIPs().size() == 0) new_spec.setClusterIPs(old_spec.getClusterIPs());
  }
  // A port keeps its node port unless the update names another; ports match by name, or by
  // port number when unnamed.
  auto new_ports = new_spec.getPorts();
  for (unsigned i = 0; node_ports && i < new_ports.size(); ++i) {
    if (new_ports[i].getNodePort() != 0) continue;
    for (auto old_port : old_spec.getPorts())
      if (old_port.getNodePort() != 0 && old_port.getName() == new_ports[i].getName() &&
          (new_ports[i].getName().size() != 0 || old_port.getPort() == new_ports[i].getPort())) {
        new_ports[i].setNodePort(old_port.getNodePort());
        break;
      }
  }
}

// Kubernetes' ValidatePersistentVolumeUpdate: the volume's source and mode are fixed.
void validate_volume_update(k8s::PersistentVolumeSpec::Reader before,
                            k8s::PersistentVolumeSpec::Reader after,
                            std::vector<field_error>& out) {
  using spec = k8s::PersistentVolumeSpec;
  bool same_source = before.which() == after.which();
  if (same_source && before.which() == spec::HOST_PATH)
    same_source = same(before.getHostPath(), after.getHostPath());
  if (same_source && before.which() == spec::LOCAL)
    same_source = same(before.getLocal(), after.getLocal());
  if (same_source && before.which() == spec::NFS)
    same_source = same(before.getNfs(), after.getNfs());
  if (same_source && before.which() == spec::CSI) {
    // A CSI volume may gain a controllerExpandSecretRef it did not have, and nothing else.
    capnp::MallocMessageBuilder scratch;
    scratch.setRoot(after.getCsi());
    auto changed = scratch.getRoot<k8s::CsiPersistentVolumeSource>();
    if (!before.getCsi().hasControllerExpandSecretRef()) changed.disownControllerExpandSecretRef();
    same_source = same(before.getCsi(), changed.asReader());
  }
  if (!same_source)
    out.push_back({"spec.persistentvolumesource",
                   "Forbidden: spec.persistentvolumesource is immutable after creation"});
  if (before.getVolumeMode() != after.getVolumeMode())
    out.push_back(
        {"volumeMode", "Invalid value: " + quote(validation_rules::json_of(after.getVolumeMode())) +
                           ": field is immutable"});
}

void validate_update(const kind_info& kind, capnp::DynamicStruct::Reader before,
                     capnp::DynamicStruct::Reader after, std::vector<field_error>& out) {
  const std::string& k = kind.kind;
  if (k == "Pod")
    validate_pod_update(before.as<k8s::Pod>().getSpec(), after.as<k8s::Pod>().getSpec(), out);
  else if (k == "Deployment")
    selector_immutable(before.as<k8s::Deployment>().getSpec(),
                       after.as<k8s::Deployment>().getSpec(), out);
  else if (k == "ReplicaSet")
    selector_immutable(before.as<k8s::ReplicaSet>().getSpec(),
                       after.as<k8s::ReplicaSet>().getSpec(), out);
  else if (k == "DaemonSet")
    selector_immutable(before.as<k8s::DaemonSet>().getSpec(), after.as<k8s::DaemonSet>().getSpec(),
                       out);
  else if (k == "StatefulSet")
    validate_stateful_set_update(before.as<k8s::StatefulSet>().getSpec(),
                                 after.as<k8s::StatefulSet>().getSpec(), out);
  else if (k == "Job")
    validate_job_update(before.as<k8s::Job>(), after.as<k8s::Job>(), out);
  else if (k == "ConfigMap") {
    auto old_map = before.as<k8s::ConfigMap>(), new_map = after.as<k8s::ConfigMap>();
    if (validate_immutable_data(old_map, new_map, out) &&
        !same_list(old_map.getBinaryData(), new_map.getBinaryData()))
      out.push_back({"binaryData", "Forbidden: field is immutable when `immutable` is set"});
  } else if (k == "Secret") {
    auto old_secret = before.as<k8s::Secret>(), new_secret = after.as<k8s::Secret>();
    immutable_text(old_secret.getType(), new_secret.getType(), "type", out);
    validate_immutable_data(old_secret, new_secret, out);
  } else if (k == "PersistentVolume")
    validate_volume_update(before.as<k8s::PersistentVolume>().getSpec(),
                           after.as<k8s::PersistentVolume>().getSpec(), out);
  else if (k == "PersistentVolumeClaim")
    validate_claim_update(before.as<k8s::PersistentVolumeClaim>(),
                          after.as<k8s::PersistentVolumeClaim>(), out);
  else if (k == "Service")
    validate_service_update(before.as<k8s::Service>().getSpec(), after.as<k8s::Service>().getSpec(),
                            out);
  else if (k == "RoleBinding")
    validate_binding_update(before.as<k8s::RoleBinding>(), after.as<k8s::RoleBinding>(), out);
  else if (k == "ClusterRoleBinding")
    validate_binding_update(before.as<k8s::ClusterRoleBinding>(),
                            after.as<k8s::ClusterRoleBinding>(), out);
  else if (k == "PriorityClass") {  // Kubernetes' ValidatePriorityClassUpdate
    auto old_class = before.as<k8s::PriorityClass>(), new_class = after.as<k8s::PriorityClass>();
    if (old_class.getValue() != new_class.getValue())
      out.push_back({"value", "Forbidden: may not be changed in an update."});
    if (old_class.getPreemptionPolicy() != new_class.getPreemptionPolicy())
      out.push_back(
          {"preemptionPolicy",
           "Invalid value: " + quote(preemption_policy_name(new_class.getPreemptionPolicy())) +
               ": field is immutable"});
  }
}

}  // namespace troupe
