#include "runtime/server/options.hpp"

#include <catch2/catch.hpp>

#include <fstream>

#include "runtime/base/error.hpp"
#include "test/harness/temp_dir.hpp"

using namespace troupe;

namespace {
std::string error_of(const std::vector<std::string>& args) {
  try {
    parse_server_options(args);
  } catch (const api_error& e) {
    return e.message();
  }
  return "";
}
}  // namespace

TEST_CASE("server flags and defaults", "[server]") {
  auto o = parse_server_options({"--data-dir", "/srv/t", "--log-level=debug"});
  CHECK(o.data_dir == "/srv/t");
  CHECK(o.level == log_level::debug);
  CHECK(parse_server_options({}).data_dir == default_data_dir());
  CHECK(parse_server_options({}).level == log_level::info);
}

TEST_CASE("a config file overridden by flags", "[server]") {
  troupe::testing::temp_dir dir;
  std::ofstream(dir / "troupe.yaml") << "data-dir: /from/file\nlog-level: warn\n";
  auto o = parse_server_options({"--config", dir / "troupe.yaml", "--log-level", "error"});
  CHECK(o.data_dir == "/from/file");
  CHECK(o.level == log_level::error);

  std::ofstream(dir / "bad.yaml") << "data-dir: /x\nlisten-port: 3\n";
  CHECK(error_of({"--config", dir / "bad.yaml"}) == dir / "bad.yaml" + ": listen-port: unknown setting");
}

TEST_CASE("the server's own node takes labels taints and an address from flags or the file",
          "[server]") {
  troupe::testing::temp_dir dir;
  std::ofstream(dir / "node.yaml")
      << "node-label: [a=1, b=2]\nnode-taint: CriticalAddonsOnly=true:NoExecute\n"
         "node-ip: 127.0.0.7\n";
  auto o = parse_server_options({"--config", dir / "node.yaml"});
  CHECK(o.node_labels == std::vector<std::pair<std::string, std::string>>{{"a", "1"}, {"b", "2"}});
  REQUIRE(o.node_taints.size() == 1);
  CHECK(o.node_taints[0].key == "CriticalAddonsOnly");
  CHECK(o.node_taints[0].value == "true");
  CHECK(o.node_taints[0].effect == "NoExecute");
  CHECK(o.node_ip == "127.0.0.7");
  // A list given as flags replaces the file's; the other list stays.
  o = parse_server_options({"--config", dir / "node.yaml", "--node-label", "c=3"});
  CHECK(o.node_labels == std::vector<std::pair<std::string, std::string>>{{"c", "3"}});
  CHECK(o.node_taints.size() == 1);
  CHECK(parse_server_options({}).node_ip == "127.0.0.1");
  CHECK(error_of({"--node-taint", "dedicated=db:Sometimes"}) ==
        "--node-taint \"dedicated=db:Sometimes\": invalid taint effect: Sometimes, unsupported "
        "taint effect");
  CHECK(error_of({"--node-taint", "dedicated-"}) ==
        "--node-taint \"dedicated-\": expected KEY[=VALUE]:EFFECT (a taint to register with, not "
        "one to remove)");
  CHECK(error_of({"--node-taint", "a=1:NoSchedule", "--node-taint", "a=2:NoSchedule"}) ==
        "--node-taint \"a=2:NoSchedule\": a taint with key \"a\" and effect NoSchedule is given "
        "already (taints must be unique by key and effect pair)");
  CHECK(parse_server_options({"--node-taint", "a=1:NoSchedule", "--node-taint", "a=1:NoExecute"})
            .node_taints.size() == 2);
  CHECK(error_of({"--node-label", "bad key=1"}).rfind("--node-label \"bad key=1\": ", 0) == 0);
  CHECK(error_of({"--node-ip", "localhost"}) ==
        "--node-ip \"localhost\": expected an IPv4 address such as 127.0.0.1");
  std::ofstream(dir / "bad-list.yaml") << "node-label: [{a: 1}]\n";
  CHECK(error_of({"--config", dir / "bad-list.yaml"}) ==
        dir / "bad-list.yaml" + ": node-label: expected a list of strings");
}

