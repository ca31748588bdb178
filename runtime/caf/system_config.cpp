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
  // BASP's deserialization workers run as jobs on the busy scheduler. When one lags, the
  // multiplexer deserializes the following messages itself and parks them in an ordering
  // queue that is searched linearly: 3% of the 5,000-node run's CPU, and every later message
  // waits for the laggard. Deserializing on the multiplexer keeps order for free.
  cfg.set("middleman.workers", static_cast<int64_t>(0));
  // One shared job queue instead of work stealing. With a few busy threads per core, idle
  // stealers spun and walked the busy worker's queue (6% of the CPU of the 5,000-node run,
  // inside take_tail); sharing workers sleep on a condition variable. Measured: binds
  // 4,100-5,000/s -> 5,100-6,800/s, creates and pod startup no worse.
  cfg.set("scheduler.policy", caf::atom("sharing"));
  add_error_category(cfg);
}

}  // namespace troupe
