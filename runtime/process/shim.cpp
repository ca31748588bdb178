#include "runtime/process/shim.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

#include "runtime/base/file.hpp"

namespace troupe {
namespace {

struct shim_options {
  std::string log, exit_file, workdir;
  std::vector<std::string> join;  ///< cgroup.procs files to write the container's pid into
  long long rlimit_as = 0;
  std::vector<std::string> command;
};

bool parse(const std::vector<std::string>& args, shim_options& o, std::string& error) {
  for (size_t i = 0; i < args.size(); ++i) {
    const auto& a = args[i];
    if (a == "--") {
      o.command.assign(args.begin() + static_cast<long>(i) + 1, args.end());
      break;
    }
    if (i + 1 >= args.size()) return error = a + ": needs a value", false;
    const auto& v = args[++i];
    if (a == "--log") o.log = v;
    else if (a == "--exit") o.exit_file = v;
    else if (a == "--workdir") o.workdir = v;
    else if (a == "--join") o.join.push_back(v);
    else if (a == "--rlimit-as") o.rlimit_as = std::stoll(v);
    else return error = "unknown flag " + a, false;
  }
  if (o.log.empty() || o.exit_file.empty() || o.command.empty())
    return error = "--log, --exit and a command are required", false;
  return true;
}

void write_all(int fd, const char* p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return;
    p += w;
    n -= static_cast<size_t>(w);
  }
}

void write_text(int fd, const std::string& s) { write_all(fd, s.data(), s.size()); }

std::string now_rfc3339_nano() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  tm t{};
  gmtime_r(&ts.tv_sec, &t);
  char buf[64];
  size_t n = strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &t);
  snprintf(buf + n, sizeof buf - n, ".%09ldZ", ts.tv_nsec);
  return buf;
}

// What the child reports when it cannot become the container: the step that failed and errno.
struct child_failure {
  enum step : int { exec, join, workdir } what;
  int error;
  int index;  ///< join: which of the cgroup files
};

[[noreturn]] void fail_child(int report, child_failure f) {
  (void)!write(report, &f, sizeof f);
  _exit(127);
}

// Between fork and exec. The shim has one thread, so nothing can hold malloc's lock across the
// fork, and building argv here is safe; the rest is open/write/close/dup2/chdir/setpgid.
[[noreturn]] void exec_child(const shim_options& o, int out, int err, int report) {
  setpgid(0, 0);
  // A container that cannot join its groups would run without its limits: it does not run.
  for (size_t i = 0; i < o.join.size(); ++i) {
    int fd = open(o.join[i].c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) fail_child(report, {child_failure::join, errno, static_cast<int>(i)});
    bool joined = write(fd, "0", 1) == 1;  // "0": the writing process itself
    int e = errno;
    close(fd);
    if (!joined) fail_child(report, {child_failure::join, e, static_cast<int>(i)});
  }
  if (o.rlimit_as > 0) {
    rlimit r{static_cast<rlim_t>(o.rlimit_as), static_cast<rlim_t>(o.rlimit_as)};
    setrlimit(RLIMIT_AS, &r);
  }
  int null = open("/dev/null", O_RDONLY);
  dup2(null, 0);
  dup2(out, 1);
  dup2(err, 2);
  if (!o.workdir.empty() && chdir(o.workdir.c_str()) != 0) fail_child(report, {child_failure::workdir, errno, 0});
  std::vector<char*> argv;
  for (auto& a : o.command) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  signal(SIGPIPE, SIG_DFL);
  execvp(argv[0], argv.data());
  fail_child(report, {child_failure::exec, errno, 0});
}

// Writes complete lines of `buf` as CRI log lines; keeps a partial tail unless `flush`.
void drain_lines(int log, const char* stream, std::string& buf, bool flush) {
  size_t start = 0;
  for (;;) {
    auto nl = buf.find('\n', start);
    if (nl == std::string::npos) break;
    write_text(log, now_rfc3339_nano() + " " + stream + " F " + buf.substr(start, nl - start + 1));
    start = nl + 1;
  }
  buf.erase(0, start);
  // A very long line, or the last one without a newline, goes out as a partial ("P") line.
  if (!buf.empty() && (flush || buf.size() > 16384)) {
    write_text(log, now_rfc3339_nano() + " " + stream + (flush ? " F " : " P ") + buf + "\n");
    buf.clear();
  }
}

// The processes whose parent is this shim. As a subreaper it inherits every process the
// container leaves behind (a background child, a double fork, a setsid), so these are what is
// left of the container once its main process has ended.
std::vector<pid_t> children_of_shim() {
  std::vector<pid_t> out;
  DIR* proc = opendir("/proc");
  if (!proc) return out;
  pid_t self = getpid();
  while (dirent* e = readdir(proc)) {
    char* end = nullptr;
    long pid = std::strtol(e->d_name, &end, 10);
    if (pid <= 0 || *end != '\0') continue;
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) continue;
    buf[n] = '\0';
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so after the last ')'.
    char* paren = strrchr(buf, ')');
    char state = 0;
    long ppid = 0;
    if (paren && sscanf(paren + 1, " %c %ld", &state, &ppid) == 2 && ppid == self)
      out.push_back(static_cast<pid_t>(pid));
  }
  closedir(proc);
  return out;
}