TEST_CASE("bad server flags name the flag", "[server]") {
  CHECK(error_of({"--data-dri", "/x"}) == "unknown flag --data-dri");
  CHECK(error_of({"--data-dir"}) == "--data-dir: needs a value");
  CHECK(error_of({"--log-level", "loud"}) ==
        "--log-level: unknown log level \"loud\" (choose error, warn, info or debug)");
  CHECK(error_of({"serve"}) == "unexpected argument \"serve\"");
  CHECK(error_of({"--cgroup-root", "../x"}) ==
        "--cgroup-root: expected a cgroup name of at most 200 letters, digits, '.', '_' and '-', got \"../x\"");
  CHECK(parse_server_options({"--cgroup-root", "troupe-b"}).cgroup_root == "troupe-b");
  CHECK(parse_server_options({}).cgroup_root == "troupe");
  CHECK(error_of({"--config", "/nonexistent/troupe.yaml"}) == "--config /nonexistent/troupe.yaml: no such file");
  CHECK(error_of({"--config", "/tmp"}) == "--config /tmp: is a directory, not a YAML file");
  // An unknown flag is named as such, and does not take the next argument as its value.
  CHECK(error_of({"--bogus", "--listen", "127.0.0.1:0"}) == "unknown flag --bogus");
  CHECK(error_of({"--listen", "127.0.0.1:0", "--bogus"}) == "unknown flag --bogus");
  CHECK(error_of({"--cluster-cidr", "garbage"}) ==
        "--cluster-cidr: \"garbage\" is not an IPv4 range of /24 or larger, like 127.64.0.0/10");
  CHECK(error_of({"--cluster-cidr", "10.1.2.0/25"}) ==
        "--cluster-cidr: \"10.1.2.0/25\" is not an IPv4 range of /24 or larger, like 127.64.0.0/10");
  CHECK(error_of({"--service-cidr=10.0.0.0/33"}) == "--service-cidr: \"10.0.0.0/33\" is not an IPv4 CIDR like 127.16.0.0/16");
  CHECK(parse_server_options({"--cluster-cidr", "10.8.0.0/16"}).cluster_cidr == "10.8.0.0/16");
}

TEST_CASE("listen address client config and event history", "[server]") {
  auto o = parse_server_options({"--listen", "127.0.0.9:0", "--client-config", "/tmp/c",
                                 "--event-history=50"});
  CHECK(o.listen_host == "127.0.0.9");
  CHECK(o.listen_port == 0);
  CHECK(o.client_config == "/tmp/c");
  CHECK(o.event_history == 50);
  auto d = parse_server_options({});
  CHECK(d.listen_host == "127.0.0.1");
  CHECK(d.listen_port == 6443);
  CHECK(d.client_config == default_client_config());

  troupe::testing::temp_dir dir;
  std::ofstream(dir / "troupe.yaml") << "listen: 0.0.0.0:7443\nevent-history: 10\n";
  auto f = parse_server_options({"--config", dir / "troupe.yaml"});
  CHECK(f.listen_host == "0.0.0.0");
  CHECK(f.listen_port == 7443);
  CHECK(f.event_history == 10);

  CHECK(error_of({"--listen", "6443"}) == "--listen: expected HOST:PORT, got \"6443\"");
  CHECK(error_of({"--listen", "h:99999"}) == "--listen: invalid port in \"h:99999\"");
  CHECK(error_of({"--event-history", "0"}) ==
        "--event-history: expected a positive number of events, got \"0\"");
}

TEST_CASE("node monitor grace period", "[server]") {
  CHECK(parse_server_options({}).node_monitor_grace_ms == 40000);
  CHECK(parse_server_options({"--node-monitor-grace-period", "1m30s"}).node_monitor_grace_ms == 90000);
  CHECK(error_of({"--node-monitor-grace-period", "500ms"}) ==
        "--node-monitor-grace-period: expected a duration of at least 1s such as 40s, got \"500ms\"");
  CHECK(error_of({"--node-monitor-grace-period", "soon"}) ==
        "--node-monitor-grace-period: expected a duration of at least 1s such as 40s, got \"soon\"");
}
