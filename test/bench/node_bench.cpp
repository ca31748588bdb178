// Node benchmark against real processes: (1) pod startup latency, create -> Running seen by a
// watch, on a real process node; (2) scheduler throughput with hollow nodes; (3) agent idle
// RSS. Prints one JSON object.
// Usage: node_bench [--pods N] [--hollow-nodes N] [--hollow-pods N] [--skip-startup] [--skip-scale]

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <thread>

#include "runtime/codec/object_codec.hpp"
#include "runtime/object/object.hpp"
#include "runtime/rpc/client.hpp"
#include "schema/core.capnp.h"
#include "test/bench/figures.hpp"
#include "test/bench/load.hpp"
#include "schema/api.capnp.h"
#include "test/harness/process.hpp"
#include "test/harness/temp_dir.hpp"

using namespace troupe;
using troupe::bench::fixed;
using troupe::bench::rss_kb;
using troupe::bench::now_ns;
using troupe::bench::percentile;
using troupe::testing::child_process;

namespace {

std::string after(const std::string& output, const std::string& marker) {
  auto at = output.find(marker) + marker.size();
  return output.substr(at, output.find_first_of(";\n ", at) - at);
}

struct server {
  troupe::testing::temp_dir dir{"troupe-node-bench"};
  std::unique_ptr<child_process> process;
  std::string api, cluster, token;
  int64_t started = 0;

