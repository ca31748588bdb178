#pragma once
// A child process for multi-process tests: started with arguments, its stdout and stderr
// captured together, killed (whole process group) when the test ends.

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "runtime/base/file.hpp"

namespace troupe::testing {

class child_process {
 public:
  explicit child_process(std::vector<std::string> argv) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
    pid_ = fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
      setpgid(0, 0);
      dup2(fds[1], STDOUT_FILENO);
      dup2(fds[1], STDERR_FILENO);
      // A CLI started here reads no user's client config (its namespace would change what
      // it sees); servers are given --client-config.
      setenv("TROUPE_CONFIG", "/nonexistent/troupe-test-client-config", 1);
      std::vector<char*> args;
      for (auto& a : argv) args.push_back(a.data());
      args.push_back(nullptr);
      execv(args[0], args.data());
      _exit(127);
    }
    setpgid(pid_, pid_);
    close(fds[1]);
    out_ = fds[0];
  }
  ~child_process() {
    if (pid_ > 0) {
      ::kill(-pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    close(out_);
  }
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  /// Reads output until it contains `text`; false if the process ends or time runs out first.
  bool wait_for_output(const std::string& text,
                       std::chrono::milliseconds patience = std::chrono::seconds(10)) {
    auto until = std::chrono::steady_clock::now() + patience;
    while (output_.find(text) == std::string::npos) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                      until - std::chrono::steady_clock::now())
                      .count();
      if (left <= 0 || !read_some(static_cast<int>(left))) return false;
    }
    return true;
  }

  /// Sends `sig` and waits for the exit; returns the exit code (128 + signal if killed).
  int stop(int sig = SIGTERM, std::chrono::milliseconds patience = std::chrono::seconds(10)) {
    ::kill(pid_, sig);
    auto code = wait(patience);
    if (!code) {
      ::kill(-pid_, SIGKILL);
      code = wait(std::chrono::seconds(10));
    }
    return code.value_or(-1);
  }

  /// Waits for the process to exit by itself; nullopt if it is still running after `patience`.
  std::optional<int> wait(std::chrono::milliseconds patience = std::chrono::seconds(10)) {
    auto until = std::chrono::steady_clock::now() + patience;
    for (;;) {
      int status = 0;
      pid_t r = waitpid(pid_, &status, WNOHANG);
      if (r == pid_) {
        pid_ = -1;
        while (read_some(0)) {
        }
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      if (std::chrono::steady_clock::now() >= until) return std::nullopt;
      read_some(10);
    }
  }

  const std::string& output() const { return output_; }
  pid_t pid() const { return pid_; }

 private:
  bool read_some(int timeout_ms) {
    pollfd p{out_, POLLIN, 0};
    if (poll(&p, 1, timeout_ms) <= 0) return false;
    char chunk[4096];
    ssize_t n = read(out_, chunk, sizeof chunk);
    if (n <= 0) return false;
    output_.append(chunk, static_cast<size_t>(n));
    return true;
  }

  pid_t pid_ = -1;
  int out_ = -1;
  std::string output_;
};

/// Kills every process whose command line mentions `text` (a test's directory: the shims of
/// the pods it ran name their log files there) and the process group of each one's children
/// (the containers). Nothing a test started outlives it.
inline void kill_processes_mentioning(const std::string& text) {
  DIR* proc = opendir("/proc");
  if (!proc) return;
  std::vector<pid_t> found;
  while (auto* e = readdir(proc)) {
    pid_t pid = static_cast<pid_t>(std::atoi(e->d_name));
    if (pid <= 0 || pid == getpid()) continue;
    // A process that ends while it is read is no longer one to kill.
    auto cmdline = read_file_if_readable("/proc/" + std::to_string(pid) + "/cmdline");
    if (cmdline && cmdline->find(text) != std::string::npos) found.push_back(pid);
  }
  closedir(proc);
  for (pid_t pid : found) {
    std::istringstream children(
        read_file_if_readable("/proc/" + std::to_string(pid) + "/task/" + std::to_string(pid) + "/children")
            .value_or(""));
    for (pid_t child; children >> child;) ::kill(-child, SIGKILL);
    ::kill(pid, SIGKILL);
  }
}

}  // namespace troupe::testing
