// Scheduler throughput in one process: a store already holding N Ready nodes and P pending
// pods; the scheduler starts, places every pod and binds it through the API's binding verb
// (each bind a durable store write). Prints one JSON object.
// Usage: scheduler_bench [--nodes N] [--pods P]

#include <caf/all.hpp>

#include <iostream>
#include <thread>

#include "actors/apiserver/apiserver.hpp"
#include "actors/node/objects.hpp"
#include "actors/scheduler/scheduler.hpp"
#include "actors/store/store.hpp"
#include "runtime/base/time.hpp"
#include "runtime/caf/system_config.hpp"
#include "runtime/object/kinds.hpp"
#include "runtime/store/engine.hpp"
#include "test/bench/figures.hpp"
#include "test/harness/objects.hpp"
#include "test/harness/temp_dir.hpp"

using namespace troupe;
using troupe::bench::fixed;
using troupe::bench::now_ns;

namespace {

void commit(store::engine& engine, std::vector<store::write_op>& ops) {
  std::vector<store::write_result> results;
  std::vector<store::change> changes;
  engine.commit(ops, results, changes);
  ops.clear();
}

void populate(store::engine& engine, int nodes, int pods) {
  host_facts facts;
  facts.milli_cpu = 4000;
  facts.memory = int64_t{16} << 30;
  facts.address = "127.0.0.1";
  host_pressure healthy;
  healthy.memory_available = facts.memory;
  auto conditions = node_conditions(healthy, "");
  std::vector<store::write_op> ops;
  for (int i = 0; i < nodes; ++i) {
    auto name = "hollow-" + std::to_string(i);
    ops.push_back({store::op_kind::create, object_key("nodes", "", name), 0,
                   new_node(name, "127.64." + std::to_string(i % 256) + ".0/24", facts, conditions, unix_seconds())});
    if (ops.size() == 5000) commit(engine, ops);
  }
  for (int i = 0; i < pods; ++i) {
    auto name = "p" + std::to_string(i);
    ops.push_back({store::op_kind::create, object_key("pods", "default", name), 0,
                   troupe::testing::pod("default", name)});
    if (ops.size() == 5000) commit(engine, ops);
  }
  commit(engine, ops);
}

}  // namespace

int main(int argc, char** argv) {
  int nodes = 5000, pods = 50000;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--nodes") nodes = std::stoi(argv[i + 1]);
    else if (flag == "--pods") pods = std::stoi(argv[i + 1]);
  }
  troupe::testing::temp_dir dir("troupe-scheduler-bench");
  store::engine_options options;
  options.dir = dir.path();
  auto engine = std::make_shared<store::engine>(options);
  populate(*engine, nodes, pods);

  caf::actor_system_config cfg;
  apply_system_defaults(cfg);
  add_store_types(cfg);
  add_apiserver_types(cfg);
  caf::actor_system sys{cfg};
  auto kinds = std::make_shared<const kind_registry>(builtin_kinds());
  auto store = spawn_store(sys, {engine, kinds, {}});
  auto resources = spawn_resources(sys, {engine, kinds, store, {}});
  auto router = spawn_router(sys, resources);
  int64_t start = now_ns();
  auto scheduler = spawn_scheduler(sys, {engine, router, store, {}});
  caf::scoped_actor self{sys};
  scheduler_stats stats;
  int64_t half = 0;
  while (stats.bound < static_cast<uint64_t>(pods)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    self->request(scheduler, std::chrono::seconds(10), stats_atom::value)
        .receive([&](scheduler_stats s) { stats = s; }, [&](caf::error&) {});
    if (!half && stats.bound >= static_cast<uint64_t>(pods / 2)) half = now_ns();
    if (now_ns() - start > int64_t{600} * 1000000000) break;
  }
  double seconds = static_cast<double>(now_ns() - start) / 1e9;
  for (auto& a : {caf::actor_cast<caf::actor>(scheduler), caf::actor_cast<caf::actor>(router),
                  caf::actor_cast<caf::actor>(store)})
    caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  for (auto& [name, r] : resources) caf::anon_send_exit(r, caf::exit_reason::user_shutdown);
  std::cout << "{\n  \"machine\": \"" << std::thread::hardware_concurrency() << " cores\",\n"
            << "  \"scheduler_" << nodes << "_nodes_" << pods << "_pods\": {\"bound\": " << stats.bound
            << ", \"seconds\": " << fixed(seconds, 2) << ", \"bound_per_s\": " << fixed(stats.bound / seconds, 0)
            << ", \"store_commits\": " << engine->commits() << "}\n}\n";
  return stats.bound == static_cast<uint64_t>(pods) ? 0 : 1;
}
