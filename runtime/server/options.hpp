#pragma once
// `troupe server` settings: flags, a config file, and their defaults.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "runtime/object/taints.hpp"

namespace troupe {

enum class log_level { error, warn, info, debug };

struct server_options {
  std::string data_dir;  ///< default: /var/lib/troupe as root, else ~/.local/share/troupe
  log_level level = log_level::info;
  std::string listen_host = "127.0.0.1";  ///< --listen HOST:PORT, the RPC API
  uint16_t listen_port = 6443;            ///< 0 picks a free port
  std::string client_config;  ///< where the client config is written (default_client_config)
  /// Events kept for watches to resume from; older starting revisions get Gone.
  uint64_t event_history = 100000;
  std::string cluster_host = "127.0.0.1";  ///< --cluster-listen HOST:PORT, where agents join
  uint16_t cluster_port = 6444;
  std::string cluster_cidr = "127.64.0.0/10";  ///< pod addresses, a /24 per node
  std::string service_cidr = "127.16.0.0/16";  ///< Services' cluster IPs
  std::string service_node_port_range = "30000-32767";
  bool disable_agent = false;    ///< run no node in the server's own process
  bool disable_scheduler = false;  ///< bind no pods (another scheduler does, or a benchmark)
  std::string node_name;         ///< the server's own node (default: the host name)
  std::string pod_manifest_path; ///< static pods for the server's own node
  std::string cgroup_root = "troupe";  ///< the server's own node's --cgroup-root
  /// The server's own node's --node-label, --node-taint (repeatable; lists in the config
  /// file) and --node-ip, as k3s server takes them.
  std::vector<std::pair<std::string, std::string>> node_labels;
  std::vector<taint_spec> node_taints;
  std::string node_ip = "127.0.0.1";
  /// kube-controller-manager's --node-monitor-grace-period: a node whose Lease is older than
  /// this goes Ready=Unknown, even while its link stays open.
  int64_t node_monitor_grace_ms = 40000;
};

/// Reads `--data-dir DIR`, `--listen HOST:PORT`, `--client-config FILE`, `--event-history N`,
/// `--node-monitor-grace-period D`, `--log-level L` and the rest of server_options' flags, and
/// `--config FILE` (a YAML map with the same keys
/// without dashes; flags win over the file). Throws api_error(bad_request) naming the flag or
/// key at fault.
server_options parse_server_options(const std::vector<std::string>& args);

/// `troupe server --help`: what it runs and its flags with their defaults.
std::string server_help();

/// `--flag value` and `--flag=value` pairs in order, the flag without its dashes; a flag in
/// `switches` may stand alone (then "true"). Throws api_error(bad_request) naming the argument,
/// and "unknown flag" for one neither in `valued` nor in `switches`.
std::vector<std::pair<std::string, std::string>> read_flags(const std::vector<std::string>& args,
                                                            const std::vector<std::string>& valued,
                                                            const std::vector<std::string>& switches = {});

/// error, warn, info or debug; throws api_error(bad_request) prefixed with `where`.
log_level parse_log_level(const std::string& text, const std::string& where);

/// The client config both the server (writing) and the CLI (reading) use by default:
/// $TROUPE_CONFIG, else ~/.troupe/config.
std::string default_client_config();

/// The client config file: where the API listens (the server writes it on start) and the
/// namespace the CLI works in when no -n is given (`troupe config set-context --current
/// --namespace=NS`), as a kubeconfig context holds both.
struct client_config {
  std::string server;  ///< HOST:PORT
  std::string ns;      ///< "" for "default"
};
/// Reads `path`; a file that is not there is an empty config. Throws api_error(bad_request)
/// naming the file and the key for one it cannot read.
client_config read_client_config(const std::string& path);
/// Writes `path` whole (a temporary file renamed over it, readable by its owner only), so a
/// reader never sees half of it. Throws api_error(bad_request) naming the file.
void write_client_config(const std::string& path, const client_config& config);

/// Where the server keeps its store when no --data-dir is given.
std::string default_data_dir();

}  // namespace troupe
