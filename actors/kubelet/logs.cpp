#include "actors/kubelet/logs.hpp"

#include <unistd.h>

#include <deque>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "runtime/base/time.hpp"

namespace troupe::kubelet {
namespace {

namespace fs = std::filesystem;

struct cri_line {
  std::string_view time, stream, tag, text;
};

bool parse_line(std::string_view line, cri_line& out) {
  auto a = line.find(' ');
  if (a == std::string_view::npos) return false;
  auto b = line.find(' ', a + 1);
  if (b == std::string_view::npos) return false;
  auto c = line.find(' ', b + 1);
  if (c == std::string_view::npos) return false;
  out = {line.substr(0, a), line.substr(a + 1, b - a - 1), line.substr(b + 1, c - b - 1), line.substr(c + 1)};
  return true;
}

std::string render(const cri_line& l, bool timestamps) {
  std::string out = timestamps ? std::string(l.time) + " " : "";
  out += l.text;
  if (l.tag != "P") out += "\n";
  return out;
}

std::string slurp(const std::string& path, uint64_t from) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  in.seekg(static_cast<std::streamoff>(from));
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

std::string container_log_dir(const std::string& root, const std::string& ns, const std::string& pod,
                              const std::string& uid, const std::string& container) {
  return root + "/" + ns + "_" + pod + "_" + uid + "/" + container;
}

std::string container_log(const std::string& dir, int32_t restart) {
  return dir + "/" + std::to_string(restart) + ".log";
}

log_text read_log(const std::string& file, const log_query& q) {
  log_text out;
  std::error_code ec;
  auto size = fs::file_size(file, ec);
  if (ec) size = 0;
  uint64_t from = q.offset > size ? 0 : q.offset;  // truncated by rotation: start over
  std::string data;
  if (from == 0 && (q.tail >= 0 || q.since_unix_ms > 0))
    for (int i = 9; i >= 1; --i) data += slurp(file + "." + std::to_string(i), 0);
  std::string current = slurp(file, from);
  out.offset = from + current.size();
  data += current;
  std::deque<std::string> lines;
  std::istringstream in(data);
  for (std::string line; std::getline(in, line);) {
    cri_line l;
    if (!parse_line(line, l)) continue;
    if (q.since_unix_ms > 0) {
      auto t = parse_rfc3339_micro(l.time);
      if (t && *t / 1000 < q.since_unix_ms) continue;
    }
    lines.push_back(render(l, q.timestamps));
    if (q.tail >= 0 && static_cast<int64_t>(lines.size()) > q.tail) lines.pop_front();
  }
  for (auto& l : lines) out.text += l;
  return out;
}

void rotate_log(const std::string& file, int64_t max_bytes, int max_files) {
  std::error_code ec;
  auto size = fs::file_size(file, ec);
  if (ec || static_cast<int64_t>(size) <= max_bytes) return;
  for (int i = max_files - 1; i >= 1; --i) {
    auto from = i == 1 ? file : file + "." + std::to_string(i - 1);
    if (i == 1) {
      fs::copy_file(file, file + ".1", fs::copy_options::overwrite_existing, ec);
    } else {
      fs::rename(from, file + "." + std::to_string(i), ec);
    }
  }
  truncate(file.c_str(), 0);
}

}  // namespace troupe::kubelet
