// The pod worker's startup, liveness and readiness probes, each run on a detached actor.
#include "actors/kubelet/pod_worker_state.hpp"

#include <caf/all.hpp>

#include "runtime/base/text.hpp"

namespace troupe::kubelet::worker {
namespace {

k8s::Probe::Reader probe_of(k8s::Container::Reader c, int32_t kind) {
  return kind == startup ? c.getStartupProbe() : kind == liveness ? c.getLivenessProbe() : c.getReadinessProbe();
}

bool has_probe(k8s::Container::Reader c, int32_t kind) {
  bool has = kind == startup ? c.hasStartupProbe() : kind == liveness ? c.hasLivenessProbe() : c.hasReadinessProbe();
  return has && !probe_of(c, kind).isUnset();
}

void schedule_probe(self_ptr self, const std::string& name, int32_t instance, int32_t kind, int64_t delay_ms) {
  self->delayed_send(self, std::chrono::milliseconds(delay_ms), probe_atom::value, name, instance, kind, false,
                     std::string("schedule"));
}

void run_probe_now(self_ptr self, bool init, size_t i, int32_t kind) {
  auto c = spec_of(self, init, i);
  auto& run = run_of(self, init, i);
  auto& m = model_of(self, init, i);
  std::string error;
  auto spec = probe_spec_of(probe_of(c, kind), c, self->state.model.pod_ip, error);
  auto me = caf::actor_cast<caf::actor>(self);
  std::string name = m.name;
  int32_t instance = run.instance;
  if (!spec) {
    caf::anon_send(me, probe_atom::value, name, instance, kind, true, "result:fail:" + error);
    return;
  }
  run_detached(self, *spec, run, [=](const probe_outcome& outcome) {
    caf::anon_send(me, probe_atom::value, name, instance, kind, true,
                   std::string(outcome.success ? "result:ok:" : "result:fail:") + outcome.message);
  });
}

const char* probe_title(int32_t kind) {
  return kind == startup ? "Startup" : kind == liveness ? "Liveness" : "Readiness";
}

void probe_result(self_ptr self, bool init, size_t i, int32_t kind, bool success, const std::string& message) {
  auto c = spec_of(self, init, i);
  auto& run = run_of(self, init, i);
  auto& m = model_of(self, init, i);
  auto timing = probe_timing_of(probe_of(c, kind));
  auto& p = run.probes[kind];
  if (success) {
    ++p.successes;
    p.failures = 0;
  } else {
    ++p.failures;
    p.successes = 0;
    record_event(self, "Warning", "Unhealthy", field_path(self, init, i),
                 std::string(probe_title(kind)) + " probe failed: " + message);
  }
  auto restart_for = [&](const char* probe) {
    p.enabled = false;
    record_event(self, "Normal", "Killing", field_path(self, init, i),
                 "Container " + m.name + " failed " + probe + " probe, will be restarted");
    // Stopped as the kubelet stops it, within the probe's own grace period if it has one;
    // restarted through the exit path.
    auto probe_grace = probe_of(c, kind).getTerminationGracePeriodSeconds();
    stop_container(self, init, i, !probe_grace.isUnset() ? probe_grace.getValue() * 1000 : spec_grace_ms_of(self));
  };
  if (kind == startup) {
    if (success) {
      m.started = true;
      p.enabled = false;
    } else if (p.failures >= timing.failure_threshold) {
      restart_for("startup");
    }
  } else if (kind == readiness) {
    if (success && p.successes >= timing.success_threshold) m.ready = true;
    if (!success && p.failures >= timing.failure_threshold) m.ready = false;
  } else if (!success && p.failures >= timing.failure_threshold) {
    restart_for("liveness");
  }
  if (p.enabled) schedule_probe(self, m.name, run.instance, kind, timing.period_ms);
  if (kind == startup && m.started && init) return reconcile(self);  // the next init container
  report(self);
}

}  // namespace

void schedule_probes(self_ptr self, bool init, size_t i) {
  if ((init && !model_of(self, init, i).sidecar) || node_of(self).hollow) return;
  auto c = spec_of(self, init, i);
  auto& run = run_of(self, init, i);
  auto& m = model_of(self, init, i);
  for (int32_t kind : {startup, liveness, readiness}) {
    run.probes[kind] = probe_state{has_probe(c, kind), 0, 0};
    if (run.probes[kind].enabled)
      schedule_probe(self, m.name, run.instance, kind, probe_timing_of(probe_of(c, kind)).initial_delay_ms);
  }
}

void handle_probe(self_ptr self, const std::string& name, int32_t instance, int32_t kind, bool is_result,
                  const std::string& text) {
  auto where = find(self, name);
  if (!where || self->state.terminating) return;
  auto [init, i] = *where;
  auto& run = run_of(self, init, i);
  auto& m = model_of(self, init, i);
  if (run.instance != instance || m.state != container_model::phase::running || !run.probes[kind].enabled) return;
  // Liveness and readiness wait for the startup probe to pass.
  if (kind != startup && !m.started) {
    if (!is_result) schedule_probe(self, name, instance, kind, 1000);
    return;
  }
  if (!is_result) return run_probe_now(self, init, i, kind);
  bool ok = starts_with(text, "result:ok:");
  probe_result(self, init, i, kind, ok, text.substr(ok ? 10 : 12));
}

}  // namespace troupe::kubelet::worker
