#include "actors/scheduler/recorder.hpp"

#include <catch2/catch.hpp>

using troupe::sched::event_queue;
using troupe::sched::pending_event;

namespace {

size_t take_all(event_queue& q, int64_t now) {
  size_t n = 0;
  while (q.take(now)) ++n;
  return n;
}

}  // namespace

TEST_CASE("scheduler events go out in a burst of 100 and then 50 a second", "[scheduler][recorder]") {
  event_queue q;
  for (int i = 0; i < 300; ++i) REQUIRE(q.push({"default", "e" + std::to_string(i)}));
  CHECK(q.take(0)->object == "e0");  // oldest first
  CHECK(take_all(q, 0) == 99);
  CHECK(q.waiting() == 200);
  CHECK(q.next_at(0) == 20);  // one token every 20 ms
  CHECK_FALSE(q.take(19));
  CHECK(q.take(20)->object == "e100");
  CHECK(take_all(q, 1020) == 50);
  // An idle spell refills no more than the burst.
  CHECK(take_all(q, 100000) == 100);
  CHECK(q.waiting() == 49);
}

TEST_CASE("scheduler events beyond 1000 waiting are dropped", "[scheduler][recorder]") {
  event_queue q(event_queue::limits{3, 50, 1});
  CHECK(q.push({"a", "1"}));
  CHECK(q.push({"a", "2"}));
  CHECK(q.push({"a", "3"}));
  CHECK_FALSE(q.push({"a", "4"}));
  CHECK(q.dropped() == 1);
  CHECK(q.take(0)->object == "1");
  CHECK(q.push({"a", "5"}));
  CHECK(q.next_at(0) == 20);  // the burst of 1 is spent
  event_queue empty;
  CHECK_FALSE(empty.next_at(0));
}
