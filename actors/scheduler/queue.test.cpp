#include "actors/scheduler/queue.hpp"

#include <catch2/catch.hpp>
#include <vector>

using namespace troupe::sched;

namespace {

std::vector<std::string> drain(scheduling_queue& q, int64_t now) {
  std::vector<std::string> out;
  while (auto key = q.pop(now)) out.push_back(*key);
  return out;
}

/// Pops `key` (which must be next) and fails it at `now`.
void fail(scheduling_queue& q, const std::string& key, bool unschedulable, int64_t now) {
  REQUIRE(q.pop(now) == key);
  q.failed(key, unschedulable, now);
}

using strings = std::vector<std::string>;

}  // namespace

TEST_CASE("the active queue gives the highest priority first then the oldest", "[scheduler]") {
  struct row {
    const char* name;
    std::vector<std::pair<std::string, int32_t>> adds;
    strings order;
  };
  std::vector<row> rows = {
      {"one", {{"a", 0}}, {"a"}},
      {"first in, first out", {{"a", 0}, {"b", 0}, {"c", 0}}, {"a", "b", "c"}},
      {"priority first", {{"a", 0}, {"b", 10}, {"c", 10}, {"d", -5}}, {"b", "c", "a", "d"}},
      {"re-adding keeps one entry", {{"a", 0}, {"b", 0}, {"a", 0}}, {"a", "b"}},
      {"a raised priority keeps its age",
       {{"a", 0}, {"b", 5}, {"c", 5}, {"a", 5}},
       {"a", "b", "c"}},
      {"a lowered priority", {{"a", 5}, {"b", 0}, {"a", -1}}, {"b", "a"}},
  };
  for (auto& r : rows) {
    INFO(r.name);
    scheduling_queue q;
    for (auto& [key, priority] : r.adds) q.add(key, priority, 0);
    CHECK(q.active() == r.order.size());
    CHECK(drain(q, 0) == r.order);
    CHECK(q.active() == 0);
  }
}

TEST_CASE("failed pods back off doubling up to the cap", "[scheduler]") {
  scheduling_queue q;  // 1 s doubling to 10 s
  q.add("a", 0, 0);
  int64_t now = 0;
  for (int64_t wait : {1000, 2000, 4000, 8000, 10000, 10000}) {
    INFO("backoff " << wait);
    fail(q, "a", false, now);
    CHECK(q.backing_off() == 1);
    CHECK(q.contains("a"));
    CHECK(q.next_wakeup() == now + wait);
    CHECK_FALSE(q.pop(now + wait - 1));
    now += wait;
  }
  CHECK(q.pop(now) == "a");

  SECTION("success forgets the attempts") {
    q.succeeded("a");
    CHECK_FALSE(q.contains("a"));
    q.add("a", 0, now);
    fail(q, "a", false, now);
    CHECK(q.next_wakeup() == now + 1000);
  }
}

TEST_CASE("backoff follows the knobs", "[scheduler]") {
  scheduling_queue q(queue_knobs{100, 250, 1000});
  q.add("a", 0, 0);
  int64_t now = 0;
  for (int64_t wait : {100, 200, 250}) {
    fail(q, "a", false, now);
    CHECK(q.next_wakeup() == now + wait);
    now += wait;
  }
}

TEST_CASE("a pod backing off stays there when updated", "[scheduler]") {
  scheduling_queue q;
  q.add("a", 0, 0);
  fail(q, "a", false, 0);
  q.add("a", 7, 10);
  CHECK(q.backing_off() == 1);
  CHECK(q.active() == 0);
  q.add("b", 0, 500);
  CHECK(drain(q, 1000) == strings{"a", "b"});  // its new priority counts once it is active
}

