#include "runtime/server/server.hpp"

#include <caf/all.hpp>
#include <signal.h>

#include <filesystem>
#include <ostream>

#include "actors/apiserver/apiserver.hpp"
#include "actors/store/store.hpp"
#include "runtime/base/error.hpp"
#include "runtime/base/time.hpp"
#include "runtime/caf/system_config.hpp"
#include "runtime/object/kinds.hpp"
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

std::shared_ptr<store::engine> open_store(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  TROUPE_REQUIRE(!ec, api_errc::bad_request,
                 "--data-dir " + dir + ": cannot create it: " + ec.message());
  store::engine_options options;
  options.dir = dir;
  return std::make_shared<store::engine>(options);
}

}  // namespace

int run_server(const server_options& options, std::ostream& out) {
  auto started = monotonic_nanos();
  // Signals are taken synchronously by sigwait, so every thread must have them blocked.
  auto signals = shutdown_signals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto engine = open_store(options.data_dir);
  caf::actor_system_config cfg;
  apply_system_defaults(cfg);
  add_store_types(cfg);
  add_apiserver_types(cfg);
  caf::actor_system sys{cfg};
  auto kinds = std::make_shared<const kind_registry>(builtin_kinds());
  auto store = spawn_store(sys, {engine, kinds, {}});
  ensure_system_namespaces(sys, {engine, kinds, store});

  bool informative = options.level >= log_level::info;
  if (informative)
    out << "troupe server: store at " << options.data_dir << " (revision " << engine->revision()
      << ")\n"
      << "troupe server: ready in " << (monotonic_nanos() - started) / 1000000 << " ms\n"
      << std::flush;

  int signal = 0;
  sigwait(&signals, &signal);
  if (informative)
    out << "troupe server: " << (signal == SIGINT ? "SIGINT" : "SIGTERM") << ", shutting down\n"
      << std::flush;
  caf::anon_send_exit(store, caf::exit_reason::user_shutdown);
  return 0;
}

}  // namespace troupe
