#include "actors/garbagecollector/garbagecollector.hpp"

#include <caf/all.hpp>
#include <catch2/catch.hpp>

#include "runtime/caf/errors.hpp"
#include "runtime/codec/object_codec.hpp"
#include "runtime/object/kinds.hpp"
#include "runtime/object/object.hpp"
#include "runtime/store/engine.hpp"
#include "test/harness/control_plane.hpp"
#include "test/harness/eventually.hpp"

using namespace troupe;
using troupe::testing::eventually;

namespace {

// The control plane, and the garbage collector when a test starts it.
class gc_fixture : public troupe::testing::control_plane {
 public:
  void start_collector() {
    keep(spawn_garbage_collector(
        sys(), {engine(), kinds(), router(), store(), std::chrono::milliseconds(20)}));
  }

  // A ConfigMap, owned by the ConfigMaps `owners` name (looked up for their uids), with
  // blockOwnerDeletion as controllers set it unless `blocking` is false.
  std::string create(const std::string& name, const std::vector<std::string>& owners = {},
                     bool blocking = true) {
    std::string refs;
    for (auto& owner : owners)
      refs += std::string(refs.empty() ? "" : ", ") + "{apiVersion: v1, kind: ConfigMap, name: " + owner +
              ", uid: " + uid(owner) + (blocking ? ", blockOwnerDeletion: true" : "") + "}";
    auto made = call(api_verb::create, "configmaps", "default", "",
                     "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: " + name +
                         (refs.empty() ? "" : ", ownerReferences: [" + refs + "]") + "}\n");
    REQUIRE(made);
    return text_string(object_reader(made->object.str()).meta().getUid());
  }

  caf::expected<api_reply> remove(const std::string& name,
                                  propagation policy = propagation::background) {
    auto req = make_request(api_verb::remove, "configmaps", "default", name);
    req.propagation = static_cast<uint8_t>(policy);
    return call(req);
  }

  std::string uid(const std::string& name) {
    auto found = engine()->read().get(object_key("configmaps", "default", name));
    return found ? text_string(object_reader(found->object).meta().getUid()) : "";
  }
  bool exists(const std::string& name) { return !uid(name).empty(); }
  size_t owners_of(const std::string& name) {
    auto found = engine()->read().get(object_key("configmaps", "default", name));
    return found ? owner_refs(found->object).size() : 0;
  }
};

}  // namespace

TEST_CASE("dependents go with their last owner and drop references to owners that are gone",
          "[gc]") {
  gc_fixture f;
  f.start_collector();
  f.create("a");
  f.create("b");
  f.create("child", {"a"});
  f.create("shared", {"a", "b"});
  f.create("grandchild", {"child"});
  REQUIRE(f.remove("a"));
  // child had only a: it goes, and so does its own dependent.
  CHECK(eventually([&] { return !f.exists("child") && !f.exists("grandchild"); }));
  // shared still has b: it stays, without the reference to a.
  CHECK(eventually([&] { return f.owners_of("shared") == 1; }));
  CHECK(f.exists("shared"));
  REQUIRE(f.remove("b"));
  CHECK(eventually([&] { return !f.exists("shared"); }));
}

TEST_CASE("orphan deletion leaves the dependents without the owner", "[gc]") {
  gc_fixture f;
  f.start_collector();
  f.create("owner");
  f.create("kept", {"owner"});
  REQUIRE(f.remove("owner", propagation::orphan));
  CHECK(eventually([&] { return !f.exists("owner"); }));
  CHECK(f.exists("kept"));
  CHECK(f.owners_of("kept") == 0);
}

TEST_CASE("foreground deletion keeps the owner until its dependents are gone", "[gc]") {
  gc_fixture f;
  f.create("owner");
  f.create("dep", {"owner"});
  auto marked = f.remove("owner", propagation::foreground);
  REQUIRE(marked);
  // Marked and held by its finalizer, even before any collector runs.
  object_reader r(marked->object.str());
  CHECK(r.meta().getDeletionTimestamp() != 0);
  REQUIRE(r.meta().getFinalizers().size() == 1);
  CHECK(r.meta().getFinalizers()[0] == "foregroundDeletion");
  CHECK(f.exists("owner"));
  f.start_collector();
  CHECK(eventually([&] { return !f.exists("dep") && !f.exists("owner"); }));
}

