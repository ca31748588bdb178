#include "runtime/rpc/bridge.hpp"

#include <caf/actor_companion.hpp>
#include <caf/all.hpp>
#include <caf/scoped_execution_unit.hpp>

#include "runtime/base/text.hpp"
#include "runtime/caf/errors.hpp"

namespace troupe::rpc {

void watch_stream::set_relay(caf::actor relay) { *relay_.lockExclusive() = std::move(relay); }

caf::actor watch_stream::relay() const { return *relay_.lockExclusive(); }

call_port::call_port(caf::actor_system& sys, std::shared_ptr<handoff<call_answer>> answers)
    : companion_(sys.spawn<caf::actor_companion>()) {
  auto* companion = static_cast<caf::actor_companion*>(caf::actor_cast<caf::abstract_actor*>(companion_));
  companion->on_enqueue([answers](caf::mailbox_element_ptr m) {
    // Only answers come here; an exit or down message has nobody waiting for it.
    if (!m || !m->mid.is_response()) return;
    call_outcome out;
    auto& content = m->content();
    if (content.match_elements<api_reply>())
      out.reply = std::move(content.get_mutable_as<api_reply>(0));
    else if (content.match_elements<caf::error>())
      out.error = to_api_error(content.get_as<caf::error>(0));
    else
      out.error = api_error(api_errc::internal, "unexpected answer " + content.stringify());
    answers->push({m->mid.request_id().integer_value(), std::move(out)});
  });
}

call_port::~call_port() {
  auto* companion = static_cast<caf::actor_companion*>(caf::actor_cast<caf::abstract_actor*>(companion_));
  companion->on_enqueue([](caf::mailbox_element_ptr) {});
  caf::scoped_execution_unit context{&companion->home_system()};
  companion->cleanup(caf::error{}, &context);
}

void call_port::send(const resource_actor& target, uint64_t call, api_request req) {
  auto* receiver = caf::actor_cast<caf::abstract_actor*>(target);
  receiver->enqueue(caf::make_mailbox_element(caf::actor_cast<caf::strong_actor_ptr>(companion_),
                                              caf::make_message_id(call), {}, api_atom::value,
                                              std::move(req)),
                    nullptr);
}

namespace {

constexpr auto call_patience = std::chrono::seconds(60);

template <class Reply = api_reply>
outcome<Reply> failure(api_error e) {
  return {{}, std::move(e)};
}

// exec and logs: to the cluster actor, which knows the pod's node.
template <class Reply, class Atom, class Request>
void to_node(caf::event_based_actor* self, const bridge_deps& deps, Atom atom, Request& req, const slot<Reply>& s,
             std::chrono::milliseconds patience = std::chrono::seconds(120)) {
  if (!deps.cluster)
    return s.deliver(failure<Reply>(api_error(api_errc::unavailable, "this server runs no nodes")));
  self->request(deps.cluster, patience, atom, std::move(req))
      .then([s](Reply& r) { s.deliver({std::move(r), std::nullopt}); },
            [s](caf::error& e) { s.deliver(failure<Reply>(to_api_error(e))); });
}

// One per RPC watch: subscribes to the store and feeds the stream. It acks the store only for
// events the kj side has sent on to the client, so a slow client holds back the store's
// window for it, and the store cuts it off once that fills, as for any slow watcher.
caf::behavior relay(caf::event_based_actor* self, store_actor store, watch_request req,
                    std::shared_ptr<watch_stream> stream) {
  stream->set_relay(caf::actor_cast<caf::actor>(self));
  self->request(store, call_patience, watch_atom::value, req,
                caf::actor_cast<watcher_actor>(self))
      .then(
          [=](uint64_t revision) {
            if (!stream->registered.waiting()) return self->quit();
            stream->registered.deliver({api_reply{{}, {}, revision, {}}, std::nullopt});
          },
          [=](caf::error& e) {
            stream->registered.deliver(failure(to_api_error(e)));
            self->quit();
          });
  return {
      [=](watch_event_atom, watch_event& ev) {
        if (!stream->items.push({ev.type, ev.revision, std::move(ev.object), std::nullopt}))
          self->quit();
      },
      [=](watch_end_atom, uint64_t, caf::error& reason) {
        stream->items.push({0, 0, {}, to_api_error(reason)});
        self->quit();
      },
      [=](consumed_atom, uint64_t total) {
        self->send(store, watch_ack_atom::value, req.id, total);
      },
  };
}

caf::behavior bridge(caf::event_based_actor* self, bridge_deps deps) {
  return {
      [=](watch_atom, const watch_request& req, const std::shared_ptr<watch_stream>& stream) {
        self->spawn(relay, deps.store, req, stream);
      },
      [=](exec_atom, exec_request& req, const exec_slot& s) {
        // The node ends the command at its timeout and answers; this only covers a lost node.
        auto patience = std::chrono::milliseconds(req.timeout_ms) + std::chrono::seconds(30);
        to_node(self, deps, exec_atom::value, req, s, patience);
      },
      [=](logs_atom, logs_request& req, const logs_slot& s) { to_node(self, deps, logs_atom::value, req, s); },
  };
}

}  // namespace

caf::actor spawn_bridge(caf::actor_system& sys, bridge_deps deps) {
  return sys.spawn(bridge, std::move(deps));
}

}  // namespace troupe::rpc
