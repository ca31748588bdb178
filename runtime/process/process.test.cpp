// The shim, the launcher, the exit watcher and cgroups, with real processes.

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include "runtime/base/file.hpp"
#include "runtime/process/cgroup.hpp"
#include "runtime/process/exit_watcher.hpp"
#include "runtime/process/launcher.hpp"
#include "runtime/process/spawner.hpp"
#include "test/harness/temp_dir.hpp"

using namespace troupe;

namespace {

std::string slurp(const std::string& path) {
  std::stringstream s;
  s << std::ifstream(path).rdbuf();
  return s.str();
}

launch_spec spec_for(const troupe::testing::temp_dir& dir, std::vector<std::string> command) {
  launch_spec s;
  s.shim_binary = TROUPE_BINARY;
  s.command = std::move(command);
  s.env = {"PATH=/usr/bin:/bin", "GREETING=hello"};
  s.workdir = dir.path();
  s.log_file = dir / "c.log";
  s.exit_file = dir / "exit";
  return s;
}

template <class P>
bool eventually(P p) {
  for (int i = 0; i < 1000 && !p(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  return p();
}

// Waits for a started container's shim to end, and reads how the container ended. A shim
// forked by a spawner is reaped as it ends: it may be gone before it is watched.
exit_record wait_for_end(const launched& started, const std::string& exit_file) {
  exit_watcher watcher;
  std::atomic<bool> ended{false};
  if (!watcher.watch(started.shim, [&] { ended = true; })) ended = true;
  REQUIRE(eventually([&] { return ended.load(); }));
  return read_exit_record(exit_file);
}

}  // namespace

TEST_CASE("a container runs under a shim that logs and records its exit", "[process]") {
  bool forked = GENERATE(false, true);  // the shim exec'd here, or forked by a shim spawner
  shim_spawner spawner(TROUPE_BINARY);
  troupe::testing::temp_dir dir;
  auto spec = spec_for(dir, {"sh", "-c", "echo $GREETING from $(pwd); echo oops >&2; printf partial; exit 3"});
  if (forked) spec.spawner = &spawner;
  auto started = launch(spec);
  CHECK((spawner.pid() > 0) == forked);
  REQUIRE(started.error.empty());
  REQUIRE(started.pid > 0);
  auto record = wait_for_end(started, dir / "exit");
  CHECK(record.how == exit_record::kind::exited);
  CHECK(record.code == 3);
  auto log = slurp(dir / "c.log");
  std::smatch m;
  REQUIRE(std::regex_search(log, m, std::regex(R"(^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z) stdout F (.*)\n)")));
  CHECK(m[2] == "hello from " + dir.path());
  CHECK_THAT(log, Catch::Contains(" stderr F oops\n"));
  CHECK_THAT(log, Catch::Contains(" stdout F partial\n"));
}

TEST_CASE("a command that cannot start is reported not hidden", "[process]") {
  bool forked = GENERATE(false, true);
  shim_spawner spawner(TROUPE_BINARY);
  troupe::testing::temp_dir dir;
  auto spec = spec_for(dir, {"no-such-command-xyz"});
  if (forked) spec.spawner = &spawner;
  auto started = launch(spec);
  CHECK(started.pid == -1);
  CHECK(started.error == "no-such-command-xyz: No such file or directory");
  CHECK(read_exit_record(dir / "exit").how == exit_record::kind::failed);
}

TEST_CASE("a container whose cgroup is gone or whose workdir is missing does not run", "[process]") {
  troupe::testing::temp_dir dir;
  // A group removed before the container joined it (as by a sweep of empty groups): running it
  // anyway would run it without its limits.
  auto spec = spec_for(dir, {"touch", dir / "ran"});
  spec.cgroup_procs = {dir / "gone/cgroup.procs"};
  auto started = launch(spec);
  CHECK(started.pid == -1);
  CHECK(started.error == "joining cgroup " + dir / "gone/cgroup.procs" + ": No such file or directory");
  CHECK(read_exit_record(dir / "exit").how == exit_record::kind::failed);
  spec = spec_for(dir, {"touch", dir / "ran"});
  spec.workdir = dir / "missing";
  started = launch(spec);
  CHECK(started.error == "chdir to cwd (\"" + dir / "missing" + "\"): No such file or directory");
  CHECK_FALSE(std::filesystem::exists(dir / "ran"));
}

TEST_CASE("a container killed by a signal seen after its shim is no longer ours", "[process]") {
  troupe::testing::temp_dir dir;
  auto started = launch(spec_for(dir, {"sleep", "30"}));
  REQUIRE(started.pid > 0);
  CHECK(process_start_time(started.pid).has_value());
  kill(-started.pid, SIGTERM);
  auto record = wait_for_end(started, dir / "exit");
  CHECK(record.how == exit_record::kind::signaled);
  CHECK(record.code == SIGTERM);
  CHECK_FALSE(exit_watcher().watch(999999, [] {}));
}

TEST_CASE("a process's start time is nothing once it has ended or when its file cannot be read", "[process]") {
  pid_t child = fork();
  if (child == 0) _exit(0);
  REQUIRE(child > 0);
  REQUIRE(waitpid(child, nullptr, 0) == child);
  CHECK_FALSE(process_start_time(child).has_value());
  // A read that fails after the open (ESRCH from /proc/PID/stat of a process ending meanwhile,
  // EISDIR here) throws from libstdc++'s stream buffer, even with exceptions off: the agent's
  // pod worker died of it. The reader used for /proc says "nothing" instead.
  troupe::testing::temp_dir dir;
  CHECK_FALSE(read_file_if_readable(dir.path()).has_value());
  CHECK_FALSE(read_file_if_readable(dir.path() + "/missing").has_value());
  std::ofstream(dir.path() + "/text") << "some bytes";
  CHECK(read_file_if_readable(dir.path() + "/text") == std::optional<std::string>("some bytes"));
  CHECK(process_start_time(getpid()).has_value());
}

TEST_CASE("a running process's environment and directory are read back from /proc", "[process]") {
  troupe::testing::temp_dir dir;
  int ready[2];
  REQUIRE(pipe(ready) == 0);
  pid_t child = fork();
  if (child == 0) {
    close(ready[0]);
    fcntl(ready[1], F_SETFD, FD_CLOEXEC);  // closed by the exec: the parent then reads its end
    if (chdir(dir.path().c_str()) != 0) _exit(1);
    char a[] = "A=1", b[] = "EMPTY=", sleep[] = "sleep", seconds[] = "30";
    char* env[] = {a, b, nullptr};
    char* argv[] = {sleep, seconds, nullptr};
    execve("/bin/sleep", argv, env);
    _exit(127);
  }
  close(ready[1]);
  char byte;
  REQUIRE(read(ready[0], &byte, 1) == 0);  // the exec has happened
  close(ready[0]);
  CHECK_FALSE(process_context_of(child, getpid() + 1).has_value());  // not the parent named
  auto context = process_context_of(child, getpid());
  REQUIRE(context);
  CHECK(context->env == std::vector<std::string>{"A=1", "EMPTY="});
  CHECK(context->workdir == std::filesystem::canonical(dir.path()).string());
  kill(child, SIGKILL);
  REQUIRE(waitpid(child, nullptr, 0) == child);
  CHECK_FALSE(process_context_of(child, getpid()).has_value());
  CHECK_FALSE(process_context_of(-1, getpid()).has_value());
}

namespace {

pid_t parent_of(pid_t pid) {
  std::string stat = slurp("/proc/" + std::to_string(pid) + "/stat");
  std::istringstream fields(stat.substr(stat.rfind(')') + 2));
  std::string state;
  pid_t ppid = -1;
  fields >> state >> ppid;
  return ppid;
}

}  // namespace

TEST_CASE("a shim spawner forks shims from many threads and outlives none of them", "[process]") {
  troupe::testing::temp_dir dir;
  std::vector<launched> started(8);
  pid_t spawner_pid = -1;
  {
    shim_spawner spawner(TROUPE_BINARY);
    std::vector<std::thread> threads;
    for (size_t i = 0; i < started.size(); ++i)
      threads.emplace_back([&, i] {
        auto spec = spec_for(dir, {"sleep", "30"});
        spec.exit_file = dir / ("exit-" + std::to_string(i));
        spec.spawner = &spawner;
        started[i] = launch(spec);
      });
    for (auto& t : threads) t.join();
    spawner_pid = spawner.pid();
    REQUIRE(spawner_pid > 0);
    for (auto& s : started) {
      REQUIRE(s.pid > 0);
      CHECK(parent_of(s.shim) == spawner_pid);  // forked by it, not exec'd by us
      CHECK(parent_of(s.pid) == s.shim);
      // It shows its own command line, as an exec'd shim would.
      CHECK_THAT(slurp("/proc/" + std::to_string(s.shim) + "/cmdline"),
                 Catch::StartsWith(std::string(TROUPE_BINARY) + std::string("\0shim\0--log\0", 12) + dir.path()));
    }
    // A spawner that died is replaced on the next start.
    kill(spawner_pid, SIGKILL);
    waitpid(spawner_pid, nullptr, 0);
    auto again = launch([&] {
      auto spec = spec_for(dir, {"true"});
      spec.spawner = &spawner;
      return spec;
    }());
    CHECK(again.pid > 0);
    CHECK(spawner.pid() != spawner_pid);
    spawner_pid = spawner.pid();
  }
  // Closed, the spawner exits; its shims and containers run on.
  CHECK(kill(spawner_pid, 0) != 0);
  for (auto& s : started) {
    CHECK(kill(s.shim, 0) == 0);
    kill(-s.pid, SIGKILL);
  }
  exit_watcher watcher;
  std::atomic<int> ended{0};
  for (auto& s : started) watcher.watch(s.shim, [&] { ++ended; });
  CHECK(eventually([&] { return ended.load() == static_cast<int>(started.size()); }));
}

TEST_CASE("run_command captures output exit codes and timeouts", "[process]") {
  auto ok = run_command({"sh", "-c", "echo out; echo err >&2; exit 4"}, {"PATH=/usr/bin:/bin"}, "/", 5000);
  CHECK(ok.exit_code == 4);
  CHECK(ok.out == "out\n");
  CHECK(ok.err == "err\n");
  CHECK_FALSE(ok.timed_out);
  auto slow = run_command({"sleep", "10"}, {"PATH=/usr/bin:/bin"}, "/", 200);
  CHECK(slow.timed_out);
  auto missing = run_command({"no-such-command-xyz"}, {"PATH=/usr/bin:/bin"}, "/", 1000);
  CHECK(missing.exit_code == -1);
  CHECK(missing.error == "no-such-command-xyz: No such file or directory");
}

TEST_CASE("run_command gives a command its input then end of file", "[process]") {
  std::string input = "line one\nline two\n";
  auto counted = run_command({"wc", "-l"}, {"PATH=/usr/bin:/bin"}, "/", 5000, 1 << 20, &input);
  CHECK(counted.exit_code == 0);
  CHECK(counted.out == "2\n");
  // More than a socket buffer holds, so the input goes out as the command reads it.
  std::string big(4 << 20, 'x');
  auto copied = run_command({"wc", "-c"}, {"PATH=/usr/bin:/bin"}, "/", 10000, 1 << 20, &big);
  CHECK(copied.out == std::to_string(big.size()) + "\n");
  // A command that shuts its output first still gets all of it.
  troupe::testing::temp_dir dir;
  auto kept = run_command({"sh", "-c", "exec >" + dir / "kept" + " 2>&1; cat"}, {"PATH=/usr/bin:/bin"}, "/", 10000,
                          1 << 20, &big);
  CHECK(kept.exit_code == 0);
  CHECK(std::filesystem::file_size(dir / "kept") == big.size());
  // Standard error is kept to 1 MiB whatever the output's cap (it is for reading), and a byte
  // more, so a caller can tell it was cut.
  auto noisy = run_command({"sh", "-c", "head -c 3000000 /dev/zero >&2"}, {"PATH=/usr/bin:/bin"}, "/", 10000, 4 << 20);
  CHECK(noisy.err.size() == (size_t{1} << 20) + 1);
  // A command that reads none of it still ends, and this process is not killed by SIGPIPE.
  auto ignored = run_command({"true"}, {"PATH=/usr/bin:/bin"}, "/", 5000, 1 << 20, &big);
  CHECK(ignored.exit_code == 0);
  CHECK_FALSE(ignored.timed_out);
  std::string none;
  CHECK(run_command({"cat"}, {"PATH=/usr/bin:/bin"}, "/", 5000, 1 << 20, &none).out.empty());
  // Without input, stdin is /dev/null: cat ends at once.
  CHECK(run_command({"cat"}, {"PATH=/usr/bin:/bin"}, "/", 5000).exit_code == 0);
}

TEST_CASE("a memory limit kills the container and is counted as an OOM kill", "[process][cgroup]") {
  auto groups = cgroups::detect("/sys/fs/cgroup", "troupe-test");
  if (groups.layout() == cgroups::mode::none) {
    WARN("cgroups not available here: " << groups.describe());
    return;
  }
  troupe::testing::temp_dir dir;
  std::string name = "oom-" + std::to_string(getpid());
  auto spec = spec_for(dir, {"python3", "-c", "x = bytearray(200 * 1024 * 1024); print('survived')"});
  spec.cgroup_procs = groups.create(name, 32 * 1024 * 1024, 500);
  auto started = launch(spec);
  REQUIRE(started.pid > 0);
  auto record = wait_for_end(started, dir / "exit");
  CHECK(record.how == exit_record::kind::signaled);
  CHECK(record.code == SIGKILL);
  CHECK(groups.oom_kills(name) >= 1);
  groups.remove(name);
  // Nothing to enforce, no group: the container stays where the node's processes are.
  CHECK(groups.create(name, 0, 0).empty());
  CHECK_FALSE(std::filesystem::exists("/sys/fs/cgroup/memory/troupe-test/" + name));
  CHECK_FALSE(std::filesystem::exists("/sys/fs/cgroup/troupe-test/" + name));
  groups.remove_parent();
}

TEST_CASE("a group whose memory limit cannot be set is not used", "[process][cgroup]") {
  // A cgroup v2 layout in a directory: the files are plain files, so a limit is written unless
  // something stands in its way, as a controller that is not enabled leaves no memory.max.
  troupe::testing::temp_dir root;
  std::ofstream(root / "cgroup.controllers") << "memory cpu\n";
  auto groups = cgroups::detect(root.path(), "troupe");
  REQUIRE(groups.layout() == cgroups::mode::v2);
  auto procs = groups.create("limited", 64 * 1024 * 1024, 250);
  CHECK(procs == std::vector<std::string>{root / "troupe/limited/cgroup.procs"});
  CHECK(slurp(root / "troupe/limited/memory.max") == "67108864");
  CHECK(slurp(root / "troupe/limited/cpu.max") == "25000 100000");
  std::filesystem::create_directories(root / "troupe/blocked/memory.max");
  CHECK(groups.create("blocked", 64 * 1024 * 1024, 0).empty());
  // A cpu limit that does not take leaves the memory limit to the group.
  std::filesystem::create_directories(root / "troupe/cpu-blocked/cpu.max");
  CHECK(groups.create("cpu-blocked", 64 * 1024 * 1024, 250).size() == 1);
}

TEST_CASE("what a container leaves behind ends with it - background and setsid children", "[process]") {
  shim_spawner spawner(TROUPE_BINARY);
  troupe::testing::temp_dir dir;
  // A background child that outlives the main process, one in a session of its own, and one
  // that keeps the log pipe open: none may outlive the container.
  auto spec = spec_for(dir, {"sh", "-c",
                             "sleep 300 & echo $! > bg; setsid sh -c 'echo $$ > own; exec sleep 300' & "
                             "sh -c 'while :; do echo tick; sleep 0.1; done' & echo $! > ticker; "
                             "sleep 0.3; echo main done"});
  spec.spawner = &spawner;
  auto started = launch(spec);
  REQUIRE(started.error.empty());
  auto record = wait_for_end(started, dir / "exit");
  CHECK(record.how == exit_record::kind::exited);
  CHECK(record.code == 0);
  for (const char* file : {"bg", "own", "ticker"}) {
    INFO(file);
    pid_t pid = static_cast<pid_t>(std::stol(slurp(dir / file)));
    CHECK(kill(pid, 0) != 0);  // gone (and reaped: not even a zombie)
  }
  CHECK_THAT(slurp(dir / "c.log"), Catch::Contains(" stdout F main done\n") && Catch::Contains(" stdout F tick\n"));
}
