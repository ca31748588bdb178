#include "runtime/store/engine.hpp"

#include <lmdb.h>
#include <sys/mount.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <thread>

#include "runtime/object/kinds.hpp"
#include "test/harness/eventually.hpp"
#include "test/harness/objects.hpp"
#include "test/harness/temp_dir.hpp"
#include "test/harness/threads.hpp"

using namespace troupe;
using namespace troupe::store;
using troupe::testing::config_map;
using troupe::testing::data_of;
using troupe::testing::eventually;
using troupe::testing::has_thread;
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
  engine_options options{dir.path()};
  options.apply_interval_ms = 3600 * 1000;  // in LMDB only once flushed
  engine e(options);
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
  // Reads see the last version of a key the batch changed twice, before and after LMDB has it.
  for (int applied = 0; applied < 2; ++applied) {
    auto a = e.read().get("configmaps/default/a");
    REQUIRE(a);
    CHECK(a->revision == 3);
    CHECK(data_of(std::string(a->object), "v") == "2");
    e.flush();
  }
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

namespace {

// An engine whose log keeps `retain` events, holding config maps cm-0 ... cm-<count - 1>.
struct retaining_engine {
  temp_dir dir;
  engine e;
  retaining_engine(uint64_t retain, int count) : e(options(dir.path(), retain)) {
    for (int i = 0; i < count; ++i) apply(e, create("cm-" + std::to_string(i), "v"));
  }
  static engine_options options(const std::string& path, uint64_t retain) {
    engine_options o{path};
    o.retain_events = retain;
    return o;
  }
};

}  // namespace

