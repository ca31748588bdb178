#pragma once
// The PodStatus a pod worker reports, built from its model (plain functions, no actors).

#include <string>
#include <string_view>

#include "actors/kubelet/model.hpp"
#include "schema/core.capnp.h"

namespace troupe::kubelet {

/// `pod` (the stored object) with its status replaced by what `model` says; condition
/// transition times kept from the stored status where a condition did not change, and the
/// conditions others own kept. The resourceVersion stays: a condition someone else wrote since
/// is not overwritten, the write fails (Conflict) and is made again from the pod as it is then.
/// `conditional` false: the resourceVersion is cleared, the write goes on top of what is stored.
std::string with_pod_status(std::string_view pod, const pod_model& model, int64_t now_seconds,
                            bool conditional = true);

/// The same status as a comparable text, to skip writes that change nothing.
std::string status_fingerprint(const pod_model& model);

/// A fresh model for `pod`'s spec: its containers waiting, its restart policy, QoS class.
pod_model model_of(k8s::Pod::Reader pod);

/// The pod's readiness gates with their conditions' status as stored.
std::vector<pod_model::readiness_gate> readiness_gates_of(k8s::Pod::Reader pod);

}  // namespace troupe::kubelet
