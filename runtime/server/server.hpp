#pragma once
// `troupe server`: the control plane process. main() calls run_server; it wires the store,
// the actors and (later) the RPC gateway, and returns when SIGTERM or SIGINT arrives.

#include <iosfwd>

#include "runtime/server/options.hpp"

namespace troupe {

/// Runs until SIGTERM/SIGINT; returns the process exit code. Progress lines go to `out`.
/// Must be called before any other thread exists (it blocks the shutdown signals).
int run_server(const server_options& options, std::ostream& out);

}  // namespace troupe
