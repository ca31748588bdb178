// Nodes for real: a server with its own node plus agent processes on loopback run pods of
// real processes. Scheduling, restarts and backoff, probes, init containers, env sources,
// logs, exec, graceful termination, OOM kills, an agent killed and restarted, static pods,
// cordon and drain, and a wrong join token.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <regex>
#include <thread>

#include "runtime/base/time.hpp"
#include "runtime/process/cgroup.hpp"
#include "test/harness/cli.hpp"
#include "test/harness/ports.hpp"

using troupe::testing::child_process;
using troupe::testing::lines;
using troupe::testing::cli_result;
using troupe::testing::cluster;

namespace {

// Polls `troupe <args>` until its stdout satisfies `ok`; fails the test after `seconds`.
template <class Ok>
std::string wait_until(cluster& c, std::vector<std::string> args, Ok ok, int seconds = 30) {
  std::string out;
  for (int i = 0; i < seconds * 10; ++i) {
    out = c.troupe(args).out;
    if (!out.empty() && out.back() == '\n' && args.size() > 2 && args[args.size() - 2] == "-o") out.pop_back();
    if (ok(out)) return out;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  std::string command;
  for (auto& a : args) command += " " + a;
  FAIL("gave up after " << seconds << " s waiting on `troupe" << command << "`; it last printed:\n" << out);
  return out;
}

std::string wait_for_text(cluster& c, std::vector<std::string> args, const std::string& text, int seconds = 30) {
  return wait_until(c, std::move(args), [&](const std::string& out) { return out.find(text) != std::string::npos; },
                    seconds);
}

std::string jsonpath(cluster& c, const std::string& what, const std::string& path,
                     const std::string& ns = "default") {
  auto r = c.troupe({"get", what, "-n", ns, "-o", "jsonpath=" + path});
  return r.out;
}

std::string first_line_of(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

// The status line of GET / from ip:port, or "" when nothing answers.
std::string http_status(const std::string& ip, int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, ip.c_str(), &addr.sin_addr);
  std::string line;
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    std::string req = "GET / HTTP/1.0\r\n\r\n";
    (void)!write(fd, req.data(), req.size());
    char buf[256];
    ssize_t n = read(fd, buf, sizeof buf);
    if (n > 0) line.assign(buf, static_cast<size_t>(n));
  }
  close(fd);
  return line.substr(0, line.find('\r'));
}

// A `troupe agent` process joined to `c`, with its own data dir; killed with the test.
class agent {
 public:
  agent(cluster& c, const std::string& name, std::vector<std::string> extra = {}) : c_(c), name_(name) {
    start(std::move(extra));
  }
  ~agent() { process_.reset(); }
  void start(std::vector<std::string> extra = {}) {
    std::vector<std::string> argv = {TROUPE_BINARY, "agent", "--server", c_.cluster_address(), "--token",
                                     c_.token(), "--name", name_, "--data-dir", c_.dir() / ("agent-" + name_),
                                     "--cgroup-root", c_.cgroup_root()};
    argv.insert(argv.end(), extra.begin(), extra.end());
    process_ = std::make_unique<child_process>(argv);
  }
  child_process& process() { return *process_; }

 private:
  cluster& c_;
  std::string name_;
  std::unique_ptr<child_process> process_;
};

std::string pod_on(const std::string& name, const std::string& node, const std::string& container_yaml,
                   const std::string& spec_extra = "") {
  return "apiVersion: v1\nkind: Pod\nmetadata: {name: " + name + "}\nspec:\n  nodeSelector: {kubernetes.io/hostname: " +
         node + "}\n" + spec_extra + "  containers:\n  - " + container_yaml + "\n";
}

bool ready_nodes(const std::string& out, int n) {
  int count = 0;
  for (size_t at = out.find(" Ready "); at != std::string::npos; at = out.find(" Ready ", at + 1)) ++count;
  return count == n;
}

}  // namespace

TEST_CASE("two nodes join a scheduled pod serves HTTP at its pod IP", "[process][nodes]") {
  cluster c({"--node-name", "s1", "--node-taint", "example.com/control=yes:PreferNoSchedule"});
  agent a1(c, "a1",
           {"--node-label", "topology.kubernetes.io/zone=east", "--node-label", "disk=ssd",
            "--node-taint", "example.com/soft=yes:PreferNoSchedule", "--node-ip", "127.0.0.5"});
  auto nodes = wait_until(c, {"get", "nodes"}, [](const std::string& o) { return ready_nodes(o, 2); });
  CHECK_THAT(nodes, Catch::Contains("s1 ") && Catch::Contains("a1 "));
  // The server's node has the roles k3s gives its server's; an agent's, the labels it was given.
  CHECK(std::regex_search(nodes, std::regex("s1 +Ready +control-plane,master ")));
  CHECK(std::regex_search(nodes, std::regex("a1 +Ready +<none> ")));
  CHECK(jsonpath(c, "node/a1",
                 "{.metadata.labels.topology\\.kubernetes\\.io/zone} {.metadata.labels.disk}") ==
        "east ssd");
  child_process bad_label({TROUPE_BINARY, "agent", "--server", c.cluster_address(), "--token",
                           c.token(), "--node-label", "disk"});
  CHECK(bad_label.wait(std::chrono::seconds(10)) != std::optional<int>(0));
  CHECK_THAT(bad_label.output(), Catch::Contains("--node-label \"disk\": expected KEY=VALUE"));
  CHECK(jsonpath(c, "node/a1", "{.spec.podCIDR}") != jsonpath(c, "node/s1", "{.spec.podCIDR}"));
  // Registered with their taints and addresses, and the machine's ids.
  CHECK(jsonpath(c, "node/a1",
                 "{.spec.taints[*].key}={.spec.taints[*].value}:{.spec.taints[*].effect}") ==
        "example.com/soft=yes:PreferNoSchedule");
  CHECK(jsonpath(c, "node/s1", "{.spec.taints[*].key}") == "example.com/control");
  CHECK(jsonpath(c, "node/a1", "{.status.addresses[?(@.type==\"InternalIP\")].address}") ==
        "127.0.0.5");
  CHECK(jsonpath(c, "node/s1", "{.status.addresses[?(@.type==\"InternalIP\")].address}") ==
        "127.0.0.1");
  CHECK(jsonpath(c, "node/a1", "{.status.nodeInfo.bootID}") ==
        first_line_of("/proc/sys/kernel/random/boot_id"));
  // Named as the node is, as k3s' --node-name names the kubelet's host (not the machine's name).
  CHECK(jsonpath(c, "node/a1", "{.status.addresses[?(@.type==\"Hostname\")].address}") == "a1");
  CHECK(jsonpath(c, "node/s1", "{.status.addresses[?(@.type==\"Hostname\")].address}") == "s1");
  CHECK(jsonpath(c, "lease/a1", "{.spec.holderIdentity}").empty());  // leases live in kube-node-lease
  CHECK(c.troupe({"get", "lease", "a1", "-n", "kube-node-lease", "-o", "jsonpath={.spec.holderIdentity}"}).out == "a1");
  // Owned by its Node from its first write: none is left behind by an agent stopped early.
  CHECK(c.troupe({"get", "lease", "a1", "-n", "kube-node-lease", "-o",
                  "jsonpath={.metadata.ownerReferences[0].uid}"})
            .out == jsonpath(c, "node/a1", "{.metadata.uid}"));

  REQUIRE(c.troupe({"apply", "-f", "-"}, pod_on("web", "a1",
      "{name: web, image: python, command: [python3, -m, http.server, --bind, $(POD_IP), '8080'], "
      "readinessProbe: {tcpSocket: {port: 8080}, periodSeconds: 1}}")).code == 0);
  wait_for_text(c, {"get", "pod", "web"}, "1/1     Running");
  CHECK(jsonpath(c, "pod/web", "{.spec.nodeName}") == "a1");
  CHECK(jsonpath(c, "pod/web", "{.status.hostIP}") == "127.0.0.5");
  auto ip = jsonpath(c, "pod/web", "{.status.podIP}");
  CHECK(ip.rfind("127.", 0) == 0);
  CHECK(http_status(ip, 8080) == "HTTP/1.0 200 OK");
  CHECK(jsonpath(c, "pod/web", "{.status.conditions[*].type}") ==
        "PodReadyToStartContainers Initialized Ready ContainersReady PodScheduled");
  CHECK(jsonpath(c, "pod/web", "{.status.conditions[*].status}") == "True True True True True");
  REQUIRE(c.troupe({"delete", "pod", "web"}).code == 0);
  CHECK(http_status(ip, 8080).empty());
}

TEST_CASE("restart policies CrashLoopBackOff and exit codes", "[process][nodes]") {
  cluster c({"--node-name", "s1"});
  wait_until(c, {"get", "nodes"}, [](const std::string& o) { return ready_nodes(o, 1); });
  REQUIRE(c.troupe({"apply", "-f", "-"}, pod_on("crash", "s1", "{name: c, image: sh, command: [sh, -c, 'exit 3']}")).code == 0);
  wait_for_text(c, {"get", "pod", "crash"}, "CrashLoopBackOff");
  CHECK(jsonpath(c, "pod/crash", "{.status.containerStatuses[0].lastState.terminated.exitCode}") == "3");
  CHECK(jsonpath(c, "pod/crash", "{.status.containerStatuses[0].lastState.terminated.reason}") == "Error");
  CHECK_THAT(jsonpath(c, "pod/crash", "{.status.containerStatuses[0].state.waiting.message}"),
             Catch::StartsWith("back-off 10s restarting failed container=c pod=crash_default("));
  CHECK_THAT(c.troupe({"describe", "pod", "crash"}).out,
             Catch::Contains("BackOff") && Catch::Contains("Back-off restarting failed container c in pod crash_default("));
  // In backoff: no restart for 10 s.
  auto restarts = jsonpath(c, "pod/crash", "{.status.containerStatuses[0].restartCount}");
  std::this_thread::sleep_for(std::chrono::seconds(2));
  CHECK(jsonpath(c, "pod/crash", "{.status.containerStatuses[0].restartCount}") == restarts);

  REQUIRE(c.troupe({"apply", "-f", "-"}, pod_on("done", "s1", "{name: c, image: sh, command: ['true']}",
                                                 "  restartPolicy: OnFailure\n")).code == 0);
  wait_for_text(c, {"get", "pod", "done"}, "Completed");
  CHECK(jsonpath(c, "pod/done", "{.status.phase}") == "Succeeded");
  REQUIRE(c.troupe({"apply", "-f", "-"}, pod_on("once", "s1", "{name: c, image: sh, command: [sh, -c, 'exit 7']}",
                                                 "  restartPolicy: Never\n")).code == 0);
  CHECK(wait_until(c, {"get", "pod", "once", "-o", "jsonpath={.status.phase}"},
                   [](const std::string& o) { return o == "Failed"; }) == "Failed");
  CHECK(jsonpath(c, "pod/once", "{.status.containerStatuses[0].state.terminated.exitCode}") == "7");
  CHECK(jsonpath(c, "pod/once", "{.status.containerStatuses[0].restartCount}") == "0");
  auto missing = c.troupe({"apply", "-f", "-"}, pod_on("bad", "s1", "{name: c, image: sh, command: [no-such-binary-x]}",
                                                       "  restartPolicy: Never\n"));
  REQUIRE(missing.code == 0);
  CHECK(wait_until(c, {"get", "pod", "bad", "-o", "jsonpath={.status.containerStatuses[0].state.terminated.reason}"},
                   [](const std::string& o) { return !o.empty(); }) == "StartError");
  CHECK_THAT(jsonpath(c, "pod/bad", "{.status.containerStatuses[0].state.terminated.message}"),
             Catch::Contains("no-such-binary-x: No such file or directory"));
  // Made, then not started: it has an id, as containerd's has.
  CHECK_THAT(jsonpath(c, "pod/bad", "{.status.containerStatuses[0].state.terminated.containerID}"),
             Catch::StartsWith("troupe://"));
  CHECK_THAT(jsonpath(c, "pod/bad", "{.status.containerStatuses[0].containerID}"),
             Catch::StartsWith("troupe://"));
}