TEST_CASE("unschedulable pods wait for a cluster change or five minutes", "[scheduler]") {
  scheduling_queue q;
  q.add("a", 0, 0);
  fail(q, "a", true, 0);
  CHECK(q.unschedulable() == 1);
  CHECK(q.contains("a"));
  CHECK_FALSE(q.pop(60'000));  // its backoff is long over, but nothing changed
  CHECK(q.next_wakeup() == 300'000);

  SECTION("a change after its backoff makes it active") {
    q.cluster_changed(60'000);
    CHECK(q.unschedulable() == 0);
    CHECK(q.active() == 1);
    CHECK(q.pop(60'000) == "a");
  }
  SECTION("a change during its backoff moves it to backoff") {
    q.cluster_changed(500);
    CHECK(q.backing_off() == 1);
    CHECK_FALSE(q.pop(999));
    CHECK(q.pop(1000) == "a");
  }
  SECTION("an update of the pod itself requeues it") {
    q.add("a", 0, 60'000);
    CHECK(q.pop(60'000) == "a");
  }
  SECTION("five minutes without a change") {
    CHECK_FALSE(q.pop(299'999));
    CHECK(q.pop(300'000) == "a");
  }
}

TEST_CASE("a change seen while a pod was in flight sends it to backoff not to wait",
          "[scheduler]") {
  scheduling_queue q;
  q.add("a", 0, 0);
  REQUIRE(q.pop(0) == "a");
  q.cluster_changed(5);
  q.failed("a", true, 10);
  CHECK(q.unschedulable() == 0);
  CHECK(q.backing_off() == 1);
  CHECK(q.pop(1010) == "a");
}

TEST_CASE("remove forgets a pod wherever it is", "[scheduler]") {
  struct row {
    const char* name;
    bool failed, unschedulable;
  };
  std::vector<row> rows = {
      {"active", false, false}, {"backing off", true, false}, {"unschedulable", true, true}};
  for (auto& r : rows) {
    INFO(r.name);
    scheduling_queue q;
    q.add("a", 0, 0);
    q.add("b", 0, 0);
    if (r.failed) fail(q, "a", r.unschedulable, 0);
    q.remove("a");
    CHECK_FALSE(q.contains("a"));
    q.cluster_changed(400'000);
    CHECK(drain(q, 400'000) == strings{"b"});
    CHECK(q.active() + q.backing_off() + q.unschedulable() == 0);
    CHECK_FALSE(q.next_wakeup());
  }
}

TEST_CASE("a pod removed while in flight does not come back when its attempt fails",
          "[scheduler]") {
  scheduling_queue q;
  q.add("a", 0, 0);
  REQUIRE(q.pop(0) == "a");
  CHECK_FALSE(q.contains("a"));
  q.remove("a");
  q.failed("a", false, 0);
  CHECK_FALSE(q.contains("a"));
  CHECK_FALSE(q.pop(100'000));
}

TEST_CASE("a pod updated while in flight is queued again at once", "[scheduler]") {
  scheduling_queue q;
  q.add("a", 0, 0);
  REQUIRE(q.pop(0) == "a");
  q.add("a", 0, 5);
  q.failed("a", true, 10);  // the update already put it back
  CHECK(q.unschedulable() == 0);
  CHECK(q.pop(10) == "a");
}

TEST_CASE("next wakeup is the earliest timer", "[scheduler]") {
  scheduling_queue q;
  CHECK_FALSE(q.next_wakeup());
  q.add("a", 0, 0);
  q.add("b", 0, 0);
  fail(q, "a", true, 0);     // unschedulable until 300'000
  fail(q, "b", false, 100);  // backing off until 1'100
  CHECK(q.next_wakeup() == 1100);
  CHECK(q.pop(1100) == "b");
  CHECK(q.next_wakeup() == 300'000);
}

TEST_CASE("a change that can help only some unschedulable pods moves only those", "[scheduler]") {
  scheduling_queue q;
  for (const char* key : {"follower", "huge"}) {
    q.add(key, 0, 0);
    fail(q, key, true, 0);
  }
  REQUIRE(q.unschedulable() == 2);
  q.some_may_fit([](const std::string& key) { return key == "follower"; }, 60'000);
  CHECK(q.unschedulable() == 1);  // "huge" still waits for a change that may help it
  CHECK(q.pop(60'000) == "follower");
  CHECK_FALSE(q.pop(60'000));
}
