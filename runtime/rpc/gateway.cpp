// GCC 12 takes the optional error in kj's ExceptionOr<outcome<...>> for uninitialized where it
// inlines XThreadFulfiller::fulfill for exec and logs answers (a false positive): kj's headers,
// first read here, are read without that warning.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <cstdio>
#include <kj/async.h>
#pragma GCC diagnostic pop

#include "runtime/rpc/gateway.hpp"

#include <capnp/rpc-twoparty.h>
#include <kj/async-io.h>
#include <kj/thread.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <caf/all.hpp>

#include <future>
#include <iostream>
#include <optional>
#include <unordered_map>

#include "runtime/base/net.hpp"
#include "runtime/base/thread_name.hpp"
#include "runtime/caf/errors.hpp"
#include "runtime/object/object.hpp"
#include "runtime/rpc/convert.hpp"
#include "runtime/rpc/buffered_stream.hpp"
#include "schema/api.capnp.h"

namespace troupe::rpc {
namespace {

// The connection's send buffer is the window of a watch stream: capnp keeps sending until it
// fills. Clamped, a slow client holds back its own events (and, through the relay's acks, the
// store's window for it) instead of buffering megabytes per watch.
constexpr int watch_send_buffer = 64 * 1024;

// A list answer's items stop after this many bytes (a readers' default limit is 64 MiB).
constexpr uint64_t list_page_bytes = 32 * 1024 * 1024;

// Calls a connection may have in flight, by the buffers capnp reads them into (up to twice
// their size): past it capnp reads nothing more from that connection, answers to the server's
// own calls (watch events) and cancellations included, until some are answered. So a client
// pipelining thousands of calls waits for them instead of queueing them all in the actors'
// mailboxes. Above what the largest call takes (an exec's 32 MiB of stdin, read into up to
// 64 MiB), so that one never stalls its connection for as long as its command runs.
constexpr size_t call_words_in_flight = size_t{96} << 20 >> 3;

void fill(Result::Builder out, call_outcome& outcome) {
  if (outcome.error) return to_rpc(*outcome.error, out.initStatus());
  set_object(out.initObject(), outcome.reply.object.str());
  auto items = out.initItems(static_cast<unsigned>(outcome.reply.items.size()));
  for (unsigned i = 0; i < items.size(); ++i) set_object(items[i].initObject(), outcome.reply.items[i]);
  out.setRevision(outcome.reply.revision);
  out.setContinueToken(outcome.reply.continue_after);
}

kj::ArrayPtr<const kj::byte> bytes_of(const std::string& s) {
  return kj::arrayPtr(reinterpret_cast<const kj::byte*>(s.data()), s.size());
}

EventType event_type_of(uint8_t type) {
  switch (type) {
    case 1: return EventType::ADDED;
    case 2: return EventType::MODIFIED;
    case 3: return EventType::DELETED;
    default: return EventType::BOOKMARK;
  }
}

// A live watch on the kj side: drains its stream into the client's sink, one streaming call
// per event, and reports each batch sent back to the relay as its ack. Dropped by the client
// (or its connection), it ends the relay and with it the store subscription.
class watch_handle final : public WatchHandle::Server {
 public:
  watch_handle(std::shared_ptr<watch_stream> stream, WatchSink::Client sink)
      : stream_(std::move(stream)), sink_(kj::mv(sink)),
        pump_(pump().eagerlyEvaluate([this](kj::Exception&&) { stream_->items.close(); })) {}
  ~watch_handle() noexcept(false) {
    stream_->items.close();
    if (auto relay = stream_->relay()) caf::anon_send_exit(relay, caf::exit_reason::user_shutdown);
  }

 private:
  kj::Promise<void> pump() {
    return stream_->items.pop().then([this](std::deque<watch_item>&& batch) -> kj::Promise<void> {
      if (batch.empty()) return kj::READY_NOW;  // closed
      return send(std::make_shared<std::deque<watch_item>>(kj::mv(batch)));
    });
  }

