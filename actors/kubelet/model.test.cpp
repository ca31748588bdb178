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
