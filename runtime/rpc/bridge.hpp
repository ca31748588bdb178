#pragma once
// What crosses between the RPC gateway's kj thread and CAF. kj -> CAF is a plain anon_send;
// CAF -> kj goes through cross-thread fulfillers (one reply per call) and, for watches, a
// queue with a doorbell that the kj side drains. Local to the server process: nothing here is
// ever serialised.

#include <kj/async.h>
#include <kj/mutex.h>

#include <caf/actor.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/fwd.hpp>

#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "actors/apiserver/apiserver.hpp"
#include "actors/cluster/cluster.hpp"
#include "runtime/base/error.hpp"

namespace troupe::rpc {

/// What a call came to: a reply, or an API error.
template <class Reply>
struct outcome {
  Reply reply;
  std::optional<api_error> error;
};
using call_outcome = outcome<api_reply>;

/// The kj side's promise for one call, held by CAF until it answers.
template <class Reply>
class slot {
 public:
  using fulfiller = kj::CrossThreadPromiseFulfiller<outcome<Reply>>;
  explicit slot(kj::Own<fulfiller> f) : f_(std::make_shared<kj::Own<fulfiller>>(kj::mv(f))) {}
  void deliver(outcome<Reply> o) const { (*f_)->fulfill(std::move(o)); }
  /// False once the kj side gave up on the call (client cancelled or disconnected).
  bool waiting() const { return (*f_)->isWaiting(); }

 private:
  std::shared_ptr<kj::Own<fulfiller>> f_;
};
using reply_slot = slot<api_reply>;
using exec_slot = slot<exec_reply>;
using logs_slot = slot<logs_reply>;

/// One item of a watch: an event, or the end of the watch with its reason.
struct watch_item {
  uint8_t type = 0;  ///< store::event_type; 0 = the end
  uint64_t revision = 0;
  shared_bytes object;
  std::optional<api_error> end;
};

/// A watch between its CAF relay (producer) and its kj handle (consumer).
class watch_stream {
 public:
  explicit watch_stream(reply_slot registered) : registered(std::move(registered)) {}
  /// Answered once the store registered the watch (revision) or refused it (Gone ...).
  reply_slot registered;

  /// CAF side: false when the kj side is gone, so the relay should stop.
  bool push(watch_item item);
  /// kj side: everything queued, waiting for at least one item.
  kj::Promise<std::deque<watch_item>> pop();
  /// kj side: no more items will be taken; later pushes fail.
  void close();
  /// The relay actor, so the kj side can report consumption and end it.
  void set_relay(caf::actor relay);
  caf::actor relay() const;

 private:
  struct queue {
    std::deque<watch_item> items;
    kj::Maybe<kj::Own<kj::CrossThreadPromiseFulfiller<void>>> doorbell;
    bool closed = false;
    caf::actor relay;
  };
  kj::MutexGuarded<queue> queue_;
};

struct bridge_deps {
  std::map<std::string, resource_actor> resources;
  store_actor store;
  cluster_actor cluster;  ///< exec and logs go to the pod's node through it (may be null)
};

/// The actor RPC calls enter CAF through: routes (api_atom, api_request, reply_slot) to the
/// resource actor of the request's kind, (watch_atom, watch_request, watch_stream) to a new
/// relay actor that subscribes to the store and feeds the stream, and exec and logs requests
/// to the cluster actor.
caf::actor spawn_bridge(caf::actor_system& sys, bridge_deps deps);

/// (consumed_atom, events): the kj side sent this many more events to the client.
using consumed_atom = caf::atom_constant<caf::atom("consumed")>;

}  // namespace troupe::rpc

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(troupe::rpc::reply_slot)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(troupe::rpc::exec_slot)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(troupe::rpc::logs_slot)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::shared_ptr<troupe::rpc::watch_stream>)
