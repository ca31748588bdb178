#include "runtime/object/pod_condition.hpp"

#include <string>

#include "runtime/object/object.hpp"

namespace troupe {

std::string condition_status_text(k8s::ConditionStatus status) {
  return status == k8s::ConditionStatus::IS_TRUE ? "True" : status == k8s::ConditionStatus::IS_FALSE ? "False" : "Unknown";
}

k8s::ConditionStatus condition_status_named(std::string_view text) {
  return text == "True" ? k8s::ConditionStatus::IS_TRUE
                        : text == "False" ? k8s::ConditionStatus::IS_FALSE : k8s::ConditionStatus::IS_UNKNOWN;
}

void set_pod_condition(k8s::Pod::Builder pod, std::string_view type, k8s::ConditionStatus status,
                       std::string_view reason, std::string_view message, int64_t now_seconds) {
  auto pod_status = pod.getStatus();
  auto orphan = pod_status.disownConditions();  // the old list, alive until this returns
  auto old = orphan.getReader();
  unsigned at = old.size();
  for (unsigned i = 0; i < old.size(); ++i)
    if (text_view(old[i].getType()) == type) at = i;
  auto conds = pod_status.initConditions(old.size() + (at == old.size() ? 1 : 0));
  for (unsigned i = 0; i < old.size(); ++i)
    if (i != at) conds.setWithCaveats(i, old[i]);
  auto c = conds[at];
  bool same = at < old.size() && old[at].getStatus() == status;
  c.setType(std::string(type));
  c.setStatus(status);
  if (!reason.empty()) c.setReason(std::string(reason));
  if (!message.empty()) c.setMessage(std::string(message));
  c.setLastTransitionTime(same ? old[at].getLastTransitionTime() : now_seconds);
}

}  // namespace troupe
