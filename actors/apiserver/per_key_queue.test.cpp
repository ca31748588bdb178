#include "actors/apiserver/per_key_queue.hpp"

#include <catch2/catch.hpp>

using namespace troupe;

TEST_CASE("one item runs per key and the next follows in order", "[apiserver][queue]") {
  per_key_queue<int> q(3);
  CHECK(q.push("a", 1) == queue_place::run_now);
  CHECK(q.push("b", 10) == queue_place::run_now);  // another key runs at once
  CHECK(q.push("a", 2) == queue_place::queued);
  CHECK(q.push("a", 3) == queue_place::queued);
  CHECK(q.push("a", 4) == queue_place::full);  // three per key at most
  CHECK(q.pop("a") == 2);
  CHECK(q.pop("a") == 3);
  CHECK(q.pop("a") == std::nullopt);
  CHECK(q.busy_keys() == 1);
  CHECK(q.pop("b") == std::nullopt);
  CHECK(q.busy_keys() == 0);
  CHECK(q.pop("never") == std::nullopt);
  CHECK(q.push("a", 5) == queue_place::run_now);  // a key that emptied starts afresh
}
