#pragma once
// Runs the real `troupe` binary for a test: a `cluster` is a server on a free loopback port
// with its own data dir and client config; `troupe(...)` runs one CLI command against it and
// returns its exit code, stdout and stderr separately.

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "runtime/process/cgroup.hpp"
#include "test/harness/process.hpp"
#include "test/harness/temp_dir.hpp"

namespace troupe::testing {

struct cli_result {
  int code = -1;
  std::string out;
  std::string err;
};

inline std::string slurp(const std::string& path) {
  std::stringstream s;
  s << std::ifstream(path).rdbuf();
  return s.str();
}

/// Runs `binary args...` with `input` on stdin and the environment plus `env` ("K=V"), and
/// $TROUPE_CONFIG at `scratch`'s client-config unless `env` says otherwise; kills it after 60 s.
inline cli_result run_command(const std::vector<std::string>& argv, const std::string& input,
                              const std::vector<std::string>& env, const temp_dir& scratch) {
  static int serial = 0;
  auto base = scratch / ("cmd" + std::to_string(++serial));
  std::ofstream(base + ".in") << input;
  pid_t pid = fork();
  if (pid == 0) {
    int in = open((base + ".in").c_str(), O_RDONLY);
    int out = open((base + ".out").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int err = open((base + ".err").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(in, 0);
    dup2(out, 1);
    dup2(err, 2);
    // The scratch directory's client config (a cluster's own), never the user's: its
    // namespace would change what the command sees. `env` may name another.
    setenv("TROUPE_CONFIG", (scratch / "client-config").c_str(), 1);
    for (auto& e : env) putenv(const_cast<char*>(e.c_str()));
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  int status = 0;
  for (int waited = 0; waitpid(pid, &status, WNOHANG) == 0; ++waited) {
    if (waited > 6000) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      break;
    }
    usleep(10000);
  }
  cli_result r;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = slurp(base + ".out");
  r.err = slurp(base + ".err");
  return r;
}

/// Removes the parent group `name` (v2's, or v1's in the memory and cpu hierarchies) with the
/// groups under it. A group goes only once its processes have: killed containers take a moment
/// to leave, so this tries for up to 5 s.
inline void remove_cgroup_parent(const std::string& name) {
  namespace fs = std::filesystem;
  for (const char* hierarchy : {"/sys/fs/cgroup/", "/sys/fs/cgroup/memory/", "/sys/fs/cgroup/cpu/"}) {
    std::string parent = hierarchy + name;
    std::error_code ec;
    if (!fs::is_directory(parent, ec)) continue;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    for (;;) {
      for (fs::directory_iterator it(parent, ec), end; !ec && it != end; it.increment(ec))
        if (it->is_directory(ec)) rmdir(it->path().c_str());
      if (rmdir(parent.c_str()) == 0 || errno == ENOENT || std::chrono::steady_clock::now() > deadline) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
}

class cluster {
 public:
  ~cluster() {
    server_.reset();
    kill_processes_mentioning(dir_.path());
    // The groups of the containers just killed, under this cluster's own parent group: a sweep
    // of a shared parent removed the groups of another test's containers before they joined.
    remove_cgroup_parent(cgroup_root());
  }
  cluster(const cluster&) = delete;
  cluster& operator=(const cluster&) = delete;

  /// A server with no node of its own unless `extra` asks for one (the API tests need none).
  explicit cluster(std::vector<std::string> extra = {"--disable-agent"}) { start(std::move(extra)); }

  /// Starts (or restarts) the server on the same data dir; a restart gets new ports.
  void start(std::vector<std::string> extra = {"--disable-agent"}) {
    std::vector<std::string> argv = {TROUPE_BINARY, "server", "--data-dir", dir_ / "data",
                                     "--listen", "127.0.0.1:0", "--cluster-listen", "127.0.0.1:0",
                                     "--client-config", config(), "--cgroup-root", cgroup_root()};
    argv.insert(argv.end(), extra.begin(), extra.end());
    server_ = std::make_unique<child_process>(argv);
    if (!server_->wait_for_output("ready in"))
      throw std::runtime_error("troupe server did not start: " + server_->output());
    address_ = after(server_->output(), "API listening on ");
    cluster_address_ = after(server_->output(), "agents join at ");
    token_ = after(server_->output(), "--token ");
  }

  /// Where agents join, and the token they join with.
  const std::string& cluster_address() const { return cluster_address_; }
  /// Whether the server prints `text` (stdout or stderr) within `patience`.
  bool server_says(const std::string& text, std::chrono::milliseconds patience = std::chrono::seconds(10)) {
    return server_->wait_for_output(text, patience);
  }
  /// What the server has printed so far, as read by server_says.
  const std::string& server_output() const { return server_->output(); }
  const std::string& token() const { return token_; }
  /// The parent group of this cluster's containers' groups (--cgroup-root), its own.
  std::string cgroup_root() const { return std::filesystem::path(dir_.path()).filename().string(); }
  int stop(int sig = SIGTERM) { return server_->stop(sig); }

  const std::string& address() const { return address_; }
  std::string config() const { return dir_ / "client-config"; }
  const temp_dir& dir() const { return dir_; }
  child_process& server() { return *server_; }

  /// `troupe <args>` against this cluster (through --server, and with the cluster's own client
  /// config, never the user's).
  cli_result troupe(std::vector<std::string> args, const std::string& input = "") {
    // Before the arguments: after a `--` it would be part of exec's command.
    std::vector<std::string> argv = {TROUPE_BINARY, "--server=" + address_, "--client-config=" + config()};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_command(argv, input, {}, dir_);
  }
  /// A manifest written to a file in the cluster's directory; returns its path.
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(dir_ / name) << text;
    return dir_ / name;
  }

 private:
  // The word after `marker` in the server's output.
  static std::string after(const std::string& output, const std::string& marker) {
    auto at = output.find(marker);
    if (at == std::string::npos) return "";
    at += marker.size();
    return output.substr(at, output.find_first_of(";\n ", at) - at);
  }

  temp_dir dir_{"troupe-cli"};
  std::unique_ptr<child_process> server_;
  std::string address_, cluster_address_, token_;
};

/// The lines of `text`, without their newlines.
inline std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream s(text);
  for (std::string line; std::getline(s, line);) out.push_back(line);
  return out;
}

/// What the store holds, in one string: every object of every kind a CLI test touches (with
/// resourceVersions, so any write shows).
inline std::string everything(cluster& c) {
  std::string all;
  for (const char* kind :
       {"namespaces", "pods", "deployments", "services", "configmaps", "secrets"})
    all += c.troupe({"get", kind, "-A", "-o", "yaml"}).out;
  return all;
}

}  // namespace troupe::testing
