#pragma once
// Starts shims by asking a small resident process to fork them. Exec'ing the troupe binary
// for each shim costs about 6 ms of CPU in the dynamic loader; forking the spawner, which has
// it all loaded and touches little, costs a fraction of a millisecond. A burst of container
// starts queued behind those exec's.
//
//   agent ──(one datagram: args, env; the handshake pipe as SCM_RIGHTS)──► troupe shim-spawner
//         ◄──(int32: the shim's pid, or -errno)──────────────────────────  fork: run_shim(args)
//
// The spawner is the shims' parent and reaps them; it exits when the agent closes the socket
// (or dies), and the shims, each in its own session, carry on as they do without it.

#include <sys/types.h>

#include <mutex>
#include <string>
#include <vector>

namespace troupe {

class shim_spawner {
 public:
  /// `binary` is the troupe binary; the spawner process starts on first use.
  explicit shim_spawner(std::string binary);
  ~shim_spawner();
  shim_spawner(const shim_spawner&) = delete;
  shim_spawner& operator=(const shim_spawner&) = delete;

  /// Asks for `troupe shim <shim_args>` with environment `env` and `handshake` as its fd 3.
  /// True once the request is delivered: the handshake then tells whether a shim started and
  /// its pid. False when it could not be delivered, so no shim can have started from it (the
  /// caller then execs the shim itself). Any thread.
  bool spawn(const std::vector<std::string>& shim_args, const std::vector<std::string>& env,
             int handshake);
  /// The spawner process (-1 before the first spawn or after it failed).
  pid_t pid() const;

 private:
  bool start_locked();
  void stop_locked();
  std::string binary_;
  mutable std::mutex lock_;
  int socket_ = -1;
  pid_t pid_ = -1;
};

/// `troupe shim-spawner`: serves spawn requests on fd 3 until it is closed. `argv` is main's:
/// each shim writes its own command line over it, so `ps` shows `troupe shim --log ...`.
int run_shim_spawner(int argc, char** argv);

}  // namespace troupe
