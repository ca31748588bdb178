#include "runtime/process/launcher.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "runtime/base/file.hpp"
#include "runtime/base/text.hpp"
#include "runtime/base/time.hpp"
#include "runtime/process/spawner.hpp"

namespace troupe {
namespace {

std::vector<char*> pointers(const std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

std::string read_line(int fd, int timeout_ms) {
  std::string line;
  int64_t until = monotonic_millis() + timeout_ms;
  while (line.find('\n') == std::string::npos) {
    pollfd p{fd, POLLIN, 0};
    int left = static_cast<int>(until - monotonic_millis());
    if (left <= 0 || poll(&p, 1, left) <= 0) break;
    char chunk[256];
    ssize_t n = read(fd, chunk, sizeof chunk);
    if (n <= 0) break;
    line.append(chunk, static_cast<size_t>(n));
  }
  return line.substr(0, line.find('\n'));
}

}  // namespace

int spawn_with_fd3(char* const argv[], char* const envp[], int fd, pid_t& pid) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fd, 3);  // dup2 clears close-on-exec
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attr, &none);  // the agent blocks its shutdown signals
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
  int rc = posix_spawn(&pid, argv[0], &actions, &attr, argv, envp);
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&actions);
  return rc;
}

launched launch(const launch_spec& spec) {
  std::vector<std::string> argv = {spec.shim_binary, "shim", "--log", spec.log_file, "--exit", spec.exit_file};
  if (!spec.workdir.empty()) argv.insert(argv.end(), {"--workdir", spec.workdir});
  for (auto& f : spec.cgroup_procs) argv.insert(argv.end(), {"--join", f});
  if (spec.rlimit_as > 0) argv.insert(argv.end(), {"--rlimit-as", std::to_string(spec.rlimit_as)});
  argv.push_back("--");
  argv.insert(argv.end(), spec.command.begin(), spec.command.end());
  auto args = pointers(argv);
  auto envp = pointers(spec.env);
  int hs[2];
  launched out;
  if (pipe2(hs, O_CLOEXEC) != 0) return out.error = std::string("pipe: ") + strerror(errno), out;
  pid_t shim = -1;
  bool sent = spec.spawner && spec.spawner->spawn(std::vector<std::string>(argv.begin() + 2, argv.end()), spec.env, hs[1]);
  // Either way the handshake says whether a shim started, and which.
  int rc = sent ? 0 : spawn_with_fd3(args.data(), envp.data(), hs[1], shim);
  close(hs[1]);
  if (rc != 0) {
    close(hs[0]);
    return out.error = spec.shim_binary + ": " + strerror(rc), out;
  }
  auto line = read_line(hs[0], 10000);
  close(hs[0]);
  long container = 0, own = 0;
  if (std::sscanf(line.c_str(), "pid %ld %ld", &container, &own) == 2 && container > 0 && own > 0) {
    out.pid = static_cast<pid_t>(container);
    out.shim = static_cast<pid_t>(own);
  } else {
    out.error = line.rfind("error ", 0) == 0 ? line.substr(6) : "the shim did not start";
    if (shim > 0) waitpid(shim, nullptr, 0);  // ours when exec'd here; the spawner reaps its own
  }
  return out;
}

