#include "actors/kubelet/pod_worker.hpp"

#include <caf/all.hpp>
#include <signal.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>
#include <set>

#include "actors/kubelet/env.hpp"
#include "actors/kubelet/logs.hpp"
#include "actors/kubelet/model.hpp"
#include "actors/kubelet/pod_status.hpp"
#include "actors/kubelet/probes.hpp"
#include "runtime/base/text.hpp"
#include "runtime/base/time.hpp"
#include "runtime/caf/errors.hpp"
#include "runtime/object/event.hpp"
#include "runtime/object/object.hpp"
#include "runtime/object/quantity.hpp"
#include "runtime/process/cgroup.hpp"
#include "runtime/process/exit_watcher.hpp"
#include "runtime/process/launcher.hpp"

namespace troupe::kubelet {
namespace {

using exited_atom = caf::atom_constant<caf::atom("exited")>;
using probe_atom = caf::atom_constant<caf::atom("probe")>;
using restart_atom = caf::atom_constant<caf::atom("restart")>;
using kill_atom = caf::atom_constant<caf::atom("kill")>;
using kill_pid_atom = caf::atom_constant<caf::atom("killpid")>;
using launch_atom = caf::atom_constant<caf::atom("launch")>;
using deadline_atom = caf::atom_constant<caf::atom("deadline")>;
using post_start_atom = caf::atom_constant<caf::atom("poststart")>;

constexpr auto call_patience = std::chrono::seconds(30);

using impl_actor = pod_worker_actor::extend<
    caf::reacts_to<exited_atom, std::string, int32_t>,
    caf::reacts_to<probe_atom, std::string, int32_t, int32_t, bool, std::string>,
    caf::reacts_to<restart_atom, std::string, int32_t>,
    caf::reacts_to<kill_atom, int32_t>,
    caf::reacts_to<kill_pid_atom, int32_t>,
    caf::reacts_to<deadline_atom, int64_t>,
    caf::reacts_to<post_start_atom, std::string, int32_t, bool>,
    caf::reacts_to<tick_atom>>;

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
  bool starting = false;
  bool stop_sent = false;  // signalled to stop (a sidecar's turn came): not signalled again
  bool post_start_running = false;  // its postStart hook has not finished: the next waits
  int32_t backoff_level = 0;
  int64_t started_mono_ms = 0;
  int64_t launched_unix_us = 0;  // its termination message file must be newer
  std::string exit_file, cgroup;
  std::vector<std::string> env;
  std::string workdir;
  probe_state probes[3];
};

struct worker_state {
  pod_worker_deps deps;
  std::shared_ptr<const std::string> bytes;  // the pod as last seen
  std::unique_ptr<object_reader> reader;
  pod_model model;
  std::vector<container_run> init_runs, runs;
  bool terminating = false;
  bool sidecars_stopping = false;  // the pod's containers are done or stopped: sidecars follow
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

k8s::Pod::Reader pod_of(self_ptr self) { return self->state.reader->as<k8s::Pod>(); }
const kubelet_deps& node_of(self_ptr self) { return *self->state.deps.node; }

std::string pod_ns(self_ptr self) { return text_string(pod_of(self).getMetadata().getNamespace()); }
std::string pod_name(self_ptr self) { return text_string(pod_of(self).getMetadata().getName()); }
std::string api_name(self_ptr self) {
  return self->state.deps.mirror_of.empty() ? pod_name(self) : self->state.deps.mirror_of;
}

k8s::Container::Reader spec_of(self_ptr self, bool init, size_t i) {
  auto spec = pod_of(self).getSpec();
  return init ? spec.getInitContainers()[static_cast<unsigned>(i)] : spec.getContainers()[static_cast<unsigned>(i)];
}

container_model& model_of(self_ptr self, bool init, size_t i) {
  return init ? self->state.model.init_containers[i] : self->state.model.containers[i];
}
container_run& run_of(self_ptr self, bool init, size_t i) {
  return init ? self->state.init_runs[i] : self->state.runs[i];
}

// Finds a container by name: (init, index).
std::optional<std::pair<bool, size_t>> find(self_ptr self, const std::string& name) {
  auto& m = self->state.model;
  for (size_t i = 0; i < m.containers.size(); ++i)
    if (m.containers[i].name == name) return std::pair{false, i};
  for (size_t i = 0; i < m.init_containers.size(); ++i)
    if (m.init_containers[i].name == name) return std::pair{true, i};
  return std::nullopt;
}

std::string log_dir(self_ptr self, const std::string& container) {
  return container_log_dir(node_of(self).data_dir + "/logs", pod_ns(self), pod_name(self), self->state.deps.uid,
                           container);
}

void save_record(self_ptr self) {
  if (node_of(self).hollow) return;
  pod_record r;
  r.uid = self->state.deps.uid;
  r.ns = pod_ns(self);
  r.name = pod_name(self);
  r.ip = self->state.model.pod_ip;
  for (bool init : {true, false}) {
    auto& models = init ? self->state.model.init_containers : self->state.model.containers;
    for (size_t i = 0; i < models.size(); ++i) {
      auto& run = run_of(self, init, i);
      r.containers.push_back({models[i].name, init, run.instance, models[i].restart_count, run.shim, run.pid,
                              run.shim_start, models[i].started_at, run.exit_file});
    }
  }
  save_pod_record(node_of(self).data_dir, r);
}

// ---- events ---------------------------------------------------------------------------------

std::string field_path(self_ptr self, bool init, size_t i) {
  return std::string(init ? "spec.initContainers{" : "spec.containers{") + model_of(self, init, i).name + "}";
}

// Records an Event about the pod as the kubelet's recorder does: the same reason and message
// again counts up on the Event made the first time instead of making another.
void record_event(self_ptr self, const std::string& type, const std::string& reason, const std::string& path,
                  const std::string& message) {
  auto& st = self->state;
  // Hollow nodes run nothing worth telling; static pods' events would name the manifest's pod.
  if (!st.deps.api || node_of(self).hollow || !st.deps.mirror_of.empty()) return;
  if (st.events.size() >= 64) st.events.clear();  // bounded, whatever the messages
  std::string key = reason + '\0' + path + '\0' + message;
  auto& seen = st.events[key];
  int64_t now = unix_micros();
  if (seen.count == 0) seen.first_micros = now;
  ++seen.count;
  bool first = seen.name.empty();
  if (first) seen.name = event_name(pod_name(self), now * 1000 + st.event_serial++ % 1000);
  auto object = new_event(*st.bytes, "Pod", {type, reason, message, "kubelet", node_of(self).node, path},
                          seen.first_micros, now, seen.count, seen.name);
  auto req = make_request(first ? api_verb::create : api_verb::update, "events", pod_ns(self), first ? "" : seen.name,
                          std::move(object));
  // Not stored (or since deleted): the next occurrence starts a new Event.
  self->request(st.deps.api, call_patience, api_atom::value, std::move(req))
      .then([](api_reply&) {}, [=](caf::error&) { self->state.events.erase(key); });
}

// ---- status ---------------------------------------------------------------------------------

void report(self_ptr self) {
  auto& st = self->state;
  if (st.gone || !st.deps.api) return;
  auto fingerprint = status_fingerprint(st.model);
  if (fingerprint == st.reported) return;
  if (st.writing) {
    st.write_again = true;
    return;
  }
  st.writing = true;
  auto object = with_pod_status(*st.bytes, st.model, unix_seconds());
  auto req = make_request(api_verb::update_status, "pods", pod_ns(self), api_name(self), std::move(object));
  self->request(st.deps.api, call_patience, api_atom::value, std::move(req))
      .then(
          [=](api_reply&) {
            self->state.reported = fingerprint;
            self->state.writing = false;
            if (std::exchange(self->state.write_again, false)) report(self);
          },
          [=](caf::error&) {
            // The server is away or the pod is gone; the periodic tick tries again.
            self->state.writing = false;
            self->state.write_again = false;
          });
}

// ---- starting containers --------------------------------------------------------------------

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

void schedule_probes(self_ptr self, bool init, size_t i);
void reconcile(self_ptr self);
int64_t grace_ms_of(self_ptr self);
int64_t spec_grace_ms_of(self_ptr self);
void stop_sidecars(self_ptr self);
void check_stopped(self_ptr self);

void set_running(self_ptr self, bool init, size_t i) {
  auto& m = model_of(self, init, i);
  auto& run = run_of(self, init, i);
  m.state = container_model::phase::running;
  m.started_at = unix_seconds();
  m.waiting_reason.clear();
  m.waiting_message.clear();
  m.terminated.reset();
  m.container_id = "troupe://" + self->state.deps.uid.substr(0, 8) + "-" + m.name + "-" + std::to_string(run.instance);
  m.ready = !m.has_readiness;
  m.started = !m.has_startup;
  run.started_mono_ms = monotonic_millis();
  run.stop_sent = false;
}

void fail_to_start(self_ptr self, bool init, size_t i, const std::string& reason, const std::string& message);

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
  run.post_start_running = true;
  m.started = false;
  if (!hook) return caf::anon_send(me, post_start_atom::value, name, instance, false);
  // Kubernetes sets no limit; this one only keeps a hook that hangs from holding a thread for ever.
  hook->timeout_ms = 600000;
  run_detached(self, *hook, run, [=](const probe_outcome& outcome) {
    caf::anon_send(me, post_start_atom::value, name, instance, outcome.success);
  });
}

void stop_container(self_ptr self, bool init, size_t i, int64_t grace_ms);

void post_start_done(self_ptr self, const std::string& name, int32_t instance, bool ok) {
  auto where = find(self, name);
  if (!where) return;
  auto [init, i] = *where;
  auto& run = run_of(self, init, i);
  auto& m = model_of(self, init, i);
  if (run.instance != instance || !run.post_start_running) return;
  run.post_start_running = false;
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

void launch_container(self_ptr self, bool init, size_t i, resolved_env env) {
  auto c = spec_of(self, init, i);
  auto& m = model_of(self, init, i);
  auto& run = run_of(self, init, i);
  auto& node = node_of(self);
  auto command = command_line(c, env.env);
  if (command.empty()) return fail_to_start(self, init, i, "CreateContainerError", "no command specified");
  run.launched_unix_us = unix_micros();
  ++run.instance;
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
  run.starting = true;
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
        run.starting = false;
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
        if (self->state.sidecars_stopping && model_of(self, init, i).sidecar) stop_sidecars(self);
        run_post_start(self, init, i);
        schedule_probes(self, init, i);
        report(self);
        reconcile(self);
      });
}

