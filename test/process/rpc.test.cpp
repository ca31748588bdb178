// The RPC API end to end: real clients over loopback against the gateway, the resource actors
// and the store. Many clients at once, watches with resume, bookmarks and Gone, and a watch
// that ends the moment its client goes away.

#include <capnp/ez-rpc.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <cstdint>
#include <thread>

#include "runtime/codec/object_codec.hpp"
#include "runtime/object/object.hpp"
#include "runtime/rpc/client.hpp"
#include "schema/api.capnp.h"
#include "test/harness/api_fixture.hpp"
#include "test/harness/cli.hpp"
#include "test/harness/eventually.hpp"
#include "test/harness/process.hpp"
#include "test/harness/threads.hpp"

using namespace troupe;
using troupe::testing::api_fixture;
using troupe::testing::eventually;

namespace {

std::string config_map(const kind_registry& kinds, const std::string& name, const std::string& value = "v") {
  auto docs = codec::decode_manifests(
      "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: " + name + "}\ndata: {k: '" + value + "'}\n",
      "test", kinds);
  return docs.at(0).bytes;
}

api_request request(const std::string& name = "", std::string object = "") {
  api_request r;
  r.resource = "configmaps";
  r.ns = "default";
  r.name = name;
  r.object = std::move(object);
  return r;
}

std::string name_of(const std::string& bytes) {
  object_reader r(bytes);
  return text_string(r.meta().getName());
}

}  // namespace

TEST_CASE("many clients at once each call answered", "[rpc]") {
  api_fixture api;
  constexpr int clients = 16, each = 40;
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c)
    threads.emplace_back([&, c] {
      rpc::client client(api.address());
      for (int i = 0; i < each; ++i) {
        auto name = "c" + std::to_string(c) + "-" + std::to_string(i);
        auto created = client.call(api_verb::create, request(name, config_map(api.kinds(), name)));
        if (name_of(created.object) == name) ++ok;
      }
    });
  for (auto& t : threads) t.join();
  CHECK(ok == clients * each);
  rpc::client client(api.address());
  CHECK(client.call(api_verb::list, request()).items.size() == clients * each);
  // The gateway's loop and the store actor run on threads of their own, named so.
  CHECK(troupe::testing::has_thread("rpc"));
  CHECK(troupe::testing::has_thread("store"));
}

TEST_CASE("errors keep their reason and causes across RPC", "[rpc]") {
  api_fixture api;
  rpc::client client(api.address());
  try {
    client.call(api_verb::get, request("missing"));
    FAIL("no error");
  } catch (const rpc::server_error& e) {
    CHECK(e.code() == api_errc::not_found);
    CHECK(e.message() == "configmaps \"missing\" not found");
  }
  auto bad = config_map(api.kinds(), "Bad_Name");
  try {
    client.call(api_verb::create, request("", bad));
    FAIL("no error");
  } catch (const rpc::server_error& e) {
    CHECK(e.code() == api_errc::invalid);
    REQUIRE(e.causes().size() == 1);
    CHECK(e.causes()[0].path == "metadata.name");
  }
  api_request unknown = request("x");
  unknown.resource = "gizmos";
  CHECK_THROWS_WITH(client.call(api_verb::get, unknown), "the server doesn't have a resource type \"gizmos\"");
}

TEST_CASE("exec logs and watch calls that name nothing to act on are refused", "[rpc]") {
  api_fixture api;
  rpc::client client(api.address());
  exec_request exec;
  exec.ns = "default";
  exec.command = {"true"};
  CHECK_THROWS_WITH(client.exec(exec), "exec: a pod name is required");
  exec.pod = "p";
  exec.timeout_ms = -5;  // a deadline in the past: the command was killed at once (exit 124)
  CHECK_THROWS_WITH(client.exec(exec), "exec: timeoutMs -5 is out of range (1 to 86400000)");
  exec.timeout_ms = INT64_MAX;  // its deadline overflowed
  CHECK_THROWS_WITH(client.exec(exec), Catch::Contains("is out of range (1 to 86400000)"));
  logs_request logs;
  logs.ns = "default";
  CHECK_THROWS_WITH(client.logs(logs), "logs: a pod name is required");

  // A watch with no sink for its events (only a hand-written client can send one).
  capnp::EzRpcClient raw(api.address());
  auto call = raw.getMain<rpc::Api>().watchRequest();
  call.initRequest().setResource("configmaps");
  auto answer = call.send().wait(raw.getWaitScope());
  CHECK(std::string(answer.getStatus().getReason().cStr()) == "BadRequest");
  CHECK(std::string(answer.getStatus().getMessage().cStr()) ==
        "watch: a sink to send the events to is required");
}