  explicit server(std::vector<std::string> extra = {}) { start("127.0.0.1:0", std::move(extra)); }
  /// (Re)starts on the same data dir; `cluster_listen` keeps the agents' address.
  void start(const std::string& cluster_listen, std::vector<std::string> extra = {}) {
    std::vector<std::string> argv = {TROUPE_BINARY, "server", "--data-dir", dir / "data", "--listen", "127.0.0.1:0",
                                     "--cluster-listen", cluster_listen, "--client-config", dir / "config",
                                     "--disable-agent"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    started = now_ns();
    process = std::make_unique<child_process>(argv);
    if (!process->wait_for_output("ready in")) throw std::runtime_error("server: " + process->output());
    api = after(process->output(), "API listening on ");
    cluster = after(process->output(), "agents join at ");
    token = after(process->output(), "--token ");
  }
  // SIGTERM first so the server reads as a clean exit; then whatever the pods left behind.
  ~server() {
    process->stop();
    troupe::testing::kill_processes_mentioning(dir.path());
  }
  std::unique_ptr<child_process> agent(const std::string& name, std::vector<std::string> extra = {}) {
    std::vector<std::string> argv = {TROUPE_BINARY, "agent", "--server", cluster, "--token", token, "--name", name,
                                     "--data-dir", dir / ("agent-" + name), "--log-level", "warn"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return std::make_unique<child_process>(argv);
  }
};

// A pod of one `sleep`; `limited` gives it memory and cpu limits, so it runs in cgroups.
std::string pod(const kind_registry& kinds, const std::string& name, const std::string& node, bool limited = false) {
  std::string limits = limited ? ", limits: {cpu: 500m, memory: 64Mi}" : "";
  return codec::decode_manifests("apiVersion: v1\nkind: Pod\nmetadata: {name: " + name +
                                     "}\nspec:\n  terminationGracePeriodSeconds: 0\n" +
                                     (node.empty() ? "" : "  nodeSelector: {kubernetes.io/hostname: " + node + "}\n") +
                                     "  containers: [{name: c, image: sh, command: [sleep, '600'], resources: "
                                     "{requests: {cpu: 1m, memory: 1Mi}" + limits + "}}]\n",
                                 "bench", kinds)
      .at(0)
      .bytes;
}

api_request pod_request(std::string object = "") {
  api_request r;
  r.resource = "pods";
  r.ns = "default";
  r.object = std::move(object);
  return r;
}

size_t count_nodes_ready(rpc::client& c) {
  api_request r;
  r.resource = "nodes";
  size_t ready = 0;
  for (auto& item : c.call(api_verb::list, r).items) {
    object_reader n(item);
    for (auto cond : n.as<k8s::Node>().getStatus().getConditions())
      ready += text_view(cond.getType()) == "Ready" && cond.getStatus() == k8s::ConditionStatus::IS_TRUE;
  }
  return ready;
}

bool wait_nodes(rpc::client& c, size_t n, int seconds) {
  for (int i = 0; i < seconds * 10; ++i) {
    if (count_nodes_ready(c) >= n) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

// Watches pods from `revision` in a thread of its own, noting when each first binds and
// first runs.
class pod_tracker {
 public:
  /// Gives up after `patience_s` (the watch's own bound, so the destructor never hangs).
  pod_tracker(const std::string& address, uint64_t revision, size_t expected, int patience_s)
      : expected_(expected), thread_([=] { run(address, revision, patience_s); }) {}
  ~pod_tracker() { thread_.join(); }
  bool wait(int seconds) {
    for (int i = 0; i < seconds * 100 && running_count_ < expected_; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    return running_count_ >= expected_;
  }
  std::map<std::string, int64_t> bound, running;
  std::mutex lock;

 private:
  void run(const std::string& address, uint64_t revision, int patience_s) {
    rpc::client client(address);
    api_request req = pod_request();
    req.resource_version = revision;
    int64_t deadline = now_ns() + int64_t{patience_s} * 1000000000;
    // A watcher that falls behind is cut off, as any is: it watches again from where it was.
    for (;;) {
      try {
        watch(client, req, deadline);
        return;
      } catch (const api_error& e) {
        if (e.code() != api_errc::too_many_requests || now_ns() >= deadline) return;
      }
    }
  }

  void watch(rpc::client& client, api_request& req, int64_t deadline) {
    client.watch(req, false, [&](const rpc::event& ev) {
      req.resource_version = std::max(req.resource_version, ev.revision);
      if (ev.object.empty()) return true;
      object_reader r(ev.object);
      auto p = r.as<k8s::Pod>();
      auto name = text_string(p.getMetadata().getName());
      int64_t now = now_ns();
      std::lock_guard<std::mutex> g(lock);
      if (p.getSpec().getNodeName().size() > 0 && !bound.count(name)) bound[name] = now;
      if (p.getStatus().getPhase() == k8s::PodPhase::RUNNING && !running.count(name)) {
        running[name] = now;
        ++running_count_;
      }
      return running_count_ < expected_;
    }, std::chrono::milliseconds(std::max<int64_t>(1, (deadline - now_ns()) / 1000000)));
  }
  size_t expected_;
  std::atomic<size_t> running_count_{0};
  std::thread thread_;
};

// The store's revision, read from a list that stays small (a list of 50,000 pods would not).
uint64_t current_revision(rpc::client& c) {
  api_request r;
  r.resource = "namespaces";
  return c.call(api_verb::list, r).revision;
}

struct startup_figures {
  std::vector<int64_t> running, bound;  // create -> seen Running, create -> seen bound
};

// (1) + (3): one real node; its idle RSS; then pods created one by one (paced, so the figure
// is latency rather than queueing) and all at once.
std::string bench_startup(const kind_registry& kinds, int pods) {
  server s;
  auto agent = s.agent("n1");
  rpc::client api(s.api);
  if (!wait_nodes(api, 1, 30)) throw std::runtime_error("the node did not become Ready");
  std::this_thread::sleep_for(std::chrono::seconds(2));
  long agent_idle_kb = rss_kb(agent->pid());
  long server_idle_kb = rss_kb(s.process->pid());

  auto run = [&](const std::string& prefix, int64_t pace_us, bool limited = false) {
    pod_tracker tracker(s.api, current_revision(api), static_cast<size_t>(pods), 120);
    std::map<std::string, int64_t> created;
    for (int i = 0; i < pods; ++i) {
      auto name = prefix + std::to_string(i);
      created[name] = now_ns();
      api.call(api_verb::create, pod_request(pod(kinds, name, "", limited)));
      if (pace_us) std::this_thread::sleep_for(std::chrono::microseconds(pace_us));
    }
    if (!tracker.wait(120)) throw std::runtime_error("pods did not all start");
    startup_figures f;
    std::lock_guard<std::mutex> g(tracker.lock);
    for (auto& [name, at] : tracker.running) f.running.push_back(at - created[name]);
    for (auto& [name, at] : tracker.bound) f.bound.push_back(at - created[name]);
    return f;
  };
  // Stops the pods of one run, so the next one starts on an empty node (110 pods fit).
  auto stop = [&](const std::string& prefix) {
    for (int i = 0; i < pods; ++i) {
      auto req = pod_request();
      req.name = prefix + std::to_string(i);
      req.grace_period = 0;
      try {
        api.call(api_verb::remove, req);
      } catch (const api_error&) {
      }
    }
    for (int i = 0; i < 300 && !api.call(api_verb::list, pod_request()).items.empty(); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
  };
  auto paced = run("paced-", 50000);
  long agent_busy_kb = rss_kb(agent->pid());
  stop("paced-");
  auto burst = run("burst-", 0);
  stop("burst-");
  auto limited = run("limited-", 50000, true);
  stop("limited-");
  // Running is the figure; bound (create -> the scheduler's bind seen) says where time went.
  auto figures = [](startup_figures& f) {  // percentile sorts
    return "{\"p50_ms\": " + fixed(percentile(f.running, 0.5) / 1e6) + ", \"p99_ms\": " +
           fixed(percentile(f.running, 0.99) / 1e6) + ", \"bound_p50_ms\": " + fixed(percentile(f.bound, 0.5) / 1e6) +
           ", \"bound_p99_ms\": " + fixed(percentile(f.bound, 0.99) / 1e6) + ", \"pods\": " +
           std::to_string(f.running.size());
  };
  std::string out = "  \"pod_startup_paced_100\": " + figures(paced) + ", \"interval_ms\": 50},\n" +
                    "  \"pod_startup_burst_100\": " + figures(burst) + "},\n" +
                    "  \"pod_startup_paced_100_with_limits\": " + figures(limited) + ", \"interval_ms\": 50},\n" +
                    "  \"agent_idle_rss_mb\": " + fixed(agent_idle_kb / 1024.0, 1) + ",\n" +
                    "  \"agent_rss_with_100_pods_mb\": " + fixed(agent_busy_kb / 1024.0, 1) + ",\n" +
                    "  \"server_idle_rss_with_node_mb\": " + fixed(server_idle_kb / 1024.0, 1) + ",\n";
  return out;
}

void create_pods(const std::string& address, int pods) {
  // Its own thread: a thread has one event loop, and the caller's may hold a client's.
  std::thread loader([&] {
    auto io = kj::setupAsyncIo();
    troupe::bench::create_load load(io, address, 64, [](size_t c, size_t i, rpc::Request::Builder r) {
      r.setResource("pods");
      r.setNamespace("default");
      auto p = r.initObject().initAs<k8s::Pod>();
      p.setApiVersion("v1");
      p.setKind("Pod");
      p.initMetadata().setName("p" + std::to_string(c) + "-" + std::to_string(i));
      auto container = p.initSpec().initContainers(1)[0];
      container.setName("c");
      container.setImage("sh");
      auto requests = container.initResources().initRequests(2);
      requests[0].setKey("cpu");
      requests[0].setValue("1m");
      requests[1].setKey("memory");
      requests[1].setValue("1Mi");
    });
    load.run_count(static_cast<size_t>(pods));
  });
  loader.join();
}

// (2): the scheduler's throughput. Hollow nodes join a server that runs no scheduler; the pods
// are created and wait; then the server restarts with its scheduler, which finds them all
// pending and binds them while the hollow kubelets report them Running.
std::string bench_scale(int nodes, int pods) {
  server s({"--disable-scheduler"});
  auto hollow = s.agent("bench", {"--hollow-nodes", std::to_string(nodes)});
  int64_t join_start = now_ns();
  {
    rpc::client api(s.api);
    if (!wait_nodes(api, static_cast<size_t>(nodes), 300)) throw std::runtime_error("hollow nodes did not all join");
  }
  double join_s = static_cast<double>(now_ns() - join_start) / 1e9;
  long hollow_kb = rss_kb(hollow->pid());
  int64_t create_start = now_ns();
  create_pods(s.api, pods);
  double create_s = static_cast<double>(now_ns() - create_start) / 1e9;

  // Watched from the revision before the restart: the tracker replays only what came after
  // (binds, status), not the 50,000 creations, so it sees binds as they happen.
  uint64_t before_restart = current_revision(*std::make_unique<rpc::client>(s.api));
  s.process->stop();
  s.start(s.cluster);  // same cluster port: the hollow agent reconnects by itself
  int64_t start = s.started;
  rpc::client api(s.api);
  pod_tracker tracker(s.api, before_restart, static_cast<size_t>(pods), 600);
  if (!tracker.wait(600)) throw std::runtime_error("pods did not all run");
  // Every committed change takes one revision: binds and status writes, but also the lease
  // renewals and node writes of the run, so this is an upper bound on the writes a pod costs.
  double writes_per_pod = static_cast<double>(current_revision(api) - before_restart) / pods;
  int64_t first_bind = INT64_MAX, last_bind = 0, last_run = 0;
  {
    std::lock_guard<std::mutex> g(tracker.lock);
    for (auto& [n, at] : tracker.bound) last_bind = std::max(last_bind, at), first_bind = std::min(first_bind, at);
    for (auto& [n, at] : tracker.running) last_run = std::max(last_run, at);
  }
  double bind_s = static_cast<double>(last_bind - start) / 1e9;
  return "  \"scheduler_" + std::to_string(nodes) + "_nodes_" + std::to_string(pods) +
         "_pods\": {" + "\"bound_per_s\": " + fixed(pods / bind_s, 0) +
         ", \"all_bound_s\": " + fixed(bind_s, 2) +
         ", \"first_bound_s\": " + fixed(static_cast<double>(first_bind - start) / 1e9, 2) +
         ", \"bound_per_s_from_first\": " +
         fixed(pods / (static_cast<double>(last_bind - first_bind) / 1e9), 0) +
         ", \"all_running_s\": " + fixed(static_cast<double>(last_run - start) / 1e9, 2) +
         ", \"pod_creates_per_s\": " + fixed(pods / create_s, 0) +
         ", \"nodes_join_s\": " + fixed(join_s, 1) +
         ", \"store_revisions_per_pod\": " + fixed(writes_per_pod, 2) +
         ", \"hollow_agent_rss_mb\": " + fixed(hollow_kb / 1024.0, 0) + "},\n";
}

}  // namespace

int main(int argc, char** argv) {
  // The scale: 5,000 hollow nodes and 50,000 pods (about a minute on 2 cores).
  int pods = 100, nodes = 5000, hollow_pods = 50000;
  bool startup = true, scale = true;
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    if (flag == "--pods" && i + 1 < argc) pods = std::stoi(argv[++i]);
    else if (flag == "--hollow-nodes" && i + 1 < argc) nodes = std::stoi(argv[++i]);
    else if (flag == "--hollow-pods" && i + 1 < argc) hollow_pods = std::stoi(argv[++i]);
    else if (flag == "--skip-startup") startup = false;
    else if (flag == "--skip-scale") scale = false;
  }
  auto kinds = builtin_kinds();
  troupe::testing::temp_dir probe("troupe-node-bench-probe");
  std::string out =
      "{\n  \"machine\": \"" + std::to_string(std::thread::hardware_concurrency()) + " cores\",\n" +
      "  \"disk_sync_write_ms\": " + fixed(troupe::bench::disk_sync_write_ms(probe.path())) + ",\n";
  try {
    if (startup) out += bench_startup(kinds, pods);
    if (scale) out += bench_scale(nodes, hollow_pods);
  } catch (const std::exception& e) {
    std::cerr << "node_bench: " << e.what() << "\n";
    return 1;
  }
  out.erase(out.size() - 2);  // the last ",\n"
  std::cout << out << "\n}\n";
  return 0;
}
