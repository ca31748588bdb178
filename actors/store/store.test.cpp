#include "actors/store/store.hpp"

#include <unistd.h>

#include <catch2/catch.hpp>

#include <atomic>

#include "runtime/caf/errors.hpp"
#include "runtime/object/kinds.hpp"
#include "runtime/store/engine.hpp"
#include "test/harness/actor_fixture.hpp"
#include "test/harness/objects.hpp"
#include "test/harness/temp_dir.hpp"

using namespace troupe;
using namespace std::chrono_literals;
using store::event_type;
using troupe::testing::config_map;
using troupe::testing::data_of;
using troupe::testing::pod;

namespace {

class store_fixture : public troupe::testing::actor_fixture {
 public:
  explicit store_fixture(store_knobs knobs = {}, store::engine_options options = {})
      : actor_fixture([](caf::actor_system_config& cfg) { add_store_types(cfg); }) {
    options.dir = dir_.path();
    engine_ = std::make_shared<store::engine>(options);
    store_ = keep(spawn_store(sys(), {engine_, std::make_shared<kind_registry>(builtin_kinds()),
                                      knobs}));
  }
  ~store_fixture() override {
    // A detached actor's thread waits until the last handle to it is gone.
    store_ = store_actor{};
    shutdown();
  }

  store_actor store() { return store_; }
  store::engine& engine() { return *engine_; }
  watcher_actor me() { return caf::actor_cast<watcher_actor>(self()); }

  caf::expected<api_reply> write(uint8_t op, const std::string& key, std::string object,
                                 uint64_t expected = 0) {
    caf::expected<api_reply> out{caf::error{}};
    self()
        ->request(store_, patience, write_atom::value,
                  write_request{op, key, expected, std::move(object)})
        .receive([&](api_reply& r) { out = std::move(r); }, [&](caf::error& e) { out = e; });
    return out;
  }
  api_reply put_cm(const std::string& name, const std::string& value,
                   const std::map<std::string, std::string>& labels = {}) {
    auto key = "configmaps/default/" + name;
    auto object = config_map("default", name, {{"v", value}}, labels);
    auto existing = engine_->read().get(key);
    auto r = write(existing ? 2 : 1, key, object);
    REQUIRE(r);
    return *r;
  }

  caf::expected<uint64_t> watch(watch_request req) {
    caf::expected<uint64_t> out{caf::error{}};
    self()
        ->request(store_, patience, watch_atom::value, std::move(req), me())
        .receive([&](uint64_t start) { out = start; }, [&](caf::error& e) { out = e; });
    return out;
  }

  watch_event next_event() {
    watch_event out;
    bool got = false;
    self()->receive([&](watch_event_atom, watch_event& ev) { out = std::move(ev), got = true; },
                    [&](watch_end_atom, uint64_t, caf::error& e) {
                      FAIL("watch ended: " << to_api_error(e).message());
                    },
                    caf::after(patience) >> [&] { FAIL("no watch event"); });
    REQUIRE(got);
    return out;
  }

  api_error next_end() {
    api_error out(api_errc::none, "");
    self()->receive_while([&] { return out.code() == api_errc::none; })(
        [&](watch_event_atom, watch_event&) {},
        [&](watch_end_atom, uint64_t, caf::error& e) { out = to_api_error(e); },
        caf::after(patience) >> [&] { FAIL("watch did not end"); });
    return out;
  }

  bool mailbox_quiet(std::chrono::milliseconds wait = 200ms) {
    bool quiet = true;
    self()->receive([&](watch_event_atom, watch_event&) { quiet = false; },
                    [&](watch_end_atom, uint64_t, caf::error&) { quiet = false; },
                    caf::after(wait) >> [] {});
    return quiet;
  }

  store_stats stats() {
    store_stats out;
    self()->request(store_, patience, stats_atom::value).receive(
        [&](store_stats s) { out = s; }, [&](caf::error& e) { FAIL(to_api_error(e).message()); });
    return out;
  }

  void ack(uint64_t id, uint64_t received) {
    self()->send(store_, watch_ack_atom::value, id, received);
  }

 private:
  troupe::testing::temp_dir dir_;
  std::shared_ptr<store::engine> engine_;
  store_actor store_;
};

watch_request watch_configmaps(uint64_t id, uint64_t from = 0, std::string labels = "") {
  watch_request r;
  r.id = id;
  r.resource = "configmaps";
  r.from_revision = from;
  r.label_selector = std::move(labels);
  return r;
}

}  // namespace

