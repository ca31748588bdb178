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

// robfig/cron's mustParseInt, with Go's strconv.Atoi errors.
bool parse_count(std::string_view text, std::string_view expr, int64_t& out, std::string& error) {
  auto n = parse_int(text);
  if (!n) {
    bool digits = !text.empty() &&
                  text.find_first_not_of("+-0123456789") == std::string_view::npos &&
                  text.find_first_of("0123456789") != std::string_view::npos;
    return error = "failed to parse int from " + std::string(expr) + ": " +
                   strconv_error("Atoi", text, digits),
           false;
  }
  if (*n < 0)
    return error = "negative number (" + std::to_string(*n) + ") not allowed: " + std::string(text),
           false;
  out = *n;
  return true;
}

// robfig/cron's parseIntOrName.
bool value_of(std::string_view text, const field_range& range, int64_t& out, std::string& error) {
  auto lower = to_lower(text);
  for (size_t i = 0; i < range.names.size(); ++i)
    if (lower == range.names[i]) return out = range.low + static_cast<int>(i), true;
  return parse_count(text, text, out, error);
}

// One comma-separated part ("*", "?", "5", "1-5", "*/15", "10-30/5"), as robfig/cron's getRange
// (Kubernetes' parser) reads it, with its errors. `star`: it was * or ? with no step over 1.
bool parse_part(std::string_view expr, const field_range& range, std::vector<int>& out, bool& star,
                std::string& error) {
  auto range_and_step = split(expr, '/');
  auto low_and_high = split(range_and_step[0], '-');
  int64_t start = range.low, end = range.high, step = 1;
  bool any = low_and_high[0] == "*" || low_and_high[0] == "?";
  if (!any) {
    if (!value_of(low_and_high[0], range, start, error)) return false;
    if (low_and_high.size() > 2) return error = "too many hyphens: " + std::string(expr), false;
    if (low_and_high.size() == 1)
      end = start;
    else if (!value_of(low_and_high[1], range, end, error))
      return false;
  }
  if (range_and_step.size() > 2) return error = "too many slashes: " + std::string(expr), false;
  if (range_and_step.size() == 2) {
    if (!parse_count(range_and_step[1], range_and_step[1], step, error)) return false;
    if (low_and_high.size() == 1) end = range.high;  // "N/step" is "N-max/step"
    if (step > 1) any = false;
  }
  auto text = std::string(expr);
  if (start < range.low)
    return error = "beginning of range (" + std::to_string(start) + ") below minimum (" +
                   std::to_string(range.low) + "): " + text,
           false;
  if (end > range.high)
    return error = "end of range (" + std::to_string(end) + ") above maximum (" +
                   std::to_string(range.high) + "): " + text,
           false;
  if (start > end)
    return error = "beginning of range (" + std::to_string(start) + ") beyond end of range (" +
                   std::to_string(end) + "): " + text,
           false;
  if (step == 0) return error = "step of range should be a positive number: " + text, false;
  for (int64_t v = start; v <= end; v += step) {
    out.push_back(static_cast<int>(v));
    if (step > end - v) break;  // the next would pass the end (and a huge step overflow)
  }
  star = star || any;
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
  std::vector<std::string> fields;  // Go's strings.Fields: any run of white space separates
  std::string field;
  for (char c : std::string(text) + " ") {
    if (!std::isspace(static_cast<unsigned char>(c)))
      field += c;
    else if (!field.empty())
      fields.push_back(std::move(field)), field.clear();
  }
  if (fields.size() != 5)
    return error = "expected exactly 5 fields, found " + std::to_string(fields.size()) + ": [" +
                   join(fields, " ") + "]",
           false;
  out = cron_schedule{};
  std::array<bool, 5> star{};
  for (size_t i = 0; i < 5; ++i) {
    std::vector<int> values;
    for (auto& part : split(fields[i], ','))
      if (!part.empty() && !parse_part(part, ranges()[i], values, star[i], error)) return false;
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
  out.any_day = star[2];
  out.any_weekday = star[4];
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
