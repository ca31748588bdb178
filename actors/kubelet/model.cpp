#include "actors/kubelet/model.hpp"

#include <algorithm>

#include "runtime/base/text.hpp"

namespace troupe::kubelet {

bool should_restart(restart_policy policy, const terminated_info& t, const container_model& c) {
  if (c.sidecar) return true;
  bool failed = t.exit_code != 0;
  // An init container runs to success: under Always it is retried like OnFailure.
  if (c.init) return failed && policy != restart_policy::never;
  switch (policy) {
    case restart_policy::always: return true;
    case restart_policy::on_failure: return failed;
    case restart_policy::never: return false;
  }
  return false;
}

int64_t restart_backoff_ms(int32_t level) {
  if (level <= 0) return 0;
  int64_t ms = 10000;
  for (int32_t i = 1; i < level && ms < 300000; ++i) ms *= 2;
  return std::min<int64_t>(ms, 300000);
}

std::string exit_reason(int32_t exit_code, bool oom_killed) {
  if (oom_killed) return "OOMKilled";
  return exit_code == 0 ? "Completed" : "Error";
}

bool completed(const container_model& c) {
  return c.state == container_model::phase::terminated && c.terminated && c.terminated->exit_code == 0;
}

bool any_container_started(const pod_model& pod) {
  for (auto& c : pod.containers)
    if (c.state != container_model::phase::waiting) return true;
  return false;
}

bool containers_done(const pod_model& pod) {
  if (pod.containers.empty()) return false;
  for (auto& c : pod.containers)
    if (c.state != container_model::phase::terminated || !c.terminated || c.changed ||
        should_restart(pod.policy, *c.terminated, c))
      return false;
  return true;
}

bool pod_finished(const pod_model& pod) {
  if (containers_done(pod)) return true;
  if (pod.policy != restart_policy::never) return false;
  for (auto& c : pod.init_containers)
    if (!c.sidecar && c.state == container_model::phase::terminated && c.terminated && c.terminated->exit_code != 0)
      return true;
  return false;
}

namespace {

bool init_complete(const container_model& c) {
  if (c.sidecar) return c.state == container_model::phase::running && c.started;
  return completed(c);
}

// As the prober manager's UpdatePodStatus: not ready until started (its startup probe passed).
bool unready(const container_model& c) {
  return c.state != container_model::phase::running || !c.started || !c.ready;
}

}  // namespace

bool initialized(const pod_model& pod) {
  if (any_container_started(pod)) return true;
  for (auto& c : pod.init_containers)
    if (!init_complete(c)) return false;
  return true;
}

namespace {

// Sidecars count as the pod's containers do, listed first.
bool all_ready(const pod_model& pod) {
  if (pod.containers.empty()) return false;
  for (auto& c : pod.init_containers)
    if (c.sidecar && unready(c)) return false;
  for (auto& c : pod.containers)
    if (unready(c)) return false;
  return true;
}

std::string not_ready_message(const pod_model& pod, const char* what) {
  std::vector<std::string> names;
  for (auto& c : pod.init_containers)
    if (c.sidecar && unready(c)) names.push_back(c.name);
  for (auto& c : pod.containers)
    if (unready(c)) names.push_back(c.name);
  std::string list;
  for (size_t i = 0; i < names.size(); ++i) list += (i ? " " : "") + names[i];
  return std::string(what) + " with unready status: [" + list + "]";
}

// Kubernetes' getPhase: what the containers say about the pod. A sidecar running counts as a
// running container; one that ended or is restarting after it ran counts for nothing.
std::string phase_of(const pod_model& pod) {
  using phase = container_model::phase;
  int pending_init = 0, failed_init = 0, running = 0, waiting = 0, succeeded = 0, failed = 0;
  for (auto& c : pod.init_containers) {
    if (c.sidecar) {
      if (c.state == phase::running) {
        if (!c.started) ++pending_init;
        ++running;
      } else if (c.state == phase::waiting && !c.last) {
        ++pending_init;
        ++waiting;
      }
    } else if (c.state == phase::terminated) {
      if (!c.terminated || c.terminated->exit_code != 0) ++failed_init;
    } else if (c.state == phase::waiting && c.last) {
      if (c.last->exit_code != 0) ++failed_init;
    } else {
      ++pending_init;
    }
  }
  if (failed_init > 0 && pod.policy == restart_policy::never) return "Failed";
  if (pending_init > 0 && !any_container_started(pod)) return "Pending";
  for (auto& c : pod.containers) {
    switch (c.state) {
      case phase::running: ++running; break;
      case phase::waiting:
        // A container waiting to restart after it ran counts as running: the pod is up. In a
        // terminal pod it is not restarted and counts as stopped, not succeeded (getPhase).
        if (c.last && pod.terminal) ++failed;
        else if (c.last) ++running;
        else ++waiting;
        break;
      case phase::terminated:
        if (c.changed)
          ++running;  // stopped for a new image: it starts again at once
        else if (c.terminated && c.terminated->exit_code == 0)
          ++succeeded;
        else ++failed;
        break;
    }
  }
  if (waiting > 0) return "Pending";
  if (running > 0) return "Running";
  if (failed + succeeded == 0) return "Pending";
  // Every container has stopped: Kubernetes' getPhase, in its order. A pod that restarts its
  // containers is Running between a container's end and its restart, even when each ended
  // with 0: a terminal phase, once reported, frees the pod's requests on its node for the
  // scheduler, and no terminal phase may be left again.
  if (pod.terminal) return failed == 0 ? "Succeeded" : "Failed";
  if (pod.policy == restart_policy::always) return "Running";
  if (failed == 0) return "Succeeded";
  return pod.policy == restart_policy::never ? "Failed" : "Running";  // OnFailure: restarting
}

}  // namespace

pod_status_model compute_pod_status(const pod_model& pod) {
  pod_status_model s;
  s.phase = pod.failed_reason.empty() ? phase_of(pod) : "Failed";
  s.reason = pod.failed_reason;
  s.message = pod.failed_message;
  // The kubelet's order (1.29): PodReadyToStartContainers, Initialized, Ready,
  // ContainersReady, PodScheduled. The sandbox is ready once the pod has its address.
  // A finished pod's sandbox is gone.
  bool sandbox = !pod.pod_ip.empty() && s.phase != "Succeeded" && s.phase != "Failed";
  s.conditions.push_back({"PodReadyToStartContainers", sandbox ? "True" : "False", "", ""});
  bool init = initialized(pod);
  if (init) {
    s.conditions.push_back({"Initialized", "True", "", ""});
  } else {
    std::string names;
    for (auto& c : pod.init_containers)
      if (!init_complete(c)) names += (names.empty() ? "" : " ") + c.name;
    s.conditions.push_back({"Initialized", "False", "ContainersNotInitialized",
                            "containers with incomplete status: [" + names + "]"});
  }
  bool ready = init && all_ready(pod);
  bool done = s.phase == "Succeeded" || s.phase == "Failed";
  if (ready) {
    // Kubernetes' GeneratePodReadyCondition: ready containers, and every readiness gate True.
    std::vector<std::string> unready;
    for (auto& gate : pod.readiness_gates) {
      if (gate.status.empty())
        unready.push_back("corresponding condition of pod readiness gate \"" + gate.type + "\" does not exist.");
      else if (gate.status != "True")
        unready.push_back("the status of pod readiness gate \"" + gate.type + "\" is not \"True\", but " + gate.status);
    }
    if (unready.empty())
      s.conditions.push_back({"Ready", "True", "", ""});
    else
      s.conditions.push_back({"Ready", "False", "ReadinessGatesNotReady", join(unready, ", ")});
    s.conditions.push_back({"ContainersReady", "True", "", ""});
  } else {
    std::string reason = !done ? "ContainersNotReady" : s.phase == "Failed" ? "PodFailed" : "PodCompleted";
    s.conditions.push_back({"Ready", "False", reason, done ? "" : not_ready_message(pod, "containers")});
    s.conditions.push_back({"ContainersReady", "False", reason,
                            done ? "" : not_ready_message(pod, "containers")});
  }
  s.conditions.push_back({"PodScheduled", pod.scheduled ? "True" : "False", "", ""});
  return s;
}

bool may_start(const container_model& c) {
  return c.state == container_model::phase::waiting && !c.starting && c.waiting_reason != "CrashLoopBackOff" &&
         c.waiting_reason != "CreateContainerConfigError" && c.waiting_reason != "CreateContainerError";
}

std::vector<container_ref> containers_to_start(const pod_model& pod) {
  std::vector<container_ref> starts;
  // Once a container has run, the pod is initialized for good: a sidecar restarting holds
  // nothing back.
  bool ran = false;
  for (auto& c : pod.containers)
    ran = ran || c.state != container_model::phase::waiting || c.last || c.restart_count > 0;
  for (size_t i = 0; i < pod.init_containers.size(); ++i) {
    auto& c = pod.init_containers[i];
    if (c.sidecar) {
      if (may_start(c) && !pod.sidecars_stopping) starts.push_back({true, i});
      if (ran || (c.state == container_model::phase::running && c.started && !c.post_start_running)) continue;
      return starts;
    }
    if (completed(c)) continue;
    if (may_start(c)) starts.push_back({true, i});
    return starts;  // one at a time, in order
  }
  for (size_t i = 0; i < pod.containers.size(); ++i) {
    auto& c = pod.containers[i];
    bool start = may_start(c);
    if (start) starts.push_back({false, i});
    // A postStart hook that is starting or running holds the rest back.
    if (c.has_post_start && (start || c.starting || c.post_start_running)) break;
  }
  return starts;
}

bool sidecars_may_stop(const pod_model& pod) {
  for (auto* list : {&pod.init_containers, &pod.containers})
    for (auto& c : *list)
      if (!c.sidecar && (c.starting || c.state == container_model::phase::running)) return false;
  return true;
}

std::optional<size_t> next_sidecar_to_stop(const pod_model& pod) {
  for (size_t i = pod.init_containers.size(); i-- > 0;) {
    auto& c = pod.init_containers[i];
    if (!c.sidecar) continue;
    if (c.starting) return std::nullopt;  // stopped once it runs
    // One waiting to restart stays so, its last run its last state, as the kubelet leaves it.
    if (c.state != container_model::phase::running) continue;
    if (c.stop_sent) return std::nullopt;  // its turn is under way
    return i;
  }
  return std::nullopt;
}

int64_t active_deadline(int64_t start_time, int64_t deadline_seconds) {
  return start_time + std::min<int64_t>(deadline_seconds, INT32_MAX);
}

}  // namespace troupe::kubelet
