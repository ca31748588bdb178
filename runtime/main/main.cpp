// The one troupe binary: `troupe server` runs the control plane; other verbs are the CLI.

#include <iostream>
#include <string>
#include <vector>

#include "runtime/base/error.hpp"
#include "runtime/server/server.hpp"

namespace {

constexpr const char* usage =
    "troupe: a container orchestrator in the shape of Kubernetes\n"
    "\n"
    "usage: troupe COMMAND [flags]\n"
    "\n"
    "  server     run the control plane (--data-dir DIR, --log-level L, --config FILE)\n"
    "  version    print the version\n";

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "help" || args[0] == "--help" || args[0] == "-h") {
    std::cout << usage;
    return args.empty() ? 2 : 0;
  }
  std::string command = args[0];
  args.erase(args.begin());
  try {
    if (command == "server") return troupe::run_server(troupe::parse_server_options(args), std::cout);
    if (command == "version") {
      std::cout << "troupe " << TROUPE_VERSION << "\n";
      return 0;
    }
    std::cerr << "error: unknown command " << command << "\n\n" << usage;
    return 2;
  } catch (const troupe::api_error& e) {
    std::cerr << "error: " << e.message() << "\n";
    return 1;
  }
}
