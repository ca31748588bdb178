#include "runtime/object/selector.hpp"

#include <algorithm>

#include "runtime/base/error.hpp"
#include "runtime/base/text.hpp"
#include "runtime/object/kinds.hpp"
#include "runtime/object/object.hpp"
#include "runtime/object/validation.hpp"
#include "runtime/codec/schema_names.hpp"

namespace troupe {
namespace {

using op = label_requirement::op;

[[noreturn]] void bad_selector(std::string_view text, const std::string& why) {
  throw api_error(api_errc::bad_request,
                  "unable to parse requirement: " + std::string(text) + ": " + why);
}

void check_key(std::string_view key) {
  auto problems = check_qualified_name(key);
  if (!problems.empty()) bad_selector(key, "invalid label key " + quote(key) + ": " + problems[0]);
}

void check_value(std::string_view key, std::string_view value) {
  auto problems = check_label_value(value);
  if (!problems.empty())
    bad_selector(key, "invalid label value: " + quote(value) + ": " + problems[0]);
}

// Splits on commas that are not inside parentheses.
std::vector<std::string_view> split_requirements(std::string_view text) {
  std::vector<std::string_view> out;
  int depth = 0;
  size_t start = 0;
  for (size_t i = 0; i <= text.size(); ++i) {
    if (i < text.size() && text[i] == '(') ++depth;
    if (i < text.size() && text[i] == ')') --depth;
    if (i == text.size() || (text[i] == ',' && depth == 0)) {
      out.push_back(trim(text.substr(start, i - start)));
      start = i + 1;
    }
  }
  return out;
}

bool is_word_boundary(std::string_view s, size_t pos) {
  return pos >= s.size() || s[pos] == ' ' || s[pos] == '(' || s[pos] == '\t';
}

label_requirement parse_requirement(std::string_view text) {
  if (text.empty()) bad_selector(text, "empty requirement");
  label_requirement r;
  if (text[0] == '!') {
    r.key = std::string(trim(text.substr(1)));
    r.operation = op::does_not_exist;
    check_key(r.key);
    return r;
  }
  size_t key_end = 0;
  while (key_end < text.size() && text[key_end] != ' ' && text[key_end] != '=' &&
         text[key_end] != '!' && text[key_end] != '>' && text[key_end] != '<' &&
         text[key_end] != '(')
    ++key_end;
  r.key = std::string(text.substr(0, key_end));
  check_key(r.key);
  std::string_view rest = trim(text.substr(key_end));
  if (rest.empty()) {
    r.operation = op::exists;
    return r;
  }
  auto single_value = [&](std::string_view after) {
    std::string value(trim(after));
    check_value(r.key, value);
    r.values = {value};
  };
  if (starts_with(rest, "==")) {
    r.operation = op::equals;
    single_value(rest.substr(2));
  } else if (starts_with(rest, "!=")) {
    r.operation = op::not_equals;
    single_value(rest.substr(2));
  } else if (starts_with(rest, "=")) {
    r.operation = op::equals;
    single_value(rest.substr(1));
  } else if (starts_with(rest, ">") || starts_with(rest, "<")) {
    r.operation = rest[0] == '>' ? op::greater : op::less;
    std::string value(trim(rest.substr(1)));
    if (!parse_int(value)) bad_selector(text, "for 'Gt', 'Lt' operators, the value must be an integer");
    r.values = {value};
  } else if ((starts_with(rest, "in") && is_word_boundary(rest, 2)) ||
             (starts_with(rest, "notin") && is_word_boundary(rest, 5))) {
    bool in = starts_with(rest, "in");
    r.operation = in ? op::in : op::not_in;
    std::string_view list = trim(rest.substr(in ? 2 : 5));
    if (list.size() < 2 || list.front() != '(' || list.back() != ')')
      bad_selector(text, "expected a parenthesised value list after '" +
                             std::string(in ? "in" : "notin") + "'");
    for (auto& v : split(list.substr(1, list.size() - 2), ',')) {
      std::string value(trim(v));
      check_value(r.key, value);
      r.values.push_back(value);
    }
    std::sort(r.values.begin(), r.values.end());
  } else {
    bad_selector(text, "expected one of '=', '==', '!=', 'in', 'notin', '>', '<' after the key");
  }
  return r;
}

const char* op_text(op o) {
  switch (o) {
    case op::equals: return "=";
    case op::not_equals: return "!=";
    case op::in: return " in ";
    case op::not_in: return " notin ";
    case op::greater: return ">";
    case op::less: return "<";
    default: return "";
  }
}

}  // namespace

bool label_requirement::matches(const label_lookup& labels) const {
  auto value = labels(key);
  switch (operation) {
    case op::equals: return value && *value == values[0];
    case op::not_equals: return !value || *value != values[0];
    case op::in:
      return value && std::find(values.begin(), values.end(), *value) != values.end();
    case op::not_in:
      return !value || std::find(values.begin(), values.end(), *value) == values.end();
    case op::exists: return value.has_value();
    case op::does_not_exist: return !value.has_value();
    case op::greater:
    case op::less: {
      if (!value) return false;
      auto have = parse_int(*value), want = parse_int(values[0]);
      if (!have || !want) return false;
      return operation == op::greater ? *have > *want : *have < *want;
    }
  }
  return false;
}

std::string label_requirement::to_string() const {
  switch (operation) {
    case op::exists: return key;
    case op::does_not_exist: return "!" + key;
    case op::in:
    case op::not_in: return key + op_text(operation) + "(" + join(values, ",") + ")";
    default: return key + op_text(operation) + values[0];
  }
}

label_selector label_selector::nothing() {
  label_selector s;
  s.nothing_ = true;
  return s;
}

label_selector label_selector::parse(std::string_view text) {
  label_selector s;
  text = trim(text);
  if (text.empty()) return s;
  for (auto part : split_requirements(text)) s.requirements_.push_back(parse_requirement(part));
  return s;
}

std::vector<field_error> label_selector_errors(k8s::LabelSelector::Reader selector,
                                               const std::string& path) {
  std::vector<field_error> out;
  auto add = [&](const std::string& at, std::string_view value, const messages& found) {
    for (auto& m : found) out.push_back({at, "Invalid value: " + quote(value) + ": " + m});
  };
  for (auto entry : selector.getMatchLabels()) {
    add(path + ".matchLabels", text_view(entry.getKey()),
        check_qualified_name(text_view(entry.getKey())));
    add(path + ".matchLabels", text_view(entry.getValue()),
        check_label_value(text_view(entry.getValue())));
  }
  auto expressions = selector.getMatchExpressions();
  for (unsigned i = 0; i < expressions.size(); ++i) {
    auto at = path + ".matchExpressions[" + std::to_string(i) + "]";
    auto values = expressions[i].getValues();
    using O = k8s::LabelSelectorOperator;
    switch (expressions[i].getOperator()) {
      case O::IN:
      case O::NOT_IN:
        if (values.size() == 0)
          out.push_back({at + ".values",
                         "Required value: must be specified when `operator` is 'In' or 'NotIn'"});
        break;
      case O::EXISTS:
      case O::DOES_NOT_EXIST:
        if (values.size() > 0)
          out.push_back(
              {at + ".values",
               "Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'"});
        break;
      default:
        out.push_back({at + ".operator", "Unsupported value: not a valid selector operator"});
    }
    auto key = text_view(expressions[i].getKey());
    add(at + ".key", key, check_qualified_name(key));
    for (unsigned j = 0; j < values.size(); ++j)
      add(at + ".values[" + std::to_string(j) + "]", text_view(values[j]),
          check_label_value(text_view(values[j])));
  }
  return out;
}

label_selector label_selector::from(k8s::LabelSelector::Reader selector) {
  auto errors = label_selector_errors(selector, "selector");
  if (!errors.empty()) {
    std::string message = "invalid label selector: ";
    for (size_t i = 0; i < errors.size(); ++i)
      message += (i ? ", " : "") + errors[i].path + ": " + errors[i].message;
    throw api_error(api_errc::invalid, message);
  }
  label_selector s;
  for (auto entry : selector.getMatchLabels())
    s.requirements_.push_back({entry.getKey(), op::equals, {entry.getValue()}});
  for (auto expr : selector.getMatchExpressions()) {
    label_requirement r;
    r.key = expr.getKey();
    for (auto v : expr.getValues()) r.values.emplace_back(v);
    using O = k8s::LabelSelectorOperator;
    switch (expr.getOperator()) {
      case O::IN: r.operation = op::in; break;
      case O::NOT_IN: r.operation = op::not_in; break;
      case O::EXISTS: r.operation = op::exists; break;
      default: r.operation = op::does_not_exist; break;  // the only operator left once checked
    }
    s.requirements_.push_back(std::move(r));
  }
  return s;
}

label_selector label_selector::from_map(capnp::List<k8s::StringEntry>::Reader labels) {
  label_selector s;
  for (auto entry : labels) s.requirements_.push_back({entry.getKey(), op::equals, {entry.getValue()}});
  return s;
}

bool label_selector::matches(const label_lookup& labels) const {
  if (nothing_) return false;
  for (auto& r : requirements_)
    if (!r.matches(labels)) return false;
  return true;
}

bool label_selector::matches(capnp::List<k8s::StringEntry>::Reader labels) const {
  return matches([&](std::string_view key) { return map_get(labels, key); });
}

bool label_selector::matches(const std::map<std::string, std::string>& labels) const {
  return matches([&](std::string_view key) -> std::optional<std::string_view> {
    auto i = labels.find(std::string(key));
    if (i == labels.end()) return std::nullopt;
    return std::string_view(i->second);
  });
}

std::string label_selector::to_string() const {
  std::vector<std::string> parts;
  for (auto& r : requirements_) parts.push_back(r.to_string());
  return join(parts, ",");
}

// ---- field selectors -------------------------------------------------------------------------

namespace {

// Field selector values escape ',', '=' and '\' with a backslash.
std::vector<std::string> split_unescaped(std::string_view text) {
  std::vector<std::string> parts(1);
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 1 < text.size()) {
      parts.back() += '\\';
      parts.back() += text[++i];
    } else if (text[i] == ',') {
      parts.emplace_back();
    } else {
      parts.back() += text[i];
    }
  }
  return parts;
}

