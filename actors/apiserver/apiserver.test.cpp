#include "actors/apiserver/apiserver.hpp"

#include <catch2/catch.hpp>

#include "runtime/base/time.hpp"
#include "runtime/caf/errors.hpp"
#include "runtime/codec/object_codec.hpp"
#include "runtime/object/kinds.hpp"
#include "runtime/object/object.hpp"
#include "runtime/store/engine.hpp"
#include "schema/core.capnp.h"
#include "test/harness/actor_fixture.hpp"
#include "test/harness/temp_dir.hpp"

using namespace troupe;

namespace {

class apiserver_fixture : public troupe::testing::actor_fixture {
 public:
  explicit apiserver_fixture(bool indexed = true)
      : actor_fixture([](caf::actor_system_config& cfg) {
          add_store_types(cfg);
          add_apiserver_types(cfg);
        }) {
    kinds_ = std::make_shared<const kind_registry>(builtin_kinds());
    store::engine_options options{dir_.path()};
    if (indexed) options.indexes = store::server_indexes(*kinds_);
    engine_ = std::make_shared<store::engine>(options);
    auto store = keep(spawn_store(sys(), {engine_, kinds_, {}}));
    deps_ = {engine_, kinds_, store, {}};
    ensure_system_namespaces(sys(), deps_);
    for (auto& [resource, actor] : spawn_resources(sys(), deps_)) resources_[resource] = keep(actor);
  }
  ~apiserver_fixture() override {
    resources_.clear();
    deps_.store = store_actor{};
    shutdown();
  }

  caf::expected<api_reply> call(api_verb verb, const std::string& resource, std::string ns,
                                std::string name, std::string object = "") {
    api_request req;
    req.verb = static_cast<uint8_t>(verb);
    req.resource = resource;
    req.ns = std::move(ns);
    req.name = std::move(name);
    req.object = std::move(object);
    return send(req);
  }

  caf::expected<api_reply> send(const api_request& req) {
    caf::expected<api_reply> out{caf::error{}};
    self()->request(resources_.at(req.resource), patience, api_atom::value, req)
        .receive([&](api_reply& r) { out = std::move(r); }, [&](caf::error& e) { out = e; });
    return out;
  }

  /// Both sent before either is answered.
  std::pair<caf::expected<api_reply>, caf::expected<api_reply>> send_together(
      const api_request& a, const api_request& b) {
    caf::expected<api_reply> first{caf::error{}}, second{caf::error{}};
    auto ha = self()->request(resources_.at(a.resource), patience, api_atom::value, a);
    auto hb = self()->request(resources_.at(b.resource), patience, api_atom::value, b);
    ha.receive([&](api_reply& r) { first = std::move(r); }, [&](caf::error& e) { first = e; });
    hb.receive([&](api_reply& r) { second = std::move(r); }, [&](caf::error& e) { second = e; });
    return {std::move(first), std::move(second)};
  }

  /// All sent before any is answered.
  std::vector<caf::expected<api_reply>> send_all(const std::vector<api_request>& requests) {
    std::vector<caf::expected<api_reply>> out(requests.size(), caf::expected<api_reply>{caf::error{}});
    std::vector<decltype(self()->request(resources_.at(""), patience, api_atom::value, requests[0]))> handles;
    for (auto& req : requests)
      handles.push_back(self()->request(resources_.at(req.resource), patience, api_atom::value, req));
    for (size_t i = 0; i < handles.size(); ++i)
      handles[i].receive([&](api_reply& r) { out[i] = std::move(r); },
                         [&](caf::error& e) { out[i] = e; });
    return out;
  }

  std::string manifest(const std::string& yaml) {
    return codec::decode_manifests(yaml, "test.yaml", *kinds_).at(0).bytes;
  }

 private:
  troupe::testing::temp_dir dir_;
  std::shared_ptr<const kind_registry> kinds_;
  std::shared_ptr<store::engine> engine_;
  apiserver_deps deps_;
  std::map<std::string, resource_actor> resources_;
};

const char* cm_yaml = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}\ndata: {k: v}\n";

api_errc code_of(const caf::expected<api_reply>& r) {
  return r ? api_errc::none : to_api_error(r.error()).code();
}

}  // namespace

