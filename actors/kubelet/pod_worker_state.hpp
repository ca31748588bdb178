#pragma once
// The pod worker's state and the functions its parts share (pod_worker.cpp: the pod, its
// events, status and main loop; pod_worker_start.cpp: starting containers; pod_worker_stop.cpp:
// their ends, restarts and stops; pod_worker_probes.cpp: probes). Internal to the kubelet.

#include <caf/stateful_actor.hpp>
#include <caf/typed_actor.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "actors/kubelet/model.hpp"
#include "actors/kubelet/pod_worker.hpp"
#include "actors/kubelet/probes.hpp"
#include "runtime/object/object.hpp"

namespace troupe::kubelet::worker {

using exited_atom = caf::atom_constant<caf::atom("exited")>;
using probe_atom = caf::atom_constant<caf::atom("probe")>;
using restart_atom = caf::atom_constant<caf::atom("restart")>;
using kill_atom = caf::atom_constant<caf::atom("kill")>;
using kill_run_atom = caf::atom_constant<caf::atom("killrun")>;
using launch_atom = caf::atom_constant<caf::atom("launch")>;
using deadline_atom = caf::atom_constant<caf::atom("deadline")>;
using post_start_atom = caf::atom_constant<caf::atom("poststart")>;
using pre_stop_atom = caf::atom_constant<caf::atom("prestop")>;

constexpr auto call_patience = std::chrono::seconds(30);

using impl_actor = pod_worker_actor::extend<
    caf::reacts_to<exited_atom, std::string, int32_t>,
    caf::reacts_to<probe_atom, std::string, int32_t, int32_t, bool, std::string>,
    caf::reacts_to<restart_atom, std::string, int32_t>, caf::reacts_to<kill_atom, int32_t>,
    caf::reacts_to<kill_run_atom, std::string, int32_t>, caf::reacts_to<deadline_atom, int64_t>,
    caf::reacts_to<post_start_atom, std::string, int32_t, bool>,
    caf::reacts_to<pre_stop_atom, std::string, int32_t, bool>, caf::reacts_to<tick_atom>>;

enum probe_kind : int32_t { startup = 0, liveness = 1, readiness = 2 };

struct probe_state {
  bool enabled = false;
  int32_t successes = 0, failures = 0;
};

// What the worker knows of a container beyond its reported model.
struct container_run {
  int32_t instance = 0;
  pid_t shim = -1, pid = -1;
  uint64_t shim_start = 0;
  int32_t backoff_level = 0;
  int64_t started_mono_ms = 0;
  int64_t launched_unix_us = 0;  // its termination message file must be newer
  std::string exit_file, cgroup;
  std::vector<std::string> env;
  std::string workdir;
  probe_state probes[3];
  // A run with a preStop hook is killed by its own timer, set when the hook ends (SIGTERM
  // then): the rest of its grace period, and at least the minimum grace after SIGTERM.
  bool pre_stop_running = false;
  int64_t stop_deadline_ms = 0;    // monotonic: the end of its grace period
  int64_t kill_not_before_ms = 0;  // monotonic: SIGTERM after its hook + the minimum grace
};

struct worker_state {
  pod_worker_deps deps;
  std::shared_ptr<const std::string> bytes;  // the pod as last seen
  std::unique_ptr<object_reader> reader;
  pod_model model;
  std::vector<container_run> init_runs, runs;
  bool terminating = false;
  int32_t termination = 0;  // generation of the current termination, for its kill timer
  int64_t termination_deadline_ms = 0;  // monotonic: when the termination's kill timer fires
  int64_t active_deadline = 0;  // unix seconds: spec.activeDeadlineSeconds after the start, 0: none
  bool gone = false;        // the API object is gone
  bool stopped_reported = false;
  std::string reported;     // fingerprint of the last status written
  bool writing = false, write_again = false;
  // Events recorded, by reason, field path and message: a repeat counts up on its Event.
  struct recorded {
    std::string name;
    int32_t count = 0;
    int64_t first_micros = 0;
  };
  std::map<std::string, recorded> events;
  uint32_t event_serial = 0;  // keeps two events of one microsecond apart by name
  static inline const char* name = "pod_worker";
};

using self_ptr = impl_actor::stateful_pointer<worker_state>;

// ---- the pod (pod_worker.cpp) ------------------------------------------------------------------

k8s::Pod::Reader pod_of(self_ptr self);
const kubelet_deps& node_of(self_ptr self);
std::string pod_ns(self_ptr self);
std::string pod_name(self_ptr self);
/// The name the pod has in the API (a static pod's mirror pod's).
std::string api_name(self_ptr self);
k8s::Container::Reader spec_of(self_ptr self, bool init, size_t i);
container_model& model_of(self_ptr self, bool init, size_t i);
container_run& run_of(self_ptr self, bool init, size_t i);
/// Finds a container by name: (init, index).
std::optional<std::pair<bool, size_t>> find(self_ptr self, const std::string& name);
std::string log_dir(self_ptr self, const std::string& container);
/// Writes what the node must know to adopt the pod's containers after an agent restart.
void save_record(self_ptr self);
/// The container's fieldPath in Events: spec.containers{name}.
std::string field_path(self_ptr self, bool init, size_t i);
void record_event(self_ptr self, const std::string& type, const std::string& reason, const std::string& path,
                  const std::string& message);
/// Writes the pod's status if it changed since the last write.
void report(self_ptr self);
/// Starts what should run now.
void reconcile(self_ptr self);

// ---- starting containers (pod_worker_start.cpp) ------------------------------------------------

void start_container(self_ptr self, bool init, size_t i);
/// Marks a container running, as a start or an adoption finds it.
void set_running(self_ptr self, bool init, size_t i);
void post_start_done(self_ptr self, const std::string& name, int32_t instance, bool ok);
/// A preStop hook ended: SIGTERM to the run it was for, if that still runs; a failed one is an
/// event.
void pre_stop_done(self_ptr self, const std::string& name, int32_t instance, bool ok);
void run_detached(self_ptr self, probe_spec spec, const container_run& run,
                  std::function<void(const probe_outcome&)> done);

// ---- ends, restarts and stops (pod_worker_stop.cpp) --------------------------------------------

void settle_exit(self_ptr self, bool init, size_t i);
void container_exited(self_ptr self, const std::string& name, int32_t instance);
/// What follows a container's end: a restart by its policy, its sidecars' stop, a new status.
void after_termination(self_ptr self, bool init, size_t i);
void restart(self_ptr self, const std::string& name, int32_t instance);
/// Containers (and sidecars) whose image changed while they run: stopped, then started again.
void restart_changed(self_ptr self);
/// Tells the kubelet once a deleted pod has nothing left running.
void check_stopped(self_ptr self);
/// The pod's grace period: the deletion's, else the spec's.
int64_t grace_ms_of(self_ptr self);
/// spec.terminationGracePeriodSeconds (30 s when unset).
int64_t spec_grace_ms_of(self_ptr self);
void stop_container(self_ptr self, bool init, size_t i, int64_t grace_ms);
void kill_run(self_ptr self, const std::string& name, int32_t instance);
void terminate(self_ptr self);
void stop_sidecars(self_ptr self);
void kill_remaining(self_ptr self, int32_t generation);

// ---- probes (pod_worker_probes.cpp) ------------------------------------------------------------

void schedule_probes(self_ptr self, bool init, size_t i);
void handle_probe(self_ptr self, const std::string& name, int32_t instance, int32_t kind, bool is_result,
                  const std::string& text);

}  // namespace troupe::kubelet::worker
