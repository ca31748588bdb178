#include "runtime/object/validation.hpp"

#include <cctype>
#include <cstdint>

#include "runtime/base/error.hpp"
#include "runtime/base/text.hpp"

namespace troupe {
namespace {

bool is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool is_alnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

bool matches_dns1123_label(std::string_view s) {
  if (s.empty() || !is_lower_alnum(s.front()) || !is_lower_alnum(s.back())) return false;
  for (char c : s)
    if (!is_lower_alnum(c) && c != '-') return false;
  return true;
}

std::string max_length(size_t n) {
  return "must be no more than " + std::to_string(n) + " characters";
}

// [A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?
bool matches_qualified_part(std::string_view s) {
  if (s.empty() || !is_alnum(s.front()) || !is_alnum(s.back())) return false;
  for (char c : s)
    if (!is_alnum(c) && c != '-' && c != '_' && c != '.') return false;
  return true;
}

}  // namespace

messages check_dns1123_label(std::string_view value) {
  messages out;
  if (value.size() > 63) out.push_back(max_length(63));
  if (!matches_dns1123_label(value))
    out.push_back(
        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
        "and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', "
        "regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')");
  return out;
}

messages check_path_segment_name(std::string_view value) {
  if (value == "." || value == "..") return {"may not be '" + std::string(value) + "'"};
  messages out;
  for (const char* illegal : {"/", "%"})
    if (value.find(illegal) != std::string_view::npos) out.push_back(std::string("may not contain '") + illegal + "'");
  return out;
}

messages check_dns1123_subdomain(std::string_view value) {
  messages out;
  if (value.size() > 253) out.push_back(max_length(253));
  bool ok = !value.empty();
  size_t start = 0;
  while (ok && start <= value.size()) {
    size_t dot = value.find('.', start);
    auto part = value.substr(start, dot == std::string_view::npos ? std::string_view::npos
                                                                  : dot - start);
    ok = matches_dns1123_label(part);
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  if (!ok)
    out.push_back(
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' "
        "or '.', and must start and end with an alphanumeric character (e.g. 'example.com', "
        "regex used for validation is "
        "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')");
  return out;
}

messages check_dns1035_label(std::string_view value) {
  messages out;
  if (value.size() > 63) out.push_back(max_length(63));
  if (value.empty() || !(value.front() >= 'a' && value.front() <= 'z') ||
      !matches_dns1123_label(value))
    out.push_back(
        "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with "
        "an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or "
        "'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')");
  return out;
}

messages check_qualified_name(std::string_view value) {
  messages out;
  std::string_view name = value;
  auto slash = value.find('/');
  if (slash != std::string_view::npos) {
    auto prefix = value.substr(0, slash);
    name = value.substr(slash + 1);
    if (prefix.empty()) {
      out.push_back("prefix part must be non-empty");
    } else {
      for (auto& m : check_dns1123_subdomain(prefix)) out.push_back("prefix part " + m);
    }
    if (name.find('/') != std::string_view::npos) {
      out.push_back(
          "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must "
          "start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or "
          "'123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') "
          "with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')");
      return out;
    }
  }
  // Kubernetes' IsQualifiedName: an empty name also fails the pattern.
  if (name.empty())
    out.push_back("name part must be non-empty");
  else if (name.size() > 63)
    out.push_back("name part " + max_length(63));
  if (name.empty() || !matches_qualified_part(name))
    out.push_back(
        "name part must consist of alphanumeric characters, '-', '_' or '.', and must start "
        "and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', "
        "regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')");
  return out;
}

messages check_label_value(std::string_view value) {
  messages out;
  if (value.size() > 63) out.push_back(max_length(63));
  if (!value.empty() && !matches_qualified_part(value))
    out.push_back(
        "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' "
        "or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or "
        "'my_value',  or '12345', regex used for validation is "
        "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')");
  return out;
}

std::pair<std::string, std::string> parse_node_label_flag(const std::string& text,
                                                          const std::string& flag) {
  auto eq = text.find('=');
  TROUPE_REQUIRE(eq != std::string::npos, api_errc::bad_request,
                 flag + " " + quote(text) + ": expected KEY=VALUE");
  std::string key = text.substr(0, eq), value = text.substr(eq + 1);
  auto problems = check_qualified_name(key);
  for (auto& p : check_label_value(value)) problems.push_back(p);
  TROUPE_REQUIRE(problems.empty(), api_errc::bad_request,
                 flag + " " + quote(text) + ": " + join(problems, "; "));
  return {key, value};
}

messages check_config_map_key(std::string_view value) {
  messages out;
  if (value.size() > 253) out.push_back(max_length(253));
  bool ok = !value.empty();
  for (char c : value)
    if (!is_alnum(c) && c != '-' && c != '_' && c != '.') ok = false;
  if (!ok)
    out.push_back(
        "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. "
        "'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is "
        "'[-._a-zA-Z0-9]+')");
  if (value == "." || value == "..") out.push_back("must not be '.' or '..'");
  return out;
}

messages check_env_var_name(std::string_view value) {
  messages out;
  auto name_char = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_'; };
  bool ok = !value.empty() && !std::isdigit(static_cast<unsigned char>(value[0]));
  for (char c : value) ok = ok && name_char(c);
  if (!ok)
    out.push_back("a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or "
                  "'.', and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', "
                  "regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')");
  // Kubernetes' hasChDirPrefix.
  if (value == ".") out.push_back("must not be '.'");
  else if (value == "..") out.push_back("must not be '..'");
  else if (value.substr(0, 2) == "..") out.push_back("must not start with '..'");
  return out;
}

messages check_port_name(std::string_view value) {
  messages out;
  if (value.size() > 15) out.push_back(max_length(15));
  bool letters = false, ok = !value.empty();
  for (char c : value) {
    if (c >= 'a' && c <= 'z') letters = true;
    else if (!(c >= '0' && c <= '9') && c != '-') ok = false;
  }
  if (!ok) out.push_back("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)");
  if (!letters) out.push_back("must contain at least one letter (a-z)");
  if (value.find("--") != std::string_view::npos)
    out.push_back("must not contain consecutive hyphens");
  if (!value.empty() && (value.front() == '-' || value.back() == '-'))
    out.push_back("must not begin or end with a hyphen");
  return out;
}

messages check_port_number(int64_t port) {
  if (port >= 1 && port <= 65535) return {};
  return {"must be between 1 and 65535, inclusive"};
}

bool native_resource_name(std::string_view name) {
  return name.find('/') == std::string_view::npos ||
         name.find("kubernetes.io/") != std::string_view::npos;
}

bool extended_resource_name(std::string_view name) {
  return !native_resource_name(name) && name.substr(0, 9) != "requests." &&
         check_qualified_name(name).empty();
}

}  // namespace troupe
