#include "runtime/rpc/bridge.hpp"

#include <caf/all.hpp>

#include "runtime/base/text.hpp"
#include "runtime/caf/errors.hpp"

namespace troupe::rpc {

bool watch_stream::push(watch_item item) {
  auto q = queue_.lockExclusive();
  if (q->closed) return false;
  q->items.push_back(std::move(item));
  KJ_IF_MAYBE (bell, q->doorbell) {
    (*bell)->fulfill();
    q->doorbell = nullptr;
  }
  return true;
}

kj::Promise<std::deque<watch_item>> watch_stream::pop() {
  auto q = queue_.lockExclusive();
  if (!q->items.empty() || q->closed) {
    std::deque<watch_item> out;
    out.swap(q->items);
    return kj::mv(out);
  }
  auto paf = kj::newPromiseAndCrossThreadFulfiller<void>();
  q->doorbell = kj::mv(paf.fulfiller);
  return paf.promise.then([this]() { return pop(); });
}

void watch_stream::close() {
  auto q = queue_.lockExclusive();
  q->closed = true;
  q->items.clear();
}

void watch_stream::set_relay(caf::actor relay) { queue_.lockExclusive()->relay = std::move(relay); }

caf::actor watch_stream::relay() const { return queue_.lockExclusive()->relay; }

namespace {

constexpr auto call_patience = std::chrono::seconds(60);

template <class Reply = api_reply>
outcome<Reply> failure(api_error e) {
  return {{}, std::move(e)};
}

// exec and logs: to the cluster actor, which knows the pod's node.
template <class Reply, class Atom, class Request>
void to_node(caf::event_based_actor* self, const bridge_deps& deps, Atom atom, Request& req, const slot<Reply>& s) {
  if (!deps.cluster)
    return s.deliver(failure<Reply>(api_error(api_errc::unavailable, "this server runs no nodes")));
  self->request(deps.cluster, std::chrono::seconds(120), atom, std::move(req))
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
            stream->registered.deliver({api_reply{{}, {}, revision}, std::nullopt});
          },
          [=](caf::error& e) {
            stream->registered.deliver(failure(to_api_error(e)));
            self->quit();
          });
  return {
      [=](watch_event_atom, watch_event& ev) {
        if (!stream->push({ev.type, ev.revision, std::move(ev.object), std::nullopt}))
          self->quit();
      },
      [=](watch_end_atom, uint64_t, caf::error& reason) {
        stream->push({0, 0, {}, to_api_error(reason)});
        self->quit();
      },
      [=](consumed_atom, uint64_t total) {
        self->send(store, watch_ack_atom::value, req.id, total);
      },
  };
}

void route(caf::event_based_actor* self, const bridge_deps& deps, api_request& req,
           const reply_slot& slot) {
  auto target = deps.resources.find(req.resource);
  if (target == deps.resources.end())
    return slot.deliver(failure(api_error(api_errc::not_found, unknown_resource(req.resource))));
  self->request(target->second, caf::infinite, api_atom::value, std::move(req))
      .then([slot](api_reply& reply) { slot.deliver({std::move(reply), std::nullopt}); },
            [slot](caf::error& e) { slot.deliver(failure(to_api_error(e))); });
}

caf::behavior bridge(caf::event_based_actor* self, bridge_deps deps) {
  return {
      [=](api_atom, api_request& req, const reply_slot& slot) mutable {
        if (slot.waiting()) route(self, deps, req, slot);
      },
      [=](watch_atom, const watch_request& req, const std::shared_ptr<watch_stream>& stream) {
        self->spawn(relay, deps.store, req, stream);
      },
      [=](exec_atom, exec_request& req, const exec_slot& s) { to_node(self, deps, exec_atom::value, req, s); },
      [=](logs_atom, logs_request& req, const logs_slot& s) { to_node(self, deps, logs_atom::value, req, s); },
  };
}

}  // namespace

caf::actor spawn_bridge(caf::actor_system& sys, bridge_deps deps) {
  return sys.spawn(bridge, std::move(deps));
}

}  // namespace troupe::rpc