TEST_CASE("a watch resumes after a revision with no gap and bookmarks come", "[rpc]") {
  store_knobs knobs;
  knobs.bookmark_interval = std::chrono::milliseconds(50);
  api_fixture api(knobs);
  rpc::client client(api.address());
  uint64_t first = 0;
  for (int i = 0; i < 5; ++i) {
    auto r = client.call(api_verb::create, request("", config_map(api.kinds(), "w" + std::to_string(i))));
    object_reader o(r.object);
    if (i == 1) first = std::stoull(text_string(o.meta().getResourceVersion()));
  }
  std::vector<std::string> seen;
  uint64_t bookmark = 0, elsewhere = 0;
  // From the revision of w1: w2, w3, w4 replayed, then a live one; then a write to another
  // kind moves the revision on, which the watch learns from a bookmark.
  std::thread writer([&] {
    rpc::client other(api.address());
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    other.call(api_verb::create, request("", config_map(api.kinds(), "live")));
    api_request secret = request("");
    secret.resource = "secrets";
    secret.object = codec::decode_manifests("apiVersion: v1\nkind: Secret\nmetadata: {name: s}\n", "t",
                                            api.kinds()).at(0).bytes;
    auto created = other.call(api_verb::create, secret);
    object_reader r(created.object);
    elsewhere = std::stoull(text_string(r.meta().getResourceVersion()));
  });
  api_request watch = request();
  watch.resource_version = first;
  client.watch(watch, true, [&](const rpc::event& ev) {
    if (ev.type == 4) {
      bookmark = ev.revision;
      return ev.revision < elsewhere || elsewhere == 0;
    }
    CHECK(ev.type == 1);
    seen.push_back(name_of(ev.object));
    return true;
  }, std::chrono::seconds(10));
  writer.join();
  CHECK(seen == std::vector<std::string>{"w2", "w3", "w4", "live"});
  CHECK(bookmark == elsewhere);
}

TEST_CASE("a watch older than the event history is Gone", "[rpc]") {
  api_fixture api({}, 5);
  rpc::client client(api.address());
  for (int i = 0; i < 20; ++i)
    client.call(api_verb::create, request("", config_map(api.kinds(), "g" + std::to_string(i))));
  api_request watch = request();
  watch.resource_version = 1;
  std::string message;
  CHECK(eventually([&] {
    try {
      client.watch(watch, false, [](const rpc::event&) { return false; }, std::chrono::milliseconds(50));
    } catch (const rpc::server_error& e) {
      message = e.message();
      return e.code() == api_errc::gone;
    }
    return false;
  }));
  CHECK_THAT(message, Catch::Contains("too old resource version: 1"));
}

TEST_CASE("a client that goes away ends its watch at once", "[rpc]") {
  api_fixture api;
  CHECK(api.stats().watches == 0);
  troupe::testing::child_process watcher({TROUPE_BINARY, "get", "cm", "--watch", "--server", api.address()});
  REQUIRE(eventually([&] { return api.stats().watches == 1; }));
  watcher.stop(SIGKILL);
  CHECK(eventually([&] { return api.stats().watches == 0; }));

  rpc::client client(api.address());
  client.watch(request(), false, [](const rpc::event&) { return false; }, std::chrono::milliseconds(20));
  CHECK(eventually([&] { return api.stats().watches == 0; }));  // the handle was dropped
}