// ConfigMaps and Secrets are read fresh for every start, as the kubelet does.
void start_container(self_ptr self, bool init, size_t i) {
  auto& run = run_of(self, init, i);
  run.starting = true;
  if (node_of(self).hollow) {
    ++run.instance;
    run.starting = false;
    set_running(self, init, i);
    auto& m = model_of(self, init, i);
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
      run_of(self, init, i).starting = false;
      // It was all a stop waited for (a sidecar's turn, the pod's end).
      if (self->state.terminating) {
        stop_sidecars(self);
        check_stopped(self);
      }
      return;
    }
    auto env = resolve_env(spec_of(self, init, i), fields_of(self), *sources);
    if (!env.error.empty()) return fail_to_start(self, init, i, "CreateContainerConfigError", env.error);
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

// ---- ends and restarts ----------------------------------------------------------------------

void after_termination(self_ptr self, bool init, size_t i);

void fail_to_start(self_ptr self, bool init, size_t i, const std::string& reason, const std::string& message) {
  auto& m = model_of(self, init, i);
  auto& run = run_of(self, init, i);
  run.starting = false;
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
  m.terminated = terminated_info{128, 0, reason, message, now, now, m.container_id};
  after_termination(self, init, i);
}

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
  if (!self->state.terminating && !(m.sidecar && self->state.sidecars_stopping) &&
      should_restart(self->state.model.policy, *m.terminated, m)) {
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
  if (!m.sidecar || self->state.sidecars_stopping)
    if (self->state.terminating || pod_finished(self->state.model)) stop_sidecars(self);
  report(self);
  reconcile(self);
}

void restart(self_ptr self, const std::string& name, int32_t instance) {
  auto where = find(self, name);
  if (!where || self->state.terminating) return;
  auto [init, i] = *where;
  auto& m = model_of(self, init, i);
  auto& run = run_of(self, init, i);
  if (m.sidecar && self->state.sidecars_stopping) return;
  if (run.instance != instance || m.state == container_model::phase::running || run.starting) return;
  if (m.terminated) ++m.restart_count;
  m.state = container_model::phase::waiting;
  if (m.waiting_reason != "CrashLoopBackOff") m.waiting_reason = "ContainerCreating";
  m.terminated.reset();
  start_container(self, init, i);
  report(self);
}

// ---- probes ---------------------------------------------------------------------------------

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

void stop_container(self_ptr self, bool init, size_t i, int64_t grace_ms);

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

// ---- stopping -------------------------------------------------------------------------------

bool anything_running(self_ptr self) {
  for (bool init : {true, false}) {
    auto& runs = init ? self->state.init_runs : self->state.runs;
    for (size_t i = 0; i < runs.size(); ++i)
      if (runs[i].starting || model_of(self, init, i).state == container_model::phase::running) return true;
  }
  return false;
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

// preStop hook (within the grace period), then SIGTERM; SIGKILL at once with no grace.
void signal_stop(self_ptr self, bool init, size_t i, int64_t grace_ms) {
  auto& run = run_of(self, init, i);
  pid_t pid = run.pid;
  if (pid <= 0) return;
  auto c = spec_of(self, init, i);
  std::string error;
  std::optional<probe_spec> hook;
  if (c.hasLifecycle() && c.getLifecycle().hasPreStop())
    hook = handler_spec_of(c.getLifecycle().getPreStop(), c, self->state.model.pod_ip, error);
  if (!hook || grace_ms <= 0) {
    kill(-pid, grace_ms <= 0 ? SIGKILL : SIGTERM);
    return;
  }
  hook->timeout_ms = grace_ms;
  run_detached(self, *hook, run, [pid](const probe_outcome&) { kill(-pid, SIGTERM); });
}

// One container stopped on its own (a failed probe): signal_stop, then SIGKILL to that run
// when the grace period ends.
void stop_container(self_ptr self, bool init, size_t i, int64_t grace_ms) {
  pid_t pid = run_of(self, init, i).pid;
  if (pid <= 0) return;
  signal_stop(self, init, i, grace_ms);
  if (grace_ms > 0)
    self->delayed_send(self, std::chrono::milliseconds(grace_ms), kill_pid_atom::value,
                       static_cast<int32_t>(pid));
}

void kill_pid_if_running(self_ptr self, int32_t pid) {
  for (auto* runs : {&self->state.init_runs, &self->state.runs})
    for (auto& run : *runs)
      if (run.pid == pid) kill(-pid, SIGKILL);  // still that run: its grace is over
}

// preStop hooks first (each within the grace period), then SIGTERM, then SIGKILL at the end.
void terminate(self_ptr self) {
  auto& st = self->state;
  if (st.terminating) return;
  st.terminating = true;
  int32_t generation = ++st.termination;
  int64_t grace = grace_ms_of(self);
  if (node_of(self).hollow) {
    for (auto& c : st.model.containers) c.state = container_model::phase::terminated;
    for (auto& c : st.model.init_containers) c.state = container_model::phase::terminated;
    return check_stopped(self);
  }
  // The containers and a running init container stop first (preStop, SIGTERM); sidecars
  // follow once they have, last started first.
  for (bool init : {false, true}) {
    auto& models = init ? st.model.init_containers : st.model.containers;
    for (size_t i = 0; i < models.size(); ++i) {
      if (models[i].sidecar || models[i].state != container_model::phase::running || run_of(self, init, i).pid <= 0)
        continue;
      record_event(self, "Normal", "Killing", field_path(self, init, i), "Stopping container " + models[i].name);
      signal_stop(self, init, i, grace);
    }
  }
  st.termination_deadline_ms = monotonic_millis() + std::max<int64_t>(grace, 0);
  self->delayed_send(self, std::chrono::milliseconds(std::max<int64_t>(grace, 0)), kill_atom::value, generation);
  stop_sidecars(self);
  check_stopped(self);
}

// A sidecar whose turn comes when the grace period is over still gets this long after SIGTERM,
// as the kubelet's minimumGracePeriodInSeconds.
constexpr int64_t minimum_grace_ms = 2000;

// Once the pod's containers are done or stopped, its sidecars stop one at a time, last started
// first, each once the one after it has ended (as the kubelet orders them); they are not
// started again. Called again as each ends.
void stop_sidecars(self_ptr self) {
  auto& st = self->state;
  for (bool init : {false, true}) {
    auto& models = init ? st.model.init_containers : st.model.containers;
    for (size_t i = 0; i < models.size(); ++i)
      if (!models[i].sidecar &&
          (run_of(self, init, i).starting || models[i].state == container_model::phase::running))
        return;
  }
  st.sidecars_stopping = true;
  for (size_t i = st.init_runs.size(); i-- > 0;) {
    auto& m = st.model.init_containers[i];
    auto& run = st.init_runs[i];
    if (!m.sidecar) continue;
    if (run.starting) return;  // stopped once it runs
    // One waiting to restart stays so, its last run its last state, as the kubelet leaves it.
    if (m.state != container_model::phase::running || run.pid <= 0) continue;
    if (run.stop_sent) return;  // its turn is under way
    run.stop_sent = true;
    int64_t grace = st.terminating ? std::max(st.termination_deadline_ms - monotonic_millis(), minimum_grace_ms)
                                   : grace_ms_of(self);
    record_event(self, "Normal", "Killing", field_path(self, true, i), "Stopping container " + m.name);
    stop_container(self, true, i, grace);
    return;
  }
}

// The grace period is over: what still runs is killed, but sidecars, each of which has (or
// will have, when its turn comes) its own kill timer after at least the minimum grace.
void kill_remaining(self_ptr self, int32_t generation) {
  if (generation != self->state.termination) return;
  for (bool init : {false, true}) {
    auto& runs = init ? self->state.init_runs : self->state.runs;
    for (size_t i = 0; i < runs.size(); ++i)
      if (runs[i].pid > 0 && !model_of(self, init, i).sidecar) kill(-runs[i].pid, SIGKILL);
  }
}

// ---- the main loop --------------------------------------------------------------------------

bool may_start(const container_model& m, const container_run& run) {
  return m.state == container_model::phase::waiting && !run.starting && m.waiting_reason != "CrashLoopBackOff" &&
         m.waiting_reason != "CreateContainerConfigError";
}

// Starts what should run now: the next init container, or every container not yet started. A
// sidecar (an init container with restartPolicy Always) starts in its turn, and the next one
// waits until it has started (its startup probe passed); it then runs beside the containers.
void reconcile(self_ptr self) {
  auto& st = self->state;
  if (st.terminating) return check_stopped(self);
  // Once a container has run, the pod is initialized for good: a sidecar restarting holds
  // nothing back.
  bool ran = false;
  for (auto& m : st.model.containers)
    ran = ran || m.state != container_model::phase::waiting || m.last || m.restart_count > 0;
  for (size_t i = 0; i < st.model.init_containers.size(); ++i) {
    auto& m = st.model.init_containers[i];
    if (m.sidecar) {
      if (may_start(m, st.init_runs[i]) && !st.sidecars_stopping) start_container(self, true, i);
      if (ran || (m.state == container_model::phase::running && m.started && !st.init_runs[i].post_start_running))
        continue;
      report(self);
      return;
    }
    if (completed(m)) continue;
    if (may_start(m, st.init_runs[i])) start_container(self, true, i);
    if (completed(m)) continue;  // a hollow init container is done at once
    report(self);
    return;  // one at a time, in order
  }
  for (size_t i = 0; i < st.model.containers.size(); ++i) {
    auto& m = st.model.containers[i];
    if (may_start(m, st.runs[i])) {
      if (m.waiting_reason == "PodInitializing") m.waiting_reason = "ContainerCreating";
      start_container(self, false, i);
    }
    // The kubelet starts containers one after another, each after the last one's postStart
    // hook: a hook that is starting or running holds the rest back.
    auto c = spec_of(self, false, i);
    if (c.hasLifecycle() && c.getLifecycle().hasPostStart() && (st.runs[i].starting || st.runs[i].post_start_running))
      break;
  }
  report(self);
}

// Containers an earlier agent or worker started: watch those still running, settle those that
// ended (a finished init container is not run again).
void adopt(self_ptr self, const pod_record& record) {
  auto me = caf::actor_cast<caf::actor>(self);
  for (auto c : record.containers) {
    auto where = find(self, c.name);
    if (!where || where->first != c.init) continue;
    auto [init, i] = *where;
    auto& m = model_of(self, init, i);
    auto& run = run_of(self, init, i);
    run.instance = c.instance;
    run.shim = c.shim;
    run.pid = c.pid;
    run.shim_start = c.shim_start;
    run.exit_file = c.exit_file;
    run.cgroup = self->state.deps.uid + "_" + c.name;
    m.restart_count = c.restart_count;
    if (c.shim <= 0) {
      std::error_code ec;
      if (auto trace = load_launch_trace(c.exit_file)) {  // launched, not yet recorded as such
        run.shim = c.shim = trace->shim;
        run.pid = c.pid = trace->pid;
        run.shim_start = c.shim_start = trace->shim_start;
        c.started_at = trace->started_at;
      } else if (!c.exit_file.empty() && std::filesystem::exists(c.exit_file, ec)) {
        // Ended: settled here from its exit record, so the first status is already right; a
        // restart its policy asks for waits until every container is adopted.
        set_running(self, init, i);
        m.started_at = c.started_at;
        settle_exit(self, init, i);
        if (should_restart(self->state.model.policy, *m.terminated, m))
          self->send(self, restart_atom::value, c.name, c.instance);
        continue;
      } else {
        continue;  // never launched: it starts as any waiting container
      }
    }
    set_running(self, init, i);
    m.started_at = c.started_at;
    m.ready = true;
    m.started = true;
    std::string name = c.name;
    int32_t instance = c.instance;
    bool alive = process_start_time(c.shim) == std::optional<uint64_t>(c.shim_start) &&
                 node_of(self).exits->watch(c.shim, [me, name, instance] {
                   caf::anon_send(me, exited_atom::value, name, instance);
                 });
    if (!alive) self->send(self, exited_atom::value, name, instance);
    else schedule_probes(self, init, i);
  }
}

void first_sight(self_ptr self) {
  auto& st = self->state;
  st.model = kubelet::model_of(pod_of(self));
  st.model.hollow = node_of(self).hollow;
  st.model.pod_ip = st.deps.ip;
  st.model.host_ip = node_of(self).host_ip;
  // A worker taking over a pod (after an agent restart or another worker) keeps its start time.
  auto started = pod_of(self).getStatus().getStartTime();
  st.model.start_time = started != 0 ? started : unix_seconds();
  st.init_runs.resize(st.model.init_containers.size());
  st.runs.resize(st.model.containers.size());
  if (st.deps.adopted) adopt(self, *st.deps.adopted);
  save_record(self);
  if (pod_finished(st.model)) stop_sidecars(self);  // the pod was done when its worker ended
}

// spec.activeDeadlineSeconds, counted from the pod's start (it may be shortened later).
void schedule_deadline(self_ptr self) {
  auto& st = self->state;
  auto seconds = pod_of(self).getSpec().getActiveDeadlineSeconds();
  if (st.terminating || !seconds.isValue()) return;
  // Validation bounds it to 2^31 - 1 seconds; older objects are held to the same.
  int64_t due = st.model.start_time + std::min<int64_t>(seconds.getValue(), INT32_MAX);
  if (due == st.active_deadline) return;
  st.active_deadline = due;
  int64_t wait_ms = std::max<int64_t>(due * 1000 - unix_micros() / 1000, 0);
  self->delayed_send(self, std::chrono::milliseconds(wait_ms), deadline_atom::value, due);
}

// The kubelet's active deadline handler: past it, the pod fails (DeadlineExceeded) and its
// containers are stopped as for a deletion, but the object stays.
void deadline_passed(self_ptr self, int64_t due) {
  auto& st = self->state;
  if (due != st.active_deadline || st.terminating) return;
  // A pod that has finished keeps its phase: the kubelet no longer syncs it.
  if (pod_finished(st.model)) return;
  if (unix_seconds() < due) {
    self->delayed_send(self, std::chrono::seconds(1), deadline_atom::value, due);
    return;
  }
  st.model.failed_reason = "DeadlineExceeded";
  st.model.failed_message = "Pod was active on the node longer than the specified deadline";
  record_event(self, "Normal", st.model.failed_reason, "", st.model.failed_message);
  terminate(self);
  report(self);
}

void pod_changed(self_ptr self, pod_bytes bytes) {
  auto& st = self->state;
  bool first = !st.bytes;
  st.bytes = std::move(bytes);
  st.reader = std::make_unique<object_reader>(*st.bytes);
  if (first) first_sight(self);
  if (pod_of(self).getMetadata().getDeletionTimestamp() != 0) terminate(self);
  schedule_deadline(self);
  reconcile(self);
}

// ---- exec and logs --------------------------------------------------------------------------

// The container a request names ("" = the pod's first), or the error to answer with.
caf::expected<std::tuple<bool, size_t, std::string>> container_for(self_ptr self, const std::string& wanted,
                                                                   const std::string& pod) {
  auto& containers = self->state.model.containers;
  auto name = wanted.empty() && !containers.empty() ? containers[0].name : wanted;
  auto where = find(self, name);
  if (!where) return make_error(api_errc::bad_request, "container " + name + " is not valid for pod " + pod);
  return std::make_tuple(where->first, where->second, name);
}

using exec_runner_actor = caf::typed_actor<caf::replies_to<exec_atom, exec_request>::with<exec_reply>>;

exec_runner_actor::behavior_type exec_runner(exec_runner_actor::pointer me, std::vector<std::string> env,
                                             std::string workdir) {
  return {[=](exec_atom, exec_request& req) -> caf::result<exec_reply> {
    me->quit();
    // Output up to one byte past what an exec carries, so a caller can tell it was cut.
    auto r = run_command(req.command, env, workdir, req.timeout_ms, exec_max_bytes + 1, req.with_stdin ? &req.input : nullptr);
    if (!r.error.empty()) return make_error(api_errc::bad_request, "exec failed: " + r.error);
    return exec_reply{r.timed_out ? 124 : r.exit_code, std::move(r.out), std::move(r.err)};
  }};
}

caf::result<exec_reply> exec(self_ptr self, exec_request& req) {
  auto where = container_for(self, req.container, req.pod);
  if (!where) return where.error();
  auto [init, i, name] = *where;
  if (model_of(self, init, i).state != container_model::phase::running)
    return make_error(api_errc::bad_request, "container " + name + " is not running");
  if (node_of(self).hollow) return exec_reply{0, "", ""};
  auto& run = run_of(self, init, i);
  // The command blocks: a detached actor runs it and answers the caller itself.
  auto runner = self->spawn<caf::detached>(exec_runner, run.env, run.workdir);
  return self->delegate(runner, exec_atom::value, std::move(req));
}

caf::result<logs_reply> logs(self_ptr self, logs_request& req) {
  auto where = container_for(self, req.container, req.pod);
  if (!where) return where.error();
  auto [init, i, name] = *where;
  auto& m = model_of(self, init, i);
  int32_t instance = m.restart_count;
  if (req.previous) {
    if (m.restart_count == 0)
      return make_error(api_errc::bad_request, "previous terminated container " + quote(name) + " in pod " +
                                                   quote(req.pod) + " not found");
    instance = m.restart_count - 1;
  }
  log_query q;
  q.tail = req.tail;
  q.timestamps = req.timestamps;
  q.offset = req.offset;
  if (req.since_seconds > 0) q.since_unix_ms = unix_micros() / 1000 - req.since_seconds * 1000;
  auto text = read_log(container_log(log_dir(self, name), std::max(instance, 0)), q);
  return logs_reply{std::move(text.text), text.offset,
                    m.state == container_model::phase::running && !req.previous};
}

void tick(self_ptr self) {
  auto& st = self->state;
  if (st.bytes && !node_of(self).hollow)
    for (auto& m : st.model.containers)
      rotate_log(container_log(log_dir(self, m.name), m.restart_count), node_of(self).knobs.log_max_bytes,
                 node_of(self).knobs.log_max_files);
  st.reported.clear();  // rewrite the status now and then, in case a write was lost
  if (st.bytes) report(self);
  self->delayed_send(self, std::chrono::milliseconds(node_of(self).knobs.status_interval_ms), tick_atom::value);
}

impl_actor::behavior_type worker_behavior(self_ptr self, pod_worker_deps deps) {
  self->state.deps = std::move(deps);
  self->delayed_send(self, std::chrono::milliseconds(self->state.deps.node->knobs.status_interval_ms), tick_atom::value);
  // CAF ends an actor whose handler throws, with a bare "unhandled exception" on stdout: say on
  // stderr which pod's worker ended and why. Nothing here may throw again (the pod's bytes may be
  // what failed): CAF 0.17 calls this inside a catch, and a throw from it ends the agent.
  self->set_exception_handler([self](caf::scheduled_actor*, std::exception_ptr& error) -> caf::error {
    std::string why = "unknown exception";
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& e) {
      why = e.what();
    } catch (...) {
    }
    std::string pod;
    try {
      if (self->state.reader) pod = pod_ns(self) + "/" + pod_name(self) + " ";
    } catch (...) {
    }
    std::fprintf(stderr, "troupe kubelet: the worker of pod %s(uid %s) stopped: %s\n", pod.c_str(),
                 self->state.deps.uid.c_str(), why.c_str());
    return caf::sec::runtime_error;
  });
  return {
      [=](pod_atom, pod_bytes& bytes) { pod_changed(self, std::move(bytes)); },
      [=](connected_atom, resource_actor api, store_actor) {
        self->state.deps.api = std::move(api);
        self->state.reported.clear();
        if (self->state.bytes) report(self);
      },
      [=](stop_atom) {
        self->state.gone = true;
        if (self->state.bytes) terminate(self);  // nothing to do if its deadline stopped it already
        check_stopped(self);
      },
      [=](exited_atom, const std::string& name, int32_t instance) {
        container_exited(self, name, instance);
        check_stopped(self);
      },
      [=](probe_atom, const std::string& name, int32_t instance, int32_t kind, bool is_result,
          const std::string& text) { handle_probe(self, name, instance, kind, is_result, text); },
      [=](restart_atom, const std::string& name, int32_t instance) {
        auto where = find(self, name);
        if (where) {
          auto& m = model_of(self, where->first, where->second);
          if (m.waiting_reason == "CrashLoopBackOff" || m.waiting_reason == "CreateContainerConfigError")
            m.waiting_reason = "ContainerCreating";
        }
        restart(self, name, instance);
      },
      [=](kill_atom, int32_t generation) { kill_remaining(self, generation); },
      [=](kill_pid_atom, int32_t pid) { kill_pid_if_running(self, pid); },
      [=](deadline_atom, int64_t due) { deadline_passed(self, due); },
      [=](post_start_atom, const std::string& name, int32_t instance, bool ok) {
        post_start_done(self, name, instance, ok);
      },
      [=](tick_atom) { tick(self); },
      [=](exec_atom, exec_request& req) { return exec(self, req); },
      [=](logs_atom, logs_request& req) { return logs(self, req); },
  };
}

}  // namespace

pod_worker_actor spawn_pod_worker(caf::actor_system& sys, pod_worker_deps deps) {
  return caf::actor_cast<pod_worker_actor>(sys.spawn(worker_behavior, std::move(deps)));
}

}  // namespace troupe::kubelet
