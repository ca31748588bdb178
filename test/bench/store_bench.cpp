// Store benchmark: durable writes through the store actor (1 and 64 writers), gets from
// snapshots, a list of 10,000 pods, and watch delivery latency to 1,000 subscribers.
// Prints one JSON object. Usage: store_bench [--seconds S] [--dir DIR]

#include <caf/all.hpp>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <iostream>
#include <random>
#include <sstream>
#include <thread>

#include "actors/store/store.hpp"
#include "runtime/caf/system_config.hpp"
#include "runtime/object/kinds.hpp"
#include "runtime/store/engine.hpp"
#include "test/harness/objects.hpp"
#include "test/bench/figures.hpp"
#include "test/harness/temp_dir.hpp"

using namespace troupe;
using namespace std::chrono;
using troupe::bench::fixed;
using troupe::bench::now_ns;
using troupe::bench::percentile;

namespace {

long rss_mb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss / 1024;
}

// ---- durable writes -------------------------------------------------------------------------

struct write_figures {
  double writes_per_s = 0, p50_ms = 0, p99_ms = 0;
  uint64_t writes = 0, commits = 0;
};

write_figures bench_writes(caf::actor_system& sys, store_actor store, store::engine& engine,
                           int writers, double seconds, const std::string& prefix) {
  auto stop = std::make_shared<std::atomic<bool>>(false);
  std::vector<std::vector<int64_t>> latencies(static_cast<size_t>(writers));
  std::vector<caf::actor> actors;
  uint64_t commits_before = engine.commits();
  auto started = now_ns();
  for (int w = 0; w < writers; ++w) {
    auto* mine = &latencies[static_cast<size_t>(w)];
    mine->reserve(200000);
    actors.push_back(sys.spawn([=](caf::event_based_actor* self) {
      auto next_write = [=](uint64_t n) {
        if (*stop) return self->quit();
        auto name = prefix + "-" + std::to_string(w) + "-" + std::to_string(n);
        auto sent = now_ns();
        self->request(store, caf::infinite, write_atom::value,
                      write_request{1, "pods/bench/" + name, 0,
                                    troupe::testing::pod("bench", name, "node-1", {}, 200)})
            .then(
                [=](api_reply&) {
                  mine->push_back(now_ns() - sent);
                  self->send(self, n + 1);
                },
                [=](caf::error& e) {
                  std::cerr << "write failed: " << caf::to_string(e) << "\n";
                  self->quit();
                });
      };
      next_write(0);
      return caf::behavior{[=](uint64_t n) { next_write(n); }};
    }));
  }
  std::this_thread::sleep_for(duration<double>(seconds));
  *stop = true;
  caf::scoped_actor waiter{sys};
  for (auto& a : actors) waiter->wait_for(a);
  double elapsed = static_cast<double>(now_ns() - started) / 1e9;
  std::vector<int64_t> all;
  for (auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  write_figures f;
  f.writes = all.size();
  f.commits = engine.commits() - commits_before;
  f.writes_per_s = static_cast<double>(all.size()) / elapsed;
  f.p50_ms = percentile(all, 0.50) / 1e6;
  f.p99_ms = percentile(all, 0.99) / 1e6;
  return f;
}

// ---- gets and lists -------------------------------------------------------------------------

struct get_figures {
  double gets_per_s = 0, p50_ns = 0, p99_ns = 0;
};

get_figures bench_gets(store::engine& engine, const std::vector<std::string>& keys, int threads,
                       double seconds) {
  std::vector<std::vector<int64_t>> samples(static_cast<size_t>(threads));
  std::vector<uint64_t> counts(static_cast<size_t>(threads));
  std::atomic<bool> stop{false};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      std::mt19937 random(static_cast<unsigned>(t + 1));
      auto& mine = samples[static_cast<size_t>(t)];
      uint64_t n = 0;
      std::string copy;
      while (!stop.load(std::memory_order_relaxed)) {
        const auto& key = keys[random() % keys.size()];
        // Sample the latency of one get in 64; timing every get would cost as much as the get.
        bool timed = (n & 63) == 0;
        int64_t t0 = timed ? now_ns() : 0;
        {
          auto snap = engine.read();
          auto found = snap.get(key);
          copy.assign(found->object);  // a reader takes its own copy out of the snapshot
        }
        if (timed) mine.push_back(now_ns() - t0);
        ++n;
      }
      counts[static_cast<size_t>(t)] = n;
    });
  auto started = now_ns();
  std::this_thread::sleep_for(duration<double>(seconds));
  stop = true;
  for (auto& th : pool) th.join();
  double elapsed = static_cast<double>(now_ns() - started) / 1e9;
  std::vector<int64_t> all;
  uint64_t total = 0;
  for (int t = 0; t < threads; ++t) {
    all.insert(all.end(), samples[static_cast<size_t>(t)].begin(),
               samples[static_cast<size_t>(t)].end());
    total += counts[static_cast<size_t>(t)];
  }
  return {static_cast<double>(total) / elapsed, percentile(all, 0.5), percentile(all, 0.99)};
}

