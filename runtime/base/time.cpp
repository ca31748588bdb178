#include "runtime/base/time.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <ctime>

#include "runtime/base/text.hpp"

namespace troupe {

int64_t unix_seconds() {
  using namespace std::chrono;
  return duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
}

int64_t unix_micros() {
  using namespace std::chrono;
  return duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
}

int64_t monotonic_nanos() {
  using namespace std::chrono;
  return duration_cast<nanoseconds>(steady_clock::now().time_since_epoch()).count();
}

std::string format_rfc3339(int64_t t) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string format_rfc3339_micro(int64_t micros) {
  int64_t secs = micros / 1000000;
  int64_t frac = micros % 1000000;
  if (frac < 0) {
    frac += 1000000;
    secs -= 1;
  }
  std::time_t tt = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[48];
  size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof buf - n, ".%06lldZ", static_cast<long long>(frac));
  return buf;
}

namespace {

// Parses the RFC 3339 grammar into (seconds, micros) without locale-dependent calls.
std::optional<std::pair<int64_t, int64_t>> parse_time(std::string_view s) {
  auto digits = [&](size_t pos, size_t n) -> std::optional<int> {
    if (pos + n > s.size()) return std::nullopt;
    int v = 0;
    for (size_t i = pos; i < pos + n; ++i) {
      if (s[i] < '0' || s[i] > '9') return std::nullopt;
      v = v * 10 + (s[i] - '0');
    }
    return v;
  };
  auto year = digits(0, 4), month = digits(5, 2), day = digits(8, 2);
  auto hour = digits(11, 2), minute = digits(14, 2), second = digits(17, 2);
  if (!year || !month || !day || !hour || !minute || !second || s.size() < 20) return std::nullopt;
  if (s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
      s[13] != ':' || s[16] != ':')
    return std::nullopt;
  if (*month < 1 || *month > 12 || *day < 1 || *day > 31 || *hour > 23 || *minute > 59 ||
      *second > 60)
    return std::nullopt;
  size_t pos = 19;
  int64_t micros = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    int64_t scale = 100000;
    size_t start = pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      micros += (s[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == start) return std::nullopt;
  }
  int64_t offset = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    auto oh = digits(pos + 1, 2), om = digits(pos + 4, 2);
    if (!oh || !om || pos + 6 > s.size() || s[pos + 3] != ':') return std::nullopt;
    offset = (*oh * 3600 + *om * 60) * (s[pos] == '+' ? 1 : -1);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != s.size()) return std::nullopt;
  std::tm tm{};
  tm.tm_year = *year - 1900;
  tm.tm_mon = *month - 1;
  tm.tm_mday = *day;
  tm.tm_hour = *hour;
  tm.tm_min = *minute;
  tm.tm_sec = *second;
  return std::make_pair(static_cast<int64_t>(timegm(&tm)) - offset, micros);
}

}  // namespace

std::optional<int64_t> parse_rfc3339(std::string_view text) {
  auto t = parse_time(text);
  if (!t) return std::nullopt;
  return t->first;
}

std::optional<int64_t> parse_rfc3339_micro(std::string_view text) {
  auto t = parse_time(text);
  if (!t) return std::nullopt;
  return t->first * 1000000 + t->second;
}

std::string human_duration(int64_t s) {
  if (s < -1) return "<invalid>";  // in the future (apimachinery's HumanDuration); a second is skew
  if (s < 0) s = 0;
  auto str = [](int64_t v) { return std::to_string(v); };
  if (s < 120) return str(s) + "s";
  int64_t m = s / 60;
  if (m < 10) return s % 60 == 0 ? str(m) + "m" : str(m) + "m" + str(s % 60) + "s";
  if (m < 180) return str(m) + "m";
  int64_t h = m / 60;
  if (h < 8) return m % 60 == 0 ? str(h) + "h" : str(h) + "h" + str(m % 60) + "m";
  if (h < 48) return str(h) + "h";
  int64_t d = h / 24;
  if (d < 8) return h % 24 == 0 ? str(d) + "d" : str(d) + "d" + str(h % 24) + "h";
  if (d < 365 * 2) return str(d) + "d";
  int64_t y = d / 365;
  if (y < 8) return d % 365 == 0 ? str(y) + "y" : str(y) + "y" + str(d % 365) + "d";
  return str(y) + "y";
}

std::optional<int64_t> parse_go_duration_ns(std::string_view text, std::string* error) {
  const std::string original(text);
  auto fail = [&](const std::string& why) -> std::optional<int64_t> {
    if (error) *error = why;
    return std::nullopt;
  };
  auto invalid = [&] { return fail("time: invalid duration " + quote(original)); };
  bool negative = false;
  if (!text.empty() && (text[0] == '-' || text[0] == '+')) {
    negative = text[0] == '-';
    text.remove_prefix(1);
  }
  if (text == "0") return 0;
  if (text.empty()) return invalid();
  static const std::pair<std::string_view, long double> units[] = {
      {"ns", 1}, {"us", 1e3}, {"\u00b5s", 1e3}, {"\u03bcs", 1e3}, {"ms", 1e6}, {"s", 1e9}, {"m", 60e9}, {"h", 3600e9}};
  long double ns = 0;
  while (!text.empty()) {
    size_t digits = 0;
    while (digits < text.size() && (std::isdigit(static_cast<unsigned char>(text[digits])) || text[digits] == '.'))
      ++digits;
    auto number = text.substr(0, digits);
    if (number.empty() || number == "." || std::count(number.begin(), number.end(), '.') > 1) return invalid();
    text.remove_prefix(digits);
    size_t letters = 0;
    while (letters < text.size() && !std::isdigit(static_cast<unsigned char>(text[letters])) && text[letters] != '.')
      ++letters;
    auto unit = text.substr(0, letters);
    if (unit.empty()) return fail("time: missing unit in duration " + quote(original));
    auto known = std::find_if(std::begin(units), std::end(units), [&](auto& u) { return u.first == unit; });
    if (known == std::end(units)) return fail("time: unknown unit " + quote(unit) + " in duration " + quote(original));
    ns += std::stold(std::string(number)) * known->second;
    text.remove_prefix(letters);
  }
  if (ns > 9.2e18L) return invalid();  // beyond Go's int64 nanoseconds
  return static_cast<int64_t>(negative ? -ns : ns);
}

std::optional<int64_t> parse_duration_ms(std::string_view text) {
  auto ns = parse_go_duration_ns(text);
  if (!ns || *ns < 0) return std::nullopt;
  return *ns / 1000000;
}

}  // namespace troupe
