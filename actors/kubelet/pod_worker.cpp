#include "actors/kubelet/pod_worker.hpp"
#include "actors/kubelet/pod_worker_state.hpp"

#include <caf/all.hpp>

#include <cstdio>
#include <filesystem>

#include "actors/kubelet/logs.hpp"
#include "actors/kubelet/pod_status.hpp"
#include "runtime/base/text.hpp"
#include "runtime/base/time.hpp"
#include "runtime/caf/errors.hpp"
#include "runtime/object/event.hpp"
#include "runtime/process/exit_watcher.hpp"
#include "runtime/process/launcher.hpp"

namespace troupe::kubelet::worker {
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
      r.containers.push_back({models[i].name, init, run.instance, models[i].restart_count, run.shim,
                              run.pid, run.shim_start, models[i].started_at, run.exit_file,
                              models[i].image});
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
  // A static pod's status goes to its mirror, which the kubelet does not watch: written on top
  // of whatever the mirror is (its manifest has no version to be conditional on).
  auto object = with_pod_status(*st.bytes, st.model, unix_seconds(), st.deps.mirror_of.empty());
  auto req = make_request(api_verb::update_status, "pods", pod_ns(self), api_name(self), std::move(object));
  self->request(st.deps.api, call_patience, api_atom::value, std::move(req))
      .then(
          [=](api_reply& reply) {
            auto& st = self->state;
            st.reported = fingerprint;
            st.writing = false;
            // The pod as now stored, so the next write is not refused for this one's version
            // (the watch brings it too, maybe later). Not a static pod's: its mirror is
            // another object.
            auto seen = parse_int(text_view(st.reader->meta().getResourceVersion())).value_or(0);
            if (st.deps.mirror_of.empty() && !reply.object.empty() && static_cast<int64_t>(reply.revision) > seen) {
              auto reader = std::make_unique<object_reader>(*reply.object.ptr);
              st.bytes = reply.object.ptr;
              st.reader = std::move(reader);
            }
            if (std::exchange(st.write_again, false)) report(self);
          },
          [=](caf::error&) {
            // A Conflict (someone else wrote the pod: the watch brings it, and the pod as it is
            // then is written), the server away or the pod gone: again now if the pod changed
            // meanwhile, else at its next change or the periodic tick.
            self->state.writing = false;
            if (std::exchange(self->state.write_again, false)) report(self);
          });
}

// ---- the main loop --------------------------------------------------------------------------

// Starts what should run now (containers_to_start), and what may then start too: a hollow
// node's containers start, and its init containers complete, at once.
void reconcile(self_ptr self) {
  auto& st = self->state;
  if (st.terminating) return check_stopped(self);
  // Each round starts at least one container that no later round starts again.
  size_t rounds = st.model.init_containers.size() + st.model.containers.size();
  for (size_t round = 0; round < rounds && !st.terminating; ++round) {
    auto starts = containers_to_start(st.model);
    if (starts.empty()) break;
    for (auto [init, i] : starts) {
      auto& m = model_of(self, init, i);
      if (!init && m.waiting_reason == "PodInitializing") m.waiting_reason = "ContainerCreating";
      start_container(self, init, i);
    }
  }
  report(self);
}

namespace {

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
    if (!c.image.empty()) m.image = c.image;  // the spec's may have changed meanwhile
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
    if (!alive) {  // ended while no worker watched: settled now, as one with an exit record
      settle_exit(self, init, i);
      if (should_restart(self->state.model.policy, *m.terminated, m))
        self->send(self, restart_atom::value, c.name, c.instance);
      continue;
    }
    // exec and exec probes run with the container's environment and directory, which only
    // the process itself still knows once the worker that started it is gone.
    if (auto context = process_context_of(c.pid, c.shim)) {
      run.env = std::move(context->env);
      run.workdir = std::move(context->workdir);
    }
    schedule_probes(self, init, i);
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
  if (st.deps.adopted) {
    adopt(self, *st.deps.adopted);
    // An image changed while no worker watched (a pod being deleted is only stopped).
    if (pod_of(self).getMetadata().getDeletionTimestamp() == 0) restart_changed(self);
  }
  save_record(self);
  if (pod_finished(st.model)) stop_sidecars(self);  // the pod was done when its worker ended
}