TEST_CASE("system namespaces exist from the start", "[apiserver]") {
  apiserver_fixture f;
  auto all = f.call(api_verb::list, "namespaces", "", "");
  REQUIRE(all);
  CHECK(all->items.size() == 4);
  CHECK(f.call(api_verb::get, "namespaces", "", "kube-system"));
}

TEST_CASE("create get list update and delete through a resource actor", "[apiserver]") {
  apiserver_fixture f;
  auto created = f.call(api_verb::create, "configmaps", "", "", f.manifest(cm_yaml));
  REQUIRE(created);
  object_reader c(created->object.str());
  CHECK(text_string(c.meta().getNamespace()) == "default");
  CHECK(text_string(c.meta().getResourceVersion()) == std::to_string(created->revision));

  auto again = f.call(api_verb::create, "configmaps", "", "", f.manifest(cm_yaml));
  CHECK(code_of(again) == api_errc::already_exists);
  CHECK(to_api_error(again.error()).message() == "configmaps \"cfg\" already exists");

  CHECK(f.call(api_verb::get, "configmaps", "default", "cfg"));
  auto missing = f.call(api_verb::get, "configmaps", "default", "nope");
  CHECK(to_api_error(missing.error()).message() == "configmaps \"nope\" not found");
  CHECK(f.call(api_verb::list, "configmaps", "default", "")->items.size() == 1);
  CHECK(f.call(api_verb::list, "configmaps", "kube-system", "")->items.empty());

  // An update carrying a stale resourceVersion is a Conflict; without one it applies.
  auto stale = f.manifest(
      "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg, resourceVersion: \"1\"}\ndata: {k: w}\n");
  CHECK(code_of(f.call(api_verb::update, "configmaps", "default", "cfg", stale)) == api_errc::conflict);
  auto fresh = f.manifest("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}\ndata: {k: w}\n");
  auto updated = f.call(api_verb::update, "configmaps", "default", "cfg", fresh);
  REQUIRE(updated);
  CHECK(updated->revision > created->revision);

  CHECK(f.call(api_verb::remove, "configmaps", "default", "cfg"));
  CHECK(code_of(f.call(api_verb::get, "configmaps", "default", "cfg")) == api_errc::not_found);
}

TEST_CASE("a list pinned to a node reads the same pods with and without the index", "[apiserver]") {
  bool indexed = GENERATE(true, false);
  apiserver_fixture f(indexed);
  auto pod = [&](const std::string& ns, const std::string& name, const std::string& node,
                 const std::string& app) {
    auto created = f.call(api_verb::create, "pods", ns, "",
                          f.manifest("apiVersion: v1\nkind: Pod\nmetadata: {name: " + name +
                                     ", namespace: " + ns + ", labels: {app: " + app +
                                     "}}\nspec:\n  nodeName: \"" + node +
                                     "\"\n  containers: [{name: c, image: busybox}]\n"));
    REQUIRE(created);
  };
  pod("default", "a", "n1", "web");
  pod("default", "b", "n2", "web");
  pod("kube-system", "c", "n1", "db");
  pod("default", "d", "", "web");
  auto names = [&](const std::string& ns, const std::string& fields, const std::string& labels = "") {
    api_request req;
    req.verb = static_cast<uint8_t>(api_verb::list);
    req.resource = "pods";
    req.ns = ns;
    req.field_selector = fields;
    req.label_selector = labels;
    auto listed = f.send(req);
    REQUIRE(listed);
    std::vector<std::string> out;
    for (auto& item : listed->items) out.push_back([&] { object_reader r(item); return text_string(r.meta().getName()); }());
    return out;
  };
  using names_t = std::vector<std::string>;
  CHECK(names("", "spec.nodeName=n1") == names_t{"a", "c"});
  CHECK(names("default", "spec.nodeName=n1") == names_t{"a"});
  CHECK(names("", "spec.nodeName=n1", "app=db") == names_t{"c"});
  CHECK(names("", "spec.nodeName=n1,metadata.name=a") == names_t{"a"});
  CHECK(names("", "spec.nodeName=") == names_t{"d"});
  CHECK(names("", "spec.nodeName!=n1") == names_t{"b", "d"});
  CHECK(names("", "spec.nodeName=n3").empty());
}