TEST_CASE("probes turn readiness on and off - a failing liveness probe restarts", "[process][nodes]") {
  cluster c({"--node-name", "s1"});
  wait_until(c, {"get", "nodes"}, [](const std::string& o) { return ready_nodes(o, 1); });
  auto flag = c.dir() / "ready";
  REQUIRE(c.troupe({"apply", "-f", "-"}, pod_on("probed", "s1",
      "{name: c, image: sh, command: [sleep, '300'], readinessProbe: {exec: {command: [test, -f, " + flag +
      "]}, periodSeconds: 1, failureThreshold: 1}}")).code == 0);
  wait_for_text(c, {"get", "pod", "probed"}, "0/1     Running");
  std::ofstream(flag) << "ok";
  wait_for_text(c, {"get", "pod", "probed"}, "1/1     Running");
  CHECK(jsonpath(c, "pod/probed", "{.status.containerStatuses[0].ready}") == "true");
  std::remove(flag.c_str());
  wait_for_text(c, {"get", "pod", "probed"}, "0/1     Running");
  auto described = c.troupe({"describe", "pod", "probed"}).out;
  CHECK_THAT(described, Catch::Contains("Started container c"));
  // kubectl trims an event's message, so the probe's empty output leaves no space after ':'.
  CHECK_THAT(described, Catch::Contains("Unhealthy") && Catch::Contains("Readiness probe failed:"));

  // Stopped as the kubelet stops it: SIGTERM first, which this container answers by exiting 0.
  REQUIRE(c.troupe({"apply", "-f", "-"}, pod_on("alive", "s1",
      "{name: c, image: sh, command: [sh, -c, \"trap 'exit 0' TERM; while :; do sleep 0.1; done\"], "
      "livenessProbe: {exec: {command: ['false']}, periodSeconds: 1, failureThreshold: 2}}")).code == 0);
  CHECK(wait_until(c, {"get", "pod", "alive", "-o", "jsonpath={.status.containerStatuses[0].restartCount}"},
                   [](const std::string& o) { return o == "1"; }) == "1");
  CHECK(jsonpath(c, "pod/alive", "{.status.containerStatuses[0].lastState.terminated.exitCode}") == "0");
  // One Unhealthy event counted up per failure, and the kill said why.
  auto events = [&](const std::string& reason, const std::string& path) {
    return c.troupe({"get", "events", "--field-selector", "involvedObject.name=alive,reason=" + reason, "-o",
                      "jsonpath=" + path})
        .out;
  };
  CHECK(events("Killing", "{.items[0].message}") == "Container c failed liveness probe, will be restarted");
  CHECK(events("Killing", "{.items[0].involvedObject.fieldPath}") == "spec.containers{c}");
  CHECK(events("Killing", "{.items[0].source.component} {.items[0].source.host}") == "kubelet s1");
  CHECK(std::stoi("0" + events("Unhealthy", "{.items[0].count}")) >= 2);
  CHECK(events("Unhealthy", "{.items[*].metadata.name}").find(' ') == std::string::npos);  // one Event
  // A pod deleted says so for each container it stops.
  REQUIRE(c.troupe({"delete", "pod", "alive"}).code == 0);
  CHECK_THAT(events("Killing", "{.items[*].message}"), Catch::Contains("Stopping container c"));

  // A readiness gate holds Ready until its owner sets its condition, which the kubelet keeps.
  REQUIRE(c.troupe({"apply", "-f", "-"}, pod_on("gated", "s1", "{name: c, image: sh, command: [sleep, '300']}",
                                                "  readinessGates: [{conditionType: example.com/lb}]\n"))
              .code == 0);
  auto ready = [&] {
    return jsonpath(c, "pod/gated", "{.status.conditions[?(@.type==\"Ready\")].status}");
  };
  wait_until(c, {"get", "pod", "gated", "-o", "jsonpath={.status.conditions[?(@.type==\"ContainersReady\")].status}"},
             [](const std::string& o) { return o == "True"; });
  CHECK(ready() == "False");
  CHECK(jsonpath(c, "pod/gated", "{.status.conditions[?(@.type==\"Ready\")].reason}") == "ReadinessGatesNotReady");
  REQUIRE(c.troupe({"patch", "pod", "gated", "--subresource=status", "--type=json", "-p",
                    R"([{"op":"add","path":"/status/conditions/-","value":{"type":"example.com/lb","status":"True"}}])"})
              .code == 0);
  wait_until(c, {"get", "pod", "gated", "-o", "jsonpath={.status.conditions[?(@.type==\"Ready\")].status}"},
             [](const std::string& o) { return o == "True"; });
  CHECK(jsonpath(c, "pod/gated", "{.status.conditions[?(@.type==\"example.com/lb\")].status}") == "True");
}

