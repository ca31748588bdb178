#include "runtime/object/cron.hpp"

#include <sys/stat.h>

#include <cctype>

#include <algorithm>
#include <array>
#include <vector>

#include "runtime/base/text.hpp"
#include "runtime/base/time.hpp"

namespace troupe {
namespace {

struct field_range {
  const char* name;
  int low, high;
  std::vector<std::string_view> names;  ///< names[i] stands for low + i
};

const std::array<field_range, 5>& ranges() {
  static const std::array<field_range, 5> r = {{  // NOLINT: a constant table
      {"minute", 0, 59, {}},
      {"hour", 0, 23, {}},
      {"day of month", 1, 31, {}},
      {"month", 1, 12, {"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}},
      {"day of week", 0, 6, {"sun", "mon", "tue", "wed", "thu", "fri", "sat"}}}};
  return r;
}

bool value_of(std::string_view text, const field_range& range, int& out) {
  auto lower = to_lower(text);
  for (size_t i = 0; i < range.names.size(); ++i)
    if (lower == range.names[i]) return out = range.low + static_cast<int>(i), true;
  auto n = parse_int(text);
  if (!n) return false;
  out = static_cast<int>(*n);
  if (&range == &ranges()[4] && out == 7) out = 0;  // 7 is Sunday too
  return out >= range.low && out <= range.high;
}

// One comma-separated part: "*", "5", "1-5", "*/15", "10-30/5".
bool parse_part(std::string_view part, const field_range& range, std::vector<int>& out,
                std::string& error) {
  int step = 1;
  if (auto slash = part.find('/'); slash != std::string_view::npos) {
    auto s = parse_int(part.substr(slash + 1));
    if (!s || *s <= 0) return error = "invalid step in " + quote(part), false;
    step = static_cast<int>(*s);
    part = part.substr(0, slash);
  }
  int low = range.low, high = range.high;
  if (part != "*") {
    auto dash = part.find('-');
    if (!value_of(part.substr(0, dash), range, low) ||
        (dash != std::string_view::npos && !value_of(part.substr(dash + 1), range, high)))
      return error = std::string(range.name) + ": " + quote(part) + " is out of range " +
                     std::to_string(range.low) + "-" + std::to_string(range.high), false;
    if (dash == std::string_view::npos && step == 1) high = low;
    if (low > high) return error = std::string(range.name) + ": range " + quote(part) + " runs backwards", false;
  }
  for (int v = low; v <= high; v += step) out.push_back(v);
  return true;
}

std::string_view expand_macro(std::string_view text) {
  if (text == "@yearly" || text == "@annually") return "0 0 1 1 *";
  if (text == "@monthly") return "0 0 1 * *";
  if (text == "@weekly") return "0 0 * * 0";
  if (text == "@daily" || text == "@midnight") return "0 0 * * *";
  if (text == "@hourly") return "0 * * * *";
  return text;
}

}  // namespace

bool parse_cron(std::string_view text, cron_schedule& out, std::string& error) {
  text = trim(text);
  constexpr std::string_view every = "@every ";
  if (text.substr(0, every.size()) == every) {
    auto ns = parse_go_duration_ns(text.substr(every.size()), &error);
    if (!ns) return error = "failed to parse duration " + std::string(text) + ": " + error, false;
    out = cron_schedule{};
    out.every_seconds = std::max<int64_t>(1, *ns / 1000000000);
    return true;
  }
  text = expand_macro(text);
  std::vector<std::string> fields;
  for (auto& f : split(text, ' '))
    if (!f.empty()) fields.push_back(f);
  if (fields.size() != 5)
    return error = "expected 5 fields (minute hour day-of-month month day-of-week), got " +
                   std::to_string(fields.size()), false;
  out = cron_schedule{};
  for (size_t i = 0; i < 5; ++i) {
    std::vector<int> values;
    for (auto& part : split(fields[i], ','))
      if (!parse_part(part, ranges()[i], values, error)) return false;
    for (int v : values) {
      switch (i) {
        case 0: out.minutes.set(static_cast<size_t>(v)); break;
        case 1: out.hours.set(static_cast<size_t>(v)); break;
        case 2: out.days.set(static_cast<size_t>(v)); break;
        case 3: out.months.set(static_cast<size_t>(v)); break;
        case 4: out.weekdays.set(static_cast<size_t>(v)); break;
      }
    }
  }
  out.any_day = fields[2] == "*";
  out.any_weekday = fields[4] == "*";
  return true;
}

bool known_time_zone(std::string_view name) {
  if (name == "UTC") return true;
  // A relative path of name characters only: the name must not reach outside the database.
  if (name.empty() || name.front() == '/' || name.find("..") != std::string_view::npos) return false;
  for (char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '/' && c != '_' && c != '-' && c != '+')
      return false;
  struct stat info {};
  std::string path = "/usr/share/zoneinfo/" + std::string(name);
  return ::stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode);
}

}  // namespace troupe