std::string unescape(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) ++i;
    out += s[i];
  }
  return out;
}

// Finds the first unescaped occurrence of any operator.
size_t find_operator(std::string_view s, size_t& length, bool& equals) {
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\') {
      ++i;
      continue;
    }
    if (s.compare(i, 2, "!=") == 0) {
      length = 2;
      equals = false;
      return i;
    }
    if (s.compare(i, 2, "==") == 0) {
      length = 2;
      equals = true;
      return i;
    }
    if (s[i] == '=') {
      length = 1;
      equals = true;
      return i;
    }
  }
  return std::string_view::npos;
}

}  // namespace

field_selector field_selector::parse(std::string_view text, const kind_info& kind) {
  field_selector s;
  text = trim(text);
  if (text.empty()) return s;
  for (auto& part : split_unescaped(text)) {
    size_t length = 0;
    bool equals = true;
    auto pos = find_operator(part, length, equals);
    if (pos == std::string_view::npos)
      throw api_error(api_errc::bad_request,
                      "invalid field selector: " + quote(part) + ": expected '=', '==' or '!='");
    field_requirement r;
    r.path = std::string(trim(std::string_view(part).substr(0, pos)));
    r.equals = equals;
    r.value = unescape(trim(std::string_view(part).substr(pos + length)));
    if (std::find(kind.field_labels.begin(), kind.field_labels.end(), r.path) ==
        kind.field_labels.end())
      throw api_error(api_errc::bad_request,
                      "field label not supported: " + r.path + " (" + kind.plural +
                          " support: " + join(kind.field_labels, ", ") + ")");
    s.requirements_.push_back(std::move(r));
  }
  return s;
}