// When a container's main process ends, the rest of the container ends with it, as when a
// pod's PID 1 exits: everything it left behind is killed and reaped, round after round as the
// killed ones' own children come to the shim.
void end_leftovers() {
  for (int round = 0; round < 100; ++round) {
    auto left = children_of_shim();
    if (left.empty()) break;
    for (pid_t pid : left) kill(pid, SIGKILL);
    for (pid_t pid : left) waitpid(pid, nullptr, 0);
  }
  while (waitpid(-1, nullptr, WNOHANG) > 0) {
  }
}

void record_exit(const std::string& path, const std::string& text) {
  replace_file_durably(path, text, 0644);  // nothing to tell of a failure: the kubelet sees none
}

}  // namespace

int run_shim(const std::vector<std::string>& args) {
  shim_options o;
  std::string error;
  int handshake = fcntl(3, F_GETFD) >= 0 ? 3 : -1;
  if (handshake >= 0) fcntl(handshake, F_SETFD, FD_CLOEXEC);
  if (!parse(args, o, error)) {
    if (handshake >= 0) write_text(handshake, "error shim: " + error + "\n");
    return 127;
  }
  setsid();
  prctl(PR_SET_CHILD_SUBREAPER, 1);  // what the container leaves behind comes back to the shim
  signal(SIGPIPE, SIG_IGN);
  int out[2], err[2], report[2];
  if (pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC) || pipe2(report, O_CLOEXEC)) return 127;
  int log = open(o.log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  pid_t child = fork();
  if (child == 0) exec_child(o, out[1], err[1], report[1]);
  close(out[1]);
  close(err[1]);
  close(report[1]);
  child_failure why{};
  bool failed = child < 0 || read(report[0], &why, sizeof why) == sizeof why;
  close(report[0]);
  if (failed) {
    std::string message;
    if (child < 0)
      message = std::string("fork failed: ") + strerror(errno);
    else if (why.what == child_failure::join)
      message = "joining cgroup " + o.join[static_cast<size_t>(why.index)] + ": " + strerror(why.error);
    else if (why.what == child_failure::workdir)
      message = "chdir to cwd (\"" + o.workdir + "\"): " + strerror(why.error);
    else
      message = o.command[0] + ": " + strerror(why.error);
    // Recorded before the handshake says so: whoever reads the record next finds it there.
    record_exit(o.exit_file, "error " + message + "\n");
    if (handshake >= 0) write_text(handshake, "error " + message + "\n");
    if (child > 0) waitpid(child, nullptr, 0);
    return 127;
  }
  if (handshake >= 0) {
    write_text(handshake, "pid " + std::to_string(child) + " " + std::to_string(getpid()) + "\n");
    close(handshake);
  }
  std::string bufs[2];
  pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
  const char* names[2] = {"stdout", "stderr"};
  int open_pipes = 2;
  int status = 0;
  bool exited = false;
  timespec exited_at{};
  auto seconds_since_exit = [&] {
    timespec now{};
    clock_gettime(CLOCK_MONOTONIC, &now);
    return static_cast<double>(now.tv_sec - exited_at.tv_sec) + (now.tv_nsec - exited_at.tv_nsec) / 1e9;
  };
  bool rest_ended = false;
  while (open_pipes > 0) {
    // Processes the container left behind keep its pipes open: they get a second after it
    // exits to finish writing, then they are ended and the pipes read to their end.
    if (exited && !rest_ended && seconds_since_exit() >= 1) {
      end_leftovers();
      rest_ended = true;
    }
    int ready = poll(fds, 2, 200);
    if (ready == 0 && rest_ended) break;  // every writer is gone
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      char chunk[65536];
      ssize_t n = read(fds[i].fd, chunk, sizeof chunk);
      if (n > 0) {
        bufs[i].append(chunk, static_cast<size_t>(n));
        if (log >= 0) drain_lines(log, names[i], bufs[i], false);
      } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_pipes;
      }
    }
    // Reaps the main process, and the orphans that came to the shim and ended (they would
    // stay zombies until the container ends).
    for (int ended_status = 0;;) {
      pid_t ended = waitpid(-1, &ended_status, WNOHANG);
      if (ended <= 0) break;
      if (ended == child) {
        status = ended_status;
        exited = true;
        clock_gettime(CLOCK_MONOTONIC, &exited_at);
      }
    }
  }
  if (!exited) waitpid(child, &status, 0);
  end_leftovers();  // before the exit is recorded: a restart never meets the last run's rest
  for (int i = 0; i < 2; ++i)
    if (log >= 0) drain_lines(log, names[i], bufs[i], true);
  if (WIFSIGNALED(status)) {
    record_exit(o.exit_file, "signal " + std::to_string(WTERMSIG(status)) + "\n");
    return 128 + WTERMSIG(status);
  }
  record_exit(o.exit_file, "exit " + std::to_string(WEXITSTATUS(status)) + "\n");
  return WEXITSTATUS(status);
}

}  // namespace troupe