TEST_CASE("writes through the store actor", "[store]") {
  store_fixture f;
  auto created = f.write(1, "configmaps/default/a", config_map("default", "a", {{"v", "1"}}));
  REQUIRE(created);
  CHECK(created->revision == 1);
  CHECK(troupe::testing::resource_version(created->object.str()) == "1");

  auto dup = f.write(1, "configmaps/default/a", config_map("default", "a"));
  REQUIRE_FALSE(dup);
  CHECK(to_api_error(dup.error()).code() == api_errc::already_exists);

  auto stale = f.write(2, "configmaps/default/a", config_map("default", "a"), 42);
  REQUIRE_FALSE(stale);
  CHECK(to_api_error(stale.error()).code() == api_errc::conflict);

  auto updated = f.write(2, "configmaps/default/a", config_map("default", "a", {{"v", "2"}}), 1);
  REQUIRE(updated);
  CHECK(updated->revision == 2);
  // Read-your-write: the reply comes after the commit, and reads see it at once.
  CHECK(data_of(std::string(f.engine().read().get("configmaps/default/a")->object), "v") == "2");

  auto junk = f.write(1, "configmaps/default/j", std::string(64, '\x7f'));
  REQUIRE_FALSE(junk);
  CHECK(to_api_error(junk.error()).code() == api_errc::bad_request);
  CHECK(f.write(3, "configmaps/default/a", "")->revision == 3);  // the store is still fine
  CHECK_FALSE(f.write(9, "configmaps/default/a", ""));
}

TEST_CASE("a log sync the device fails is answered as an error and the store takes no more writes",
          "[store]") {
  auto failing = std::make_shared<std::atomic<bool>>(false);
  store::engine_options options;
  options.sync_log_file = [failing](int fd) {  // the device at the syscall: EIO once set
    if (!failing->load()) return ::fdatasync(fd);
    errno = EIO;
    return -1;
  };
  store_fixture f({}, options);
  REQUIRE(f.write(1, "configmaps/default/a", config_map("default", "a")));
  failing->store(true);
  auto lost = f.write(1, "configmaps/default/b", config_map("default", "b"));
  REQUIRE_FALSE(lost);
  CHECK(to_api_error(lost.error()).code() == api_errc::internal);
  CHECK_THAT(to_api_error(lost.error()).message(), Catch::Contains("sync: Input/output error"));
  CHECK_FALSE(f.engine().read().get("configmaps/default/b"));
  failing->store(false);
  auto refused = f.write(1, "configmaps/default/c", config_map("default", "c"));
  REQUIRE_FALSE(refused);
  CHECK_THAT(to_api_error(refused.error()).message(), Catch::Contains("no more writes until a restart"));
  CHECK(f.engine().read().get("configmaps/default/a"));
}

TEST_CASE("concurrent writers share commits", "[store]") {
  store_fixture f;
  constexpr int writers = 64, each = 20;
  std::vector<caf::actor> clients;
  auto done = std::make_shared<std::atomic<int>>(0);
  auto failures = std::make_shared<std::atomic<int>>(0);
  for (int w = 0; w < writers; ++w) {
    // Each writer sends its next write when the last one is acknowledged.
    clients.push_back(f.sys().spawn([=, store = f.store()](caf::event_based_actor* self) {
      auto next_write = [=](int n) {
        if (n == each) {
          ++*done;
          return self->quit();
        }
        auto name = "w" + std::to_string(w) + "-" + std::to_string(n);
        self->request(
                store, 10s, write_atom::value,
                write_request{1, "configmaps/default/" + name, 0, config_map("default", name)})
            .then([=](api_reply&) { self->send(self, n + 1); },
                  [=](caf::error&) {
                    ++*failures;
                    self->send(self, n + 1);
                  });
      };
      next_write(0);
      return caf::behavior{[=](int n) { next_write(n); }};
    }));
  }
  for (auto& c : clients) f.self()->wait_for(c);
  CHECK(*done == writers);
  CHECK(*failures == 0);
  auto s = f.stats();
  CHECK(s.revision == writers * each);
  CHECK(s.commits < s.revision / 4);  // many writes per fsync'd transaction
  CHECK(f.engine().read().count("configmaps/default/") == writers * each);
}

