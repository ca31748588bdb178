#pragma once
// The control plane in the test's own process, as the server wires it: store, resource actors
// and the router, for controller tests (start the controller under test with its deps). Reads
// go straight to the engine; writes through the router like any client's.

#include <atomic>
#include <caf/all.hpp>
#include <memory>
#include <string>

#include "actors/apiserver/apiserver.hpp"
#include "actors/store/store.hpp"
#include "runtime/caf/errors.hpp"
#include "runtime/codec/object_codec.hpp"
#include "runtime/object/kinds.hpp"
#include "runtime/object/object.hpp"
#include "runtime/store/engine.hpp"
#include "test/harness/actor_fixture.hpp"
#include "test/harness/temp_dir.hpp"

namespace troupe::testing {

class control_plane : public actor_fixture {
 public:
  control_plane()
      : actor_fixture([](caf::actor_system_config& cfg) {
          add_store_types(cfg);
          add_apiserver_types(cfg);
        }) {
    kinds_ = std::make_shared<const kind_registry>(builtin_kinds());
    store::engine_options options{dir_.path()};
    options.indexes = store::server_indexes(*kinds_);
    engine_ = std::make_shared<store::engine>(options);
    store_ = keep(spawn_store(sys(), {engine_, kinds_, {}}));
    apiserver_deps deps{engine_, kinds_, store_, {}};
    ensure_system_namespaces(sys(), deps);
    auto resources = spawn_resources(sys(), deps);
    for (auto& [resource, actor] : resources) keep(actor);
    router_ = keep(spawn_router(sys(), resources));
  }
  ~control_plane() override {
    // A detached actor's thread waits for its actor to be destroyed (CAF issue 1196): no
    // handle to the store may outlive the system's shutdown.
    store_ = store_actor{};
    router_ = resource_actor{};
    shutdown();
  }

  /// A manifest's object bytes.
  std::string manifest(const std::string& yaml) const {
    return codec::decode_manifests(yaml, "test.yaml", *kinds_).at(0).bytes;
  }

  caf::expected<api_reply> call(const api_request& req) {
    caf::expected<api_reply> out{caf::error{}};
    self()
        ->request(router_, patience, api_atom::value, req)
        .receive([&](api_reply& r) { out = std::move(r); }, [&](caf::error& e) { out = e; });
    return out;
  }
  caf::expected<api_reply> call(api_verb verb, const std::string& resource, const std::string& ns,
                                const std::string& name, const std::string& yaml = "") {
    return call(
        make_request(verb, resource, ns, name, yaml.empty() ? std::string() : manifest(yaml)));
  }

  bool exists(const std::string& resource, const std::string& ns, const std::string& name) const {
    return engine_->read().get(object_key(resource, ns, name)).has_value();
  }

  const std::shared_ptr<store::engine>& engine() const { return engine_; }
  const std::shared_ptr<const kind_registry>& kinds() const { return kinds_; }
  const store_actor& store() const { return store_; }
  const resource_actor& router() const { return router_; }

  /// The router behind a front that refuses the first `refusals` requests of `verb` with
  /// Unavailable, as a server briefly unable to write (for controllers' retries). `refusals`
  /// counts down past zero as requests of `verb` pass.
  resource_actor refusing(api_verb verb, std::shared_ptr<std::atomic<int>> refusals) {
    resource_actor real = router_;
    return keep(sys().spawn(
        [real, verb, refusals](resource_actor::pointer self) -> resource_actor::behavior_type {
          return {[=](api_atom, api_request& req) -> caf::result<api_reply> {
            if (req.verb == static_cast<uint8_t>(verb) && refusals->fetch_sub(1) > 0)
              return make_error(api_errc::unavailable, "the store is busy");
            return self->delegate(real, api_atom::value, std::move(req));
          }};
        }));
  }

 private:
  temp_dir dir_;
  std::shared_ptr<const kind_registry> kinds_;
  std::shared_ptr<store::engine> engine_;
  store_actor store_;
  resource_actor router_;
};

inline api_errc code_of(const caf::expected<api_reply>& r) {
  return r ? api_errc::none : to_api_error(r.error()).code();
}

inline std::string message_of(const caf::expected<api_reply>& r) {
  return r ? "" : to_api_error(r.error()).message();
}

}  // namespace troupe::testing
