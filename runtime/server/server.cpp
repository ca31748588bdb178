#include "runtime/server/server.hpp"

#include <kj/common.h>
#include <signal.h>
#include <unistd.h>

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <thread>

#include "actors/apiserver/apiserver.hpp"
#include "actors/cluster/cluster.hpp"
#include "actors/cluster/token.hpp"
#include "actors/clusterroleaggregation/clusterroleaggregation.hpp"
#include "actors/garbagecollector/garbagecollector.hpp"
#include "actors/namespace/namespace.hpp"
#include "actors/nodelifecycle/nodelifecycle.hpp"
#include "actors/scheduler/scheduler.hpp"
#include "actors/store/store.hpp"
#include "actors/tokencleaner/tokencleaner.hpp"
#include "runtime/agent/agent.hpp"
#include "runtime/base/error.hpp"
#include "runtime/base/file.hpp"
#include "runtime/base/net.hpp"
#include "runtime/base/text.hpp"
#include "runtime/base/time.hpp"
#include "runtime/caf/errors.hpp"
#include "runtime/caf/system_config.hpp"
#include "runtime/object/kinds.hpp"
#include "runtime/rpc/gateway.hpp"
#include "runtime/store/engine.hpp"

namespace troupe {
namespace {

sigset_t shutdown_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  return set;
}

std::shared_ptr<store::engine> open_store(const std::string& dir, uint64_t event_history,
                                          const kind_registry& kinds) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  TROUPE_REQUIRE(!ec, api_errc::bad_request,
                 "--data-dir " + dir + ": cannot create it: " + ec.message());
  store::engine_options options;
  options.dir = dir;
  options.retain_events = event_history;
  options.indexes = store::server_indexes(kinds);
  return std::make_shared<store::engine>(options);
}

// The token agents join with: the one in <data>/token while its Secret exists, else a new
// one (stored as a bootstrap-token Secret, like kubeadm's, and written to that file).
std::string ensure_join_token(caf::actor_system& sys, const store::engine& engine, const resource_actor& secrets,
                              const std::string& data_dir) {
  std::string path = data_dir + "/token", text;
  std::ifstream(path) >> text;
  if (!text.empty() && token_valid(engine.read(), text, unix_seconds())) return text;
  auto token = make_token();
  caf::scoped_actor self{sys};
  self->request(secrets, std::chrono::seconds(30), api_atom::value,
                make_request(api_verb::create, "secrets", "kube-system", "",
                             token_secret(token, "the server's join token")))
      .receive([](api_reply&) {},
               [&](caf::error& e) {
                 throw api_error(api_errc::internal, "creating the join token: " + to_api_error(e).message());
               });
  auto error = replace_file_durably(path, token.text() + "\n", 0600);
  TROUPE_REQUIRE(error.empty(), api_errc::internal,
                 path + ": cannot write the join token: " + error);
  return token.text();
}

void stop_all(const std::map<std::string, resource_actor>& resources) {
  for (auto& [name, actor] : resources) caf::anon_send_exit(actor, caf::exit_reason::user_shutdown);
}

}  // namespace

// How long a stop may take after the signal before the process ends regardless.
constexpr std::chrono::seconds shutdown_patience{5};