TEST_CASE("writes queued when the store stops are all answered and each one acknowledged is stored", "[store]") {
  store_fixture f;
  constexpr int writes = 400;
  // Sent at once: the first starts a sync, the rest are staged or still queued when the exit
  // message, queued behind them, arrives, so shutdown has to finish a sync under way.
  std::vector<caf::response_handle<caf::blocking_actor, caf::message, true>> replies;
  for (int i = 0; i < writes; ++i) {
    auto name = "q" + std::to_string(i);
    replies.push_back(f.self()->request(caf::actor_cast<caf::actor>(f.store()), store_fixture::patience,
                                        write_atom::value,
                                        write_request{1, "configmaps/default/" + name, 0,
                                                      config_map("default", name)}));
  }
  caf::anon_send_exit(f.store(), caf::exit_reason::user_shutdown);
  int acknowledged = 0, refused = 0;
  for (auto& reply : replies)
    reply.receive([&](api_reply&) { ++acknowledged; }, [&](caf::error&) { ++refused; });
  CHECK(acknowledged + refused == writes);
  CHECK(acknowledged == writes);  // queued writes still commit
  CHECK(f.engine().read().count("configmaps/default/") == static_cast<size_t>(acknowledged));
  CHECK(f.engine().revision() == static_cast<uint64_t>(writes));
}

TEST_CASE("a watch from now sees later changes in order", "[store][watch]") {
  store_fixture f;
  f.put_cm("before", "x");
  auto start = f.watch(watch_configmaps(7));
  REQUIRE(start);
  CHECK(*start == 1);
  f.put_cm("a", "1");
  f.put_cm("a", "2");
  f.write(3, "configmaps/default/a", "");
  f.write(1, "pods/default/p", pod("default", "p"));  // another resource: not seen
  auto e1 = f.next_event(), e2 = f.next_event(), e3 = f.next_event();
  CHECK(e1.id == 7);
  CHECK(e1.type == uint8_t(event_type::added));
  CHECK(e1.revision == 2);
  CHECK(e2.type == uint8_t(event_type::modified));
  CHECK(data_of(e2.object.str(), "v") == "2");
  CHECK(e3.type == uint8_t(event_type::deleted));
  CHECK(e3.revision == 4);
  CHECK(f.mailbox_quiet());
}

TEST_CASE("a watch resumes from a revision with no gap and no duplicate", "[store][watch]") {
  store_fixture f;
  for (int i = 1; i <= 10; ++i) f.put_cm("cm-" + std::to_string(i), "v");
  auto start = f.watch(watch_configmaps(1, 3));
  REQUIRE(start);
  CHECK(*start == 3);
  for (uint64_t rev = 4; rev <= 10; ++rev) CHECK(f.next_event().revision == rev);
  f.put_cm("cm-11", "v");
  CHECK(f.next_event().revision == 11);  // replay handed over to live events seamlessly
  CHECK(f.mailbox_quiet());
}

TEST_CASE("replay pages through a backlog larger than the window", "[store][watch]") {
  store_knobs knobs;
  knobs.watch_window = 16;
  store_fixture f(knobs);
  for (int i = 1; i <= 100; ++i) f.put_cm("cm-" + std::to_string(i), "v");
  REQUIRE(f.watch(watch_configmaps(1, 1)));
  uint64_t expect = 2, received = 0;
  while (expect <= 100) {
    auto ev = f.next_event();
    CHECK(ev.revision == expect++);
    if (++received % 8 == 0) f.ack(1, received);
    if (expect == 50) f.put_cm("cm-late", "v");  // lands at revision 101, after the replay
  }
  CHECK(f.next_event().revision == 101);
  CHECK(f.mailbox_quiet());
}

