// `troupe server` as a real process: starts, refuses a second server on its data dir, stops
// cleanly on SIGTERM and SIGINT, and keeps its store across restarts.

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <tuple>

#include "runtime/process/launcher.hpp"
#include "test/harness/eventually.hpp"
#include "test/harness/process.hpp"
#include "test/harness/temp_dir.hpp"

using troupe::testing::child_process;

namespace {

// Free ports, files in the test's directory, no node: nothing outside the test is touched.
std::vector<std::string> server_args(const troupe::testing::temp_dir& dir) {
  return {TROUPE_BINARY, "server", "--data-dir", dir / "data", "--listen", "127.0.0.1:0",
          "--cluster-listen", "127.0.0.1:0", "--client-config", dir / "client-config", "--disable-agent"};
}

}  // namespace

TEST_CASE("troupe server starts is exclusive and stops on signals", "[process][server]") {
  troupe::testing::temp_dir dir;
  auto data = dir / "data";
  std::string server_output;
  {
    child_process server(server_args(dir));
    REQUIRE(server.wait_for_output("ready in"));
    // default, kube-system, kube-public and kube-node-lease with a default ServiceAccount
    // each, the join token's Secret, the bootstrap ClusterRoles and binding, and the aggregated
    // roles' rules (how many writes those take depends on the order they are seen in).
    CHECK_THAT(server.output(), Catch::Contains("store at " + data + " (revision "));
    REQUIRE(server.wait_for_output("ready in"));

    child_process second(server_args(dir));
    CHECK(second.wait() == 1);
    CHECK_THAT(second.output(), Catch::Contains("is in use by another troupe process"));

    // The aggregation controller fills admin, edit and view just after the start (admin last,
    // from edit): stopped after, the next starts have nothing to write.
    CHECK(troupe::testing::eventually(
        [&] {
          auto r = troupe::run_command({TROUPE_BINARY, "get", "clusterrole", "admin", "-o",
                                        "jsonpath={.rules[*].resources}"},
                                       {"TROUPE_CONFIG=" + dir / "client-config"}, dir.path(),
                                       10000, 1 << 20);
          return r.out.find("pods/log") != std::string::npos;
        },
        std::chrono::seconds(30)));
    CHECK(server.stop(SIGTERM) == 0);
    CHECK_THAT(server.output(), Catch::Contains("SIGTERM, shutting down"));
    server_output = server.output();
  }
  auto revision_of = [](const std::string& output) {
    auto at = output.find("(revision ");
    return at == std::string::npos ? std::string() : output.substr(at, output.find(')', at) - at);
  };
  // Kept, not created twice: two starts after the first find the store as it was.
  std::string second_revision;
  for (int start = 0; start < 2; ++start) {
    child_process again(server_args(dir));
    REQUIRE(again.wait_for_output("ready in"));
    if (start == 0) second_revision = revision_of(again.output());
    CHECK(revision_of(again.output()) == second_revision);
    CHECK(again.stop(SIGINT) == 0);
  }
  CHECK(std::stoi(revision_of(server_output).substr(10)) >= 17);
}

TEST_CASE("troupe server rejects bad flags with the flag's name", "[process][server]") {
  child_process bad({TROUPE_BINARY, "server", "--data-dri", "/tmp/x"});
  CHECK(bad.wait() == 1);
  CHECK(bad.output() == "error: unknown flag --data-dri\n");
  troupe::testing::temp_dir dir;
  for (auto [flag, value, message] :
       {std::tuple{"--service-cidr", "10.0.0/8",
                   "error: --service-cidr: \"10.0.0/8\" is not an IPv4 CIDR like 127.16.0.0/16\n"},
        std::tuple{
            "--service-node-port-range", "5-3",
            "error: --service-node-port-range: \"5-3\" is not a port range like 30000-32767\n"}}) {
    auto args = server_args(dir);
    args.insert(args.end(), {flag, value});
    child_process refused(args);
    CHECK(refused.wait() == 1);
    CHECK(refused.output() == message);
  }
  child_process unknown({TROUPE_BINARY, "serve"});
  CHECK(unknown.wait() == 1);
  CHECK(unknown.output() == "error: unknown command \"serve\" for \"troupe\"\nRun 'troupe --help' for usage.\n");
}

TEST_CASE("troupe server and agent --help print their flags and start nothing", "[process][server]") {
  troupe::testing::temp_dir dir;
  auto args = server_args(dir);
  args.push_back("--help");
  child_process server(args);
  CHECK(server.wait() == 0);
  CHECK_THAT(server.output(), Catch::StartsWith("Run the troupe control plane") &&
                                  Catch::Contains("  --listen HOST:PORT ") &&
                                  Catch::Contains("  --disable-agent "));
  CHECK_FALSE(std::filesystem::exists(dir / "data"));
  child_process agent({TROUPE_BINARY, "agent", "-h"});  // no --server or --token needed for help
  CHECK(agent.wait() == 0);
  CHECK_THAT(agent.output(), Catch::StartsWith("Join a troupe server as a node") &&
                                 Catch::Contains("  --token TOKEN "));
  child_process help({TROUPE_BINARY, "help", "server"});
  CHECK(help.wait() == 0);
  CHECK(help.output() == server.output());
}