  kj::Promise<void> send(std::shared_ptr<std::deque<watch_item>> batch) {
    if (batch->empty()) {
      if (auto relay = stream_->relay()) caf::anon_send(relay, consumed_atom::value, sent_);
      return pump();
    }
    auto item = std::move(batch->front());
    batch->pop_front();
    if (item.end) {
      auto req = sink_.endRequest();
      to_rpc(*item.end, req.initStatus());
      return req.send().ignoreResult();
    }
    auto req = sink_.eventRequest();
    req.setType(event_type_of(item.type));
    req.setRevision(item.revision);
    set_object(req.initObject(), item.object.str());
    ++sent_;
    return req.send().then([this, batch]() { return send(batch); });
  }

  std::shared_ptr<watch_stream> stream_;
  WatchSink::Client sink_;
  uint64_t sent_ = 0;
  kj::Promise<void> pump_;  // last: cancelled first
};

// The API calls in flight, by number, on the kj side; answers arrive through the call port's
// queue and are matched here. A cancelled call's entry stays until its answer comes.
class call_table {
 public:
  explicit call_table(std::shared_ptr<handoff<call_answer>> answers)
      : answers_(std::move(answers)), pump_(pump().eagerlyEvaluate([this](kj::Exception&& e) {
          // Without the pump no call would ever be answered: fail those waiting, and say why.
          std::cerr << "troupe server: API answers stopped: " << e.getDescription().cStr() << "\n";
          for (auto& [call, waiting] : waiting_) waiting->reject(kj::cp(e));
          waiting_.clear();
        })) {}

  /// A new call's number and the promise of its answer.
  std::pair<uint64_t, kj::Promise<call_outcome>> open() {
    auto paf = kj::newPromiseAndFulfiller<call_outcome>();
    waiting_.emplace(++last_, kj::mv(paf.fulfiller));
    return {last_, kj::mv(paf.promise)};
  }

 private:
  kj::Promise<void> pump() {
    return answers_->pop().then([this](std::deque<call_answer>&& batch) -> kj::Promise<void> {
      if (batch.empty()) return kj::READY_NOW;  // closed
      for (auto& [call, outcome] : batch) {
        auto found = waiting_.find(call);
        if (found == waiting_.end()) continue;
        found->second->fulfill(kj::mv(outcome));
        waiting_.erase(found);
      }
      return pump();
    });
  }

  std::shared_ptr<handoff<call_answer>> answers_;
  std::unordered_map<uint64_t, kj::Own<kj::PromiseFulfiller<call_outcome>>> waiting_;
  uint64_t last_ = 0;
  kj::Promise<void> pump_;  // last: cancelled first
};

constexpr int64_t max_exec_timeout_ms = int64_t{24} * 3600 * 1000;

class api_server final : public Api::Server {
 public:
  api_server(caf::actor bridge, const std::map<std::string, resource_actor>& resources,
             call_port& port, call_table& calls)
      : bridge_(std::move(bridge)), resources_(resources), port_(port), calls_(calls) {}

