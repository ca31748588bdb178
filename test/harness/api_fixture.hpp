#pragma once
// The API server in the test's own process: store, resource actors and the RPC gateway on a
// free loopback port, so tests can reach it through real RPC clients and still look inside
// (store stats). Everything stops when the fixture ends.

#include <map>
#include <memory>
#include <string>

#include "actors/apiserver/apiserver.hpp"
#include "actors/store/store.hpp"
#include "runtime/caf/errors.hpp"
#include "runtime/object/kinds.hpp"
#include "runtime/rpc/gateway.hpp"
#include "runtime/store/engine.hpp"
#include "test/harness/actor_fixture.hpp"
#include "test/harness/temp_dir.hpp"

namespace troupe::testing {

class api_fixture : public actor_fixture {
 public:
  explicit api_fixture(store_knobs knobs = {}, uint64_t event_history = 100000)
      : actor_fixture([](caf::actor_system_config& cfg) {
          add_store_types(cfg);
          add_apiserver_types(cfg);
        }) {
    store::engine_options options;
    options.dir = dir_.path();
    options.retain_events = event_history;
    kinds_ = std::make_shared<const kind_registry>(builtin_kinds());
    options.indexes = store::server_indexes(*kinds_);
    engine_ = std::make_shared<store::engine>(options);
    store_ = keep(spawn_store(sys(), {engine_, kinds_, knobs}));
    ensure_system_namespaces(sys(), {engine_, kinds_, store_, {}});
    resources_ = spawn_resources(sys(), {engine_, kinds_, store_, {}});
    for (auto& [name, actor] : resources_) keep(actor);
    gateway_ = std::make_unique<rpc::gateway>(sys(), rpc::bridge_deps{resources_, store_, {}},
                                              "127.0.0.1", 0);
  }
  ~api_fixture() override {
    gateway_.reset();
    // A detached actor's thread lives until its last handle is gone: drop ours first.
    store_ = nullptr;
    resources_.clear();
    shutdown();
  }

  std::string address() const { return "127.0.0.1:" + std::to_string(gateway_->port()); }
  const kind_registry& kinds() const { return *kinds_; }
  store::engine& engine() { return *engine_; }
  std::shared_ptr<store::engine> shared_engine() { return engine_; }
  store_actor store() const { return store_; }
  const std::map<std::string, resource_actor>& resources() const { return resources_; }

  /// One call to the resource actor of `resource`, waited for.
  caf::expected<api_reply> call(api_verb verb, const std::string& resource, const std::string& ns,
                                const std::string& name, std::string object = "") {
    caf::expected<api_reply> out{caf::error{}};
    self()->request(resources_.at(resource), patience, api_atom::value,
                    make_request(verb, resource, ns, name, std::move(object)))
        .receive([&](api_reply& r) { out = std::move(r); }, [&](caf::error& e) { out = e; });
    return out;
  }

  store_stats stats() {
    store_stats out;
    self()->request(store_, patience, stats_atom::value)
        .receive([&](store_stats s) { out = s; },
                 [&](caf::error& e) { throw to_api_error(e); });
    return out;
  }

 private:
  temp_dir dir_{"troupe-api"};
  std::shared_ptr<store::engine> engine_;
  std::shared_ptr<const kind_registry> kinds_;
  store_actor store_;
  std::map<std::string, resource_actor> resources_;
  std::unique_ptr<rpc::gateway> gateway_;
};

}  // namespace troupe::testing
