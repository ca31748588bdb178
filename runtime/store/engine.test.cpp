#include "runtime/store/engine.hpp"

#include <catch2/catch.hpp>

#include <lmdb.h>

#include <thread>

#include "runtime/object/kinds.hpp"
#include "test/harness/objects.hpp"
#include "test/harness/temp_dir.hpp"

using namespace troupe;
using namespace troupe::store;
using troupe::testing::config_map;
using troupe::testing::data_of;
using troupe::testing::resource_version;
using troupe::testing::temp_dir;

namespace {

write_result apply(engine& e, write_op op) {
  std::vector<write_result> results;
  std::vector<change> changes;
  e.commit({std::move(op)}, results, changes);
  return results.at(0);
}

write_op create(const std::string& name, const std::string& value, const std::string& ns = "default") {
  return {op_kind::create, "configmaps/" + ns + "/" + name, 0, config_map(ns, name, {{"v", value}})};
}

write_op update(const std::string& name, const std::string& value, uint64_t expected) {
  return {op_kind::update, "configmaps/default/" + name, expected,
          config_map("default", name, {{"v", value}})};
}

}  // namespace

TEST_CASE("create get update delete with revisions", "[engine]") {
  temp_dir dir;
  engine e({dir.path()});
  CHECK(e.read().revision() == 0);

  auto r1 = apply(e, create("a", "1"));
  REQUIRE(r1.error == api_errc::none);
  CHECK(r1.revision == 1);
  CHECK(resource_version(*r1.object) == "1");

  auto r2 = apply(e, create("b", "1"));
  CHECK(r2.revision == 2);

  auto dup = apply(e, create("a", "x"));
  CHECK(dup.error == api_errc::already_exists);
  CHECK(dup.message == "configmaps \"a\" already exists");

  auto got = e.read().get("configmaps/default/a");
  REQUIRE(got);
  CHECK(got->revision == 1);
  CHECK(data_of(std::string(got->object), "v") == "1");

  auto stale = apply(e, update("a", "2", 99));
  CHECK(stale.error == api_errc::conflict);
  CHECK_THAT(stale.message, Catch::StartsWith("Operation cannot be fulfilled on configmaps \"a\""));

  auto fresh = apply(e, update("a", "2", 1));
  REQUIRE(fresh.error == api_errc::none);
  CHECK(fresh.revision == 3);
  CHECK(resource_version(*fresh.object) == "3");

  auto unconditional = apply(e, update("a", "3", 0));
  CHECK(unconditional.revision == 4);

  auto missing = apply(e, update("zzz", "3", 0));
  CHECK(missing.error == api_errc::not_found);
  CHECK(missing.message == "configmaps \"zzz\" not found");

  auto removed = apply(e, {op_kind::remove, "configmaps/default/a", 0, ""});
  REQUIRE(removed.error == api_errc::none);
  CHECK(removed.revision == 5);
  CHECK(resource_version(*removed.object) == "5");  // the last state, at the delete revision
  CHECK(data_of(*removed.object, "v") == "3");
  CHECK_FALSE(e.read().get("configmaps/default/a"));
  CHECK(apply(e, {op_kind::remove, "configmaps/default/a", 0, ""}).error == api_errc::not_found);
  CHECK(e.read().revision() == 5);
}

TEST_CASE("a batch commits the ops that succeed each with its own revision", "[engine]") {
  temp_dir dir;
  engine e({dir.path()});
  std::vector<write_result> results;
  std::vector<change> changes;
  e.commit({create("a", "1"), create("a", "dup"), create("b", "1"), update("a", "2", 1)}, results,
           changes);
  CHECK(results[0].revision == 1);
  CHECK(results[1].error == api_errc::already_exists);
  CHECK(results[2].revision == 2);
  CHECK(results[3].revision == 3);  // sees the create earlier in the same transaction
  REQUIRE(changes.size() == 3);
  CHECK(changes[0].type == event_type::added);
  CHECK(changes[2].type == event_type::modified);
  CHECK(changes[2].prev_revision == 1);
  CHECK(data_of(*changes[2].prev_object, "v") == "1");
}

