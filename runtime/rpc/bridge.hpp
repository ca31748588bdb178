#pragma once
// What crosses between the RPC gateway's kj thread and CAF. API calls go from kj straight into
// their resource actor's mailbox (call_port) and their answers come back through a handoff
// queue; watches, exec and logs go to the bridge actor, and come back through a handoff queue
// (watch events) or cross-thread fulfillers (one reply each). Local to the server process:
// nothing here is ever serialised.

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

/// Items handed from CAF threads to the kj loop. Producers add items; the loop takes all that
/// arrived since it last looked, woken by one cross-thread doorbell however many came, so a
/// burst costs the loop one wake-up instead of one per item.
template <class Item>
class handoff {
 public:
  /// Any thread: false once closed (the item is dropped).
  bool push(Item item) {
    kj::Maybe<kj::Own<kj::CrossThreadPromiseFulfiller<void>>> bell;
    {
      auto q = state_.lockExclusive();
      if (q->closed) return false;
      q->items.push_back(std::move(item));
      bell = kj::mv(q->doorbell);
      q->doorbell = nullptr;
    }
    ring(bell);
    return true;
  }
  /// kj side: everything queued, waiting for at least one item; empty once closed.
  kj::Promise<std::deque<Item>> pop() {
    std::deque<Item> out;
    if (take(out)) return kj::mv(out);
    // Made outside the lock: the lock is all a producer waits for, and the loop, which is
    // where the load lands, must not sleep behind a producer that was preempted holding it.
    auto paf = kj::newPromiseAndCrossThreadFulfiller<void>();
    {
      auto q = state_.lockExclusive();
      if (q->items.empty() && !q->closed) {
        q->doorbell = kj::mv(paf.fulfiller);
        return paf.promise.then([this]() { return pop(); });
      }
      out.swap(q->items);
    }
    return kj::mv(out);
  }
  /// No more items will be taken; later pushes fail, and a waiting pop returns empty.
  void close() {
    kj::Maybe<kj::Own<kj::CrossThreadPromiseFulfiller<void>>> bell;
    std::deque<Item> dropped;
    {
      auto q = state_.lockExclusive();
      q->closed = true;
      dropped.swap(q->items);
      bell = kj::mv(q->doorbell);
      q->doorbell = nullptr;
    }
    ring(bell);
  }

 private:
  struct state {
    std::deque<Item> items;
    kj::Maybe<kj::Own<kj::CrossThreadPromiseFulfiller<void>>> doorbell;
    bool closed = false;
  };

  /// True with everything queued moved to `out`, or once closed.
  bool take(std::deque<Item>& out) {
    auto q = state_.lockExclusive();
    if (q->items.empty() && !q->closed) return false;
    out.swap(q->items);
    return true;
  }
  /// Rung after the lock is released: waking the loop is a system call.
  static void ring(kj::Maybe<kj::Own<kj::CrossThreadPromiseFulfiller<void>>>& bell) {
    KJ_IF_MAYBE (b, bell) { (*b)->fulfill(); }
  }

  kj::MutexGuarded<state> state_;
};

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
  /// CAF side pushes (false when the kj side is gone, so the relay should stop); kj side pops.
  handoff<watch_item> items;

  /// The relay actor, so the kj side can report consumption and end it.
  void set_relay(caf::actor relay);
  caf::actor relay() const;

 private:
  kj::MutexGuarded<caf::actor> relay_;
};

/// The answer to API call number `first`.
using call_answer = std::pair<uint64_t, call_outcome>;

/// Sends API calls from the kj loop straight to resource actors and hands their answers to a
/// queue the loop drains, with no actor in between. Each request's sender is an
/// actor_companion: its enqueue runs on the thread that answered and pushes the answer.
class call_port {
 public:
  call_port(caf::actor_system& sys, std::shared_ptr<handoff<call_answer>> answers);
  ~call_port();
  call_port(const call_port&) = delete;
  call_port& operator=(const call_port&) = delete;

  /// Any thread; `call` (1 .. 2^60) names the answer.
  void send(const resource_actor& target, uint64_t call, api_request req);

 private:
  caf::actor companion_;
};

struct bridge_deps {
  std::map<std::string, resource_actor> resources;  ///< for the gateway's API calls
  store_actor store;
  cluster_actor cluster;  ///< exec and logs go to the pod's node through it (may be null)
};

/// The actor RPC watches, exec and logs enter CAF through: routes (watch_atom, watch_request,
/// watch_stream) to a new relay actor that subscribes to the store and feeds the stream, and
/// exec and logs requests to the cluster actor.
caf::actor spawn_bridge(caf::actor_system& sys, bridge_deps deps);

/// (consumed_atom, events): the kj side sent this many more events to the client.
using consumed_atom = caf::atom_constant<caf::atom("consumed")>;

}  // namespace troupe::rpc

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(troupe::rpc::reply_slot)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(troupe::rpc::exec_slot)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(troupe::rpc::logs_slot)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::shared_ptr<troupe::rpc::watch_stream>)
