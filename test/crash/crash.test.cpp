// SIGKILLs a writer process at random moments, many times over, and checks after each kill
// that the store reopens and holds every write the writer saw acknowledged.

#include <catch2/catch.hpp>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <random>
#include <sstream>

#include "runtime/store/engine.hpp"
#include "test/harness/objects.hpp"
#include "test/harness/temp_dir.hpp"

using namespace troupe;
using namespace std::chrono;

namespace {

struct acked_write {
  uint64_t value = 0;
  uint64_t revision = 0;
};

class writer_process {
 public:
  writer_process(const std::string& dir, int run, int writers) {
    int fds[2];
    REQUIRE(pipe2(fds, O_CLOEXEC) == 0);
    pid_ = fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      dup2(fds[1], STDOUT_FILENO);
      auto run_text = std::to_string(run), writers_text = std::to_string(writers);
      execl(TROUPE_CRASH_WRITER, TROUPE_CRASH_WRITER, dir.c_str(), run_text.c_str(),
            writers_text.c_str(), nullptr);
      _exit(127);
    }
    close(fds[1]);
    out_ = fds[0];
  }
  ~writer_process() {
    kill_now();
    close(out_);
  }

  /// Reads acknowledgements for `how_long` (or until the writer dies).
  void read_for(milliseconds how_long, std::map<std::string, acked_write>& acked) {
    auto until = steady_clock::now() + how_long;
    while (steady_clock::now() < until) {
      pollfd p{out_, POLLIN, 0};
      auto left = duration_cast<milliseconds>(until - steady_clock::now()).count();
      if (poll(&p, 1, static_cast<int>(std::max<int64_t>(left, 0))) <= 0) continue;
      if (!drain(acked)) return;
    }
  }

  void kill_now() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
  }

  /// Everything left in the pipe after the kill: those writes were acknowledged too.
  void read_rest(std::map<std::string, acked_write>& acked) {
    while (drain(acked)) {
    }
  }

  size_t lines() const { return lines_; }

 private:
  bool drain(std::map<std::string, acked_write>& acked) {
    char chunk[65536];
    ssize_t n = read(out_, chunk, sizeof chunk);
    if (n <= 0) return false;
    partial_.append(chunk, static_cast<size_t>(n));
    size_t start = 0;
    for (size_t nl; (nl = partial_.find('\n', start)) != std::string::npos; start = nl + 1) {
      std::istringstream line(partial_.substr(start, nl - start));
      std::string key;
      acked_write w;
      line >> key >> w.value >> w.revision;
      auto& last = acked[key];
      if (w.revision > last.revision) last = w;
      ++lines_;
    }
    partial_.erase(0, start);
    return true;
  }

  pid_t pid_ = -1;
  int out_ = -1;
  std::string partial_;
  size_t lines_ = 0;
};

}  // namespace

TEST_CASE("no acknowledged write is lost when the writer is SIGKILLed", "[store][crash]") {
  troupe::testing::temp_dir dir;
  std::map<std::string, acked_write> acked;
  std::mt19937 random(20261123);
  constexpr int runs = 25;
  size_t total_acks = 0;
  for (int run = 0; run < runs; ++run) {
    writer_process writer(dir.path(), run, 16);
    // Let it get going, then kill it at a random moment.
    writer.read_for(milliseconds(60 + random() % 200), acked);
    writer.kill_now();
    writer.read_rest(acked);
    total_acks += writer.lines();
    INFO("run " << run << ": " << writer.lines() << " acknowledged writes");
    CHECK(writer.lines() > 0);

    // Reopening must succeed (the lock died with the process) and show every acked write.
    store::engine engine({dir.path()});
    auto snap = engine.read();
    size_t missing = 0;
    uint64_t highest = 0;
    for (auto& [key, w] : acked) {
      highest = std::max(highest, w.revision);
      auto stored = snap.get(key);
      if (!stored || stored->revision < w.revision ||
          std::stoull(troupe::testing::data_of(std::string(stored->object), "v")) < w.value) {
        UNSCOPED_INFO(key << " acked at revision " << w.revision << " value " << w.value
                          << " but stored " << (stored ? std::to_string(stored->revision)
                                                       : std::string("nothing")));
        ++missing;
      }
    }
    REQUIRE(missing == 0);
    CHECK(snap.revision() >= highest);
    // The log ends at the store's revision: no torn tail.
    uint64_t last_event = 0;
    snap.events_after(snap.horizon(), [&](const store::logged_event& ev) {
      last_event = ev.revision;
      return true;
    });
    CHECK(last_event == snap.revision());
  }
  CHECK(total_acks > runs * 16);
}
