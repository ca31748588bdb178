#include "actors/kubelet/pod_status.hpp"

#include <capnp/message.h>

#include "runtime/object/object.hpp"
#include "runtime/object/pod_condition.hpp"
#include "runtime/object/qos.hpp"

namespace troupe::kubelet {
namespace {

k8s::PodPhase phase_of(const std::string& p) {
  if (p == "Running") return k8s::PodPhase::RUNNING;
  if (p == "Succeeded") return k8s::PodPhase::SUCCEEDED;
  if (p == "Failed") return k8s::PodPhase::FAILED;
  return k8s::PodPhase::PENDING;
}

void set_terminated(k8s::ContainerStateTerminated::Builder out, const terminated_info& t) {
  out.setExitCode(t.exit_code);
  out.setSignal(t.signal);
  out.setReason(t.reason);
  if (!t.message.empty()) out.setMessage(t.message);
  out.setStartedAt(t.started_at);
  out.setFinishedAt(t.finished_at);
  out.setContainerID(t.container_id);
}

void set_container(k8s::ContainerStatus::Builder out, const container_model& c, bool hollow) {
  out.setName(c.name);
  out.setImage(c.image);
  out.setImageID(hollow ? "" : "troupe-process://" + c.image);
  out.setRestartCount(c.restart_count);
  // An init container that finished with 0 counts as ready, as the 1.29 prober manager says.
  // One still running is not ready: only sidecars and containers have readiness.
  bool init_done = c.init && !c.sidecar && completed(c);
  bool has_readiness = !c.init || c.sidecar;
  // Not ready before its startup probe has passed, whatever its readiness probe says.
  out.setReady(init_done || (has_readiness && c.ready && c.started &&
                             c.state == container_model::phase::running));
  out.getStarted().setValue(c.state == container_model::phase::running && c.started);
  if (!c.container_id.empty()) out.setContainerID(c.container_id);
  auto state = out.initState();
  switch (c.state) {
    case container_model::phase::waiting: {
      auto w = state.initWaiting();
      w.setReason(c.waiting_reason);
      if (!c.waiting_message.empty()) w.setMessage(c.waiting_message);
      break;
    }
    case container_model::phase::running: state.initRunning().setStartedAt(c.started_at); break;
    case container_model::phase::terminated:
      if (c.terminated) set_terminated(state.initTerminated(), *c.terminated);
      break;
  }
  if (c.last) set_terminated(out.initLastState().initTerminated(), *c.last);
  else out.initLastState();  // written {}, as Kubernetes writes the empty struct
}

void set_containers(capnp::List<k8s::ContainerStatus>::Builder list, const std::vector<container_model>& cs,
                    bool hollow) {
  for (unsigned i = 0; i < list.size(); ++i) set_container(list[i], cs[i], hollow);
}

}  // namespace

pod_model model_of(k8s::Pod::Reader pod) {
  pod_model m;
  auto spec = pod.getSpec();
  switch (spec.getRestartPolicy()) {
    case k8s::RestartPolicy::ON_FAILURE: m.policy = restart_policy::on_failure; break;
    case k8s::RestartPolicy::NEVER: m.policy = restart_policy::never; break;
    default: m.policy = restart_policy::always; break;
  }
  // Behind init containers, every container waits with PodInitializing, as the kubelet says.
  bool initializing = spec.getInitContainers().size() > 0;
  auto add = [&](std::vector<container_model>& out, capnp::List<k8s::Container>::Reader list, bool init) {
    for (auto c : list) {
      container_model cm;
      cm.name = text_string(c.getName());
      cm.image = text_string(c.getImage());
      cm.init = init;
      cm.sidecar = init && text_view(c.getRestartPolicy()) == "Always";
      cm.has_readiness = c.hasReadinessProbe() && !c.getReadinessProbe().isUnset();
      cm.has_startup = c.hasStartupProbe() && !c.getStartupProbe().isUnset();
      cm.has_post_start = c.hasLifecycle() && c.getLifecycle().hasPostStart();
      cm.waiting_reason = init || initializing ? "PodInitializing" : "ContainerCreating";
      out.push_back(std::move(cm));
    }
  };
  add(m.init_containers, spec.getInitContainers(), true);
  add(m.containers, spec.getContainers(), false);
  if (!m.init_containers.empty()) m.init_containers[0].waiting_reason = "ContainerCreating";
  m.qos = qos_class_name(qos_class(spec));
  m.readiness_gates = readiness_gates_of(pod);
  return m;
}

std::vector<pod_model::readiness_gate> readiness_gates_of(k8s::Pod::Reader pod) {
  std::vector<pod_model::readiness_gate> gates;
  for (auto gate : pod.getSpec().getReadinessGates()) {
    pod_model::readiness_gate g{text_string(gate.getConditionType()), ""};
    for (auto c : pod.getStatus().getConditions())
      if (text_view(c.getType()) == g.type) g.status = condition_status_text(c.getStatus());
    gates.push_back(std::move(g));
  }
  return gates;
}

std::string status_fingerprint(const pod_model& m) {
  auto s = compute_pod_status(m);
  std::string f = s.phase + "|" + m.pod_ip + "|" + std::to_string(m.start_time);
  for (auto& c : s.conditions) f += "|" + c.type + c.status + c.reason + c.message;
  for (auto* list : {&m.init_containers, &m.containers})
    for (auto& c : *list) {
      f += "|" + c.name + std::to_string(static_cast<int>(c.state)) + c.waiting_reason + c.waiting_message +
           std::to_string(c.restart_count) + (c.ready ? "R" : "") + (c.started ? "S" : "") + c.container_id;
      if (c.terminated) f += std::to_string(c.terminated->exit_code) + c.terminated->reason;
    }
  return f;
}

std::string with_pod_status(std::string_view stored, const pod_model& m, int64_t now, bool conditional) {
  object_reader r(stored);
  auto old = r.as<k8s::Pod>().getStatus();
  capnp::MallocMessageBuilder msg;
  msg.setRoot(r.as<k8s::Pod>());
  auto pod = msg.getRoot<k8s::Pod>();
  if (!conditional) pod.getMetadata().disownResourceVersion();
  auto s = compute_pod_status(m);
  auto status = pod.initStatus();
  status.setPhase(phase_of(s.phase));
  if (!s.reason.empty()) status.setReason(s.reason);
  if (!s.message.empty()) status.setMessage(s.message);
  // Conditions others own (a readiness gate's, DisruptionTarget) stay, first, as the kubelet's
  // mergePodStatus keeps them.
  std::vector<k8s::PodCondition::Reader> others;
  for (auto o : old.getConditions()) {
    bool ours = false;
    for (auto& c : s.conditions) ours = ours || text_view(o.getType()) == c.type;
    if (!ours) others.push_back(o);
  }
  auto conds = status.initConditions(static_cast<unsigned>(others.size() + s.conditions.size()));
  for (unsigned i = 0; i < others.size(); ++i) conds.setWithCaveats(i, others[i]);
  for (unsigned i = static_cast<unsigned>(others.size()); i < conds.size(); ++i) {
    auto& c = s.conditions[i - others.size()];
    conds[i].setType(c.type);
    conds[i].setStatus(condition_status_named(c.status));
    if (!c.reason.empty()) conds[i].setReason(c.reason);
    if (!c.message.empty()) conds[i].setMessage(c.message);
    int64_t since = now;
    for (auto o : old.getConditions())
      if (text_view(o.getType()) == c.type && o.getStatus() == condition_status_named(c.status))
        since = o.getLastTransitionTime();
    conds[i].setLastTransitionTime(since);
  }
  if (!m.host_ip.empty()) {
    status.setHostIP(m.host_ip);
    status.initHostIPs(1)[0].setIp(m.host_ip);
  }
  if (!m.pod_ip.empty()) {
    status.setPodIP(m.pod_ip);
    status.initPodIPs(1)[0].setIp(m.pod_ip);
  }
  if (m.start_time) status.setStartTime(m.start_time);
  if (!m.init_containers.empty())
    set_containers(status.initInitContainerStatuses(static_cast<unsigned>(m.init_containers.size())),
                   m.init_containers, m.hollow);
  set_containers(status.initContainerStatuses(static_cast<unsigned>(m.containers.size())), m.containers,
                 m.hollow);
  status.setQosClass(m.qos == "Guaranteed"  ? k8s::QosClass::GUARANTEED
                     : m.qos == "Burstable" ? k8s::QosClass::BURSTABLE
                                            : k8s::QosClass::BEST_EFFORT);
  return copy_to_bytes(msg.getRoot<capnp::AnyStruct>().asReader());
}

}  // namespace troupe::kubelet