TEST_CASE("bad creates are refused and store nothing", "[apiserver]") {
  apiserver_fixture f;
  auto no_ns = f.call(api_verb::create, "configmaps", "", "",
                      f.manifest("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: nope}\n"));
  CHECK(code_of(no_ns) == api_errc::not_found);
  CHECK(to_api_error(no_ns.error()).message() == "namespaces \"nope\" not found");
  auto invalid = f.call(api_verb::create, "configmaps", "", "",
                        f.manifest("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: Bad_Name}\n"));
  CHECK(code_of(invalid) == api_errc::invalid);
  auto causes = to_api_error(invalid.error()).causes();  // the causes cross the actor boundary
  REQUIRE(causes.size() == 1);
  CHECK(causes[0].path == "metadata.name");
  auto junk = f.call(api_verb::create, "configmaps", "", "", std::string(64, '\x01'));
  CHECK(code_of(junk) == api_errc::bad_request);
  CHECK(f.call(api_verb::list, "configmaps", "", "")->items.empty());
}

TEST_CASE("a pod runs as a service account of its namespace and takes its pull secrets",
          "[apiserver]") {
  apiserver_fixture f;
  auto pod = [&](const std::string& name, const std::string& spec_extra) {
    return f.manifest("apiVersion: v1\nkind: Pod\nmetadata: {name: " + name + "}\nspec:\n" +
                      spec_extra + "  containers: [{name: c, image: busybox}]\n");
  };
  auto missing =
      f.call(api_verb::create, "pods", "default", "", pod("p", "  serviceAccountName: nope\n"));
  CHECK(code_of(missing) == api_errc::forbidden);
  CHECK(to_api_error(missing.error()).message() ==
        "pods \"p\" is forbidden: error looking up service account default/nope: serviceaccount "
        "\"nope\" not found");
  CHECK(f.call(api_verb::list, "pods", "default", "")->items.empty());
  // A pod whose name is yet to be generated is named by its prefix, as Kubernetes does.
  auto generated =
      f.call(api_verb::create, "pods", "default", "",
             f.manifest("apiVersion: v1\nkind: Pod\nmetadata: {generateName: web-}\nspec:\n"
                        "  serviceAccountName: nope\n  containers: [{name: c, image: busybox}]\n"));
  CHECK(to_api_error(generated.error()).message() ==
        "pods \"web-\" is forbidden: error looking up service account default/nope: serviceaccount "
        "\"nope\" not found");
  auto dry = make_request(api_verb::create, "pods", "default", "",
                          pod("p", "  serviceAccountName: nope\n"));
  dry.dry_run = true;
  CHECK(code_of(f.send(dry)) == api_errc::forbidden);  // a dry run is admitted the same way
  // A static pod's mirror may name no account, and is created as the kubelet sent it.
  auto mirror = [&](const std::string& name, const std::string& spec_extra) {
    return f.manifest("apiVersion: v1\nkind: Pod\nmetadata: {name: " + name +
                      ", annotations: {kubernetes.io/config.mirror: abc}}\nspec:\n" + spec_extra +
                      "  containers: [{name: c, image: busybox}]\n");
  };
  auto mirrored = f.call(api_verb::create, "pods", "default", "",
                         mirror("m", "  serviceAccountName: deployer\n"));
  CHECK(code_of(mirrored) == api_errc::forbidden);
  CHECK(to_api_error(mirrored.error()).message() ==
        "pods \"m\" is forbidden: a mirror pod may not reference service accounts");
  REQUIRE(f.call(api_verb::create, "serviceaccounts", "default", "",
                 f.manifest("apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: deployer}\n"
                            "imagePullSecrets: [{name: registry-creds}]\n")));
  auto created =
      f.call(api_verb::create, "pods", "default", "", pod("p", "  serviceAccountName: deployer\n"));
  REQUIRE(created);
  object_reader r(created->object.str());
  auto secrets = r.as<k8s::Pod>().getSpec().getImagePullSecrets();
  REQUIRE(secrets.size() == 1);
  CHECK(text_string(secrets[0].getName()) == "registry-creds");
  // A pod that names its own pull secrets keeps them.
  auto own =
      f.call(api_verb::create, "pods", "default", "",
             pod("q", "  serviceAccountName: deployer\n  imagePullSecrets: [{name: mine}]\n"));
  REQUIRE(own);
  object_reader q(own->object.str());
  REQUIRE(q.as<k8s::Pod>().getSpec().getImagePullSecrets().size() == 1);
  CHECK(text_string(q.as<k8s::Pod>().getSpec().getImagePullSecrets()[0].getName()) == "mine");
  auto plain_mirror = f.call(api_verb::create, "pods", "default", "", mirror("m", ""));
  REQUIRE(plain_mirror);
  object_reader m(plain_mirror->object.str());
  CHECK(m.as<k8s::Pod>().getSpec().getServiceAccountName().size() == 0);
  CHECK(m.as<k8s::Pod>().getSpec().getImagePullSecrets().size() == 0);
  // The namespace's default account (made by the namespace controller, not running here).
  REQUIRE(f.call(api_verb::create, "namespaces", "", "",
                 f.manifest("apiVersion: v1\nkind: Namespace\nmetadata: {name: fresh}\n")));
  CHECK(f.call(api_verb::create, "pods", "fresh", "", pod("r", "")));
  CHECK(code_of(f.call(api_verb::create, "pods", "fresh", "",
                       pod("s", "  serviceAccountName: other\n"))) == api_errc::forbidden);
}

