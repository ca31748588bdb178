#include "runtime/rpc/client.hpp"

#include <capnp/ez-rpc.h>
#include <kj/async-io.h>
#include <kj/time.h>

#include <optional>

#include "runtime/base/text.hpp"
#include "runtime/object/object.hpp"
#include "runtime/rpc/convert.hpp"
#include "schema/api.capnp.h"

namespace troupe::rpc {
namespace {

// `limit` from now. kj's timer counts afterDelay from the time its loop last woke, which a
// client that sleeps between calls (drain, logs -f) would have long passed.
kj::Promise<void> after(kj::Timer& timer, std::chrono::milliseconds limit) {
  return timer.atTime(kj::systemPreciseMonotonicClock().now() + limit.count() * kj::MILLISECONDS);
}

// "10s", or "1500ms" for a limit that is not whole seconds.
std::string duration_text(std::chrono::milliseconds limit) {
  auto ms = limit.count();
  return ms % 1000 == 0 ? std::to_string(ms / 1000) + "s" : std::to_string(ms) + "ms";
}

using event_callback = std::function<bool(const event&)>;

class sink final : public WatchSink::Server {
 public:
  sink(const event_callback& on_event,
       kj::Own<kj::PromiseFulfiller<void>> done, std::optional<api_error>& ended)
      : on_event_(on_event), done_(kj::mv(done)), ended_(ended) {}
  // Dropped with the connection (the server stopped) before it said the watch ended.
  ~sink() {
    if (done_->isWaiting())
      done_->reject(KJ_EXCEPTION(DISCONNECTED, "the connection to the server was lost"));
  }

  kj::Promise<void> event(EventContext ctx) override {
    auto p = ctx.getParams();
    rpc::event ev{static_cast<uint8_t>(static_cast<int>(p.getType()) + 1), p.getRevision(),
                  object_bytes(p.getObject())};
    if (done_->isWaiting() && !on_event_(ev)) done_->fulfill();
    return kj::READY_NOW;
  }
  kj::Promise<void> end(EndContext ctx) override {
    ended_ = from_rpc(ctx.getParams().getStatus());
    if (!ended_) ended_ = api_error(api_errc::unavailable, "the server ended the watch");
    if (done_->isWaiting()) done_->fulfill();
    return kj::READY_NOW;
  }

