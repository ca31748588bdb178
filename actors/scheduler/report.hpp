#pragma once
// What the scheduler writes about a pod: PodScheduled=False (reason Unschedulable) with
// kube-scheduler's message and a FailedScheduling Warning event when no node fits; a Scheduled
// event once it is bound.

#include <cstdint>
#include <string>
#include <string_view>

namespace troupe::sched {

/// `pod` with PodScheduled=False, reason Unschedulable and `message` in its status (the
/// resourceVersion cleared: status is the scheduler's to write here).
std::string with_unschedulable(std::string_view pod, const std::string& message, int64_t now_seconds);

/// A FailedScheduling Event about `pod` (named <pod>.<hex time>, as kube-scheduler names them).
std::string failed_scheduling_event(std::string_view pod, const std::string& message, int64_t now_micros);

/// kube-scheduler's Scheduled Event about the bound `pod` ("ns/name" in `key`): "Successfully
/// assigned default/web to node-1".
std::string scheduled_event(std::string_view pod, const std::string& key, const std::string& node, int64_t now_micros);

}  // namespace troupe::sched