TEST_CASE("finalizers hold a deleted object until they are removed", "[apiserver]") {
  apiserver_fixture f;
  REQUIRE(f.call(api_verb::create, "configmaps", "", "",
                 f.manifest("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: held, finalizers: [example.com/keep]}\n")));
  auto marked = f.call(api_verb::remove, "configmaps", "default", "held");
  REQUIRE(marked);
  object_reader m(marked->object.str());
  CHECK(m.meta().getDeletionTimestamp() != 0);
  CHECK(f.call(api_verb::get, "configmaps", "default", "held"));
  // The finalizer's owner removes it; with the last one gone, the object goes.
  REQUIRE(f.call(api_verb::update, "configmaps", "default", "held",
                 f.manifest("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: held}\n")));
  CHECK(code_of(f.call(api_verb::get, "configmaps", "default", "held")) == api_errc::not_found);
}

TEST_CASE("a pod on a node is deleted gracefully the node ends it", "[apiserver]") {
  apiserver_fixture f;
  REQUIRE(f.call(api_verb::create, "pods", "", "",
                 f.manifest("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {nodeName: n1, "
                            "terminationGracePeriodSeconds: 20, containers: [{name: c, image: i}]}\n")));
  auto marked = f.call(api_verb::remove, "pods", "default", "p");
  REQUIRE(marked);
  object_reader m(marked->object.str());
  CHECK(m.meta().getDeletionTimestamp() >= unix_seconds() + 19);
  CHECK(m.meta().getDeletionGracePeriodSeconds().getValue() == 20);
  REQUIRE(f.call(api_verb::get, "pods", "default", "p"));
  // The node has stopped it: a delete with grace 0 removes the object.
  api_request now;
  now.verb = static_cast<uint8_t>(api_verb::remove);
  now.resource = "pods";
  now.ns = "default";
  now.name = "p";
  now.grace_period = 0;
  REQUIRE(f.send(now));
  CHECK(code_of(f.call(api_verb::get, "pods", "default", "p")) == api_errc::not_found);
  // A pod no node runs goes at once.
  REQUIRE(f.call(api_verb::create, "pods", "", "",
                 f.manifest("apiVersion: v1\nkind: Pod\nmetadata: {name: q}\nspec: {containers: [{name: c, image: i}]}\n")));
  REQUIRE(f.call(api_verb::remove, "pods", "default", "q"));
  CHECK(code_of(f.call(api_verb::get, "pods", "default", "q")) == api_errc::not_found);
}

