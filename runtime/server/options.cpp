#include "runtime/server/options.hpp"

#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "runtime/base/error.hpp"
#include "runtime/base/file.hpp"
#include "runtime/base/text.hpp"
#include "runtime/base/time.hpp"
#include "runtime/object/cidr.hpp"
#include "runtime/object/validation.hpp"
#include "runtime/process/cgroup.hpp"

namespace troupe {

log_level parse_log_level(const std::string& text, const std::string& where) {
  static const std::map<std::string, log_level> levels = {
      {"error", log_level::error}, {"warn", log_level::warn},
      {"info", log_level::info},   {"debug", log_level::debug}};
  auto i = levels.find(text);
  TROUPE_REQUIRE(i != levels.end(), api_errc::bad_request,
                 where + ": unknown log level " + quote(text) +
                     " (choose error, warn, info or debug)");
  return i->second;
}

namespace {

// Applies one setting; `where` names it in errors ("--data-dir", "troupe.yaml: data-dir").
void apply(server_options& out, const std::string& key, const std::string& value,
           const std::string& where) {
  if (key == "data-dir") {
    TROUPE_REQUIRE(!value.empty(), api_errc::bad_request, where + ": must not be empty");
    out.data_dir = value;
  } else if (key == "listen") {
    auto [host, port] = parse_host_port(value, where);
    out.listen_host = host;
    out.listen_port = port;
  } else if (key == "client-config") {
    TROUPE_REQUIRE(!value.empty(), api_errc::bad_request, where + ": must not be empty");
    out.client_config = value;
  } else if (key == "event-history") {
    auto n = parse_int(value);
    TROUPE_REQUIRE(n && *n > 0, api_errc::bad_request,
                   where + ": expected a positive number of events, got " + quote(value));
    out.event_history = static_cast<uint64_t>(*n);
  } else if (key == "cluster-listen") {
    auto [host, port] = parse_host_port(value, where);
    out.cluster_host = host;
    out.cluster_port = port;
  } else if (key == "cluster-cidr") {
    // Checked here, not first where the cluster actor reads it: a server that started anyway
    // would say it was ready and never run a pod.
    auto range = parse_cidr(value);
    TROUPE_REQUIRE(range && range->prefix <= 24, api_errc::bad_request,
                   where + ": " + quote(value) + " is not an IPv4 range of /24 or larger, like 127.64.0.0/10");
    out.cluster_cidr = value;
  } else if (key == "service-cidr") {
    TROUPE_REQUIRE(parse_cidr(value), api_errc::bad_request,
                   where + ": " + quote(value) + " is not an IPv4 CIDR like 127.16.0.0/16");
    out.service_cidr = value;
  } else if (key == "service-node-port-range") {
    out.service_node_port_range = value;
  } else if (key == "disable-agent" || key == "disable-scheduler") {
    TROUPE_REQUIRE(value == "true" || value == "false", api_errc::bad_request,
                   where + ": expected true or false, got " + quote(value));
    (key == "disable-agent" ? out.disable_agent : out.disable_scheduler) = value == "true";
  } else if (key == "node-name") {
    out.node_name = value;
  } else if (key == "node-label") {
    out.node_labels.push_back(parse_node_label_flag(value, where));
  } else if (key == "node-taint") {
    add_node_taint_flag(out.node_taints, value, where);
  } else if (key == "node-ip") {
    out.node_ip = parse_node_ip_flag(value, where);
  } else if (key == "pod-manifest-path") {
    out.pod_manifest_path = value;
  } else if (key == "cgroup-root") {
    cgroups::check_parent_name(value, where);
    out.cgroup_root = value;
  } else if (key == "node-monitor-grace-period") {
    auto ms = parse_duration_ms(value);
    TROUPE_REQUIRE(ms && *ms >= 1000, api_errc::bad_request,
                   where + ": expected a duration of at least 1s such as 40s, got " + quote(value));
    out.node_monitor_grace_ms = *ms;
  } else if (key == "log-level") {
    out.level = parse_log_level(value, where);
  } else {
    throw api_error(api_errc::bad_request, where + ": unknown setting");
  }
}

void apply_config_file(server_options& out, const std::string& path) {
  std::error_code ec;
  auto status = std::filesystem::status(path, ec);
  TROUPE_REQUIRE(status.type() != std::filesystem::file_type::not_found, api_errc::bad_request,
                 "--config " + path + ": no such file");
  TROUPE_REQUIRE(!std::filesystem::is_directory(status), api_errc::bad_request,
                 "--config " + path + ": is a directory, not a YAML file");
  std::ifstream file(path);
  TROUPE_REQUIRE(file.good(), api_errc::bad_request, "--config " + path + ": " + std::strerror(errno));
  std::stringstream text;
  text << file.rdbuf();
  YAML::Node root;
  try {
    root = YAML::Load(text.str());
  } catch (const YAML::Exception& e) {
    throw api_error(api_errc::bad_request, "--config " + path + ": " + e.what());
  }
  if (root.IsNull()) return;
  TROUPE_REQUIRE(root.IsMap(), api_errc::bad_request,
                 "--config " + path + ": expected a map of settings");
  for (const auto& entry : root) {
    auto key = entry.first.as<std::string>();
    std::string where = path + ": " + key;
    if (entry.second.IsSequence() && (key == "node-label" || key == "node-taint")) {
      for (const auto& item : entry.second) {
        TROUPE_REQUIRE(item.IsScalar(), api_errc::bad_request,
                       where + ": expected a list of strings");
        apply(out, key, item.as<std::string>(), where);
      }
      continue;
    }
    TROUPE_REQUIRE(entry.second.IsScalar(), api_errc::bad_request, where + ": expected a string");
    apply(out, key, entry.second.as<std::string>(), where);
  }
}

}  // namespace

client_config read_client_config(const std::string& path) {
  client_config out;
  std::ifstream file(path);
  if (!file.good()) return out;
  std::stringstream text;
  text << file.rdbuf();
  YAML::Node root;
  try {
    root = YAML::Load(text.str());
  } catch (const YAML::Exception& e) {
    throw api_error(api_errc::bad_request, path + ": " + e.msg);
  }
  if (!root || root.IsNull()) return out;
  TROUPE_REQUIRE(root.IsMap(), api_errc::bad_request, path + ": expected a mapping of settings");
  for (auto entry : root) {
    auto key = entry.first.as<std::string>();
    if (entry.second.IsNull()) continue;  // `namespace:` with nothing: not set
    TROUPE_REQUIRE(entry.second.IsScalar(), api_errc::bad_request, path + ": " + key + ": expected a string");
    if (key == "server") out.server = entry.second.as<std::string>();
    else if (key == "namespace") out.ns = entry.second.as<std::string>();
    // What `troupe config view` prints, so its output reads back as a client config.
    else if (key == "current-context")
      TROUPE_REQUIRE(entry.second.as<std::string>() == "troupe", api_errc::bad_request,
                     path + ": current-context: the client config has one context, \"troupe\"");
    else throw api_error(api_errc::bad_request, path + ": unknown setting " + quote(key) + " (server, namespace, current-context)");
  }
  return out;
}

void write_client_config(const std::string& path, const client_config& config) {
  std::error_code ec;
  auto dir = std::filesystem::path(path).parent_path();
  if (!dir.empty()) std::filesystem::create_directories(dir, ec);
  TROUPE_REQUIRE(!ec, api_errc::bad_request, path + ": cannot create its directory: " + ec.message());
  // Values quoted, so none reads back as another YAML type ("null", "true", "1e3").
  std::string text = "# written by troupe server (server) and troupe config (namespace); read by the troupe CLI\n";
  if (!config.server.empty()) text += "server: " + quote(config.server) + "\n";
  if (!config.ns.empty()) text += "namespace: " + quote(config.ns) + "\n";
  // Owner-only from the start; a reader sees the old file or the new one.
  auto error = replace_file_durably(path, text, 0600);
  TROUPE_REQUIRE(error.empty(), api_errc::bad_request, path + ": cannot write it: " + error);
}

std::string default_client_config() {
  if (const char* path = std::getenv("TROUPE_CONFIG"); path && *path) return path;
  const char* home = std::getenv("HOME");
  return std::string(home && *home ? home : "/tmp") + "/.troupe/config";
}

std::string default_data_dir() {
  if (geteuid() == 0) return "/var/lib/troupe";
  const char* home = std::getenv("HOME");
  return std::string(home && *home ? home : "/tmp") + "/.local/share/troupe";
}

std::vector<std::pair<std::string, std::string>> read_flags(const std::vector<std::string>& args,
                                                            const std::vector<std::string>& valued,
                                                            const std::vector<std::string>& switches) {
  auto is = [](const std::vector<std::string>& names, const std::string& name) {
    return std::find(names.begin(), names.end(), name) != names.end();
  };
  std::vector<std::pair<std::string, std::string>> out;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string flag = args[i], value;
    auto eq = flag.find('=');
    TROUPE_REQUIRE(starts_with(flag, "--"), api_errc::bad_request, "unexpected argument " + quote(flag));
    // Before its value is read: an unknown flag must not take the next argument with it.
    auto name = flag.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
    TROUPE_REQUIRE(is(valued, name) || is(switches, name), api_errc::bad_request, "unknown flag --" + name);
    if (eq != std::string::npos) {
      value = flag.substr(eq + 1);
      flag = flag.substr(0, eq);
    } else if (is(switches, name)) {
      value = "true";
    } else {
      TROUPE_REQUIRE(i + 1 < args.size(), api_errc::bad_request, flag + ": needs a value");
      value = args[++i];
    }
    out.emplace_back(flag.substr(2), value);
  }
  return out;
}

