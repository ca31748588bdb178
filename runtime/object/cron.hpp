#pragma once
// Cron schedules as CronJob's spec.schedule spells them: five fields (minute hour
// day-of-month month day-of-week) with *, lists, ranges, steps and month/day names, or a
// macro (@yearly, @monthly, @weekly, @daily, @midnight, @hourly, @every <Go duration>).

#include <bitset>
#include <cstdint>
#include <string>
#include <string_view>

namespace troupe {

struct cron_schedule {
  std::bitset<60> minutes;
  std::bitset<24> hours;
  std::bitset<32> days;      ///< 1..31
  std::bitset<13> months;    ///< 1..12
  std::bitset<7> weekdays;   ///< 0 = Sunday
  bool any_day = false;      ///< day-of-month was *
  bool any_weekday = false;  ///< day-of-week was *
  /// `@every 90m`: runs this many seconds apart instead of on the calendar fields (whole
  /// seconds, at least 1, as the cron library Kubernetes uses rounds them).
  int64_t every_seconds = 0;
};

/// Parses `text`; on failure returns false and says why in `error`.
bool parse_cron(std::string_view text, cron_schedule& out, std::string& error);

/// An IANA time zone name this machine's tz database knows ("Europe/Berlin", "UTC").
bool known_time_zone(std::string_view name);

}  // namespace troupe
