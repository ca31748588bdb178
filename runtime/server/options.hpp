#pragma once
// `troupe server` settings: flags, a config file, and their defaults.

#include <string>
#include <vector>

namespace troupe {

enum class log_level { error, warn, info, debug };

struct server_options {
  std::string data_dir;  ///< default: /var/lib/troupe as root, else ~/.local/share/troupe
  log_level level = log_level::info;
};

/// Reads `--data-dir DIR`, `--log-level L` and `--config FILE` (a YAML map with the same keys
/// without dashes; flags win over the file). Throws api_error(bad_request) naming the flag or
/// key at fault.
server_options parse_server_options(const std::vector<std::string>& args);

/// Where the server keeps its store when no --data-dir is given.
std::string default_data_dir();

}  // namespace troupe