std::string server_help() {
  return "Run the troupe control plane: the API, the store, the scheduler and controllers, and\n"
         "(unless --disable-agent) a node of its own that runs pods.\n"
         "\n"
         "Usage:\n"
         "  troupe server [flags]\n"
         "\n"
         "Flags (also as keys without the dashes in a --config YAML file; flags win):\n"
         "  --listen HOST:PORT            the RPC API (default 127.0.0.1:6443; port 0 picks one)\n"
         "  --cluster-listen HOST:PORT    where agents join (default 127.0.0.1:6444)\n"
         "  --data-dir DIR                the store (default /var/lib/troupe as root, else\n"
         "                                ~/.local/share/troupe)\n"
         "  --client-config FILE          where the CLI's config is written (default\n"
         "                                $TROUPE_CONFIG, else ~/.troupe/config)\n"
         "  --config FILE                 read these settings from a YAML file\n"
         "  --log-level L                 error, warn, info (default) or debug\n"
         "  --event-history N             events kept for watches to resume from (default\n"
         "                                100000); older starting revisions get Gone\n"
         "  --cluster-cidr CIDR           pod addresses, a /24 per node (default 127.64.0.0/10)\n"
         "  --service-cidr CIDR           Services' cluster IPs (default 127.16.0.0/16)\n"
         "  --service-node-port-range A-B NodePorts (default 30000-32767)\n"
         "  --node-monitor-grace-period D a node whose Lease is older goes Ready=Unknown\n"
         "                                (default 40s)\n"
         "  --node-name NAME              the server's own node (default: the host name)\n"
         "  --node-label KEY=VALUE        a label of the server's own node (repeatable)\n"
         "  --node-taint KEY[=VALUE]:EFFECT  a taint the own node registers with (repeatable)\n"
         "  --node-ip IP                  the own node's InternalIP (default 127.0.0.1)\n"
         "  --pod-manifest-path DIR       static pods for the server's own node\n"
         "  --cgroup-root NAME            the cgroup the own node's pods go under (default "
         "troupe)\n"
         "  --disable-agent               run no node in the server's process\n"
         "  --disable-scheduler           bind no pods (another scheduler does)\n"
         "  -h, --help                    this help\n";
}