 private:
  const event_callback& on_event_;
  kj::Own<kj::PromiseFulfiller<void>> done_;
  std::optional<api_error>& ended_;
};

}  // namespace

struct client::impl {
  capnp::EzRpcClient ez;
  Api::Client api;
  impl(const std::string& host, uint16_t port) : ez(host, port), api(ez.getMain<Api>()) {}
};

connection_error unreachable(const std::string& address, const std::string& failure) {
  if (failure.find("Connection refused") != std::string::npos)
    return connection_error("The connection to the server " + address +
                            " was refused - did you specify the right host or port?");
  if (failure.find("DNS lookup failed") != std::string::npos)
    return connection_error("Unable to connect to the server: dial tcp: lookup " +
                            parse_host_port(address, "server address").first + ": no such host");
  return connection_error("Unable to connect to the server " + address + ": " + failure);
}

client::client(const std::string& address, std::chrono::milliseconds request_timeout)
    : request_timeout_(request_timeout), address_(address) {
  auto [host, port] = parse_host_port(address, "server address");
  TROUPE_REQUIRE(port > 0, api_errc::bad_request, "server address: invalid port in " + quote(address));
  try {
    impl_ = std::make_unique<impl>(host, port);
  } catch (const kj::Exception& e) {
    throw unreachable(address, e.getDescription().cStr());
  }
  handshake();
}

void client::handshake() {
  // Something that takes the connection and never answers (or speaks another protocol) must not
  // hang every command: as kubectl's TLS handshake timeout, the first answer comes within 10 s.
  auto& scope = impl_->ez.getWaitScope();
  auto answered = impl_->api.versionRequest().send().then([](auto&&) { return true; });
  std::chrono::milliseconds limit = std::chrono::seconds(handshake_timeout_seconds);
  if (request_timeout_.count() > 0) limit = std::min(limit, request_timeout_);
  auto silent = after(impl_->ez.getIoProvider().getTimer(), limit).then([] {
    return false;
  });
  bool ok = false;
  try {
    ok = answered.exclusiveJoin(kj::mv(silent)).wait(scope);
  } catch (const kj::Exception& e) {
    std::string what = e.getDescription().cStr();
    if (e.getType() == kj::Exception::Type::DISCONNECTED || what.find("DNS lookup failed") != std::string::npos)
      throw unreachable(address_, what);
    throw unreachable(address_, "it did not answer as a troupe server: " + what);
  }
  if (!ok)
    throw unreachable(address_, "no answer within " + duration_text(limit) + ": is it a troupe server?");
}

client::~client() = default;

namespace {

template <class T>
T wait_for(kj::Promise<T>&& promise, kj::WaitScope& scope, const std::string& address, kj::Timer* timer = nullptr,
           std::chrono::milliseconds limit = {}) {
  bool late = false;
  try {
    if (!timer || limit.count() <= 0) return promise.wait(scope);
    return promise
        .exclusiveJoin(after(*timer, limit).then([&late]() -> T {
          late = true;
          KJ_FAIL_REQUIRE("request timeout");
        }))
        .wait(scope);
  } catch (const kj::Exception& e) {
    if (late)
      throw api_error(api_errc::timeout,
                      "the server at " + address + " did not answer within " + duration_text(limit) + " (--request-timeout)");
    auto what = std::string(e.getDescription().cStr());
    // The link dropped under a call (the server stopped), however kj saw it go: one way of
    // saying so, whichever of the call or the watch's sink learns it first.
    for (const char* dropped : {"Peer disconnected", "Connection reset by peer", "Broken pipe"})
      if (what.find(dropped) != std::string::npos) what = "the connection to the server was lost";
    if (e.getType() == kj::Exception::Type::DISCONNECTED)
      throw api_error(api_errc::unavailable,
                      "cannot reach the troupe server at " + address + ": " + what);
    throw api_error(api_errc::internal, "the server failed the call: " + what);
  }
}

}  // namespace

call_result client::call(api_verb verb, const api_request& request) {
  bool reads = verb == api_verb::get || verb == api_verb::list;
  auto send = [&](auto req, const api_request& what) {
    auto out = req.initRequest();
    to_rpc(what, out);
    if (dry_run_ && !reads) out.setDryRun(true);
    return req.send();
  };
  auto& api = impl_->api;
  auto handle = [&](Result::Reader r) {
    if (auto e = from_rpc(r.getStatus())) throw server_error(*e);
    call_result c;
    c.object = object_bytes(r.getObject());
    for (auto item : r.getItems()) c.items.push_back(object_bytes(item.getObject()));
    c.revision = r.getRevision();
    c.continue_after = text_string(r.getContinueToken());
    return c;
  };
  auto& scope = impl_->ez.getWaitScope();
  kj::Timer* timer = &impl_->ez.getIoProvider().getTimer();
  auto wait_for = [&](auto&& promise, kj::WaitScope& scope, const std::string& address) {  // bounded
    return rpc::wait_for(kj::mv(promise), scope, address, timer, request_timeout_);
  };
  switch (verb) {
    case api_verb::create: return handle(wait_for(send(api.createRequest(), request), scope, address_).getResult());
    case api_verb::get: return handle(wait_for(send(api.getRequest(), request), scope, address_).getResult());
    case api_verb::list: {
      auto page = handle(wait_for(send(api.listRequest(), request), scope, address_).getResult());
      // A caller that set no limit gets every page; the list's revision is its first page's.
      while (request.limit == 0 && !page.continue_after.empty()) {
        api_request next = request;
        next.continue_after = page.continue_after;
        auto more = handle(wait_for(send(api.listRequest(), next), scope, address_).getResult());
        for (auto& item : more.items) page.items.push_back(std::move(item));
        page.continue_after = std::move(more.continue_after);
      }
      return page;
    }
    case api_verb::update: return handle(wait_for(send(api.updateRequest(), request), scope, address_).getResult());
    case api_verb::update_status:
      return handle(wait_for(send(api.updateStatusRequest(), request), scope, address_).getResult());
    case api_verb::remove: return handle(wait_for(send(api.deleteRequest(), request), scope, address_).getResult());
    case api_verb::patch: return handle(wait_for(send(api.patchRequest(), request), scope, address_).getResult());
    case api_verb::bind: break;  // the scheduler's, inside the server
  }
  throw api_error(api_errc::bad_request, "unknown verb");
}

bool client::watch(const api_request& request, bool bookmarks,
                   const std::function<bool(const event&)>& on_event,
                   std::chrono::milliseconds patience) {
  auto& scope = impl_->ez.getWaitScope();
  auto done = kj::newPromiseAndFulfiller<void>();
  std::optional<api_error> ended;
  auto req = impl_->api.watchRequest();
  to_rpc(request, req.initRequest());
  req.getRequest().setAllowWatchBookmarks(bookmarks);
  req.setSink(kj::heap<sink>(on_event, kj::mv(done.fulfiller), ended));
  bool finished = false;
  {
    auto response = wait_for(req.send(), scope, address_);
    if (auto e = from_rpc(response.getStatus())) throw server_error(*e);
    auto handle = response.getHandle();  // the watch lives as long as this
    if (request_timeout_.count() > 0) patience = std::min(patience, request_timeout_);
    auto timer = after(impl_->ez.getIoProvider().getTimer(), patience);
    finished = wait_for(done.promise.then([]() { return true; })
                            .exclusiveJoin(timer.then([]() { return false; })),
                        scope, address_);
  }
  // Sends the handle's release now, so the server ends the watch without waiting for this
  // client's next call.
  scope.poll();
  if (ended) throw server_error(*ended);
  return finished;
}

namespace {
std::string text_of(capnp::Data::Reader d) { return {reinterpret_cast<const char*>(d.begin()), d.size()}; }
}  // namespace

exec_reply client::exec(const exec_request& request) {
  auto req = impl_->api.execRequest();
  auto r = req.initRequest();
  r.setNamespace(request.ns);
  r.setPod(request.pod);
  r.setContainer(request.container);
  auto command = r.initCommand(static_cast<unsigned>(request.command.size()));
  for (unsigned i = 0; i < command.size(); ++i) command.set(i, request.command[i]);
  r.setTimeoutMs(request.timeout_ms);
  r.setWithStdin(request.with_stdin);
  r.setStdin(kj::arrayPtr(reinterpret_cast<const kj::byte*>(request.input.data()), request.input.size()));
  auto response = wait_for(req.send(), impl_->ez.getWaitScope(), address_);
  if (auto e = from_rpc(response.getStatus())) throw server_error(*e);
  return {response.getExitCode(), text_of(response.getStdout()), text_of(response.getStderr())};
}

logs_reply client::logs(const logs_request& request) {
  auto req = impl_->api.logsRequest();
  auto r = req.initRequest();
  r.setNamespace(request.ns);
  r.setPod(request.pod);
  r.setContainer(request.container);
  r.setPrevious(request.previous);
  r.setTail(request.tail);
  r.setSinceSeconds(request.since_seconds);
  r.setTimestamps(request.timestamps);
  r.setOffset(request.offset);
  auto response = wait_for(req.send(), impl_->ez.getWaitScope(), address_);
  if (auto e = from_rpc(response.getStatus())) throw server_error(*e);
  return {text_of(response.getText()), response.getOffset(), response.getRunning()};
}

std::string client::server_version() {
  auto response = wait_for(impl_->api.versionRequest().send(), impl_->ez.getWaitScope(), address_);
  return text_string(response.getVersion());
}

}  // namespace troupe::rpc
