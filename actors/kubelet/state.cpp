#include "actors/kubelet/state.hpp"

#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace troupe::kubelet {

namespace fs = std::filesystem;

namespace {

// Whole file, then rename: a reader finds the old text or the new, never part of one (a write
// that fails, on a full disk, leaves the old). Not synced: what it records (processes) does not
// outlive the machine.
void replace_file(const std::string& path, const std::string& text) {
  bool written;
  {
    std::ofstream out(path + ".tmp", std::ios::trunc);
    out << text;
    out.flush();
    written = out.good();
  }
  std::error_code ec;
  if (written)
    fs::rename(path + ".tmp", path, ec);
  else
    fs::remove(path + ".tmp", ec);
}

std::string trace_file(const std::string& exit_file) {
  auto stem = exit_file.size() > 5 && exit_file.compare(exit_file.size() - 5, 5, ".exit") == 0
                  ? exit_file.substr(0, exit_file.size() - 5)
                  : exit_file;
  return stem + ".launched";
}

// An image or a path as one field of a record line ("-" when empty): '%', whitespace and a
// lone "-" percent-encoded; and back.
std::string field_of(const std::string& text) {
  if (text.empty()) return "-";
  if (text == "-") return "%2D";
  std::string out;
  for (char ch : text) {
    if (ch == '%' || std::isspace(static_cast<unsigned char>(ch))) {
      static const char hex[] = "0123456789ABCDEF";
      out += '%';
      out += hex[(static_cast<unsigned char>(ch) >> 4) & 15];
      out += hex[static_cast<unsigned char>(ch) & 15];
    } else {
      out += ch;
    }
  }
  return out;
}

std::string from_field(const std::string& field) {
  if (field == "-") return "";
  std::string out;
  for (size_t i = 0; i < field.size(); ++i) {
    if (field[i] == '%' && i + 2 < field.size() &&
        std::isxdigit(static_cast<unsigned char>(field[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(field[i + 2]))) {
      out += static_cast<char>(std::stoi(field.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += field[i];
    }
  }
  return out;
}

}  // namespace

std::string pod_dir(const std::string& data_dir, const std::string& uid) { return data_dir + "/pods/" + uid; }

void save_pod_record(const std::string& data_dir, const pod_record& r) {
  auto dir = pod_dir(data_dir, r.uid);
  std::error_code ec;
  fs::create_directories(dir, ec);
  std::ostringstream out;
  out << "pod " << r.ns << " " << r.name << " " << (r.ip.empty() ? "-" : r.ip) << "\n";
  for (auto& c : r.containers)
    out << "container " << c.name << " " << c.init << " " << c.instance << " " << c.restart_count
        << " " << c.shim << " " << c.pid << " " << c.shim_start << " " << c.started_at << " "
        << field_of(c.exit_file) << " " << field_of(c.image) << "\n";
  replace_file(dir + "/state", out.str());
}

void save_launch_trace(const std::string& exit_file, const launch_trace& trace) {
  std::ostringstream out;
  out << trace.shim << " " << trace.pid << " " << trace.shim_start << " " << trace.started_at << "\n";
  replace_file(trace_file(exit_file), out.str());
}

std::optional<launch_trace> load_launch_trace(const std::string& exit_file) {
  if (exit_file.empty()) return std::nullopt;
  std::ifstream in(trace_file(exit_file));
  launch_trace t;
  if (!(in >> t.shim >> t.pid >> t.shim_start >> t.started_at) || t.shim <= 0) return std::nullopt;
  return t;
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
      std::string image;  // a record from before images were kept has none
      f >> c.name >> c.init >> c.instance >> c.restart_count >> c.shim >> c.pid >> c.shim_start >>
          c.started_at >> c.exit_file >> image;
      c.exit_file = from_field(c.exit_file);
      c.image = from_field(image);
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
