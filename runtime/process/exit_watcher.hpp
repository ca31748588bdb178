#pragma once
// Learns when processes end without blocking anyone: one thread waits in epoll on a pidfd per
// watched process (Linux 5.3+), reaps it if it is our child, and runs its callback (which
// should only send a message). Works for processes started by an earlier agent too, which
// are no longer our children.

#include <sys/types.h>

#include <functional>
#include <memory>

namespace troupe {

class exit_watcher {
 public:
  exit_watcher();
  ~exit_watcher();  ///< stops the thread; callbacks not yet run are dropped
  exit_watcher(const exit_watcher&) = delete;
  exit_watcher& operator=(const exit_watcher&) = delete;

  /// Calls `on_exit` once `pid` has ended (at once if it already has). False if the process
  /// does not exist.
  bool watch(pid_t pid, std::function<void()> on_exit);

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace troupe