TEST_CASE("a replay that fills the window leaves room for the live events after it", "[store][watch]") {
  bool pinned = GENERATE(false, true);
  store_knobs knobs;
  knobs.watch_window = 4;
  store_fixture f(knobs);
  auto put = [&](int i) { f.write(1, "pods/a/p" + std::to_string(i), pod("a", "p" + std::to_string(i), "n1")); };
  for (int i = 1; i <= 5; ++i) put(i);
  watch_request r;
  r.id = 1;
  r.resource = "pods";
  r.from_revision = 1;  // replays 2..5: a full window
  if (pinned) r.field_selector = "spec.nodeName=n1";
  REQUIRE(f.watch(r));
  for (uint64_t rev = 2; rev <= 5; ++rev) CHECK(f.next_event().revision == rev);
  // Writes before the watcher acks that page still reach it...
  for (int i = 6; i <= 9; ++i) put(i);
  for (uint64_t rev = 6; rev <= 9; ++rev) CHECK(f.next_event().revision == rev);
  // ... up to twice the window; one that reads nothing more is cut off.
  put(10);
  auto end = f.next_end();
  CHECK(end.code() == api_errc::too_many_requests);
  CHECK(end.message() == "watch cut off: the watcher fell 8 events behind; watch again from revision 9");
}

TEST_CASE("label selectors turn relabelling into ADDED and DELETED", "[store][watch]") {
  store_fixture f;
  f.put_cm("a", "1", {{"app", "web"}});
  REQUIRE(f.watch(watch_configmaps(1, 0, "app=web")));
  f.put_cm("b", "1", {{"app", "db"}});          // not selected
  f.put_cm("a", "2", {{"app", "web"}});         // MODIFIED
  f.put_cm("a", "3", {{"app", "db"}});          // leaves the selection: DELETED
  f.put_cm("b", "2", {{"app", "web"}});         // enters it: ADDED
  auto e1 = f.next_event(), e2 = f.next_event(), e3 = f.next_event();
  CHECK(e1.type == uint8_t(event_type::modified));
  CHECK(e2.type == uint8_t(event_type::deleted));
  CHECK(data_of(e2.object.str(), "v") == "3");
  CHECK(e3.type == uint8_t(event_type::added));
  CHECK(f.mailbox_quiet());

  // The same transitions come out of a replay from the log.
  REQUIRE(f.watch(watch_configmaps(2, 1, "app=web")));
  CHECK(f.next_event().type == uint8_t(event_type::modified));
  CHECK(f.next_event().type == uint8_t(event_type::deleted));
  CHECK(f.next_event().type == uint8_t(event_type::added));
}

TEST_CASE("a garbage collector's watch sees owned objects and every deletion only",
          "[store][watch]") {
  store_fixture f;
  auto owned = [](const std::string& name, const std::string& v) {
    capnp::MallocMessageBuilder m;
    m.setRoot(object_reader(config_map("default", name, {{"v", v}})).as<k8s::ConfigMap>());
    auto ref = m.getRoot<k8s::ConfigMap>().getMetadata().initOwnerReferences(1)[0];
    ref.setApiVersion("v1");
    ref.setKind("ConfigMap");
    ref.setName("owner");
    ref.setUid("u1");
    return to_bytes(m);
  };
  auto gc = watch_configmaps(1);
  gc.owned_only = true;
  REQUIRE(f.watch(gc));
  f.put_cm("owner", "1");                                            // nobody owns it: not seen
  REQUIRE(f.write(1, "configmaps/default/dep", owned("dep", "1")));  // ADDED
  REQUIRE(f.write(2, "configmaps/default/dep",
                  config_map("default", "dep", {{"v", "2"}})));  // loses its owner: MODIFIED
  f.put_cm("dep", "3");  // owned by nobody, before or after: not seen
  REQUIRE(f.write(3, "configmaps/default/owner", ""));  // DELETED, though it has no owner
  auto e1 = f.next_event(), e2 = f.next_event(), e3 = f.next_event();
  CHECK(e1.type == uint8_t(event_type::added));
  CHECK(e2.type == uint8_t(event_type::modified));
  CHECK(data_of(e2.object.str(), "v") == "2");
  CHECK(e3.type == uint8_t(event_type::deleted));
  CHECK(f.mailbox_quiet());
}

