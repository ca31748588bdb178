#include "actors/scheduler/report.hpp"

#include <capnp/message.h>

#include "runtime/object/event.hpp"
#include "runtime/object/object.hpp"
#include "runtime/object/pod_condition.hpp"
#include "schema/core.capnp.h"

namespace troupe::sched {

std::string with_unschedulable(std::string_view stored, const std::string& message, int64_t now) {
  object_reader r(stored);
  capnp::MallocMessageBuilder m;
  m.setRoot(r.as<k8s::Pod>());
  auto pod = m.getRoot<k8s::Pod>();
  pod.getMetadata().disownResourceVersion();
  set_pod_condition(pod, "PodScheduled", k8s::ConditionStatus::IS_FALSE, "Unschedulable", message, now);
  if (pod.getStatus().getPhase() == k8s::PodPhase::UNSPECIFIED) pod.getStatus().setPhase(k8s::PodPhase::PENDING);
  return copy_to_bytes(m.getRoot<capnp::AnyStruct>().asReader());
}

std::string failed_scheduling_event(std::string_view stored, const std::string& message, int64_t now_micros) {
  return new_event(stored, "Pod", {"Warning", "FailedScheduling", message, "default-scheduler", "", ""},
                   now_micros, now_micros);
}

std::string scheduled_event(std::string_view pod, const std::string& key, const std::string& node, int64_t now_micros) {
  return new_event(pod, "Pod", {"Normal", "Scheduled", "Successfully assigned " + key + " to " + node, "default-scheduler", "", ""},
                   now_micros, now_micros);
}

}  // namespace troupe::sched
