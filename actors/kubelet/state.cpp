#include "actors/kubelet/state.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace troupe::kubelet {

namespace fs = std::filesystem;

std::string pod_dir(const std::string& data_dir, const std::string& uid) { return data_dir + "/pods/" + uid; }

void save_pod_record(const std::string& data_dir, const pod_record& r) {
  auto dir = pod_dir(data_dir, r.uid);
  std::error_code ec;
  fs::create_directories(dir, ec);
  {
    std::ofstream out(dir + "/state.tmp", std::ios::trunc);
    out << "pod " << r.ns << " " << r.name << " " << (r.ip.empty() ? "-" : r.ip) << "\n";
    for (auto& c : r.containers)
      out << "container " << c.name << " " << c.init << " " << c.instance << " " << c.restart_count << " "
          << c.shim << " " << c.pid << " " << c.shim_start << " " << c.started_at << " " << c.exit_file << "\n";
  }
  fs::rename(dir + "/state.tmp", dir + "/state", ec);
}

std::optional<pod_record> load_pod_record(const std::string& data_dir, const std::string& uid) {
  std::ifstream in(fs::path(pod_dir(data_dir, uid)) / "state");
  pod_record r;
  r.uid = uid;
  for (std::string line; std::getline(in, line);) {
    std::istringstream f(line);
    std::string kind;
    f >> kind;
    if (kind == "pod") {
      f >> r.ns >> r.name >> r.ip;
      if (r.ip == "-") r.ip.clear();
    } else if (kind == "container") {
      container_record c;
      f >> c.name >> c.init >> c.instance >> c.restart_count >> c.shim >> c.pid >> c.shim_start >> c.started_at >>
          c.exit_file;
      r.containers.push_back(c);
    }
  }
  if (r.name.empty()) return std::nullopt;
  return r;
}

std::map<std::string, pod_record> load_pod_records(const std::string& data_dir) {
  std::map<std::string, pod_record> out;
  std::error_code ec;
  for (auto& entry : fs::directory_iterator(data_dir + "/pods", ec)) {
    auto uid = entry.path().filename().string();
    if (auto r = load_pod_record(data_dir, uid)) out[uid] = std::move(*r);
  }
  return out;
}

void forget_pod(const std::string& data_dir, const std::string& uid) {
  std::error_code ec;
  fs::remove_all(pod_dir(data_dir, uid), ec);
}

}  // namespace troupe::kubelet
