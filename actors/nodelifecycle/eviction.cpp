// Taint eviction decisions: plain functions, no actors.

#include <algorithm>
#include <cstdint>

#include "actors/nodelifecycle/nodelifecycle.hpp"
#include "runtime/object/event.hpp"
#include "runtime/object/object.hpp"
#include "runtime/object/taints.hpp"
#include "schema/core.capnp.h"

namespace troupe {
namespace {

// Saturated: a toleration of many years (or a timeAdded far ahead) must not wrap round to "now".
int64_t seconds_after(int64_t since, int64_t seconds) {
  return since > INT64_MAX - seconds ? INT64_MAX : since + seconds;
}

// Kubernetes' Toleration.ToleratesTaint, for a NoExecute taint.
bool tolerates(k8s::Toleration::Reader t, const noexecute_taint& taint) {
  if (t.getEffect() != k8s::TaintEffect::UNSPECIFIED &&
      t.getEffect() != k8s::TaintEffect::NO_EXECUTE)
    return false;
  if (t.getKey().size() > 0 && text_view(t.getKey()) != taint.key) return false;
  if (t.getOperator() == k8s::TolerationOperator::EXISTS) return true;
  return text_view(t.getValue()) == taint.value;  // Equal, the default
}

}  // namespace

bool is_node_condition_taint(const noexecute_taint& taint) {
  return taint.key == unreachable_taint_key || taint.key == not_ready_taint_key;
}

std::vector<noexecute_taint> noexecute_taints(std::string_view node) {
  object_reader r(node);
  std::vector<noexecute_taint> out;
  for (auto t : r.as<k8s::Node>().getSpec().getTaints())
    if (t.getEffect() == k8s::TaintEffect::NO_EXECUTE)
      out.push_back({text_string(t.getKey()), text_string(t.getValue()), t.getTimeAdded()});
  return out;
}

std::optional<int64_t> eviction_time(const std::vector<noexecute_taint>& taints,
                                     std::string_view pod, int64_t not_before) {
  object_reader r(pod);
  auto tolerations = r.as<k8s::Pod>().getSpec().getTolerations();
  std::optional<int64_t> at;
  for (auto& taint : taints) {
    // The first toleration that fits is the one used, as in Kubernetes.
    bool tolerated = false;
    for (auto t : tolerations) {
      if (!tolerates(t, taint)) continue;
      tolerated = true;
      if (t.getTolerationSeconds().isValue()) {
        int64_t seconds = t.getTolerationSeconds().getValue();
        int64_t since = std::max(taint.since_seconds, not_before);
        int64_t due = seconds <= 0 ? 0 : seconds_after(since, seconds);
        at = at ? std::min(*at, due) : due;
      }
      break;
    }
    if (!tolerated) {
      // Admission gives every pod these tolerations (DefaultTolerationSeconds); a pod stored
      // before it did gets what it would have been given, not an eviction on the spot.
      if (!is_node_condition_taint(taint)) return 0;
      int64_t due = seconds_after(std::max(taint.since_seconds, not_before),
                                  condition_taint_toleration_seconds);
      at = at ? std::min(*at, due) : due;
    }
  }
  return at;
}

std::string eviction_event(std::string_view pod, int64_t now_micros, bool cancelled) {
  object_reader r(pod);
  std::string message = std::string(cancelled ? "Cancelling deletion of Pod " : "Marking for deletion Pod ") +
                        text_string(r.meta().getNamespace()) + "/" + text_string(r.meta().getName());
  return new_event(pod, "Pod",
                   {"Normal", "TaintManagerEviction", message, "taint-eviction-controller", "", ""},
                   now_micros, now_micros);
}

}  // namespace troupe
