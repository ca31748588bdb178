#pragma once
// `troupe shim`: the parent of one container process, like containerd's shim. It runs in its
// own session so it outlives the agent that started it (a restarted agent adopts it), puts
// the container in its own process group, writes the container's stdout and stderr to the
// log file in the CRI format (`<RFC 3339 time> stdout F <line>`), and, when the container
// ends, records how it ended in the exit file and exits.
//
//   troupe shim --log FILE --exit FILE [--workdir DIR] [--join FILE]... [--rlimit-as BYTES]
//               -- COMMAND [ARG...]
//
// fd 3, when open, is the start handshake: the shim writes "pid <container pid> <shim pid>\n"
// once the command is running, or "error <message>\n" if it could not be started, then closes it.

#include <string>
#include <vector>

namespace troupe {

/// Runs the shim; returns its exit code (the container's, or 127 if it never started).
int run_shim(const std::vector<std::string>& args);

}  // namespace troupe
