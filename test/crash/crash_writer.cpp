// A writer process for the crash test. It opens the store in DIR, runs WRITERS actors that
// each create one ConfigMap and then update it over and over (compare-and-swap on its last
// revision), and reports every acknowledged write on stdout as "key value revision". The test
// SIGKILLs it at random moments and checks every reported write after reopening the store.
//
//   store_crash_writer DIR RUN WRITERS

#include <caf/all.hpp>
#include <unistd.h>

#include <iostream>
#include <string>

#include "actors/store/store.hpp"
#include "runtime/caf/system_config.hpp"
#include "runtime/object/kinds.hpp"
#include "runtime/store/engine.hpp"
#include "test/harness/objects.hpp"

using namespace troupe;

namespace {

void report(const std::string& line) {
  // One write(2) per line: what reached the pipe survives the SIGKILL.
  std::string out = line + "\n";
  if (::write(STDOUT_FILENO, out.data(), out.size()) != static_cast<ssize_t>(out.size())) _exit(3);
}

caf::behavior crash_writer(caf::event_based_actor* self, store_actor store, std::string name) {
  auto key = "configmaps/default/" + name;
  auto next_write = [=](uint64_t value, uint64_t revision) {
    auto object = troupe::testing::config_map("default", name, {{"v", std::to_string(value)}});
    uint8_t op = value == 0 ? 1 : 2;
    self->request(store, caf::infinite, write_atom::value,
                  write_request{op, key, revision, std::move(object)})
        .then(
            [=](api_reply& reply) {
              report(key + " " + std::to_string(value) + " " + std::to_string(reply.revision));
              self->send(self, value + 1, reply.revision);
            },
            [=](caf::error& e) {
              std::cerr << key << ": " << caf::to_string(e) << "\n";
              _exit(2);
            });
  };
  next_write(0, 0);
  return {[=](uint64_t value, uint64_t revision) { next_write(value, revision); }};
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: store_crash_writer DIR RUN WRITERS\n";
    return 64;
  }
  caf::actor_system_config cfg;
  apply_system_defaults(cfg);
  add_store_types(cfg);
  caf::actor_system sys{cfg};
  store::engine_options options;
  options.dir = argv[1];
  auto engine = std::make_shared<store::engine>(options);
  auto store = spawn_store(sys, {engine, std::make_shared<kind_registry>(builtin_kinds()), {}});
  int writers = std::stoi(argv[3]);
  for (int w = 0; w < writers; ++w)
    sys.spawn(crash_writer, store, std::string("crash-") + argv[2] + "-" + std::to_string(w));
  for (;;) pause();  // until the test kills us
}
