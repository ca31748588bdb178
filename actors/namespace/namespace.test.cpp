#include "actors/namespace/namespace.hpp"

#include <caf/all.hpp>
#include <catch2/catch.hpp>

#include "runtime/caf/errors.hpp"
#include "runtime/codec/object_codec.hpp"
#include "runtime/object/kinds.hpp"
#include "runtime/object/object.hpp"
#include "runtime/store/engine.hpp"
#include "schema/core.capnp.h"
#include "test/harness/actor_fixture.hpp"
#include "test/harness/eventually.hpp"
#include "test/harness/temp_dir.hpp"

using namespace troupe;
using troupe::testing::eventually;

namespace {

// Store, resource actors and the namespace controller, as the server wires them.
class namespace_fixture : public troupe::testing::actor_fixture {
 public:
  namespace_fixture()
      : actor_fixture([](caf::actor_system_config& cfg) {
          add_store_types(cfg);
          add_apiserver_types(cfg);
        }) {
    kinds_ = std::make_shared<const kind_registry>(builtin_kinds());
    store::engine_options options{dir_.path()};
    options.indexes = store::server_indexes(*kinds_);
    engine_ = std::make_shared<store::engine>(options);
    auto store = keep(spawn_store(sys(), {engine_, kinds_, {}}));
    apiserver_deps deps{engine_, kinds_, store};
    ensure_system_namespaces(sys(), deps);
    auto resources = spawn_resources(sys(), deps);
    for (auto& [resource, actor] : resources) keep(actor);
    router_ = keep(spawn_router(sys(), resources));
    keep(spawn_namespace_controller(
        sys(), {engine_, kinds_, router_, store, std::chrono::milliseconds(20)}));
  }
  ~namespace_fixture() override { shutdown(); }

  caf::expected<api_reply> call(api_verb verb, const std::string& resource, const std::string& ns,
                                const std::string& name, const std::string& yaml = "") {
    auto object = yaml.empty() ? std::string()
                               : codec::decode_manifests(yaml, "test.yaml", *kinds_).at(0).bytes;
    caf::expected<api_reply> out{caf::error{}};
    self()
        ->request(router_, patience, api_atom::value,
                  make_request(verb, resource, ns, name, object))
        .receive([&](api_reply& r) { out = std::move(r); }, [&](caf::error& e) { out = e; });
    return out;
  }

  bool exists(const std::string& resource, const std::string& ns, const std::string& name) {
    return engine_->read().get(object_key(resource, ns, name)).has_value();
  }

 private:
  troupe::testing::temp_dir dir_;
  std::shared_ptr<const kind_registry> kinds_;
  std::shared_ptr<store::engine> engine_;
  resource_actor router_;
};

api_errc code_of(const caf::expected<api_reply>& r) {
  return r ? api_errc::none : to_api_error(r.error()).code();
}

std::string message_of(const caf::expected<api_reply>& r) {
  return r ? "" : to_api_error(r.error()).message();
}

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
        "unable to create new content in namespace dev because it is being terminated");

  CHECK(eventually(
      [&] { return !f.exists("configmaps", "dev", "a") && !f.exists("pods", "dev", "p"); }));
  // A finalizer holds its object, and the object holds the namespace.
  CHECK(f.exists("configmaps", "dev", "held"));
  CHECK(f.exists("namespaces", "", "dev"));
  REQUIRE(f.call(api_verb::update, "configmaps", "dev", "held",
                 "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: held}\n"));
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
  auto plan = plan_namespace_sweep({{"pods", "a", true}, {"configmaps", "b", false}});
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
  REQUIRE(f.call(api_verb::update, "configmaps", "dev", "held",
                 "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: held}\n"));
  CHECK(eventually([&] { return !f.exists("namespaces", "", "dev"); }));
}
