#pragma once
// A real actor system for tests that drive actors with messages, and a blocking actor on the
// test thread. Everything spawned is shut down when the fixture ends.

#include <caf/all.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <vector>

#include "runtime/caf/system_config.hpp"

namespace troupe::testing {

class actor_fixture {
 public:
  explicit actor_fixture(std::function<void(caf::actor_system_config&)> configure = {}) {
    apply_system_defaults(cfg_);
    if (configure) configure(cfg_);
    sys_ = std::make_unique<caf::actor_system>(cfg_);
    self_ = std::make_unique<caf::scoped_actor>(*sys_);
  }
  virtual ~actor_fixture() { shutdown(); }

  caf::actor_system& sys() { return *sys_; }
  caf::scoped_actor& self() { return *self_; }

  /// Actors that must get an exit message when the test ends.
  template <class Handle>
  Handle keep(Handle h) {
    to_stop_.push_back(caf::actor_cast<caf::actor>(h));
    return h;
  }

  void shutdown() {
    if (!sys_) return;
    for (auto& a : to_stop_) caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    to_stop_.clear();
    self_.reset();
    sys_.reset();
  }

  static constexpr auto patience = std::chrono::seconds(10);

 private:
  caf::actor_system_config cfg_;
  std::unique_ptr<caf::actor_system> sys_;
  std::unique_ptr<caf::scoped_actor> self_;
  std::vector<caf::actor> to_stop_;
};

}  // namespace troupe::testing
