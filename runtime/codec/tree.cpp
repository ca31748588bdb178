#include "runtime/codec/tree.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdlib>

#include "runtime/base/text.hpp"

namespace troupe::codec {

node node::string(std::string text, int line) {
  node n;
  n.kind_ = kind::scalar;
  n.quoted_ = true;
  n.text_ = std::move(text);
  n.line_ = line;
  return n;
}

node node::plain(std::string text, int line) {
  node n;
  n.kind_ = kind::scalar;
  n.text_ = std::move(text);
  n.line_ = line;
  return n;
}

node node::map(int line) {
  node n;
  n.kind_ = kind::map;
  n.line_ = line;
  return n;
}

node node::list(int line) {
  node n;
  n.kind_ = kind::list;
  n.line_ = line;
  return n;
}

std::optional<int64_t> parse_yaml_int(std::string_view s) {
  if (s.empty()) return std::nullopt;
  bool negative = false;
  std::string_view digits = s;
  if (digits[0] == '-' || digits[0] == '+') {
    negative = digits[0] == '-';
    digits.remove_prefix(1);
  }
  if (digits.empty()) return std::nullopt;
  int base = 10;
  if (starts_with(digits, "0x") || starts_with(digits, "0X")) {
    base = 16;
    digits.remove_prefix(2);
  } else if (starts_with(digits, "0o")) {
    base = 8;
    digits.remove_prefix(2);
  } else if (digits.size() > 1 && digits[0] == '0') {
    base = 8;  // YAML 1.1 octal, as in `defaultMode: 0644`
    digits.remove_prefix(1);
  }
  if (digits.empty()) return std::nullopt;
  for (char c : digits) {
    bool ok = base == 16 ? std::isxdigit(static_cast<unsigned char>(c))
                         : (c >= '0' && c < '0' + base);
    if (!ok) return std::nullopt;
  }
  errno = 0;
  std::string text(digits);
  char* end = nullptr;
  unsigned long long value = std::strtoull(text.c_str(), &end, base);
  if (errno != 0 || *end != '\0') return std::nullopt;
  if (!negative && value > static_cast<unsigned long long>(INT64_MAX)) return std::nullopt;
  if (negative && value > static_cast<unsigned long long>(INT64_MAX) + 1) return std::nullopt;
  return negative ? static_cast<int64_t>(0 - value) : static_cast<int64_t>(value);
}

namespace {

bool is_float(std::string_view s) {
  if (s == ".inf" || s == "-.inf" || s == "+.inf" || s == ".nan" || s == ".Inf" || s == ".NaN")
    return true;
  if (s.empty()) return false;
  size_t i = 0;
  if (s[i] == '-' || s[i] == '+') ++i;
  bool digits = false, dot = false;
  for (; i < s.size(); ++i) {
    if (s[i] >= '0' && s[i] <= '9') digits = true;
    else if (s[i] == '.' && !dot) dot = true;
    else break;
  }
  if (!digits) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
    size_t start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    if (i == start) return false;
  }
  return i == s.size();
}

}  // namespace

node::scalar_type node::resolve() const {
  if (kind_ == kind::null) return scalar_type::null;
  if (quoted_) return scalar_type::string;
  const std::string& s = text_;
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return scalar_type::null;
  if (s == "true" || s == "True" || s == "TRUE" || s == "false" || s == "False" || s == "FALSE")
    return scalar_type::boolean;
  if (parse_yaml_int(s)) return scalar_type::integer;
  if (is_float(s)) return scalar_type::number;
  return scalar_type::string;
}

std::optional<int64_t> node::as_integer() const {
  if (kind_ != kind::scalar || quoted_) return std::nullopt;
  return parse_yaml_int(text_);
}

std::optional<bool> node::as_bool() const {
  if (resolve() != scalar_type::boolean) return std::nullopt;
  return text_[0] == 't' || text_[0] == 'T';
}

const node* node::find(std::string_view key) const {
  for (auto& [k, v] : entries_)
    if (k == key) return &v;
  return nullptr;
}

node* node::find(std::string_view key) {
  for (auto& [k, v] : entries_)
    if (k == key) return &v;
  return nullptr;
}

node& node::set(std::string key, node value) {
  if (kind_ != kind::map) {
    *this = node::map(line_);
  }
  for (auto& [k, v] : entries_) {
    if (k == key) {
      v = std::move(value);
      return v;
    }
  }
  entries_.emplace_back(std::move(key), std::move(value));
  return entries_.back().second;
}

bool node::erase(std::string_view key) {
  for (auto i = entries_.begin(); i != entries_.end(); ++i) {
    if (i->first == key) {
      entries_.erase(i);
      return true;
    }
  }
  return false;
}

bool node::operator==(const node& other) const {
  if (kind_ != other.kind_) return false;
  switch (kind_) {
    case kind::null: return true;
    case kind::scalar: {
      auto a = resolve(), b = other.resolve();
      bool numbers = (a == scalar_type::integer || a == scalar_type::number) &&
                     (b == scalar_type::integer || b == scalar_type::number);
      if (numbers && (a == scalar_type::number || b == scalar_type::number)) {
        // By value, as JSON compares numbers (RFC 6902's test: 1 equals 1.0); an integer as
        // YAML reads it (0644 is 420).
        auto value = [](const node& n, scalar_type t) -> std::optional<double> {
          if (t == scalar_type::integer) {
            auto i = n.as_integer();
            return i ? std::optional<double>(static_cast<double>(*i)) : std::nullopt;
          }
          return parse_double(n.text_);
        };
        auto x = value(*this, a), y = value(other, b);
        return x && y ? *x == *y : text_ == other.text_;
      }
      if (a != b) return false;
      if (a == scalar_type::integer) return as_integer() == other.as_integer();
      if (a == scalar_type::boolean) return as_bool() == other.as_bool();
      return text_ == other.text_;
    }
    case kind::map: {
      if (entries_.size() != other.entries_.size()) return false;
      for (auto& [k, v] : entries_) {
        auto o = other.find(k);
        if (!o || *o != v) return false;
      }
      return true;
    }
    case kind::list: return items_ == other.items_;
  }
  return false;
}

std::string node::describe() const {
  switch (kind_) {
    case kind::null: return "null";
    case kind::map: return "a mapping";
    case kind::list: return "a list";
    case kind::scalar: break;
  }
  switch (resolve()) {
    case scalar_type::null: return "null";
    case scalar_type::boolean: return "boolean " + text_;
    case scalar_type::integer:
    case scalar_type::number: return "number " + text_;
    default: return "string " + troupe::quote(text_);
  }
}

node with_sorted_keys(node n) {
  if (n.is_map()) {
    auto& entries = n.entries();
    std::stable_sort(entries.begin(), entries.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    for (auto& [key, value] : entries) value = with_sorted_keys(std::move(value));
  } else if (n.is_list()) {
    for (auto& item : n.items()) item = with_sorted_keys(std::move(item));
  }
  return n;
}

std::vector<std::pair<std::string_view, const node*>> sorted_entries(const node& map) {
  std::vector<std::pair<std::string_view, const node*>> out;
  for (auto& [key, value] : map.entries()) out.emplace_back(key, &value);
  std::stable_sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.first < b.first; });
  return out;
}

}  // namespace troupe::codec
