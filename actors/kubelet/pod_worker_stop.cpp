// The pod worker, when a container ends (a restart by its policy, with backoff) and when the pod
// stops (preStop, SIGTERM, SIGKILL after the grace period, sidecars last).
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <caf/all.hpp>

#include "actors/kubelet/logs.hpp"
#include "actors/kubelet/pod_worker_state.hpp"
#include "runtime/base/text.hpp"
#include "runtime/base/time.hpp"
#include "runtime/process/cgroup.hpp"
#include "runtime/process/launcher.hpp"

namespace troupe::kubelet::worker {
namespace {

bool oom_killed(self_ptr self, const container_run& run, const exit_record& r) {
  return r.how == exit_record::kind::signaled && r.code == SIGKILL && node_of(self).groups->oom_kills(run.cgroup) > 0;
}

// What the container left to say about its end, as the kubelet reads it: the file at its
// terminationMessagePath (4 KiB at most; the default path is the node's own /dev, so only one
// the container names is read), else with FallbackToLogsOnError and a failure the end of its
// log (80 lines, 2 KiB at most).
std::string termination_message(self_ptr self, bool init, size_t i, int32_t exit_code) {
  auto c = spec_of(self, init, i);
  std::string path = text_string(c.getTerminationMessagePath());
  std::string message;
  if (!path.empty() && path != "/dev/termination-log") {
    // A regular file only, opened without waiting: the path is the pod's to choose, and a
    // FIFO or a terminal there must not hold this actor's thread.
    int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    struct stat info {};
    // Written by this run: a file a run before it left is not this one's message (each of
    // the kubelet's runs gets a fresh, empty file).
    bool fresh = fd >= 0 && ::fstat(fd, &info) == 0 && S_ISREG(info.st_mode) &&
                 static_cast<int64_t>(info.st_mtim.tv_sec) * 1000000 + info.st_mtim.tv_nsec / 1000 >=
                     run_of(self, init, i).launched_unix_us;
    if (fresh) {
      message.resize(4096);
      ssize_t got = ::read(fd, message.data(), message.size());
      message.resize(got > 0 ? static_cast<size_t>(got) : 0);
    }
    if (fd >= 0) ::close(fd);
  }
  if (message.empty() && exit_code != 0 &&
      c.getTerminationMessagePolicy() == k8s::TerminationMessagePolicy::FALLBACK_TO_LOGS_ON_ERROR) {
    auto& m = model_of(self, init, i);
    log_query q;
    q.tail = 80;
    message = read_log(container_log(log_dir(self, m.name), m.restart_count), q).text;
    if (message.size() > 2048) message = message.substr(message.size() - 2048);
  }
  return message;
}

bool anything_running(self_ptr self) {
  for (auto* models : {&self->state.model.init_containers, &self->state.model.containers})
    for (auto& m : *models)
      if (m.starting || m.state == container_model::phase::running) return true;
  return false;
}

// A sidecar whose turn comes when the grace period is over still gets this long after SIGTERM,
// as the kubelet's minimumGracePeriodInSeconds; so does a container whose preStop hook used up
// the grace period.
constexpr int64_t minimum_grace_ms = 2000;

// preStop hook (within the grace period), then SIGTERM; SIGKILL at once with no grace. Returns
// whether a hook runs: its end sends SIGTERM and times the run's SIGKILL (pre_stop_done).
bool signal_stop(self_ptr self, bool init, size_t i, int64_t grace_ms) {
  auto& run = run_of(self, init, i);
  pid_t pid = run.pid;
  if (pid <= 0) return false;
  auto c = spec_of(self, init, i);
  if (grace_ms <= 0 || !c.hasLifecycle() || !c.getLifecycle().hasPreStop()) {
    kill(-pid, grace_ms <= 0 ? SIGKILL : SIGTERM);
    return false;
  }
  std::string error;
  auto hook = handler_spec_of(c.getLifecycle().getPreStop(), c, self->state.model.pod_ip, error);
  auto me = caf::actor_cast<caf::actor>(self);
  std::string name = model_of(self, init, i).name;
  int32_t instance = run.instance;
  run.pre_stop_running = true;
  run.stop_deadline_ms = monotonic_millis() + grace_ms;
  if (!hook) {  // a handler that cannot run (a port name the container lacks) failed at once
    caf::anon_send(me, pre_stop_atom::value, name, instance, false);
    return true;
  }
  hook->timeout_ms = grace_ms;
  // SIGTERM is sent from the worker, to the run the hook was for if it still runs: by the time
  // a hook ends, its container may have exited and its process group id been reused.
  run_detached(self, *hook, run, [=](const probe_outcome& outcome) {
    caf::anon_send(me, pre_stop_atom::value, name, instance, outcome.success);
  });
  return true;
}

}  // namespace

// A container's end as its exit record tells it: terminated, its group gone.
void settle_exit(self_ptr self, bool init, size_t i) {
  auto& m = model_of(self, init, i);
  auto& run = run_of(self, init, i);
  auto record = read_exit_record(run.exit_file);
  bool oom = oom_killed(self, run, record);
  terminated_info t;
  t.exit_code = record.how == exit_record::kind::signaled ? 128 + record.code : record.code;
  // The exit code says it (128 + the signal); the kubelet, through CRI, never fills signal.
  if (record.how == exit_record::kind::unknown) t.exit_code = 137;  // killed with its shim
  t.reason = exit_reason(t.exit_code, oom);
  t.message = termination_message(self, init, i, t.exit_code);
  t.started_at = m.started_at;
  // When the shim wrote the record, not when this worker read it (after an agent restart,
  // much later).
  struct stat written {};
  t.finished_at = ::stat(run.exit_file.c_str(), &written) == 0 ? static_cast<int64_t>(written.st_mtime) : unix_seconds();
  t.container_id = m.container_id;
  m.state = container_model::phase::terminated;
  m.terminated = t;
  m.ready = false;
  node_of(self).groups->remove(run.cgroup);
  run.shim = run.pid = -1;
  // Ten minutes of good running earns a fresh backoff.
  if (monotonic_millis() - run.started_mono_ms >= backoff_reset_seconds * 1000) run.backoff_level = 0;
}

void container_exited(self_ptr self, const std::string& name, int32_t instance) {
  auto where = find(self, name);
  if (!where) return;
  auto [init, i] = *where;
  auto& m = model_of(self, init, i);
  auto& run = run_of(self, init, i);
  if (run.instance != instance || m.state != container_model::phase::running) return;
  settle_exit(self, init, i);
  after_termination(self, init, i);
}

void after_termination(self_ptr self, bool init, size_t i) {
  auto& m = model_of(self, init, i);
  auto& run = run_of(self, init, i);
  save_record(self);
  bool may_restart =
      !self->state.terminating && !(m.sidecar && self->state.model.sidecars_stopping);
  if (!may_restart) m.changed = false;
  // A new definition starts at once, with no backoff; until it does, the pod is not finished
  // (containers_done counts it as restarting).
  if (m.changed) {
    m.last = m.terminated;
    run.backoff_level = 0;
    self->send(self, restart_atom::value, m.name, run.instance);
  } else if (may_restart && should_restart(self->state.model.policy, *m.terminated, m)) {
    int64_t delay = restart_backoff_ms(run.backoff_level++);
    m.last = m.terminated;
    if (delay > 0) {
      m.state = container_model::phase::waiting;
      m.waiting_reason = "CrashLoopBackOff";
      m.waiting_message = "back-off " + human_duration(delay / 1000) + " restarting failed container=" + m.name +
                          " pod=" + pod_name(self) + "_" + pod_ns(self) + "(" + self->state.deps.uid + ")";
      self->delayed_send(self, std::chrono::milliseconds(delay), restart_atom::value, m.name, run.instance);
      record_event(self, "Warning", "BackOff", field_path(self, init, i),
                   "Back-off restarting failed container " + m.name + " in pod " + pod_name(self) + "_" +
                       pod_ns(self) + "(" + self->state.deps.uid + ")");
    } else {
      self->send(self, restart_atom::value, m.name, run.instance);
    }
  }
  if (!m.sidecar || self->state.model.sidecars_stopping)
    if (self->state.terminating || pod_finished(self->state.model)) stop_sidecars(self);
  report(self);
  reconcile(self);
}

void restart(self_ptr self, const std::string& name, int32_t instance) {
  auto where = find(self, name);
  if (!where) return;
  auto [init, i] = *where;
  auto& m = model_of(self, init, i);
  auto& run = run_of(self, init, i);
  if (self->state.terminating) {
    m.changed = false;  // deleted meanwhile: it stays stopped
    return;
  }
  if (m.sidecar && self->state.model.sidecars_stopping) return;
  if (run.instance != instance || m.state == container_model::phase::running || m.starting) return;
  if (m.terminated) ++m.restart_count;
  m.image = text_string(spec_of(self, init, i).getImage());  // its definition may have changed
  // As the kubelet reports it, a container that ran stays as it last was (Error, Completed,
  // or waiting in CrashLoopBackOff) until its new run starts: ContainerCreating is for one
  // that never ran.
  if (!m.last) {
    m.state = container_model::phase::waiting;
    m.waiting_reason = "ContainerCreating";
    m.terminated.reset();
  }
  start_container(self, init, i);
  report(self);
}

// As the kubelet does when a container's hash changes (only its image may change in a pod):
// a running container is stopped with the pod's grace period, preStop hook included, and
// started again at once whatever the restart policy; a running sidecar alike. Init containers
// that run to completion are left alone, and a container not running takes the new image
// when it next starts.
void restart_changed(self_ptr self) {
  auto spec = pod_of(self).getSpec();
  for (bool init : {true, false}) {
    auto list = init ? spec.getInitContainers() : spec.getContainers();
    for (size_t i = 0; i < list.size(); ++i) {
      auto& m = model_of(self, init, i);
      auto image = text_string(list[i].getImage());
      if ((init && !m.sidecar) || image == m.image || m.changed) continue;
      if (m.state != container_model::phase::running || node_of(self).hollow) {
        m.image = image;
        // Backing off after failures of the old definition: the new one starts now.
        if (m.state == container_model::phase::waiting && m.waiting_reason == "CrashLoopBackOff") {
          run_of(self, init, i).backoff_level = 0;
          self->send(self, restart_atom::value, m.name, run_of(self, init, i).instance);
        }
        continue;
      }
      m.changed = true;
      record_event(self, "Normal", "Killing", field_path(self, init, i),
                   init ? "Init container " + m.name + " definition changed"
                        : "Container " + m.name + " definition changed, will be restarted");
      stop_container(self, init, i, spec_grace_ms_of(self));
    }
  }
}

void check_stopped(self_ptr self) {
  auto& st = self->state;
  // A pod the kubelet ended itself (its deadline passed) stays, Failed, until it is deleted.
  bool deleted = st.gone || (st.bytes && pod_of(self).getMetadata().getDeletionTimestamp() != 0);
  if (!st.terminating || !deleted || st.stopped_reported || anything_running(self)) return;
  st.stopped_reported = true;
  self->send(st.deps.owner, stopped_atom::value, st.deps.uid);
}

int64_t spec_grace_ms_of(self_ptr self) {
  auto spec = pod_of(self).getSpec().getTerminationGracePeriodSeconds();
  return (spec.isUnset() ? 30 : spec.getValue()) * 1000;
}

int64_t grace_ms_of(self_ptr self) {
  auto meta = pod_of(self).getMetadata();
  if (!meta.getDeletionGracePeriodSeconds().isUnset()) return meta.getDeletionGracePeriodSeconds().getValue() * 1000;
  return spec_grace_ms_of(self);
}

// One container stopped on its own (a failed probe): signal_stop, then SIGKILL to that run
// when the grace period ends.
void stop_container(self_ptr self, bool init, size_t i, int64_t grace_ms) {
  auto& run = run_of(self, init, i);
  if (run.pid <= 0) return;
  if (!signal_stop(self, init, i, grace_ms) && grace_ms > 0)
    self->delayed_send(self, std::chrono::milliseconds(grace_ms), kill_run_atom::value,
                       model_of(self, init, i).name, run.instance);
}

namespace {

// As the kubelet's killContainer once a run's preStop hook is over (done, failed, or out of
// time): SIGTERM, and SIGKILL when what the hook left of the grace period (up to `deadline`) is
// over, but never sooner than the minimum grace after SIGTERM.
void after_pre_stop(self_ptr self, container_run& run, const std::string& name, int64_t deadline) {
  run.pre_stop_running = false;
  kill(-run.pid, SIGTERM);
  int64_t now = monotonic_millis();
  run.kill_not_before_ms = now + minimum_grace_ms;
  self->delayed_send(self, std::chrono::milliseconds(std::max(deadline - now, minimum_grace_ms)),
                     kill_run_atom::value, name, run.instance);
}

}  // namespace

void pre_stop_done(self_ptr self, const std::string& name, int32_t instance, bool ok) {
  auto where = find(self, name);
  if (!where) return;
  auto [init, i] = *where;
  auto& run = run_of(self, init, i);
  if (run.instance == instance && run.pid > 0 && run.pre_stop_running) {
    // A later deletion with a shorter grace period shortens what is left.
    int64_t deadline = run.stop_deadline_ms;
    if (self->state.terminating) deadline = std::min(deadline, self->state.termination_deadline_ms);
    after_pre_stop(self, run, name, deadline);
  }
  if (!ok)
    record_event(self, "Warning", "FailedPreStopHook", field_path(self, init, i),
                 "PreStopHook failed");
}

void kill_run(self_ptr self, const std::string& name, int32_t instance) {
  auto where = find(self, name);
  if (!where) return;
  auto& run = run_of(self, where->first, where->second);
  if (run.instance == instance && run.pid > 0)
    kill(-run.pid, SIGKILL);  // still that run: its grace is over
}

namespace {

// A later deletion with a shorter grace period (a second delete --grace-period=N) brings the
// end forward, as the kubelet's pod worker takes the shorter of the two.
void shorten_grace(self_ptr self) {
  auto& st = self->state;
  int64_t now = monotonic_millis();
  int64_t due = now + std::max<int64_t>(grace_ms_of(self), 0);
  if (due >= st.termination_deadline_ms) return;
  st.termination_deadline_ms = due;
  self->delayed_send(self, std::chrono::milliseconds(due - now), kill_atom::value, st.termination);
}

}  // namespace

// preStop hooks first (each within the grace period), then SIGTERM, then SIGKILL at the end.
void terminate(self_ptr self) {
  auto& st = self->state;
  if (st.terminating) return shorten_grace(self);
  st.terminating = true;
  st.model.terminal = true;
  int32_t generation = ++st.termination;
  int64_t grace = grace_ms_of(self);
  if (node_of(self).hollow) {
    for (auto& c : st.model.containers) c.state = container_model::phase::terminated;
    for (auto& c : st.model.init_containers) c.state = container_model::phase::terminated;
    return check_stopped(self);
  }
  // The containers and a running init container stop first (preStop, SIGTERM); sidecars
  // follow once they have, last started first. SIGKILL when the grace period is over (for a
  // container with a preStop hook, at least the minimum grace after its SIGTERM).
  st.termination_deadline_ms = monotonic_millis() + std::max<int64_t>(grace, 0);
  for (bool init : {false, true}) {
    auto& models = init ? st.model.init_containers : st.model.containers;
    for (size_t i = 0; i < models.size(); ++i) {
      if (models[i].sidecar || models[i].state != container_model::phase::running || run_of(self, init, i).pid <= 0)
        continue;
      record_event(self, "Normal", "Killing", field_path(self, init, i), "Stopping container " + models[i].name);
      signal_stop(self, init, i, grace);
    }
  }
  self->delayed_send(self, std::chrono::milliseconds(std::max<int64_t>(grace, 0)), kill_atom::value,
                     generation);
  stop_sidecars(self);
  check_stopped(self);
}

// Once the pod's containers are done or stopped, its sidecars stop one at a time, last started
// first, each once the one after it has ended (as the kubelet orders them); they are not
// started again. Called again as each ends.
void stop_sidecars(self_ptr self) {
  auto& st = self->state;
  if (!sidecars_may_stop(st.model)) return;
  st.model.sidecars_stopping = true;
  auto next = next_sidecar_to_stop(st.model);
  if (!next) return;
  auto& m = st.model.init_containers[*next];
  m.stop_sent = true;
  int64_t now = monotonic_millis();
  int64_t grace = st.terminating ? std::max(st.termination_deadline_ms - now, minimum_grace_ms)
                                 : grace_ms_of(self);
  // However the period is cut later, a sidecar has the minimum grace after its SIGTERM (a hook's
  // end sets it anew).
  run_of(self, true, *next).kill_not_before_ms = now + minimum_grace_ms;
  record_event(self, "Normal", "Killing", field_path(self, true, *next), "Stopping container " + m.name);
  stop_container(self, true, *next, grace);
}

// The grace period is over (a later deletion may have shortened it): what still runs is
// killed, but sidecars not yet told to stop, each of which will have its own kill timer when
// its turn comes; a run whose preStop hook still runs is treated as if the hook timed out.
void kill_remaining(self_ptr self, int32_t generation) {
  if (generation != self->state.termination) return;
  int64_t now = monotonic_millis();
  for (bool init : {false, true}) {
    auto& runs = init ? self->state.init_runs : self->state.runs;
    for (size_t i = 0; i < runs.size(); ++i) {
      auto& run = runs[i];
      auto& m = model_of(self, init, i);
      if (run.pid <= 0 || (m.sidecar && !m.stop_sent)) continue;
      if (run.pre_stop_running) {
        // The period ended (a later deletion may have shortened it) with the hook still
        // running: as a hook that timed out.
        after_pre_stop(self, run, m.name, now);
        continue;
      }
      if (run.kill_not_before_ms > now)
        self->delayed_send(self, std::chrono::milliseconds(run.kill_not_before_ms - now),
                           kill_run_atom::value, m.name, run.instance);
      else
        kill(-run.pid, SIGKILL);
    }
  }
}

}  // namespace troupe::kubelet::worker