TEST_CASE("patch and update-status through RPC", "[rpc]") {
  api_fixture api;
  rpc::client client(api.address());
  client.call(api_verb::create, request("", config_map(api.kinds(), "p")));
  api_request patch = request("p");
  patch.patch = R"({"data":{"k":"patched"}})";
  patch.patch_type = static_cast<uint8_t>(patch_type::merge);
  auto patched = client.call(api_verb::patch, patch);
  auto tree = codec::encode_object(patched.object, *api.kinds().find_by_resource("configmaps"));
  CHECK(tree.find("data")->find("k")->text() == "patched");
  auto again = client.call(api_verb::patch, patch);  // no change: same version
  CHECK(name_of(again.object) == "p");
  object_reader a(patched.object), b(again.object);
  CHECK(text_string(a.meta().getResourceVersion()) == text_string(b.meta().getResourceVersion()));
  patch.patch = "[1]";
  CHECK_THROWS_WITH(client.call(api_verb::patch, patch), "the patch must be a JSON object");
}

TEST_CASE("a watch resumes across a server restart", "[rpc][process]") {
  troupe::testing::cluster c;
  uint64_t revision = 0;
  {
    rpc::client client(c.address());
    auto kinds = builtin_kinds();
    auto created = client.call(api_verb::create, request("", config_map(kinds, "before")));
    object_reader r(created.object);
    revision = std::stoull(text_string(r.meta().getResourceVersion()));
  }
  REQUIRE(c.stop() == 0);
  c.start();
  REQUIRE(c.troupe({"create", "-f", "-"}, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: after}\n").code == 0);
  REQUIRE(c.troupe({"delete", "cm", "before"}).code == 0);
  rpc::client client(c.address());
  api_request watch = request();
  watch.resource_version = revision;
  std::vector<std::pair<uint8_t, std::string>> seen;
  client.watch(watch, false, [&](const rpc::event& ev) {
    seen.emplace_back(ev.type, name_of(ev.object));
    return seen.size() < 2;
  }, std::chrono::seconds(10));
  CHECK(seen == std::vector<std::pair<uint8_t, std::string>>{{1, "after"}, {3, "before"}});
}

TEST_CASE("a watch whose server stops says the connection was lost", "[rpc][process]") {
  troupe::testing::cluster c;
  troupe::testing::child_process watching({TROUPE_BINARY, "--server=" + c.address(), "get", "cm", "-w"});
  REQUIRE(c.troupe({"create", "cm", "seen"}).code == 0);
  REQUIRE(watching.wait_for_output("seen"));
  REQUIRE(c.stop() == 0);
  CHECK(watching.wait() == 1);
  CHECK_THAT(watching.output(), Catch::EndsWith("error: cannot reach the troupe server at " + c.address() +
                                                ": the connection to the server was lost\n"));
}

TEST_CASE("a client that reads its watch too slowly is cut off the server stays bounded",
          "[rpc]") {
  store_knobs knobs;
  knobs.watch_window = 32;
  api_fixture api(knobs);
  std::thread writer([&] {
    rpc::client client(api.address());
    std::string filler(2000, 'x');
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    for (int i = 0; i < 3000; ++i)
      client.call(api_verb::create, request("", config_map(api.kinds(), "s" + std::to_string(i), filler)));
  });
  // Live from now on. (A watch replaying history is not cut off: the store just replays it
  // as fast as it acks.)
  rpc::client slow(api.address());
  api_request watch = request();
  int received = 0;
  bool cut_off_while_reading = false;
  try {
    slow.watch(watch, false, [&](const rpc::event&) {
      if (received++ < 50) std::this_thread::sleep_for(std::chrono::milliseconds(20));
      if (received == 50) cut_off_while_reading = eventually([&] { return api.stats().watches == 0; });
      return true;
    }, std::chrono::seconds(60));
    FAIL("the watch was not ended");
  } catch (const rpc::server_error& e) {
    CHECK(e.code() == api_errc::too_many_requests);
  }
  writer.join();
  CHECK(cut_off_while_reading);
  CHECK(received < 3000);
}

TEST_CASE("a connection pipelining calls is read no further while its calls in flight pass a bound",
          "[rpc]") {
  testing::actor_fixture actors([](caf::actor_system_config& cfg) {
    add_store_types(cfg);
    add_apiserver_types(cfg);
  });
  // A resource actor that answers nothing until a call named "release" comes: the calls it
  // holds stay in flight.
  struct held_calls {
    std::vector<caf::typed_response_promise<api_reply>> calls;
  };
  auto arrived = std::make_shared<std::atomic<int>>(0);
  auto holding = actors.keep(actors.sys().spawn(
      [arrived](
          resource_actor::stateful_pointer<held_calls> self) -> resource_actor::behavior_type {
        return {[=](api_atom, api_request& req) -> caf::result<api_reply> {
          if (req.name == "release") {
            for (auto& call : self->state.calls) call.deliver(api_reply{});
            self->state.calls.clear();
            return api_reply{};
          }
          ++*arrived;
          self->state.calls.push_back(self->make_response_promise<api_reply>());
          return self->state.calls.back();
        }};
      }));
  rpc::gateway gateway(actors.sys(), rpc::bridge_deps{{{"configmaps", holding}}, {}, {}},
                       "127.0.0.1", 0);
  capnp::EzRpcClient raw("127.0.0.1:" + std::to_string(gateway.port()));
  auto api = raw.getMain<rpc::Api>();
  // 80 calls of 1 MiB each, sent without waiting for any answer: the bound (96 MiB, counted as
  // the buffers capnp reads each message into, up to twice its size) lets 48 to 79 of them in.
  const std::string mebibyte(1 << 20, 'x');
  std::vector<capnp::RemotePromise<rpc::Api::PatchResults>> sent;
  for (int i = 0; i < 80; ++i) {
    auto call = api.patchRequest();
    call.initRequest().setResource("configmaps");
    call.getRequest().setName("c" + std::to_string(i));
    call.getRequest().setPatch(mebibyte);
    sent.push_back(call.send());
  }
  // Runs the client's loop (which sends what it has queued) until no call has come in for
  // half a second.
  auto settled = [&] {
    using clock = std::chrono::steady_clock;
    int seen = arrived->load();
    for (auto quiet_since = clock::now();
         clock::now() - quiet_since < std::chrono::milliseconds(500);) {
      raw.getWaitScope().poll();
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      if (arrived->load() != seen) seen = arrived->load(), quiet_since = clock::now();
    }
    return seen;
  };
  int first = settled();
  CHECK(first >= 48);
  CHECK(first <= 79);
  // Once they are answered the rest come in, and every call is answered.
  auto release = [&] {
    actors.self()
        ->request(holding, actors.patience, api_atom::value, request("release"))
        .receive([](api_reply&) {}, [](caf::error& e) { FAIL(to_api_error(e).what()); });
  };
  for (int round = 0; round < 20 && arrived->load() < 80; ++round) {
    release();
    settled();
  }
  release();
  for (auto& answer : sent) answer.wait(raw.getWaitScope());
  CHECK(arrived->load() == 80);
}

TEST_CASE("a list larger than Cap'n Proto's default message limit is answered", "[rpc]") {
  api_fixture api;
  rpc::client client(api.address());
  // 70 ConfigMaps of 1,000,000 bytes each: 70 MB, past the default 64 MiB a reader takes.
  const std::string value(1000 * 1000, 'x');
  for (int i = 0; i < 70; ++i) {
    auto name = "big" + std::to_string(i);
    client.call(api_verb::create, request(name, config_map(api.kinds(), name, value)));
  }
  CHECK(client.call(api_verb::list, request()).items.size() == 70);
}

TEST_CASE("a list comes in pages with limit and continue", "[rpc]") {
  api_fixture api;
  rpc::client client(api.address());
  for (int i = 0; i < 7; ++i) {
    auto name = "c" + std::to_string(i);
    client.call(api_verb::create, request(name, config_map(api.kinds(), name)));
  }
  auto ask = request();
  ask.limit = 3;
  std::vector<std::string> names;
  int pages = 0;
  do {
    auto page = client.call(api_verb::list, ask);
    ++pages;
    CHECK(page.items.size() <= 3);
    for (auto& item : page.items) names.push_back(name_of(item));
    ask.continue_after = page.continue_after;
  } while (!ask.continue_after.empty());
  CHECK(pages == 3);
  CHECK(names == std::vector<std::string>{"c0", "c1", "c2", "c3", "c4", "c5", "c6"});
  // A token from another list is refused.
  ask.continue_after = "secrets/default/x";
  CHECK_THROWS_WITH(client.call(api_verb::list, ask), Catch::Contains("continue: invalid token"));
}
