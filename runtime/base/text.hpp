#pragma once
// Small string helpers shared by the codec, selectors and the CLI.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace troupe {

inline bool starts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && s.compare(0, prefix.size(), prefix) == 0;
}
inline bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string_view trim(std::string_view s);
/// Splits on every `sep`; empty pieces are kept.
std::vector<std::string> split(std::string_view s, char sep);
std::string join(const std::vector<std::string>& parts, std::string_view sep);
std::string to_lower(std::string_view s);
/// Parses a whole decimal integer (optional sign); nullopt on anything else or overflow.
std::optional<int64_t> parse_int(std::string_view s);
/// Parses a whole decimal number ("1", "-1.5e3"); nullopt on anything else (nan, inf, hex).
std::optional<double> parse_double(std::string_view s);
/// Levenshtein distance, for "did you mean" hints.
size_t edit_distance(std::string_view a, std::string_view b);
/// "HOST:PORT" split (port 0 allowed: "pick one"); throws api_error(bad_request) prefixed
/// with `where`.
std::pair<std::string, uint16_t> parse_host_port(const std::string& text, const std::string& where);
/// Quotes `s` for a message as Go's %q does (unassigned code points aside): "\"...\"" with
/// control, format and separator characters escaped, and bytes that are not UTF-8 as \xNN, so
/// nothing in it can act on a terminal.
std::string quote(std::string_view s);
/// Go's error for `text` that strconv's `function` ("Atoi", "ParseUint") could not read:
/// `strconv.Atoi: parsing "x": invalid syntax`, or `...: value out of range`.
std::string strconv_error(std::string_view function, std::string_view text, bool out_of_range);
/// Appends code point `cp` to `out` in UTF-8.
void append_utf8(std::string& out, uint32_t cp);
/// The code point of the multi-byte UTF-8 sequence at s[i] and its length, or length 0 when the
/// bytes there are not one (ASCII, overlong, a surrogate, past U+10FFFF, cut short).
std::pair<uint32_t, size_t> decode_utf8(std::string_view s, size_t i);
/// True when `s` is all UTF-8 (Go's utf8.Valid).
bool valid_utf8(std::string_view s);

}  // namespace troupe