TEST_CASE("the services actor allocates each Service its own address and node port",
          "[apiserver][services]") {
  apiserver_fixture f;
  auto svc = [&](const std::string& name, const std::string& spec) {
    return f.manifest("apiVersion: v1\nkind: Service\nmetadata: {name: " + name +
                      "}\nspec: " + spec + "\n");
  };
  auto a = f.call(api_verb::create, "services", "", "",
                  svc("a", "{type: NodePort, ports: [{port: 80}]}"));
  auto b = f.call(api_verb::create, "services", "", "",
                  svc("b", "{type: NodePort, ports: [{port: 80}]}"));
  REQUIRE(a);
  REQUIRE(b);
  object_reader ra(a->object.str()), rb(b->object.str());
  auto ip_a = text_string(ra.as<k8s::Service>().getSpec().getClusterIP());
  auto ip_b = text_string(rb.as<k8s::Service>().getSpec().getClusterIP());
  CHECK(ip_a.rfind("127.16.", 0) == 0);
  CHECK(ip_a != ip_b);
  int port_a = ra.as<k8s::Service>().getSpec().getPorts()[0].getNodePort();
  CHECK(port_a >= 30000);
  CHECK(port_a != rb.as<k8s::Service>().getSpec().getPorts()[0].getNodePort());
  // Taken by a: refused, and nothing stored.
  auto taken =
      f.call(api_verb::create, "services", "", "",
             svc("c", "{type: NodePort, clusterIP: " + ip_a +
                          ", ports: [{port: 80, nodePort: " + std::to_string(port_a) + "}]}"));
  CHECK(code_of(taken) == api_errc::invalid);
  CHECK(code_of(f.call(api_verb::get, "services", "default", "c")) == api_errc::not_found);
  // A replace that leaves them out keeps them; a's own address is not "taken" from itself.
  auto replaced = f.call(api_verb::update, "services", "default", "a",
                         svc("a", "{type: NodePort, ports: [{port: 80}]}"));
  REQUIRE(replaced);
  object_reader rr(replaced->object.str());
  CHECK(text_string(rr.as<k8s::Service>().getSpec().getClusterIP()) == ip_a);
  CHECK(rr.as<k8s::Service>().getSpec().getPorts()[0].getNodePort() == port_a);
}

TEST_CASE("two Services created together cannot share a node port and a type change frees it",
          "[apiserver][services]") {
  apiserver_fixture f;
  auto svc = [&](const std::string& name, const std::string& spec) {
    return f.manifest("apiVersion: v1\nkind: Service\nmetadata: {name: " + name +
                      "}\nspec: " + spec + "\n");
  };
  auto a = make_request(api_verb::create, "services", "", "",
                        svc("a", "{type: NodePort, ports: [{port: 80, nodePort: 30080}]}"));
  auto b = make_request(api_verb::create, "services", "", "",
                        svc("b", "{type: NodePort, ports: [{port: 80, nodePort: 30080}]}"));
  auto [first, second] = f.send_together(a, b);
  CHECK(first);
  CHECK(code_of(second) == api_errc::invalid);
  // NodePort -> ClusterIP by a patch that only names the type: the node port goes with it.
  api_request patch = make_request(api_verb::patch, "services", "default", "a");
  patch.patch = R"({"spec":{"type":"ClusterIP"}})";
  patch.patch_type = static_cast<uint8_t>(patch_type::merge);
  auto patched = f.send(patch);
  REQUIRE(patched);
  CHECK(object_reader(patched->object.str())
            .as<k8s::Service>()
            .getSpec()
            .getPorts()[0]
            .getNodePort() == 0);
}

TEST_CASE("patches and updates without a resourceVersion apply on top of concurrent writes",
          "[apiserver]") {
  apiserver_fixture f;
  REQUIRE(f.call(api_verb::create, "configmaps", "", "", f.manifest(cm_yaml)));
  // All sent before any is answered: each reads the same object, and all but the first would
  // find it changed under them at commit.
  constexpr int writers = 12;
  std::vector<api_request> requests;
  for (int i = 0; i < writers; ++i) {
    api_request patch = make_request(api_verb::patch, "configmaps", "default", "cfg");
    patch.patch = R"({"metadata":{"labels":{"l)" + std::to_string(i) + R"(":"v"}}})";
    patch.patch_type = static_cast<uint8_t>(i % 2 ? patch_type::merge : patch_type::strategic);
    requests.push_back(patch);
  }
  // An update with no resourceVersion among them (it keeps the labels it read: it is sent
  // first so that the patches land on top of it).
  requests.insert(requests.begin(), make_request(api_verb::update, "configmaps", "default", "cfg"));
  requests.front().object = f.manifest(
      "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}\ndata: {k: updated}\n");
  auto results = f.send_all(requests);
  for (auto& r : results) CHECK(code_of(r) == api_errc::none);
  auto stored = f.call(api_verb::get, "configmaps", "default", "cfg");
  REQUIRE(stored);
  object_reader r(stored->object.str());
  CHECK(r.meta().getLabels().size() == writers);
  CHECK(text_string(r.as<k8s::ConfigMap>().getData()[0].getValue()) == "updated");

  // A patch that names a resourceVersion is still held to it.
  api_request stale = make_request(api_verb::patch, "configmaps", "default", "cfg");
  stale.patch = R"({"metadata":{"resourceVersion":"1","labels":{"x":"y"}}})";
  stale.patch_type = static_cast<uint8_t>(patch_type::merge);
  CHECK(code_of(f.send(stale)) == api_errc::conflict);
}