command_result run_command(const std::vector<std::string>& command, const std::vector<std::string>& env,
                           const std::string& workdir, int64_t timeout_ms, size_t max_output,
                           const std::string* input) {
  command_result r;
  if (command.empty()) return r.error = "no command", r;
  int out[2], err[2], report[2];
  // The input goes through a socket, not a pipe: send() with MSG_NOSIGNAL to a command that
  // closed its stdin fails with EPIPE instead of raising SIGPIPE in this process.
  out[0] = out[1] = err[0] = err[1] = report[0] = report[1] = -1;
  int in[2] = {-1, -1};
  if (pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC) || pipe2(report, O_CLOEXEC) ||
      (input && socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in))) {
    r.error = std::string("pipe: ") + strerror(errno);
    for (int fd : {out[0], out[1], err[0], err[1], report[0], report[1], in[0], in[1]})
      if (fd >= 0) close(fd);
    return r;
  }
  auto args = pointers(command);
  auto envp = pointers(env);
  pid_t pid = fork();
  if (pid == 0) {
    setpgid(0, 0);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    int stdin_fd = input ? in[1] : open("/dev/null", O_RDONLY);
    dup2(stdin_fd, 0);
    dup2(out[1], 1);
    dup2(err[1], 2);
    if (!workdir.empty() && chdir(workdir.c_str()) != 0) {
      int e = errno;
      (void)!write(report[1], &e, sizeof e);
      _exit(127);
    }
    execvpe(args[0], args.data(), envp.data());
    int e = errno;
    (void)!write(report[1], &e, sizeof e);
    _exit(127);
  }
  close(out[1]);
  close(err[1]);
  close(report[1]);
  if (input) close(in[1]);
  if (pid < 0) {
    close(out[0]), close(err[0]), close(report[0]);
    if (input) close(in[0]);
    return r.error = std::string("fork: ") + strerror(errno), r;
  }
  int exec_errno = 0;
  if (read(report[0], &exec_errno, sizeof exec_errno) == sizeof exec_errno)
    r.error = command[0] + ": " + strerror(exec_errno);
  close(report[0]);
  // fds[2] feeds the input; shut for writing once it is all sent, so the command sees its end.
  pollfd fds[3] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}, {input ? in[0] : -1, POLLOUT, 0}};
  size_t sent = 0;
  auto end_input = [&] {
    shutdown(fds[2].fd, SHUT_WR);
    close(fds[2].fd);
    fds[2].fd = -1;
  };
  if (input && input->empty()) end_input();
  std::string* bufs[2] = {&r.out, &r.err};
  // stderr keeps a byte past its bound too, so a caller can tell it was cut.
  size_t limits[2] = {max_output, std::min(max_output, max_error_output + 1)};
  int64_t until = monotonic_millis() + timeout_ms;
  int open_pipes = 2;
  // Until the command has closed its output and taken all its input (or stopped reading it):
  // one may close stdout and stderr and still read on.
  while (open_pipes > 0 || fds[2].fd >= 0) {
    int left = static_cast<int>(until - monotonic_millis());
    if (left <= 0) {
      r.timed_out = true;
      kill(-pid, SIGKILL);
      break;
    }
    if (poll(fds, 3, left) <= 0) continue;
    if (fds[2].fd >= 0 && (fds[2].revents & (POLLOUT | POLLHUP | POLLERR))) {
      ssize_t n = send(fds[2].fd, input->data() + sent, input->size() - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0) sent += static_cast<size_t>(n);
      if (sent == input->size() || (n < 0 && errno != EAGAIN && errno != EINTR)) end_input();
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      char chunk[8192];
      ssize_t n = read(fds[i].fd, chunk, sizeof chunk);
      if (n > 0) {
        if (bufs[i]->size() < limits[i]) bufs[i]->append(chunk, std::min(static_cast<size_t>(n), limits[i] - bufs[i]->size()));
      } else if (n == 0 || errno != EINTR) {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_pipes;
      }
    }
  }
  for (auto& f : fds)
    if (f.fd >= 0) close(f.fd);
  int status = 0;
  // A command that closed its output but lingers is still bounded by the timeout.
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (monotonic_millis() >= until) {
      r.timed_out = true;
      kill(-pid, SIGKILL);
      waitpid(pid, &status, 0);
      break;
    }
    usleep(1000);
  }
  r.exit_code = WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
  if (!r.error.empty()) r.exit_code = -1;
  return r;
}

exit_record read_exit_record(const std::string& exit_file) {
  std::ifstream in(exit_file);
  std::string how;
  exit_record r;
  if (!(in >> how)) return r;
  if (how == "exit" || how == "signal") {
    in >> r.code;
    r.how = how == "exit" ? exit_record::kind::exited : exit_record::kind::signaled;
  } else if (how == "error") {
    std::getline(in, r.message);
    if (!r.message.empty() && r.message[0] == ' ') r.message.erase(0, 1);
    r.how = exit_record::kind::failed;
  }
  return r;
}

namespace {

// /proc/PID/stat's fields from the third (state) on: the command before them, in parentheses,
// may hold spaces. Nothing when the process is gone (it may end while it is read).
std::optional<std::vector<std::string>> stat_fields(pid_t pid) {
  auto stat = read_file_if_readable("/proc/" + std::to_string(pid) + "/stat");
  auto close = stat ? stat->rfind(')') : std::string::npos;
  if (close == std::string::npos || close + 2 > stat->size()) return std::nullopt;
  std::istringstream in(stat->substr(close + 2));
  std::vector<std::string> fields;
  for (std::string field; in >> field;) fields.push_back(field);
  return fields;
}

}  // namespace

std::optional<uint64_t> process_start_time(pid_t pid) {
  auto fields = stat_fields(pid);
  if (!fields || fields->size() < 20) return std::nullopt;
  return std::stoull((*fields)[19]);  // field 22, starttime
}

std::optional<process_context> process_context_of(pid_t pid, pid_t parent) {
  if (pid <= 0) return std::nullopt;
  auto fields = stat_fields(pid);  // field 4 is the parent's pid
  if (!fields || fields->size() < 2 || parse_int((*fields)[1]) != std::optional<int64_t>(parent))
    return std::nullopt;
  std::string proc = "/proc/" + std::to_string(pid);
  auto environ = read_file_if_readable(proc + "/environ");
  std::error_code ec;
  auto cwd = std::filesystem::read_symlink(proc + "/cwd", ec);
  if (!environ || ec) return std::nullopt;
  process_context out;
  for (size_t at = 0; at < environ->size();) {
    size_t end = environ->find('\0', at);
    if (end == std::string::npos) end = environ->size();
    if (end > at) out.env.push_back(environ->substr(at, end - at));
    at = end + 1;
  }
  out.workdir = cwd.string();
  return out;
}

}  // namespace troupe
