#include "actors/scheduler/report.hpp"

#include <capnp/message.h>


#include "runtime/object/event.hpp"
#include "runtime/object/object.hpp"
#include "schema/core.capnp.h"

namespace troupe::sched {

std::string with_unschedulable(std::string_view stored, const std::string& message, int64_t now) {
  object_reader r(stored);
  auto old = r.as<k8s::Pod>().getStatus().getConditions();
  capnp::MallocMessageBuilder m;
  m.setRoot(r.as<k8s::Pod>());
  auto pod = m.getRoot<k8s::Pod>();
  pod.getMetadata().disownResourceVersion();
  unsigned keep = 0;
  int64_t since = now;
  for (auto c : old) {
    if (text_view(c.getType()) != "PodScheduled") ++keep;
    else if (c.getStatus() == k8s::ConditionStatus::IS_FALSE) since = c.getLastTransitionTime();
  }
  auto conds = pod.getStatus().initConditions(keep + 1);
  unsigned i = 0;
  for (auto c : old)
    if (text_view(c.getType()) != "PodScheduled") conds.setWithCaveats(i++, c);
  conds[i].setType("PodScheduled");
  conds[i].setStatus(k8s::ConditionStatus::IS_FALSE);
  conds[i].setReason("Unschedulable");
  conds[i].setMessage(message);
  conds[i].setLastProbeTime(0);
  conds[i].setLastTransitionTime(since);
  if (pod.getStatus().getPhase() == k8s::PodPhase::UNSPECIFIED) pod.getStatus().setPhase(k8s::PodPhase::PENDING);
  return copy_to_bytes(m.getRoot<capnp::AnyStruct>().asReader());
}

std::string failed_scheduling_event(std::string_view stored, const std::string& message, int64_t now_micros) {
  return new_event(stored, "Pod", {"Warning", "FailedScheduling", message, "default-scheduler", "", ""},
                   now_micros, now_micros);
}

}  // namespace troupe::sched