  kj::Promise<void> create(CreateContext ctx) override { return call(ctx, api_verb::create); }
  kj::Promise<void> get(GetContext ctx) override { return call(ctx, api_verb::get); }
  kj::Promise<void> list(ListContext ctx) override { return call(ctx, api_verb::list); }
  kj::Promise<void> update(UpdateContext ctx) override { return call(ctx, api_verb::update); }
  kj::Promise<void> updateStatus(UpdateStatusContext ctx) override {
    return call(ctx, api_verb::update_status);
  }
  kj::Promise<void> delete_(DeleteContext ctx) override { return call(ctx, api_verb::remove); }
  kj::Promise<void> patch(PatchContext ctx) override { return call(ctx, api_verb::patch); }
  kj::Promise<void> exec(ExecContext ctx) override {
    ctx.allowCancellation();
    auto in = ctx.getParams().getRequest();
    exec_request req;
    req.ns = text_string(in.getNamespace());
    req.pod = text_string(in.getPod());
    req.container = text_string(in.getContainer());
    for (auto part : in.getCommand()) req.command.push_back(text_string(part));
    // 0 is unset (a minute, as the CLI's default); beyond a day the deadline's sums overflow.
    if (in.getTimeoutMs() != 0) req.timeout_ms = in.getTimeoutMs();
    if (req.pod.empty() || req.timeout_ms < 0 || req.timeout_ms > max_exec_timeout_ms) {
      to_rpc(api_error(api_errc::bad_request,
                       req.pod.empty() ? "exec: a pod name is required"
                                       : "exec: timeoutMs " + std::to_string(req.timeout_ms) +
                                             " is out of range (1 to " +
                                             std::to_string(max_exec_timeout_ms) + ")"),
             ctx.getResults().initStatus());
      return kj::READY_NOW;
    }
    req.with_stdin = in.getWithStdin();
    auto input = in.getStdin();
    req.input.assign(reinterpret_cast<const char*>(input.begin()), input.size());
    auto paf = kj::newPromiseAndCrossThreadFulfiller<outcome<exec_reply>>();
    caf::anon_send(bridge_, exec_atom::value, std::move(req), exec_slot(kj::mv(paf.fulfiller)));
    return paf.promise.then([ctx](outcome<exec_reply>&& out) mutable {
      auto results = ctx.getResults();
      if (out.error) return to_rpc(*out.error, results.initStatus());
      results.setExitCode(out.reply.exit_code);
      results.setStdout(bytes_of(out.reply.out));
      results.setStderr(bytes_of(out.reply.err));
    });
  }

  kj::Promise<void> logs(LogsContext ctx) override {
    ctx.allowCancellation();
    auto in = ctx.getParams().getRequest();
    logs_request req;
    req.ns = text_string(in.getNamespace());
    req.pod = text_string(in.getPod());
    req.container = text_string(in.getContainer());
    req.previous = in.getPrevious();
    req.tail = in.getTail();
    req.since_seconds = in.getSinceSeconds();
    req.timestamps = in.getTimestamps();
    req.offset = in.getOffset();
    if (req.pod.empty()) {
      to_rpc(api_error(api_errc::bad_request, "logs: a pod name is required"),
             ctx.getResults().initStatus());
      return kj::READY_NOW;
    }
    auto paf = kj::newPromiseAndCrossThreadFulfiller<outcome<logs_reply>>();
    caf::anon_send(bridge_, logs_atom::value, std::move(req), logs_slot(kj::mv(paf.fulfiller)));
    return paf.promise.then([ctx](outcome<logs_reply>&& out) mutable {
      auto results = ctx.getResults();
      if (out.error) return to_rpc(*out.error, results.initStatus());
      results.setText(bytes_of(out.reply.text));
      results.setOffset(out.reply.offset);
      results.setRunning(out.reply.running);
    });
  }

  kj::Promise<void> version(VersionContext ctx) override {
    ctx.getResults().setVersion(TROUPE_VERSION);
    return kj::READY_NOW;
  }

  kj::Promise<void> watch(WatchContext ctx) override {
    auto params = ctx.getParams();
    auto in = params.getRequest();
    watch_request req;
    req.id = 1;
    req.resource = text_string(in.getResource());
    req.ns = text_string(in.getNamespace());
    req.label_selector = text_string(in.getLabelSelector());
    req.field_selector = text_string(in.getFieldSelector());
    req.from_revision = in.getResourceVersion();
    req.bookmarks = in.getAllowWatchBookmarks();
    if (!params.hasSink()) {  // events would have nowhere to go
      to_rpc(api_error(api_errc::bad_request, "watch: a sink to send the events to is required"),
             ctx.getResults().initStatus());
      return kj::READY_NOW;
    }
    auto paf = kj::newPromiseAndCrossThreadFulfiller<call_outcome>();
    auto stream = std::make_shared<watch_stream>(reply_slot(kj::mv(paf.fulfiller)));
    caf::anon_send(bridge_, watch_atom::value, std::move(req), stream);
    auto sink = params.getSink();
    return paf.promise.then([ctx, stream, sink](call_outcome&& out) mutable {
      if (out.error) {
        stream->items.close();
        return to_rpc(*out.error, ctx.getResults().initStatus());
      }
      ctx.getResults().setHandle(kj::heap<watch_handle>(stream, kj::mv(sink)));
    });
  }

