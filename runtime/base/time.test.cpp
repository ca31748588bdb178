// Time helpers: kubectl's AGE column.

#include <catch2/catch.hpp>

#include "runtime/base/time.hpp"

using troupe::human_duration;

TEST_CASE("ages read as apimachinery's HumanDuration writes them", "[base][time]") {
  CHECK(human_duration(5) == "5s");
  CHECK(human_duration(119) == "119s");
  CHECK(human_duration(192) == "3m12s");
  CHECK(human_duration(7 * 3600) == "7h");
  CHECK(human_duration(51 * 3600) == "2d3h");
  CHECK(human_duration(45 * 86400) == "45d");
  // A second ahead is clock skew; more is a time in the future.
  CHECK(human_duration(-1) == "0s");
  CHECK(human_duration(-2) == "<invalid>");
}
