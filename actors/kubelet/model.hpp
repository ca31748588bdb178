#pragma once
// What a pod worker knows about its containers, and the kubelet's decisions over it as plain
// functions: restart or not, how long to back off, and the PodStatus to report (phase,
// conditions, container states) exactly as Kubernetes words them.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace troupe::kubelet {

enum class restart_policy { always, on_failure, never };

struct terminated_info {
  int32_t exit_code = 0;
  int32_t signal = 0;
  std::string reason;   ///< Completed, Error, OOMKilled, ContainerCannotRun
  std::string message;
  int64_t started_at = 0, finished_at = 0;  ///< unix seconds
  std::string container_id;
};

struct container_model {
  std::string name, image;
  bool init = false;
  bool sidecar = false;  ///< an init container with restartPolicy Always: runs beside the pod
  enum class phase { waiting, running, terminated } state = phase::waiting;
  std::string waiting_reason = "ContainerCreating";  ///< ContainerCreating, PodInitializing,
                                                     ///< CrashLoopBackOff, CreateContainerConfigError ...
  std::string waiting_message;
  int64_t started_at = 0;  ///< running: unix seconds
  std::string container_id;
  std::optional<terminated_info> terminated;  ///< current state when phase is terminated
  std::optional<terminated_info> last;        ///< lastState.terminated
  int32_t restart_count = 0;
  bool ready = false;    ///< readiness probe passing (or none) while running
  bool started = false;  ///< startup probe passed (or none) while running
  bool has_readiness = false, has_startup = false, has_post_start = false;
  // What the worker is doing with it, which the start and stop decisions weigh.
  bool starting = false;            ///< a start is under way (its sources fetched, its launch)
  bool post_start_running = false;  ///< its postStart hook has not finished: the next waits
  bool stop_sent = false;           ///< signalled to stop in its turn (a sidecar): not again
  bool changed = false;  ///< its image changed while it ran: restarted at once, whatever the policy
};

struct pod_model {
  std::vector<container_model> init_containers, containers;
  restart_policy policy = restart_policy::always;
  std::string pod_ip, host_ip;
  int64_t start_time = 0;
  bool scheduled = true;
  std::string qos;  ///< Guaranteed, Burstable, BestEffort
  bool hollow = false;
  /// Set when the kubelet ended the pod itself (DeadlineExceeded): the pod has Failed, so.
  std::string failed_reason, failed_message;
  /// The pod's other containers are done or stopped: its sidecars stop, and do not start again.
  bool sidecars_stopping = false;
  /// spec.readinessGates, each with its condition's status as others wrote it ("" when the
  /// pod has no such condition): Ready also waits on them.
  struct readiness_gate {
    std::string type, status;
  };
  std::vector<readiness_gate> readiness_gates;
  /// The kubelet is stopping the pod for good (deleted, evicted): nothing starts again, so once
  /// every container has stopped the phase is Succeeded or Failed whatever the restart policy
  /// (Kubernetes' podIsTerminal, 1.27+).
  bool terminal = false;
};

/// Whether the container ran to its end with exit code 0 (an init container's success).
bool completed(const container_model& c);

/// Whether a container that just ended is started again (a sidecar always is, until the pod
/// stops it).
bool should_restart(restart_policy policy, const terminated_info& t, const container_model& c);

/// CrashLoopBackOff delay before restart number `level` (0 = the first restart: at once),
/// 10 s doubling to 5 minutes.
int64_t restart_backoff_ms(int32_t level);
/// A container that ran this long before it ended starts its backoff from scratch.
constexpr int64_t backoff_reset_seconds = 600;

/// Kubernetes' reason for an exit: Completed (0), OOMKilled, else Error.
std::string exit_reason(int32_t exit_code, bool oom_killed);

struct pod_condition {
  std::string type, status, reason, message;
};

struct pod_status_model {
  std::string phase;  ///< Pending, Running, Succeeded, Failed
  std::string reason, message;
  std::vector<pod_condition> conditions;  ///< PodScheduled, Initialized, ContainersReady, Ready
};

/// Phase and conditions from the containers, as the kubelet computes them.
pod_status_model compute_pod_status(const pod_model& pod);

/// True when every init container has completed successfully and every sidecar has started, or
/// once a container of the pod has run (a sidecar restarting later does not undo it).
bool initialized(const pod_model& pod);

/// Whether a (non-init) container of the pod has run: Kubernetes' HasAnyRegularContainerStarted.
bool any_container_started(const pod_model& pod);

/// Whether the pod's containers have all ended for good under its restart policy.
bool containers_done(const pod_model& pod);

/// Whether nothing more will start in the pod: its containers are done, or an init container
/// failed under restartPolicy Never. Its sidecars are then stopped and not started again.
bool pod_finished(const pod_model& pod);

/// A container's place in the pod: an init container or a container, and its index there.
struct container_ref {
  bool init = false;
  size_t index = 0;
  bool operator==(const container_ref& other) const { return init == other.init && index == other.index; }
};

/// Whether the worker may start the container now: it waits, no start is under way, and it is
/// not waiting out a backoff or a failed start (their timers start it again).
bool may_start(const container_model& c);

/// What starts now, in order, as the kubelet's pod sync decides: the next init container, one at
/// a time; a sidecar (an init container with restartPolicy Always) in its turn, holding the next
/// until it has started (postStart done, startup probe passed), then running beside the
/// containers; once the init containers are through (or a container has run, after which the
/// pod is initialized for good), every container not yet started, each after the one before
/// has finished its postStart hook.
std::vector<container_ref> containers_to_start(const pod_model& pod);

/// Whether the pod's sidecars may stop: nothing else in the pod runs or is starting.
bool sidecars_may_stop(const pod_model& pod);

/// The sidecar (an init container index) to stop next once they may: the last started first,
/// each after the one after it has ended, so none while one is starting or already stopping.
std::optional<size_t> next_sidecar_to_stop(const pod_model& pod);

/// When a pod started at `start_time` (unix seconds) passes spec.activeDeadlineSeconds: at most
/// 2^31 - 1 seconds later, the bound validation holds new objects to.
int64_t active_deadline(int64_t start_time, int64_t deadline_seconds);

}  // namespace troupe::kubelet
