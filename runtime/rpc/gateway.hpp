#pragma once
// The Cap'n Proto RPC gateway: schema/api.capnp served on its own kj event-loop thread. Every
// API call becomes a message to its resource actor, answered through a queue the loop drains
// (watches, exec and logs go through the bridge actor), so the loop never waits on an actor
// and many clients are served at once.

#include <cstdint>
#include <memory>
#include <string>

#include "runtime/rpc/bridge.hpp"

namespace troupe::rpc {

class gateway {
 public:
  /// Listens on host:port (port 0 picks a free one) and serves until stop() or destruction.
  /// Throws api_error(bad_request) naming the address when it cannot listen.
  gateway(caf::actor_system& sys, bridge_deps deps, const std::string& host, uint16_t port);
  ~gateway();
  gateway(const gateway&) = delete;
  gateway& operator=(const gateway&) = delete;

  uint16_t port() const;
  /// Closes the listener and every connection (ending their watches), then joins the thread.
  void stop();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace troupe::rpc
