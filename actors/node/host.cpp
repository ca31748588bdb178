// What the node agent reads from the host, and the pressure conditions it derives.

#include <sys/statvfs.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <dirent.h>
#include <fstream>
#include <sstream>

#include "actors/node/node.hpp"

namespace troupe {
namespace {

int64_t meminfo(const char* key) {
  std::ifstream in("/proc/meminfo");
  std::string k;
  int64_t kb = 0;
  std::string unit;
  while (in >> k >> kb >> unit)
    if (k == key) return kb * 1024;
  return 0;
}

std::string os_image() {
  std::ifstream in("/etc/os-release");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("PRETTY_NAME=", 0) == 0) {
      auto v = line.substr(12);
      if (v.size() >= 2 && v.front() == '"') v = v.substr(1, v.size() - 2);
      return v;
    }
  return "Linux";
}

int64_t count_pids() {
  int64_t n = 0;
  if (DIR* d = opendir("/proc")) {
    while (auto* e = readdir(d)) n += e->d_name[0] >= '1' && e->d_name[0] <= '9';
    closedir(d);
  }
  return n;
}

}  // namespace

host_facts read_host_facts() {
  host_facts f;
  f.milli_cpu = sysconf(_SC_NPROCESSORS_ONLN) * 1000;
  f.memory = meminfo("MemTotal:");
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  f.hostname = host;
  utsname u{};
  uname(&u);
  f.kernel = u.release;
  std::string machine = u.machine;
  f.arch = machine == "x86_64" ? "amd64" : machine == "aarch64" ? "arm64" : machine;
  f.os_image = os_image();
  auto first_line = [](const char* path) {
    std::string line;
    std::ifstream in(path);
    std::getline(in, line);
    return line;
  };
  f.machine_id = first_line("/etc/machine-id");
  f.system_uuid = first_line("/sys/class/dmi/id/product_uuid");
  f.boot_id = first_line("/proc/sys/kernel/random/boot_id");
  return f;
}

host_pressure read_host_pressure(const std::string& data_dir) {
  host_pressure p;
  p.memory_available = meminfo("MemAvailable:");
  struct statvfs fs {};
  if (statvfs(data_dir.c_str(), &fs) == 0 && fs.f_blocks > 0)
    p.disk_free_fraction = static_cast<double>(fs.f_bavail) / static_cast<double>(fs.f_blocks);
  std::ifstream max("/proc/sys/kernel/pid_max");
  max >> p.pid_max;
  p.pids = count_pids();
  return p;
}

std::vector<node_condition> node_conditions(const host_pressure& p, const std::string& limits_note) {
  bool memory = p.memory_available < 100 * 1024 * 1024;
  bool disk = p.disk_free_fraction < 0.10;
  bool pids = p.pid_max > 0 && p.pids * 10 > p.pid_max * 9;
  std::string ready_message = "kubelet is posting ready status";
  if (!limits_note.empty()) ready_message += "; container limits: " + limits_note;
  return {
      {"MemoryPressure", memory ? "True" : "False",
       memory ? "KubeletHasInsufficientMemory" : "KubeletHasSufficientMemory",
       memory ? "kubelet has insufficient memory available" : "kubelet has sufficient memory available"},
      {"DiskPressure", disk ? "True" : "False", disk ? "KubeletHasDiskPressure" : "KubeletHasNoDiskPressure",
       disk ? "kubelet has disk pressure" : "kubelet has no disk pressure"},
      {"PIDPressure", pids ? "True" : "False", pids ? "KubeletHasInsufficientPID" : "KubeletHasSufficientPID",
       pids ? "kubelet has insufficient PID available" : "kubelet has sufficient PID available"},
      {"Ready", "True", "KubeletReady", ready_message},
  };
}

}  // namespace troupe
