#pragma once
// One place that writes a pod condition, for every component that sets one, and the spelling
// of a condition's status ("True", "False", "Unknown") every component reads and writes.

#include <cstdint>
#include <string>
#include <string_view>

#include "schema/core.capnp.h"

namespace troupe {

/// Sets the condition `type` in `pod`'s status, in its place or added last. Its
/// lastTransitionTime stays when its status does not change, else becomes `now_seconds`.
void set_pod_condition(k8s::Pod::Builder pod, std::string_view type, k8s::ConditionStatus status,
                       std::string_view reason, std::string_view message, int64_t now_seconds);

/// "True", "False" or "Unknown".
std::string condition_status_text(k8s::ConditionStatus status);
/// The status "True" or "False" names; anything else is Unknown.
k8s::ConditionStatus condition_status_named(std::string_view text);

}  // namespace troupe
