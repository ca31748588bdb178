#include "actors/clusterroleaggregation/clusterroleaggregation.hpp"

#include <capnp/message.h>

#include <algorithm>
#include <caf/all.hpp>
#include <deque>
#include <map>
#include <memory>

#include "runtime/base/error.hpp"
#include "runtime/caf/errors.hpp"
#include "runtime/object/compare.hpp"
#include "runtime/object/object.hpp"
#include "runtime/object/selector.hpp"
#include "runtime/store/engine.hpp"
#include "schema/rbac.capnp.h"

namespace troupe {

std::optional<std::string> with_aggregated_rules(std::string_view role,
                                                 const std::vector<std::string_view>& all_roles) {
  object_reader reader(role);
  auto aggregated = reader.as<k8s::ClusterRole>();
  if (!aggregated.hasAggregationRule()) return std::nullopt;
  std::string own_name = text_string(reader.meta().getName());
  std::vector<std::unique_ptr<object_reader>> others;
  for (auto bytes : all_roles) {
    auto other = std::make_unique<object_reader>(bytes);
    if (text_view(other->meta().getName()) != own_name) others.push_back(std::move(other));
  }
  std::sort(others.begin(), others.end(), [](auto& a, auto& b) {
    return text_view(a->meta().getName()) < text_view(b->meta().getName());
  });
  std::vector<k8s::PolicyRule::Reader> rules;
  auto seen = [&](k8s::PolicyRule::Reader rule) {
    return std::any_of(rules.begin(), rules.end(), [&](k8s::PolicyRule::Reader r) {
      return same_content(capnp::toDynamic(r), capnp::toDynamic(rule));
    });
  };
  for (auto selector : aggregated.getAggregationRule().getClusterRoleSelectors()) {
    auto matching = label_selector::from(selector);
    for (auto& other : others) {
      if (!matching.matches(other->meta().getLabels())) continue;
      for (auto rule : other->as<k8s::ClusterRole>().getRules())
        if (!seen(rule)) rules.push_back(rule);
    }
  }
  auto current = aggregated.getRules();
  bool same = current.size() == rules.size();
  for (unsigned i = 0; same && i < current.size(); ++i)
    same = same_content(capnp::toDynamic(current[i]), capnp::toDynamic(rules[i]));
  if (same) return std::nullopt;
  capnp::MallocMessageBuilder message;
  message.setRoot(aggregated);
  auto list = message.getRoot<k8s::ClusterRole>().initRules(static_cast<unsigned>(rules.size()));
  for (unsigned i = 0; i < rules.size(); ++i) list.setWithCaveats(i, rules[i]);
  return to_bytes(message);
}

namespace {

constexpr const char* cluster_roles = "clusterroles.rbac.authorization.k8s.io";
constexpr auto call_patience = std::chrono::seconds(30);
// A write that failed for another reason than a race is tried again after this, doubling to
// the maximum, as a controller's rate-limited requeue (no event may come to retry it).
constexpr auto first_retry = std::chrono::milliseconds(500);
constexpr auto max_retry = std::chrono::seconds(30);

using resync_atom = caf::atom_constant<caf::atom("resync")>;

struct aggregation_state {
  clusterrole_aggregation_deps deps;
  controller_watch roles;
  std::map<std::string, std::string> writing;  ///< role -> the resourceVersion its update read
  std::map<std::string, std::chrono::milliseconds>
      retry_after;  ///< roles whose write failed: next wait
  bool retry_pending = false;
  static inline const char* name = "clusterrole-aggregation";
};

using self_ptr = caf::stateful_actor<aggregation_state>*;

// Every aggregated ClusterRole against every role as stored now: a change to any role may
// change any union.
void sync_all(self_ptr self) {
  auto snap = self->state.deps.engine->read();  // the views below live as long as it
  std::vector<std::string_view> roles;
  snap.list(list_prefix(cluster_roles, ""), [&](std::string_view, store::stored_view v) {
    roles.push_back(v.object);
    return true;
  });
  // Each role's new rules are what the roles after it see, as Kubernetes' controller syncs
  // one role at a time from a cache its writes update: two aggregated roles that select each
  // other settle instead of swapping their rules at every pass.
  std::deque<std::string> updates;
  for (auto& role : roles) {
    std::optional<std::string> updated;
    try {
      updated = with_aggregated_rules(role, roles);
    } catch (const api_error&) {
      continue;  // a selector admission let through before it was checked: nothing to match
    }
    if (!updated) continue;
    object_reader reader(role);
    std::string name = text_string(reader.meta().getName());
    std::string read_at = text_string(reader.meta().getResourceVersion());
    auto& writing = self->state.writing;
    // The same write for the same read is on its way already (a burst of events).
    if (auto at = writing.find(name); at != writing.end() && at->second == read_at) continue;
    writing[name] = read_at;
    updates.push_back(std::move(*updated));
    role = updates.back();
    // Its resourceVersion is the one read: a write that lost a race is refused, and the
    // winner's own event syncs again.
    auto done = [self, name, read_at] {
      auto at = self->state.writing.find(name);
      if (at != self->state.writing.end() && at->second == read_at) self->state.writing.erase(at);
    };
    self->request(self->state.deps.api, call_patience, api_atom::value,
                  make_request(api_verb::update, cluster_roles, "", name, updates.back()))
        .then(
            [self, done, name](api_reply&) {
              done();
              self->state.retry_after.erase(name);
            },
            [self, done, name](caf::error& e) {
              done();
              // A Conflict lost a race: the winner's write brings its own event. Anything else
              // would wait for an event that may never come: a resync after this role's wait.
              if (to_api_error(e).code() == api_errc::conflict) return;
              auto& wait = self->state.retry_after.try_emplace(name, first_retry).first->second;
              if (!self->state.retry_pending) {
                self->state.retry_pending = true;
                self->delayed_send(self, wait, resync_atom::value);
              }
              wait = std::min<std::chrono::milliseconds>(wait * 2, max_retry);
            });
  }
}

void load(self_ptr self) {
  auto revision = self->state.deps.engine->read().revision();
  sync_all(self);
  watch_request req;
  req.resource = cluster_roles;
  req.from_revision = revision;
  self->state.roles.start(self, self->state.deps.store, std::move(req));
}

caf::behavior aggregation(self_ptr self, clusterrole_aggregation_deps deps) {
  self->state.deps = std::move(deps);
  load(self);
  return {
      [=](watch_event_atom, watch_event& ev) {
        if (self->state.roles.accept(self, self->state.deps.store, ev)) sync_all(self);
      },
      [=](watch_end_atom, uint64_t id, const caf::error& reason) {
        if (to_api_error(reason).code() == api_errc::unavailable) return self->quit();
        if (self->state.roles.ended(self, self->state.deps.store, id)) load(self);
      },
      [=](resync_atom) {
        self->state.retry_pending = false;
        sync_all(self);
      },
  };
}

}  // namespace

caf::actor spawn_clusterrole_aggregation(caf::actor_system& sys,
                                         clusterrole_aggregation_deps deps) {
  return sys.spawn(aggregation, std::move(deps));
}

}  // namespace troupe
