#pragma once
// Kubernetes' QoS class of a pod, from its containers' cpu and memory requests and limits.

#include "schema/core.capnp.h"

namespace troupe {

/// Guaranteed (every container limits cpu and memory, requests equal to the limits),
/// BestEffort (no container requests or limits either), else Burstable. Expects requests
/// already defaulted from limits, as the API server stores them.
k8s::QosClass qos_class(k8s::PodSpec::Reader spec);

/// "Guaranteed", "Burstable" or "BestEffort".
const char* qos_class_name(k8s::QosClass qos);

}  // namespace troupe
