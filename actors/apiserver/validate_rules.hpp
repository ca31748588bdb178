#pragma once
// Validation shared inside the API server (validate.cpp, validate_pod.cpp, admission.cpp): the
// rules of a pod spec and of labels and annotations, which workloads and every object reuse.

#include <cstddef>
#include <set>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "runtime/base/error.hpp"
#include "runtime/base/text.hpp"
#include "runtime/codec/schema_names.hpp"
#include "runtime/object/validation.hpp"
#include "schema/batch.capnp.h"
#include "schema/core.capnp.h"
#include "schema/networking.capnp.h"

namespace troupe::validation_rules {

// Kubernetes' field.Invalid: the value, then each reason it is wrong.
inline void add(std::vector<field_error>& out, const std::string& path, std::string_view value,
         const messages& found) {
  for (auto& m : found) out.push_back({path, "Invalid value: " + quote(value) + ": " + m});
}
inline void add(std::vector<field_error>& out, const std::string& path, int64_t value,
         const messages& found) {
  for (auto& m : found) out.push_back({path, "Invalid value: " + std::to_string(value) + ": " + m});
}

/// Tolerations, affinity and topology spread constraints (validate_scheduling.cpp).
void validate_scheduling(k8s::PodSpec::Reader spec, const std::string& path, std::vector<field_error>& out);

/// `provided`: volumes a mount may name beyond the spec's own (a StatefulSet's claim templates).
void validate_pod_spec(k8s::PodSpec::Reader spec, const std::string& path,
                       std::vector<field_error>& out, std::set<std::string> provided = {});

/// A map of labels (metadata.labels, a Service's selector, a pod's nodeSelector): keys as
/// qualified names and values as label values, both at `path`, as ValidateLabels reports them.
void validate_label_map(capnp::List<k8s::StringEntry>::Reader labels, const std::string& path,
                        std::vector<field_error>& out);

/// An object's labels and annotation keys (checked lower-cased, as Kubernetes does), under
/// `path` ("metadata"; "spec.template" for a pod template, as ValidatePodTemplateSpec names
/// them); returns the annotations' size in bytes. A
/// pod template's are checked as a pod's own: a workload whose pods could never be created is
/// refused when it is written.
size_t validate_labels_and_annotations(k8s::ObjectMeta::Reader meta, const std::string& path,
                                       std::vector<field_error>& out);

/// An enum value as Kubernetes spells it ("Never", "Block"); "" when unset.
template <class Enum>
std::string json_of(Enum value) {
  if (value == Enum::UNSPECIFIED) return "";
  auto schema = capnp::Schema::from<Enum>();
  return json_name(schema.getEnumerants()[static_cast<unsigned>(value)]);
}

/// An optional count at `path` that may not be negative.
template <class Optional, class = std::enable_if_t<std::is_class_v<Optional>>>
void non_negative(Optional value, const std::string& path, std::vector<field_error>& out) {
  if (!value.isUnset() && value.getValue() < 0) add(out, path, value.getValue(), {"must be greater than or equal to 0"});
}
/// A plain count (minReadySeconds) that may not be negative.
inline void non_negative(int64_t value, const std::string& path, std::vector<field_error>& out) {
  if (value < 0) add(out, path, value, {"must be greater than or equal to 0"});
}

/// A headless Service without a selector has no addresses of its own, so any address family
/// will do (Kubernetes' initIPFamilyFields treats it apart).
inline bool family_agnostic(k8s::ServiceSpec::Reader spec) {
  return spec.getClusterIP() == "None" && spec.getSelector().size() == 0;
}

/// A label selector at `path` as Kubernetes' ValidateLabelSelector: matchLabels' keys and
/// values, each expression's operator, key, values (as label values) and their count.
void validate_label_selector(k8s::LabelSelector::Reader selector, const std::string& path,
                             std::vector<field_error>& out);

/// A workload's selector under `path` ("spec"): required, and matching its template's labels.
void validate_selector(bool has, k8s::LabelSelector::Reader selector, k8s::PodTemplateSpec::Reader tmpl,
                       const std::string& path, std::vector<field_error>& out);

/// Services, Endpoints and Ingresses (validate_network.cpp).
void validate_service(k8s::Service::Reader service, std::vector<field_error>& out);
void validate_endpoints(k8s::Endpoints::Reader endpoints, std::vector<field_error>& out);
void validate_ingress(k8s::Ingress::Reader ingress, std::vector<field_error>& out);
void validate_ingress_create(k8s::Ingress::Reader ingress, std::vector<field_error>& out);

/// Persistent volumes and claims (validate_storage.cpp).
void validate_persistent_volume(k8s::PersistentVolume::Reader pv, std::vector<field_error>& out);
void validate_claim(k8s::PersistentVolumeClaim::Reader pvc, std::vector<field_error>& out);

/// Jobs and CronJobs (validate_batch.cpp).
void validate_job(k8s::Job::Reader job, std::vector<field_error>& out);
void validate_cron_job(k8s::CronJob::Reader cj, std::vector<field_error>& out);

}  // namespace troupe::validation_rules