TEST_CASE("field selectors and namespaces narrow a watch", "[store][watch]") {
  store_fixture f;
  watch_request r;
  r.id = 3;
  r.resource = "pods";
  r.ns = "prod";
  r.field_selector = "spec.nodeName=n1";
  REQUIRE(f.watch(r));
  f.write(1, "pods/prod/a", pod("prod", "a", ""));      // unbound: not selected
  f.write(1, "pods/prod/b", pod("prod", "b", "n2"));
  f.write(1, "pods/dev/c", pod("dev", "c", "n1"));      // other namespace
  f.write(2, "pods/prod/a", pod("prod", "a", "n1"));    // bound to n1: arrives as ADDED
  auto ev = f.next_event();
  CHECK(ev.type == uint8_t(event_type::added));
  CHECK(ev.revision == 4);
  CHECK(f.mailbox_quiet());

  r.id = 4;
  r.field_selector = "spec.bogus=1";
  auto bad = f.watch(r);
  REQUIRE_FALSE(bad);
  CHECK(to_api_error(bad.error()).code() == api_errc::bad_request);
  r.resource = "gizmos";
  CHECK_FALSE(f.watch(r));
}

namespace {

// A store that keeps `events` logged events and compacts every 10 ms.
std::pair<store_knobs, store::engine_options> compacting(uint64_t events) {
  store::engine_options options;
  options.retain_events = events;
  store_knobs knobs;
  knobs.compact_interval = 10ms;
  return {knobs, options};
}

}  // namespace

TEST_CASE("a node's watch resumed from an old revision replays just that node's events", "[store][watch]") {
  auto [knobs, options] = compacting(12);
  store_fixture f(knobs, options);
  auto node_watch = [&](uint64_t id, uint64_t from) {
    watch_request r;
    r.id = id;
    r.resource = "pods";
    r.field_selector = "spec.nodeName=n1";
    r.from_revision = from;
    return f.watch(r);
  };
  auto next = [&] {
    auto ev = f.next_event();
    return std::make_pair(ev.type, ev.revision);
  };
  using seen = std::pair<uint8_t, uint64_t>;
  const auto added = uint8_t(event_type::added), modified = uint8_t(event_type::modified),
             deleted = uint8_t(event_type::deleted);
  f.put_cm("before", "v");                                  // 1
  f.write(1, "pods/a/p1", pod("a", "p1", "n1"));            // 2  added on n1
  f.write(1, "pods/a/p2", pod("a", "p2", ""));              // 3  pending
  f.write(1, "pods/a/p3", pod("a", "p3", "n2"));            // 4  elsewhere
  f.write(2, "pods/a/p2", pod("a", "p2", "n1"));            // 5  bound to n1: ADDED
  f.write(2, "pods/a/p1", pod("a", "p1", "n2"));            // 6  moved away: DELETED
  f.write(2, "pods/a/p2", pod("a", "p2", "n1", {{"x", "y"}}));  // 7  MODIFIED
  f.write(3, "pods/a/p3", "");                              // 8  elsewhere
  REQUIRE(node_watch(1, 1));
  CHECK(next() == seen{added, 2});
  CHECK(next() == seen{added, 5});
  CHECK(next() == seen{deleted, 6});
  CHECK(next() == seen{modified, 7});
  f.write(3, "pods/a/p2", "");                              // 9  deleted on n1, live
  CHECK(next() == seen{deleted, 9});
  CHECK(f.mailbox_quiet(50ms));

  // A second watch resumes through what the first one's replay recorded and what came after.
  REQUIRE(node_watch(2, 5));
  CHECK(next() == seen{deleted, 6});
  CHECK(next() == seen{modified, 7});
  CHECK(next() == seen{deleted, 9});
  REQUIRE(node_watch(3, 9));
  f.write(1, "pods/b/p4", pod("b", "p4", "n1"));            // 10: all three live watches see it
  for (int watch = 1; watch <= 3; ++watch) CHECK(next() == seen{added, 10});
  CHECK(f.mailbox_quiet(50ms));

  // After compaction the history forgets what the log dropped; resuming still works.
  for (int i = 0; i < 20; ++i) f.put_cm("filler", std::to_string(i));  // 11..30
  for (int i = 0; i < 500 && f.engine().read().horizon() < 18; ++i) std::this_thread::sleep_for(10ms);
  REQUIRE(f.engine().read().horizon() == 18);
  f.write(2, "pods/b/p4", pod("b", "p4", "n1", {{"z", "1"}}));  // 31
  for (int watch = 1; watch <= 3; ++watch) CHECK(next() == seen{modified, 31});
  REQUIRE(node_watch(4, 20));
  CHECK(next() == seen{modified, 31});
  CHECK(to_api_error(node_watch(5, 10).error()).code() == api_errc::gone);
  CHECK(f.mailbox_quiet(50ms));
}

