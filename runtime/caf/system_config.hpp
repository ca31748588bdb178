#pragma once
// Settings shared by every troupe process and test that runs an actor system.

#include <caf/fwd.hpp>

namespace troupe {

/// Two scheduler threads (the default of max(cores, 4) halves throughput on 2 cores), quiet
/// logging, and the troupe error category.
void apply_system_defaults(caf::actor_system_config& cfg);

}  // namespace troupe