bool field_selector::matches(capnp::DynamicStruct::Reader object) const {
  for (auto& r : requirements_) {
    bool same = field_value(object, r.path) == r.value;
    if (same != r.equals) return false;
  }
  return true;
}

std::optional<std::string> field_selector::pinned(std::string_view path) const {
  for (auto& r : requirements_)
    if (r.equals && r.path == path) return r.value;
  return std::nullopt;
}

std::string field_selector::to_string() const {
  std::vector<std::string> parts;
  for (auto& r : requirements_) parts.push_back(r.path + (r.equals ? "=" : "!=") + r.value);
  return join(parts, ",");
}

std::string field_value(capnp::DynamicStruct::Reader object, std::string_view path) {
  capnp::DynamicStruct::Reader current = object;
  auto parts = split(path, '.');
  for (size_t i = 0; i < parts.size(); ++i) {
    auto field = find_field(current.getSchema(), parts[i]);
    if (!field) return "";
    if (!current.has(*field, capnp::HasMode::NON_NULL)) return "";
    auto value = current.get(*field);
    if (i + 1 < parts.size()) {
      if (value.getType() != capnp::DynamicValue::STRUCT) return "";
      current = value.as<capnp::DynamicStruct>();
      continue;
    }
    return scalar_text(value, *field);
  }
  return "";
}

}  // namespace troupe
