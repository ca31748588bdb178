#include "actors/kubelet/model.hpp"

#include <catch2/catch.hpp>

using namespace troupe::kubelet;

namespace {

container_model running(const std::string& name, bool ready = true) {
  container_model c;
  c.name = name;
  c.state = container_model::phase::running;
  c.ready = ready;
  c.started = true;
  return c;
}

container_model ended(const std::string& name, int code, bool init = false) {
  container_model c;
  c.name = name;
  c.init = init;
  c.state = container_model::phase::terminated;
  c.terminated = terminated_info{code, 0, exit_reason(code, false), "", 1, 2, ""};
  return c;
}

std::string condition(const pod_status_model& s, const std::string& type) {
  for (auto& c : s.conditions)
    if (c.type == type) return c.status;
  return "missing";
}

}  // namespace

TEST_CASE("restart policies decide restarts", "[kubelet][model]") {
  terminated_info ok{0, 0, "Completed", "", 0, 0, ""}, failed{1, 0, "Error", "", 0, 0, ""};
  container_model app, init, sidecar;
  init.init = sidecar.init = sidecar.sidecar = true;
  CHECK(should_restart(restart_policy::always, ok, app));
  CHECK(should_restart(restart_policy::always, failed, app));
  CHECK_FALSE(should_restart(restart_policy::on_failure, ok, app));
  CHECK(should_restart(restart_policy::on_failure, failed, app));
  CHECK_FALSE(should_restart(restart_policy::never, failed, app));
  CHECK_FALSE(should_restart(restart_policy::always, ok, init));  // an init container that succeeded is done
  CHECK(should_restart(restart_policy::always, failed, init));
  CHECK_FALSE(should_restart(restart_policy::never, failed, init));
  CHECK(should_restart(restart_policy::never, ok, sidecar));  // a sidecar runs as long as the pod
  CHECK(should_restart(restart_policy::never, failed, sidecar));
}

TEST_CASE("CrashLoopBackOff: at once then 10 s doubling to 5 minutes", "[kubelet][model]") {
  CHECK(restart_backoff_ms(0) == 0);
  CHECK(restart_backoff_ms(1) == 10000);
  CHECK(restart_backoff_ms(2) == 20000);
  CHECK(restart_backoff_ms(3) == 40000);
  CHECK(restart_backoff_ms(6) == 300000);
  CHECK(restart_backoff_ms(50) == 300000);
  CHECK(exit_reason(0, false) == "Completed");
  CHECK(exit_reason(1, false) == "Error");
  CHECK(exit_reason(137, true) == "OOMKilled");
}

TEST_CASE("pod phase and conditions as the kubelet reports them", "[kubelet][model]") {
  pod_model pod;
  pod.containers = {running("a"), running("b", false)};
  auto s = compute_pod_status(pod);
  CHECK(s.phase == "Running");
  CHECK(condition(s, "Initialized") == "True");
  CHECK(condition(s, "Ready") == "False");
  CHECK(s.conditions[3].message == "containers with unready status: [b]");
  std::vector<std::string> order;
  for (auto& c : s.conditions) order.push_back(c.type);
  CHECK(order == std::vector<std::string>{"PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady",
                                          "PodScheduled"});
  CHECK(condition(s, "PodReadyToStartContainers") == "False");  // no address yet
  pod.pod_ip = "10.42.0.7";
  CHECK(condition(compute_pod_status(pod), "PodReadyToStartContainers") == "True");

  pod.containers[1].ready = true;
  CHECK(condition(compute_pod_status(pod), "Ready") == "True");
  // Not ready while its startup probe has not passed, though it has no readiness probe.
  pod.containers[1].started = false;
  CHECK(condition(compute_pod_status(pod), "Ready") == "False");
  CHECK(compute_pod_status(pod).conditions[3].message == "containers with unready status: [b]");
  pod.containers[1].started = true;

  pod_model init;
  init.init_containers = {ended("setup", 0, true), container_model{}};
  init.init_containers[1].name = "migrate";
  init.init_containers[1].init = true;
  init.containers = {container_model{}};
  init.containers[0].name = "app";
  auto pending = compute_pod_status(init);
  CHECK(pending.phase == "Pending");
  CHECK(condition(pending, "Initialized") == "False");
  CHECK(pending.conditions[1].message == "containers with incomplete status: [migrate]");

  init.policy = restart_policy::never;
  init.init_containers[1] = ended("migrate", 2, true);
  CHECK(compute_pod_status(init).phase == "Failed");

  pod_model job;
  job.policy = restart_policy::never;
  job.containers = {ended("a", 0), ended("b", 0)};
  auto done = compute_pod_status(job);
  CHECK(done.phase == "Succeeded");
  CHECK(done.conditions[3].reason == "PodCompleted");
  job.pod_ip = "10.42.0.8";
  CHECK(condition(compute_pod_status(job), "PodReadyToStartContainers") == "False");  // its sandbox is gone
  job.containers[1] = ended("b", 3);
  CHECK(compute_pod_status(job).phase == "Failed");

  pod_model crashing;  // waiting to restart after running counts as running
  crashing.containers = {container_model{}};
  crashing.containers[0].waiting_reason = "CrashLoopBackOff";
  crashing.containers[0].last = terminated_info{1, 0, "Error", "", 1, 2, ""};
  CHECK(compute_pod_status(crashing).phase == "Running");

  // Between a container's end and its restart the pod is Running, even when it ended with 0.
  pod_model always;
  always.containers = {ended("a", 0)};
  CHECK(compute_pod_status(always).phase == "Running");
  pod_model on_failure;
  on_failure.policy = restart_policy::on_failure;
  on_failure.containers = {ended("a", 0), ended("b", 2)};
  CHECK(compute_pod_status(on_failure).phase == "Running");  // b restarts
  on_failure.containers[1] = ended("b", 0);
  CHECK(compute_pod_status(on_failure).phase == "Succeeded");

  // A pod stopped for good (deleted) ends Failed or Succeeded whatever its restart policy.
  pod_model deleted;
  deleted.containers = {ended("a", 143), ended("b", 0)};
  CHECK(compute_pod_status(deleted).phase == "Running");  // Always: about to restart
  deleted.terminal = true;
  CHECK(compute_pod_status(deleted).phase == "Failed");
  deleted.containers[0] = ended("a", 0);
  CHECK(compute_pod_status(deleted).phase == "Succeeded");
  crashing.terminal = true;  // its restart will not come
  CHECK(compute_pod_status(crashing).phase == "Failed");
  crashing.containers[0].last = terminated_info{0, 0, "Completed", "", 1, 2, ""};
  CHECK(compute_pod_status(crashing).phase == "Failed");  // stopped, not succeeded, as getPhase counts it
}

