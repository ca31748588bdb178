#include "runtime/cli/untar.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include <sys/stat.h>
#include <fstream>

#include "runtime/base/error.hpp"
#include "runtime/base/text.hpp"

namespace troupe::cli {
namespace {

constexpr size_t block = 512;

[[noreturn]] void corrupted() { throw api_error(api_errc::bad_request, "tar contents corrupted"); }

std::string field(const char* header, size_t offset, size_t size) {
  std::string_view f(header + offset, size);
  return std::string(f.substr(0, f.find('\0')));
}

uint64_t octal(const char* header, size_t offset, size_t size) {
  if (static_cast<unsigned char>(header[offset]) & 0x80) corrupted();  // base-256: past any 32 MiB archive
  uint64_t value = 0;
  bool digits = false;
  for (size_t i = offset; i < offset + size; ++i) {
    char c = header[i];
    if (c == ' ' && !digits) continue;
    if (c < '0' || c > '7') break;
    value = value * 8 + static_cast<uint64_t>(c - '0');
    digits = true;
  }
  return value;
}

bool checksum_ok(const char* header) {
  uint64_t expected = octal(header, 148, 8), unsigned_sum = 0;
  int64_t signed_sum = 0;
  for (size_t i = 0; i < block; ++i) {
    bool in_field = i >= 148 && i < 156;
    unsigned_sum += in_field ? ' ' : static_cast<unsigned char>(header[i]);
    signed_sum += in_field ? ' ' : static_cast<signed char>(header[i]);
  }
  return expected == unsigned_sum || static_cast<int64_t>(expected) == signed_sum;
}

// "LEN key=value\n" records of a pax header: the path and link path they set.
void read_pax(std::string_view records, std::string& path, std::string& link) {
  while (!records.empty()) {
    auto space = records.find(' ');
    if (space == std::string_view::npos) corrupted();
    size_t length = 0;
    for (char c : records.substr(0, space)) {
      if (c < '0' || c > '9') corrupted();
      length = length * 10 + static_cast<size_t>(c - '0');
    }
    if (length <= space + 1 || length > records.size()) corrupted();
    if (records[length - 1] != '\n') corrupted();
    auto record = records.substr(space + 1, length - space - 2);  // without the newline
    auto eq = record.find('=');
    if (eq == std::string_view::npos) corrupted();
    auto key = record.substr(0, eq), value = record.substr(eq + 1);
    // As Go's reader: a path holding NUL is no path (the system would end it there).
    if ((key == "path" || key == "linkpath") && value.find('\0') != std::string_view::npos) corrupted();
    if (key == "path") path = std::string(value);
    if (key == "linkpath") link = std::string(value);
    records.remove_prefix(length);
  }
}

}  // namespace

std::vector<tar_entry> read_tar(std::string_view archive) {
  std::vector<tar_entry> entries;
  std::string long_name, long_link;
  size_t at = 0;
  while (at + block <= archive.size()) {
    const char* header = archive.data() + at;
    if (std::all_of(header, header + block, [](char c) { return c == 0; })) break;  // the end
    if (!checksum_ok(header)) corrupted();
    uint64_t size = octal(header, 124, 12);
    size_t data_at = at + block;
    if (size > archive.size() - data_at) corrupted();
    std::string_view data(archive.data() + data_at, size);
    at = data_at + (size + block - 1) / block * block;
    char type = header[156];
    if (type == 'L' || type == 'K') {
      (type == 'L' ? long_name : long_link) = std::string(data.substr(0, data.find('\0')));
      continue;
    }
    if (type == 'x') {
      read_pax(data, long_name, long_link);
      continue;
    }
    if (type == 'g') continue;  // global pax values: nothing troupe uses
    tar_entry e;
    e.name = field(header, 0, 100);
    // ustar splits long names in two; GNU tar's own format uses that space otherwise.
    if (std::memcmp(header + 257, "ustar\0", 6) == 0) {
      auto prefix = field(header, 345, 155);
      if (!prefix.empty()) e.name = prefix + "/" + e.name;
    }
    if (!long_name.empty()) e.name = long_name;
    e.link = long_link.empty() ? field(header, 157, 100) : long_link;
    long_name.clear();
    long_link.clear();
    switch (type) {
      case '\0':  // the old format: a directory is a name ending in '/'
        if (!e.name.empty() && e.name.back() == '/') {
          e.type = tar_entry::kind::directory;
          break;
        }
        [[fallthrough]];
      case '0': case '7': e.type = tar_entry::kind::file; e.data = data; break;
      case '5': e.type = tar_entry::kind::directory; break;
      case '2': e.type = tar_entry::kind::symlink; break;
      case '1': e.type = tar_entry::kind::hardlink; break;
      default: e.type = tar_entry::kind::other; break;
    }
    entries.push_back(std::move(e));
  }
  return entries;
}

namespace {

// Each missing directory of `path` made with kubectl's mode (0755, less the umask).
void make_directories(const std::filesystem::path& path) {
  std::filesystem::path at;
  for (auto& part : path) {
    at /= part;
    if (::mkdir(at.c_str(), 0755) != 0 && errno != EEXIST)
      throw api_error(api_errc::bad_request, "cannot make directory " + at.string() + ": " + std::strerror(errno));
  }
}

}  // namespace

void unpack_under(const std::vector<tar_entry>& entries, const std::string& top, const std::string& dest,
                  const std::function<void(const std::string&)>& warn, const std::string& symlink_hint) {
  namespace fs = std::filesystem;
  bool told_of_symlinks = false;
  for (auto& e : entries) {
    std::string name = e.name;
    while (name.size() > 1 && name.back() == '/') name.pop_back();
    if (name != top && name.compare(0, top.size() + 1, top + "/") != 0) corrupted();
    // As kubectl: the rest of the name, cleaned, under the destination; what cleans to a
    // place outside it is skipped.
    auto rel = fs::path(name.substr(top.size())).relative_path().lexically_normal().string();
    while (!rel.empty() && rel.back() == '/') rel.pop_back();
    std::string target = rel.empty() || rel == "." ? dest : dest + "/" + rel;
    if (rel == ".." || rel.compare(0, 3, "../") == 0) {
      warn("warning: file " + quote(fs::path(target).lexically_normal().string()) +
           " is outside target destination, skipping");
      continue;
    }
    switch (e.type) {
      case tar_entry::kind::directory:
        make_directories(target);
        break;
      case tar_entry::kind::file: {
        make_directories(fs::path(target).parent_path());
        TROUPE_REQUIRE(!fs::is_directory(target), api_errc::bad_request, "open " + target + ": is a directory");
        std::ofstream out(target, std::ios::binary | std::ios::trunc);
        out.write(e.data.data(), static_cast<std::streamsize>(e.data.size()));
        out.close();  // a full disk may only show when the file is closed
        TROUPE_REQUIRE(!out.fail(), api_errc::bad_request, "cannot write " + target + ": " + std::strerror(errno));
        break;
      }
      case tar_entry::kind::symlink:
        // kubectl's words, with its hint on the first only.
        warn("warning: skipping symlink: " + quote(target) + " -> " + quote(e.link) + (told_of_symlinks ? "" : symlink_hint));
        told_of_symlinks = true;
        break;
      // kubectl would write these as empty files; troupe skips them and says so.
      case tar_entry::kind::hardlink: warn("warning: skipping hard link: " + quote(target) + " -> " + quote(e.link)); break;
      case tar_entry::kind::other: warn("warning: skipping special file: " + quote(target)); break;
    }
  }
}

}  // namespace troupe::cli
