#pragma once
// Kubernetes resource quantities ("500m", "128Mi", "1.5Gi", "2e3"), parsed exactly: the value
// is held in milli-units as a 128-bit integer, so binary suffixes and fractions never round
// through floating point.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace troupe {

class quantity {
 public:
  quantity() = default;
  static quantity from_milli(int64_t milli) { return quantity(milli); }
  static quantity from_value(int64_t value) { return quantity(static_cast<__int128>(value) * 1000); }

  /// Parses Kubernetes' quantity grammar. nullopt (and `error` set) on bad syntax or overflow.
  static std::optional<quantity> parse(std::string_view text, std::string* error = nullptr);

  /// Milli-units, rounded up as Kubernetes' MilliValue does ("1u" -> 1).
  int64_t milli() const;
  /// Whole units, rounded up ("1.5" -> 2, "100m" -> 1).
  int64_t value() const;
  bool is_zero() const { return milli_ == 0; }
  bool negative() const { return milli_ < 0; }

  quantity operator+(quantity o) const { return quantity(milli_ + o.milli_); }
  quantity operator-(quantity o) const { return quantity(milli_ - o.milli_); }
  bool operator<(quantity o) const { return milli_ < o.milli_; }
  bool operator<=(quantity o) const { return milli_ <= o.milli_; }
  bool operator==(quantity o) const { return milli_ == o.milli_; }
  bool operator!=(quantity o) const { return milli_ != o.milli_; }

  /// How many `divisor`s this is, rounded up, as the downward API gives a resource
  /// (Kubernetes' convertResourceCPUToString by milli-units for `cpu`, else by whole units); a
  /// zero or missing divisor (nullopt) is 1.
  int64_t in_units_of(std::optional<quantity> divisor, bool cpu) const;

  /// CPU-style spelling: "250m", "2".
  std::string format_decimal() const;
  /// Memory-style spelling with the largest exact binary suffix: "128Mi", "1536Mi", "1000".
  std::string format_binary() const;

  /// The spelling Kubernetes stores for `text` (Quantity.String: "1000m" -> "1", "0.5" ->
  /// "500m", "1024Mi" -> "1Gi", "12e4" -> "120e3"); nullopt when `text` does not parse or is
  /// finer than a milli-unit (kept as written).
  static std::optional<std::string> canonical(std::string_view text);
  /// The same for this quantity, parsed from `written` (whose suffix picks the format).
  std::optional<std::string> canonical_spelling(std::string_view written) const;

 private:
  explicit quantity(__int128 milli) : milli_(milli) {}
  __int128 milli_ = 0;  // exact milli-units, ceil'd below one milli
  bool exact_ = true;   // false when parse rounded up
};

}  // namespace troupe