TEST_CASE("sidecars: started before the next init container and counted with the containers",
          "[kubelet][model]") {
  pod_model pod;
  pod.policy = restart_policy::never;
  container_model proxy;
  proxy.name = "proxy";
  proxy.init = proxy.sidecar = true;
  container_model app;
  app.name = "app";
  app.waiting_reason = "PodInitializing";
  pod.init_containers = {proxy};
  pod.containers = {app};
  auto s = compute_pod_status(pod);
  CHECK(s.phase == "Pending");
  CHECK(condition(s, "Initialized") == "False");

  // Running but its startup probe has not passed: initialization goes on.
  auto& sidecar = pod.init_containers[0];
  sidecar = running("proxy", false);
  sidecar.init = sidecar.sidecar = true;
  sidecar.started = false;
  CHECK_FALSE(initialized(pod));
  CHECK(compute_pod_status(pod).phase == "Pending");
  sidecar.started = true;
  CHECK(initialized(pod));

  // The app runs; the pod is ready only when the sidecar is ready too, and says which is not.
  pod.containers[0] = running("app");
  s = compute_pod_status(pod);
  CHECK(s.phase == "Running");
  CHECK(condition(s, "Ready") == "False");
  CHECK(s.conditions[2].message == "containers with unready status: [proxy]");
  sidecar.ready = true;
  CHECK(condition(compute_pod_status(pod), "Ready") == "True");

  // A sidecar restarting after the app started leaves the pod initialized.
  sidecar.state = container_model::phase::waiting;
  sidecar.last = terminated_info{1, 0, "Error", "", 1, 2, ""};
  CHECK(initialized(pod));
  CHECK(compute_pod_status(pod).phase == "Running");

  // The app ends: the pod's containers are done although the sidecar would run on, and its
  // end (killed by the kubelet) does not decide the phase.
  pod.containers[0] = ended("app", 0);
  CHECK(containers_done(pod));
  sidecar = ended("proxy", 143, true);
  sidecar.sidecar = true;
  CHECK(compute_pod_status(pod).phase == "Succeeded");
  pod.containers[0] = ended("app", 1);
  CHECK(compute_pod_status(pod).phase == "Failed");
  pod.policy = restart_policy::on_failure;
  CHECK_FALSE(containers_done(pod));
}

namespace {

container_model waiting(const std::string& name, bool init = false, bool sidecar = false) {
  container_model c;
  c.name = name;
  c.init = init;
  c.sidecar = sidecar;
  return c;
}

std::vector<container_ref> refs(std::initializer_list<container_ref> list) { return list; }

}  // namespace

