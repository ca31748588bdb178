#include "actors/nodelifecycle/nodelifecycle.hpp"

#include <caf/all.hpp>

#include <map>

#include "runtime/base/time.hpp"
#include "runtime/caf/errors.hpp"
#include "runtime/object/object.hpp"
#include "runtime/store/engine.hpp"
#include "schema/coordination.capnp.h"

namespace troupe {
namespace {

using impl_actor = node_watcher_actor::extend<caf::reacts_to<tick_atom>>;

struct lifecycle_state {
  nodelifecycle_deps deps;
  static inline const char* name = "nodelifecycle";
};

using self_ptr = impl_actor::stateful_pointer<lifecycle_state>;

// A conflict (the kubelet wrote first) is settled at the next check.
template <class Then>
void send_update(self_ptr self, api_verb verb, std::string name, std::string object, Then then) {
  self->request(self->state.deps.api, caf::infinite, api_atom::value,
                make_request(verb, "nodes", "", std::move(name), std::move(object)))
      .then([then](api_reply&) mutable { then(); }, [](caf::error&) {});
}

void act(self_ptr self, const std::string& name, std::string_view node, node_health_action action) {
  if (action == node_health_action::mark_unknown) {
    // One after the other: each applies to the version it finds, so they must not overlap.
    auto [spec, status] = mark_node_unknown(node, unix_seconds());
    send_update(self, api_verb::update, name, std::move(spec), [=, status = std::move(status)] {
      send_update(self, api_verb::update_status, name, status, [] {});
    });
  } else if (action == node_health_action::clear_unreachable) {
    send_update(self, api_verb::update, name, clear_unreachable(node), [] {});
  }
}

void check(self_ptr self) {
  auto snap = self->state.deps.engine->read();
  std::map<std::string, int64_t> renewed;
  snap.list(list_prefix("leases.coordination.k8s.io", "kube-node-lease"),
            [&](std::string_view, store::stored_view v) {
              object_reader r(v.object);
              auto lease = r.as<k8s::Lease>();
              renewed[text_string(lease.getMetadata().getName())] = lease.getSpec().getRenewTime();
              return true;
            });
  int64_t grace = std::chrono::duration_cast<std::chrono::microseconds>(self->state.deps.knobs.grace).count();
  snap.list(list_prefix("nodes", ""), [&](std::string_view, store::stored_view v) {
    object_reader r(v.object);
    std::string name = text_string(r.meta().getName());
    auto lease = renewed.find(name);
    std::optional<int64_t> renew;
    if (lease != renewed.end()) renew = lease->second;
    act(self, name, v.object, decide_node_health(v.object, renew, unix_micros(), grace));
    return true;
  });
}

void lost(self_ptr self, const std::string& name) {
  auto stored = self->state.deps.engine->read().get(object_key("nodes", "", name));
  if (stored) act(self, name, stored->object, node_health_action::mark_unknown);
}

impl_actor::behavior_type lifecycle_behavior(self_ptr self, nodelifecycle_deps deps) {
  self->state.deps = std::move(deps);
  self->send(self, tick_atom::value);
  return {
      [=](node_lost_atom, const std::string& node) { lost(self, node); },
      [=](tick_atom) {
        check(self);
        self->delayed_send(self, self->state.deps.knobs.check_interval, tick_atom::value);
      },
  };
}

}  // namespace

node_watcher_actor spawn_nodelifecycle(caf::actor_system& sys, nodelifecycle_deps deps) {
  return caf::actor_cast<node_watcher_actor>(sys.spawn(lifecycle_behavior, std::move(deps)));
}

}  // namespace troupe
