#pragma once
// This process's threads as /proc shows them (to top -H and perf), for tests of thread names.

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace troupe::testing {

inline std::vector<std::string> thread_names() {
  std::vector<std::string> names;
  for (auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    std::ifstream comm(task.path() / "comm");
    std::string name;
    if (std::getline(comm, name)) names.push_back(name);  // a thread may end meanwhile
  }
  return names;
}

inline bool has_thread(const std::string& name) {
  auto names = thread_names();
  return std::find(names.begin(), names.end(), name) != names.end();
}

}  // namespace troupe::testing