TEST_CASE("init containers start one at a time and then the containers", "[kubelet][model]") {
  pod_model pod;
  pod.init_containers = {waiting("migrate", true), waiting("seed", true)};
  pod.containers = {waiting("app"), waiting("metrics")};
  CHECK(containers_to_start(pod) == refs({{true, 0}}));
  pod.init_containers[0].starting = true;
  CHECK(containers_to_start(pod).empty());
  pod.init_containers[0] = ended("migrate", 0, true);
  CHECK(containers_to_start(pod) == refs({{true, 1}}));
  // A failed init container waiting out its backoff holds the rest.
  pod.init_containers[1] = ended("seed", 1, true);
  CHECK(containers_to_start(pod).empty());
  pod.init_containers[1].state = container_model::phase::waiting;
  pod.init_containers[1].waiting_reason = "CrashLoopBackOff";
  CHECK(containers_to_start(pod).empty());
  pod.init_containers[1] = ended("seed", 0, true);
  CHECK(containers_to_start(pod) == refs({{false, 0}, {false, 1}}));
  // Waiting on a missing ConfigMap or a start that failed: their timers retry, not a sync.
  pod.containers[0].waiting_reason = "CreateContainerConfigError";
  pod.containers[1].waiting_reason = "CreateContainerError";
  CHECK(containers_to_start(pod).empty());
}

TEST_CASE("a container's postStart hook holds the next container back", "[kubelet][model]") {
  pod_model pod;
  pod.containers = {waiting("a"), waiting("b"), waiting("c")};
  pod.containers[1].has_post_start = true;
  CHECK(containers_to_start(pod) == refs({{false, 0}, {false, 1}}));
  pod.containers[0] = running("a");
  pod.containers[1] = running("b");
  pod.containers[1].has_post_start = pod.containers[1].post_start_running = true;
  CHECK(containers_to_start(pod).empty());
  pod.containers[1].post_start_running = false;
  CHECK(containers_to_start(pod) == refs({{false, 2}}));
}

TEST_CASE("a sidecar holds the next init container until it has started", "[kubelet][model]") {
  pod_model pod;
  pod.init_containers = {waiting("proxy", true, true), waiting("migrate", true)};
  pod.containers = {waiting("app")};
  CHECK(containers_to_start(pod) == refs({{true, 0}}));
  auto& proxy = pod.init_containers[0];
  proxy = running("proxy");
  proxy.init = proxy.sidecar = true;
  proxy.started = false;  // its startup probe has not passed
  CHECK(containers_to_start(pod).empty());
  proxy.started = true;
  proxy.post_start_running = true;
  CHECK(containers_to_start(pod).empty());
  proxy.post_start_running = false;
  CHECK(containers_to_start(pod) == refs({{true, 1}}));
  pod.init_containers[1] = ended("migrate", 0, true);
  CHECK(containers_to_start(pod) == refs({{false, 0}}));

  // Once the app has run, a sidecar restarting holds nothing back; once the sidecars are
  // stopping it does not start again.
  pod.containers[0] = running("app");
  proxy = waiting("proxy", true, true);
  proxy.last = terminated_info{1, 0, "Error", "", 1, 2, ""};
  CHECK(containers_to_start(pod) == refs({{true, 0}}));
  pod.sidecars_stopping = true;
  CHECK(containers_to_start(pod).empty());
}

TEST_CASE("sidecars stop after the containers one at a time last first", "[kubelet][model]") {
  pod_model pod;
  pod.init_containers = {running("logs"), ended("migrate", 0, true), running("proxy")};
  for (size_t i : {0, 2}) pod.init_containers[i].init = pod.init_containers[i].sidecar = true;
  pod.containers = {running("app")};
  CHECK_FALSE(sidecars_may_stop(pod));
  pod.containers[0] = ended("app", 0);
  CHECK(sidecars_may_stop(pod));
  CHECK(next_sidecar_to_stop(pod) == std::optional<size_t>(2));
  pod.init_containers[2].stop_sent = true;
  CHECK(next_sidecar_to_stop(pod) == std::nullopt);  // its turn is under way
  pod.init_containers[2] = ended("proxy", 143, true);
  pod.init_containers[2].sidecar = true;
  CHECK(next_sidecar_to_stop(pod) == std::optional<size_t>(0));
  // One starting is stopped once it runs: the ones before it wait.
  pod.init_containers[2] = waiting("proxy", true, true);
  pod.init_containers[2].starting = true;
  CHECK(next_sidecar_to_stop(pod) == std::nullopt);
  // A container still starting keeps them all.
  pod.containers[0] = waiting("app");
  pod.containers[0].starting = true;
  CHECK_FALSE(sidecars_may_stop(pod));
}

TEST_CASE("the active deadline counts from the start and is bounded", "[kubelet][model]") {
  CHECK(active_deadline(1000, 30) == 1030);
  CHECK(active_deadline(1000, int64_t(1) << 40) == int64_t(1000) + INT32_MAX);
}
