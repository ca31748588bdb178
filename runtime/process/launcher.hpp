#pragma once
// Starting processes for the kubelet. Every call here blocks (fork, exec, waiting for a
// handshake or a command's end), so callers run it on a detached actor or a thread of its
// own, never on the actor scheduler.

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace troupe {

class shim_spawner;

struct launch_spec {
  std::string shim_binary;  ///< the troupe binary (`troupe shim` is the shim)
  shim_spawner* spawner = nullptr;  ///< forks the shim when given; else it is exec'd here
  std::vector<std::string> command;
  std::vector<std::string> env;  ///< "NAME=value", the whole environment
  std::string workdir;
  std::string log_file;
  std::string exit_file;
  std::vector<std::string> cgroup_procs;  ///< cgroup.procs files the container joins
  int64_t rlimit_as = 0;                  ///< memory limit when there are no cgroups
};

struct launched {
  pid_t shim = -1;
  pid_t pid = -1;      ///< the container's process (and process group) id
  std::string error;   ///< why it could not start ("sleepx: No such file or directory")
};

/// Starts `argv` (argv[0] the path) with environment `envp`, `fd` as its fd 3 and no signal
/// blocked, by posix_spawn: clone with CLONE_VM|CLONE_VFORK in glibc, rather than a fork that
/// would copy the caller's page tables. Returns 0 or an errno.
int spawn_with_fd3(char* const argv[], char* const envp[], int fd, pid_t& pid);

/// Starts a container under a new shim and waits for it to be running (or to fail).
launched launch(const launch_spec& spec);

struct command_result {
  int exit_code = -1;  ///< 128 + signal when killed; -1 when it could not run
  bool timed_out = false;
  std::string out, err;
  std::string error;   ///< could not run: why
};

/// Standard error kept of a command run_command runs: for reading, not for carrying data (with
/// both at the output's cap, one exec's answer could pass the 64 MiB a message may hold).
constexpr size_t max_error_output = size_t{1} << 20;

/// Runs a command to completion (exec probes, `troupe exec`), capturing its output (at most
/// `max_output` bytes of stdout, and of stderr at most that or 1 MiB and a byte); kills its process group
/// when `timeout_ms` passes. Its stdin is `input` then end of file (/dev/null without one); a
/// command that stops reading gets no more.
command_result run_command(const std::vector<std::string>& command, const std::vector<std::string>& env,
                           const std::string& workdir, int64_t timeout_ms, size_t max_output = 1 << 20,
                           const std::string* input = nullptr);

/// How a shim recorded its container's end: "exit N", "signal N" or "error MESSAGE".
struct exit_record {
  enum class kind { exited, signaled, failed, unknown } how = kind::unknown;
  int code = 0;
  std::string message;
};
exit_record read_exit_record(const std::string& exit_file);

/// The process start time (clock ticks since boot) from /proc, to tell a process from a
/// later one with the same pid; nullopt when it is gone.
std::optional<uint64_t> process_start_time(pid_t pid);

/// The environment (NAME=VALUE each) process `pid` was started with and its current working
/// directory, from /proc; nullopt when it is gone, not readable, or not a child of `parent`
/// (a pid used again by another process must not lend it its environment).
struct process_context {
  std::vector<std::string> env;
  std::string workdir;
};
std::optional<process_context> process_context_of(pid_t pid, pid_t parent);

}  // namespace troupe