 private:
  template <class Context>
  kj::Promise<void> call(Context ctx, api_verb verb) {
    ctx.allowCancellation();
    api_request req;
    std::map<std::string, resource_actor>::const_iterator target;
    try {
      req = from_rpc(ctx.getParams().getRequest(), verb);
      // One answer must stay under the message size Cap'n Proto reads; the rest comes in
      // pages the client asks for with the continue token.
      if (verb == api_verb::list) req.page_bytes = list_page_bytes;
      target = resources_.find(req.resource);
      TROUPE_REQUIRE(target != resources_.end(), api_errc::not_found,
                     unknown_resource(req.resource));
    } catch (const api_error& e) {
      call_outcome refused{{}, e};
      fill(ctx.getResults().initResult(), refused);
      return kj::READY_NOW;
    }
    auto [number, answer] = calls_.open();
    port_.send(target->second, number, std::move(req));
    return answer.then([ctx](call_outcome&& outcome) mutable {
      fill(ctx.getResults().initResult(), outcome);
    });
  }

  caf::actor bridge_;
  const std::map<std::string, resource_actor>& resources_;
  call_port& port_;
  call_table& calls_;
};

// Each client's connection with its own RPC system, as capnp's TwoPartyServer keeps them, but
// with a bound on its calls in flight. Destroying the set drops every connection.
class connection_set final : kj::TaskSet::ErrorHandler {
 public:
  explicit connection_set(capnp::Capability::Client api) : api_(kj::mv(api)) {}

  void accept(kj::Own<kj::AsyncIoStream>&& stream) {
    auto conn = kj::heap<connection>(kj::mv(stream), api_);
    auto gone = conn->network.onDisconnect();
    tasks_.add(gone.attach(kj::mv(conn)));
  }

 private:
  struct connection {
    connection(kj::Own<kj::AsyncIoStream>&& stream_, capnp::Capability::Client api)
        : stream(kj::mv(stream_)),
          network(*stream, capnp::rpc::twoparty::Side::SERVER),
          rpc(capnp::makeRpcServer(network, kj::mv(api))) {
      rpc.setFlowLimit(call_words_in_flight);
    }
    kj::Own<kj::AsyncIoStream> stream;
    capnp::TwoPartyVatNetwork network;
    capnp::RpcSystem<capnp::rpc::twoparty::VatId> rpc;
  };

  // A connection that fails (reset by its peer) just ends; the others go on.
  void taskFailed(kj::Exception&&) override {}