TEST_CASE("a watch resumed with a selector sees objects leave and enter it after their versions before left the log",
          "[store][watch]") {
  auto [knobs, options] = compacting(5);
  store_fixture f(knobs, options);
  f.put_cm("leaves", "1", {{"app", "web"}});
  f.put_cm("enters", "1", {{"app", "db"}});
  f.put_cm("goes", "1", {{"app", "web"}});
  for (int i = 0; i < 10; ++i) f.put_cm("filler-" + std::to_string(i), "v");
  for (int i = 0; i < 500 && f.engine().read().horizon() < 8; ++i) std::this_thread::sleep_for(10ms);
  REQUIRE(f.engine().read().horizon() == 8);
  uint64_t resumed_from = f.engine().revision();
  f.put_cm("leaves", "2", {{"app", "db"}});
  f.put_cm("enters", "2", {{"app", "web"}});
  f.put_cm("goes", "2", {{"app", "db"}});  // leaves, then is deleted: its delete is not seen
  REQUIRE(f.write(3, "configmaps/default/goes", ""));
  // Whether the applier has written the relabelling to LMDB yet or not.
  for (bool flushed : {false, true}) {
    if (flushed) f.engine().flush();
    REQUIRE(f.watch(watch_configmaps(flushed ? 2 : 1, resumed_from, "app=web")));
    auto left = f.next_event(), entered = f.next_event();
    CHECK(left.type == uint8_t(event_type::deleted));
    CHECK(data_of(left.object.str(), "v") == "2");
    CHECK(entered.type == uint8_t(event_type::added));
    auto gone = f.next_event();
    CHECK(gone.type == uint8_t(event_type::deleted));
    CHECK(data_of(gone.object.str(), "v") == "2");
    CHECK(f.mailbox_quiet());
  }
  // A node's watch replays through an index's history, which sees a pod leave the node too.
  f.write(1, "pods/a/p", pod("a", "p", "n1"));
  for (int i = 10; i < 20; ++i) f.put_cm("filler-" + std::to_string(i), "v");
  uint64_t horizon = f.engine().revision() - 5;  // past the pod's version on n1
  for (int i = 0; i < 500 && f.engine().read().horizon() < horizon; ++i) std::this_thread::sleep_for(10ms);
  REQUIRE(f.engine().read().horizon() == horizon);
  resumed_from = f.engine().revision();
  f.write(2, "pods/a/p", pod("a", "p", "n2"));
  watch_request on_n1;
  on_n1.id = 3;
  on_n1.resource = "pods";
  on_n1.field_selector = "spec.nodeName=n1";
  on_n1.from_revision = resumed_from;
  REQUIRE(f.watch(on_n1));
  CHECK(f.next_event().type == uint8_t(event_type::deleted));
  CHECK(f.mailbox_quiet());
}

TEST_CASE("a watch from before the log's horizon is Gone", "[store][watch]") {
  auto [knobs, options] = compacting(5);
  store_fixture f(knobs, options);
  for (int i = 1; i <= 20; ++i) f.put_cm("cm-" + std::to_string(i), "v");
  for (int i = 0; i < 500 && f.engine().read().horizon() < 15; ++i) std::this_thread::sleep_for(10ms);
  REQUIRE(f.engine().read().horizon() == 15);
  auto gone = f.watch(watch_configmaps(1, 3));
  REQUIRE_FALSE(gone);
  auto e = to_api_error(gone.error());
  CHECK(e.code() == api_errc::gone);
  CHECK(e.message() == "too old resource version: 3 (oldest available: 15)");
  auto ok = f.watch(watch_configmaps(2, 15));
  REQUIRE(ok);
  for (uint64_t rev = 16; rev <= 20; ++rev) CHECK(f.next_event().revision == rev);
  // One not yet written is too large, as Kubernetes answers it.
  auto ahead = f.watch(watch_configmaps(3, 22));
  REQUIRE_FALSE(ahead);
  CHECK(to_api_error(ahead.error()).code() == api_errc::timeout);
  CHECK(to_api_error(ahead.error()).message() == "Too large resource version: 22, current: 20");
  CHECK(f.watch(watch_configmaps(4, 20)));  // the current one is fine
}

