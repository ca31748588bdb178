#include "runtime/agent/agent.hpp"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <set>

#include "actors/cluster/cluster.hpp"
#include "actors/cluster/token.hpp"
#include "actors/kubelet/kubelet.hpp"
#include "actors/node/node.hpp"
#include "runtime/base/error.hpp"
#include "runtime/base/file.hpp"
#include "runtime/base/text.hpp"
#include "runtime/base/time.hpp"
#include "runtime/caf/errors.hpp"
#include "runtime/caf/system_config.hpp"
#include "runtime/object/cidr.hpp"
#include "runtime/object/kinds.hpp"
#include "runtime/object/validation.hpp"
#include "runtime/process/cgroup.hpp"
#include "runtime/process/exit_watcher.hpp"
#include "runtime/process/spawner.hpp"

namespace troupe {
namespace {

using retry_atom = caf::atom_constant<caf::atom("retry")>;

struct agent_node {
  std::string name;
  node_actor node;
  kubelet_actor kubelet;
};

struct connector_state {
  std::string host;
  uint16_t port = 0;
  std::string token;
  std::vector<agent_node> nodes;
  cluster_actor cluster;
  std::set<std::string> joined;  // on the current connection
  std::string identity;
  std::function<void()> on_refused;
  bool retry_scheduled = false;
  std::ostream* out = nullptr;
  bool verbose = true;
  bool warned = false;
  static inline const char* name = "agent";
};

std::string self_binary() {
  std::error_code ec;
  auto p = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? "troupe" : p.string();
}

// Joins every node not yet joined through the cluster actor; on a refused token it says so
// and stops.
void join_all(caf::stateful_actor<connector_state>* self) {
  for (auto& n : self->state.nodes) {
    if (self->state.joined.count(n.name)) continue;
    join_request req{self->state.token, n.name, n.kubelet, self->state.identity};
    self->request(self->state.cluster, std::chrono::seconds(60), join_atom::value, req)
        .then(
            [=](join_reply& reply) {
              self->state.joined.insert(n.name);
              for (auto& m : self->state.nodes)
                if (m.name == n.name) {
                  self->send(m.node, connected_atom::value, reply.api, reply.store, reply.pod_cidr);
                  self->send(m.kubelet, connected_atom::value, reply.api, reply.store, reply.pod_cidr);
                }
              if (self->state.verbose && self->state.nodes.size() <= 3)
                *self->state.out << "troupe agent: node " << n.name << " joined (pods from " << reply.pod_cidr
                                 << ")\n" << std::flush;
            },
            [=](caf::error& e) {
              auto error = to_api_error(e);
              // A wrong token or a name another agent holds does not get better by itself.
              bool refused = error.code() == api_errc::unauthorized ||
                             error.code() == api_errc::already_exists;
              if (refused || !self->state.retry_scheduled)  // once per round, not once per node
                *self->state.out << "troupe agent: node " << n.name << " could not join: " << error.message()
                                 << (refused ? "\n" : "; retrying\n") << std::flush;
              if (refused && self->state.on_refused) self->state.on_refused();
              if (!refused && !std::exchange(self->state.retry_scheduled, true))
                self->delayed_send(self, std::chrono::seconds(1), retry_atom::value);
            });
  }
}

void connect(caf::stateful_actor<connector_state>* self) {
  auto mm = self->system().middleman().actor_handle();
  self->request(mm, std::chrono::seconds(5), caf::connect_atom::value, self->state.host, self->state.port)
      .then(
          [=](const caf::node_id&, caf::strong_actor_ptr& ptr, const std::set<std::string>&) {
            if (!ptr) return void(self->delayed_send(self, std::chrono::seconds(1), retry_atom::value));
            self->state.cluster = caf::actor_cast<cluster_actor>(std::move(ptr));
            self->state.warned = false;
            self->monitor(self->state.cluster);
            join_all(self);
          },
          [=](caf::error&) {
            if (!self->state.warned)
              *self->state.out << "troupe agent: cannot reach the server at " << self->state.host << ":"
                               << self->state.port << "; retrying\n" << std::flush;
            self->state.warned = true;
            self->delayed_send(self, std::chrono::seconds(1), retry_atom::value);
          });
}

caf::behavior connector(caf::stateful_actor<connector_state>* self, connector_state init) {
  self->state = std::move(init);
  self->set_down_handler([=](caf::down_msg& msg) {
    if (msg.source != self->state.cluster.address()) return;
    *self->state.out << "troupe agent: lost the server; reconnecting\n" << std::flush;
    self->state.cluster = nullptr;
    self->state.joined.clear();
    self->delayed_send(self, std::chrono::seconds(1), retry_atom::value);
  });
  self->set_exit_handler([=](caf::exit_msg& msg) {
    for (auto& n : self->state.nodes) {
      caf::anon_send_exit(n.node, caf::exit_reason::user_shutdown);
      caf::anon_send_exit(n.kubelet, caf::exit_reason::user_shutdown);
    }
    self->quit(msg.reason);
  });
  connect(self);
  return {[=](retry_atom) {
    self->state.retry_scheduled = false;
    if (!self->state.cluster) connect(self);
    else join_all(self);
  }};
}

host_facts hollow_facts(const std::string& name) {
  host_facts f;
  f.milli_cpu = 4000;
  f.memory = int64_t{16} << 30;
  f.hostname = name;
  f.kernel = "hollow";
  f.os_image = "troupe hollow node";
  f.limits_note = "hollow node: nothing runs";
  return f;
}

}  // namespace

std::string default_node_name() {
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  return to_lower(host);
}

std::string agent_help() {
  return "Join a troupe server as a node: run its pods, report their status, renew its Lease.\n"
         "\n"
         "Usage:\n"
         "  troupe agent --server HOST:PORT --token TOKEN [flags]\n"
         "\n"
         "Flags:\n"
         "  --server HOST:PORT                 the server's cluster address (its "
         "--cluster-listen)\n"
         "  --token TOKEN                      a join token (`troupe token create` makes one)\n"
         "  --name NAME                        the node's name (default: the host name)\n"
         "  --data-dir DIR                     the node's state (default /var/lib/troupe-agent as\n"
         "                                     root, else ~/.local/share/troupe-agent)\n"
         "  --pod-manifest-path DIR            static pods: manifests the node runs by itself\n"
         "  --file-check-frequency DURATION    how often those are read again (default 20s)\n"
         "  --cgroup-root NAME                 the cgroup its pods go under (default troupe)\n"
         "  --node-lease-duration-seconds N    the Lease's duration, renewed at a quarter of it\n"
         "                                     (default 40)\n"
         "  --hollow-nodes N                   N simulated nodes that run nothing, for scale "
         "tests\n"
         "  --node-label KEY=VALUE             a label the node registers with (repeatable)\n"
         "  --node-taint KEY[=VALUE]:EFFECT    a taint a new Node registers with (repeatable)\n"
         "  --node-ip IP                       the node's InternalIP and its pods' hostIP\n"
         "                                     (default 127.0.0.1)\n"
         "  --log-level L                      error, warn, info (default) or debug\n"
         "  -h, --help                         this help\n";
}

agent_options parse_agent_options(const std::vector<std::string>& args) {
  agent_options o;
  for (auto& [flag, value] :
       read_flags(args, {"server", "token", "name", "data-dir", "pod-manifest-path", "cgroup-root",
                         "hollow-nodes", "node-lease-duration-seconds", "log-level", "node-label",
                         "node-taint", "node-ip", "file-check-frequency"})) {
    if (flag == "server") o.server = value;
    else if (flag == "token") o.token = value;
    else if (flag == "name") o.name = value;
    else if (flag == "data-dir") o.data_dir = value;
    else if (flag == "pod-manifest-path") o.pod_manifest_path = value;
    else if (flag == "cgroup-root") {
      cgroups::check_parent_name(value, "--cgroup-root");
      o.cgroup_root = value;
    }
    else if (flag == "hollow-nodes") {
      auto n = parse_int(value);
      TROUPE_REQUIRE(n && *n >= 0 && *n <= 100000, api_errc::bad_request,
                     "--hollow-nodes: expected a number from 0 to 100000, got " + quote(value));
      o.hollow_nodes = static_cast<int>(*n);
    } else if (flag == "node-lease-duration-seconds") {
      auto n = parse_int(value);
      TROUPE_REQUIRE(n && *n >= 1 && *n <= 3600, api_errc::bad_request,
                     "--node-lease-duration-seconds: expected a number of seconds from 1 to 3600, got " +
                         quote(value));
      o.node_lease_duration_seconds = static_cast<int>(*n);
    } else if (flag == "log-level") {
      o.level = parse_log_level(value, "--log-level");
    } else if (flag == "file-check-frequency") {
      auto ms = parse_duration_ms(value);
      TROUPE_REQUIRE(
          ms && *ms > 0, api_errc::bad_request,
          "--file-check-frequency: expected a duration such as 20s, got " + quote(value));
      o.file_check_frequency_ms = *ms;
    } else if (flag == "node-label") {
      o.node_labels.push_back(parse_node_label_flag(value, "--" + flag));
    } else if (flag == "node-taint") {
      add_node_taint_flag(o.node_taints, value, "--" + flag);
    } else if (flag == "node-ip") {
      o.node_ip = parse_node_ip_flag(value, "--" + flag);
    } else {
      throw api_error(api_errc::bad_request, "unknown flag --" + flag);
    }
  }
  TROUPE_REQUIRE(!o.server.empty(), api_errc::bad_request, "--server HOST:PORT is required (the server's cluster address)");
  TROUPE_REQUIRE(!o.token.empty(), api_errc::bad_request, "--token is required (`troupe token create` makes one)");
  parse_host_port(o.server, "--server");
  if (o.name.empty()) o.name = default_node_name();
  auto problems = check_dns1123_subdomain(o.name);
  TROUPE_REQUIRE(problems.empty(), api_errc::bad_request, "--name " + quote(o.name) + ": " + join(problems, "; "));
  TROUPE_REQUIRE(o.name.size() <= 63, api_errc::bad_request,
                 "--name " + quote(o.name) +
                     ": must be no more than 63 characters (it is the node's " +
                     "kubernetes.io/hostname label)");
  if (o.data_dir.empty()) {
    const char* home = std::getenv("HOME");
    o.data_dir = geteuid() == 0 ? "/var/lib/troupe-agent"
                                : std::string(home && *home ? home : "/tmp") + "/.local/share/troupe-agent";
  }
  return o;
}

std::vector<caf::actor> start_agent(caf::actor_system& sys, const agent_options& options, std::ostream& out) {
  auto [host, port] = parse_host_port(options.server, "--server");
  connector_state init;
  init.host = host;
  init.port = port;
  init.token = options.token;
  init.out = &out;
  init.verbose = options.level >= log_level::info;
  init.on_refused = options.on_refused;
  init.identity = agent_identity(options.data_dir);
  auto kinds = std::make_shared<const kind_registry>(builtin_kinds());
  auto exits = std::make_shared<exit_watcher>();
  auto spawner = options.hollow_nodes > 0 ? nullptr : std::make_shared<shim_spawner>(self_binary());
  auto groups = std::make_shared<const cgroups>(cgroups::detect("/sys/fs/cgroup", options.cgroup_root));
  host_facts facts;
  if (options.hollow_nodes == 0) {
    facts = read_host_facts();
    // The node's Hostname address is its name, as k3s' --node-name sets the kubelet's
    // --hostname-override (the machine's name would say nothing of which node it is).
    facts.hostname = options.name;
    facts.limits_note = groups->describe();
  }
  int count = options.hollow_nodes > 0 ? options.hollow_nodes : 1;
  for (int i = 0; i < count; ++i) {
    std::string name = options.hollow_nodes > 0 ? options.name + "-hollow-" + std::to_string(i) : options.name;
    kubelet_deps kd;
    kd.node = name;
    kd.host_ip = options.node_ip;
    kd.data_dir = options.data_dir + "/" + name;
    kd.shim_binary = self_binary();
    kd.pod_manifest_path = options.pod_manifest_path;
    kd.file_check_frequency = std::chrono::milliseconds(options.file_check_frequency_ms);
    kd.hollow = options.hollow_nodes > 0;
    kd.kinds = kinds;
    kd.exits = exits;
    kd.spawner = spawner;
    kd.groups = groups;
    kd.allocatable_milli_cpu = facts.milli_cpu;
    kd.allocatable_memory = facts.memory;
    node_deps nd;
    nd.name = name;
    nd.data_dir = options.data_dir;
    nd.facts = kd.hollow ? hollow_facts(name) : facts;
    nd.facts.labels = options.node_labels;
    nd.facts.taints = options.node_taints;
    nd.facts.address = options.node_ip;
    nd.hollow = kd.hollow;
    nd.knobs.lease_duration_seconds = options.node_lease_duration_seconds;
    nd.knobs.lease_interval = std::chrono::milliseconds(options.node_lease_duration_seconds * 1000 / 4);
    // The pod range comes with the join; the kubelet and node agent learn it there.
    init.nodes.push_back({name, node_actor{}, kubelet_actor{}});
    auto& n = init.nodes.back();
    n.kubelet = spawn_kubelet(sys, kd);
    n.node = spawn_node(sys, nd);
  }
  if (!options.hollow_nodes) {
    std::error_code ec;
    std::filesystem::create_directories(options.data_dir, ec);
  }
  auto c = sys.spawn(connector, std::move(init));
  return {c};
}

void add_agent_types(caf::actor_system_config& cfg) {
  add_store_types(cfg);
  add_apiserver_types(cfg);
  add_kubelet_types(cfg);
  add_cluster_types(cfg);
}

std::string agent_identity(const std::string& data_dir) {
  std::string path = data_dir + "/agent-id";
  if (auto kept = read_file_if_readable(path); kept && kept->size() == 32) return *kept;
  // Two tokens' secrets: 32 characters from OpenSSL's random source, which fails loudly.
  std::string id = make_token().secret + make_token().secret;
  // Written whole or not at all; an agent that cannot keep it (a hollow one) still has one now.
  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  replace_file_durably(path, id);
  return id;
}

int run_agent(agent_options options, std::ostream& out) {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  caf::actor_system_config cfg;
  apply_system_defaults(cfg);
  add_agent_types(cfg);
  cfg.load<caf::io::middleman>();
  std::atomic<bool> refused{false};  // before the system: its actors may call back until it ends
  caf::actor_system sys{cfg};
  options.on_refused = [&refused] {
    refused = true;
    kill(getpid(), SIGTERM);  // ends the sigwait below
  };
  auto actors = start_agent(sys, options, out);
  if (options.level >= log_level::info)
    out << "troupe agent: " << (options.hollow_nodes ? std::to_string(options.hollow_nodes) + " hollow nodes" : "node " + options.name)
        << ", joining " << options.server << "\n" << std::flush;
  int signal = 0;
  sigwait(&signals, &signal);
  if (options.level >= log_level::info) out << "troupe agent: shutting down\n" << std::flush;
  for (auto& a : actors) caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  return refused ? 1 : 0;
}

}  // namespace troupe
