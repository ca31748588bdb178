#include "runtime/cli/flags.hpp"

#include "runtime/base/error.hpp"
#include "runtime/base/text.hpp"

namespace troupe::cli {
namespace {

const flag_spec* find_long(const std::vector<flag_spec>& specs, const std::string& name) {
  for (auto& s : specs)
    if (s.name == name) return &s;
  return nullptr;
}

const flag_spec* find_short(const std::vector<flag_spec>& specs, char c) {
  for (auto& s : specs)
    if (s.short_name == c) return &s;
  return nullptr;
}

}  // namespace

std::string parsed_flags::get(const std::string& name, const std::string& fallback) const {
  auto i = values_.find(name);
  return i == values_.end() ? fallback : i->second.back();
}

std::vector<std::string> parsed_flags::all(const std::string& name) const {
  auto i = values_.find(name);
  return i == values_.end() ? std::vector<std::string>{} : i->second;
}

std::vector<std::string> comma_values(const parsed_flags& flags, const std::string& flag) {
  std::vector<std::string> out;
  for (auto& value : flags.all(flag))
    for (auto& part : split(value, ','))
      if (!part.empty()) out.push_back(part);
  return out;
}

std::string invalid_flag_argument(const std::string& flag, const std::string& value,
                                  const std::string& why) {
  return "invalid argument " + quote(value) + " for \"--" + flag + "\" flag: " + why;
}

std::optional<bool> go_parse_bool(std::string_view text) {
  for (const char* yes : {"1", "t", "T", "true", "TRUE", "True"})
    if (text == yes) return true;
  for (const char* no : {"0", "f", "F", "false", "FALSE", "False"})
    if (text == no) return false;
  return std::nullopt;
}

namespace {

// A switch given a value (--overwrite=false) takes what Go's strconv.ParseBool takes, as pflag
// reads it; the few switches kubectl gives words (--dry-run=client, --validate=strict,
// --cascade=orphan) keep theirs for their verbs to check.
std::string switch_value(const std::string& name, const std::string& value) {
  if (name == "dry-run" || name == "validate" || name == "cascade") return value;
  if (auto b = go_parse_bool(value)) return *b ? "true" : "false";
  throw api_error(api_errc::bad_request,
                  invalid_flag_argument(name, value, strconv_error("ParseBool", value, false)));
}

}  // namespace

bool parsed_flags::on(const std::string& name, bool fallback) const {
  if (!has(name)) return fallback;
  auto v = get(name);
  TROUPE_REQUIRE(v == "true" || v == "false", api_errc::bad_request,
                 "--" + name + ": expected true or false, got " + quote(v));
  return v == "true";
}

parsed_flags parse_flags(const std::vector<std::string>& args, const std::vector<flag_spec>& specs) {
  parsed_flags out;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--") {
      out.after_dashes.assign(args.begin() + static_cast<long>(i) + 1, args.end());
      break;
    }
    if (arg.size() < 2 || arg[0] != '-' || arg == "-") {
      out.positional.push_back(arg);
      continue;
    }
    const flag_spec* spec = nullptr;
    std::optional<std::string> value;
    std::string shown;  // as kubectl names the flag: "--namespace", "'n' in -n"
    if (starts_with(arg, "--")) {
      auto eq = arg.find('=');
      std::string name = arg.substr(2, eq == std::string::npos ? std::string::npos : eq - 2);
      if (eq != std::string::npos) value = arg.substr(eq + 1);
      spec = find_long(specs, name);
      shown = "--" + name;
      TROUPE_REQUIRE(spec, api_errc::bad_request, "unknown flag: " + shown);
    } else {
      spec = find_short(specs, arg[1]);
      shown = std::string("'") + arg[1] + "' in " + arg.substr(0, 2);
      TROUPE_REQUIRE(spec, api_errc::bad_request, "unknown shorthand flag: " + shown);
      if (!spec->takes_value && arg.size() > 2 && arg[2] != '=') {
        // Stacked switches, as pflag reads them: -Aw is -A -w.
        out.add(spec->name, "true");
        for (size_t k = 2; k < arg.size(); ++k) {
          const flag_spec* next = find_short(specs, arg[k]);
          std::string next_shown = std::string("'") + arg[k] + "' in -" + arg.substr(1);
          TROUPE_REQUIRE(next, api_errc::bad_request, "unknown shorthand flag: " + next_shown);
          if (!next->takes_value) {
            out.add(next->name, "true");
            continue;
          }
          // A flag that takes a value ends the group: the rest of the word, or the next one.
          std::string rest = arg.substr(k + 1);
          if (rest.empty()) {
            TROUPE_REQUIRE(i + 1 < args.size(), api_errc::bad_request,
                           "flag needs an argument: " + next_shown);
            rest = args[++i];
          }
          out.add(next->name, rest);
          break;
        }
        continue;
      }
      if (arg.size() > 2) value = arg.substr(arg[2] == '=' ? 3 : 2);
    }
    if (!spec->takes_value) {
      out.add(spec->name, value ? switch_value(spec->name, *value) : "true");
      continue;
    }
    if (!value) {
      TROUPE_REQUIRE(i + 1 < args.size(), api_errc::bad_request,
                     "flag needs an argument: " + shown);
      value = args[++i];
    }
    out.add(spec->name, *value);
  }
  return out;
}

}  // namespace troupe::cli