server_options parse_server_options(const std::vector<std::string>& args) {
  static const std::vector<std::string> valued = {"config",
                                                  "data-dir",
                                                  "log-level",
                                                  "listen",
                                                  "client-config",
                                                  "event-history",
                                                  "cluster-listen",
                                                  "cluster-cidr",
                                                  "node-name",
                                                  "node-label",
                                                  "node-taint",
                                                  "node-ip",
                                                  "pod-manifest-path",
                                                  "cgroup-root",
                                                  "node-monitor-grace-period",
                                                  "service-cidr",
                                                  "service-node-port-range"};
  std::vector<std::pair<std::string, std::string>> flags;
  std::string config;
  for (auto& [flag, value] : read_flags(args, valued, {"disable-agent", "disable-scheduler"})) {
    if (flag == "config")
      config = value;
    else
      flags.emplace_back(flag, value);
  }
  server_options out;
  if (!config.empty()) apply_config_file(out, config);
  // Flags win over the file: a list given as flags replaces the file's.
  auto given = [&](const char* flag) {
    return std::any_of(flags.begin(), flags.end(), [&](auto& f) { return f.first == flag; });
  };
  if (given("node-label")) out.node_labels.clear();
  if (given("node-taint")) out.node_taints.clear();
  for (auto& [flag, value] : flags) apply(out, flag, value, "--" + flag);
  if (out.data_dir.empty()) out.data_dir = default_data_dir();
  if (out.client_config.empty()) out.client_config = default_client_config();
  return out;
}

}  // namespace troupe