struct list_figures {
  size_t pods = 0;
  double p50_ms = 0, best_ms = 0;
};

list_figures bench_list(store::engine& engine, const std::string& prefix) {
  std::vector<int64_t> times;
  size_t pods = 0;
  for (int round = 0; round < 20; ++round) {
    auto t0 = now_ns();
    std::vector<std::string> out;
    auto snap = engine.read();
    snap.list(prefix, [&](std::string_view, store::stored_view v) {
      out.emplace_back(v.object);
      return true;
    });
    times.push_back(now_ns() - t0);
    pods = out.size();
  }
  auto best = *std::min_element(times.begin(), times.end());
  return {pods, percentile(times, 0.5) / 1e6, static_cast<double>(best) / 1e6};
}

// ---- watch delivery -------------------------------------------------------------------------

struct watch_figures {
  double p50_ms = 0, p99_ms = 0, max_ms = 0;
  uint64_t deliveries = 0;
};

watch_figures bench_watch(caf::actor_system& sys, store_actor store, store::engine& engine,
                          int subscribers, int events, milliseconds gap) {
  // Writes go one at a time, so the i-th lands at revision base + i + 1.
  std::vector<int64_t> sent_at(static_cast<size_t>(events), 0);
  std::vector<std::vector<int64_t>> latencies(static_cast<size_t>(subscribers));
  std::atomic<int> finished{0};
  caf::scoped_actor self{sys};
  uint64_t base = engine.revision();
  std::vector<watcher_actor> watchers;
  for (int s = 0; s < subscribers; ++s) {
    auto* mine = &latencies[static_cast<size_t>(s)];
    mine->reserve(static_cast<size_t>(events));
    auto watcher = sys.spawn([=, &sent_at, &finished](watcher_actor::pointer me)
                                 -> watcher_actor::behavior_type {
      auto received = std::make_shared<uint64_t>(0);
      return {
          [=, &sent_at, &finished](watch_event_atom, watch_event& ev) {
            mine->push_back(now_ns() - sent_at[ev.revision - base - 1]);
            if (++*received % watch_ack_every == 0)
              me->send(store, watch_ack_atom::value, ev.id, *received);
            if (*received == static_cast<uint64_t>(events)) {
              ++finished;
              me->quit();
            }
          },
          [=](watch_end_atom, uint64_t, caf::error& e) {
            std::cerr << "watch ended: " << caf::to_string(e) << "\n";
            me->quit();
          },
      };
    });
    watch_request req;
    req.id = 1;
    req.resource = "pods";
    req.ns = "watched";
    self->request(store, 10s, watch_atom::value, req, watcher)
        .receive([](uint64_t) {},
                 [](caf::error& e) { std::cerr << "watch: " << caf::to_string(e) << "\n"; });
    watchers.push_back(watcher);
  }
  for (int i = 0; i < events; ++i) {
    auto name = "w-" + std::to_string(i);
    sent_at[static_cast<size_t>(i)] = now_ns();
    self->request(store, 10s, write_atom::value,
                  write_request{1, "pods/watched/" + name, 0,
                                troupe::testing::pod("watched", name, "node-1", {}, 200)})
        .receive([](api_reply&) {},
                 [](caf::error& e) { std::cerr << "write: " << caf::to_string(e) << "\n"; });
    std::this_thread::sleep_for(gap);
  }
  for (int i = 0; i < 1000 && finished < subscribers; ++i) std::this_thread::sleep_for(10ms);
  for (auto& w : watchers) self->wait_for(w);
  std::vector<int64_t> all;
  for (auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  watch_figures f;
  f.deliveries = all.size();
  f.p50_ms = percentile(all, 0.5) / 1e6;
  f.p99_ms = percentile(all, 0.99) / 1e6;
  f.max_ms = all.empty() ? 0 : static_cast<double>(*std::max_element(all.begin(), all.end())) / 1e6;
  return f;
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 3;
  bool writes_only = false;  // for profiling the write path
  std::string dir_arg;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--seconds") seconds = std::stod(argv[i + 1]);
    else if (flag == "--only" && std::string(argv[i + 1]) == "writes") writes_only = true;
    else if (flag == "--dir") dir_arg = argv[i + 1];
    else {
      std::cerr << "unknown flag " << flag << "\nusage: store_bench [--seconds S] [--dir DIR] [--only writes]\n";
      return 64;
    }
  }
  troupe::testing::temp_dir scratch("troupe-bench");
  std::string dir = dir_arg.empty() ? scratch.path() : dir_arg;
  double sync_ms = troupe::bench::disk_sync_write_ms(dir);

  caf::actor_system_config cfg;
  apply_system_defaults(cfg);
  add_store_types(cfg);
  std::ostringstream json;
  {
    caf::actor_system sys{cfg};
    store::engine_options options;
    options.dir = dir;
    auto engine = std::make_shared<store::engine>(options);
    auto store = spawn_store(sys, {engine, std::make_shared<kind_registry>(builtin_kinds()), {}});

    auto one = bench_writes(sys, store, *engine, 1, seconds, "one");
    auto many = bench_writes(sys, store, *engine, 64, seconds, "many");
    auto lots = bench_writes(sys, store, *engine, 256, seconds, "lots");
    if (writes_only) {
      std::cout << "{\"durable_writes_64_writers\": " << fixed(many.writes_per_s, 0)
                << ", \"per_commit\": " << fixed(double(many.writes) / double(many.commits), 1)
                << ", \"p50_ms\": " << fixed(many.p50_ms) << "}\n";
      caf::anon_send_exit(store, caf::exit_reason::user_shutdown);
      return 0;
    }

    // 10,000 pods in their own namespace for get and list.
    {
      caf::scoped_actor self{sys};
      for (int batch = 0; batch < 100; ++batch) {
        for (int i = 0; i < 100; ++i) {
          auto name = "pod-" + std::to_string(batch * 100 + i);
          self->send(store, write_atom::value,
                     write_request{1, "pods/listed/" + name, 0,
                                   troupe::testing::pod("listed", name, "node-1", {{"app", "web"}}, 200)});
        }
        self->request(store, 10s, stats_atom::value)
            .receive([](store_stats) {}, [](caf::error&) {});
      }
    }
    std::vector<std::string> keys;
    engine->read().list("pods/listed/", [&](std::string_view key, store::stored_view) {
      keys.emplace_back(key);
      return true;
    });
    auto gets1 = bench_gets(*engine, keys, 1, seconds);
    auto gets2 = bench_gets(*engine, keys, 2, seconds);
    auto list = bench_list(*engine, "pods/listed/");
    auto watch = bench_watch(sys, store, *engine, 1000, 200, 10ms);

    json << "{\n"
         << "  \"bench\": \"store\",\n"
         << "  \"machine\": {\"cores\": " << std::thread::hardware_concurrency()
         << ", \"memory_gib\": " << (sysconf(_SC_PHYS_PAGES) * sysconf(_SC_PAGE_SIZE)) / (1L << 30)
         << ", \"disk_sync_write_ms\": " << fixed(sync_ms) << "},\n"
         << "  \"durable_writes_1_writer\": {\"writes_per_s\": " << fixed(one.writes_per_s, 0)
         << ", \"p50_ms\": " << fixed(one.p50_ms) << ", \"p99_ms\": " << fixed(one.p99_ms)
         << ", \"writes\": " << one.writes << ", \"commits\": " << one.commits << "},\n"
         << "  \"durable_writes_64_writers\": {\"writes_per_s\": " << fixed(many.writes_per_s, 0)
         << ", \"p50_ms\": " << fixed(many.p50_ms) << ", \"p99_ms\": " << fixed(many.p99_ms)
         << ", \"writes\": " << many.writes << ", \"commits\": " << many.commits
         << ", \"target_writes_per_s\": 50000},\n"
         << "  \"durable_writes_256_writers\": {\"writes_per_s\": " << fixed(lots.writes_per_s, 0)
         << ", \"p50_ms\": " << fixed(lots.p50_ms) << ", \"p99_ms\": " << fixed(lots.p99_ms)
         << ", \"writes\": " << lots.writes << ", \"commits\": " << lots.commits << "},\n"
         << "  \"get_1_thread\": {\"gets_per_s\": " << fixed(gets1.gets_per_s, 0)
         << ", \"p50_ns\": " << fixed(gets1.p50_ns, 0) << ", \"p99_ns\": " << fixed(gets1.p99_ns, 0)
         << "},\n"
         << "  \"get_2_threads\": {\"gets_per_s\": " << fixed(gets2.gets_per_s, 0)
         << ", \"p50_ns\": " << fixed(gets2.p50_ns, 0) << ", \"p99_ns\": " << fixed(gets2.p99_ns, 0)
         << ", \"target_gets_per_s\": 1000000},\n"
         << "  \"list_pods\": {\"pods\": " << list.pods << ", \"p50_ms\": " << fixed(list.p50_ms)
         << ", \"best_ms\": " << fixed(list.best_ms) << "},\n"
         << "  \"watch_delivery\": {\"subscribers\": 1000, \"events_each\": 200, \"deliveries\": "
         << watch.deliveries << ", \"p50_ms\": " << fixed(watch.p50_ms)
         << ", \"p99_ms\": " << fixed(watch.p99_ms) << ", \"max_ms\": " << fixed(watch.max_ms)
         << ", \"measured_from\": \"write request sent\", \"target_p99_ms\": 20},\n"
         << "  \"max_rss_mb\": " << rss_mb() << "\n"
         << "}\n";
    caf::anon_send_exit(store, caf::exit_reason::user_shutdown);
  }
  std::cout << json.str();
}