TEST_CASE("compaction keeps the newest events and moves the horizon", "[engine]") {
  retaining_engine r(10, 25);
  auto& e = r.e;
  e.flush();  // compaction works on the events LMDB holds
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

TEST_CASE("the applier compacts when asked - batch after batch - while writes go on", "[engine]") {
  retaining_engine r(10, 35);
  auto& e = r.e;
  e.compact_in_background(4);  // returns at once; the applier writes the 35 first
  CHECK(eventually([&] { return e.read().horizon() == 25; }));
  // Asked once, it went on batch after batch, and stops at the bound: 25 stays.
  for (int i = 35; i < 40; ++i) apply(e, create("cm-" + std::to_string(i), "v"));
  e.flush();
  CHECK(e.read().horizon() == 25);
  e.compact_in_background(100);
  CHECK(eventually([&] { return e.read().horizon() == 30; }));
  size_t left = 0;
  e.read().events_after(0, [&](const logged_event&) { return ++left, true; });
  CHECK(left == 10);
  CHECK(e.read().count("configmaps/") == 40);
}

TEST_CASE("the version a change in the log replaced is kept when older than the log", "[engine]") {
  retaining_engine r(3, 0);
  auto& e = r.e;
  auto version = [&](const std::string& name, uint64_t revision) -> std::string {
    auto snap = e.read();
    auto found = snap.version_at("configmaps/default/" + name, revision);
    return found ? std::to_string(found->revision) + ":" + data_of(std::string(found->object), "v") : "none";
  };
  auto compact_all = [&] {
    e.flush();
    while (e.compact(100) > 0) {
    }
  };
  apply(e, create("a", "a1"));  // 1
  apply(e, create("b", "b1"));  // 2
  for (int i = 0; i < 3; ++i) apply(e, create("x" + std::to_string(i), "x"));  // 3-5
  apply(e, update("b", "b2", 2));  // 6: in the log when it replaces b1
  for (int i = 3; i < 5; ++i) apply(e, create("x" + std::to_string(i), "x"));  // 7-8
  compact_all();
  REQUIRE(e.read().horizon() == 5);
  CHECK(version("b", 2) == "2:b1");  // compaction kept it: b changed after it
  CHECK(version("a", 1) == "1:a1");  // unchanged since: LMDB's object
  CHECK(version("x4", 8) == "8:x");  // in the log
  CHECK(version("a", 8) == "none");  // not a's
  apply(e, update("a", "a2", 1));  // 9: replaces a version older than the log, not yet in LMDB
  CHECK(version("a", 1) == "1:a1");
  e.flush();  // ...and once LMDB holds the change, the replaced version is kept
  CHECK(version("a", 1) == "1:a1");
  CHECK(e.read().get("configmaps/default/a")->revision == 9);
  apply(e, update("b", "b3", 6));  // 10
  for (int i = 0; i < 3; ++i) apply(e, create("y" + std::to_string(i), "y"));  // 11-13
  compact_all();
  REQUIRE(e.read().horizon() == 10);
  CHECK(version("b", 2) == "none");  // the change that named it left the log
  CHECK(version("b", 6) == "none");  // so did the one after it: b3 is LMDB's object
  CHECK(version("b", 10) == "10:b3");
  CHECK(version("a", 1) == "none");
  CHECK(version("a", 9) == "9:a2");
  apply(e, update("a", "a3", 9));  // 14
  apply(e, {op_kind::remove, "configmaps/default/a", 0, ""});  // 15
  compact_all();
  CHECK(version("a", 9) == "9:a2");  // a's delete is in the log and names it
  for (int i = 0; i < 3; ++i) apply(e, create("z" + std::to_string(i), "z"));
  compact_all();
  CHECK(version("a", 9) == "none");  // a and its events are gone
  CHECK(version("a", 14) == "none");
}

TEST_CASE("the replaced version is kept when the object was deleted after the change that replaced it",
          "[engine]") {
  temp_dir dir;
  auto open = [&] { return engine(retaining_engine::options(dir.path(), 3)); };
  {
    auto e = open();
    apply(e, create("c", "c1"));                                   // 1
    for (int i = 0; i < 3; ++i) apply(e, create("x" + std::to_string(i), "x"));  // 2-4
    apply(e, update("c", "c2", 1));                                // 5: replaces 1
    apply(e, {op_kind::remove, "configmaps/default/c", 0, ""});    // 6
    for (int i = 3; i < 5; ++i) apply(e, create("x" + std::to_string(i), "x"));  // 7-8
    e.flush();
    e.compact(2);
    e.compact(2);
    REQUIRE(e.read().horizon() == 4);  // 1 left the log; 5, which replaced it, is in it
    auto found = e.read().version_at("configmaps/default/c", 1);  // though c is gone from LMDB
    REQUIRE(found);
    CHECK(data_of(std::string(found->object), "v") == "c1");
    while (e.compact(2) > 0) {
    }
    REQUIRE(e.read().horizon() == 5);  // 5 left too: nothing in the log names 1 now
    CHECK_FALSE(e.read().version_at("configmaps/default/c", 1));
  }
  {
    auto e = open();  // and what is kept survives a restart
    apply(e, create("d", "d1"));                                 // 9
    for (int i = 5; i < 8; ++i) apply(e, create("x" + std::to_string(i), "x"));  // 10-12
    apply(e, update("d", "d2", 9));                              // 13: replaces 9
    apply(e, {op_kind::remove, "configmaps/default/d", 0, ""});  // 14
    e.flush();
    while (e.compact(100) > 0) {
    }
    REQUIRE(e.read().horizon() == 11);  // 9 left, 13 (which names it) and 14 are in the log
    auto found = e.read().version_at("configmaps/default/d", 9);
    REQUIRE(found);
    CHECK(data_of(std::string(found->object), "v") == "d1");
  }
  auto e = open();
  auto found = e.read().version_at("configmaps/default/d", 9);
  REQUIRE(found);
  CHECK(found->revision == 9);
}

TEST_CASE("events older than the age bound are dropped", "[engine]") {
  temp_dir dir;
  engine_options options{dir.path()};
  options.retain_seconds = -1;  // every event is already too old
  engine e(options);
  for (int i = 0; i < 5; ++i) apply(e, create("cm-" + std::to_string(i), "v"));
  e.flush();
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

// ---- the write-ahead log and the overlay ----------------------------------------------------

namespace {

// Everything a reader can see, as text, so that two views compare in one CHECK.
std::string view_of(const snapshot& s) {
  std::string out = "revision " + std::to_string(s.revision()) + "\n";
  s.list("", [&](std::string_view key, stored_view v) {
    out += std::string(key) + " @" + std::to_string(v.revision) + " " +
           std::to_string(std::hash<std::string_view>{}(v.object)) + "\n";
    return true;
  });
  for (const char* node : {"n1", "n2", ""}) {
    out += "on '" + std::string(node) + "':";
    s.list_by_field("pods/", "spec.nodeName", node, [&](std::string_view key, stored_view) {
      out += " " + std::string(key);
      return true;
    });
    out += "\n";
  }
  s.events_after(0, [&](const logged_event& e) {
    out += std::string(to_string(e.type)) + " " + std::to_string(e.revision) + " " +
           std::string(e.key) + " prev " + std::to_string(e.prev_revision) + "\n";
    auto at = s.event_at(e.revision);
    if (!at || at->object != e.object) out += "  event_at differs\n";
    return true;
  });
  return out;
}

// A crash as the disk saw it: the store's files, copied while it runs, without its locks.
void copy_store(const std::string& from, const std::string& to) {
  namespace fs = std::filesystem;
  fs::create_directories(to + "/wal");
  fs::copy_file(from + "/data.mdb", to + "/data.mdb");
  for (auto& entry : fs::directory_iterator(from + "/wal"))
    fs::copy_file(entry.path(), to + "/wal/" + entry.path().filename().string());
}

std::vector<std::string> log_segments(const std::string& dir) {
  std::vector<std::string> names;
  for (auto& entry : std::filesystem::directory_iterator(dir + "/wal"))
    if (entry.path().extension() == ".log") names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

std::string only_segment(const std::string& dir) {
  auto segments = log_segments(dir);
  REQUIRE(segments.size() == 1);
  return dir + "/wal/" + segments[0];
}

std::string file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void overwrite(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

engine_options unapplied(const temp_dir& dir) {
  auto options = indexed(dir);
  options.apply_interval_ms = 3600 * 1000;  // LMDB gets changes only on flush()
  return options;
}

}  // namespace

TEST_CASE("reads are the same before and after the applier writes changes to LMDB", "[engine][log]") {
  temp_dir dir;
  engine e(unapplied(dir));
  REQUIRE(apply(e, put_pod(op_kind::create, "a", "p1", "n1")).error == api_errc::none);
  REQUIRE(apply(e, put_pod(op_kind::create, "a", "p2", "n1")).error == api_errc::none);
  REQUIRE(apply(e, put_pod(op_kind::create, "a", "p3", "n2")).error == api_errc::none);
  REQUIRE(apply(e, create("c", "1")).error == api_errc::none);
  e.flush();
  CHECK(e.applied_revision() == 4);
  auto before = e.read();
  std::string old_view = view_of(before);

  // Changes that stay in the overlay: a move, a delete, a create, an update.
  REQUIRE(apply(e, put_pod(op_kind::update, "a", "p1", "n2")).error == api_errc::none);
  REQUIRE(apply(e, {op_kind::remove, "pods/a/p2", 0, {}}).error == api_errc::none);
  REQUIRE(apply(e, put_pod(op_kind::create, "a", "p0", "n1")).error == api_errc::none);
  REQUIRE(apply(e, update("c", "2", 4)).error == api_errc::none);
  CHECK(apply(e, update("c", "3", 4)).error == api_errc::conflict);  // checked against the overlay
  CHECK(apply(e, put_pod(op_kind::create, "a", "p2", "n1")).error == api_errc::none);  // again
  CHECK(e.applied_revision() == 4);

  auto pending = e.read();
  std::string pending_view = view_of(pending);
  CHECK(pods_on(e, "pods/", "n1") == keys{"pods/a/p0", "pods/a/p2"});
  CHECK(pods_on(e, "pods/", "n2") == keys{"pods/a/p1", "pods/a/p3"});
  CHECK(pending.get("pods/a/p2")->revision == 9);
  CHECK(data_of(std::string(pending.get("configmaps/default/c")->object), "v") == "2");
  CHECK(pending.count("pods/") == 4);
  CHECK(pending.event_at(6)->type == event_type::deleted);

  e.flush();
  CHECK(e.applied_revision() == 9);
  CHECK(view_of(e.read()) == pending_view);
  // Snapshots keep what they began with.
  CHECK(view_of(before) == old_view);
  CHECK(view_of(pending) == pending_view);
}

TEST_CASE("a crash loses no acknowledged write: open replays the log", "[engine][log]") {
  temp_dir dir, crashed;
  std::string expected;
  {
    engine e(unapplied(dir));
    REQUIRE(apply(e, put_pod(op_kind::create, "a", "p1", "n1")).error == api_errc::none);
    REQUIRE(apply(e, create("c", "1")).error == api_errc::none);
    e.flush();
    REQUIRE(apply(e, put_pod(op_kind::update, "a", "p1", "n2")).error == api_errc::none);
    REQUIRE(apply(e, {op_kind::remove, "configmaps/default/c", 0, {}}).error == api_errc::none);
    REQUIRE(apply(e, put_pod(op_kind::create, "b", "p2", "n1")).error == api_errc::none);
    expected = view_of(e.read());
    copy_store(dir.path(), crashed.path());
  }
  engine reopened(unapplied(crashed));
  CHECK(reopened.applied_revision() == 5);
  CHECK(view_of(reopened.read()) == expected);
  CHECK(apply(reopened, create("d", "1")).revision == 6);
}

TEST_CASE("a torn record at the end of the log is where it ends", "[engine][log]") {
  temp_dir dir, crashed;
  std::string after_two;
  {
    engine e(unapplied(dir));
    REQUIRE(apply(e, create("c1", "1")).error == api_errc::none);
    REQUIRE(apply(e, create("c2", "1")).error == api_errc::none);
    after_two = view_of(e.read());
    REQUIRE(apply(e, create("c3", "1")).error == api_errc::none);
    copy_store(dir.path(), crashed.path());
  }
  std::string segment = only_segment(crashed.path());
  std::string bytes = file_bytes(segment);
  // The third record starts after the second; damage one byte of its object.
  std::string marker = "c3";
  size_t at = bytes.rfind(marker);
  REQUIRE(at != std::string::npos);
  bytes[at] ^= 0x20;
  overwrite(segment, bytes);
  engine reopened(unapplied(crashed));
  CHECK(view_of(reopened.read()) == after_two);
  CHECK(apply(reopened, create("c4", "1")).revision == 3);
}

TEST_CASE("a damaged record with later ones behind it is refused", "[engine][log]") {
  temp_dir dir, crashed;
  {
    engine e(unapplied(dir));
    for (const char* name : {"c1", "c2", "c3"})
      REQUIRE(apply(e, create(name, "1")).error == api_errc::none);
    copy_store(dir.path(), crashed.path());
  }
  std::string segment = crashed.path() + "/wal/" + log_segments(crashed.path()).at(0);
  std::string bytes = file_bytes(segment);
  size_t at = bytes.find("c2\"");  // in the second record's object
  if (at == std::string::npos) at = bytes.rfind("c2", bytes.rfind("c3"));
  REQUIRE(at != std::string::npos);
  bytes[at] ^= 0x20;
  overwrite(segment, bytes);
  auto options = unapplied(crashed);
  CHECK_THROWS_WITH(engine(options), Catch::Contains("is damaged at byte") &&
                                         Catch::Contains("revision 3 is written after it"));
}

TEST_CASE("a damaged record whose changes LMDB already holds does not stop the replay",
          "[engine][log]") {
  temp_dir dir, crashed;
  {
    engine e(unapplied(dir));
    for (const char* name : {"c1", "c2"})
      REQUIRE(apply(e, create(name, "1")).error == api_errc::none);
    e.flush();  // LMDB holds c1 and c2; the log still has their records
    REQUIRE(apply(e, create("c3", "1")).error == api_errc::none);
    copy_store(dir.path(), crashed.path());
  }
  std::string segment = crashed.path() + "/wal/" + log_segments(crashed.path()).at(0);
  std::string bytes = file_bytes(segment);
  size_t at = bytes.find("c2\"");
  if (at == std::string::npos) at = bytes.rfind("c2", bytes.rfind("c3"));
  REQUIRE(at != std::string::npos);
  bytes[at] ^= 0x20;
  overwrite(segment, bytes);
  engine reopened(unapplied(crashed));
  auto snap = reopened.read();
  CHECK(snap.count("configmaps/") == 3);
  CHECK(snap.get("configmaps/default/c3"));
}

TEST_CASE("a log that skips revisions is refused with the missing ones named", "[engine][log]") {
  temp_dir dir, crashed;
  auto options = unapplied(dir);
  options.wal_segment_bytes = 512;  // about a record each
  {
    engine e(options);
    for (int i = 0; i < 4; ++i)
      REQUIRE(apply(e, create("c" + std::to_string(i), std::string(300, 'x'))).error == api_errc::none);
    copy_store(dir.path(), crashed.path());
  }
  auto segments = log_segments(crashed.path());
  REQUIRE(segments.size() == 4);
  std::string missing = crashed.path() + "/wal/" + segments[1];
  std::filesystem::rename(missing, crashed.path() + "/aside");
  options.dir = crashed.path();
  CHECK_THROWS_WITH(engine(options),
                    Catch::Contains("write-ahead log is missing revisions 2 to 2"));
  // Nothing was written by the refused open: with the segment back, it opens whole.
  std::filesystem::rename(crashed.path() + "/aside", missing);
  engine reopened(options);
  CHECK(reopened.read().count("configmaps/") == 4);
}

TEST_CASE("log segments are reused once LMDB holds their changes", "[engine][log]") {
  temp_dir dir;
  auto options = unapplied(dir);
  options.wal_segment_bytes = 4096;
  engine e(options);
  for (int i = 0; i < 50; ++i) {
    REQUIRE(apply(e, create("c" + std::to_string(i), std::string(1000, 'x'))).error == api_errc::none);
    if (i % 5 == 4) e.flush();
  }
  e.flush();
  // The segment being written, and at most two spares.
  CHECK(log_segments(dir.path()).size() <= 3);
  CHECK(e.read().count("configmaps/") == 50);
}

TEST_CASE("a store whose data.mdb went or went back is refused rather than reuse revisions",
          "[engine][log]") {
  temp_dir dir, backup;
  auto options = unapplied(dir);
  {
    engine e(options);
    for (int i = 0; i < 5; ++i)
      REQUIRE(apply(e, create("a" + std::to_string(i), "v")).error == api_errc::none);
  }
  { engine reopened(options); }  // marks the revision LMDB has reached
  std::filesystem::copy_file(dir / "data.mdb", backup / "data.mdb");
  {
    engine e(options);
    for (int i = 0; i < 5; ++i)
      REQUIRE(apply(e, create("b" + std::to_string(i), "v")).error == api_errc::none);
  }
  { engine reopened(options); }
  std::filesystem::copy_file(backup / "data.mdb", dir / "data.mdb",
                             std::filesystem::copy_options::overwrite_existing);
  CHECK_THROWS_WITH(engine(options), Catch::Contains("data.mdb holds revisions through ") &&
                                         Catch::Contains(" but this store had reached ") &&
                                         Catch::Contains("replaced by an older copy"));
  std::filesystem::remove(dir / "data.mdb");
  std::filesystem::remove(dir / "lock.mdb");
  CHECK_THROWS_WITH(engine(options), Catch::Contains("data.mdb holds revisions through 0 but"));
  // Gone back on purpose: without the log, the older copy opens.
  std::filesystem::copy_file(backup / "data.mdb", dir / "data.mdb",
                             std::filesystem::copy_options::overwrite_existing);
  std::filesystem::remove_all(dir / "wal");
  engine older(options);
  CHECK(older.read().count("configmaps/") == 5);
}

TEST_CASE("a data.mdb removed while its whole log is kept is rebuilt from it", "[engine][log]") {
  temp_dir dir;
  auto options = unapplied(dir);
  {
    engine e(options);
    for (int i = 0; i < 5; ++i)
      REQUIRE(apply(e, create("a" + std::to_string(i), "v")).error == api_errc::none);
  }
  std::filesystem::remove(dir / "data.mdb");
  std::filesystem::remove(dir / "lock.mdb");
  engine rebuilt(options);
  CHECK(rebuilt.read().count("configmaps/") == 5);
}

TEST_CASE("a data.mdb cut short is refused at open instead of crashing at a read", "[engine]") {
  temp_dir dir;
  auto options = unapplied(dir);
  {
    engine e(options);
    for (int i = 0; i < 200; ++i)
      REQUIRE(apply(e, create("a" + std::to_string(i), std::string(2000, 'x'))).error ==
              api_errc::none);
  }
  { engine reopened(options); }  // everything in LMDB, the log's segments retired
  auto size = std::filesystem::file_size(dir / "data.mdb");
  std::filesystem::resize_file(dir / "data.mdb", size / 2);
  CHECK_THROWS_WITH(engine(options), Catch::Contains("data.mdb is damaged: it is " +
                                                     std::to_string(size / 2) + " bytes long") &&
                                         Catch::Contains("(the file was cut short)"));
}

TEST_CASE("a spare segment left short is dropped rather than reused", "[engine][log]") {
  temp_dir dir;
  auto options = unapplied(dir);
  options.wal_segment_bytes = 4096;
  { engine e(options); }
  std::ofstream(dir / "wal/spare-9.log");  // as a reservation that failed on a full disk left it
  engine e(options);
  CHECK(!std::filesystem::exists(dir / "wal/spare-9.log"));
  CHECK(apply(e, create("a", "v")).error == api_errc::none);
}

TEST_CASE("when LMDB can't take the changes further writes are refused and none is lost", "[engine][log]") {
  temp_dir dir;
  auto options = unapplied(dir);
  options.map_size = size_t{1} << 20;
  engine e(options);
  int acknowledged = 0;
  std::string failure;
  for (int i = 0; i < 40 && failure.empty(); ++i) {
    auto result = apply(e, create("c" + std::to_string(i), std::string(50000, 'x')));
    if (result.error != api_errc::none) {
      failure = result.message;
      break;
    }
    ++acknowledged;
    try {
      e.flush();
    } catch (const api_error& error) {
      failure = error.message();
    }
  }
  REQUIRE_FALSE(failure.empty());
  CHECK_THAT(failure, Catch::Contains("MDB_MAP_FULL"));
  auto refused = apply(e, create("late", "1"));
  CHECK(refused.error == api_errc::internal);
  CHECK_THAT(refused.message, Catch::Contains("MDB_MAP_FULL"));
  // Every acknowledged write is still there to read.
  CHECK(e.read().count("configmaps/") == static_cast<size_t>(acknowledged));
}

TEST_CASE("a map the event log filled takes writes again once the applier compacts it", "[engine][log]") {
  temp_dir dir;
  auto options = unapplied(dir);
  options.map_size = size_t{1} << 20;
  options.retain_events = 2;
  engine e(options);
  // One object updated over and over: each version stays in the log until compaction.
  REQUIRE(apply(e, create("big", std::string(50000, 'a'))).error == api_errc::none);
  std::string failure;
  for (int i = 1; i < 40 && failure.empty(); ++i) {
    auto result = apply(e, update("big", std::string(50000, char('a' + i % 26)), 0));
    if (result.error != api_errc::none) failure = result.message;
    try {
      e.flush();
    } catch (const api_error& error) {
      failure = error.message();
    }
  }
  REQUIRE_THAT(failure, Catch::Contains("MDB_MAP_FULL"));
  CHECK(apply(e, create("late", "1")).error == api_errc::internal);
  // Asked while the applier fails: it compacts anyway, which frees what its retry lacked.
  e.compact_in_background(1000);
  CHECK(eventually(
      [&] {
        try {
          e.flush();
          return true;
        } catch (const api_error&) {
          return false;
        }
      },
      std::chrono::seconds(10)));
  CHECK(apply(e, create("late", "1")).error == api_errc::none);
  e.flush();
  CHECK(e.read().count("configmaps/") == 2);
}

namespace {

// A file system of `bytes` mounted over a temp dir (root only), so writes meet a real ENOSPC.
class small_disk {
 public:
  explicit small_disk(size_t bytes) {
    std::string options = "size=" + std::to_string(bytes);
    mounted_ = ::mount("tmpfs", dir_.path().c_str(), "tmpfs", 0, options.c_str()) == 0;
  }
  ~small_disk() {
    if (mounted_) ::umount2(dir_.path().c_str(), MNT_DETACH);
  }
  small_disk(const small_disk&) = delete;
  small_disk& operator=(const small_disk&) = delete;
  bool mounted() const { return mounted_; }
  const temp_dir& dir() const { return dir_; }

 private:
  temp_dir dir_;
  bool mounted_ = false;
};

}  // namespace

TEST_CASE(
    "a segment that cannot be reserved is not left behind and a nearly full disk takes small "
    "records",
    "[engine][log]") {
  temp_dir dir;
  auto options = unapplied(dir);
  options.wal_segment_bytes = size_t{64} << 10;
  enum class disk { roomy, full, nearly_full };
  disk state = disk::full;
  options.reserve_log_file = [&state](int fd, off_t bytes) {
    if (state == disk::full || (state == disk::nearly_full && bytes > 8192)) {
      errno = ENOSPC;
      return -1;
    }
    return ::fallocate(fd, 0, 0, bytes);
  };
  {
    engine e(options);
    auto refused = apply(e, create("a", "v"));
    CHECK(refused.error == api_errc::internal);
    CHECK_THAT(refused.message,
               Catch::Contains("reserve") && Catch::Contains("No space left on device"));
    CHECK(log_segments(dir.path()).empty());  // no empty segment to be replayed or reused later
    state = disk::nearly_full;
    for (int i = 0; i < 20; ++i)
      REQUIRE(apply(e, create("b" + std::to_string(i), std::string(1000, 'x'))).error ==
              api_errc::none);
  }
  state = disk::roomy;
  engine reopened(options);
  CHECK(reopened.read().count("configmaps/") == 20);
}

TEST_CASE("when the disk is full further writes are refused and none is lost", "[engine][log]") {
  small_disk disk(size_t{3} << 20);
  if (!disk.mounted()) {
    WARN("not run: mounting a small file system needs root");
    return;
  }
  auto options = indexed(disk.dir());
  options.wal_segment_bytes = size_t{256} << 10;
  options.map_size = size_t{64} << 20;  // more than the disk holds
  int acknowledged = 0;
  std::string failure;
  temp_dir copy;
  {
    engine e(options);
    for (int i = 0; i < 2000 && failure.empty(); ++i) {
      try {
        auto result = apply(e, create("c" + std::to_string(i), std::string(4000, 'x')));
        if (result.error != api_errc::none) {
          failure = result.message;
          break;
        }
        ++acknowledged;
      } catch (const api_error& error) {
        failure = "thrown: " + error.message();
      }
    }
    INFO(failure);
    REQUIRE_FALSE(failure.empty());
    // The log reports ENOSPC itself; LMDB reports a short write as EIO, so the store adds the room
    // left.
    CHECK_THAT(failure, Catch::Contains("No space left on device") ||
                            Catch::Contains("KiB free on the file system of"));
    // A small record may still fit (a segment is then reserved just its size); if not, it is
    // refused the same way. Either way nothing is half there.
    auto late = apply(e, create("late", "1"));
    if (late.error == api_errc::none)
      ++acknowledged;
    else
      CHECK_THAT(late.message, Catch::Contains("No space left on device") ||
                                   Catch::Contains("KiB free on the file system of"));
    CHECK(e.read().count("configmaps/") == static_cast<size_t>(acknowledged));
    copy_store(disk.dir().path(), copy.path() + "/store");
  }
  // Opened again with room to spare, the store has every acknowledged write.
  engine_options reopened = indexed(copy);
  reopened.dir = copy.path() + "/store";
  engine e(reopened);
  CHECK(e.read().count("configmaps/") == static_cast<size_t>(acknowledged));
  CHECK(acknowledged > 100);
}

// ---- pipelined commits: stage, sync, publish --------------------------------------------------

namespace {

std::vector<change> stage(engine& e, std::vector<write_op> ops,
                          std::vector<write_result>& results) {
  std::vector<change> changes;
  e.stage(ops, results, changes);
  return changes;
}

// The revision a background sync reports, waited for here.
uint64_t sync_and_wait(engine& e) {
  std::promise<std::pair<uint64_t, std::string>> done;
  e.sync_in_background([&](uint64_t through, std::string failure) {
    done.set_value({through, std::move(failure)});
  });
  auto [through, failure] = done.get_future().get();
  REQUIRE(failure.empty());
  return through;
}

}  // namespace

TEST_CASE("a staged commit binds the next ones but no reader sees it before it is published",
          "[engine][log]") {
  temp_dir dir;
  engine e(unapplied(dir));
  std::vector<write_result> first_results, second_results, results;
  auto first = stage(e, {create("c", "1")}, first_results);
  REQUIRE(first_results.at(0).error == api_errc::none);
  CHECK(first_results.at(0).revision == 1);
  CHECK(e.staged_revision() == 1);
  CHECK(e.revision() == 0);
  CHECK_FALSE(e.read().get("configmaps/default/c"));

  // The next commit sees the staged version: a second create is refused, an update must name
  // the staged revision.
  stage(e, {create("c", "again")}, results);
  CHECK(results.at(0).error == api_errc::already_exists);
  stage(e, {update("c", "stale", 7)}, results);
  CHECK(results.at(0).error == api_errc::conflict);
  auto second = stage(e, {update("c", "2", 1), create("d", "1")}, second_results);
  REQUIRE(second.size() == 2);
  CHECK(second_results.at(0).revision == 2);
  CHECK(second_results.at(1).revision == 3);

  CHECK(sync_and_wait(e) == 3);
  CHECK_FALSE(e.read().get("configmaps/default/c"));  // durable, still not published

  e.publish(first);
  CHECK(e.revision() == 1);
  auto snap = e.read();
  CHECK(snap.revision() == 1);
  CHECK(data_of(std::string(snap.get("configmaps/default/c")->object), "v") == "1");
  CHECK_FALSE(snap.get("configmaps/default/d"));

  e.publish(second);
  CHECK(e.revision() == 3);
  CHECK(data_of(std::string(e.read().get("configmaps/default/c")->object), "v") == "2");
  CHECK(e.read().get("configmaps/default/d")->revision == 3);
  // Published versions are read from the overlay now, no longer from what was staged.
  stage(e, {update("c", "3", 2)}, results);
  CHECK(results.at(0).error == api_errc::none);
}

TEST_CASE("records of staged commits replay across log segments after a crash", "[engine][log]") {
  temp_dir dir, crashed;
  auto options = unapplied(dir);
  options.wal_segment_bytes = 4096;  // each sync's record fills a segment of its own
  std::string expected;
  {
    engine e(options);
    for (int round = 0; round < 5; ++round) {
      std::vector<change> all;
      for (int i = 0; i < 4; ++i) {
        std::vector<write_result> results;
        auto name = "c" + std::to_string(round) + "-" + std::to_string(i);
        auto changes = stage(e, {create(name, std::string(1000, 'x'))}, results);
        REQUIRE(results.at(0).error == api_errc::none);
        all.insert(all.end(), changes.begin(), changes.end());
      }
      CHECK(sync_and_wait(e) == static_cast<uint64_t>(4 * (round + 1)));
      e.publish(all);
    }
    expected = view_of(e.read());
    CHECK(log_segments(dir.path()).size() == 5);
    copy_store(dir.path(), crashed.path());
  }
  auto reopened_options = unapplied(crashed);
  reopened_options.wal_segment_bytes = 4096;
  engine reopened(reopened_options);
  CHECK(view_of(reopened.read()) == expected);
  CHECK(reopened.read().count("configmaps/") == 20);
}

TEST_CASE("after a failed sync every write is refused naming the cause", "[engine][log]") {
  temp_dir dir;
  engine e(unapplied(dir));
  REQUIRE(apply(e, create("c", "1")).error == api_errc::none);
  std::vector<write_result> results;
  stage(e, {create("d", "1")}, results);
  REQUIRE(results.at(0).error == api_errc::none);
  e.sync_failed("store: write-ahead log: sync: Input/output error");
  auto refused = apply(e, create("f", "1"));
  CHECK(refused.error == api_errc::internal);
  CHECK_THAT(refused.message, Catch::Contains("Input/output error"));
  // Nothing staged after the failure reaches the log: the next sync refuses too.
  CHECK_THROWS_WITH(e.sync(), Catch::Contains("Input/output error"));
  CHECK(e.synced_revision() == 1);
}

TEST_CASE("a log sync the device fails fails its commits and every later one and a restart keeps the acknowledged",
          "[engine][log]") {
  temp_dir dir;
  // The device at the syscall: fdatasync answers EIO once `failing` is set, as a disk that
  // lost its cache or went away does.
  auto failing = std::make_shared<std::atomic<bool>>(false);
  auto options = unapplied(dir);
  options.sync_log_file = [failing](int fd) {
    if (!failing->load()) return ::fdatasync(fd);
    errno = EIO;
    return -1;
  };
  {
    engine e(options);
    REQUIRE(apply(e, create("a", "1")).error == api_errc::none);
    auto acknowledged = view_of(e.read());
    failing->store(true);
    auto lost = apply(e, create("b", "1"));
    CHECK(lost.error == api_errc::internal);
    CHECK_THAT(lost.message, Catch::Contains("write-ahead log: sync: Input/output error"));
    CHECK(view_of(e.read()) == acknowledged);  // nobody sees what was not acknowledged
    failing->store(false);                     // the device is back: still no write until a restart
    auto refused = apply(e, create("c", "1"));
    CHECK(refused.error == api_errc::internal);
    CHECK_THAT(refused.message, Catch::Contains("no more writes until a restart") &&
                                    Catch::Contains("Input/output error"));
    CHECK(e.synced_revision() == 1);
  }
  // Restarted, every acknowledged write is there and the refused one never is; the one whose
  // sync failed may be (its bytes were written), as with any write left unacknowledged.
  engine reopened(unapplied(dir));
  auto a = reopened.read().get("configmaps/default/a");
  REQUIRE(a);
  CHECK(a->revision == 1);
  CHECK_FALSE(reopened.read().get("configmaps/default/c"));
  CHECK(apply(reopened, create("d", "1")).error == api_errc::none);  // writes again
}

TEST_CASE(
    "the commits staged while a sync runs go out as one record so a crash tears only the last",
    "[engine][log]") {
  temp_dir dir, crashed;
  std::string after_first;
  {
    engine e(unapplied(dir));
    REQUIRE(apply(e, create("c0", "1")).error == api_errc::none);
    after_first = view_of(e.read());
    std::vector<change> all;
    for (int i = 1; i <= 3; ++i) {
      std::vector<write_result> results;
      auto changes = stage(e, {create("c" + std::to_string(i), "1")}, results);
      all.insert(all.end(), changes.begin(), changes.end());
    }
    CHECK(sync_and_wait(e) == 4);
    e.publish(all);
    copy_store(dir.path(), crashed.path());
  }
  std::string segment = only_segment(crashed.path());
  std::string bytes = file_bytes(segment);
  // Record 1 holds c0. Record 2 starts after it and holds all three staged changes.
  uint32_t first_payload = 0, second_count = 0;
  std::memcpy(&first_payload, bytes.data() + 8, 4);
  size_t second = 24 + first_payload;
  std::memcpy(&second_count, bytes.data() + second + 12, 4);
  CHECK(second_count == 3);
  // A crash that tears the first staged commit's bytes takes the later ones with it: one record.
  size_t at = bytes.find("c1", second);
  REQUIRE(at != std::string::npos);
  bytes[at] ^= 0x20;
  overwrite(segment, bytes);
  engine reopened(unapplied(crashed));
  CHECK(view_of(reopened.read()) == after_first);
}

// A thread names itself once it runs, and its /proc entry outlives a join by a moment.
TEST_CASE("the engine's threads are named for what they do", "[engine]") {
  // Engines of earlier tests in this process are gone, their threads with them.
  REQUIRE(eventually([] { return !has_thread("store.apply") && !has_thread("store.sync"); }));
  temp_dir dir;
  {
    engine e({dir.path()});
    CHECK(eventually([] { return has_thread("store.apply"); }));
    CHECK_FALSE(has_thread("store.sync"));  // started by the first background sync
    std::vector<write_result> results;
    auto changes = stage(e, {create("c", "1")}, results);
    CHECK(sync_and_wait(e) == 1);
    e.publish(std::move(changes));
    CHECK(has_thread("store.sync"));  // it has run the sync
  }
  CHECK(eventually([] { return !has_thread("store.apply") && !has_thread("store.sync"); }));
}

TEST_CASE("a list can start after a key in LMDB and in the overlay alike", "[engine][log]") {
  temp_dir dir;
  engine e(unapplied(dir));
  for (auto [name, node] : {std::pair{"p1", "n1"}, {"p2", "n1"}, {"p3", "n2"}})
    REQUIRE(apply(e, put_pod(op_kind::create, "a", name, node)).error == api_errc::none);
  e.flush();  // p1..p3 in LMDB; what follows stays in the overlay
  REQUIRE(apply(e, put_pod(op_kind::create, "a", "p4", "n1")).error == api_errc::none);
  REQUIRE(apply(e, put_pod(op_kind::create, "a", "p25", "n1")).error == api_errc::none);
  auto snap = e.read();
  auto after = [&](std::string_view from) {
    keys out;
    snap.list("pods/", [&](std::string_view key, stored_view) { return out.emplace_back(key), true; }, from);
    return out;
  };
  CHECK(after("") == keys{"pods/a/p1", "pods/a/p2", "pods/a/p25", "pods/a/p3", "pods/a/p4"});
  CHECK(after("pods/a/p2") == keys{"pods/a/p25", "pods/a/p3", "pods/a/p4"});
  CHECK(after("pods/a/p25") == keys{"pods/a/p3", "pods/a/p4"});
  CHECK(after("pods/a/p4").empty());
  // Through the node index as well.
  auto on_n1_after = [&](std::string_view from) {
    keys out;
    REQUIRE(snap.list_by_field("pods/", "spec.nodeName", "n1",
                               [&](std::string_view key, stored_view) { return out.emplace_back(key), true; },
                               from));
    return out;
  };
  CHECK(on_n1_after("") == keys{"pods/a/p1", "pods/a/p2", "pods/a/p25", "pods/a/p4"});
  CHECK(on_n1_after("pods/a/p1") == keys{"pods/a/p2", "pods/a/p25", "pods/a/p4"});
  CHECK(on_n1_after("pods/a/p25") == keys{"pods/a/p4"});
}

TEST_CASE("lists and events read an overlay whose settled and recent parts both hold changes", "[engine][log]") {
  temp_dir dir;
  engine e(unapplied(dir));
  e.flush();
  // Sixty commits between applier runs: the overlay has folded most of them into its settled part.
  auto name = [](int i) { return std::string(i < 10 ? "p0" : "p") + std::to_string(i); };
  for (int i = 0; i < 60; ++i)
    REQUIRE(apply(e, put_pod(op_kind::create, "a", name(i), i % 2 ? "n2" : "n1")).error == api_errc::none);
  // Newer versions in the recent part shadow settled ones: p04 moves to n2, p10 goes.
  REQUIRE(apply(e, put_pod(op_kind::update, "a", "p04", "n2")).error == api_errc::none);
  REQUIRE(apply(e, {op_kind::remove, "pods/a/p10", 0, {}}).error == api_errc::none);
  auto snap = e.read();
  keys all, on_n1, expected_all, expected_n1;
  for (int i = 0; i < 60; ++i) {
    if (i == 10) continue;
    expected_all.push_back("pods/a/" + name(i));
    if (i % 2 == 0 && i != 4) expected_n1.push_back("pods/a/" + name(i));
  }
  snap.list("pods/", [&](std::string_view key, stored_view) { return all.emplace_back(key), true; });
  REQUIRE(snap.list_by_field("pods/", "spec.nodeName", "n1",
                             [&](std::string_view key, stored_view) { return on_n1.emplace_back(key), true; }));
  CHECK(all == expected_all);
  CHECK(on_n1 == expected_n1);
  CHECK(snap.get("pods/a/p04")->revision == snap.revision() - 1);
  CHECK(!snap.get("pods/a/p10"));
  std::vector<uint64_t> revisions;
  snap.events_after(0, [&](const logged_event& ev) { return revisions.push_back(ev.revision), true; });
  REQUIRE(revisions.size() == 62);
  for (size_t i = 0; i < revisions.size(); ++i) CHECK(revisions[i] == revisions[0] + i);
  // And the same once LMDB holds it all.
  e.flush();
  keys flushed;
  e.read().list("pods/", [&](std::string_view key, stored_view) { return flushed.emplace_back(key), true; });
  CHECK(flushed == expected_all);
}
