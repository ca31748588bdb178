// API benchmark against a real `troupe server` process over Cap'n Proto RPC: start to
// serving, idle RSS, creates/s with 64 concurrent clients (p50/p99), get p50/p99, and watch
// event latency (write sent -> event received by a watching client). Prints one JSON object.
// Creates are measured twice: with a load speaking the RPC protocol on its own (wire_load.hpp,
// the server's capacity) and with Cap'n Proto's client (load.hpp, what a kj client costs).
// Usage: api_bench [--seconds S] [--clients N] [--server HOST:PORT (load only, e.g. to profile)
//                  [--name-prefix P (so several load processes can share a server)]
//                  [--load wire|kj (default wire)]]

#include <capnp/rpc-twoparty.h>
#include <kj/async-io.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "runtime/codec/object_codec.hpp"
#include "runtime/object/object.hpp"
#include "runtime/rpc/client.hpp"
#include "schema/api.capnp.h"
#include "schema/core.capnp.h"
#include "test/bench/figures.hpp"
#include "test/bench/load.hpp"
#include "test/bench/wire_load.hpp"
#include "test/harness/process.hpp"
#include "test/harness/temp_dir.hpp"

using namespace troupe;
using troupe::bench::fixed;
using troupe::bench::rss_kb;
using troupe::bench::now_ns;
using troupe::bench::percentile;

namespace {

// User + system CPU the process has used, in milliseconds.
double cpu_ms(pid_t pid) {
  auto text = read_file_if_readable("/proc/" + std::to_string(pid) + "/stat").value_or("");
  if (text.rfind(')') == std::string::npos) return 0;
  std::istringstream fields(text.substr(text.rfind(')') + 2));
  std::string skip;
  for (int i = 0; i < 11; ++i) fields >> skip;  // state .. cmajflt
  double utime = 0, stime = 0;
  fields >> utime >> stime;
  return (utime + stime) * 1000.0 / static_cast<double>(sysconf(_SC_CLK_TCK));
}

std::string config_map(const kind_registry& kinds, const std::string& name, const std::string& value) {
  return codec::decode_manifests("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: " + name +
                                     "}\ndata: {t: '" + value + "'}\n",
                                 "bench", kinds)
      .at(0)
      .bytes;
}

api_request cm_request(std::string name = "", std::string object = "") {
  api_request r;
  r.resource = "configmaps";
  r.ns = "default";
  r.name = std::move(name);
  r.object = std::move(object);
  return r;
}

struct latency {
  double per_s = 0, p50_ms = 0, p99_ms = 0;
  size_t count = 0;
};

latency summarize(std::vector<int64_t>& ns, double seconds) {
  latency l;
  l.count = ns.size();
  l.per_s = static_cast<double>(ns.size()) / seconds;
  l.p50_ms = percentile(ns, 0.50) / 1e6;
  l.p99_ms = percentile(ns, 0.99) / 1e6;
  return l;
}

std::string json(const latency& l, const char* rate, const std::string& load = "") {
  return std::string("{\"") + rate + "\": " + fixed(l.per_s, 0) + ", \"p50_ms\": " + fixed(l.p50_ms) +
         ", \"p99_ms\": " + fixed(l.p99_ms) + ", \"count\": " + std::to_string(l.count) +
         (load.empty() ? "" : ", \"load\": \"" + load + "\"") + "}";
}

void fill_create(rpc::Request::Builder r, const std::string& prefix, size_t c, size_t i) {
  r.setResource("configmaps");
  r.setNamespace("default");
  auto cm = r.initObject().initAs<k8s::ConfigMap>();
  cm.setApiVersion("v1");
  cm.setKind("ConfigMap");
  cm.initMetadata().setName(prefix + std::to_string(c) + "-" + std::to_string(i));
  auto data = cm.initData(1);
  data[0].setKey("k");
  data[0].setValue("some configuration value");
}

// `load`: "wire" (wire_load.hpp: the server's capacity) or "kj" (load.hpp: Cap'n Proto's own
// client, which takes about as much CPU as the server's RPC loop from the same 2 cores).
latency bench_creates(const std::string& address, int clients, double seconds, const std::string& prefix,
                      const std::string& load) {
  auto build = [&](size_t c, size_t i, rpc::Request::Builder r) { fill_create(r, prefix, c, i); };
  if (load == "wire") {
    troupe::bench::wire_create_load wire(address, clients, build);
    auto ns = wire.run_for(seconds);
    return summarize(ns, seconds);
  }
  if (load != "kj") throw std::invalid_argument("--load: want wire or kj, not " + load);
  auto io = kj::setupAsyncIo();
  troupe::bench::create_load kj_load(io, address, clients, build);
  auto ns = kj_load.run_for(seconds);
  return summarize(ns, seconds);
}

latency bench_gets(const std::string& address, double seconds) {
  rpc::client client(address);
  std::vector<int64_t> ns;
  int64_t until = now_ns() + static_cast<int64_t>(seconds * 1e9);
  for (int i = 0; now_ns() < until; ++i) {
    int64_t start = now_ns();
    client.call(api_verb::get, cm_request("c0-" + std::to_string(i % 100)));
    ns.push_back(now_ns() - start);
  }
  return summarize(ns, seconds);
}

// A writer stamps each object with the monotonic time it sent it; a watching client takes
// the difference on arrival. Writes are paced (not a flood) so the figure is latency, not
// queueing.
latency bench_watch(const std::string& address, const kind_registry& kinds, int events) {
  std::vector<int64_t> ns;
  rpc::client watcher(address);
  std::thread writer([&] {
    rpc::client client(address);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    for (int i = 0; i < events; ++i) {
      client.call(api_verb::create,
                  cm_request("", config_map(kinds, "w" + std::to_string(i), std::to_string(now_ns()))));
      std::this_thread::sleep_for(std::chrono::microseconds(500));
    }
  });
  auto& kind = *kinds.find_by_resource("configmaps");
  int64_t started = now_ns();
  api_request req = cm_request();
  req.label_selector = "";
  watcher.watch(req, false, [&](const rpc::event& ev) {
    auto tree = codec::encode_object(ev.object, kind);
    auto name = tree.find("metadata")->find("name")->text();
    if (name[0] != 'w') return true;
    ns.push_back(now_ns() - std::stoll(tree.find("data")->find("t")->text()));
    return static_cast<int>(ns.size()) < events;
  }, std::chrono::seconds(60));
  writer.join();
  return summarize(ns, static_cast<double>(now_ns() - started) / 1e9);
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 3;
  int clients = 64;
  std::string external, prefix = "c", load = "wire";
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--seconds") seconds = std::stod(argv[i + 1]);
    else if (flag == "--clients") clients = std::stoi(argv[i + 1]);
    else if (flag == "--server") external = argv[i + 1];
    else if (flag == "--name-prefix") prefix = argv[i + 1];
    else if (flag == "--load") load = argv[i + 1];
  }
  if (!external.empty()) {
    auto creates = bench_creates(external, clients, seconds, prefix, load);
    std::cout << "{\"creates_" << clients << "_clients\": " << json(creates, "creates_per_s", load) << "}\n";
    return 0;
  }
  troupe::testing::temp_dir dir("troupe-api-bench");
  double sync_ms = troupe::bench::disk_sync_write_ms(dir.path());
  int64_t launched = now_ns();
  troupe::testing::child_process server({TROUPE_BINARY, "server", "--data-dir", dir / "data", "--listen",
                                         "127.0.0.1:0", "--cluster-listen", "127.0.0.1:0", "--client-config",
                                         dir / "config", "--disable-agent"});
  if (!server.wait_for_output("ready in")) {
    std::cerr << "server did not start: " << server.output() << "\n";
    return 1;
  }
  auto at = server.output().find("API listening on ");
  std::string address = server.output().substr(at + 17, server.output().find('\n', at) - at - 17);
  { rpc::client(address).server_version(); }
  double start_ms = static_cast<double>(now_ns() - launched) / 1e6;
  std::this_thread::sleep_for(std::chrono::seconds(1));
  long idle_kb = rss_kb(server.pid());

