#include "runtime/caf/system_config.hpp"

#include <caf/actor_system_config.hpp>
#include <caf/atom.hpp>

#include <thread>

#include "runtime/caf/errors.hpp"

namespace troupe {

void apply_system_defaults(caf::actor_system_config& cfg) {
  unsigned cores = std::max(2u, std::thread::hardware_concurrency());
  cfg.set("scheduler.max-threads", static_cast<int64_t>(cores));
  cfg.set("logger.verbosity", caf::atom("quiet"));
  add_error_category(cfg);
}

}  // namespace troupe
