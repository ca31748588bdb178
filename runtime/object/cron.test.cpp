#include "runtime/object/cron.hpp"

#include <catch2/catch.hpp>

#include "runtime/base/time.hpp"

using namespace troupe;

TEST_CASE("cron schedules parse as CronJob reads them", "[cron]") {
  cron_schedule s;
  std::string error;
  REQUIRE(parse_cron("*/15 9-17 * * mon-fri", s, error));
  CHECK(s.minutes.count() == 4);
  CHECK(s.minutes.test(45));
  CHECK(s.hours.count() == 9);
  CHECK(s.any_day);
  CHECK_FALSE(s.any_weekday);
  CHECK(s.weekdays.to_ulong() == 0b0111110);
  REQUIRE(parse_cron("0 0 1,15 jan,JUL Sun", s, error));
  CHECK(s.days.count() == 2);
  CHECK(s.months.test(1));
  CHECK(s.months.test(7));
  CHECK(s.weekdays.test(0));
  REQUIRE(parse_cron("0 0 ? JAN,FEB mon", s, error));  // '?' is '*', as Kubernetes' parser reads it
  CHECK(s.any_day);
  CHECK(s.days.count() == 31);
  REQUIRE(parse_cron("0 0 */2 * *", s, error));  // a step over 1 is not "any day"
  CHECK_FALSE(s.any_day);
  CHECK(s.days.count() == 16);
  REQUIRE(parse_cron("5/20 0 1,,2 * *", s, error));  // N/step runs to the end; empty list parts go
  CHECK(s.minutes.count() == 3);
  CHECK(s.days.count() == 2);
  REQUIRE(parse_cron("1/9223372036854775807\t0  * * *", s, error));  // a step past any end; tabs separate
  CHECK(s.minutes.count() == 1);
  CHECK(s.minutes.test(1));
  REQUIRE(parse_cron("@hourly", s, error));
  CHECK(s.minutes.count() == 1);
  CHECK(s.hours.count() == 24);
}

TEST_CASE("@every takes a Go duration as Kubernetes' cron library does", "[cron]") {
  cron_schedule s;
  std::string error;
  REQUIRE(parse_cron("@every 1h30m", s, error));
  CHECK(s.every_seconds == 5400);
  CHECK(s.minutes.none());
  REQUIRE(parse_cron("@every 2.5s", s, error));
  CHECK(s.every_seconds == 2);  // whole seconds
  REQUIRE(parse_cron("@every 10ms", s, error));
  CHECK(s.every_seconds == 1);  // at least one
  REQUIRE(parse_cron("@every 1m", s, error));
  CHECK(s.every_seconds == 60);
  REQUIRE(parse_cron("@hourly", s, error));
  CHECK(s.every_seconds == 0);
  CHECK_FALSE(parse_cron("@every 5", s, error));
  CHECK(error == "failed to parse duration @every 5: time: missing unit in duration \"5\"");
  CHECK_FALSE(parse_cron("@every 1d", s, error));
  CHECK(error == "failed to parse duration @every 1d: time: unknown unit \"d\" in duration \"1d\"");
  CHECK_FALSE(parse_cron("@every h", s, error));
  CHECK(error == "failed to parse duration @every h: time: invalid duration \"h\"");
  CHECK_FALSE(parse_cron("@every1h", s, error));
}

TEST_CASE("bad cron schedules say what is wrong", "[cron]") {
  struct row {
    const char* text;
    const char* error;
  };
  auto r = GENERATE(values<row>({
      // robfig/cron's words, which Kubernetes' validation quotes.
      {"*/5 * * *", "expected exactly 5 fields, found 4: [*/5 * * *]"},
      {"60 * * * *", "end of range (60) above maximum (59): 60"},
      {"10-70/5 * * * *", "end of range (70) above maximum (59): 10-70/5"},
      {"* * 0 * *", "beginning of range (0) below minimum (1): 0"},
      {"* * * * 7", "end of range (7) above maximum (6): 7"},
      {"* * * foo *", "failed to parse int from foo: strconv.Atoi: parsing \"foo\": invalid syntax"},
      {"*/0 * * * *", "step of range should be a positive number: */0"},
      {"* 5-2 * * *", "beginning of range (5) beyond end of range (2): 5-2"},
      {"1-2-3 * * * *", "too many hyphens: 1-2-3"},
      {"*/2/3 * * * *", "too many slashes: */2/3"},
      {"-1 * * * *", "failed to parse int from : strconv.Atoi: parsing \"\": invalid syntax"},
  }));
  cron_schedule s;
  std::string error;
  CHECK_FALSE(parse_cron(r.text, s, error));
  CHECK(error == r.error);
}

TEST_CASE("durations parse as Go's time.ParseDuration for @every and the CLI's flags", "[cron][time]") {
  CHECK(parse_go_duration_ns("1h30m") == int64_t{5400} * 1000000000);
  CHECK(parse_go_duration_ns("1.5s") == int64_t{1500000000});
  CHECK(parse_go_duration_ns("-2ms") == int64_t{-2000000});
  CHECK(parse_go_duration_ns("0") == int64_t{0});
  std::string error;
  CHECK_FALSE(parse_go_duration_ns("1d", &error));
  CHECK(error == "time: unknown unit \"d\" in duration \"1d\"");
  CHECK(parse_duration_ms("250ms") == int64_t{250});
  CHECK(parse_duration_ms("2m") == int64_t{120000});
  CHECK_FALSE(parse_duration_ms("-5s"));  // flags take no negative durations
  CHECK_FALSE(parse_duration_ms("5"));
}
