#pragma once
// `troupe agent`: a node process. It connects to the server's cluster port over CAF's network
// layer, joins with a token, and runs a node agent and a kubelet per node (one, or N hollow
// ones for scale tests). It reconnects by itself when the server goes away and comes back;
// pods keep running meanwhile. `troupe server` runs one in its own process the same way.

#include <caf/fwd.hpp>
#include <functional>
#include <iosfwd>
#include <string>
#include <utility>
#include <vector>

#include "runtime/object/taints.hpp"
#include "runtime/server/options.hpp"

namespace troupe {

struct agent_options {
  std::string server;  ///< the server's cluster address, HOST:PORT
  std::string token;
  std::string name;      ///< node name (default: the host name)
  std::string data_dir;  ///< default: /var/lib/troupe-agent as root, else ~/.local/share/troupe-agent
  int hollow_nodes = 0;  ///< > 0: that many simulated nodes, named <name>-hollow-<i>
  /// The kubelet's --node-lease-duration-seconds: the Lease says it, and is renewed at 1/4.
  int node_lease_duration_seconds = 40;
  std::string pod_manifest_path;
  int64_t file_check_frequency_ms = 20000;  ///< --file-check-frequency: how often it is read
  /// The group the containers' groups go under, in each hierarchy: one name under its root
  /// (where the kubelet's --cgroup-root takes a path).
  std::string cgroup_root = "troupe";
  log_level level = log_level::info;
  /// --node-label KEY=VALUE (repeatable): labels the node registers with, as k3s' --node-label.
  std::vector<std::pair<std::string, std::string>> node_labels;
  /// --node-taint KEY[=VALUE]:EFFECT (repeatable): taints a new Node registers with.
  std::vector<taint_spec> node_taints;
  /// --node-ip: the node's InternalIP and its pods' hostIP (default 127.0.0.1).
  std::string node_ip = "127.0.0.1";
  /// Called when the server refuses the agent for good (a wrong token, its name taken by
  /// another agent): `troupe agent` then exits non-zero instead of idling.
  std::function<void()> on_refused;
};

/// The agent's id kept in `data_dir` (made there on first use): what tells the agent restarted
/// from another agent with the same node name.
std::string agent_identity(const std::string& data_dir);

/// The host name, lower-cased: a node's name when none is given.
std::string default_node_name();

/// Reads `--server`, `--token`, `--name`, `--data-dir`, `--hollow-nodes`,
/// `--node-lease-duration-seconds`,
/// `--pod-manifest-path`, `--cgroup-root`, `--log-level`, `--node-label`, `--node-taint`,
/// `--node-ip`. Throws api_error(bad_request) naming the flag.
agent_options parse_agent_options(const std::vector<std::string>& args);

/// `troupe agent --help`: its flags with their defaults.
std::string agent_help();

/// Runs until SIGTERM/SIGINT; the process entry point.
int run_agent(agent_options options, std::ostream& out);

/// Spawns the agent's actors in `sys` (which must have the middleman loaded and the types
/// registered: add_agent_types). Returns the actors to send exit to on shutdown.
std::vector<caf::actor> start_agent(caf::actor_system& sys, const agent_options& options, std::ostream& out);

/// Every message type an agent exchanges with a server.
void add_agent_types(caf::actor_system_config& cfg);

}  // namespace troupe
