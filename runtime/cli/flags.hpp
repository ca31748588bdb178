#pragma once
// Command-line flags the way kubectl reads them: `--name value`, `--name=value`, `-n value`,
// `-nvalue`, boolean flags with an optional `=true|false`, positional arguments in any order,
// and everything after `--` kept verbatim. Unknown flags are errors naming the flag.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace troupe::cli {

struct flag_spec {
  std::string name;        ///< "namespace"
  char short_name = 0;     ///< 'n'
  bool takes_value = true; ///< false: a boolean switch
};

class parsed_flags {
 public:
  std::vector<std::string> positional;
  std::vector<std::string> after_dashes;  ///< what followed `--` (exec's command)

  bool has(const std::string& name) const { return values_.count(name) > 0; }
  /// The last value given, or `fallback`.
  std::string get(const std::string& name, const std::string& fallback = "") const;
  /// Every value given, in order (repeatable flags like -f).
  std::vector<std::string> all(const std::string& name) const;
  /// A boolean switch: absent -> fallback, `--x` -> true, `--x=false` -> false.
  bool on(const std::string& name, bool fallback = false) const;

  void add(const std::string& name, std::string value) { values_[name].push_back(std::move(value)); }
  void erase(const std::string& name) { values_.erase(name); }

 private:
  std::map<std::string, std::vector<std::string>> values_;
};

/// Throws api_error(bad_request) with kubectl's words: "unknown flag: --x", "unknown shorthand
/// flag: 'x' in -x", "flag needs an argument: 'n' in -n".
parsed_flags parse_flags(const std::vector<std::string>& args, const std::vector<flag_spec>& specs);

/// Every value of a repeatable flag, each also split at commas, empty parts left out
/// ("--verb=get,list --verb=watch" is get, list, watch), as kubectl's string-slice flags.
std::vector<std::string> comma_values(const parsed_flags& flags, const std::string& flag);

/// pflag's error for a value its flag cannot take: `invalid argument "x" for "--replicas" flag:
/// ...`.
std::string invalid_flag_argument(const std::string& flag, const std::string& value,
                                  const std::string& why);

/// Go's strconv.ParseBool, as pflag reads a switch's value: "1", "t", "TRUE" ... or nothing.
std::optional<bool> go_parse_bool(std::string_view text);

/// What kubectl waits when told to wait without a limit (delete --timeout=0, wait --timeout=-1).
constexpr int64_t kubectl_forever_ms = int64_t{7} * 24 * 3600 * 1000;

}  // namespace troupe::cli
