#pragma once
// Container logs as the kubelet keeps them: one file per container instance,
// <root>/<ns>_<pod>_<uid>/<container>/<restart>.log, in the CRI format the shim writes
// (`<RFC 3339 time> <stream> <F|P> <text>`), rotated by size.

#include <cstdint>
#include <string>

namespace troupe::kubelet {

std::string container_log_dir(const std::string& root, const std::string& ns, const std::string& pod,
                              const std::string& uid, const std::string& container);
std::string container_log(const std::string& dir, int32_t restart);

struct log_query {
  int64_t tail = -1;           ///< last N lines; -1 all
  int64_t since_unix_ms = 0;   ///< only lines at or after; 0 all
  bool timestamps = false;     ///< keep the time in front of each line
  uint64_t offset = 0;         ///< start at this byte (follow)
};

struct log_text {
  std::string text;
  uint64_t offset = 0;  ///< the end of what was read
};

/// Reads `file` (and, for tail/since, its rotated predecessors `file.1` ...) as the user sees
/// it: the text of each line, optionally with its timestamp.
log_text read_log(const std::string& file, const log_query& query);

/// Rotates `file` once it is larger than `max_bytes`: file.1 .. file.<max_files-1> keep the
/// older text (copy, then truncate, so the shim's O_APPEND writes carry on).
void rotate_log(const std::string& file, int64_t max_bytes, int max_files);

}  // namespace troupe::kubelet
