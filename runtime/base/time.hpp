#pragma once
// Wall-clock and monotonic time, and the RFC 3339 spellings Kubernetes uses.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace troupe {

/// Seconds since the Unix epoch (wall clock).
int64_t unix_seconds();
/// Microseconds since the Unix epoch (wall clock), for MicroTime fields.
int64_t unix_micros();
/// Nanoseconds from a monotonic clock, for latencies.
int64_t monotonic_nanos();
/// Milliseconds from the same clock, for timers and deadlines.
inline int64_t monotonic_millis() { return monotonic_nanos() / 1000000; }

/// "2006-01-02T15:04:05Z"
std::string format_rfc3339(int64_t unix_seconds);
/// "2006-01-02T15:04:05.000000Z"
std::string format_rfc3339_micro(int64_t unix_micros);
/// Accepts "2006-01-02T15:04:05Z", fractions and numeric offsets ("+02:00"); seconds or micros.
std::optional<int64_t> parse_rfc3339(std::string_view text);
std::optional<int64_t> parse_rfc3339_micro(std::string_view text);

/// kubectl's AGE column: "5s", "3m12s", "7h", "2d3h", "45d".
std::string human_duration(int64_t seconds);
/// Go's time.ParseDuration ("1h30m", "2.5s", "-5m", "0"): nanoseconds, or nothing with Go's
/// message in `error` ("time: unknown unit \"d\" in duration \"1d\"").
std::optional<int64_t> parse_go_duration_ns(std::string_view text, std::string* error = nullptr);
/// A Go duration that is not negative, in milliseconds ("10s", "5m", "250ms").
std::optional<int64_t> parse_duration_ms(std::string_view text);

}  // namespace troupe
