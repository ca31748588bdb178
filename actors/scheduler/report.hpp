#pragma once
// What the scheduler writes about a pod no node fits: PodScheduled=False (reason
// Unschedulable) with kube-scheduler's message, and a FailedScheduling Warning event.

#include <cstdint>
#include <string>
#include <string_view>

namespace troupe::sched {

/// `pod` with PodScheduled=False, reason Unschedulable and `message` in its status (the
/// resourceVersion cleared: status is the scheduler's to write here).
std::string with_unschedulable(std::string_view pod, const std::string& message, int64_t now_seconds);

/// A FailedScheduling Event about `pod` (named <pod>.<hex time>, as kube-scheduler names them).
std::string failed_scheduling_event(std::string_view pod, const std::string& message, int64_t now_micros);

}  // namespace troupe::sched