TEST_CASE("foreground deletion cascades in the foreground through the whole tree", "[gc]") {
  gc_fixture f;
  f.start_collector();
  f.create("owner");
  f.create("child", {"owner"});
  // A grandchild held by a finalizer of its own keeps the child, and so the owner, around.
  auto held_manifest = [&](bool held) {
    return f.manifest("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: grandchild\n" +
                      std::string(held ? "  finalizers: [example.com/hold]\n" : "") +
                      "  ownerReferences: [{apiVersion: v1, kind: ConfigMap, name: child, uid: " +
                      f.uid("child") + ", blockOwnerDeletion: true}]\n");
  };
  REQUIRE(f.call(make_request(api_verb::create, "configmaps", "default", "", held_manifest(true))));
  REQUIRE(f.remove("owner", propagation::foreground));
  auto being_deleted_in_foreground = [&](const std::string& name) {
    auto found = f.engine()->read().get(object_key("configmaps", "default", name));
    if (!found) return false;
    object_reader r(found->object);
    auto finalizers = r.meta().getFinalizers();
    return r.meta().getDeletionTimestamp() != 0 && finalizers.size() == 1 &&
           finalizers[0] == "foregroundDeletion";
  };
  CHECK(eventually([&] { return being_deleted_in_foreground("child"); }));
  CHECK(eventually([&] {
    auto found = f.engine()->read().get(object_key("configmaps", "default", "grandchild"));
    return found && object_reader(found->object).meta().getDeletionTimestamp() != 0;
  }));
  CHECK(being_deleted_in_foreground("owner"));
  // The grandchild's own finalizer goes: then the grandchild, the child and the owner.
  auto release = make_request(api_verb::update, "configmaps", "default", "grandchild", held_manifest(false));
  CHECK(eventually([&] { return bool(f.call(release)); }));
  CHECK(eventually([&] { return !f.exists("grandchild") && !f.exists("child") && !f.exists("owner"); }));
}

TEST_CASE("foreground deletion waits only for dependents that block it", "[gc]") {
  gc_fixture f;
  f.start_collector();
  f.create("owner");
  // Held by a finalizer of its own, a dependent that does not block cannot keep the owner.
  auto made = f.call(make_request(
      api_verb::create, "configmaps", "default", "",
      f.manifest("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: loose\n  finalizers: [example.com/hold]\n"
                 "  ownerReferences: [{apiVersion: v1, kind: ConfigMap, name: owner, uid: " +
                 f.uid("owner") + "}]\n")));
  REQUIRE(made);
  REQUIRE(f.remove("owner", propagation::foreground));
  CHECK(eventually([&] { return !f.exists("owner"); }));
  auto loose = f.engine()->read().get(object_key("configmaps", "default", "loose"));
  REQUIRE(loose);
  CHECK(object_reader(loose->object).meta().getDeletionTimestamp() != 0);  // deleted all the same
}

TEST_CASE("foreground deletion of an ownership cycle ends", "[gc]") {
  gc_fixture f;
  f.start_collector();
  f.create("a");
  f.create("b", {"a"});
  // a is owned by b in turn: a blocking cycle.
  auto cyclic = make_request(api_verb::update, "configmaps", "default", "a",
                             f.manifest("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n"
                                        "  ownerReferences: [{apiVersion: v1, kind: ConfigMap, name: b, uid: " +
                                        f.uid("b") + ", blockOwnerDeletion: true}]\n"));
  REQUIRE(f.call(cyclic));
  REQUIRE(f.remove("a", propagation::foreground));
  CHECK(eventually([&] { return !f.exists("a") && !f.exists("b"); }));
}

TEST_CASE("a dependent collected keeps its own orphan finalizer and orphans its dependents", "[gc]") {
  gc_fixture f;
  f.start_collector();
  f.create("top");
  REQUIRE(f.call(make_request(
      api_verb::create, "configmaps", "default", "",
      f.manifest("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: middle\n  finalizers: [orphan]\n"
                 "  ownerReferences: [{apiVersion: v1, kind: ConfigMap, name: top, uid: " +
                 f.uid("top") + "}]\n"))));
  f.create("bottom", {"middle"});
  REQUIRE(f.remove("top"));
  // middle goes (its orphan finalizer honoured), bottom stays without the reference.
  CHECK(eventually([&] { return !f.exists("middle"); }));
  CHECK(f.exists("bottom"));
  CHECK(f.owners_of("bottom") == 0);
}

