#pragma once
// A synchronous client of the RPC API, for the CLI and tests: each call runs the connection's
// event loop until its answer arrives. Errors come back as api_error with the server's code.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "actors/apiserver/apiserver.hpp"
#include "actors/kubelet/kubelet.hpp"
#include "runtime/base/error.hpp"

namespace troupe::rpc {

struct call_result {
  std::string object;              ///< flat-array object (create, get, update, patch, delete)
  std::vector<std::string> items;  ///< list
  uint64_t revision = 0;           ///< list: the revision the items were read at
  std::string continue_after;      ///< list with a limit: more follow; ask again from here
};

struct event {
  uint8_t type = 0;  ///< store::event_type: 1 ADDED, 2 MODIFIED, 3 DELETED, 4 BOOKMARK
  uint64_t revision = 0;
  std::string object;
};

/// An error the server answered with (as opposed to one the client found first).
class server_error : public api_error {
 public:
  explicit server_error(api_error e) : api_error(std::move(e)) {}
};

/// No connection to the server was made (refused, unknown host, no answer). Not an api_error,
/// so a command's per-object error handling does not try the next object against a server
/// that is not there; kubectl prints these whole, without its "error: " prefix.
class connection_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// kubectl's words for a connection that could not be made to `address`, from kj's
/// description of the failure.
connection_error unreachable(const std::string& address, const std::string& failure);

class client {
 public:
  /// Connects to "host:port" and waits for the server's first answer, at most
  /// handshake_timeout_seconds (or `request_timeout`, kubectl's --request-timeout, if sooner;
  /// it bounds every call after). Throws connection_error naming the address.
  explicit client(const std::string& address, std::chrono::milliseconds request_timeout = {});
  static constexpr int handshake_timeout_seconds = 10;
  ~client();
  client(const client&) = delete;
  client& operator=(const client&) = delete;

  /// Throws api_error with the server's reason and message.
  call_result call(api_verb verb, const api_request& request);

  /// Every later write (create, update, patch, delete) is a server-side dry run: admitted and
  /// answered, never stored (--dry-run=server).
  void set_dry_run(bool on) { dry_run_ = on; }

  /// kubectl's --request-timeout: each call must be answered within `limit` (0: no limit),
  /// else api_error(timeout); a watch ends quietly when it runs out.
  void set_request_timeout(std::chrono::milliseconds limit) { request_timeout_ = limit; }

  /// Streams events (after request.resource_version; 0 = from now) into `on_event` until it
  /// returns false or `patience` passes (returns false then, true otherwise). Throws the
  /// error the server ended the watch with (Gone, TooManyRequests ...).
  bool watch(const api_request& request, bool bookmarks,
             const std::function<bool(const event&)>& on_event,
             std::chrono::milliseconds patience = std::chrono::hours(24 * 365));

  /// Runs a command in a pod's container; throws server_error (NotFound, BadRequest ...).
  exec_reply exec(const exec_request& request);
  logs_reply logs(const logs_request& request);

  std::string server_version();
  const std::string& address() const { return address_; }

 private:
  void handshake();
  bool dry_run_ = false;
  std::chrono::milliseconds request_timeout_{0};
  struct impl;
  std::string address_;
  std::unique_ptr<impl> impl_;
};

}  // namespace troupe::rpc