TEST_CASE("list is a range read by resource and namespace", "[engine]") {
  temp_dir dir;
  engine e({dir.path()});
  std::vector<write_op> ops;
  for (auto ns : {"default", "default-x", "kube-system"})
    for (int i = 0; i < 5; ++i) ops.push_back(create("cm-" + std::to_string(i), "v", ns));
  ops.push_back({op_kind::create, "pods/default/p", 0, troupe::testing::pod("default", "p")});
  std::vector<write_result> results;
  std::vector<change> changes;
  e.commit(ops, results, changes);
  auto snap = e.read();
  CHECK(snap.count("configmaps/") == 15);
  CHECK(snap.count("configmaps/default/") == 5);
  CHECK(snap.count("configmaps/kube-system/") == 5);
  CHECK(snap.count("pods/") == 1);
  std::vector<std::string> keys;
  snap.list("configmaps/default/", [&](std::string_view key, stored_view) {
    keys.emplace_back(key);
    return true;
  });
  CHECK(keys.front() == "configmaps/default/cm-0");
  CHECK(keys.back() == "configmaps/default/cm-4");
}

TEST_CASE("snapshots are consistent while writes go on", "[engine]") {
  temp_dir dir;
  engine e({dir.path()});
  apply(e, create("a", "1"));
  auto before = e.read();
  apply(e, update("a", "2", 0));
  apply(e, create("b", "1"));
  CHECK(before.revision() == 1);
  CHECK(data_of(std::string(before.get("configmaps/default/a")->object), "v") == "1");
  CHECK_FALSE(before.get("configmaps/default/b"));
  auto after = e.read();
  CHECK(after.revision() == 3);
  CHECK(data_of(std::string(after.get("configmaps/default/a")->object), "v") == "2");

  // Reads from other threads see committed state.
  std::thread reader([&] {
    auto s = e.read();
    CHECK(s.revision() == 3);
    CHECK(s.get("configmaps/default/b"));
  });
  reader.join();
}

TEST_CASE("the event log records every change in order", "[engine]") {
  temp_dir dir;
  engine e({dir.path()});
  apply(e, create("a", "1"));
  apply(e, update("a", "2", 0));
  apply(e, {op_kind::remove, "configmaps/default/a", 0, ""});
  std::vector<std::pair<event_type, uint64_t>> seen;
  e.read().events_after(0, [&](const logged_event& ev) {
    seen.emplace_back(ev.type, ev.revision);
    CHECK(ev.key == "configmaps/default/a");
    CHECK(resource_version(std::string(ev.object)) == std::to_string(ev.revision));
    return true;
  });
  REQUIRE(seen.size() == 3);
  CHECK(seen[0] == std::make_pair(event_type::added, uint64_t{1}));
  CHECK(seen[1] == std::make_pair(event_type::modified, uint64_t{2}));
  CHECK(seen[2] == std::make_pair(event_type::deleted, uint64_t{3}));
  auto second = e.read().event_at(2);
  REQUIRE(second);
  CHECK(second->prev_revision == 1);
  size_t after_two = 0;
  e.read().events_after(2, [&](const logged_event&) { return ++after_two, true; });
  CHECK(after_two == 1);
}

TEST_CASE("compaction keeps the newest events and moves the horizon", "[engine]") {
  temp_dir dir;
  engine_options options{dir.path()};
  options.retain_events = 10;
  engine e(options);
  for (int i = 0; i < 25; ++i) apply(e, create("cm-" + std::to_string(i), "v"));
  CHECK(e.compact(4) == 4);  // bounded per call
  CHECK(e.read().horizon() == 4);
  while (e.compact(100) > 0) {
  }
  auto snap = e.read();
  CHECK(snap.horizon() == 15);
  size_t left = 0;
  snap.events_after(0, [&](const logged_event& ev) {
    CHECK(ev.revision > 15);
    return ++left, true;
  });
  CHECK(left == 10);
  CHECK(snap.count("configmaps/") == 25);  // objects are untouched
}

TEST_CASE("events older than the age bound are dropped", "[engine]") {
  temp_dir dir;
  engine_options options{dir.path()};
  options.retain_seconds = -1;  // every event is already too old
  engine e(options);
  for (int i = 0; i < 5; ++i) apply(e, create("cm-" + std::to_string(i), "v"));
  CHECK(e.compact(100) == 5);
  CHECK(e.read().horizon() == 5);
}