int run_server(const server_options& options, std::ostream& out) {
  auto started = monotonic_nanos();
  // Signals are taken synchronously by sigwait, so every thread must have them blocked.
  auto signals = shutdown_signals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto kinds = std::make_shared<const kind_registry>(builtin_kinds());
  auto engine = open_store(options.data_dir, options.event_history, *kinds);
  caf::actor_system_config cfg;
  apply_system_defaults(cfg);
  add_agent_types(cfg);
  cfg.load<caf::io::middleman>();
  caf::actor_system sys{cfg};
  // Live actors keep the actor system from shutting down, on error paths too. Each is told to
  // exit in the reverse order of its start: the gateway first, so no call reaches an actor
  // that is gone.
  auto store = spawn_store(sys, {engine, kinds, {}});
  KJ_DEFER(caf::anon_send_exit(store, caf::exit_reason::user_shutdown));
  ensure_system_namespaces(sys, {engine, kinds, store, {}});
  ensure_bootstrap_objects(sys, {engine, kinds, store, {}});
  service_network services;
  auto service_cidr = parse_cidr(options.service_cidr);
  TROUPE_REQUIRE(service_cidr, api_errc::bad_request, "--service-cidr: " + quote(options.service_cidr));  // checked as read
  services.cluster_ips = *service_cidr;
  std::tie(services.node_port_min, services.node_port_max) =
      parse_port_range(options.service_node_port_range, "--service-node-port-range");
  auto resources = spawn_resources(sys, {engine, kinds, store, services});
  KJ_DEFER(stop_all(resources));
  auto router = spawn_router(sys, resources);
  KJ_DEFER(caf::anon_send_exit(router, caf::exit_reason::user_shutdown));
  scheduler_actor scheduler;
  if (!options.disable_scheduler) scheduler = spawn_scheduler(sys, {engine, router, store, {}});
  KJ_DEFER(if (scheduler) caf::anon_send_exit(scheduler, caf::exit_reason::user_shutdown));
  nodelifecycle_knobs lifecycle_knobs;
  lifecycle_knobs.grace = std::chrono::milliseconds(options.node_monitor_grace_ms);
  // Checked at least four times per grace period, and every 5 s as the node controller does.
  lifecycle_knobs.check_interval = std::min(lifecycle_knobs.check_interval, lifecycle_knobs.grace / 4);
  auto lifecycle = spawn_nodelifecycle(sys, {engine, router, store, lifecycle_knobs});
  KJ_DEFER(caf::anon_send_exit(lifecycle, caf::exit_reason::user_shutdown));
  auto namespaces = spawn_namespace_controller(sys, {engine, kinds, router, store});
  KJ_DEFER(caf::anon_send_exit(namespaces, caf::exit_reason::user_shutdown));
  auto collector = spawn_garbage_collector(sys, {engine, kinds, router, store});
  KJ_DEFER(caf::anon_send_exit(collector, caf::exit_reason::user_shutdown));
  auto aggregation = spawn_clusterrole_aggregation(sys, {engine, router, store});
  KJ_DEFER(caf::anon_send_exit(aggregation, caf::exit_reason::user_shutdown));
  auto token_cleaner = spawn_token_cleaner(sys, {engine, router, store});
  KJ_DEFER(caf::anon_send_exit(token_cleaner, caf::exit_reason::user_shutdown));
  auto cluster = spawn_cluster(sys, {engine, router, store, options.cluster_cidr, lifecycle});
  KJ_DEFER(caf::anon_send_exit(cluster, caf::exit_reason::user_shutdown));
  auto cluster_port = sys.middleman().publish(cluster, options.cluster_port, options.cluster_host.c_str(), true);
  if (!cluster_port) {
    // CAF's error leaves out why; binding the address again finds it.
    auto why = bind_failure(options.cluster_host, options.cluster_port);
    throw api_error(api_errc::bad_request, "--cluster-listen " + options.cluster_host + ":" +
                                               std::to_string(options.cluster_port) + ": cannot listen: " +
                                               (why.empty() ? sys.render(cluster_port.error()) : why));
  }
  auto cluster_address = options.cluster_host + ":" + std::to_string(*cluster_port);
  auto token = ensure_join_token(sys, *engine, resources.at("secrets"), options.data_dir);

  rpc::gateway gateway(sys, rpc::bridge_deps{resources, store, cluster}, options.listen_host,
                       options.listen_port);
  auto address = options.listen_host + ":" + std::to_string(gateway.port());
  // Where the API listens now; the namespace a user chose stays (an unreadable file is replaced).
  client_config config;
  try {
    config = read_client_config(options.client_config);
  } catch (const api_error&) {
  }
  config.server = address;
  try {
    write_client_config(options.client_config, config);
  } catch (const api_error& e) {
    throw api_error(e.code(), "--client-config " + e.message());
  }

  std::vector<caf::actor> agent;
  KJ_DEFER(for (auto& a : agent) caf::anon_send_exit(a, caf::exit_reason::user_shutdown));
  if (!options.disable_agent) {
    // The server's own node joins like any other: through the cluster port, with the token.
    auto own = parse_agent_options({"--server", cluster_address, "--token", token, "--data-dir",
                                    options.data_dir + "/agent", "--name",
                                    options.node_name.empty() ? default_node_name() : options.node_name,
                                    "--pod-manifest-path", options.pod_manifest_path, "--cgroup-root",
                                    options.cgroup_root});
    own.level = options.level;
    // The roles k3s gives its server's node (ROLES control-plane,master in `get nodes`).
    own.node_labels = {{"node-role.kubernetes.io/control-plane", "true"},
                       {"node-role.kubernetes.io/master", "true"}};
    own.node_labels.insert(own.node_labels.end(), options.node_labels.begin(),
                           options.node_labels.end());
    own.node_taints = options.node_taints;
    own.node_ip = options.node_ip;
    agent = start_agent(sys, own, out);
  }

  bool informative = options.level >= log_level::info;
  if (informative)
    out << "troupe server: store at " << options.data_dir << " (revision " << engine->revision()
      << ")\n"
      << "troupe server: API listening on " << address << "\n"
      << "troupe server: client config written to " << options.client_config << "\n"
      << "troupe server: agents join at " << cluster_address << "; more nodes: troupe agent --server "
      << cluster_address << " --token " << token << "\n"
      << "troupe server: ready in " << (monotonic_nanos() - started) / 1000000 << " ms\n"
      << std::flush;

  int signal = 0;
  sigwait(&signals, &signal);
  if (informative)
    out << "troupe server: " << (signal == SIGINT ? "SIGINT" : "SIGTERM") << ", shutting down\n"
      << std::flush;
  // Every acknowledged write is already durable, so a shutdown that stalls loses nothing by
  // ending here. Said on stderr so it is not mistaken for a clean stop. The stall matches
  // CAF 0.17's actor-framework issue 1196 (fixed in 0.18 by pull request 1202; Debian 12
  // ships 0.17.6): a detached actor's private thread can keep one reference to its actor, and
  // then waits for that actor's destruction while ~actor_system waits for the thread.
  // Reproduced here 3 times in 100 stops right after an external agent joined: the store's
  // control block held exactly one strong reference, ~actor_system sat in
  // await_detached_threads and the store's thread in await_self_destroyed.
  std::thread([] {
    std::this_thread::sleep_for(shutdown_patience);
    static const char message[] =
        "troupe server: shutdown stalled on an actor still referenced after it exited; exiting anyway\n";
    (void)!write(STDERR_FILENO, message, sizeof message - 1);
    _exit(0);
  }).detach();
  return 0;
}

}  // namespace troupe