TEST_CASE("init containers run in order - env from fields ConfigMaps and Secrets - logs and exec",
          "[process][nodes]") {
  cluster c({"--node-name", "s1"});
  wait_until(c, {"get", "nodes"}, [](const std::string& o) { return ready_nodes(o, 1); });
  auto work = c.dir() / "work";
  std::filesystem::create_directories(work);
  REQUIRE(c.troupe({"apply", "-f", "-"},
                   "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}\ndata: {level: debug, mode: fast}\n---\n"
                   "apiVersion: v1\nkind: Secret\nmetadata: {name: sec}\nstringData: {password: s3cret}\n---\n" +
                       pod_on("env", "s1",
                              "{name: main, image: sh, workingDir: " + work +
                                  ", command: [sh, -c, 'cat order; echo name=$MY_NAME ns=$MY_NS node=$NODE ip=$MY_IP "
                                  "level=$LEVEL pass=$PASS cfg=$CFG_mode; sleep 300'], env: [{name: MY_NAME, valueFrom: "
                                  "{fieldRef: {fieldPath: metadata.name}}}, {name: MY_NS, valueFrom: {fieldRef: "
                                  "{fieldPath: metadata.namespace}}}, {name: NODE, valueFrom: {fieldRef: {fieldPath: "
                                  "spec.nodeName}}}, {name: MY_IP, valueFrom: {fieldRef: {fieldPath: status.podIP}}}, "
                                  "{name: LEVEL, valueFrom: {configMapKeyRef: {name: cfg, key: level}}}, {name: PASS, "
                                  "valueFrom: {secretKeyRef: {name: sec, key: password}}}], envFrom: [{prefix: CFG_, "
                                  "configMapRef: {name: cfg}}]}",
                              "  initContainers:\n  - {name: first, image: sh, workingDir: " + work +
                                  ", command: [sh, -c, 'echo first > order']}\n  - {name: second, image: sh, "
                                  "workingDir: " + work + ", command: [sh, -c, 'echo second >> order']}\n"))
              .code == 0);
  auto logs = wait_for_text(c, {"logs", "env"}, "name=");
  auto ip = jsonpath(c, "pod/env", "{.status.podIP}");
  CHECK(logs == "first\nsecond\nname=env ns=default node=s1 ip=" + ip + " level=debug pass=s3cret cfg=fast\n");
  CHECK(jsonpath(c, "pod/env", "{.status.initContainerStatuses[*].state.terminated.reason}") == "Completed Completed");
  CHECK(jsonpath(c, "pod/env", "{.status.initContainerStatuses[*].ready}") == "true true");  // finished with 0
  CHECK(c.troupe({"logs", "env", "-c", "first"}).code == 0);
  auto exec = c.troupe({"exec", "env", "--", "sh", "-c", "echo $LEVEL in $(pwd); echo oops >&2; exit 5"});
  CHECK(exec.code == 5);
  CHECK(exec.out == "debug in " + work + "\n");
  CHECK(exec.err == "Defaulted container \"main\" out of: main, first (init), second (init)\noops\n"
                    "command terminated with exit code 5\n");
  // -i gives the command this side's stdin, then end of file; without it the command reads none.
  CHECK(c.troupe({"exec", "-i", "env", "-q", "--", "sh", "-c", "tr a-z A-Z; echo done"}, "two\nlines\n").out ==
        "TWO\nLINES\ndone\n");
  CHECK(c.troupe({"exec", "env", "-q", "--", "cat"}, "ignored\n").out.empty());
  // No terminal to read from: as kubectl, -t says so and goes on without one.
  auto no_tty = c.troupe({"exec", "-it", "env", "-c", "main", "--", "wc", "-c"}, "12345");
  CHECK(no_tty.out == "5\n");
  CHECK(no_tty.err == "Unable to use a TTY - input is not a terminal or the right kind of file\n");
  auto tty_alone = c.troupe({"exec", "-t", "env", "-q", "--", "echo", "x"});  // kubectl drops -t without -i
  CHECK(tty_alone.out == "x\n");
  CHECK(tty_alone.err.empty());
  auto stamped = c.troupe({"logs", "env", "--timestamps", "--tail", "1"});
  CHECK(std::regex_match(stamped.out, std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z name=env .*\n)")));
  CHECK_THAT(c.troupe({"logs", "env", "-c", "nope"}).err, Catch::Contains("container nope is not valid for pod env"));
}

TEST_CASE("logs by selector with prefixes and logs and exec through a Service", "[process][nodes]") {
  cluster c({"--node-name", "s1"});
  wait_until(c, {"get", "nodes"}, [](const std::string& o) { return ready_nodes(o, 1); });
  for (const char* name : {"t1", "t2"})
    REQUIRE(c.troupe({"apply", "-f", "-"},
                     "apiVersion: v1\nkind: Pod\nmetadata: {name: " + std::string(name) +
                         ", labels: {app: talk}}\nspec:\n  containers:\n"
                         "  - {name: a, image: sh, command: [sh, -c, 'echo one $HOSTNAME; echo two; sleep 300']}\n"
                         "  - {name: b, image: sh, command: [sh, -c, 'echo bee; sleep 300']}\n")
                .code == 0);
  REQUIRE(c.troupe({"create", "service", "clusterip", "talk", "--tcp=80"}).code == 0);
  REQUIRE(c.troupe({"patch", "svc", "talk", "-p", R"({"spec": {"selector": {"app": "talk"}}})"}).code == 0);
  wait_for_text(c, {"logs", "t2", "-c", "a"}, "two");
  wait_for_text(c, {"logs", "t1", "-c", "a"}, "two");
  auto both = c.troupe({"logs", "-l", "app=talk", "-c", "a", "--prefix"});
  CHECK(both.code == 0);
  CHECK(both.out == "[pod/t1/a] one t1\n[pod/t1/a] two\n[pod/t2/a] one t2\n[pod/t2/a] two\n");
  wait_for_text(c, {"logs", "t1", "-c", "b"}, "bee");
  CHECK(c.troupe({"logs", "t1", "--all-containers", "--prefix"}).out == "[pod/t1/a] one t1\n[pod/t1/a] two\n[pod/t1/b] bee\n");
  CHECK(c.troupe({"logs", "-l", "app=talk", "-c", "a", "--tail", "1"}).out == "two\ntwo\n");
  CHECK(c.troupe({"logs", "-l", "app=nobody"}).err == "No resources found in default namespace.\n");
  // Through the Service: one of its pods, named on stderr.
  auto via = c.troupe({"logs", "svc/talk", "-c", "a"});
  CHECK_THAT(via.out, Catch::StartsWith("one t"));
  CHECK_THAT(via.err, Catch::Matches("Found 2 pods, using pod/t[12]\n"));
  auto exec = c.troupe({"exec", "service/talk", "-c", "b", "--", "echo", "hi"});
  CHECK(exec.out == "hi\n");
  CHECK(c.troupe({"logs", "svc/none"}).code == 1);
  // No -c: the first container, and kubectl's note naming the others (not with -q).
  auto defaulted = c.troupe({"logs", "t1"});
  CHECK(defaulted.out == "one t1\ntwo\n");
  CHECK(defaulted.err == "Defaulted container \"a\" out of: a, b\n");
  CHECK(c.troupe({"logs", "t1", "-c", "a", "--limit-bytes", "5"}).out == "one t");
  CHECK(c.troupe({"logs", "t1", "-c", "a", "--since-time", "2000-01-01T00:00:00Z"}).out == "one t1\ntwo\n");
  CHECK(c.troupe({"logs", "t1", "--since", "1h", "--since-time", "2000-01-01T00:00:00Z"}).err ==
        "error: at most one of `sinceTime` or `sinceSeconds` may be specified\n");
  // --since as kubectl reads it: 0 is no limit, what rounds to 0 seconds the server refuses,
  // negative refused.
  CHECK(c.troupe({"logs", "t1", "-c", "a", "--since", "0s"}).out == "one t1\ntwo\n");
  CHECK(c.troupe({"logs", "t1", "-c", "a", "--since", "1us"}).err == "error: sinceSeconds: Invalid value: 0: must be greater than 0\n");
  CHECK(c.troupe({"logs", "t1", "-c", "a", "--since", "-5s"}).err == "error: --since must be greater than 0\n");
  auto quiet = c.troupe({"exec", "t1", "-q", "--", "echo", "q"});
  CHECK(quiet.out == "q\n");
  CHECK(quiet.err.empty());
  REQUIRE(c.troupe({"annotate", "pod", "t1", "kubectl.kubernetes.io/default-container=b"}).code == 0);
  CHECK(c.troupe({"logs", "t1"}).out == "bee\n");
  REQUIRE(c.troupe({"apply", "-f", "-"}, pod_on("finished", "s1", "{name: c, image: sh, command: ['true']}",
                                                 "  restartPolicy: Never\n")).code == 0);
  wait_for_text(c, {"get", "pod", "finished"}, "Completed");
  auto completed = c.troupe({"exec", "finished", "--", "true"});
  CHECK(completed.code == 1);
  CHECK(completed.err == "error: cannot exec into a container in a completed pod; current phase is Succeeded\n");
}

TEST_CASE("a missing ConfigMap holds the container until it exists", "[process][nodes]") {
  cluster c({"--node-name", "s1"});
  wait_until(c, {"get", "nodes"}, [](const std::string& o) { return ready_nodes(o, 1); });
  REQUIRE(c.troupe({"apply", "-f", "-"}, pod_on("waits", "s1",
      "{name: c, image: sh, command: [sleep, '300'], env: [{name: A, valueFrom: {configMapKeyRef: {name: later, key: a}}}]}"))
              .code == 0);
  wait_for_text(c, {"get", "pod", "waits"}, "CreateContainerConfigError");
  CHECK(jsonpath(c, "pod/waits", "{.status.containerStatuses[0].state.waiting.message}") == "configmap \"later\" not found");
  // The kubelet's Failed event, counted up on each retry instead of repeated.
  CHECK_THAT(wait_until(c, {"describe", "pod", "waits"},
                        [](const std::string& o) { return o.find("(x2 over") != std::string::npos; }),
             Catch::Contains("Warning  Failed") && Catch::Contains("Error: configmap \"later\" not found"));
  REQUIRE(c.troupe({"create", "-f", "-"}, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: later}\ndata: {a: x}\n").code == 0);
  wait_for_text(c, {"get", "pod", "waits"}, "1/1     Running");
}

TEST_CASE("cp copies files and directories to and from a container", "[process][nodes]") {
  cluster c({"--node-name", "s1"});
  wait_until(c, {"get", "nodes"}, [](const std::string& o) { return ready_nodes(o, 1); });
  REQUIRE(c.troupe({"apply", "-f", "-"}, pod_on("box", "s1", "{name: c, image: sh, command: [sleep, '300']}")).code == 0);
  wait_for_text(c, {"get", "pod", "box"}, "Running");
  // Containers here see the host's files, so both sides live under the test's directory.
  auto local = c.dir() / "local", inside = c.dir() / "inside";
  std::filesystem::create_directories(local + "/tree/sub");
  std::filesystem::create_directories(inside);
  std::ofstream(local + "/note.txt") << "hello from here\n";
  std::ofstream(local + "/tree/sub/deep.txt") << "deep\n";
  auto read = [](const std::string& path) {
    std::ifstream in(path);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  };
  // A file to a new name; then into a directory that is there, under its own name.
  CHECK(c.troupe({"cp", local + "/note.txt", "box:" + inside + "/renamed.txt"}).code == 0);
  CHECK(c.troupe({"exec", "box", "--", "cat", inside + "/renamed.txt"}).out == "hello from here\n");
  CHECK(c.troupe({"cp", local + "/note.txt", "default/box:" + inside + "/"}).code == 0);
  CHECK(read(inside + "/note.txt") == "hello from here\n");
  // A directory there and back, each time under the name given.
  CHECK(c.troupe({"cp", local + "/tree", "box:" + inside + "/tree2"}).code == 0);
  CHECK(read(inside + "/tree2/sub/deep.txt") == "deep\n");
  CHECK(c.troupe({"cp", "box:" + inside + "/tree2", local + "/back"}).code == 0);
  CHECK(read(local + "/back/sub/deep.txt") == "deep\n");
  CHECK(c.troupe({"cp", "box:" + inside + "/renamed.txt", local + "/fresh/copy.txt"}).code == 0);
  CHECK(read(local + "/fresh/copy.txt") == "hello from here\n");
  // "dir/." is what is in dir, copied into a directory that is there.
  std::filesystem::create_directories(inside + "/flat");
  CHECK(c.troupe({"cp", local + "/tree/.", "box:" + inside + "/flat"}).code == 0);
  CHECK(read(inside + "/flat/sub/deep.txt") == "deep\n");
  // What lands here is files and directories only: a symlink in the container stays there.
  std::filesystem::create_symlink("/etc/hostname", inside + "/tree2/link");
  auto linked = c.troupe({"cp", "box:" + inside + "/tree2", local + "/again"});
  CHECK(linked.code == 0);
  CHECK(linked.err == "warning: skipping symlink: \"" + local + "/again/link\" -> \"/etc/hostname\" (consider using "
                      "\"troupe exec -n \"default\" \"box\" -- tar cf - \"" + inside + "/tree2\" | tar xf -\")\n");
  CHECK_FALSE(std::filesystem::is_symlink(local + "/again/link"));

  // The default container's note: on stdout for a download, on stderr for an upload, as kubectl.
  REQUIRE(c.troupe({"apply", "-f", "-"}, pod_on("duo", "s1", "{name: a, image: sh, command: [sleep, '300']}\n"
                                                             "  - {name: b, image: sh, command: [sleep, '300']}")).code == 0);
  wait_for_text(c, {"get", "pod", "duo"}, "2/2     Running");
  auto down = c.troupe({"cp", "duo:" + inside + "/note.txt", local + "/duo.txt"});
  CHECK(down.out == "Defaulted container \"a\" out of: a, b\n");
  CHECK(read(local + "/duo.txt") == "hello from here\n");
  auto up = c.troupe({"cp", local + "/note.txt", "duo:" + inside + "/duo-up.txt"});
  CHECK(up.err == "Defaulted container \"a\" out of: a, b\n");
  CHECK(up.out.empty());

  CHECK(c.troupe({"cp", local + "/a", local + "/b"}).err == "error: one of src or dest must be a remote file specification\n");
  CHECK(c.troupe({"cp", "box:/x", "box:/y"}).err == "error: one of src or dest must be a local file specification\n");
  CHECK(c.troupe({"cp", local + "/missing/", "box:" + inside}).err ==
        "error: " + local + "/missing doesn't exist in local filesystem\n");
  std::filesystem::create_symlink(local + "/nowhere", local + "/dangling");
  CHECK(c.troupe({"cp", local + "/dangling", "box:" + inside}).code == 1);
  CHECK(c.troupe({"cp", "box:", local + "/x"}).err == "error: filepath can not be empty\n");
  CHECK(c.troupe({"cp", "a/b/c:/x", local + "/x"}).err ==
        "error: filespec must match the canonical format: [[namespace/]pod:]file/path\n");
  CHECK_THAT(c.troupe({"cp", "nobox:/x", local + "/x"}).err, Catch::Contains("pods \"nobox\" not found"));
  auto missing = c.troupe({"cp", "box:" + inside + "/nope", local + "/nope"});
  CHECK(missing.code != 0);
  CHECK_THAT(missing.out, Catch::Contains("Cannot stat: No such file or directory"));  // kubectl's stream for them
  CHECK_FALSE(std::filesystem::exists(local + "/nope"));
}

TEST_CASE("graceful termination: preStop SIGTERM then the object goes", "[process][nodes]") {
  cluster c({"--node-name", "s1"});
  wait_until(c, {"get", "nodes"}, [](const std::string& o) { return ready_nodes(o, 1); });
  auto marks = c.dir() / "marks";
  REQUIRE(c.troupe({"apply", "-f", "-"}, pod_on("graceful", "s1",
      "{name: c, image: sh, command: [sh, -c, 'trap \"echo term >> " + marks + "; exit 0\" TERM; while true; do sleep 0.1; done'], "
      "lifecycle: {preStop: {exec: {command: [sh, -c, 'echo prestop >> " + marks + "']}}}}",
      "  terminationGracePeriodSeconds: 10\n")).code == 0);
  wait_for_text(c, {"get", "pod", "graceful"}, "1/1     Running");
  auto deleted = c.troupe({"delete", "pod", "graceful"});  // waits until the object is gone
  CHECK(deleted.code == 0);
  std::ifstream in(marks);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(text == "prestop\nterm\n");
  CHECK(c.troupe({"get", "pod", "graceful"}).code == 1);

  // A container that ignores SIGTERM is killed when the grace period ends.
  REQUIRE(c.troupe({"apply", "-f", "-"}, pod_on("stubborn", "s1",
      "{name: c, image: sh, command: [sh, -c, 'trap \"\" TERM; while true; do sleep 0.1; done']}",
      "  terminationGracePeriodSeconds: 1\n")).code == 0);
  wait_for_text(c, {"get", "pod", "stubborn"}, "1/1     Running");
  auto started = std::chrono::steady_clock::now();
  CHECK(c.troupe({"delete", "pod", "stubborn"}).code == 0);
  CHECK(std::chrono::steady_clock::now() - started >= std::chrono::milliseconds(900));
}

TEST_CASE("a container over its memory limit is OOMKilled", "[process][nodes]") {
  auto probe = troupe::cgroups::detect("/sys/fs/cgroup", "troupe-probe");
  probe.remove_parent();
  if (probe.layout() == troupe::cgroups::mode::none) {
    WARN("no writable cgroups here: memory limits fall back to rlimits");
    return;
  }
  cluster c({"--node-name", "s1"});
  wait_until(c, {"get", "nodes"}, [](const std::string& o) { return ready_nodes(o, 1); });
  REQUIRE(c.troupe({"apply", "-f", "-"}, pod_on("hog", "s1",
      "{name: c, image: python, command: [python3, -c, 'x = bytearray(300 * 1024 * 1024)'], "
      "resources: {limits: {memory: 64Mi}}}", "  restartPolicy: Never\n")).code == 0);
  CHECK(wait_until(c, {"get", "pod", "hog", "-o", "jsonpath={.status.containerStatuses[0].state.terminated.reason}"},
                   [](const std::string& o) { return !o.empty(); }) == "OOMKilled");
  CHECK(jsonpath(c, "pod/hog", "{.status.containerStatuses[0].state.terminated.exitCode}") == "137");
}

TEST_CASE("an agent killed goes NotReady - restarted it adopts its pods instead of starting them twice",
          "[process][nodes]") {
  cluster c({"--disable-agent"});
  agent a1(c, "a1");
  wait_until(c, {"get", "nodes"}, [](const std::string& o) { return ready_nodes(o, 1); });
  auto marker = c.dir() / "started";
  REQUIRE(c.troupe({"apply", "-f", "-"}, pod_on("keeper", "a1",
      "{name: c, image: sh, command: [sh, -c, 'echo start >> " + marker + "; echo $$$$ > " + marker + ".pid; exec sleep 300']}")).code == 0);
  wait_for_text(c, {"get", "pod", "keeper"}, "1/1     Running");
  auto ip = jsonpath(c, "pod/keeper", "{.status.podIP}");
  // A second pod, made later but listed first: the agent back adopts it first.
  REQUIRE(
      c.troupe({"apply", "-f", "-"}, pod_on("early", "a1",
                                            "{name: c, image: sh, command: [sleep, '300'], "
                                            "workingDir: /tmp, env: [{name: MYVAR, value: x}]}"))
          .code == 0);
  wait_for_text(c, {"get", "pod", "early"}, "1/1     Running");
  auto early_ip = jsonpath(c, "pod/early", "{.status.podIP}");
  REQUIRE(early_ip != ip);
  a1.process().stop(SIGKILL);
  wait_for_text(c, {"get", "nodes"}, "NotReady");
  CHECK(wait_until(c, {"get", "node", "a1", "-o", "jsonpath={.spec.taints[0].key}"},
                   [](const std::string& o) { return !o.empty(); }) == "node.kubernetes.io/unreachable");
  // The node's events: the kubelet's as it registered, the node controller's as it went away.
  // (The pressure conditions follow this host's disk and memory, so only these are certain.)
  auto node_events = wait_until(c, {"get", "events", "--field-selector", "involvedObject.name=a1", "-o",
                                    "jsonpath={range .items[*]}{.reason}/{.source.component} {end}"},
                                [](const std::string& o) { return o.find("NodeNotReady/node-controller") != std::string::npos; });
  CHECK_THAT(node_events, Catch::StartsWith("Starting/kubelet ") &&
                              Catch::EndsWith("NodeReady/kubelet NodeNotReady/node-controller "));
  // Its pods are not ready while it is away (MarkPodsNotReady), and ready again once it is back.
  std::vector<std::string> ready_condition = {"get", "pod", "keeper", "-o",
                                              "jsonpath={.status.conditions[?(@.type==\"Ready\")].status}"};
  CHECK(wait_until(c, ready_condition, [](const std::string& o) { return o == "False"; }) == "False");
  std::vector<std::string> renewed = {
      "get", "lease", "a1", "-n", "kube-node-lease", "-o", "jsonpath={.spec.renewTime}"};
  auto before_restart = c.troupe(renewed).out;
  a1.start();
  // Its Lease is renewed as it rejoins, not an interval (10 s) later: the node controller
  // would otherwise see it as old as the crash and mark the node Unknown again.
  wait_until(
      c, renewed, [&](const std::string& o) { return o != before_restart; }, 3);
  CHECK(c.troupe(renewed).out != before_restart);
  auto back = wait_until(c, {"get", "nodes"}, [](const std::string& o) { return ready_nodes(o, 1); });
  CHECK_THAT(back, Catch::Contains("Ready"));
  wait_until(c, {"get", "node", "a1", "-o", "jsonpath={.spec.taints}"}, [](const std::string& o) { return o.empty(); });
  std::this_thread::sleep_for(std::chrono::seconds(1));
  std::ifstream in(marker);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(text == "start\n");  // adopted, not started again
  CHECK(wait_until(c, ready_condition, [](const std::string& o) { return o == "True"; }) == "True");
  CHECK(jsonpath(c, "pod/keeper", "{.status.containerStatuses[0].restartCount}") == "0");
  // The addresses the processes run with: kept, and not given to a pod new to the agent.
  CHECK(jsonpath(c, "pod/keeper", "{.status.podIP}") == ip);
  CHECK(jsonpath(c, "pod/early", "{.status.podIP}") == early_ip);
  // exec in an adopted container runs with the container's environment and directory.
  CHECK(c.troupe({"exec", "early", "--", "sh", "-c", "echo $MYVAR; pwd"}).out == "x\n/tmp\n");
  REQUIRE(c.troupe({"apply", "-f", "-"}, pod_on("fresh", "a1", "{name: c, image: sh, command: [sleep, '300']}")).code == 0);
  wait_for_text(c, {"get", "pod", "fresh"}, "1/1     Running");
  auto fresh_ip = jsonpath(c, "pod/fresh", "{.status.podIP}");
  CHECK(fresh_ip != ip);
  CHECK(fresh_ip != early_ip);
  REQUIRE(c.troupe({"delete", "pod", "early", "fresh", "--force", "--wait=false"}).code == 0);
  // A pod deleted while its agent was away is stopped when it comes back.
  a1.process().stop(SIGKILL);
  REQUIRE(c.troupe({"delete", "pod", "keeper", "--force", "--wait=false"}).code == 0);
  a1.start();
  wait_until(c, {"get", "nodes"}, [](const std::string& o) { return ready_nodes(o, 1); });
  pid_t container = 0;
  std::ifstream(marker + ".pid") >> container;
  REQUIRE(container > 0);
  bool gone = false;
  for (int i = 0; i < 100 && !gone; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    gone = kill(container, 0) != 0;
  }
  CHECK(gone);
}

TEST_CASE(
    "an agent that goes silent with its link open is marked NotReady by its lease - NoExecute "
    "taints evict",
    "[process][nodes]") {
  cluster c({"--disable-agent", "--node-monitor-grace-period", "3s"});
  agent a1(c, "a1", {"--node-lease-duration-seconds", "2"});  // renewed every 0.5 s
  // a2 stays healthy: were every node unreachable, the fault would more likely be the
  // server's or the network's, and unreachable taints would evict nobody.
  agent a2(c, "a2", {"--node-lease-duration-seconds", "2"});
  wait_until(c, {"get", "nodes"}, [](const std::string& o) { return ready_nodes(o, 2); });
  CHECK(jsonpath(c, "lease/a1", "{.spec.leaseDurationSeconds}", "kube-node-lease") == "2");
  // "brief" tolerates an unreachable node for 1 s; "patient" has the default 300 s.
  std::string sleeper = "{name: c, image: sh, command: [sleep, '300']}";
  REQUIRE(c.troupe({"apply", "-f", "-"},
                   pod_on("brief", "a1", sleeper,
                          "  terminationGracePeriodSeconds: 1\n  tolerations: [{key: "
                          "node.kubernetes.io/unreachable, "
                          "operator: Exists, effect: NoExecute, tolerationSeconds: 1}]\n") +
                       "---\n" +
                       pod_on("patient", "a1", sleeper, "  terminationGracePeriodSeconds: 1\n"))
              .code == 0);
  wait_for_text(c, {"get", "pod", "brief"}, "1/1     Running");
  wait_for_text(c, {"get", "pod", "patient"}, "1/1     Running");
  CHECK(jsonpath(c, "pod/patient", "{.spec.tolerations[1].tolerationSeconds}") == "300");
  // Healthy beyond the grace period: the renewals keep it Ready.
  std::this_thread::sleep_for(std::chrono::seconds(4));
  CHECK(ready_nodes(c.troupe({"get", "nodes"}).out, 2));

  // Stopped, the agent keeps its connection (the kernel still answers for it) but says nothing.
  pid_t pid = a1.process().pid();
  REQUIRE(kill(pid, SIGSTOP) == 0);
  struct resume {
    pid_t pid;
    ~resume() { kill(pid, SIGCONT); }
  } resume_on_exit{pid};
  wait_for_text(c, {"get", "nodes"}, "NotReady", 20);
  CHECK(jsonpath(c, "node/a1", "{.status.conditions[*].status}") == "Unknown Unknown Unknown Unknown");
  CHECK(jsonpath(c, "node/a1", "{.status.conditions[0].message}") == "Kubelet stopped posting node status.");
  CHECK(jsonpath(c, "node/a1", "{.spec.taints[*].key}") ==
        "node.kubernetes.io/unreachable node.kubernetes.io/unreachable");
  CHECK(jsonpath(c, "node/a1", "{.spec.taints[*].effect}") == "NoSchedule NoExecute");
  // Its toleration run out, "brief" is deleted; with the node away it stays Terminating.
  wait_until(
      c, {"get", "pod", "brief", "-o", "jsonpath={.metadata.deletionTimestamp}"},
      [](const std::string& o) { return !o.empty(); }, 15);
  CHECK(jsonpath(c, "pod/patient", "{.metadata.deletionTimestamp}").empty());
  wait_for_text(c, {"get", "events"}, "Marking for deletion Pod default/brief");

  REQUIRE(kill(pid, SIGCONT) == 0);
  wait_until(
      c, {"get", "nodes"}, [](const std::string& o) { return ready_nodes(o, 2); }, 20);
  wait_until(c, {"get", "node", "a1", "-o", "jsonpath={.spec.taints}"}, [](const std::string& o) { return o.empty(); });
  // Back, the node stops "brief" and the object goes; "patient" never stopped.
  wait_until(c, {"get", "pods"},
             [](const std::string& o) { return o.find("brief") == std::string::npos; });
  CHECK(jsonpath(c, "pod/patient", "{.status.containerStatuses[0].restartCount}") == "0");

  // `troupe taint` as kubectl's: add, refuse a second value without --overwrite, remove.
  CHECK(c.troupe({"taint", "node", "a1", "spare=yes:NoSchedule"}).out == "node/a1 tainted\n");
  auto again = c.troupe({"taint", "node", "a1", "spare=no:NoSchedule"});
  CHECK(again.code == 1);
  CHECK_THAT(
      again.err,
      Catch::Contains(
          "node a1 already has spare taint(s) with same effect(s) and --overwrite is false"));
  CHECK(c.troupe({"taint", "node/a1", "spare=no:NoSchedule", "--overwrite"}).out ==
        "node/a1 modified\n");
  CHECK_THAT(c.troupe({"taint", "pod", "patient", "x=y:NoSchedule"}).err,
             Catch::Contains("taint works on nodes, not pods"));
  CHECK_THAT(c.troupe({"taint", "node", "a1", "two=x:NoSchedule", "two=y:NoSchedule"}).err,
             Catch::Contains("taint \"two:NoSchedule\" is named twice"));
  CHECK(jsonpath(c, "node/a1", "{.spec.taints[0].value}") == "no");
  CHECK(c.troupe({"taint", "node", "a1", "spare:Sometimes"}).err ==
        "error: invalid taint effect: Sometimes, unsupported taint effect\n");
  CHECK_THAT(c.troupe({"taint", "node", "a1", "other-"}).err,
             Catch::Contains("taint \"other\" not found"));
  CHECK(c.troupe({"taint", "node", "a1", "spare-"}).out == "node/a1 untainted\n");
  CHECK(jsonpath(c, "node/a1", "{.spec.taints}").empty());

  // A NoExecute taint put on a healthy node evicts the pods that do not tolerate it.
  CHECK(c.troupe({"taint", "node", "a1", "dedicated=db:NoExecute"}).out == "node/a1 tainted\n");
  CHECK_FALSE(jsonpath(c, "node/a1", "{.spec.taints[0].timeAdded}").empty());
  wait_until(
      c, {"get", "pods"},
      [](const std::string& o) { return o.find("patient") == std::string::npos; }, 20);
}

TEST_CASE("the scheduler says why nothing fits - cordon and drain", "[process][nodes]") {
  cluster c({"--node-name", "s1"});
  agent a1(c, "a1");
  wait_until(c, {"get", "nodes"}, [](const std::string& o) { return ready_nodes(o, 2); });
  REQUIRE(c.troupe({"apply", "-f", "-"},
                   "apiVersion: v1\nkind: Pod\nmetadata: {name: huge}\nspec:\n  containers:\n  - {name: c, image: sh, "
                   "command: [sleep, '300'], resources: {requests: {cpu: '500'}}}\n")
              .code == 0);
  auto message = wait_until(c, {"get", "pod", "huge", "-o", "jsonpath={.status.conditions[0].message}"},
                            [](const std::string& o) { return !o.empty(); });
  CHECK(message == "0/2 nodes are available: 2 Insufficient cpu.");
  CHECK_THAT(c.troupe({"describe", "pod", "huge"}).out,
             Catch::Contains("FailedScheduling") && Catch::Contains("0/2 nodes are available: 2 Insufficient cpu."));

  CHECK(c.troupe({"cordon", "s1"}).out == "node/s1 cordoned\n");
  REQUIRE(c.troupe({"apply", "-f", "-"}, "apiVersion: v1\nkind: Pod\nmetadata: {name: small}\nspec:\n  containers:\n"
                                         "  - {name: c, image: sh, command: [sleep, '300']}\n")
              .code == 0);
  wait_for_text(c, {"get", "pod", "small"}, "Running");
  CHECK(jsonpath(c, "pod/small", "{.spec.nodeName}") == "a1");
  // kube-scheduler's and the kubelet's events, in the order they happened.
  auto events = wait_until(c, {"get", "events", "--field-selector", "involvedObject.name=small", "-o",
                               "jsonpath={range .items[*]}{.reason} {.source.component}: {.message}{\"\\n\"}{end}"},
                           [](const std::string& o) { return o.find("Started") != std::string::npos; });
  CHECK(events == "Scheduled default-scheduler: Successfully assigned default/small to a1\n"
                  "Created kubelet: Created container c\nStarted kubelet: Started container c");
  // kubectl events: a table, oldest first, by object and by type.
  auto table = lines(c.troupe({"events", "--for", "pod/small"}).out);
  REQUIRE(table.size() == 4);
  // Columns three spaces apart at least, as kubectl's printers space them.
  CHECK(std::regex_match(table[0], std::regex("LAST SEEN {3,}TYPE {3,}REASON {3,}OBJECT {3,}MESSAGE")));
  CHECK(std::regex_match(table[1], std::regex(R"(\d+s {3,}Normal {3,}Scheduled {3,}Pod/small {3,}Successfully assigned default/small to a1)")));
  CHECK(std::regex_match(table[3], std::regex(R"(\d+s {3,}Normal {3,}Started {3,}Pod/small {3,}Started container c)")));
  CHECK(table[0].find("TYPE") == table[3].find("Normal"));
  auto warnings = lines(c.troupe({"events", "-A", "--types", "Warning"}).out);
  REQUIRE(warnings.size() >= 2);
  CHECK(std::regex_match(warnings[0], std::regex("NAMESPACE +LAST SEEN +TYPE +REASON +OBJECT +MESSAGE")));
  CHECK(std::regex_match(warnings[1], std::regex(R"(default +\d+s +Warning +FailedScheduling +Pod/huge +0/2 nodes are available: .*)")));
  CHECK(c.troupe({"events", "--types", "Bad"}).err == "error: valid --types are Normal or Warning\n");
  CHECK(c.troupe({"events", "--for", "small"}).err == "error: --for must be in resource/name form\n");
  auto none = c.troupe({"events", "-n", "kube-public"});
  CHECK(none.out.empty());
  CHECK(none.err == "No events found in kube-public namespace.\n");
  // --watch: what comes next, row by row.
  child_process watching({TROUPE_BINARY, "events", "-w", "--for", "pod/late", "--server", c.address()});
  REQUIRE(c.troupe({"apply", "-f", "-"}, pod_on("late", "a1", "{name: c, image: sh, command: [sleep, '300']}")).code == 0);
  CHECK(watching.wait_for_output("Started container c"));
  CHECK_THAT(watching.output(), Catch::StartsWith("LAST SEEN") && Catch::Contains("Scheduled"));
  REQUIRE(c.troupe({"delete", "pod", "late", "--grace-period", "0", "--force"}).code == 0);
  CHECK(c.troupe({"uncordon", "s1"}).out == "node/s1 uncordoned\n");

  // Nodes by label, and dry runs that change nothing.
  REQUIRE(c.troupe({"label", "node", "a1", "pool=blue"}).code == 0);
  CHECK(c.troupe({"cordon", "-l", "pool=blue", "--dry-run"}).out == "node/a1 cordoned (dry run)\n");
  CHECK(c.troupe({"cordon", "-l", "pool=green"}).out.empty());
  CHECK(c.troupe({"uncordon", "a1", "--dry-run"}).out == "node/a1 already uncordoned (dry run)\n");
  CHECK(c.troupe({"cordon", "a1", "--dry-run=server"}).out == "node/a1 cordoned (server dry run)\n");
  CHECK_THAT(c.troupe({"cordon", "a1", "-l", "pool=blue"}).err,
             Catch::Contains("cannot specify both a node name and a --selector option"));
  CHECK_THAT(c.troupe({"cordon"}).err, Catch::Contains("USAGE: cordon NODE [flags]"));
  CHECK(c.troupe({"drain", "-l", "pool=blue", "--force", "--dry-run"}).out ==
        "node/a1 cordoned (dry run)\nevicting pod default/small (dry run)\nnode/a1 drained (dry run)\n");
  CHECK(c.troupe({"drain", "a1", "--pod-selector", "app=none", "--dry-run"}).out ==
        "node/a1 cordoned (dry run)\nnode/a1 drained (dry run)\n");
  CHECK_THAT(c.troupe({"drain", "a1", "--pod-selector", "a b"}).err,
             Catch::Contains("--pod-selector=<pod_selector> must be a valid label selector"));
  CHECK(jsonpath(c, "node/a1", "{.spec.unschedulable}").empty());
  wait_for_text(c, {"get", "pod", "small"}, "Running");
  CHECK(c.troupe({"taint", "nodes", "-l", "pool=blue", "tier=db:PreferNoSchedule", "--dry-run"}).out ==
        "node/a1 tainted (dry run)\n");
  CHECK(jsonpath(c, "node/a1", "{.spec.taints}").empty());
  CHECK(c.troupe({"taint", "nodes", "--all", "tier=db:PreferNoSchedule"}).out == "node/a1 tainted\nnode/s1 tainted\n");
  CHECK(jsonpath(c, "node/s1", "{.spec.taints[0].key}") == "tier");
  CHECK(c.troupe({"taint", "node", "s1", "tier-"}).out == "node/s1 untainted\n");
  // Several nodes by name, in either form; all of them before the changes.
  CHECK(c.troupe({"taint", "node", "a1", "s1", "multi=x:NoSchedule"}).out == "node/a1 tainted\nnode/s1 tainted\n");
  CHECK(jsonpath(c, "node/s1", "{.spec.taints[0].key}") == "multi");
  CHECK(c.troupe({"taint", "node/a1", "node/s1", "multi-"}).out == "node/a1 untainted\nnode/s1 untainted\n");
  CHECK(c.troupe({"taint", "node", "a1", "x=y:NoSchedule", "s1"}).err ==
        "error: all resources must be specified before taint changes: s1\n");
  auto both = c.troupe({"taint", "node", "a1", "t3=v:NoSchedule", "t3-"});
  CHECK(both.code == 1);
  CHECK(both.err == "error: can not both modify and remove the following taint(s) in the same command: t3=\n");
  CHECK(c.troupe({"taint", "node", "a1", "t3=v:NoSchedule", "t3:NoSchedule-"}).err ==
        "error: can not both modify and remove the following taint(s) in the same command: t3=NoSchedule\n");
  CHECK(jsonpath(c, "node/a1", "{.spec.taints[*].key}") == "tier");  // no t3
  CHECK(c.troupe({"taint", "node", "nosuch", "k=v:NoSchedule"}).err ==
        "Error from server (NotFound): nodes \"nosuch\" not found\n");
  // A node that fails does not stop the others.
  auto partly = c.troupe({"taint", "nodes", "--all", "tier-"});
  CHECK(partly.code == 1);
  CHECK(partly.out == "node/a1 untainted\n");
  CHECK_THAT(partly.err, Catch::Contains("taint \"tier\" not found"));
  CHECK_THAT(c.troupe({"taint", "nodes", "--all", "-l", "pool=blue", "tier-"}).err,
             Catch::Contains("setting 'all' parameter with a non empty selector is prohibited"));
  CHECK_THAT(c.troupe({"taint", "nodes", "-l", "", "tier-"}).err,
             Catch::Contains("at least one resource name must be specified since 'all' parameter is not set"));
  // Every node is looked up before any is changed.
  auto typo = c.troupe({"drain", "a1", "nope", "--force"});
  CHECK(typo.code == 1);
  CHECK(typo.out.empty());
  CHECK(c.troupe({"cordon", "a1", "nope"}).code == 1);
  CHECK(jsonpath(c, "node/a1", "{.spec.unschedulable}").empty());
  CHECK(c.troupe({"drain", "s1", "a1", "--force", "--dry-run"}).out ==
        "node/s1 cordoned (dry run)\nnode/a1 cordoned (dry run)\nnode/s1 drained (dry run)\n"
        "evicting pod default/small (dry run)\nnode/a1 drained (dry run)\n");

  REQUIRE(c.troupe({"apply", "-f", "-"}, "apiVersion: v1\nkind: Pod\nmetadata: {name: scratch}\nspec:\n  nodeName: a1\n"
                                         "  volumes: [{name: tmp, emptyDir: {}}]\n  containers:\n"
                                         "  - {name: c, image: sh, command: [sleep, '300']}\n")
              .code == 0);
  auto refused = c.troupe({"drain", "a1"});
  CHECK(refused.code == 1);
  CHECK(refused.out == "node/a1 cordoned\n");
  // One verdict per pod, as kubectl's filters give: scratch is refused for its emptyDir first.
  std::string local = "cannot delete Pods with local storage (use --delete-emptydir-data to override): default/scratch";
  std::string bare = "cannot delete Pods declare no controller (use --force to override): default/small";
  CHECK(refused.err == "error: unable to drain node \"a1\" due to error: [" + local + ", " + bare +
                           "], continuing command...\nThere are pending nodes to be drained:\n a1\n" + local + "\n" +
                           bare + "\n");
  // --force alone does not cover emptyDir data.
  auto forced = c.troupe({"drain", "a1", "--force", "--grace-period", "1"});
  CHECK(forced.code == 1);
  CHECK(forced.out == "node/a1 already cordoned\n");
  CHECK_THAT(forced.err, Catch::StartsWith("error: unable to drain node \"a1\" due to error: " + local + ", continuing"));
  auto drained = c.troupe({"drain", "a1", "--force", "--delete-emptydir-data", "--grace-period", "1"});
  CHECK(drained.code == 0);
  // The last filter's warning stands for each pod.
  CHECK(drained.err == "Warning: deleting Pods that declare no controller: default/scratch, default/small\n");
  CHECK_THAT(drained.out, Catch::Contains("evicting pod default/small") && Catch::Contains("node/a1 drained"));
  CHECK(c.troupe({"get", "pod", "small"}).code == 1);
  CHECK(c.troupe({"get", "pod", "scratch"}).code == 1);
  auto missing = c.troupe({"cordon", "nope"});
  CHECK(missing.code == 1);
  CHECK(missing.out.empty());
  CHECK_THAT(c.troupe({"get", "nodes"}).out, Catch::Contains("SchedulingDisabled"));
}

TEST_CASE("the scheduler sees a pending pod's update and a bound pod's new labels at once",
          "[process][nodes]") {
  cluster c({"--disable-agent"});
  agent hollow(c, "z", {"--hollow-nodes", "2"});
  wait_until(c, {"get", "nodes"}, [](const std::string& o) { return ready_nodes(o, 2); });
  REQUIRE(c.troupe({"taint", "node", "z-hollow-0", "team=blue:NoSchedule"}).code == 0);
  auto bare = [](const std::string& name, const std::string& node, const std::string& extra) {
    return "apiVersion: v1\nkind: Pod\nmetadata: {name: " + name + ", labels: {app: " + name +
           "}}\nspec:\n  nodeSelector: {kubernetes.io/hostname: " + node + "}\n" + extra +
           "  containers: [{name: c, image: sh}]\n";
  };
  REQUIRE(c.troupe({"apply", "-f", "-"}, bare("waits", "z-hollow-0", "")).code == 0);
  CHECK(wait_until(c, {"get", "pod", "waits", "-o", "jsonpath={.status.conditions[0].reason}"},
                   [](const std::string& o) { return o == "Unschedulable"; }) == "Unschedulable");
  // A toleration added: tried again within its backoff, not at the next unrelated change.
  REQUIRE(
      c.troupe(
           {"patch", "pod", "waits", "-p",
            R"({"spec":{"tolerations":[{"key":"team","operator":"Equal","value":"blue","effect":"NoSchedule"}]}})"})
          .code == 0);
  CHECK(wait_until(
            c, {"get", "pod", "waits", "-o", "jsonpath={.spec.nodeName}"},
            [](const std::string& o) { return !o.empty(); }, 15) == "z-hollow-0");

  // A bound pod relabelled: anti-affinity now sees its new label, not the old one.
  REQUIRE(c.troupe({"apply", "-f", "-"}, bare("existing", "z-hollow-1", "")).code == 0);
  wait_until(c, {"get", "pod", "existing", "-o", "jsonpath={.spec.nodeName}"},
             [](const std::string& o) { return !o.empty(); });
  REQUIRE(c.troupe({"label", "pod", "existing", "app=renamed", "--overwrite"}).code == 0);
  auto shunning = [&](const std::string& name, const std::string& app) {
    return bare(name, "z-hollow-1",
                "  affinity: {podAntiAffinity: {requiredDuringSchedulingIgnoredDuringExecution: "
                "[{labelSelector: {matchLabels: {app: " +
                    app + "}}, topologyKey: kubernetes.io/hostname}]}}\n");
  };
  REQUIRE(c.troupe({"apply", "-f", "-"}, shunning("shuns-old", "existing")).code == 0);
  REQUIRE(c.troupe({"apply", "-f", "-"}, shunning("shuns-new", "renamed")).code == 0);
  CHECK(wait_until(c, {"get", "pod", "shuns-old", "-o", "jsonpath={.spec.nodeName}"},
                   [](const std::string& o) { return !o.empty(); }) == "z-hollow-1");
  CHECK(wait_until(c, {"get", "pod", "shuns-new", "-o", "jsonpath={.status.conditions[0].message}"},
                   [](const std::string& o) { return !o.empty(); }) ==
        "0/2 nodes are available: 1 node(s) didn't match pod anti-affinity rules, 1 node(s) had "
        "untolerated taint {team: blue}.");

  // A pod that must be with another waits for it, and goes to its node once it is placed.
  REQUIRE(
      c.troupe(
           {"apply", "-f", "-"},
           "apiVersion: v1\nkind: Pod\nmetadata: {name: follower}\nspec:\n  affinity: "
           "{podAffinity: "
           "{requiredDuringSchedulingIgnoredDuringExecution: [{labelSelector: {matchLabels: {app: "
           "leader}}, topologyKey: kubernetes.io/hostname}]}}\n  containers: [{name: c, image: "
           "sh}]\n")
          .code == 0);
  CHECK(wait_until(c, {"get", "pod", "follower", "-o", "jsonpath={.status.conditions[0].message}"},
                   [](const std::string& o) { return !o.empty(); }) ==
        "0/2 nodes are available: 1 node(s) didn't match pod affinity rules, 1 node(s) had "
        "untolerated "
        "taint {team: blue}.");
  REQUIRE(c.troupe({"apply", "-f", "-"}, bare("leader", "z-hollow-1", "")).code == 0);
  CHECK(wait_until(
            c, {"get", "pod", "follower", "-o", "jsonpath={.spec.nodeName}"},
            [](const std::string& o) { return !o.empty(); }, 15) == "z-hollow-1");
}

TEST_CASE("pods spread over zones as their topology spread constraints say", "[process][nodes]") {
  cluster c({"--disable-agent"});
  agent hollow(c, "s", {"--hollow-nodes", "3"});
  wait_until(c, {"get", "nodes"}, [](const std::string& o) { return ready_nodes(o, 3); });
  for (auto [node, zone] : {std::pair{"s-hollow-0", "a"}, {"s-hollow-1", "b"}, {"s-hollow-2", "b"}})
    REQUIRE(c.troupe({"label", "node", node, std::string("topology.kubernetes.io/zone=") + zone})
                .code == 0);
  auto pod = [](const std::string& name, const std::string& constraint) {
    return "apiVersion: v1\nkind: Pod\nmetadata: {name: " + name +
           ", labels: {app: spread}}\nspec:\n  topologySpreadConstraints:\n  - {maxSkew: 1, "
           "topologyKey: topology.kubernetes.io/zone, labelSelector: {matchLabels: {app: "
           "spread}}, " +
           constraint + "}\n  containers: [{name: c, image: sh}]\n---\n";
  };
  // Six pods, zone a with one node and b with two: three each (by node they would go 2, 2, 2).
  std::string six;
  for (int i = 0; i < 6; ++i)
    six += pod("p" + std::to_string(i), "whenUnsatisfiable: DoNotSchedule");
  REQUIRE(c.troupe({"apply", "-f", "-"}, six).code == 0);
  auto placed = [&] {
    return wait_until(c, {"get", "pods", "-o", "jsonpath={range .items[*]}{.spec.nodeName} {end}"},
                      [](const std::string& o) {
                        return std::count(o.begin(), o.end(), '-') == 6 * 2;  // six node names
                      });
  };
  auto nodes = placed();
  CHECK(std::count(nodes.begin(), nodes.end(), '0') == 3);  // s-hollow-0, zone a

  // A third zone required (minDomains 3) before one exists: it waits, and goes once there is.
  REQUIRE(c.troupe({"apply", "-f", "-"},
                   pod("waits", "whenUnsatisfiable: DoNotSchedule, minDomains: 3"))
              .code == 0);
  CHECK(wait_until(c, {"get", "pod", "waits", "-o", "jsonpath={.status.conditions[0].message}"},
                   [](const std::string& o) { return !o.empty(); }) ==
        "0/3 nodes are available: 3 node(s) didn't match pod topology spread constraints.");
  REQUIRE(c.troupe({"label", "node", "s-hollow-2", "topology.kubernetes.io/zone=c", "--overwrite"})
              .code == 0);
  // Zone a has three; b or c, whichever has fewer now, takes it.
  auto chosen = wait_until(
      c, {"get", "pod", "waits", "-o", "jsonpath={.spec.nodeName}"},
      [](const std::string& o) { return !o.empty(); }, 15);
  CHECK((chosen == "s-hollow-1" || chosen == "s-hollow-2"));
}

TEST_CASE("an affinity term's namespaceSelector follows the namespaces' labels",
          "[process][nodes]") {
  cluster c({"--disable-agent"});
  agent hollow(c, "ns", {"--hollow-nodes", "1"});
  wait_until(c, {"get", "nodes"}, [](const std::string& o) { return ready_nodes(o, 1); });
  REQUIRE(c.troupe({"create", "namespace", "shop"}).code == 0);
  REQUIRE(c.troupe({"label", "namespace", "shop", "team=web"}).code == 0);
  REQUIRE(
      c.troupe(
           {"apply", "-f", "-"},
           "apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: shop, labels: {app: web}}\n"
           "spec:\n  containers: [{name: c, image: sh}]\n")
          .code == 0);
  wait_until(c, {"get", "pod", "web", "-n", "shop", "-o", "jsonpath={.spec.nodeName}"},
             [](const std::string& o) { return !o.empty(); });
  // Away from web pods in the web team's namespaces: the one node has one.
  REQUIRE(
      c.troupe(
           {"apply", "-f", "-"},
           "apiVersion: v1\nkind: Pod\nmetadata: {name: shy}\nspec:\n  affinity: {podAntiAffinity: "
           "{requiredDuringSchedulingIgnoredDuringExecution: [{labelSelector: {matchLabels: {app: "
           "web}}, "
           "namespaceSelector: {matchLabels: {team: web}}, topologyKey: "
           "kubernetes.io/hostname}]}}\n"
           "  containers: [{name: c, image: sh}]\n")
          .code == 0);
  CHECK(wait_until(c, {"get", "pod", "shy", "-o", "jsonpath={.status.conditions[0].message}"},
                   [](const std::string& o) { return !o.empty(); }) ==
        "0/1 nodes are available: 1 node(s) didn't match pod anti-affinity rules.");
  // The namespace changes team: the term no longer covers it, and the pod goes.
  REQUIRE(c.troupe({"label", "namespace", "shop", "team=db", "--overwrite"}).code == 0);
  CHECK(wait_until(
            c, {"get", "pod", "shy", "-o", "jsonpath={.spec.nodeName}"},
            [](const std::string& o) { return !o.empty(); }, 15) == "ns-hollow-0");
}

TEST_CASE("an extended resource advertised on a Node is allocatable and scheduled by",
          "[process][nodes]") {
  cluster c({"--disable-agent"});
  agent hollow(c, "x", {"--hollow-nodes", "2", "--node-lease-duration-seconds", "4"});
  wait_until(c, {"get", "nodes"}, [](const std::string& o) { return ready_nodes(o, 2); });
  // As Kubernetes documents advertising one: a PATCH of the Node's status capacity.
  REQUIRE(c.troupe({"patch", "node", "x-hollow-1", "--subresource=status", "--type=merge", "-p",
                    R"({"status":{"capacity":{"example.com/dongle":"2"}}})"})
              .code == 0);
  CHECK(wait_until(
            c,
            {"get", "node", "x-hollow-1", "-o",
             "jsonpath={.status.allocatable.example\\.com/dongle}"},
            [](const std::string& o) { return !o.empty(); }, 15) == "2");
  auto pod = [](const std::string& name) {
    return "apiVersion: v1\nkind: Pod\nmetadata: {name: " + name +
           "}\nspec:\n  containers: [{name: c, image: sh, resources: {limits: "
           "{example.com/dongle: 2}}}]\n";
  };
  REQUIRE(c.troupe({"apply", "-f", "-"}, pod("first")).code == 0);
  CHECK(wait_until(c, {"get", "pod", "first", "-o", "jsonpath={.spec.nodeName}"},
                   [](const std::string& o) { return !o.empty(); }) == "x-hollow-1");
  auto described = c.troupe({"describe", "node", "x-hollow-1"}).out;
  CHECK(std::regex_search(described, std::regex("\n  example.com/dongle +2 +2\n")));
  CHECK(std::regex_search(described,
                          std::regex("Allocatable:\n(  .*\n)*  example.com/dongle: +2\n")));
  REQUIRE(c.troupe({"apply", "-f", "-"}, pod("second")).code == 0);
  CHECK(wait_until(c, {"get", "pod", "second", "-o", "jsonpath={.status.conditions[0].message}"},
                   [](const std::string& o) { return !o.empty(); }) ==
        "0/2 nodes are available: 2 Insufficient example.com/dongle.");
  // The status write that made it allocatable kept it in the capacity.
  CHECK(c.troupe({"get", "node", "x-hollow-1", "-o",
                  "jsonpath={.status.capacity.example\\.com/dongle}"})
            .out == "2");
  // Freed, it goes to the next pod.
  REQUIRE(c.troupe({"delete", "pod", "first", "--grace-period=0", "--force"}).code == 0);
  CHECK(wait_until(
            c, {"get", "pod", "second", "-o", "jsonpath={.spec.nodeName}"},
            [](const std::string& o) { return !o.empty(); }, 15) == "x-hollow-1");
}

TEST_CASE("a Node deleted under its running agent leaves one Lease that no longer names it",
          "[process][nodes]") {
  cluster c({"--disable-agent"});
  agent a1(c, "a1", {"--node-lease-duration-seconds", "2"});  // renewed every 0.5 s
  wait_until(c, {"get", "nodes"}, [](const std::string& o) { return ready_nodes(o, 1); });
  std::vector<std::string> lease = {"get",
                                    "lease",
                                    "a1",
                                    "-n",
                                    "kube-node-lease",
                                    "-o",
                                    "jsonpath={.metadata.uid} {.metadata.ownerReferences}"};
  REQUIRE(c.troupe({"delete", "node", "a1"}).code == 0);
  // The garbage collector takes the Lease the Node owned; the one written next names no owner
  // and stays (it was made again and deleted again at every renewal).
  auto kept =
      wait_until(c, lease, [](const std::string& o) { return !o.empty() && o.back() == ' '; });
  std::this_thread::sleep_for(std::chrono::seconds(2));
  CHECK(c.troupe(lease).out == kept);
  CHECK(c.troupe({"get", "nodes"}).err ==
        "No resources found\n");  // not registered again, as the kubelet
}

TEST_CASE("a gated pod waits unscheduled until its last gate is removed", "[process][nodes]") {
  cluster c({"--node-name", "g1"});
  wait_until(c, {"get", "nodes"}, [](const std::string& o) { return ready_nodes(o, 1); });
  REQUIRE(c.troupe({"apply", "-f", "-"},
                   "apiVersion: v1\nkind: Pod\nmetadata: {name: gated}\nspec:\n"
                   "  schedulingGates: [{name: example.com/quota}, {name: example.com/arch}]\n"
                   "  containers: [{name: c, image: sh, command: [sleep, '300']}]\n")
              .code == 0);
  CHECK_THAT(c.troupe({"get", "pod", "gated"}).out, Catch::Contains("SchedulingGated"));
  // A pod created after it is scheduled and runs: the scheduler has passed the gated one by.
  REQUIRE(c.troupe({"apply", "-f", "-"},
                   "apiVersion: v1\nkind: Pod\nmetadata: {name: free}\nspec:\n"
                   "  containers: [{name: c, image: sh, command: [sleep, '300']}]\n")
              .code == 0);
  wait_for_text(c, {"get", "pod", "free"}, "Running");
  CHECK(jsonpath(c, "pod/gated", "{.spec.nodeName}").empty());
  CHECK(jsonpath(c, "pod/gated", "{.status.conditions[0].reason}") == "SchedulingGated");
  CHECK(c.troupe({"get", "events", "--field-selector", "involvedObject.name=gated", "-o", "name"})
            .out.empty());

  auto added =
      c.troupe({"patch", "pod", "gated", "--type", "json", "-p",
                R"([{"op": "add", "path": "/spec/schedulingGates/-", "value": {"name": "x"}}])"});
  CHECK(added.code != 0);
  CHECK_THAT(
      added.err,
      Catch::Contains("spec.schedulingGates[2].name: Forbidden: only deletion is allowed, but "
                      "found new scheduling gate 'x'"));
  // While gated it may be narrowed to a node.
  CHECK(c.troupe({"patch", "pod", "gated", "-p",
                  R"({"spec": {"nodeSelector": {"kubernetes.io/hostname": "g1"}}})"})
            .code == 0);
  CHECK(c.troupe({"patch", "pod", "gated", "--type", "json", "-p",
                  R"([{"op": "remove", "path": "/spec/schedulingGates/0"}])"})
            .code == 0);
  CHECK_THAT(c.troupe({"get", "pod", "gated"}).out, Catch::Contains("SchedulingGated"));
  CHECK(c.troupe({"patch", "pod", "gated", "--type", "json", "-p",
                  R"([{"op": "remove", "path": "/spec/schedulingGates"}])"})
            .code == 0);
  wait_for_text(c, {"get", "pod", "gated"}, "Running");
  CHECK(jsonpath(c, "pod/gated", "{.spec.nodeName}") == "g1");
}

TEST_CASE("static pods run from manifests and appear as mirror pods", "[process][nodes]") {
  cluster c({"--disable-agent"});
  auto manifests = c.dir() / "manifests";
  std::filesystem::create_directories(manifests);
  // A sleep of its own length, to tell its process from every other test's.
  std::ofstream(manifests + "/static.yaml")
      << "apiVersion: v1\nkind: Pod\nmetadata: {name: stat}\nspec:\n  containers:\n"
         "  - {name: c, image: sh, command: [sleep, '3017']}\n";
  agent a1(c, "a1", {"--pod-manifest-path", manifests, "--file-check-frequency", "300ms"});
  auto mirror = wait_for_text(c, {"get", "pods"}, "stat-a1");
  wait_for_text(c, {"get", "pod", "stat-a1"}, "1/1     Running");
  CHECK_THAT(c.troupe({"get", "pod", "stat-a1", "-o", "yaml"}).out, Catch::Contains("kubernetes.io/config.mirror"));
  CHECK(jsonpath(c, "pod/stat-a1", "{.spec.nodeName}") == "a1");
  // A mirror deleted goes at once (it stayed Terminating for good) and comes back, as the
  // kubelet makes it again while its static pod runs.
  auto first_uid = jsonpath(c, "pod/stat-a1", "{.metadata.uid}");
  auto deleted = c.troupe({"delete", "pod", "stat-a1", "--timeout=20s"});
  CHECK(deleted.code == 0);
  CHECK(deleted.out == "pod \"stat-a1\" deleted\n");
  auto second_uid = wait_until(c, {"get", "pod", "stat-a1", "-o", "jsonpath={.metadata.uid}"},
                               [&](const std::string& o) { return !o.empty() && o != first_uid; });
  CHECK(second_uid != first_uid);

  // The manifests are read again (the kubelet's --file-check-frequency): a new one runs, a
  // changed one runs anew, a removed one stops and its mirror goes.
  std::ofstream(manifests + "/other.yaml")
      << "apiVersion: v1\nkind: Pod\nmetadata: {name: other}\nspec:\n  containers:\n"
         "  - {name: c, image: sh, command: [sleep, '300']}\n";
  wait_for_text(c, {"get", "pod", "other-a1"}, "1/1     Running");
  std::ofstream(manifests + "/other.yaml")
      << "apiVersion: v1\nkind: Pod\nmetadata: {name: other}\nspec:\n  containers:\n"
         "  - {name: c, image: sh, command: [sleep, '301']}\n";
  wait_until(c, {"get", "pod", "other-a1", "-o", "jsonpath={.spec.containers[0].command[1]}"},
             [](const std::string& o) { return o == "301"; });
  wait_for_text(c, {"get", "pod", "other-a1"}, "1/1     Running");
  auto stat_running = [] {  // a process whose command line is `sleep 3017`
    std::error_code ec;
    for (auto& p : std::filesystem::directory_iterator("/proc", ec)) {
      std::ifstream in(p.path() / "cmdline");
      std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      if (cmdline == std::string("sleep\0"
                                 "3017\0",
                                 11))
        return true;
    }
    return false;
  };
  CHECK(stat_running());
  std::filesystem::remove(manifests + "/static.yaml");
  wait_until(c, {"get", "pods", "-o", "name"},
             [](const std::string& o) { return o == "pod/other-a1"; });
  bool stopped = false;
  for (int i = 0; i < 100 && !stopped; ++i) {
    stopped = !stat_running();
    if (!stopped) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  CHECK(stopped);  // stat's container ended with its manifest
}

TEST_CASE("a wrong join token is refused with a clear message", "[process][nodes]") {
  cluster c({"--disable-agent"});
  child_process bad({TROUPE_BINARY, "agent", "--server", c.cluster_address(), "--token", "abcdef.0123456789abcdef",
                     "--name", "intruder", "--data-dir", c.dir() / "intruder", "--cgroup-root", c.cgroup_root()});
  CHECK(bad.wait_for_output("could not join: node \"intruder\" presented an invalid join token"));
  CHECK(bad.wait(std::chrono::seconds(10)) ==
        std::optional<int>(1));  // gives up, as a service should see
  CHECK(c.troupe({"get", "nodes"}).err == "No resources found\n");
  auto token = c.troupe({"token", "create"}).out;
  REQUIRE(token.size() == 24);
  token.pop_back();
  child_process good({TROUPE_BINARY, "agent", "--server", c.cluster_address(), "--token", token, "--name", "friend",
                      "--data-dir", c.dir() / "friend", "--cgroup-root", c.cgroup_root()});
  CHECK(good.wait_for_output("node friend joined"));

  // Another agent may not take a joined node's name: the node's pods would run twice.
  child_process twin({TROUPE_BINARY, "agent", "--server", c.cluster_address(), "--token", token,
                      "--name", "friend", "--data-dir", c.dir() / "twin", "--cgroup-root",
                      c.cgroup_root()});
  CHECK(twin.wait_for_output(
      "could not join: node \"friend\" is already joined by another agent (another "
      "--data-dir); stop that agent or choose another --name"));
  CHECK(twin.wait(std::chrono::seconds(10)) == std::optional<int>(1));
  // The same agent started again (its data directory) takes its node back at once, even while
  // its old link still looks open (stopped, not gone: the server has not seen it go).
  ::kill(good.pid(), SIGSTOP);
  child_process again({TROUPE_BINARY, "agent", "--server", c.cluster_address(), "--token", token,
                       "--name", "friend", "--data-dir", c.dir() / "friend", "--cgroup-root",
                       c.cgroup_root()});
  CHECK(again.wait_for_output("node friend joined"));
  child_process long_name({TROUPE_BINARY, "agent", "--server", c.cluster_address(), "--token",
                           token, "--name", std::string(64, 'n'), "--data-dir", c.dir() / "long",
                           "--cgroup-root", c.cgroup_root()});
  CHECK(long_name.wait(std::chrono::seconds(10)) != std::optional<int>(0));
  CHECK_THAT(long_name.output(), Catch::Contains("must be no more than 63 characters"));

  // A token joins nodes for its lifetime only (a day unless --ttl says otherwise).
  auto brief = c.troupe({"token", "create", "--ttl", "1s"}).out;
  REQUIRE(brief.size() == 24);
  brief.pop_back();
  auto secret = "secret/bootstrap-token-" + brief.substr(0, 6);
  CHECK_FALSE(c.troupe({"get", secret, "-n", "kube-system", "-o", "jsonpath={.data.expiration}"})
                  .out.empty());
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));
  child_process late({TROUPE_BINARY, "agent", "--server", c.cluster_address(), "--token", brief,
                      "--name", "late", "--data-dir", c.dir() / "late", "--cgroup-root",
                      c.cgroup_root()});
  CHECK(late.wait_for_output("could not join: node \"late\" presented an invalid join token"));
  // And once expired, the token cleaner deletes its Secret, as kube-controller-manager's.
  CHECK(wait_until(
            c, {"get", secret, "-n", "kube-system", "--ignore-not-found"},
            [](const std::string& o) { return o.empty(); }, 10)
            .empty());
  CHECK(c.troupe({"token", "create", "--ttl", "-1h"}).err ==
        "error: invalid argument \"-1h\" for \"--ttl\" flag: a negative duration\n");

  // Listed as kubeadm lists bootstrap tokens, and deleted: a deleted token joins nothing.
  auto listed = lines(c.troupe({"token", "list"}).out);
  REQUIRE(listed.size() == 3);
  CHECK(std::regex_match(
      listed[0],
      std::regex("TOKEN {3,}TTL {3,}EXPIRES {3,}USAGES {3,}DESCRIPTION {3,}EXTRA GROUPS")));
  auto row = [&](const std::string& t) {
    for (auto& l : listed)
      if (l.rfind(t + " ", 0) == 0) return l;
    return std::string();
  };
  CHECK(std::regex_match(
      row(c.token()),
      std::regex(R"(\S+ +<forever> +<never> +authentication +the server's join token +<none>)")));
  CHECK(std::regex_match(
      row(token),
      std::regex(R"(\S+ +2[34]h +\S+Z +authentication +made by troupe token create +<none>)")));
  CHECK(c.troupe({"token", "delete", token.substr(0, 6)}).out ==
        "bootstrap token \"" + token.substr(0, 6) + "\" deleted\n");
  CHECK(row(token).size() > 0);
  CHECK(c.troupe({"token", "list"}).out.find(token) == std::string::npos);
  CHECK_THAT(c.troupe({"token", "delete", "nope"}).err,
             Catch::Contains("given token didn't match pattern"));
  child_process gone({TROUPE_BINARY, "agent", "--server", c.cluster_address(), "--token", token,
                      "--name", "gone", "--data-dir", c.dir() / "gone", "--cgroup-root",
                      c.cgroup_root()});
  CHECK(gone.wait_for_output("could not join: node \"gone\" presented an invalid join token"));
}

TEST_CASE("agents reconnect by themselves when the server restarts and pods keep running",
          "[process][nodes]") {
  // A fixed cluster port, so the restarted server is where the agent looks for it.
  std::string port = "127.0.0.1:" + std::to_string(troupe::testing::free_loopback_port());
  cluster c({"--disable-agent", "--cluster-listen", port});
  agent a1(c, "a1");
  wait_until(c, {"get", "nodes"}, [](const std::string& o) { return ready_nodes(o, 1); });
  REQUIRE(c.troupe({"apply", "-f", "-"}, pod_on("survivor", "a1", "{name: c, image: sh, command: [sleep, '300']}")).code == 0);
  wait_for_text(c, {"get", "pod", "survivor"}, "1/1     Running");
  REQUIRE(c.stop() == 0);
  c.start({"--disable-agent", "--cluster-listen", port});
  auto joins = [&] {
    auto& out = a1.process().output();
    size_t n = 0;
    for (size_t at = out.find("node a1 joined (pods from 127.64.0.0/24)"); at != std::string::npos;
         at = out.find("node a1 joined (pods from 127.64.0.0/24)", at + 1))
      ++n;
    return n;
  };
  for (int i = 0; i < 150 && joins() < 2; ++i) a1.process().wait_for_output("\x01", std::chrono::milliseconds(100));
  CHECK(joins() == 2);  // joined again, with the same range
  CHECK_THAT(a1.process().output(), Catch::Contains("lost the server; reconnecting"));
  wait_for_text(c, {"get", "pod", "survivor"}, "1/1     Running");
  CHECK(jsonpath(c, "pod/survivor", "{.status.containerStatuses[0].restartCount}") == "0");
}

TEST_CASE("logs names a container inline and says when it has not started yet", "[process][nodes]") {
  cluster c({"--node-name", "s1"});
  wait_until(c, {"get", "nodes"}, [](const std::string& o) { return ready_nodes(o, 1); });
  REQUIRE(c.troupe({"apply", "-f", "-"},
                   pod_on("slow", "s1", "{name: c, image: sh, command: [sleep, '300']}",
                          "  initContainers:\n  - {name: i, image: sh, command: [sh, -c, 'echo init says hi; sleep 300']}\n"))
              .code == 0);
  wait_for_text(c, {"get", "pod", "slow"}, "Init:0/1");
  CHECK(jsonpath(c, "pod/slow", "{.status.containerStatuses[0].state.waiting.reason}") == "PodInitializing");
  CHECK(wait_until(c, {"logs", "slow", "i"}, [](const std::string& o) { return !o.empty(); }) == "init says hi\n");
  auto waiting = c.troupe({"logs", "slow", "c"});
  CHECK(waiting.code == 1);
  CHECK(waiting.err ==
        "Error from server (BadRequest): container \"c\" in pod \"slow\" is waiting to start: PodInitializing\n");
  CHECK(c.troupe({"logs", "slow", "i", "-c", "c"}).err ==
        "error: only one of -c or an inline [CONTAINER] arg is allowed\n");
  CHECK(c.troupe({"logs", "slow", "--all-containers", "-c", "c"}).err ==
        "error: --all-containers=true should not be specified with container name c\n");
  // kubectl 1.29 still runs a command given without --, and warns.
  auto old_form = c.troupe({"exec", "slow", "-c", "i", "echo", "hi"});
  CHECK(old_form.out == "hi\n");
  CHECK(old_form.err == "troupe exec [POD] [COMMAND] is DEPRECATED and will be removed in a future version. Use "
                        "troupe exec [POD] -- [COMMAND] instead.\n");
  CHECK(c.troupe({"exec"}).err == "error: pod, type/name or --filename must be specified\n");
  CHECK(c.troupe({"exec", "slow"}).err == "error: you must specify at least one command for the container\n");
  // A pod no node runs: its log is empty, as the API server answers, and exec says why not.
  REQUIRE(c.troupe({"apply", "-f", "-"}, pod_on("nowhere", "no-such-node", "{name: c, image: sh, command: [sleep, '300']}"))
              .code == 0);
  auto no_log = c.troupe({"logs", "nowhere"});
  CHECK(no_log.code == 0);
  CHECK(no_log.out.empty());
  CHECK(c.troupe({"exec", "nowhere", "--", "true"}).err ==
        "Error from server (BadRequest): pod nowhere does not have a host assigned\n");
  // TYPE/NAME with no pod yet: waited for up to --pod-running-timeout, as kubectl's GetFirstPod.
  REQUIRE(c.troupe({"create", "deployment", "nopods", "--image=x"}).code == 0);
  auto none = c.troupe({"logs", "deploy/nopods", "--pod-running-timeout=300ms"});
  CHECK(none.code == 1);
  CHECK(none.err == "error: timed out waiting for the condition\n");
  cli_result late;
  std::thread reader([&] { late = c.troupe({"logs", "deploy/nopods", "--pod-running-timeout=20s"}); });
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  REQUIRE(c.troupe({"apply", "-f", "-"},
                   "apiVersion: v1\nkind: Pod\nmetadata: {name: late, labels: {app: nopods}}\nspec:\n"
                   "  nodeSelector: {kubernetes.io/hostname: no-such-node}\n  containers: [{name: c, image: x}]\n")
              .code == 0);
  reader.join();
  CHECK(late.code == 0);  // found: a pod no node runs has an empty log
  CHECK(c.troupe({"delete", "pod", "nowhere", "late"}).code == 0);
  // exec output past what it returns is said to be cut, not passed off whole.
  auto big = c.troupe({"exec", "slow", "-c", "i", "--", "sh", "-c", "head -c 34000000 /dev/zero; echo END; exit 3"});
  CHECK(big.code == 1);
  CHECK(big.out.size() == (size_t{32} << 20));
  CHECK(big.err == "error: the command's output was cut: troupe exec returns it when the command ends, at most "
                   "32 MiB of stdout and 1 MiB of stderr\n");
  CHECK(c.troupe({"delete", "pod", "slow", "--grace-period=1"}).code == 0);
}

TEST_CASE("drain reports each pod as it goes - one slow to stop holds back no other", "[process][nodes]") {
  cluster c({"--node-name", "s1"});
  wait_until(c, {"get", "nodes"}, [](const std::string& o) { return ready_nodes(o, 1); });
  REQUIRE(c.troupe({"apply", "-f", "-"},
                   pod_on("a-stuck", "s1", "{name: c, image: sh, command: [sh, -c, \"trap '' TERM; while :; do sleep 0.1; done\"]}",
                          "  terminationGracePeriodSeconds: 30\n") +
                       "---\n" + pod_on("b-quick", "s1", "{name: c, image: sh, command: [sleep, '300']}"))
              .code == 0);
  wait_until(c, {"get", "pods"}, [](const std::string& o) {
    return std::count(o.begin(), o.end(), '\n') == 3 && o.find("Running") != std::string::npos &&
           o.find("ContainerCreating") == std::string::npos && o.find("Pending") == std::string::npos;
  });
  auto drained = c.troupe({"drain", "s1", "--force", "--timeout=4s"});
  CHECK(drained.code == 1);
  CHECK_THAT(drained.out, Catch::Contains("pod/b-quick evicted\n"));
  CHECK_THAT(drained.err, Catch::Contains("drain did not complete within 4s: pod default/a-stuck is still there"));
  CHECK(c.troupe({"delete", "pod", "a-stuck", "--force", "--grace-period=0"}).code == 0);
}

TEST_CASE("logs -f ends a deleted pod's stream and follows the others", "[process][nodes]") {
  cluster c({"--node-name", "s1"});
  wait_until(c, {"get", "nodes"}, [](const std::string& o) { return ready_nodes(o, 1); });
  auto counting = [](const std::string& name) {
    return "apiVersion: v1\nkind: Pod\nmetadata: {name: " + name + ", labels: {grp: f}}\nspec:\n"
           "  terminationGracePeriodSeconds: 1\n  containers:\n  - {name: c, image: sh, command: [sh, -c, "
           "'i=0; while true; do echo line-$i; i=$((i+1)); sleep 0.2; done']}\n";
  };
  REQUIRE(c.troupe({"apply", "-f", "-"}, counting("f1") + "---\n" + counting("f2")).code == 0);
  for (const char* name : {"f1", "f2"})
    wait_until(c, {"logs", name}, [](const std::string& o) { return o.find("line-2\n") != std::string::npos; });
  // A sinceTime still to come: nothing so far is after it.
  auto future = c.troupe({"logs", "f2", "--since-time", troupe::format_rfc3339(troupe::unix_seconds() + 3600)});
  CHECK(future.code == 0);
  CHECK(future.out.empty());

  cli_result followed;
  std::thread follower([&] { followed = c.troupe({"logs", "-f", "-l", "grp=f", "--prefix"}); });
  std::this_thread::sleep_for(std::chrono::seconds(1));
  REQUIRE(c.troupe({"delete", "pod", "f1"}).code == 0);
  auto last_line = [&] {
    auto out = c.troupe({"logs", "f2", "--tail", "1"}).out;
    return std::stoi(out.substr(out.find('-') + 1));
  };
  int when_f1_went = last_line();
  wait_until(c, {"logs", "f2", "--tail", "1"}, [&](const std::string&) { return last_line() > when_f1_went + 5; });
  REQUIRE(c.troupe({"delete", "pod", "f2"}).code == 0);
  follower.join();
  CHECK(followed.code == 0);
  CHECK(followed.err.empty());
  CHECK_THAT(followed.out, Catch::Contains("[pod/f1/c] line-0\n") &&
                               Catch::Contains("[pod/f2/c] line-" + std::to_string(when_f1_went + 5) + "\n"));
}
