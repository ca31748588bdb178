#include "actors/tokencleaner/tokencleaner.hpp"

#include <algorithm>
#include <caf/all.hpp>
#include <map>
#include <string>

#include "actors/cluster/token.hpp"
#include "runtime/base/time.hpp"
#include "runtime/caf/errors.hpp"
#include "runtime/object/object.hpp"
#include "runtime/store/engine.hpp"

namespace troupe {
namespace {

using token_check_atom = caf::atom_constant<caf::atom("tok_check")>;

constexpr auto call_patience = std::chrono::seconds(30);
// Expirations further off are looked at again after this: a far one ("9999-12-31") would
// overflow the timer's clock and fire at once, and one moved earlier is seen by then anyway.
constexpr int64_t longest_wait_seconds = 24 * 3600;
// A deletion that failed for another reason than a change or the token's going is tried again
// after this, doubling to the maximum while it fails (no event may come to retry it).
constexpr int64_t first_retry_seconds = 1;
constexpr int64_t max_retry_seconds = 60;

struct cleaner_state {
  token_cleaner_deps deps;
  controller_watch secrets;
  std::map<std::string, int64_t> waiting;  ///< tokens with a check on its way, by when (unix s)
  std::map<std::string, int64_t> retry_seconds;  ///< tokens whose deletion failed: the next wait
  static inline const char* name = "token-cleaner";
};

using self_ptr = caf::stateful_actor<cleaner_state>*;

// Looks at the token again in `wait` seconds, unless a check comes sooner already.
void check_later(self_ptr self, const std::string& name, int64_t wait) {
  int64_t due = unix_seconds() + wait;
  auto [at, fresh] = self->state.waiting.try_emplace(name, due);
  if (!fresh && at->second <= due) return;  // a check comes soon enough
  at->second = due;                         // earlier than the one waited for: a check of its own
  self->delayed_send(self, std::chrono::seconds(wait), token_check_atom::value, name, due);
}

// One Secret as stored at `revision`: deleted if expired (only as it was read: one changed
// meanwhile, its expiration pushed back, is looked at again at its own event), else looked at
// again when it expires.
void evaluate(self_ptr self, std::string_view secret, uint64_t revision) {
  auto expiry = bootstrap_token_expiry(secret, unix_seconds());
  std::string name = text_string(object_reader(secret).meta().getName());
  if (expiry.expired) {
    auto req = make_request(api_verb::remove, "secrets", "kube-system", name);
    req.resource_version = revision;
    self->request(self->state.deps.api, call_patience, api_atom::value, std::move(req))
        .then([self, name](api_reply&) { self->state.retry_seconds.erase(name); },
              [self, name](caf::error& e) {
                // Conflict: changed since it was read, its own event looks again; NotFound: gone.
                auto code = to_api_error(e).code();
                if (code == api_errc::conflict || code == api_errc::not_found) {
                  self->state.retry_seconds.erase(name);
                  return;
                }
                auto& wait =
                    self->state.retry_seconds.try_emplace(name, first_retry_seconds).first->second;
                check_later(self, name, wait);
                wait = std::min(wait * 2, max_retry_seconds);
              });
  } else if (expiry.seconds_left) {
    check_later(self, name, std::min(*expiry.seconds_left, longest_wait_seconds));
  }
}

// `due`: when the check was asked for; one an earlier expiration has replaced does nothing.
void check(self_ptr self, const std::string& name, int64_t due) {
  auto waiting = self->state.waiting.find(name);
  if (waiting == self->state.waiting.end() || waiting->second != due) return;
  self->state.waiting.erase(waiting);
  auto snap = self->state.deps.engine->read();  // the view below lives as long as it
  if (auto stored = snap.get(object_key("secrets", "kube-system", name)))
    evaluate(self, stored->object, stored->revision);
}

void load(self_ptr self) {
  auto& st = self->state;
  auto snap = st.deps.engine->read();
  snap.list(list_prefix("secrets", "kube-system"), [&](std::string_view, store::stored_view v) {
    evaluate(self, v.object, v.revision);
    return true;
  });
  watch_request req;
  req.resource = "secrets";
  req.ns = "kube-system";
  req.from_revision = snap.revision();
  st.secrets.start(self, st.deps.store, std::move(req));
}

caf::behavior cleaner(self_ptr self, token_cleaner_deps deps) {
  self->state.deps = std::move(deps);
  load(self);
  return {
      [=](watch_event_atom, watch_event& ev) {
        if (!self->state.secrets.accept(self, self->state.deps.store, ev)) return;
        if (ev.object.empty() || ev.type == static_cast<uint8_t>(store::event_type::deleted))
          return;
        evaluate(self, ev.object.str(), ev.revision);
      },
      [=](watch_end_atom, uint64_t id, const caf::error& reason) {
        if (to_api_error(reason).code() == api_errc::unavailable) return self->quit();
        if (self->state.secrets.ended(self, self->state.deps.store, id)) load(self);
      },
      [=](token_check_atom, const std::string& name, int64_t due) { check(self, name, due); },
  };
}

}  // namespace

caf::actor spawn_token_cleaner(caf::actor_system& sys, token_cleaner_deps deps) {
  return sys.spawn(cleaner, std::move(deps));
}

}  // namespace troupe