TEST_CASE("a second delete replaces the first one's propagation policy", "[gc]") {
  gc_fixture f;
  auto owner_manifest = [&](bool held) {
    return f.manifest("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: owner\n" +
                      std::string(held ? "  finalizers: [example.com/hold]\n" : ""));
  };
  REQUIRE(f.call(make_request(api_verb::create, "configmaps", "default", "", owner_manifest(true))));
  f.create("dep", {"owner"});
  auto finalizers = [&] {
    std::string out;
    auto found = f.engine()->read().get(object_key("configmaps", "default", "owner"));
    for (auto name : object_reader(found->object).meta().getFinalizers()) out += std::string(name.cStr()) + " ";
    return out;
  };
  REQUIRE(f.remove("owner", propagation::orphan));
  CHECK(finalizers() == "example.com/hold orphan ");
  REQUIRE(f.remove("owner", propagation::foreground));
  CHECK(finalizers() == "example.com/hold foregroundDeletion ");
  REQUIRE(f.remove("owner", propagation::background));
  CHECK(finalizers() == "example.com/hold ");
  // Released, the owner goes and its dependent with it: it was not orphaned after all.
  f.start_collector();
  auto release = make_request(api_verb::update, "configmaps", "default", "owner", owner_manifest(false));
  CHECK(eventually([&] { return bool(f.call(release)); }));
  CHECK(eventually([&] { return !f.exists("owner") && !f.exists("dep"); }));
}

TEST_CASE("dependents whose owner went while no collector ran are collected at start", "[gc]") {
  gc_fixture f;
  f.create("owner");
  f.create("dep", {"owner"});
  REQUIRE(f.remove("owner"));
  CHECK(f.exists("dep"));
  f.start_collector();
  CHECK(eventually([&] { return !f.exists("dep"); }));
}

TEST_CASE("judging a dependent by which owners exist", "[gc]") {
  std::vector<owner_ref> owners{{"v1", "ConfigMap", "a", "1"}, {"v1", "ConfigMap", "b", "2"}};
  auto alive = [](std::set<std::string> uids) {
    return [uids](const owner_ref& r) { return uids.count(r.uid) > 0; };
  };
  CHECK(judge_dependent(owners, alive({})).remove);
  auto partly = judge_dependent(owners, alive({"2"}));
  CHECK_FALSE(partly.remove);
  CHECK(partly.dangling_uids == std::vector<std::string>{"1"});
  CHECK(judge_dependent(owners, alive({"1", "2"})).dangling_uids.empty());
  CHECK_FALSE(judge_dependent({}, alive({})).remove);
}

TEST_CASE("foreground deletion spares a dependent another owner still holds", "[gc]") {
  gc_fixture f;
  f.start_collector();
  f.create("a");
  f.create("b");
  f.create("shared", {"a", "b"});
  f.create("only-a", {"a"});
  REQUIRE(f.remove("a", propagation::foreground));
  CHECK(eventually([&] { return !f.exists("a") && !f.exists("only-a"); }));
  CHECK(f.exists("shared"));
  CHECK(f.owners_of("shared") == 1);
}

TEST_CASE("a cluster-scoped dependent of a namespaced owner is left alone", "[gc]") {
  gc_fixture f;
  f.start_collector();
  // Kubernetes cannot resolve such a reference (which namespace?) and never collects it.
  auto made = f.call(make_request(
      api_verb::create, "clusterroles.rbac.authorization.k8s.io", "", "",
      f.manifest(
          "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: r\n"
          "  ownerReferences: [{apiVersion: v1, kind: ConfigMap, name: gone, uid: u1}]\n")));
  INFO((made ? std::string() : to_api_error(made.error()).message()));
  REQUIRE(made);
  f.create("marker", {});
  f.create("dep", {"marker"});
  REQUIRE(f.remove("marker"));
  CHECK(eventually([&] { return !f.exists("dep"); }));  // the collector has run meanwhile
  CHECK(f.call(make_request(api_verb::get, "clusterroles.rbac.authorization.k8s.io", "", "r")));
}
