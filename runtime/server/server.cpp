#include "runtime/server/server.hpp"

#include <caf/all.hpp>
#include <kj/common.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <ostream>

#include "actors/apiserver/apiserver.hpp"
#include "actors/store/store.hpp"
#include "runtime/base/error.hpp"
#include "runtime/base/time.hpp"
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

std::shared_ptr<store::engine> open_store(const std::string& dir, uint64_t event_history) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  TROUPE_REQUIRE(!ec, api_errc::bad_request,
                 "--data-dir " + dir + ": cannot create it: " + ec.message());
  store::engine_options options;
  options.dir = dir;
  options.retain_events = event_history;
  return std::make_shared<store::engine>(options);
}

// The file the CLI reads by default: where the API listens. Written whole, then renamed, so a
// CLI never reads half of it.
void write_client_config(const std::string& path, const std::string& address) {
  std::error_code ec;
  auto dir = std::filesystem::path(path).parent_path();
  if (!dir.empty()) std::filesystem::create_directories(dir, ec);
  TROUPE_REQUIRE(!ec, api_errc::bad_request,
                 "--client-config " + path + ": cannot create its directory: " + ec.message());
  std::string temp = path + ".tmp";
  {
    std::ofstream out(temp, std::ios::trunc);
    TROUPE_REQUIRE(out.good(), api_errc::bad_request, "--client-config " + path + ": cannot write it");
    out << "# written by troupe server; read by the troupe CLI\nserver: " << address << "\n";
  }
  std::filesystem::permissions(temp, std::filesystem::perms::owner_read |
                                         std::filesystem::perms::owner_write, ec);
  std::filesystem::rename(temp, path, ec);
  TROUPE_REQUIRE(!ec, api_errc::bad_request, "--client-config " + path + ": " + ec.message());
}

void stop_all(const std::map<std::string, resource_actor>& resources) {
  for (auto& [name, actor] : resources) caf::anon_send_exit(actor, caf::exit_reason::user_shutdown);
}

}  // namespace

int run_server(const server_options& options, std::ostream& out) {
  auto started = monotonic_nanos();
  // Signals are taken synchronously by sigwait, so every thread must have them blocked.
  auto signals = shutdown_signals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto engine = open_store(options.data_dir, options.event_history);
  caf::actor_system_config cfg;
  apply_system_defaults(cfg);
  add_store_types(cfg);
  add_apiserver_types(cfg);
  caf::actor_system sys{cfg};
  auto kinds = std::make_shared<const kind_registry>(builtin_kinds());
  // Live actors keep the actor system from shutting down, on error paths too. Each is told to
  // exit in the reverse order of its start: the gateway first, so no call reaches an actor
  // that is gone.
  auto store = spawn_store(sys, {engine, kinds, {}});
  KJ_DEFER(caf::anon_send_exit(store, caf::exit_reason::user_shutdown));
  ensure_system_namespaces(sys, {engine, kinds, store});
  auto resources = spawn_resources(sys, {engine, kinds, store});
  KJ_DEFER(stop_all(resources));
  rpc::gateway gateway(sys, rpc::bridge_deps{resources, store}, options.listen_host,
                       options.listen_port);
  auto address = options.listen_host + ":" + std::to_string(gateway.port());
  write_client_config(options.client_config, address);

  bool informative = options.level >= log_level::info;
  if (informative)
    out << "troupe server: store at " << options.data_dir << " (revision " << engine->revision()
      << ")\n"
      << "troupe server: API listening on " << address << "\n"
      << "troupe server: client config written to " << options.client_config << "\n"
      << "troupe server: ready in " << (monotonic_nanos() - started) / 1000000 << " ms\n"
      << std::flush;

  int signal = 0;
  sigwait(&signals, &signal);
  if (informative)
    out << "troupe server: " << (signal == SIGINT ? "SIGINT" : "SIGTERM") << ", shutting down\n"
      << std::flush;
  return 0;
}

}  // namespace troupe
