#pragma once
// The `troupe` CLI: kubectl's verbs, flags and output over the RPC API.

#include <iosfwd>
#include <string>
#include <vector>

namespace troupe::cli {

/// True for the verbs run_cli serves.
bool is_cli_command(const std::string& command);

/// Every verb run_cli serves, sorted.
std::vector<std::string> cli_commands();

/// Where the verb is in `args`: kubectl's global flags (`-n X`, `--server H:P`, `-s=H:P` ...)
/// may come before it, and stay in `args` for the verb to read. args.size() when there is none.
size_t verb_position(const std::vector<std::string>& args);

/// Runs one CLI command; returns the exit code (0 ok, 1 error, 2 usage). Errors are one line
/// on `err`: "Error from server (NotFound): pods \"x\" not found" or "error: ...".
int run_cli(const std::string& command, const std::vector<std::string>& args, std::istream& in,
            std::ostream& out, std::ostream& err);

/// The bash completion script (`troupe completion bash`).
std::string bash_completion();

}  // namespace troupe::cli