TEST_CASE("a watcher that stops reading is cut off - others carry on", "[store][watch]") {
  store_knobs knobs;
  knobs.watch_window = 16;
  store_fixture f(knobs);
  // A well-behaved watcher in its own actor, acking as it goes.
  auto received = std::make_shared<std::atomic<uint64_t>>(0);
  auto good = f.sys().spawn([=, store = f.store()](watcher_actor::pointer self)
                                -> watcher_actor::behavior_type {
    return {
        [=](watch_event_atom, watch_event& ev) {
          auto n = ++*received;
          if (n % 4 == 0) self->send(store, watch_ack_atom::value, ev.id, n);
        },
        [=](watch_end_atom, uint64_t, caf::error&) { self->quit(); },
    };
  });
  f.keep(good);
  f.self()->request(f.store(), 10s, watch_atom::value, watch_configmaps(1), good).receive(
      [](uint64_t) {}, [](caf::error& e) { FAIL(to_api_error(e).message()); });
  REQUIRE(f.watch(watch_configmaps(2)));  // the test thread never acks
  for (int i = 0; i < 40; ++i) {
    f.put_cm("cm-" + std::to_string(i), "v");
    // The good watcher keeps up, however its thread is scheduled on a loaded machine.
    for (int wait = 0; wait < 500 && *received < static_cast<uint64_t>(i + 1); ++wait)
      std::this_thread::sleep_for(10ms);
  }
  auto end = f.next_end();
  CHECK(end.code() == api_errc::too_many_requests);
  CHECK_THAT(end.message(), Catch::Contains("fell 32 events behind"));
  for (int i = 0; i < 500 && *received < 40; ++i) std::this_thread::sleep_for(10ms);
  CHECK(*received == 40);
  CHECK(f.stats().watches == 1);
}

TEST_CASE("watches of a dead watcher are dropped", "[store][watch]") {
  store_fixture f;
  auto watcher = f.sys().spawn([](watcher_actor::pointer) -> watcher_actor::behavior_type {
    return {[](watch_event_atom, watch_event&) {}, [](watch_end_atom, uint64_t, caf::error&) {}};
  });
  f.self()->request(f.store(), 10s, watch_atom::value, watch_configmaps(1), watcher)
      .receive([](uint64_t) {}, [](caf::error&) {});
  REQUIRE(f.watch(watch_configmaps(2)));
  CHECK(f.stats().watches == 2);
  caf::anon_send_exit(watcher, caf::exit_reason::user_shutdown);
  for (int i = 0; i < 500 && f.stats().watches != 1; ++i) std::this_thread::sleep_for(10ms);
  CHECK(f.stats().watches == 1);
  f.self()->send(f.store(), unwatch_atom::value, uint64_t{2});
  for (int i = 0; i < 500 && f.stats().watches != 0; ++i) std::this_thread::sleep_for(10ms);
  CHECK(f.stats().watches == 0);
}

TEST_CASE("bookmarks carry the revision to filtered watchers", "[store][watch]") {
  store_knobs knobs;
  knobs.bookmark_interval = 20ms;
  store_fixture f(knobs);
  auto req = watch_configmaps(1, 0, "app=nothing-matches");
  req.bookmarks = true;
  REQUIRE(f.watch(req));
  f.put_cm("a", "1");
  f.put_cm("b", "1");
  auto ev = f.next_event();
  CHECK(ev.type == uint8_t(event_type::bookmark));
  CHECK(ev.revision == 2);
  CHECK(ev.object.empty());
}

TEST_CASE("online snapshot through the store actor", "[store]") {
  store_fixture f;
  troupe::testing::temp_dir backup;
  f.put_cm("a", "1");
  f.put_cm("b", "1");
  uint64_t revision = 0;
  f.self()->request(f.store(), 10s, snapshot_atom::value, backup / "snap.mdb").receive(
      [&](uint64_t r) { revision = r; }, [&](caf::error& e) { FAIL(to_api_error(e).message()); });
  CHECK(revision == 2);
  store::engine::restore_snapshot(backup / "snap.mdb", backup / "restored");
  store::engine restored({backup / "restored"});
  CHECK(restored.read().count("configmaps/") == 2);
  f.self()->request(f.store(), 10s, snapshot_atom::value, std::string("/nonexistent/dir/x")).receive(
      [&](uint64_t) { FAIL("snapshot to a missing directory succeeded"); },
      [&](caf::error& e) { CHECK(to_api_error(e).code() == api_errc::internal); });
}
