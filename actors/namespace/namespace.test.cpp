#include "actors/namespace/namespace.hpp"

#include <caf/all.hpp>
#include <catch2/catch.hpp>

#include "runtime/codec/object_codec.hpp"
#include "runtime/object/kinds.hpp"
#include "runtime/object/object.hpp"
#include "schema/core.capnp.h"
#include "test/harness/control_plane.hpp"
#include "test/harness/eventually.hpp"

using namespace troupe;
using troupe::testing::eventually;

namespace {

// The control plane with the namespace controller, as the server wires them.
class namespace_fixture : public troupe::testing::control_plane {
 public:
  namespace_fixture() {
    keep(spawn_namespace_controller(
        sys(), {engine(), kinds(), router(), store(), std::chrono::milliseconds(20)}));
  }
};

using troupe::testing::code_of;
using troupe::testing::message_of;

}  // namespace

TEST_CASE("a deleted namespace takes its content with it", "[namespace]") {
  namespace_fixture f;
  REQUIRE(f.call(api_verb::create, "namespaces", "", "",
                 "apiVersion: v1\nkind: Namespace\nmetadata: {name: dev}\n"));
  REQUIRE(f.call(api_verb::create, "configmaps", "dev", "",
                 "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n"));
  REQUIRE(f.call(
      api_verb::create, "configmaps", "dev", "",
      "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: held, finalizers: [example.com/x]}\n"));
  REQUIRE(f.call(api_verb::create, "pods", "dev", "",
                 "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, "
                 "image: i}]}\n"));
  REQUIRE(f.call(api_verb::create, "configmaps", "default", "",
                 "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n"));

  auto deleted = f.call(api_verb::remove, "namespaces", "", "dev");
  REQUIRE(deleted);
  object_reader marked(deleted->object.str());
  CHECK(marked.as<k8s::Namespace>().getStatus().getPhase() == k8s::NamespacePhase::TERMINATING);

  // Nothing new goes in while it terminates.
  auto refused = f.call(api_verb::create, "configmaps", "dev", "",
                        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n");
  CHECK(code_of(refused) == api_errc::forbidden);
  CHECK(message_of(refused) ==
        "configmaps \"b\" is forbidden: unable to create new content in namespace dev because it is "
        "being terminated");

  CHECK(eventually(
      [&] { return !f.exists("configmaps", "dev", "a") && !f.exists("pods", "dev", "p"); }));
  // A finalizer holds its object, and the object holds the namespace.
  CHECK(f.exists("configmaps", "dev", "held"));
  CHECK(f.exists("namespaces", "", "dev"));
  // Its status says what holds it, for `describe namespace`.
  auto condition = [&](const char* type) {
    auto got = f.call(api_verb::get, "namespaces", "", "dev");
    REQUIRE(got);
    object_reader r(got->object.str());
    for (auto c : r.as<k8s::Namespace>().getStatus().getConditions())
      if (text_view(c.getType()) == type)
        return std::string(c.getStatus() == k8s::ConditionStatus::IS_TRUE ? "True " : "False ") +
               text_string(c.getReason()) + ": " + text_string(c.getMessage());
    return std::string("missing");
  };
  CHECK(eventually([&] {
    return condition("NamespaceContentRemaining") ==
           "True SomeResourcesRemain: Some resources are remaining: configmaps. has 1 resource instances";
  }));
  CHECK(condition("NamespaceFinalizersRemaining") ==
        "True SomeFinalizersRemain: Some content in the namespace has finalizers remaining: example.com/x in 1 "
        "resource instances");
  CHECK(condition("NamespaceDeletionDiscoveryFailure") ==
        "False ResourcesDiscovered: All resources successfully discovered");
  // The controller marks it meanwhile: a Conflict is answered by trying again, as a client would.
  CHECK(eventually([&] {
    return bool(f.call(api_verb::update, "configmaps", "dev", "held",
                       "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: held}\n"));
  }));
  CHECK(eventually([&] { return !f.exists("namespaces", "", "dev"); }));
  // Other namespaces keep theirs.
  CHECK(f.exists("configmaps", "default", "a"));
}

TEST_CASE("the system namespaces cannot be deleted", "[namespace]") {
  namespace_fixture f;
  for (const char* name : {"default", "kube-system", "kube-public"}) {
    auto refused = f.call(api_verb::remove, "namespaces", "", name);
    CHECK(code_of(refused) == api_errc::forbidden);
    CHECK(message_of(refused) == std::string("namespaces \"") + name +
                                     "\" is forbidden: this namespace may not be deleted");
    CHECK(f.exists("namespaces", "", name));
  }
}

TEST_CASE("namespace sweeps delete what is not yet being deleted", "[namespace]") {
  auto plan = plan_namespace_sweep({{"pods", "a", true, {}}, {"configmaps", "b", false, {}}});
  REQUIRE(plan.to_delete.size() == 1);
  CHECK(plan.to_delete[0].name == "b");
  CHECK_FALSE(plan.empty);
  CHECK(plan_namespace_sweep({}).empty);
}

TEST_CASE("every live namespace has a default service account", "[namespace]") {
  namespace_fixture f;
  CHECK(eventually([&] { return f.exists("serviceaccounts", "default", "default"); }));
  CHECK(eventually([&] { return f.exists("serviceaccounts", "kube-system", "default"); }));
  REQUIRE(f.call(api_verb::create, "namespaces", "", "",
                 "apiVersion: v1\nkind: Namespace\nmetadata: {name: dev}\n"));
  CHECK(eventually([&] { return f.exists("serviceaccounts", "dev", "default"); }));
  // Deleted, it comes back.
  REQUIRE(f.call(api_verb::remove, "serviceaccounts", "dev", "default"));
  CHECK(eventually([&] { return f.exists("serviceaccounts", "dev", "default"); }));
  // A pod that names none runs as it.
  auto pod = f.call(api_verb::create, "pods", "dev", "",
                    "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, "
                    "image: i}]}\n");
  REQUIRE(pod);
  CHECK(object_reader(pod->object.str()).as<k8s::Pod>().getSpec().getServiceAccountName() ==
        "default");
}

TEST_CASE("emptying a terminating namespace's finalizers by hand does not orphan its content",
          "[namespace]") {
  namespace_fixture f;
  REQUIRE(f.call(api_verb::create, "namespaces", "", "",
                 "apiVersion: v1\nkind: Namespace\nmetadata: {name: dev}\n"));
  REQUIRE(f.call(
      api_verb::create, "configmaps", "dev", "",
      "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: held, finalizers: [example.com/x]}\n"));
  REQUIRE(f.call(api_verb::remove, "namespaces", "", "dev"));
  // The "stuck Terminating" fix people copy from the internet: it must not drop the namespace
  // while something is still in it.
  REQUIRE(
      f.call(api_verb::update, "namespaces", "", "dev",
             "apiVersion: v1\nkind: Namespace\nmetadata: {name: dev}\nspec: {finalizers: []}\n"));
  CHECK(f.exists("namespaces", "", "dev"));
  // The controller marks it meanwhile: a Conflict is answered by trying again, as a client would.
  CHECK(eventually([&] {
    return bool(f.call(api_verb::update, "configmaps", "dev", "held",
                       "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: held}\n"));
  }));
  CHECK(eventually([&] { return !f.exists("namespaces", "", "dev"); }));
}

TEST_CASE("namespace deletion conditions count what is left by resource and by finalizer", "[namespace]") {
  std::vector<namespace_item> content = {{"pods", "a", true, {}},
                                         {"pods", "b", false, {"x/y"}},
                                         {"deployments.apps", "d", false, {"x/y", "a/b"}}};
  auto conditions = namespace_deletion_conditions(content);
  REQUIRE(conditions.size() == 5);
  CHECK(conditions[3].message ==
        "Some resources are remaining: deployments.apps has 1 resource instances, pods. has 2 resource instances");
  CHECK(conditions[4].message ==
        "Some content in the namespace has finalizers remaining: a/b in 1 resource instances, x/y in 2 resource "
        "instances");
  auto none = namespace_deletion_conditions({});
  CHECK(none[3].status == "False");
  CHECK(none[3].reason == "ContentRemoved");
  CHECK(none[4].reason == "ContentHasNoFinalizers");

  // Written once; a change of message keeps the transition time, a change of status moves it.
  std::string ns = "apiVersion: v1\nkind: Namespace\nmetadata: {name: dev}\n";
  auto bytes = codec::decode_manifests(ns, "ns", builtin_kinds()).at(0).bytes;
  auto first = with_namespace_conditions(bytes, conditions, 100);
  REQUIRE(first);
  CHECK_FALSE(with_namespace_conditions(*first, conditions, 200));
  content.pop_back();
  auto fewer = with_namespace_conditions(*first, namespace_deletion_conditions(content), 300);
  REQUIRE(fewer);
  auto cleared = with_namespace_conditions(*fewer, none, 400);
  REQUIRE(cleared);
  object_reader a(*fewer), b(*cleared);
  CHECK(a.as<k8s::Namespace>().getStatus().getConditions()[3].getLastTransitionTime() == 100);
  CHECK(b.as<k8s::Namespace>().getStatus().getConditions()[3].getLastTransitionTime() == 400);
  CHECK(b.as<k8s::Namespace>().getStatus().getConditions()[0].getLastTransitionTime() == 100);
}

TEST_CASE("a deleted kube-node-lease namespace is made again", "[namespace]") {
  namespace_fixture f;
  auto before = f.call(api_verb::get, "namespaces", "", "kube-node-lease");
  REQUIRE(before);
  std::string old_uid = text_string(object_reader(before->object.str()).meta().getUid());
  REQUIRE(f.call(api_verb::remove, "namespaces", "", "kube-node-lease"));
  CHECK(eventually([&] {
    auto now = f.call(api_verb::get, "namespaces", "", "kube-node-lease");
    if (!now) return false;
    object_reader r(now->object.str());
    return text_string(r.meta().getUid()) != old_uid && r.meta().getDeletionTimestamp() == 0;
  }));
  // Another namespace stays deleted.
  REQUIRE(f.call(api_verb::create, "namespaces", "", "", "apiVersion: v1\nkind: Namespace\nmetadata: {name: dev}\n"));
  REQUIRE(f.call(api_verb::remove, "namespaces", "", "dev"));
  CHECK(eventually([&] { return !f.exists("namespaces", "", "dev"); }));
  CHECK_FALSE(f.exists("namespaces", "", "dev"));
}

TEST_CASE("a namespace's finalizers change only as its finalize and deleting it again is a conflict",
          "[namespace]") {
  namespace_fixture f;
  auto with_finalizers = [](const std::string& finalizers) {
    return "apiVersion: v1\nkind: Namespace\nmetadata: {name: dev}\nspec: {finalizers: [" + finalizers + "]}\n";
  };
  REQUIRE(f.call(api_verb::create, "namespaces", "", "", with_finalizers("example.com/x")));
  auto finalizers = [&] {
    std::string out;
    auto got = f.call(api_verb::get, "namespaces", "", "dev");
    REQUIRE(got);
    for (auto fin : object_reader(got->object.str()).as<k8s::Namespace>().getSpec().getFinalizers())
      out += text_string(fin) + " ";
    return out;
  };
  // Active: an update keeps them, as Kubernetes keeps them outside /finalize.
  REQUIRE(f.call(api_verb::update, "namespaces", "", "dev", with_finalizers("example.com/y")));
  CHECK(finalizers() == "example.com/x kubernetes ");

  REQUIRE(f.call(api_verb::create, "configmaps", "dev", "",
                 "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: held, finalizers: [example.com/c]}\n"));
  REQUIRE(f.call(api_verb::remove, "namespaces", "", "dev"));
  auto again = f.call(api_verb::remove, "namespaces", "", "dev");
  CHECK(code_of(again) == api_errc::conflict);
  CHECK(message_of(again) ==
        "Operation cannot be fulfilled on namespaces \"dev\": The system is ensuring all content is removed from "
        "this namespace.  Upon completion, this namespace will automatically be purged by the system.");

  // Once the content is gone the conditions say so, and the user's own finalizer still holds it.
  CHECK(eventually([&] {
    return bool(f.call(api_verb::update, "configmaps", "dev", "held",
                       "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: held}\n"));
  }));
  CHECK(eventually([&] { return finalizers() == "example.com/x "; }));
  auto got = f.call(api_verb::get, "namespaces", "", "dev");
  REQUIRE(got);
  bool removed = false;
  for (auto c : object_reader(got->object.str()).as<k8s::Namespace>().getStatus().getConditions())
    removed = removed || (text_view(c.getType()) == "NamespaceContentRemaining" && text_view(c.getReason()) == "ContentRemoved");
  CHECK(removed);
  // Terminating and empty: an update stands for its finalize.
  REQUIRE(eventually([&] { return bool(f.call(api_verb::update, "namespaces", "", "dev", with_finalizers(""))); }));
  CHECK(eventually([&] { return !f.exists("namespaces", "", "dev"); }));
}