TEST_CASE("state survives reopening", "[engine]") {
  temp_dir dir;
  {
    engine e({dir.path()});
    apply(e, create("a", "1"));
    apply(e, update("a", "2", 0));
  }
  engine e({dir.path()});
  CHECK(e.revision() == 2);
  CHECK(data_of(std::string(e.read().get("configmaps/default/a")->object), "v") == "2");
  CHECK(apply(e, create("b", "1")).revision == 3);
}

TEST_CASE("one process at a time owns a data directory", "[engine]") {
  temp_dir dir;
  engine e({dir.path()});
  try {
    engine second({dir.path()});
    FAIL("opened twice");
  } catch (const api_error& err) {
    CHECK(err.code() == api_errc::unavailable);
    CHECK_THAT(err.message(), Catch::Contains("in use by another troupe process"));
  }
}

TEST_CASE("snapshot and restore", "[engine]") {
  temp_dir dir;
  std::string file = dir / "backup.mdb";
  {
    engine e({dir / "live"});
    apply(e, create("a", "1"));
    apply(e, create("b", "1"));
    CHECK(e.save_snapshot(file) == 2);
    apply(e, create("c", "after-snapshot"));
  }
  engine::restore_snapshot(file, dir / "restored");
  engine restored({dir / "restored"});
  auto snap = restored.read();
  CHECK(snap.revision() == 2);
  CHECK(snap.get("configmaps/default/a"));
  CHECK(snap.get("configmaps/default/b"));
  CHECK_FALSE(snap.get("configmaps/default/c"));
  CHECK(apply(restored, create("d", "1")).revision == 3);

  // Restoring over a directory in use is refused, and a non-snapshot file is rejected.
  CHECK_THROWS_AS(engine::restore_snapshot(file, dir / "restored"), api_error);
  std::string junk = dir / "junk";
  FILE* f = fopen(junk.c_str(), "w");
  fputs("not a database", f);
  fclose(f);
  try {
    engine::restore_snapshot(junk, dir / "other");
    FAIL("restored junk");
  } catch (const api_error& err) {
    CHECK_THAT(err.message(), Catch::Contains("is not a troupe snapshot"));
  }
}

namespace {

std::vector<std::string> pods_on(const engine& e, const std::string& prefix, const std::string& node) {
  std::vector<std::string> keys;
  bool indexed = e.read().list_by_field(prefix, "spec.nodeName", node,
                                        [&](std::string_view key, stored_view v) {
                                          CHECK(troupe::testing::node_name_of(std::string(v.object)) == node);
                                          keys.emplace_back(key);
                                          return true;
                                        });
  REQUIRE(indexed);
  return keys;
}

write_op put_pod(op_kind kind, const std::string& ns, const std::string& name, const std::string& node) {
  return {kind, "pods/" + ns + "/" + name, 0, troupe::testing::pod(ns, name, node)};
}

using keys = std::vector<std::string>;

engine_options indexed(const temp_dir& dir) {
  static const auto kinds = builtin_kinds();
  engine_options options{dir.path()};
  options.indexes = server_indexes(kinds);
  return options;
}

}  // namespace

TEST_CASE("the node-name index follows creates binds moves and deletes", "[engine]") {
  temp_dir dir;
  engine e(indexed(dir));
  REQUIRE(apply(e, put_pod(op_kind::create, "a", "p1", "n1")).error == api_errc::none);
  REQUIRE(apply(e, put_pod(op_kind::create, "b", "p2", "n1")).error == api_errc::none);
  REQUIRE(apply(e, put_pod(op_kind::create, "a", "p3", "")).error == api_errc::none);
  REQUIRE(apply(e, put_pod(op_kind::create, "a", "p4", "n2")).error == api_errc::none);
  CHECK(pods_on(e, "pods/", "n1") == keys{"pods/a/p1", "pods/b/p2"});
  CHECK(pods_on(e, "pods/a/", "n1") == keys{"pods/a/p1"});
  CHECK(pods_on(e, "pods/", "") == keys{"pods/a/p3"});
  CHECK(pods_on(e, "pods/", "n3").empty());
  // A node name that is a prefix of another matches only itself.
  REQUIRE(apply(e, put_pod(op_kind::create, "a", "p5", "n")).error == api_errc::none);
  CHECK(pods_on(e, "pods/", "n") == keys{"pods/a/p5"});

  REQUIRE(apply(e, put_pod(op_kind::update, "a", "p3", "n2")).error == api_errc::none);  // bound
  REQUIRE(apply(e, put_pod(op_kind::update, "a", "p1", "n2")).error == api_errc::none);  // moved
  REQUIRE(apply(e, {op_kind::remove, "pods/b/p2", 0, {}}).error == api_errc::none);
  CHECK(pods_on(e, "pods/", "n1").empty());
  CHECK(pods_on(e, "pods/", "n2") == keys{"pods/a/p1", "pods/a/p3", "pods/a/p4"});
  CHECK(pods_on(e, "pods/", "").empty());

  SECTION("a failed op leaves the index as it was") {
    CHECK(apply(e, put_pod(op_kind::create, "a", "p1", "n9")).error == api_errc::already_exists);
    CHECK(pods_on(e, "pods/", "n9").empty());
  }
  SECTION("other fields and resources have no index") {
    CHECK_FALSE(e.read().list_by_field("pods/", "status.phase", "Running", [](auto, auto) { return true; }));
    CHECK_FALSE(e.read().list_by_field("configmaps/", "spec.nodeName", "n1", [](auto, auto) { return true; }));
  }
}

