#include "runtime/object/kinds.hpp"

#include <map>

#include "runtime/base/error.hpp"
#include "runtime/base/text.hpp"
#include "schema/apps.capnp.h"
#include "schema/batch.capnp.h"
#include "schema/coordination.capnp.h"
#include "schema/core.capnp.h"
#include "schema/meta.capnp.h"
#include "schema/networking.capnp.h"
#include "schema/rbac.capnp.h"
#include "schema/scheduling.capnp.h"

namespace troupe {
namespace {

constexpr uint64_t resource_annotation_id = 0x81ac5d91b8d09493ull;

// Field selectors Kubernetes supports per resource, beyond metadata.name/namespace.
const std::map<std::string, std::vector<std::string>>& extra_field_labels() {
  static const std::map<std::string, std::vector<std::string>> table = {
      {"pods",
       {"spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName",
        "spec.hostNetwork", "status.phase", "status.podIP", "status.nominatedNodeName"}},
      {"nodes", {"spec.unschedulable"}},
      {"namespaces", {"status.phase"}},
      {"secrets", {"type"}},
      {"events",
       {"involvedObject.kind", "involvedObject.namespace", "involvedObject.name",
        "involvedObject.uid", "involvedObject.apiVersion", "involvedObject.resourceVersion",
        "involvedObject.fieldPath", "reason", "reportingComponent", "type", "source.component"}},
      {"replicasets", {"status.replicas"}},
      {"jobs", {"status.succeeded"}},
      {"services", {"spec.clusterIP", "spec.type"}},
  };
  return table;
}

std::string singular_of(const std::string& kind) { return to_lower(kind); }

}  // namespace

std::string kind_info::api_version() const {
  return group.empty() ? version : group + "/" + version;
}

std::string kind_info::resource() const { return group.empty() ? plural : plural + "." + group; }

std::string kind_info::group_kind() const {
  return group.empty() ? kind : kind + "." + group;
}

std::string kind_info::singular_resource() const {
  return group.empty() ? singular : singular + "." + group;
}

const codec::wire_shape& kind_info::wire() const {
  std::call_once(wire_once_, [this] { wire_ = std::make_unique<codec::wire_shape>(schema); });
  return *wire_;
}

void kind_registry::add(capnp::StructSchema schema) {
  auto proto = schema.getProto();
  for (auto annotation : proto.getAnnotations()) {
    if (annotation.getId() != resource_annotation_id) continue;
    auto resource = annotation.getValue().getStruct().getAs<k8s::ResourceInfo>();
    auto info = std::make_unique<kind_info>();
    info->group = resource.getGroup();
    info->version = resource.getVersion();
    info->kind = schema.getShortDisplayName();
    info->plural = resource.getPlural();
    info->singular = singular_of(info->kind);
    for (auto s : resource.getShortNames()) info->short_names.emplace_back(s);
    for (auto s : resource.getCategories()) info->categories.emplace_back(s);
    info->namespaced = resource.getNamespaced();
    info->tracks_generation = resource.getGeneration();
    info->schema = schema;
    info->api_version_field = schema.getFieldByName("apiVersion");
    info->kind_field = schema.getFieldByName("kind");
    info->has_status = schema.findFieldByName("status") != nullptr;
    info->field_labels = {"metadata.name"};
    if (info->namespaced) info->field_labels.push_back("metadata.namespace");
    auto extra = extra_field_labels().find(info->plural);
    if (extra != extra_field_labels().end())
      info->field_labels.insert(info->field_labels.end(), extra->second.begin(),
                                extra->second.end());
    kinds_.push_back(std::move(info));
    return;
  }
  TROUPE_ASSERT(false, std::string("schema has no $resource annotation: ") +
                           schema.getProto().getDisplayName().cStr());
}

const kind_info* kind_registry::find(std::string_view api_version, std::string_view kind) const {
  for (auto& k : kinds_)
    if (k->kind == kind && k->api_version() == api_version) return k.get();
  return nullptr;
}

const kind_info* kind_registry::find_by_resource(std::string_view resource) const {
  for (auto& k : kinds_)
    if (k->resource() == resource) return k.get();
  return nullptr;
}

const kind_info* kind_registry::find_resource(std::string_view text) const {
  std::string name = to_lower(text);
  auto named = [&](const kind_info& k) {
    if (k.plural == name || k.singular == name) return true;
    for (auto& s : k.short_names)
      if (s == name) return true;
    return false;
  };
  auto dot = name.find('.');
  if (dot == std::string::npos) {
    for (auto& k : kinds_)
      if (named(*k)) return k.get();
    return nullptr;
  }
  std::string group = name.substr(dot + 1);
  name = name.substr(0, dot);
  // As kubectl's ParseResourceArg: resource.version.group ("deployments.v1.apps") first, then
  // resource.group ("deployments.apps").
  if (auto second = group.find('.'); second != std::string::npos) {
    std::string version = group.substr(0, second), rest = group.substr(second + 1);
    for (auto& k : kinds_)
      if (k->group == rest && k->version == version && named(*k)) return k.get();
  }
  for (auto& k : kinds_)
    if (k->group == group && named(*k)) return k.get();
  return nullptr;
}

kind_registry builtin_kinds() {
  kind_registry r;
  r.add(capnp::Schema::from<k8s::Namespace>());
  r.add(capnp::Schema::from<k8s::Pod>());
  r.add(capnp::Schema::from<k8s::Node>());
  r.add(capnp::Schema::from<k8s::Service>());
  r.add(capnp::Schema::from<k8s::Endpoints>());
  r.add(capnp::Schema::from<k8s::ConfigMap>());
  r.add(capnp::Schema::from<k8s::Secret>());
  r.add(capnp::Schema::from<k8s::ServiceAccount>());
  r.add(capnp::Schema::from<k8s::Event>());
  r.add(capnp::Schema::from<k8s::PersistentVolume>());
  r.add(capnp::Schema::from<k8s::PersistentVolumeClaim>());
  r.add(capnp::Schema::from<k8s::Lease>());
  r.add(capnp::Schema::from<k8s::ReplicaSet>());
  r.add(capnp::Schema::from<k8s::Deployment>());
  r.add(capnp::Schema::from<k8s::DaemonSet>());
  r.add(capnp::Schema::from<k8s::StatefulSet>());
  r.add(capnp::Schema::from<k8s::Job>());
  r.add(capnp::Schema::from<k8s::CronJob>());
  r.add(capnp::Schema::from<k8s::Ingress>());
  r.add(capnp::Schema::from<k8s::Role>());
  r.add(capnp::Schema::from<k8s::RoleBinding>());
  r.add(capnp::Schema::from<k8s::ClusterRole>());
  r.add(capnp::Schema::from<k8s::ClusterRoleBinding>());
  r.add(capnp::Schema::from<k8s::PriorityClass>());
  return r;
}

}  // namespace troupe
