#include "runtime/agent/agent.hpp"

#include <catch2/catch.hpp>

#include "runtime/base/error.hpp"

using namespace troupe;

namespace {

const std::vector<std::string> joining = {"--server", "127.0.0.1:6444", "--token",
                                          "abc.def",  "--name",         "n1"};

std::vector<std::string> with(std::vector<std::string> extra) {
  auto args = joining;
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

std::string error_of(const std::vector<std::string>& args) {
  try {
    parse_agent_options(args);
  } catch (const api_error& e) {
    return e.message();
  }
  return "";
}

}  // namespace

TEST_CASE("agent flags", "[agent]") {
  auto o = parse_agent_options(with({"--hollow-nodes", "3", "--node-lease-duration-seconds", "8"}));
  CHECK(o.server == "127.0.0.1:6444");
  CHECK(o.token == "abc.def");
  CHECK(o.name == "n1");
  CHECK(o.hollow_nodes == 3);
  CHECK(o.node_lease_duration_seconds == 8);
  CHECK(parse_agent_options(joining).node_lease_duration_seconds == 40);
  CHECK(parse_agent_options(joining).cgroup_root == "troupe");
  CHECK(parse_agent_options(with({"--cgroup-root", "troupe-test.1_a"})).cgroup_root == "troupe-test.1_a");

  CHECK(error_of({"--token", "x"}) ==
        "--server HOST:PORT is required (the server's cluster address)");
  CHECK(error_of({"--server", "127.0.0.1:6444"}) ==
        "--token is required (`troupe token create` makes one)");
  CHECK(error_of(with({"--node-lease-duration-seconds", "0"})) ==
        "--node-lease-duration-seconds: expected a number of seconds from 1 to 3600, got \"0\"");
  CHECK(error_of(with({"--hollow-nodes", "many"})) ==
        "--hollow-nodes: expected a number from 0 to 100000, got \"many\"");
  CHECK(error_of(with({"--name", "Bad_Name"})).rfind("--name \"Bad_Name\": ", 0) == 0);
  CHECK(error_of(with({"--color", "red"})) == "unknown flag --color");
  auto tainted =
      parse_agent_options(with({"--node-taint", "dedicated=db:NoSchedule", "--node-taint",
                                "gpu:PreferNoSchedule", "--node-ip", "127.0.0.9"}));
  REQUIRE(tainted.node_taints.size() == 2);
  CHECK(tainted.node_taints[0].key == "dedicated");
  CHECK(tainted.node_taints[0].value == "db");
  CHECK(tainted.node_taints[1].key == "gpu");
  CHECK(tainted.node_taints[1].value.empty());
  CHECK(tainted.node_taints[1].effect == "PreferNoSchedule");
  CHECK(tainted.node_ip == "127.0.0.9");
  CHECK(parse_agent_options(joining).node_ip == "127.0.0.1");
  CHECK(error_of(with({"--node-taint", "gpu:NoSchedule", "--node-taint", "gpu=yes:NoSchedule"})) ==
        "--node-taint \"gpu=yes:NoSchedule\": a taint with key \"gpu\" and effect NoSchedule is "
        "given already (taints must be unique by key and effect pair)");
  CHECK(error_of(with({"--node-taint", "dedicated=db"})) ==
        "--node-taint \"dedicated=db\": invalid taint spec \"dedicated=db\": expected "
        "KEY[=VALUE]:EFFECT, or KEY[:EFFECT]- to remove");
  CHECK(error_of(with({"--node-ip", "127.0.0.300"})) ==
        "--node-ip \"127.0.0.300\": expected an IPv4 address such as 127.0.0.1");
  for (auto bad : {"", "..", "a/b", "../escape", "sp ace"})
    CHECK(error_of(with({"--cgroup-root", bad})) ==
          "--cgroup-root: expected a cgroup name of at most 200 letters, digits, '.', '_' and '-', got \"" + std::string(bad) + "\"");
}
