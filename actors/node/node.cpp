#include "actors/node/node.hpp"

#include <caf/all.hpp>

#include "actors/node/objects.hpp"
#include "runtime/base/time.hpp"
#include "runtime/caf/errors.hpp"
#include "runtime/object/event.hpp"

namespace troupe {
namespace {

constexpr auto call_patience = std::chrono::seconds(30);

using impl_actor = node_actor::extend<caf::reacts_to<tick_atom>, caf::reacts_to<flush_atom>>;

struct node_state {
  node_deps deps;
  resource_actor api;
  uint64_t connection = 0;  ///< replies to an older connection are ignored
  bool registered = false;
  std::string node;   ///< the Node as last read or written
  std::string lease;  ///< the Lease as last written
  std::string pod_cidr;
  int64_t reported_at = 0;  ///< ms, monotonic
  bool started_recorded = false;  ///< the "Starting" event, once per process
  uint64_t event_serial = 0;      ///< tells apart the names of events made in one microsecond
  static inline const char* name = "node";
};

using self_ptr = impl_actor::stateful_pointer<node_state>;

std::vector<node_condition> current_conditions(self_ptr self) {
  auto& d = self->state.deps;
  host_pressure healthy;
  healthy.memory_available = d.facts.memory;
  return node_conditions(d.hollow ? healthy : read_host_pressure(d.data_dir), d.facts.limits_note);
}

// Calls the API on the current connection; `ok` runs only if it is still current.
template <class Ok, class Failed>
void call(self_ptr self, api_request req, Ok ok, Failed failed) {
  auto connection = self->state.connection;
  self->request(self->state.api, call_patience, api_atom::value, std::move(req))
      .then(
          [=](api_reply& r) mutable {
            if (connection == self->state.connection) ok(r);
          },
          [=](caf::error& e) mutable {
            if (connection == self->state.connection) failed(to_api_error(e));
          });
}

// The kubelet's events about its Node (source kubelet, in default as for every cluster-scoped
// object). node_seen records none for a hollow node: scale runs would write thousands.
void record_node_event(self_ptr self, const std::string& node, const std::string& reason) {
  auto& d = self->state.deps;
  int64_t now = unix_micros();
  auto name = event_name(d.name, now * 1000 + static_cast<int64_t>(self->state.event_serial++ % 1000));
  auto event = reason == "Starting"
                   ? new_event(node, "Node", {"Normal", reason, "Starting kubelet.", "kubelet", d.name, ""}, now, now, 1, name)
                   : node_status_event(node, reason, "kubelet", d.name, now, name);
  call(self, make_request(api_verb::create, "events", "default", "", std::move(event)), [](api_reply&) {},
       [](const api_error&) {});
}

// The Node as the API now has it: what changed since the last one read is recorded.
void node_seen(self_ptr self, std::string now) {
  auto& st = self->state;
  if (st.deps.hollow) {
    st.node = std::move(now);
    return;
  }
  if (!st.started_recorded) {
    st.started_recorded = true;
    record_node_event(self, now, "Starting");
  }
  for (auto& reason : node_status_events(st.node, now)) record_node_event(self, now, reason);
  st.node = std::move(now);
}

void write_status(self_ptr self) {
  auto conditions = current_conditions(self);
  auto object = with_node_status(self->state.node, self->state.deps.facts, conditions, unix_seconds());
  call(self, make_request(api_verb::update_status, "nodes", "", self->state.deps.name, object),
       [=](api_reply& r) {
         node_seen(self, r.object.str());
         self->state.reported_at = monotonic_millis();
       },
       [=](const api_error&) { self->state.reported_at = 0; });  // retried at the next check
}

void register_node(self_ptr self);
void renew_lease(self_ptr self, bool again = false);

// Registered (or found registered): the Lease is written from here on, owned by this Node
// from its first write, so none is left without an owner by an agent stopped early.
void registered(self_ptr self) {
  self->state.registered = true;
  write_status(self);
  renew_lease(self);
}

void retry_register(self_ptr self) { self->delayed_send(self, std::chrono::seconds(1), flush_atom::value); }

void adopt_node(self_ptr self, std::string stored) {
  auto& d = self->state.deps;
  // What changed is against the Node as stored, as the kubelet compares: an agent back within
  // the grace period records no condition anew.
  if (self->state.node.empty()) self->state.node = stored;
  call(
      self,
      make_request(api_verb::update, "nodes", "", d.name,
                   with_node_spec(stored, self->state.pod_cidr, d.facts)),
      [=](api_reply& r) {
        node_seen(self, r.object.str());
        registered(self);
      },
      [=](const api_error&) { retry_register(self); });
}

void register_node(self_ptr self) {
  auto& d = self->state.deps;
  call(self, make_request(api_verb::get, "nodes", "", d.name),
       [=](api_reply& r) { adopt_node(self, r.object.str()); },
       [=](const api_error& e) {
         if (e.code() != api_errc::not_found) return retry_register(self);
         auto& d = self->state.deps;
         auto fresh = new_node(d.name, self->state.pod_cidr, d.facts, current_conditions(self), unix_seconds());
         call(
             self, make_request(api_verb::create, "nodes", "", d.name, fresh),
             [=](api_reply& created) {
               node_seen(self, created.object.str());
               registered(self);
             },
             [=](const api_error&) { retry_register(self); });
       });
}

void renew_lease(self_ptr self, bool again) {
  auto& d = self->state.deps;
  auto lease = node_lease(d.name, self->state.lease, unix_micros(), d.knobs.lease_duration_seconds, self->state.node);
  auto verb = self->state.lease.empty() ? api_verb::create : api_verb::update;
  call(
      self, make_request(verb, "leases.coordination.k8s.io", "kube-node-lease", d.name, lease),
      [=](api_reply& r) { self->state.lease = r.object.str(); },
      [=](const api_error& e) {
        // Someone else wrote it (or it exists from before a restart): start from what is stored.
        // Renewed then and there: an agent back from a restart must not wait a whole interval
        // with its Lease as old as its crash (the node controller would mark it Unknown).
        if (e.code() == api_errc::conflict || e.code() == api_errc::already_exists) {
          call(
              self,
              make_request(api_verb::get, "leases.coordination.k8s.io", "kube-node-lease",
                           self->state.deps.name),
              [=](api_reply& r) {
                self->state.lease = r.object.str();
                if (!again) renew_lease(self, true);
              },
              [](const api_error&) {});
        } else if (e.code() == api_errc::not_found) {
          self->state.lease.clear();
        }
      });
}

bool stale(self_ptr self) {
  auto& st = self->state;
  return monotonic_millis() - st.reported_at >= st.deps.knobs.status_report_interval.count();
}

void tick(self_ptr self) {
  auto& st = self->state;
  if (st.api && st.registered) {
    renew_lease(self);
    // Compared with the Node as stored, as the kubelet does: while this agent was silent the
    // node controller may have marked it Unknown, and that must be undone now, not in 5 min.
    call(
        self, make_request(api_verb::get, "nodes", "", st.deps.name),
        [=](api_reply& r) {
          auto& st = self->state;
          node_seen(self, r.object.str());
          if (stale(self) || stored_conditions(st.node) != current_conditions(self) ||
              resources_outdated(st.node, st.deps.facts))
            write_status(self);
        },
        [=](const api_error& e) {
          // A Node deleted under a running agent is not made again (as the kubelet), and its
          // Lease no longer names it as owner: the garbage collector would delete each new one.
          if (e.code() == api_errc::not_found)
            self->state.node.clear();
          else if (stale(self))
            write_status(self);
        });
  }
  self->delayed_send(self, st.deps.knobs.lease_interval, tick_atom::value);
}

impl_actor::behavior_type node_behavior(self_ptr self, node_deps deps) {
  self->state.deps = std::move(deps);
  self->send(self, tick_atom::value);
  return {
      [=](connected_atom, resource_actor api, store_actor, const std::string& pod_cidr) {
        self->state.api = std::move(api);
        self->state.pod_cidr = pod_cidr;
        ++self->state.connection;
        self->state.registered = false;
        self->state.lease.clear();
        register_node(self);  // and the Lease once the Node is there
      },
      [=](flush_atom) {
        if (!self->state.registered && self->state.api) register_node(self);
      },
      [=](tick_atom) { tick(self); },
  };
}

}  // namespace

node_actor spawn_node(caf::actor_system& sys, node_deps deps) {
  return caf::actor_cast<node_actor>(sys.spawn(node_behavior, std::move(deps)));
}

}  // namespace troupe