  capnp::Capability::Client api_;
  kj::TaskSet tasks_{*this};
};

// `failing`: accepts failed in a row, so a lasting failure (out of descriptors) is told once a
// minute, not ten times a second.
kj::Promise<void> accept_loop(kj::ConnectionReceiver& listener, connection_set& server,
                              kj::Timer& timer, uint64_t failing = 0) {
  // evalNow: an accept that fails at once (it throws) is a failed promise, handled below.
  return kj::evalNow([&] { return listener.accept(); })
      .then(
          [&](kj::Own<kj::AsyncIoStream>&& conn) {
            int size = watch_send_buffer;
            conn->setsockopt(SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
            // Answers are small and go out one by one: Nagle would hold each for the previous ack.
            int one = 1;
            conn->setsockopt(IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            server.accept(kj::heap<buffered_stream>(kj::mv(conn)));
            return accept_loop(listener, server, timer);
          },
          [&, failing](kj::Exception&& e) {
            // Out of descriptors (EMFILE), or a connection gone before it was taken: the API goes
            // on serving those it has and takes new ones again shortly, rather than end for good.
            if (failing % 600 == 0)
              std::fprintf(
                  stderr, "troupe server: accepting an API connection failed%s, trying again: %s\n",
                  failing ? (" (" + std::to_string(failing) + " times in a row)").c_str() : "",
                  e.getDescription().cStr());
            return timer.afterDelay(100 * kj::MILLISECONDS).then([&, failing] {
              return accept_loop(listener, server, timer, failing + 1);
            });
          });
}

struct started {
  uint16_t port = 0;
  kj::Own<kj::CrossThreadPromiseFulfiller<void>> stop;
};

}  // namespace

struct gateway::impl {
  caf::actor bridge;
  std::map<std::string, resource_actor> resources;
  std::shared_ptr<handoff<call_answer>> answers = std::make_shared<handoff<call_answer>>();
  std::optional<call_port> calls;
  std::promise<started> ready;
  kj::Own<kj::CrossThreadPromiseFulfiller<void>> stop;
  uint16_t port = 0;
  kj::Maybe<kj::Own<kj::Thread>> thread;

  void serve(const std::string& host, uint16_t wanted) {
    bool listening = false;
    try {
      auto io = kj::setupAsyncIo();
      call_table table(answers);
      connection_set server(kj::heap<api_server>(bridge, resources, *this->calls, table));
      auto listener =
          io.provider->getNetwork().parseAddress(host, wanted).wait(io.waitScope)->listen();
      auto stop = kj::newPromiseAndCrossThreadFulfiller<void>();
      ready.set_value({static_cast<uint16_t>(listener->getPort()), kj::mv(stop.fulfiller)});
      listening = true;
      stop.promise.exclusiveJoin(accept_loop(*listener, server, io.provider->getTimer())).wait(io.waitScope);
    } catch (const kj::Exception& e) {
      if (listening) {  // its promise is kept already: say why the API stopped
        std::fprintf(stderr, "troupe server: the API stopped: %s\n", e.getDescription().cStr());
        return;
      }
      auto why = bind_failure(host, wanted);
      ready.set_exception(std::make_exception_ptr(api_error(
          api_errc::bad_request, "--listen " + host + ":" + std::to_string(wanted) + ": cannot listen: " +
                                     (why.empty() ? std::string(e.getDescription().cStr()) : why))));
    }
  }
};

gateway::gateway(caf::actor_system& sys, bridge_deps deps, const std::string& host,
                 uint16_t port)
    : impl_(std::make_unique<impl>()) {
  impl_->resources = std::move(deps.resources);  // API calls skip the bridge
  impl_->calls.emplace(sys, impl_->answers);
  impl_->bridge = spawn_bridge(sys, std::move(deps));
  auto ready = impl_->ready.get_future();
  impl_->thread = kj::heap<kj::Thread>([this, host, port]() {
    name_this_thread("rpc");
    impl_->serve(host, port);
  });
  try {
    auto s = ready.get();
    impl_->port = s.port;
    impl_->stop = kj::mv(s.stop);
  } catch (...) {
    impl_->thread = nullptr;  // joins
    impl_->answers->close();
    impl_->calls.reset();
    caf::anon_send_exit(impl_->bridge, caf::exit_reason::user_shutdown);
    throw;
  }
}

gateway::~gateway() { stop(); }

uint16_t gateway::port() const { return impl_->port; }

void gateway::stop() {
  if (impl_->thread == nullptr) return;
  impl_->stop->fulfill();
  impl_->thread = nullptr;  // joins once the loop has closed every connection
  impl_->answers->close();
  impl_->calls.reset();
  caf::anon_send_exit(impl_->bridge, caf::exit_reason::user_shutdown);
}

}  // namespace troupe::rpc