TEST_CASE("an index is built at open for a store written without it", "[engine]") {
  temp_dir dir;
  {
    engine plain({dir.path()});
    REQUIRE(apply(plain, put_pod(op_kind::create, "a", "p1", "n1")).error == api_errc::none);
    REQUIRE(apply(plain, put_pod(op_kind::create, "a", "p2", "n2")).error == api_errc::none);
    CHECK_FALSE(plain.read().list_by_field("pods/", "spec.nodeName", "n1", [](auto, auto) { return true; }));
  }
  auto options = indexed(dir);
  {
    engine e(options);
    CHECK(pods_on(e, "pods/", "n1") == keys{"pods/a/p1"});
    REQUIRE(apply(e, put_pod(op_kind::create, "a", "p3", "n1")).error == api_errc::none);
  }
  {
    // Written without the index in between: reopening with it rebuilds it, nothing stale stays.
    engine plain({dir.path()});
    REQUIRE(apply(plain, put_pod(op_kind::update, "a", "p3", "n2")).error == api_errc::none);
  }
  engine reopened(options);
  CHECK(pods_on(reopened, "pods/", "n1") == keys{"pods/a/p1"});
  CHECK(pods_on(reopened, "pods/", "n2") == keys{"pods/a/p2", "pods/a/p3"});
}

TEST_CASE("an index is rebuilt when commits went by it", "[engine]") {
  temp_dir dir;
  auto options = indexed(dir);
  {
    engine e(options);
    REQUIRE(apply(e, put_pod(op_kind::create, "a", "p1", "n1")).error == api_errc::none);
  }
  // What a binary from before indexes does: a pod and a revision, and nothing else.
  {
    MDB_env* env = nullptr;
    REQUIRE(mdb_env_create(&env) == 0);
    mdb_env_set_maxdbs(env, 8);
    REQUIRE(mdb_env_open(env, dir.path().c_str(), MDB_NOTLS, 0600) == 0);
    MDB_txn* txn = nullptr;
    REQUIRE(mdb_txn_begin(env, nullptr, 0, &txn) == 0);
    MDB_dbi objects, meta;
    REQUIRE(mdb_dbi_open(txn, "objects", 0, &objects) == 0);
    REQUIRE(mdb_dbi_open(txn, "meta", 0, &meta) == 0);
    std::string key = padded_key("pods/a/p2"), pod = troupe::testing::pod("a", "p2", "n1");
    uint64_t revision = 2;
    std::string value(reinterpret_cast<const char*>(&revision), 8);
    value += pod;
    MDB_val k{key.size(), key.data()}, v{value.size(), value.data()};
    REQUIRE(mdb_put(txn, objects, &k, &v, 0) == 0);
    MDB_val mk{8, const_cast<char*>("revision")}, mv{8, &revision};
    REQUIRE(mdb_put(txn, meta, &mk, &mv, 0) == 0);
    REQUIRE(mdb_txn_commit(txn) == 0);
    mdb_env_close(env);
  }
  engine reopened(options);
  CHECK(pods_on(reopened, "pods/", "n1") == keys{"pods/a/p1", "pods/a/p2"});
}
