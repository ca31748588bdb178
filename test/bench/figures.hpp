#pragma once
// What every benchmark reports with: a monotonic clock, percentiles and fixed-point text.

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace troupe::bench {

inline int64_t now_ns() {
  using namespace std::chrono;
  return duration_cast<nanoseconds>(steady_clock::now().time_since_epoch()).count();
}

/// The p-quantile (0..1) of `v`; reorders it.
inline double percentile(std::vector<int64_t>& v, double p) {
  if (v.empty()) return 0;
  size_t i = std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())));
  std::nth_element(v.begin(), v.begin() + static_cast<ptrdiff_t>(i), v.end());
  return static_cast<double>(v[i]);
}

/// A process's resident memory in KiB (VmRSS), -1 when it is gone.
inline long rss_kb(int pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);)
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return -1;
}

/// Mean time of a synced 4 KiB write into a file under `dir`, in ms: what a durable commit
/// pays at least once. It varies a lot on a shared virtual disk (0.25 to 1 ms seen here), so
/// every figure that waits for the disk is printed beside it.
inline double disk_sync_write_ms(const std::string& dir, int writes = 200) {
  std::string path = dir + "/.sync-probe";
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_DSYNC, 0600);
  if (fd < 0) return -1;
  std::vector<char> page(4096, 'x');
  // Written once first so the timed writes overwrite blocks and measure no allocation.
  bool ok = ::pwrite(fd, page.data(), page.size(), 0) == static_cast<ssize_t>(page.size());
  int64_t started = now_ns();
  for (int i = 0; ok && i < writes; ++i)
    ok = ::pwrite(fd, page.data(), page.size(), 0) == static_cast<ssize_t>(page.size());
  double ms = static_cast<double>(now_ns() - started) / 1e6 / writes;
  ::close(fd);
  ::unlink(path.c_str());
  return ok ? ms : -1;
}

inline std::string fixed(double x, int digits = 3) {
  std::ostringstream out;
  out.setf(std::ios::fixed);
  out.precision(digits);
  out << x;
  return out.str();
}

}  // namespace troupe::bench
