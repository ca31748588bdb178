#include "runtime/process/cgroup.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "runtime/base/error.hpp"
#include "runtime/base/text.hpp"

namespace troupe {
namespace {

namespace fs = std::filesystem;

bool write_file(const std::string& path, const std::string& value) {
  std::ofstream out(path);
  out << value;
  out.flush();
  return out.good();
}

bool usable_dir(const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  return !ec && access(dir.c_str(), W_OK) == 0;
}

}  // namespace

void cgroups::check_parent_name(const std::string& parent, const std::string& where) {
  bool valid = !parent.empty() && parent != "." && parent != ".." && parent.size() <= 200 &&
               parent.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") ==
                   std::string::npos;
  TROUPE_REQUIRE(valid, api_errc::bad_request,
                 where + ": expected a cgroup name of at most 200 letters, digits, '.', '_' and '-', got " + quote(parent));
}

cgroups cgroups::detect(const std::string& root, const std::string& parent) {
  cgroups c;
  if (fs::exists(root + "/cgroup.controllers")) {
    // v2: controllers must be enabled for the children of every level we create.
    c.memory_dir_ = c.cpu_dir_ = root + "/" + parent;
    write_file(root + "/cgroup.subtree_control", "+memory +cpu");
    if (usable_dir(c.memory_dir_)) {
      write_file(c.memory_dir_ + "/cgroup.subtree_control", "+memory +cpu");
      c.mode_ = mode::v2;
      return c;
    }
    c.why_none_ = root + " is not writable";
  } else if (fs::exists(root + "/memory/memory.limit_in_bytes")) {
    c.memory_dir_ = root + "/memory/" + parent;
    c.cpu_dir_ = root + "/cpu/" + parent;
    if (usable_dir(c.memory_dir_) && usable_dir(c.cpu_dir_)) {
      c.mode_ = mode::v1;
      return c;
    }
    c.why_none_ = root + "/memory is not writable";
  } else {
    c.why_none_ = "no cgroup filesystem at " + root;
  }
  c.mode_ = mode::none;
  return c;
}

std::string cgroups::describe() const {
  switch (mode_) {
    case mode::v1: return "cgroup v1 (memory, cpu)";
    case mode::v2: return "cgroup v2 (memory, cpu)";
    case mode::none: break;
  }
  return "none (" + why_none_ + "): memory limits fall back to RLIMIT_AS, cpu limits are not enforced";
}

std::vector<std::string> cgroups::create(const std::string& name, int64_t memory_limit,
                                         int64_t milli_cpu_limit) const {
  if (mode_ == mode::none || (memory_limit <= 0 && milli_cpu_limit <= 0)) return {};
  std::string mem = memory_dir_ + "/" + name, cpu = cpu_dir_ + "/" + name;
  std::error_code ec;
  fs::create_directories(mem, ec);
  fs::create_directories(cpu, ec);
  // A group whose memory limit did not take (the controller not enabled for it, say) would hold
  // the container without limiting it: then there is no group, and the caller falls back to
  // RLIMIT_AS. A cpu limit that did not take is not enforced, as where there are no cgroups.
  bool limited = true;
  auto limit = [&](const std::string& file, const std::string& value) { limited = write_file(file, value) && limited; };
  if (mode_ == mode::v2) {
    if (memory_limit > 0) {
      limit(mem + "/memory.max", std::to_string(memory_limit));
      write_file(mem + "/memory.swap.max", "0");  // absent without swap accounting
    }
    if (milli_cpu_limit > 0) write_file(mem + "/cpu.max", std::to_string(milli_cpu_limit * 100) + " 100000");
    if (!limited) remove(name);
    return limited ? std::vector<std::string>{mem + "/cgroup.procs"} : std::vector<std::string>{};
  }
  if (memory_limit > 0) {
    limit(mem + "/memory.limit_in_bytes", std::to_string(memory_limit));
    write_file(mem + "/memory.memsw.limit_in_bytes", std::to_string(memory_limit));  // no swap, where supported
  }
  if (milli_cpu_limit > 0) {
    write_file(cpu + "/cpu.cfs_period_us", "100000");
    write_file(cpu + "/cpu.cfs_quota_us", std::to_string(milli_cpu_limit * 100));
  }
  if (!limited) remove(name);
  return limited ? std::vector<std::string>{mem + "/cgroup.procs", cpu + "/cgroup.procs"} : std::vector<std::string>{};
}

uint64_t cgroups::oom_kills(const std::string& name) const {
  if (mode_ == mode::none) return 0;
  std::ifstream in(memory_dir_ + "/" + name + (mode_ == mode::v2 ? "/memory.events" : "/memory.oom_control"));
  std::string key;
  uint64_t value = 0;
  while (in >> key >> value)
    if (key == "oom_kill") return value;
  return 0;
}

void cgroups::remove(const std::string& name) const {
  if (mode_ == mode::none) return;
  rmdir((memory_dir_ + "/" + name).c_str());
  if (cpu_dir_ != memory_dir_) rmdir((cpu_dir_ + "/" + name).c_str());
}

}  // namespace troupe

namespace troupe {

void cgroups::remove_all(const std::string& prefix) const {
  if (mode_ == mode::none) return;
  std::error_code ec;
  for (auto* dir : {&memory_dir_, &cpu_dir_}) {
    if (dir == &cpu_dir_ && cpu_dir_ == memory_dir_) break;
    for (auto& entry : std::filesystem::directory_iterator(*dir, ec))
      if (entry.is_directory() && entry.path().filename().string().rfind(prefix, 0) == 0)
        rmdir(entry.path().c_str());
  }
}

void cgroups::remove_parent() const {
  if (mode_ == mode::none) return;
  rmdir(memory_dir_.c_str());
  if (cpu_dir_ != memory_dir_) rmdir(cpu_dir_.c_str());
}

}  // namespace troupe