// spec.activeDeadlineSeconds, counted from the pod's start (it may be shortened later).
void schedule_deadline(self_ptr self) {
  auto& st = self->state;
  auto seconds = pod_of(self).getSpec().getActiveDeadlineSeconds();
  if (st.terminating || !seconds.isValue()) return;
  int64_t due = active_deadline(st.model.start_time, seconds.getValue());
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

// The kubelet's admission of a pod for another operating system: this node runs Linux
// processes, so a pod whose kubernetes.io/os label (as the kubelet reads it: the pod's label,
// not its nodeSelector) or OS field names another fails before anything of it starts.
bool refused_os(self_ptr self) {
  auto pod = pod_of(self);
  auto spec = pod.getSpec();
  auto os_label = map_get(pod.getMetadata().getLabels(), "kubernetes.io/os");
  bool label_differs = os_label && *os_label != "linux";
  if (!label_differs && (!spec.hasOs() || spec.getOs().getName() == "linux")) return false;
  auto& st = self->state;
  st.model.failed_reason =
      label_differs ? "PodOSSelectorNodeLabelDoesNotMatch" : "PodOSNotSupported";
  st.model.failed_message =
      label_differs ? "Failed to admit pod as the `kubernetes.io/os` label doesn't match node label"
                    : "Failed to admit pod as the OS field doesn't match node OS";
  record_event(self, "Warning", st.model.failed_reason, "", st.model.failed_message);
  terminate(self);
  report(self);
  return true;
}

void pod_changed(self_ptr self, pod_bytes bytes) {
  auto& st = self->state;
  bool first = !st.bytes;
  st.bytes = std::move(bytes);
  st.reader = std::make_unique<object_reader>(*st.bytes);
  if (first) first_sight(self);
  // Admission is for pods still to run: one found finished (a successor worker, an agent
  // restarted) keeps its phase whatever its labels say now.
  auto phase = pod_of(self).getStatus().getPhase();
  bool finished = phase == k8s::PodPhase::SUCCEEDED || phase == k8s::PodPhase::FAILED;
  if (first && !finished && refused_os(self)) return;
  st.model.readiness_gates = readiness_gates_of(pod_of(self));  // others set their conditions
  if (pod_of(self).getMetadata().getDeletionTimestamp() != 0) terminate(self);
  if (!first && !st.terminating) restart_changed(self);
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
          if (m.waiting_reason == "CreateContainerConfigError")
            m.waiting_reason = "ContainerCreating";
        }
        restart(self, name, instance);
      },
      [=](kill_atom, int32_t generation) { kill_remaining(self, generation); },
      [=](kill_run_atom, const std::string& name, int32_t instance) {
        kill_run(self, name, instance);
      },
      [=](deadline_atom, int64_t due) { deadline_passed(self, due); },
      [=](post_start_atom, const std::string& name, int32_t instance, bool ok) {
        post_start_done(self, name, instance, ok);
      },
      [=](pre_stop_atom, const std::string& name, int32_t instance, bool ok) {
        pre_stop_done(self, name, instance, ok);
      },
      [=](tick_atom) { tick(self); },
      [=](exec_atom, exec_request& req) { return exec(self, req); },
      [=](logs_atom, logs_request& req) { return logs(self, req); },
  };
}

}  // namespace

}  // namespace troupe::kubelet::worker

namespace troupe::kubelet {

pod_worker_actor spawn_pod_worker(caf::actor_system& sys, pod_worker_deps deps) {
  return caf::actor_cast<pod_worker_actor>(sys.spawn(worker::worker_behavior, std::move(deps)));
}

}  // namespace troupe::kubelet
