#include "runtime/object/quantity.hpp"

#include <limits>

namespace troupe {
namespace {

constexpr __int128 int64_max = std::numeric_limits<int64_t>::max();
// Bound on the magnitude we accept, far above any real resource amount but small enough that
// every intermediate product below fits in 128 bits.
constexpr __int128 limit = static_cast<__int128>(1) << 100;

bool fail(std::string* error, std::string message) {
  if (error) *error = std::move(message);
  return false;
}

struct suffix_scale {
  int base = 10;  // 10 or 2
  int exponent = 0;
};

bool parse_suffix(std::string_view s, suffix_scale& out, std::string* error) {
  static const struct {
    std::string_view name;
    int base, exponent;
  } table[] = {{"", 10, 0},  {"n", 10, -9}, {"u", 10, -6}, {"m", 10, -3}, {"k", 10, 3},
               {"M", 10, 6}, {"G", 10, 9},  {"T", 10, 12}, {"P", 10, 15}, {"E", 10, 18},
               {"Ki", 2, 10}, {"Mi", 2, 20}, {"Gi", 2, 30}, {"Ti", 2, 40}, {"Pi", 2, 50},
               {"Ei", 2, 60}};
  for (auto& entry : table) {
    if (entry.name == s) {
      out = {entry.base, entry.exponent};
      return true;
    }
  }
  if (!s.empty() && (s[0] == 'e' || s[0] == 'E')) {
    std::string_view digits = s.substr(1);
    bool negative = false;
    if (!digits.empty() && (digits[0] == '+' || digits[0] == '-')) {
      negative = digits[0] == '-';
      digits.remove_prefix(1);
    }
    if (digits.empty() || digits.size() > 3) return fail(error, "bad exponent");
    int e = 0;
    for (char c : digits) {
      if (c < '0' || c > '9') return fail(error, "bad exponent");
      e = e * 10 + (c - '0');
    }
    out = {10, negative ? -e : e};
    return true;
  }
  return fail(error, "unknown suffix \"" + std::string(s) + "\"");
}

// Kubernetes' formats: which family a quantity's suffix puts it in, kept when it is stored.
enum class quantity_format { decimal_si, binary_si, decimal_exponent };

// As Kubernetes' suffixHandler reads it: the SI and binary suffixes first ("E" is exa), an
// exponent only when digits follow the e or E.
quantity_format format_of(std::string_view text) {
  auto end = text.find_first_not_of("+-0123456789.");
  auto suffix = end == std::string_view::npos ? std::string_view() : text.substr(end);
  if (suffix.size() == 2 && suffix[1] == 'i') return quantity_format::binary_si;
  if (suffix.size() > 1 && (suffix[0] == 'e' || suffix[0] == 'E')) return quantity_format::decimal_exponent;
  return quantity_format::decimal_si;
}

std::string digits_of(__int128 n) {
  std::string out;
  do {
    out.insert(out.begin(), static_cast<char>('0' + static_cast<int>(n % 10)));
    n /= 10;
  } while (n != 0);
  return out;
}

}  // namespace

std::optional<std::string> quantity::canonical(std::string_view text) {
  auto parsed = parse(text);
  return parsed ? parsed->canonical_spelling(text) : std::nullopt;
}

std::optional<std::string> quantity::canonical_spelling(std::string_view text) const {
  if (!exact_) return std::nullopt;  // finer than a milli-unit: rounded up by parse
  __int128 milli = milli_;
  if (milli == 0) return std::string("0");
  bool negative = milli < 0;
  __int128 magnitude = negative ? -milli : milli;
  auto format = format_of(text);
  std::string sign = negative ? "-" : "";
  if (format == quantity_format::binary_si && (magnitude < 1024 * 1000 || magnitude % 1000 != 0))
    format = quantity_format::decimal_si;  // as Kubernetes: small or fractional ones read better so
  if (format == quantity_format::binary_si) {
    __int128 amount = magnitude / 1000;
    int exponent = 0;
    while (amount % 1024 == 0 && exponent < 6) {
      amount /= 1024;
      ++exponent;
    }
    static const char* const suffixes[] = {"", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};
    return sign + digits_of(amount) + suffixes[exponent];
  }
  // Kubernetes' AsCanonicalBytes: every factor of ten out, then back down to a multiple of 3.
  __int128 amount = magnitude;
  int exponent = -3;
  while (amount % 10 == 0) {
    amount /= 10;
    ++exponent;
  }
  int over = ((exponent % 3) + 3) % 3;
  for (int i = 0; i < over; ++i) amount *= 10;
  exponent -= over;
  if (format == quantity_format::decimal_exponent)
    return sign + digits_of(amount) + (exponent == 0 ? "" : "e" + std::to_string(exponent));
  static const struct {
    int exponent;
    const char* suffix;
  } decimal[] = {{-3, "m"}, {0, ""}, {3, "k"}, {6, "M"}, {9, "G"}, {12, "T"}, {15, "P"}, {18, "E"}};
  for (auto& d : decimal)
    if (d.exponent == exponent) return sign + digits_of(amount) + d.suffix;
  return sign + digits_of(amount) + "e" + std::to_string(exponent);  // beyond E
}

std::optional<quantity> quantity::parse(std::string_view text, std::string* error) {
  std::string_view s = text;
  if (s.empty()) return fail(error, "empty quantity"), std::nullopt;
  bool negative = false;
  if (s[0] == '+' || s[0] == '-') {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  __int128 mantissa = 0;
  int fraction_digits = 0, digits = 0;
  bool seen_dot = false;
  size_t pos = 0;
  for (; pos < s.size(); ++pos) {
    char c = s[pos];
    if (c == '.') {
      if (seen_dot) break;
      seen_dot = true;
      continue;
    }
    if (c < '0' || c > '9') break;
    if (++digits > 30) return fail(error, "too many digits"), std::nullopt;
    mantissa = mantissa * 10 + (c - '0');
    if (seen_dot) ++fraction_digits;
  }
  if (digits == 0) return fail(error, "expected a number"), std::nullopt;
  suffix_scale scale;
  if (!parse_suffix(s.substr(pos), scale, error)) return std::nullopt;

  // value = mantissa / 10^fraction_digits * base^exponent; we want ceil(value * 1000).
  __int128 numerator = mantissa, denominator = 1;
  int decimal_exponent = 3 - fraction_digits;  // the *1000 for milli-units
  if (scale.base == 10) decimal_exponent += scale.exponent;
  for (int i = 0; i < (scale.base == 2 ? scale.exponent : 0); ++i) {
    numerator *= 2;
    if (numerator > limit) return fail(error, "quantity too large"), std::nullopt;
  }
  for (; decimal_exponent > 0; --decimal_exponent) {
    numerator *= 10;
    if (numerator > limit) return fail(error, "quantity too large"), std::nullopt;
  }
  for (; decimal_exponent < 0; ++decimal_exponent) {
    denominator *= 10;
    if (denominator > limit) {  // vanishingly small: rounds up to one milli unless zero
      denominator = limit;
      break;
    }
  }
  bool exact = numerator == 0 || (numerator % denominator == 0 && denominator != limit);
  __int128 milli = numerator / denominator + (exact ? 0 : 1);
  quantity q(negative ? -milli : milli);
  q.exact_ = exact;
  return q;
}

int64_t quantity::milli() const {
  if (milli_ > int64_max) return std::numeric_limits<int64_t>::max();
  if (milli_ < -int64_max) return -std::numeric_limits<int64_t>::max();
  return static_cast<int64_t>(milli_);
}

int64_t quantity::value() const {
  __int128 whole = milli_ / 1000;
  if (milli_ % 1000 > 0) whole += 1;
  return static_cast<int64_t>(whole);
}

int64_t quantity::in_units_of(std::optional<quantity> divisor, bool cpu) const {
  if (!divisor || divisor->is_zero()) divisor = from_value(1);
  auto ceil_div = [](int64_t a, int64_t b) { return b <= 0 ? a : (a + b - 1) / b; };
  return cpu ? ceil_div(milli(), divisor->milli()) : ceil_div(value(), divisor->value());
}

std::string quantity::format_decimal() const {
  if (milli_ % 1000 == 0) return std::to_string(value());
  return std::to_string(milli()) + "m";
}

std::string quantity::format_binary() const {
  if (milli_ % 1000 != 0) return format_decimal();
  int64_t bytes = value();
  static const char* suffixes[] = {"Ei", "Pi", "Ti", "Gi", "Mi", "Ki"};
  for (int i = 0; i < 6; ++i) {
    int64_t unit = int64_t{1} << (10 * (6 - i));
    if (bytes != 0 && bytes % unit == 0) return std::to_string(bytes / unit) + suffixes[i];
  }
  return std::to_string(bytes);
}

}  // namespace troupe