TEST_CASE("a patch that loses a race to a conditional update is applied again", "[apiserver]") {
  apiserver_fixture f;
  auto created = f.call(api_verb::create, "configmaps", "", "", f.manifest(cm_yaml));
  REQUIRE(created);
  // The update names the revision it read, so it does not queue behind the patches: it is
  // staged first, and the first patch, computed on the object before it, conflicts at commit.
  auto rv = std::to_string(created->revision);
  std::vector<api_request> requests{make_request(api_verb::update, "configmaps", "default", "cfg")};
  requests[0].object = f.manifest("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg, resourceVersion: '" +
                                  rv + "'}\ndata: {k: updated}\n");
  for (int i = 0; i < 3; ++i) {
    api_request patch = make_request(api_verb::patch, "configmaps", "default", "cfg");
    patch.patch = R"({"metadata":{"labels":{"l)" + std::to_string(i) + R"(":"v"}}})";
    patch.patch_type = static_cast<uint8_t>(patch_type::merge);
    requests.push_back(patch);
  }
  for (auto& r : f.send_all(requests)) CHECK(code_of(r) == api_errc::none);
  auto stored = f.call(api_verb::get, "configmaps", "default", "cfg");
  REQUIRE(stored);
  object_reader r(stored->object.str());
  CHECK(r.meta().getLabels().size() == 3);
  CHECK(text_string(r.as<k8s::ConfigMap>().getData()[0].getValue()) == "updated");
}

TEST_CASE("a delete without a resourceVersion is not refused for a write that lands first", "[apiserver]") {
  apiserver_fixture f;
  for (bool held_by_finalizer : {false, true}) {
    std::string meta = held_by_finalizer ? "{name: cfg, finalizers: [example.com/keep]}" : "{name: cfg}";
    auto created = f.call(api_verb::create, "configmaps", "", "",
                          f.manifest("apiVersion: v1\nkind: ConfigMap\nmetadata: " + meta + "\ndata: {k: v}\n"));
    REQUIRE(created);
    // The update names the revision it read, so it is staged first; the delete, planned on the
    // version before it, finds the object changed at commit and must plan again.
    auto rv = std::to_string(created->revision);
    std::vector<api_request> requests{make_request(api_verb::update, "configmaps", "default", "cfg"),
                                      make_request(api_verb::remove, "configmaps", "default", "cfg")};
    requests[0].object = f.manifest("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg, resourceVersion: '" + rv +
                                    "'" + (held_by_finalizer ? ", finalizers: [example.com/keep]" : "") +
                                    "}\ndata: {k: updated}\n");
    for (auto& r : f.send_all(requests)) CHECK(code_of(r) == api_errc::none);
    auto stored = f.call(api_verb::get, "configmaps", "default", "cfg");
    if (!held_by_finalizer) {
      CHECK(code_of(stored) == api_errc::not_found);
      continue;
    }
    REQUIRE(stored);
    object_reader r(stored->object.str());
    CHECK(r.meta().getDeletionTimestamp() != 0);
    CHECK(text_string(r.as<k8s::ConfigMap>().getData()[0].getValue()) == "updated");
  }

  // A delete that names a resourceVersion is still held to it.
  api_request stale = make_request(api_verb::remove, "configmaps", "default", "cfg");
  stale.resource_version = 1;
  CHECK(code_of(f.send(stale)) == api_errc::conflict);
}

TEST_CASE("a JSON patch that sets the resourceVersion is held to it", "[apiserver]") {
  apiserver_fixture f;
  REQUIRE(f.call(api_verb::create, "configmaps", "", "", f.manifest(cm_yaml)));
  api_request stale = make_request(api_verb::patch, "configmaps", "default", "cfg");
  stale.patch = R"([{"op":"replace","path":"/metadata/resourceVersion","value":"1"},)"
                R"({"op":"add","path":"/data/x","value":"y"}])";
  stale.patch_type = static_cast<uint8_t>(patch_type::json);
  CHECK(code_of(f.send(stale)) == api_errc::conflict);
}