  auto kinds = builtin_kinds();
  double cpu_before = cpu_ms(server.pid());
  auto creates = bench_creates(address, clients, seconds, "c", "wire");
  double server_cpu_share = (cpu_ms(server.pid()) - cpu_before) / (seconds * 1000.0);
  cpu_before = cpu_ms(server.pid());
  auto kj_creates = bench_creates(address, clients, seconds, "k", "kj");
  double kj_server_cpu_share = (cpu_ms(server.pid()) - cpu_before) / (seconds * 1000.0);
  auto gets = bench_gets(address, seconds);
  auto watch = bench_watch(address, kinds, 2000);
  long loaded_kb = rss_kb(server.pid());
  server.stop();

  std::cout << "{\n"
            << "  \"machine\": \"" << std::thread::hardware_concurrency() << " cores\",\n"
            << "  \"disk_sync_write_ms\": " << fixed(sync_ms) << ",\n"
            << "  \"server_start_to_serving_ms\": " << fixed(start_ms, 1) << ",\n"
            << "  \"server_idle_rss_mb\": " << fixed(static_cast<double>(idle_kb) / 1024, 1)
            << ",\n"
            << "  \"creates_" << clients << "_clients\": " << json(creates, "creates_per_s", "wire")
            << ",\n"
            << "  \"server_cpu_cores_during_creates\": " << fixed(server_cpu_share, 2) << ",\n"
            << "  \"server_cpu_us_per_create\": "
            << fixed(server_cpu_share * 1e6 / std::max(creates.per_s, 1.0), 1) << ",\n"
            << "  \"creates_" << clients << "_clients_kj_load\": " << json(kj_creates, "creates_per_s", "kj")
            << ",\n"
            << "  \"server_cpu_us_per_create_kj_load\": "
            << fixed(kj_server_cpu_share * 1e6 / std::max(kj_creates.per_s, 1.0), 1) << ",\n"
            << "  \"get_1_client\": " << json(gets, "gets_per_s") << ",\n"
            << "  \"watch_event_latency\": " << json(watch, "events_per_s") << ",\n"
            << "  \"server_rss_after_mb\": " << fixed(static_cast<double>(loaded_kb) / 1024, 1)
            << "\n"
            << "}\n";
  return 0;
}
