// The pod worker, starting a container: its ConfigMaps, Secrets and Services fetched, its launch
// under a shim, its postStart hook.
#include "actors/kubelet/pod_worker_state.hpp"

#include <caf/all.hpp>
#include <signal.h>

#include <filesystem>
#include <set>

#include "actors/kubelet/env.hpp"
#include "actors/kubelet/logs.hpp"
#include "runtime/base/text.hpp"
#include "runtime/base/time.hpp"
#include "runtime/object/quantity.hpp"
#include "runtime/process/cgroup.hpp"
#include "runtime/process/exit_watcher.hpp"
#include "runtime/process/launcher.hpp"

namespace troupe::kubelet::worker {
namespace {

pod_fields fields_of(self_ptr self) {
  auto pod = pod_of(self);
  pod_fields f;
  f.name = pod_name(self);
  f.ns = pod_ns(self);
  f.uid = self->state.deps.uid;
  f.node_name = text_string(pod.getSpec().getNodeName());
  f.pod_ip = self->state.model.pod_ip;
  f.host_ip = node_of(self).host_ip;
  f.service_account = text_string(pod.getSpec().getServiceAccountName());
  f.hostname = pod_hostname(text_view(pod.getSpec().getHostname()), f.name);
  for (auto& [k, v] : map_entries(pod.getMetadata().getLabels())) f.labels[k] = v;
  for (auto& [k, v] : map_entries(pod.getMetadata().getAnnotations())) f.annotations[k] = v;
  f.containers = pod.getSpec().getContainers();
  f.init_containers = pod.getSpec().getInitContainers();
  f.node_milli_cpu = node_of(self).allocatable_milli_cpu;
  f.node_memory = node_of(self).allocatable_memory;
  return f;
}

int64_t limit_of(k8s::Container::Reader c, std::string_view resource, bool milli) {
  for (auto e : c.getResources().getLimits())
    if (text_view(e.getKey()) == resource) {
      auto q = quantity::parse(text_view(e.getValue()));
      return q ? (milli ? q->milli() : q->value()) : 0;
    }
  return 0;
}

// The id of a container's current run.
std::string container_id_of(self_ptr self, const container_model& m, const container_run& run) {
  return "troupe://" + self->state.deps.uid.substr(0, 8) + "-" + m.name + "-" +
         std::to_string(run.instance);
}

void fail_to_start(self_ptr self, bool init, size_t i, const std::string& reason, const std::string& message) {
  auto& m = model_of(self, init, i);
  auto& run = run_of(self, init, i);
  m.starting = false;
  m.changed = false;  // a new image that cannot start restarts by the policy, with backoff
  record_event(self, "Warning", "Failed", field_path(self, init, i), "Error: " + message);
  if (reason == "CreateContainerConfigError" || reason == "CreateContainerError") {
    // Nothing ran: wait and try again (the ConfigMap may appear), as the kubelet does.
    m.state = container_model::phase::waiting;
    m.waiting_reason = reason;
    m.waiting_message = message;
    report(self);
    self->delayed_send(self, std::chrono::seconds(2), restart_atom::value, m.name, run.instance);
    return;
  }
  auto now = unix_seconds();
  m.state = container_model::phase::terminated;
  m.container_id = container_id_of(self, m, run);  // it was made; its start failed
  m.terminated = terminated_info{128, 0, reason, message, now, now, m.container_id};
  after_termination(self, init, i);
}

// The container's postStart hook, as the kubelet runs it right after the start: until it
// finishes the container has not started (a sidecar holds the next init container, a
// container the next container), and if it fails the container is killed and restarted by
// its policy.
void run_post_start(self_ptr self, bool init, size_t i) {
  auto c = spec_of(self, init, i);
  if (!c.hasLifecycle() || !c.getLifecycle().hasPostStart()) return;
  auto& run = run_of(self, init, i);
  auto& m = model_of(self, init, i);
  auto me = caf::actor_cast<caf::actor>(self);
  std::string name = m.name;
  int32_t instance = run.instance;
  std::string error;
  auto hook = handler_spec_of(c.getLifecycle().getPostStart(), c, self->state.model.pod_ip, error);
  m.post_start_running = true;
  m.started = false;
  if (!hook) return caf::anon_send(me, post_start_atom::value, name, instance, false);
  // Kubernetes sets no limit; this one only keeps a hook that hangs from holding a thread for ever.
  hook->timeout_ms = 600000;
  run_detached(self, *hook, run, [=](const probe_outcome& outcome) {
    caf::anon_send(me, post_start_atom::value, name, instance, outcome.success);
  });
}

void launch_container(self_ptr self, bool init, size_t i, resolved_env env) {
  auto c = spec_of(self, init, i);
  auto& m = model_of(self, init, i);
  auto& run = run_of(self, init, i);
  auto& node = node_of(self);
  auto command = command_line(c, env.declared);
  if (command.empty()) return fail_to_start(self, init, i, "CreateContainerError", "no command specified");
  run.launched_unix_us = unix_micros();
  ++run.instance;
  run.pre_stop_running = false;
  run.kill_not_before_ms = 0;
  auto dir = log_dir(self, m.name);
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  std::filesystem::create_directories(pod_dir(node.data_dir, self->state.deps.uid), ec);
  launch_spec spec;
  spec.shim_binary = node.shim_binary;
  spec.spawner = node.spawner.get();
  spec.command = command;
  spec.env = env.env;
  // An image's WORKDIR is "/" unless it says otherwise, and troupe's images say nothing: a
  // container must not start wherever the agent happened to be started.
  spec.workdir = c.getWorkingDir().size() ? text_string(c.getWorkingDir()) : "/";
  spec.log_file = container_log(dir, m.restart_count);
  spec.exit_file = pod_dir(node.data_dir, self->state.deps.uid) + "/" + m.name + "-" + std::to_string(run.instance) + ".exit";
  run.cgroup = self->state.deps.uid + "_" + m.name;
  int64_t memory = limit_of(c, "memory", false), cpu = limit_of(c, "cpu", true);
  spec.cgroup_procs = node.groups->create(run.cgroup, memory, cpu);
  if (spec.cgroup_procs.empty()) spec.rlimit_as = memory;
  run.exit_file = spec.exit_file;
  run.env = env.env;
  run.workdir = spec.workdir;
  m.starting = true;
  int32_t instance = run.instance;
  // The instance is on disk before it runs, and the launcher leaves a trace of what it started:
  // a successor of this worker (should it end first) adopts the container instead of starting
  // it twice.
  save_record(self);
  auto spawner = node.spawner;  // alive until the launch is done, even if the node goes first
  auto launcher = self->spawn<caf::detached>([spec, spawner](caf::event_based_actor* me) -> caf::behavior {
    return {[=](launch_atom) {
      me->quit();
      (void)spawner;
      auto l = launch(spec);
      if (l.shim > 0)
        save_launch_trace(spec.exit_file, {l.shim, l.pid, process_start_time(l.shim).value_or(0), unix_seconds()});
      return caf::make_message(static_cast<int32_t>(l.shim), static_cast<int32_t>(l.pid), l.error);
    }};
  });
  self->request(launcher, caf::infinite, launch_atom::value)
      .then([=](int32_t shim, int32_t pid, std::string& error) {
        auto& run = run_of(self, init, i);
        if (run.instance != instance) return;
        model_of(self, init, i).starting = false;
        // As the kubelet: the container is made (Created), then started (Started or Failed).
        record_event(self, "Normal", "Created", field_path(self, init, i), "Created container " + model_of(self, init, i).name);
        if (!error.empty()) return fail_to_start(self, init, i, "StartError", error);
        run.shim = shim;
        run.pid = pid;
        run.shim_start = process_start_time(shim).value_or(0);
        set_running(self, init, i);
        record_event(self, "Normal", "Started", field_path(self, init, i),
                     "Started container " + model_of(self, init, i).name);
        auto me = caf::actor_cast<caf::actor>(self);
        std::string name = model_of(self, init, i).name;
        // A shim forked by the spawner is reaped as it ends, so a quick container's may be gone
        // already; it wrote its exit record before ending.
        bool watched = node_of(self).exits->watch(shim, [me, name, instance] {
          caf::anon_send(me, exited_atom::value, name, instance);
        });
        if (!watched) self->send(self, exited_atom::value, name, instance);
        save_record(self);
        if (self->state.terminating) kill(-pid, SIGKILL);
        if (self->state.model.sidecars_stopping && model_of(self, init, i).sidecar) stop_sidecars(self);
        run_post_start(self, init, i);
        schedule_probes(self, init, i);
        report(self);
        reconcile(self);
      });
}

}  // namespace

void set_running(self_ptr self, bool init, size_t i) {
  auto& m = model_of(self, init, i);
  auto& run = run_of(self, init, i);
  m.state = container_model::phase::running;
  m.started_at = unix_seconds();
  m.waiting_reason.clear();
  m.waiting_message.clear();
  m.terminated.reset();
  m.changed = false;
  m.container_id = container_id_of(self, m, run);
  m.ready = !m.has_readiness;
  m.started = !m.has_startup;
  run.started_mono_ms = monotonic_millis();
  m.stop_sent = false;
}

// Runs a probe's or a hook's action for a container's run on a detached actor (exec, connect
// and HTTP all block), and hands the outcome to `done` there.
void run_detached(self_ptr self, probe_spec spec, const container_run& run,
                  std::function<void(const probe_outcome&)> done) {
  auto env = run.env;
  auto workdir = run.workdir;
  self->spawn<caf::detached>([=](caf::event_based_actor* runner) -> caf::behavior {
    done(kubelet::run_probe(spec, env, workdir));
    runner->quit();
    return {};
  });
}

void post_start_done(self_ptr self, const std::string& name, int32_t instance, bool ok) {
  auto where = find(self, name);
  if (!where) return;
  auto [init, i] = *where;
  auto& run = run_of(self, init, i);
  auto& m = model_of(self, init, i);
  if (run.instance != instance || !m.post_start_running) return;
  m.post_start_running = false;
  if (m.state != container_model::phase::running || self->state.terminating) return reconcile(self);
  if (!ok) {
    record_event(self, "Warning", "FailedPostStartHook", field_path(self, init, i), "PostStartHook failed");
    record_event(self, "Normal", "Killing", field_path(self, init, i), "FailedPostStartHook");
    stop_container(self, init, i, grace_ms_of(self));
    return report(self);
  }
  if (!m.has_startup) m.started = true;
  reconcile(self);
}

// ConfigMaps and Secrets are read fresh for every start, as the kubelet does.
void start_container(self_ptr self, bool init, size_t i) {
  auto& run = run_of(self, init, i);
  auto& m = model_of(self, init, i);
  m.starting = true;
  if (node_of(self).hollow) {
    ++run.instance;
    m.starting = false;
    set_running(self, init, i);
    m.ready = m.started = true;  // a hollow node's probes all pass
    if (init && !m.sidecar) {  // a hollow init container completes at once
      m.state = container_model::phase::terminated;
      m.terminated = terminated_info{0, 0, "Completed", "", unix_seconds(), unix_seconds(), m.container_id};
    }
    return;
  }
  std::set<std::string> cms, secrets;
  referenced_sources(spec_of(self, init, i), cms, secrets);
  auto sources = std::make_shared<env_sources>();
  auto links = pod_of(self).getSpec().getEnableServiceLinks();
  bool service_links = !links.isValue() || links.getValue();
  auto pending = std::make_shared<size_t>(cms.size() + secrets.size() + (service_links ? 1 : 0));
  auto instance = run.instance;
  auto finish = [=] {
    if (run_of(self, init, i).instance != instance || self->state.terminating) {
      model_of(self, init, i).starting = false;
      // It was all a stop waited for (a sidecar's turn, the pod's end).
      if (self->state.terminating) {
        stop_sidecars(self);
        check_stopped(self);
      }
      return;
    }
    auto env = resolve_env(spec_of(self, init, i), fields_of(self), *sources);
    if (!env.error.empty()) return fail_to_start(self, init, i, "CreateContainerConfigError", env.error);
    for (auto& skipped : env.skipped)
      record_event(self, "Warning", "InvalidEnvironmentVariableNames", "", skipped);
    launch_container(self, init, i, std::move(env));
  };
  if (*pending == 0 || !self->state.deps.api) return finish();
  auto fetch = [=](const std::string& resource, const std::string& name, bool secret) {
    self->request(self->state.deps.api, call_patience, api_atom::value,
                  make_request(api_verb::get, resource, pod_ns(self), name))
        .then(
            [=](api_reply& r) {
              object_reader obj(r.object.str());
              key_values data;
              if (secret) {
                for (auto e : obj.as<k8s::Secret>().getData())
                  data[text_string(e.getKey())] =
                      std::string(reinterpret_cast<const char*>(e.getValue().begin()), e.getValue().size());
                sources->secrets[name] = std::move(data);
              } else {
                for (auto e : obj.as<k8s::ConfigMap>().getData())
                  data[text_string(e.getKey())] = text_string(e.getValue());
                sources->config_maps[name] = std::move(data);
              }
              if (--*pending == 0) finish();
            },
            [=](caf::error&) {
              if (--*pending == 0) finish();
            });
  };
  for (auto& name : cms) fetch("configmaps", name, false);
  for (auto& name : secrets) fetch("secrets", name, true);
  // enableServiceLinks (the default): the namespace's Services as variables, as at this start.
  if (service_links)
    self->request(self->state.deps.api, call_patience, api_atom::value,
                  make_request(api_verb::list, "services", pod_ns(self), ""))
        .then(
            [=](api_reply& r) {
              for (auto& item : r.items) {
                object_reader service(item);
                add_service_env(service.as<k8s::Service>(), sources->services);
              }
              if (--*pending == 0) finish();
            },
            [=](caf::error&) {
              if (--*pending == 0) finish();
            });
}

}  // namespace troupe::kubelet::worker
