#include "actors/scheduler/namespace_labels.hpp"

#include <catch2/catch.hpp>

using namespace troupe::sched;

TEST_CASE("namespace labels are kept while the namespace exists or a pod holds them",
          "[scheduler]") {
  namespace_labels cache;
  // A pod seen before its namespace: empty labels, filled in place when the namespace comes.
  auto* held = cache.hold("a");
  CHECK(held->empty());
  CHECK(cache.update("a", {{"team", "x"}}, false));
  CHECK(*held == namespace_labels::labels{{"team", "x"}});
  CHECK_FALSE(cache.update("a", {{"team", "x"}}, false));  // unchanged
  CHECK(cache.hold("a") == held);                          // one entry per namespace
  CHECK(cache.update("b", {}, false) == false);
  CHECK(cache.size() == 2);
  // Deleted while pods hold it: no labels, the entry stays until the last pod goes.
  CHECK(cache.update("a", {{"team", "x"}}, true));
  CHECK(held->empty());
  cache.release("a");
  CHECK(cache.size() == 2);
  cache.release("a");
  CHECK(cache.size() == 1);
  // Deleted with no pod holding it: forgotten at once; a release too many changes nothing.
  CHECK_FALSE(cache.update("b", {}, true));
  CHECK(cache.size() == 0);
  cache.release("b");
  CHECK(cache.size() == 0);
  // A namespace that exists stays when its last pod goes.
  cache.update("c", {{"k", "v"}}, false);
  cache.hold("c");
  cache.release("c");
  CHECK(cache.size() == 1);
}
