#include "actors/scheduler/scheduler.hpp"

#include <caf/all.hpp>
#include <set>
#include <unordered_map>

#include "actors/scheduler/convert.hpp"
#include "actors/scheduler/namespace_labels.hpp"
#include "actors/scheduler/plan.hpp"
#include "actors/scheduler/queue.hpp"
#include "actors/scheduler/recorder.hpp"
#include "actors/scheduler/report.hpp"
#include "runtime/base/time.hpp"
#include "runtime/caf/errors.hpp"
#include "runtime/object/object.hpp"
#include "runtime/store/engine.hpp"
#include "schema/core.capnp.h"

namespace troupe {
namespace {

using kick_atom = caf::atom_constant<caf::atom("kick")>;
using wake_atom = caf::atom_constant<caf::atom("wake")>;
using record_atom = caf::atom_constant<caf::atom("record")>;

using impl_actor = scheduler_actor::extend<
    caf::reacts_to<watch_event_atom, watch_event>, caf::reacts_to<watch_end_atom, uint64_t, caf::error>,
    caf::reacts_to<kick_atom>, caf::reacts_to<wake_atom, uint64_t>, caf::reacts_to<record_atom>>;

constexpr uint64_t pods_watch = 1, nodes_watch = 2, namespaces_watch = 3;

struct cached_pod {
  std::unique_ptr<sched::pod_info> info;
  std::string node;         // bound or assumed
  bool accounted = false;   // counted on `node`
  bool assumed = false;     // our bind is in flight
  int64_t generation = 0;
  std::string last_message; // the FailedScheduling message last reported
};

struct scheduler_state {
  scheduler_deps deps;
  std::vector<sched::node_info> nodes;
  std::unordered_map<std::string, size_t> node_index;
  std::unordered_map<std::string, cached_pod> pods;  // by "ns/name"
  sched::namespace_labels namespace_labels;          // for affinity terms' namespaceSelectors
  sched::scheduling_queue queue;
  size_t next_start = 0;
  size_t in_flight = 0;
  uint64_t received[4] = {0, 0, 0, 0};
  bool kick_pending = false;
  uint64_t wake_generation = 0;
  int64_t wake_at = 0;
  scheduler_stats stats;
  sched::event_queue events;
  bool record_pending = false;  // a record_atom is on its way
  static inline const char* name = "scheduler";
};

using self_ptr = impl_actor::stateful_pointer<scheduler_state>;

std::string key_of(k8s::ObjectMeta::Reader meta) {
  return text_string(meta.getNamespace()) + "/" + text_string(meta.getName());
}

void kick(self_ptr self) {
  if (self->state.kick_pending) return;
  self->state.kick_pending = true;
  self->send(self, kick_atom::value);
}

// ---- the cache ------------------------------------------------------------------------------

void account(self_ptr self, cached_pod& p, const std::string& node) {
  auto it = self->state.node_index.find(node);
  p.node = node;
  if (it == self->state.node_index.end()) return;  // the node is not known (yet)
  self->state.nodes[it->second].add_pod(*p.info);
  p.accounted = true;
}

void unaccount(self_ptr self, cached_pod& p) {
  if (p.accounted) {
    auto it = self->state.node_index.find(p.node);
    if (it != self->state.node_index.end()) self->state.nodes[it->second].remove_pod(*p.info);
  }
  p.accounted = false;
  p.node.clear();
}

// Moves the unschedulable pods `may_fit` picks (by their pod_info) back to the queue.
template <class MayFit>
void requeue_some(self_ptr self, MayFit may_fit) {
  auto& st = self->state;
  st.queue.some_may_fit(
      [&](const std::string& key) {
        auto it = st.pods.find(key);
        return it != st.pods.end() && it->second.info && may_fit(*it->second.info);
      },
      monotonic_millis());
}

// A pod placed: the unschedulable pods whose affinity or spread constraints select it may fit
// now, as kube-scheduler's queueing hints for an assigned pod's add move only those (moving
// them all at every bind would retry each pod that fits nowhere about every 10 s while others
// bind).
void placed(self_ptr self, const sched::pod_info& pod) {
  requeue_some(self, [&](const sched::pod_info& waiting) {
    return sched::may_fit_once_placed(waiting, pod);
  });
}

// A bound pod being deleted: it no longer counts for spread constraints, so the unschedulable
// pods whose DoNotSchedule constraints select it may fit now (nothing else changes until it
// is gone).
void leaving(self_ptr self, const sched::pod_info& pod) {
  requeue_some(
      self, [&](const sched::pod_info& waiting) { return sched::may_fit_once_gone(waiting, pod); });
}

void forget_pod(self_ptr self, const std::string& key) {
  auto it = self->state.pods.find(key);
  if (it == self->state.pods.end()) return;
  unaccount(self, it->second);
  self->state.queue.remove(key);
  if (it->second.info) self->state.namespace_labels.release(it->second.info->ns);
  self->state.pods.erase(it);
}

void pod_changed(self_ptr self, std::string_view bytes) {
  auto& st = self->state;
  object_reader r(bytes);
  auto pod = r.as<k8s::Pod>();
  auto key = key_of(pod.getMetadata());
  auto [it, fresh] = st.pods.try_emplace(key);
  auto& p = it->second;
  int64_t generation = pod.getMetadata().getGeneration();
  // A new spec (generation), new labels, which other pods' (anti-)affinity select by, or a
  // deletion begun, after which spread constraints no longer count it; the last two change
  // without a new generation.
  bool relabelled = !fresh && (generation != p.generation ||
                               !sched::same_labels(pod.getMetadata().getLabels(), p.info->labels));
  bool deleting = !fresh && !relabelled &&
                  p.info->terminating != (pod.getMetadata().getDeletionTimestamp() != 0);
  bool changed = relabelled || deleting;
  if (fresh || changed) {
    if (p.accounted) unaccount(self, p);
    auto previous_labels = fresh ? nullptr : p.info->namespace_labels;
    p.info = std::make_unique<sched::pod_info>(sched::to_pod_info(pod));
    // The same key, the same namespace: held once per cached pod.
    p.info->namespace_labels = fresh ? st.namespace_labels.hold(p.info->ns) : previous_labels;
    p.generation = generation;
  }
  std::string node = text_string(pod.getSpec().getNodeName());
  if (!node.empty()) {
    st.queue.remove(key);
    p.assumed = false;
    if (sched::terminal(pod)) {
      // A finished pod holds nothing on its node any more.
      if (p.accounted) {
        unaccount(self, p);
        st.queue.cluster_changed(monotonic_millis());
        kick(self);
      }
    } else if (!p.accounted || p.node != node) {
      unaccount(self, p);
      account(self, p, node);
      // Relabelled, it may no longer be what a pending pod's anti-affinity shuns; placed (by
      // another scheduler, or nodeName), it may be what a pending pod's affinity waits for.
      if (relabelled)
        st.queue.cluster_changed(monotonic_millis());
      else if (deleting)
        leaving(self, *p.info);
      else
        placed(self, *p.info);
      kick(self);
    }
    return;
  }
  if (p.assumed) return;  // our bind is in flight; this is the pod from before it
  if (sched::waits_for_us(pod)) {
    // Our own status writes (PodScheduled=False) keep the generation: they do not requeue.
    if (fresh || !st.queue.contains(key) || changed)
      st.queue.add(key, p.info->priority, monotonic_millis());
    kick(self);
  } else {
    st.queue.remove(key);
  }
}

void node_changed(self_ptr self, std::string_view bytes) {
  auto& st = self->state;
  object_reader r(bytes);
  auto fresh = sched::to_node_info(r.as<k8s::Node>());
  auto it = st.node_index.find(fresh.name);
  if (it == st.node_index.end()) {
    st.node_index[fresh.name] = st.nodes.size();
    st.nodes.push_back(std::move(fresh));
    // Pods bound to it before it was known now count there.
    for (auto& [key, p] : st.pods)
      if (!p.accounted && !p.node.empty() && p.node == st.nodes.back().name) account(self, p, p.node);
  } else {
    auto& n = st.nodes[it->second];
    n.labels = std::move(fresh.labels);
    n.unschedulable = fresh.unschedulable;
    n.ready = fresh.ready;
    n.taints = std::move(fresh.taints);
    n.allocatable = fresh.allocatable;
    n.extended_allocatable = std::move(fresh.extended_allocatable);
  }
  st.queue.cluster_changed(monotonic_millis());
  kick(self);
}

void node_gone(self_ptr self, std::string_view bytes) {
  auto& st = self->state;
  object_reader r(bytes);
  auto name = text_string(r.meta().getName());
  auto it = st.node_index.find(name);
  if (it == st.node_index.end()) return;
  size_t index = it->second;
  for (auto& [key, p] : st.pods)
    if (p.node == name) p.accounted = false;
  st.node_index.erase(it);
  if (index + 1 != st.nodes.size()) {
    st.nodes[index] = std::move(st.nodes.back());
    st.node_index[st.nodes[index].name] = index;
  }
  st.nodes.pop_back();
}

// A namespace's labels, which a namespaceSelector may select it by: a change may let a pending
// pod with such a term fit, or any pod when a bound pod's anti-affinity selects namespaces so
// (rare: each namespace made or deleted changes its labels, and retrying every pending pod
// then would cost as much as a placement of each).
void namespace_changed(self_ptr self, std::string_view bytes, bool gone) {
  auto& st = self->state;
  object_reader r(bytes);
  if (!st.namespace_labels.update(
          text_string(r.meta().getName()),
          gone ? sched::namespace_labels::labels{} : sorted_map(r.meta().getLabels()), gone))
    return;
  bool bound_terms = std::any_of(st.pods.begin(), st.pods.end(), [](auto& entry) {
    auto& p = entry.second;
    return p.accounted && p.info && sched::selects_namespaces_by_label(*p.info);
  });
  if (bound_terms)
    st.queue.cluster_changed(monotonic_millis());
  else
    requeue_some(self, [](const sched::pod_info& waiting) {
      return sched::selects_namespaces_by_label(waiting);
    });
  kick(self);
}

void on_event(self_ptr self, watch_event& ev) {
  auto& st = self->state;
  if (ev.id != pods_watch && ev.id != nodes_watch && ev.id != namespaces_watch) return;
  if (++st.received[ev.id] % watch_ack_every == 0)
    self->send(st.deps.store, watch_ack_atom::value, ev.id, st.received[ev.id]);
  if (ev.type == 4) return;
  if (ev.id == namespaces_watch) return namespace_changed(self, ev.object.str(), ev.type == 3);
  if (ev.id == nodes_watch) {
    if (ev.type == 3) node_gone(self, ev.object.str());
    else node_changed(self, ev.object.str());
    return;
  }
  if (ev.type == 3) {
    object_reader r(ev.object.str());
    forget_pod(self, key_of(r.meta()));
    st.queue.cluster_changed(monotonic_millis());
    kick(self);
  } else {
    pod_changed(self, ev.object.str());
  }
}

// One snapshot for both kinds, then watches from its revision: nothing in between is missed.
void load(self_ptr self) {
  auto& st = self->state;
  auto snap = st.deps.engine->read();
  snap.list(list_prefix("namespaces", ""), [&](std::string_view, store::stored_view v) {
    namespace_changed(self, v.object, false);
    return true;
  });
  snap.list(list_prefix("nodes", ""), [&](std::string_view, store::stored_view v) {
    node_changed(self, v.object);
    return true;
  });
  snap.list(list_prefix("pods", ""), [&](std::string_view, store::stored_view v) {
    pod_changed(self, v.object);
    return true;
  });
  for (auto [id, resource] : {std::pair{pods_watch, "pods"}, std::pair{nodes_watch, "nodes"},
                              std::pair{namespaces_watch, "namespaces"}}) {
    watch_request req;
    req.id = id;
    req.resource = resource;
    req.from_revision = snap.revision();
    self->request(st.deps.store, caf::infinite, watch_atom::value, req, caf::actor_cast<watcher_actor>(self))
        .then([](uint64_t) {}, [=](caf::error&) { self->quit(); });
  }
}

// ---- scheduling -----------------------------------------------------------------------------

// Writes the events the rate allows now, and comes back when the next may go.
void record_events(self_ptr self) {
  auto& st = self->state;
  st.record_pending = false;
  auto now = monotonic_millis();
  while (auto e = st.events.take(now))
    self->request(st.deps.api, caf::infinite, api_atom::value, make_request(api_verb::create, "events", e->ns, "", std::move(e->object)))
        .then([](api_reply&) {}, [](caf::error&) {});
  if (auto at = st.events.next_at(now)) {
    st.record_pending = true;
    self->delayed_send(self, std::chrono::milliseconds(std::max<int64_t>(*at - now, 1)), record_atom::value);
  }
}

void record(self_ptr self, const std::string& ns, std::string event) {
  auto& st = self->state;
  if (!st.events.push({ns, std::move(event)}) || st.record_pending) return;
  record_events(self);
}

void report_unschedulable(self_ptr self, cached_pod& p, const std::string& message) {
  ++self->state.stats.unschedulable;
  if (p.last_message == message) return;
  p.last_message = message;
  auto reading = self->state.deps.engine->read();  // the view below lives as long as it
  auto stored = reading.get(object_key("pods", p.info->ns, p.info->name));
  if (!stored) return;
  auto now = unix_seconds();
  auto status = sched::with_unschedulable(stored->object, message, now);
  self->request(self->state.deps.api, caf::infinite, api_atom::value,
                make_request(api_verb::update_status, "pods", p.info->ns, p.info->name, std::move(status)))
      .then([](api_reply&) {}, [](caf::error&) {});
  record(self, p.info->ns, sched::failed_scheduling_event(stored->object, message, unix_micros()));
}

void bind_to(self_ptr self, const std::string& key, cached_pod& p, const std::string& node) {
  auto& st = self->state;
  account(self, p, node);
  p.assumed = true;
  placed(self, *p.info);
  ++st.in_flight;
  auto req = make_request(api_verb::bind, "pods", p.info->ns, p.info->name);
  req.target = node;
  self->request(st.deps.api, caf::infinite, api_atom::value, std::move(req))
      .then(
          [=](api_reply& bound) {
            auto& st = self->state;
            --st.in_flight;
            ++st.stats.bound;
            if (!bound.object.empty()) record(self, key.substr(0, key.find('/')), sched::scheduled_event(bound.object.str(), key, node, unix_micros()));
            st.queue.succeeded(key);
            if (auto it = st.pods.find(key); it != st.pods.end()) it->second.assumed = false;
            kick(self);
          },
          [=](caf::error& e) {
            auto& st = self->state;
            --st.in_flight;
            auto it = st.pods.find(key);
            if (it == st.pods.end()) return kick(self);
            unaccount(self, it->second);
            it->second.assumed = false;
            if (to_api_error(e).code() == api_errc::not_found) forget_pod(self, key);
            else st.queue.failed(key, false, monotonic_millis());
            kick(self);
          });
}

void wake_later(self_ptr self) {
  auto& st = self->state;
  auto at = st.queue.next_wakeup();
  if (!at || (st.wake_at != 0 && st.wake_at <= *at)) return;
  st.wake_at = *at;
  auto generation = ++st.wake_generation;
  self->delayed_send(self, std::chrono::milliseconds(std::max<int64_t>(*at - monotonic_millis(), 1)), wake_atom::value, generation);
}

void schedule_some(self_ptr self) {
  auto& st = self->state;
  st.kick_pending = false;
  size_t tried = 0;
  sched::place_options options;
  options.enough_feasible = feasible_nodes_to_find(st.nodes.size());
  while (tried < st.deps.knobs.batch && st.in_flight < st.deps.knobs.max_in_flight) {
    auto key = st.queue.pop(monotonic_millis());
    if (!key) break;
    ++tried;
    auto it = st.pods.find(*key);
    if (it == st.pods.end() || !it->second.node.empty()) continue;
    options.start = st.next_start;
    auto placement = sched::place(st.nodes, *it->second.info, options);
    st.next_start = placement.next_start;
    if (placement.node) {
      bind_to(self, *key, it->second, *placement.node);
    } else {
      st.queue.failed(*key, true, monotonic_millis());
      report_unschedulable(self, it->second, placement.message);
    }
  }
  if (st.queue.active() > 0 && st.in_flight < st.deps.knobs.max_in_flight) kick(self);
  else wake_later(self);
}

impl_actor::behavior_type scheduler_behavior(self_ptr self, scheduler_deps deps) {
  self->state.deps = std::move(deps);
  load(self);
  return {
      [=](watch_event_atom, watch_event& ev) { on_event(self, ev); },
      [=](watch_end_atom, uint64_t, const caf::error& reason) {
        if (to_api_error(reason).code() == api_errc::unavailable) return self->quit();  // the store is going
        // Cut off (it fell behind): start again from a fresh snapshot.
        auto& st = self->state;
        st.nodes.clear();
        st.node_index.clear();
        st.pods.clear();
        st.namespace_labels = sched::namespace_labels();  // no pod holds one now
        st.queue = sched::scheduling_queue();
        st.received[1] = st.received[2] = st.received[3] = 0;
        self->send(self->state.deps.store, unwatch_atom::value, pods_watch);
        self->send(self->state.deps.store, unwatch_atom::value, nodes_watch);
        self->send(self->state.deps.store, unwatch_atom::value, namespaces_watch);
        load(self);
      },
      [=](kick_atom) { schedule_some(self); },
      [=](record_atom) { record_events(self); },
      [=](wake_atom, uint64_t generation) {
        if (generation != self->state.wake_generation) return;
        self->state.wake_at = 0;
        schedule_some(self);
      },
      [=](stats_atom) {
        auto s = self->state.stats;
        s.pending = self->state.queue.active() + self->state.queue.backing_off() + self->state.queue.unschedulable();
        return s;
      },
  };
}

}  // namespace

size_t feasible_nodes_to_find(size_t nodes) {
  if (nodes < 100) return 0;
  int64_t percent = std::max<int64_t>(5, 50 - static_cast<int64_t>(nodes) / 125);
  return std::max<size_t>(100, nodes * static_cast<size_t>(percent) / 100);
}

scheduler_actor spawn_scheduler(caf::actor_system& sys, scheduler_deps deps) {
  return caf::actor_cast<scheduler_actor>(sys.spawn(scheduler_behavior, std::move(deps)));
}

}  // namespace troupe
