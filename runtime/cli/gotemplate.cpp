// kubectl's -o go-template: Go's text/template run over the object as kubectl hands it over
// (JSON decoded into maps, lists, strings, float64 numbers, booleans and nil), with kubectl's
// two extra functions, `exists` and `base64decode`. Covered: text and actions with `{{-`/`-}}`
// trimming and comments; pipelines; fields, variables, literals and parenthesized pipelines;
// if/else if/else, range (with `$i, $e :=`, break, continue), with; `$x :=` and `$x =`; the
// functions and, or, not, len, index, print, printf, println, eq, ne, lt, le, gt, ge. Values
// print as Go's fmt prints them (`1e+06`, `map[a:b]`, `[x y]`, `<no value>`). Not covered
// (refused as Go refuses an unknown name): define, template, block, call, html, js,
// urlquery, slice.

#include <kj/encoding.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>

#include "runtime/base/error.hpp"
#include "runtime/base/text.hpp"
#include "runtime/cli/printers.hpp"

namespace troupe::cli {
namespace {

using codec::node;

// ---- the template ---------------------------------------------------------------------------

struct pipeline;

struct operand {
  enum class type { dot, field, variable, string, integer, floating, boolean, nil, function, group } t = type::dot;
  std::string name;                 ///< variable ("$x", "$"), function, or string value
  std::vector<std::string> fields;  ///< `.a.b` after the operand (for `field`: the whole chain)
  int64_t integer = 0;
  double floating = 0;
  bool boolean = false;
  std::shared_ptr<pipeline> group;  ///< `( ... )`
  size_t at = 0;                    ///< offset in the template, for messages
  std::string text;                 ///< as written, for messages
};

struct command {
  std::vector<operand> args;
};

struct pipeline {
  std::vector<std::string> variables;  ///< declared (`:=`) or assigned (`=`)
  bool assign = false;
  std::vector<command> commands;
};

struct tnode {
  enum class type { text, action, if_, range, with, break_, continue_ } t = type::text;
  std::string text;
  pipeline pipe;
  std::vector<tnode> body, otherwise;
};

[[noreturn]] void parse_error(const std::string& tmpl, size_t at, const std::string& why) {
  int line = 1 + static_cast<int>(std::count(tmpl.begin(), tmpl.begin() + static_cast<std::ptrdiff_t>(std::min(at, tmpl.size())), '\n'));
  throw api_error(api_errc::bad_request,
                  "error parsing template " + tmpl + ", template: output:" + std::to_string(line) + ": " + why);
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
bool is_name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// Splits the template into text and actions and parses each action's pipeline.
class template_parser {
 public:
  explicit template_parser(std::string tmpl) : t_(std::move(tmpl)) {}

  std::vector<tnode> parse() {
    std::string stopped_by;
    auto nodes = parse_list(stopped_by);
    if (!stopped_by.empty()) parse_error(t_, last_action_, "unexpected {{" + stopped_by + "}}");
    return nodes;
  }

 private:
  // Nodes up to an {{end}}, {{else ...}} or the end of the template; `stopped_by` says which
  // keyword ended the list ("" at the end of the template).
  std::vector<tnode> parse_list(std::string& stopped_by) {
    std::vector<tnode> out;
    for (;;) {
      size_t open = t_.find("{{", pos_);
      std::string text = t_.substr(pos_, open == std::string::npos ? std::string::npos : open - pos_);
      bool trim_before = open != std::string::npos && open + 3 < t_.size() && t_[open + 2] == '-' && is_space(t_[open + 3]);
      if (trim_before) while (!text.empty() && is_space(text.back())) text.pop_back();
      if (trim_next_) {
        size_t i = 0;
        while (i < text.size() && is_space(text[i])) ++i;
        text.erase(0, i);
        trim_next_ = false;
      }
      if (!text.empty()) out.push_back({tnode::type::text, text, {}, {}, {}});
      if (open == std::string::npos) {
        pos_ = t_.size();
        stopped_by.clear();
        return out;
      }
      last_action_ = open;
      size_t inner = open + (trim_before ? 3 : 2);
      size_t close = find_close(inner);
      if (close == std::string::npos) parse_error(t_, open, "unclosed action");
      size_t inner_end = close;
      bool trim_after = close >= 2 && t_[close - 1] == '-' && is_space(t_[close - 2]) && close - 1 > inner;
      if (trim_after) inner_end = close - 1;
      pos_ = close + 2;
      trim_next_ = trim_after;
      size_t action_at = inner;
      while (action_at < inner_end && is_space(t_[action_at])) ++action_at;
      std::string action = std::string(trim(std::string_view(t_).substr(action_at, inner_end - action_at)));
      if (starts_with(action, "/*")) {
        if (action.size() < 4 || action.substr(action.size() - 2) != "*/") parse_error(t_, open, "unclosed comment");
        continue;
      }
      std::string word = action.substr(0, std::find_if(action.begin(), action.end(), is_space) - action.begin());
      if (word == "end" || word == "else") {
        if (word == "end" && action != "end") parse_error(t_, open, "unexpected " + quote(action.substr(3)) + " in end");
        stopped_by = action;
        return out;
      }
      if (word == "if" || word == "range" || word == "with") {
        out.push_back(parse_control(word, action.substr(word.size()), action_at + word.size()));
        continue;
      }
      if (word == "break" || word == "continue") {
        if (range_depth_ == 0) parse_error(t_, open, "{{" + word + "}} outside {{range}}");
        out.push_back({word == "break" ? tnode::type::break_ : tnode::type::continue_, "", {}, {}, {}});
        continue;
      }
      if (word == "define" || word == "template" || word == "block")
        parse_error(t_, open, "{{" + word + "}} is not supported by troupe's go-template");
      tnode n{tnode::type::action, "", {}, {}, {}};
      n.pipe = parse_pipeline(action, action_at, true);
      if (n.pipe.commands.empty()) parse_error(t_, open, "missing value for command");
      out.push_back(std::move(n));
    }
  }

  // The `}}` closing the action at `from`, skipping quoted text.
  size_t find_close(size_t from) const {
    for (size_t i = from; i + 1 < t_.size(); ++i) {
      char c = t_[i];
      if (c == '"' || c == '`' || c == '\'') {
        for (++i; i < t_.size() && t_[i] != c; ++i)
          if (c != '`' && t_[i] == '\\') ++i;
        continue;
      }
      if (c == '}' && t_[i + 1] == '}') return i;
    }
    return std::string::npos;
  }

  tnode parse_control(const std::string& word, const std::string& rest, size_t at) {
    tnode n;
    n.t = word == "if" ? tnode::type::if_ : word == "range" ? tnode::type::range : tnode::type::with;
    n.pipe = parse_pipeline(rest, at, true);
    if (n.pipe.commands.empty()) parse_error(t_, at, "missing value for " + word);
    if (n.t == tnode::type::range) ++range_depth_;
    std::string stop;
    n.body = parse_list(stop);
    if (n.t == tnode::type::range) --range_depth_;
    if (stop.empty()) parse_error(t_, t_.size(), "unexpected EOF");
    if (stop == "else") {
      n.otherwise = parse_list(stop);
      if (stop != "end") parse_error(t_, last_action_, stop.empty() ? "unexpected EOF" : "expected end; found {{" + stop + "}}");
    } else if (starts_with(stop, "else ")) {
      // {{else if ...}} (or else with): one nested control that shares this {{end}}.
      std::string chained = std::string(trim(std::string_view(stop).substr(5)));
      size_t chained_at = last_action_ + 2;
      std::string inner_word = chained.substr(0, std::find_if(chained.begin(), chained.end(), is_space) - chained.begin());
      if (inner_word != "if" && inner_word != "with") parse_error(t_, last_action_, "unexpected " + quote(chained) + " in else");
      n.otherwise.push_back(parse_control(inner_word, chained.substr(inner_word.size()), chained_at));
    }
    return n;
  }

  // One pipeline: [$a[, $b] := | $a =] command | command ...
  pipeline parse_pipeline(const std::string& text, size_t base, bool allow_decl) {
    pipeline p;
    size_t i = 0;
    auto skip = [&] { while (i < text.size() && is_space(text[i])) ++i; };
    skip();
    // Declarations: look ahead for `$x :=`, `$x =`, `$i, $e :=`.
    if (allow_decl && i < text.size() && text[i] == '$') {
      size_t j = i;
      std::vector<std::string> names;
      for (;;) {
        size_t start = j++;
        while (j < text.size() && is_name_char(text[j])) ++j;
        names.push_back(text.substr(start, j - start));
        while (j < text.size() && is_space(text[j])) ++j;
        if (j < text.size() && text[j] == ',' && names.size() == 1) {
          ++j;
          while (j < text.size() && is_space(text[j])) ++j;
          if (j < text.size() && text[j] == '$') continue;
          names.clear();
        }
        break;
      }
      if (!names.empty() && text.compare(j, 2, ":=") == 0) {
        p.variables = names;
        i = j + 2;
      } else if (names.size() == 1 && j < text.size() && text[j] == '=' && text.compare(j, 2, "==") != 0) {
        p.variables = names;
        p.assign = true;
        i = j + 1;
      }
    }
    command current;
    for (;;) {
      skip();
      if (i >= text.size() || text[i] == ')') {
        if (!current.args.empty()) p.commands.push_back(std::move(current));
        else if (!p.commands.empty()) parse_error(t_, base + i, "missing command after |");
        end_ = i;
        return p;
      }
      if (text[i] == '|') {
        if (current.args.empty()) parse_error(t_, base + i, "missing value for command");
        p.commands.push_back(std::move(current));
        current = {};
        ++i;
        continue;
      }
      current.args.push_back(parse_operand(text, i, base));
      if (current.args.size() > 1 && current.args.front().t != operand::type::function)
        parse_error(t_, base + i, "can't give argument to non-function " + current.args.front().text);
    }
  }

  // `.a.b` after an operand: the field names.
  void parse_fields(const std::string& text, size_t& i, std::vector<std::string>& out) {
    while (i < text.size() && text[i] == '.' && i + 1 < text.size() && is_name_char(text[i + 1])) {
      size_t start = ++i;
      while (i < text.size() && is_name_char(text[i])) ++i;
      out.push_back(text.substr(start, i - start));
    }
  }

  operand parse_operand(const std::string& text, size_t& i, size_t base) {
    operand o;
    o.at = base + i;
    size_t start = i;
    char c = text[i];
    if (c == '.') {
      parse_fields(text, i, o.fields);
      o.t = o.fields.empty() ? operand::type::dot : operand::type::field;
      if (o.fields.empty()) ++i;
    } else if (c == '$') {
      ++i;
      while (i < text.size() && is_name_char(text[i])) ++i;
      o.t = operand::type::variable;
      o.name = text.substr(start, i - start);
      parse_fields(text, i, o.fields);
    } else if (c == '"' || c == '`') {
      o.t = operand::type::string;
      o.name = parse_string(text, i, base);
    } else if (c == '\'') {
      ++i;
      if (i + 1 >= text.size() || text[i + 1] != '\'') parse_error(t_, base + start, "malformed character constant");
      o.t = operand::type::integer;
      o.integer = static_cast<unsigned char>(text[i]);
      i += 2;
    } else if (c == '(') {
      ++i;
      o.t = operand::type::group;
      o.group = std::make_shared<pipeline>(parse_pipeline(text.substr(i), base + i, true));
      i += end_;
      if (i >= text.size() || text[i] != ')') parse_error(t_, base + start, "unclosed left paren");
      ++i;
      parse_fields(text, i, o.fields);
    } else if (std::isdigit(static_cast<unsigned char>(c)) || ((c == '-' || c == '+') && i + 1 < text.size() && std::isdigit(static_cast<unsigned char>(text[i + 1])))) {
      size_t end = i + 1;
      while (end < text.size() && (is_name_char(text[end]) || text[end] == '.' ||
                                   ((text[end] == '-' || text[end] == '+') && (text[end - 1] == 'e' || text[end - 1] == 'E'))))
        ++end;
      std::string number = text.substr(i, end - i);
      char* stop = nullptr;
      bool is_float = number.find_first_of(".eE") != std::string::npos && number.find("0x") == std::string::npos;
      if (is_float) {
        o.t = operand::type::floating;
        o.floating = std::strtod(number.c_str(), &stop);
      } else {
        o.t = operand::type::integer;
        o.integer = std::strtoll(number.c_str(), &stop, 0);
      }
      if (stop != number.c_str() + number.size()) parse_error(t_, base + i, "bad number syntax: " + quote(number));
      i = end;
    } else if (is_name_char(c)) {
      while (i < text.size() && is_name_char(text[i])) ++i;
      o.name = text.substr(start, i - start);
      if (o.name == "true" || o.name == "false") {
        o.t = operand::type::boolean;
        o.boolean = o.name == "true";
      } else if (o.name == "nil") {
        o.t = operand::type::nil;
      } else {
        static const char* functions[] = {"and", "or", "not", "len", "index", "print", "printf", "println", "eq",
                                          "ne", "lt", "le", "gt", "ge", "exists", "base64decode"};
        if (std::find_if(std::begin(functions), std::end(functions), [&](const char* f) { return o.name == f; }) ==
            std::end(functions))
          parse_error(t_, base + start, "function " + quote(o.name) + " not defined");
        o.t = operand::type::function;
      }
    } else {
      parse_error(t_, base + i, "unexpected " + quote(std::string(1, c)) + " in operand");
    }
    if (i < text.size() && !is_space(text[i]) && text[i] != '|' && text[i] != ')')
      parse_error(t_, base + i, "unexpected " + quote(std::string(1, text[i])) + " in operand");
    o.text = text.substr(start, i - start);
    return o;
  }

  std::string parse_string(const std::string& text, size_t& i, size_t base) {
    char quote_char = text[i];
    size_t start = i++;
    std::string out;
    for (; i < text.size() && text[i] != quote_char; ++i) {
      if (quote_char == '`' || text[i] != '\\') {
        out += text[i];
        continue;
      }
      if (++i >= text.size()) break;
      switch (text[i]) {
        case 'n': out += '\n'; break;
        case 't': out += '\t'; break;
        case 'r': out += '\r'; break;
        case '\\': out += '\\'; break;
        case '"': out += '"'; break;
        case '\'': out += '\''; break;
        case 'a': out += '\a'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'v': out += '\v'; break;
        case 'x':
          if (i + 2 >= text.size()) parse_error(t_, base + start, "invalid syntax");
          out += static_cast<char>(std::strtol(text.substr(i + 1, 2).c_str(), nullptr, 16));
          i += 2;
          break;
        default: parse_error(t_, base + start, "invalid syntax");
      }
    }
    if (i >= text.size()) parse_error(t_, base + start, "unterminated quoted string");
    ++i;
    return out;
  }

  std::string t_;
  size_t pos_ = 0;
  size_t last_action_ = 0;
  size_t end_ = 0;  ///< where the last parse_pipeline stopped, in its text
  bool trim_next_ = false;
  int range_depth_ = 0;
};

// ---- values --------------------------------------------------------------------------------

// What the template sees: kubectl decodes the object's JSON into Go values, so every number is
// a float64. Integers appear only as literals, indexes and function results.
struct value {
  enum class type { missing, nil, boolean, integer, floating, string, map, list } t = type::missing;
  bool boolean = false;
  int64_t integer = 0;
  double floating = 0;
  std::string string;
  const node* tree = nullptr;  ///< map or list, inside the object

  static value of(const node* n) {
    value v;
    if (!n) return v;
    if (n->is_map()) return v.t = type::map, v.tree = n, v;
    if (n->is_list()) return v.t = type::list, v.tree = n, v;
    switch (n->is_null() ? node::scalar_type::null : n->resolve()) {
      case node::scalar_type::null: v.t = type::nil; break;
      case node::scalar_type::boolean: v.t = type::boolean, v.boolean = n->as_bool().value_or(false); break;
      case node::scalar_type::integer:
      case node::scalar_type::number: v.t = type::floating, v.floating = std::strtod(n->text().c_str(), nullptr); break;
      case node::scalar_type::string: v.t = type::string, v.string = n->text(); break;
    }
    return v;
  }
};

value boolean(bool b) {
  value v;
  v.t = value::type::boolean;
  v.boolean = b;
  return v;
}

const char* go_type(const value& v) {
  switch (v.t) {
    case value::type::missing:
    case value::type::nil: return "interface {}";
    case value::type::boolean: return "bool";
    case value::type::integer: return "int";
    case value::type::floating: return "float64";
    case value::type::string: return "string";
    case value::type::map: return "map[string]interface {}";
    case value::type::list: return "[]interface {}";
  }
  return "interface {}";
}

// Go's %v of a float64: the shortest digits that read back the same, in %e form when the
// exponent is below -4 or at least 6 (fmt.Println(1e6) prints 1e+06, 123456.0 prints 123456).
std::string go_float(double f) {
  if (std::isnan(f)) return "NaN";
  if (std::isinf(f)) return f > 0 ? "+Inf" : "-Inf";
  if (f == 0) return std::signbit(f) ? "-0" : "0";
  char buf[64];
  int digits = 1;
  for (; digits <= 17; ++digits) {
    std::snprintf(buf, sizeof buf, "%.*e", digits - 1, f);
    if (std::strtod(buf, nullptr) == f) break;
  }
  int exponent = std::atoi(std::strchr(buf, 'e') + 1);
  if (exponent < -4 || exponent >= 6) return buf;
  std::snprintf(buf, sizeof buf, "%.*f", std::max(digits - 1 - exponent, 0), f);
  return buf;
}

std::string print(const value& v);

std::string print_tree(const node& n) {
  if (n.is_map()) {
    std::vector<std::pair<std::string, const node*>> entries;
    for (auto& [k, child] : n.entries()) entries.emplace_back(k, &child);
    std::sort(entries.begin(), entries.end());
    std::string out = "map[";
    for (size_t i = 0; i < entries.size(); ++i)
      out += (i ? " " : "") + entries[i].first + ":" + print(value::of(entries[i].second));
    return out + "]";
  }
  std::string out = "[";
  for (size_t i = 0; i < n.items().size(); ++i) out += (i ? " " : "") + print(value::of(&n.items()[i]));
  return out + "]";
}

// fmt's %v.
std::string print(const value& v) {
  switch (v.t) {
    case value::type::missing: return "<no value>";
    case value::type::nil: return "<nil>";
    case value::type::boolean: return v.boolean ? "true" : "false";
    case value::type::integer: return std::to_string(v.integer);
    case value::type::floating: return go_float(v.floating);
    case value::type::string: return v.string;
    case value::type::map:
    case value::type::list: return print_tree(*v.tree);
  }
  return "";
}

bool truth(const value& v) {
  switch (v.t) {
    case value::type::missing:
    case value::type::nil: return false;
    case value::type::boolean: return v.boolean;
    case value::type::integer: return v.integer != 0;
    case value::type::floating: return v.floating != 0;
    case value::type::string: return !v.string.empty();
    case value::type::map:
    case value::type::list: return v.tree->size() != 0;
  }
  return false;
}

std::string go_quote(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\x%02x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

// Go's fmt.Sprintf for the verbs templates use: %v %s %d %f %e %g %q %t %x %X %%, with flags
// (- + 0 space #), width and precision. A verb that does not fit its argument prints as Go
// does: %!d(float64=3).
std::string sprintf(const std::string& format, const std::vector<value>& args) {
  std::string out;
  size_t next = 0;
  for (size_t i = 0; i < format.size(); ++i) {
    if (format[i] != '%') {
      out += format[i];
      continue;
    }
    ++i;
    std::string flags;
    while (i < format.size() && std::string("-+ 0#").find(format[i]) != std::string::npos) flags += format[i++];
    std::string width, precision;
    while (i < format.size() && std::isdigit(static_cast<unsigned char>(format[i]))) width += format[i++];
    bool has_precision = i < format.size() && format[i] == '.';
    if (has_precision) {
      ++i;
      while (i < format.size() && std::isdigit(static_cast<unsigned char>(format[i]))) precision += format[i++];
    }
    if (i >= format.size()) {
      out += "%!(NOVERB)";
      break;
    }
    char verb = format[i];
    if (verb == '%') {
      out += '%';
      continue;
    }
    if (next >= args.size()) {
      out += std::string("%!") + verb + "(MISSING)";
      continue;
    }
    const value& a = args[next++];
    std::string spec = "%" + flags + width + (has_precision ? "." + (precision.empty() ? "0" : precision) : "");
    char buf[512];
    std::string text;
    auto bad = [&] { text = std::string("%!") + verb + "(" + go_type(a) + "=" + print(a) + ")"; };
    switch (verb) {
      case 'v':
      case 's':
        if (verb == 's' && a.t != value::type::string && a.t != value::type::map && a.t != value::type::list &&
            a.t != value::type::missing && a.t != value::type::nil) {
          bad();
          break;
        }
        text = print(a);
        if (has_precision && verb == 's') text = text.substr(0, std::stoul(precision.empty() ? "0" : precision));
        std::snprintf(buf, sizeof buf, (spec.substr(0, spec.find('.')) + "s").c_str(), text.c_str());
        text = buf;
        break;
      case 'd':
      case 'x':
      case 'X':
      case 'o':
        if (a.t == value::type::integer) {
          std::snprintf(buf, sizeof buf, (spec + "ll" + verb).c_str(), static_cast<long long>(a.integer));
          text = buf;
        } else if ((verb == 'x' || verb == 'X') && a.t == value::type::string) {
          for (unsigned char c : a.string) {
            std::snprintf(buf, sizeof buf, verb == 'x' ? "%02x" : "%02X", c);
            text += buf;
          }
        } else {
          bad();
        }
        break;
      case 'f':
      case 'F':
      case 'e':
      case 'E':
      case 'g':
      case 'G':
        if (a.t == value::type::floating) {
          if (verb == 'g' && !has_precision) {
            text = go_float(a.floating);
          } else {
            std::snprintf(buf, sizeof buf, (spec + verb).c_str(), a.floating);
            text = buf;
          }
        } else {
          bad();
        }
        break;
      case 'q':
        if (a.t == value::type::string) text = go_quote(a.string);
        else bad();
        break;
      case 't':
        if (a.t == value::type::boolean) text = a.boolean ? "true" : "false";
        else bad();
        break;
      default: text = std::string("%!") + verb + "(" + go_type(a) + "=" + print(a) + ")";
    }
    out += text;
  }
  if (next < args.size()) {
    out += "%!(EXTRA ";
    for (size_t i = next; i < args.size(); ++i)
      out += std::string(i > next ? ", " : "") + go_type(args[i]) + "=" + print(args[i]);
    out += ")";
  }
  return out;
}

// ---- execution -----------------------------------------------------------------------------

struct exec_error {
  size_t at;
  std::string expr;
  std::string why;
};

struct loop_break {};
struct loop_continue {};

class executor {
 public:
  executor(const std::string& tmpl, const node& root) : t_(tmpl), root_(value::of(&root)) {
    vars_.emplace_back("$", root_);
  }

  void run(const std::vector<tnode>& nodes, const value& dot, std::string& out) {
    size_t mark = vars_.size();
    for (auto& n : nodes) {
      switch (n.t) {
        case tnode::type::text: out += n.text; break;
        case tnode::type::action: {
          value v = eval_pipeline(n.pipe, dot);
          // A nil the action prints is no value at all to Go's template (fmt prints <nil> only
          // inside a map or list).
          if (n.pipe.variables.empty()) out += v.t == value::type::nil ? "<no value>" : print(v);
          break;
        }
        case tnode::type::if_:
        case tnode::type::with: {
          size_t inner = vars_.size();
          value v = eval_pipeline(n.pipe, dot);
          if (truth(v)) run(n.body, n.t == tnode::type::with ? v : dot, out);
          else run(n.otherwise, dot, out);
          vars_.resize(inner);
          break;
        }
        case tnode::type::range: range(n, dot, out); break;
        case tnode::type::break_: throw loop_break{};
        case tnode::type::continue_: throw loop_continue{};
      }
    }
    vars_.resize(mark);
  }

 private:
  void range(const tnode& n, const value& dot, std::string& out) {
    size_t mark = vars_.size();
    pipeline head = n.pipe;
    head.variables.clear();
    value over = eval_pipeline(head, dot);
    auto each = [&](value key, value element) {
      if (n.pipe.variables.size() == 1) vars_.emplace_back(n.pipe.variables[0], element);
      if (n.pipe.variables.size() == 2) {
        vars_.emplace_back(n.pipe.variables[0], key);
        vars_.emplace_back(n.pipe.variables[1], element);
      }
      try {
        run(n.body, element, out);
      } catch (const loop_continue&) {
      }
      vars_.resize(mark);
    };
    bool any = false;
    try {
      if (over.t == value::type::list) {
        for (size_t i = 0; i < over.tree->items().size(); ++i) {
          value index;
          index.t = value::type::integer;
          index.integer = static_cast<int64_t>(i);
          any = true;
          each(index, value::of(&over.tree->items()[i]));
        }
      } else if (over.t == value::type::map) {
        std::vector<std::pair<std::string, const node*>> entries;
        for (auto& [k, child] : over.tree->entries()) entries.emplace_back(k, &child);
        std::sort(entries.begin(), entries.end());
        for (auto& [k, child] : entries) {
          value key;
          key.t = value::type::string;
          key.string = k;
          any = true;
          each(key, value::of(child));
        }
      } else if (over.t != value::type::missing && over.t != value::type::nil) {
        throw exec_error{n.pipe.commands.front().args.front().at, n.pipe.commands.front().args.front().text,
                         std::string("range can't iterate over ") + print(over)};
      }
    } catch (const loop_break&) {
    }
    vars_.resize(mark);
    if (!any) run(n.otherwise, dot, out);
  }

  value eval_pipeline(const pipeline& p, const value& dot) {
    value result;
    bool piped = false;
    for (auto& c : p.commands) {
      result = eval_command(c, dot, piped ? &result : nullptr);
      piped = true;
    }
    if (!p.variables.empty()) {
      if (p.assign) {
        auto found = std::find_if(vars_.rbegin(), vars_.rend(), [&](auto& v) { return v.first == p.variables[0]; });
        if (found == vars_.rend())
          throw exec_error{0, p.variables[0], "undefined variable: " + p.variables[0]};
        found->second = result;
      } else {
        vars_.emplace_back(p.variables.back(), result);
      }
    }
    return result;
  }

  value eval_command(const command& c, const value& dot, const value* piped) {
    auto& first = c.args.front();
    if (first.t != operand::type::function) {
      if (piped) throw exec_error{first.at, first.text, "can't give argument to non-function " + first.text};
      return eval_operand(first, dot);
    }
    std::vector<value> args;
    for (size_t i = 1; i < c.args.size(); ++i) args.push_back(eval_operand(c.args[i], dot));
    if (piped) args.push_back(*piped);
    return call(first, args);
  }

  value field_chain(value v, const std::vector<std::string>& fields, const operand& o) {
    for (auto& f : fields) {
      if (v.t == value::type::map) {
        v = value::of(v.tree->find(f));
      } else if (v.t == value::type::missing || v.t == value::type::nil) {
        throw exec_error{o.at, o.text, "nil pointer evaluating interface {}." + f};
      } else {
        throw exec_error{o.at, o.text, "can't evaluate field " + f + " in type " + go_type(v)};
      }
    }
    return v;
  }

  value eval_operand(const operand& o, const value& dot) {
    value v;
    switch (o.t) {
      case operand::type::dot: return dot;
      case operand::type::field: return field_chain(dot, o.fields, o);
      case operand::type::variable: {
        auto found = std::find_if(vars_.rbegin(), vars_.rend(), [&](auto& e) { return e.first == o.name; });
        if (found == vars_.rend()) throw exec_error{o.at, o.text, "undefined variable: " + o.name};
        return field_chain(found->second, o.fields, o);
      }
      case operand::type::string: v.t = value::type::string, v.string = o.name; return v;
      case operand::type::integer: v.t = value::type::integer, v.integer = o.integer; return v;
      case operand::type::floating: v.t = value::type::floating, v.floating = o.floating; return v;
      case operand::type::boolean: return boolean(o.boolean);
      case operand::type::nil: v.t = value::type::nil; return v;
      case operand::type::group: return field_chain(eval_pipeline(*o.group, dot), o.fields, o);
      case operand::type::function: return call(o, {});
    }
    return v;
  }

  // Go's basic comparison: both of one kind (integer literals and float64 numbers differ).
  int compare(const value& a, const value& b, const operand& o, bool ordered) {
    auto kind = [](const value& v) { return v.t == value::type::missing ? value::type::nil : v.t; };
    if (kind(a) != kind(b)) {
      if (!ordered && (kind(a) == value::type::nil || kind(b) == value::type::nil)) return kind(a) == kind(b) ? 0 : 1;
      throw exec_error{o.at, o.text, "error calling " + o.name + ": incompatible types for comparison"};
    }
    switch (kind(a)) {
      case value::type::boolean:
        if (ordered) break;
        return a.boolean == b.boolean ? 0 : 1;
      case value::type::integer: return a.integer < b.integer ? -1 : a.integer > b.integer;
      case value::type::floating: return a.floating < b.floating ? -1 : a.floating > b.floating;
      case value::type::string: return a.string.compare(b.string) < 0 ? -1 : a.string != b.string;
      case value::type::nil:
        if (ordered) break;
        return 0;
      default: break;
    }
    throw exec_error{o.at, o.text, "error calling " + o.name + ": invalid type for comparison"};
  }

  value index_into(value item, const std::vector<value>& keys, const operand& o, bool* found) {
    for (auto& key : keys) {
      if (item.t == value::type::map) {
        if (key.t != value::type::string)
          throw exec_error{o.at, o.text, std::string("error calling index: value has type ") + go_type(key) + "; should be string"};
        const node* child = item.tree->find(key.string);
        if (!child && found) *found = false;
        item = value::of(child);
      } else if (item.t == value::type::list) {
        if (key.t != value::type::integer)
          throw exec_error{o.at, o.text, std::string("error calling index: cannot index slice/array with type ") + go_type(key)};
        if (key.integer < 0 || key.integer >= static_cast<int64_t>(item.tree->items().size())) {
          if (found) {
            *found = false;
            return {};
          }
          throw exec_error{o.at, o.text, "error calling index: index out of range: " + std::to_string(key.integer)};
        }
        item = value::of(&item.tree->items()[static_cast<size_t>(key.integer)]);
      } else if (item.t == value::type::missing || item.t == value::type::nil) {
        if (found) {
          *found = false;
          return {};
        }
        throw exec_error{o.at, o.text, "error calling index: index of untyped nil"};
      } else {
        throw exec_error{o.at, o.text, std::string("error calling index: can't index item of type ") + go_type(item)};
      }
    }
    return item;
  }

  value call(const operand& o, const std::vector<value>& args) {
    const std::string& f = o.name;
    auto need = [&](size_t n, bool at_least) {
      if (at_least ? args.size() < n : args.size() != n)
        throw exec_error{o.at, o.text, "wrong number of args for " + f + ": want " + (at_least ? "at least " : "") +
                                           std::to_string(n) + " got " + std::to_string(args.size())};
    };
    if (f == "and" || f == "or") {
      need(1, true);
      for (size_t i = 0; i + 1 < args.size(); ++i)
        if (truth(args[i]) == (f == "or")) return args[i];
      return args.back();
    }
    if (f == "not") {
      need(1, false);
      return boolean(!truth(args[0]));
    }
    if (f == "len") {
      need(1, false);
      value v;
      v.t = value::type::integer;
      if (args[0].t == value::type::string) v.integer = static_cast<int64_t>(args[0].string.size());
      else if (args[0].t == value::type::map || args[0].t == value::type::list) v.integer = static_cast<int64_t>(args[0].tree->size());
      else throw exec_error{o.at, o.text, std::string("error calling len: len of type ") + go_type(args[0])};
      return v;
    }
    if (f == "index") {
      need(1, true);
      return index_into(args[0], std::vector<value>(args.begin() + 1, args.end()), o, nullptr);
    }
    if (f == "exists") {
      need(1, true);
      bool found = true;
      try {
        index_into(args[0], std::vector<value>(args.begin() + 1, args.end()), o, &found);
      } catch (const exec_error&) {
        found = false;
      }
      return boolean(found);
    }
    if (f == "print" || f == "println") {
      value v;
      v.t = value::type::string;
      for (size_t i = 0; i < args.size(); ++i) {
        // Sprint puts spaces between operands when neither is a string; Sprintln always.
        bool space = i > 0 && (f == "println" || (args[i].t != value::type::string && args[i - 1].t != value::type::string));
        v.string += (space ? " " : "") + print(args[i]);
      }
      if (f == "println") v.string += "\n";
      return v;
    }
    if (f == "printf") {
      need(1, true);
      if (args[0].t != value::type::string)
        throw exec_error{o.at, o.text, std::string("wrong type for value; expected string; got ") + go_type(args[0])};
      value v;
      v.t = value::type::string;
      v.string = sprintf(args[0].string, std::vector<value>(args.begin() + 1, args.end()));
      return v;
    }
    if (f == "eq") {
      need(2, true);
      for (size_t i = 1; i < args.size(); ++i)
        if (compare(args[0], args[i], o, false) == 0) return boolean(true);
      return boolean(false);
    }
    if (f == "ne") {
      need(2, false);
      return boolean(compare(args[0], args[1], o, false) != 0);
    }
    if (f == "lt" || f == "le" || f == "gt" || f == "ge") {
      need(2, false);
      int c = compare(args[0], args[1], o, true);
      return boolean(f == "lt" ? c < 0 : f == "le" ? c <= 0 : f == "gt" ? c > 0 : c >= 0);
    }
    if (f == "base64decode") {
      need(1, false);
      if (args[0].t != value::type::string)
        throw exec_error{o.at, o.text, std::string("wrong type for value; expected string; got ") + go_type(args[0])};
      auto& text = args[0].string;
      bool valid = text.size() % 4 == 0 &&
                   std::all_of(text.begin(), text.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/' || c == '='; });
      if (!valid) throw exec_error{o.at, o.text, "error calling base64decode: base64 decode failed: illegal base64 data"};
      auto decoded = kj::decodeBase64(kj::ArrayPtr<const char>(text.data(), text.size()));
      value v;
      v.t = value::type::string;
      v.string.assign(reinterpret_cast<const char*>(decoded.begin()), decoded.size());
      return v;
    }
    throw exec_error{o.at, o.text, "function " + quote(f) + " not defined"};
  }

  const std::string& t_;
  value root_;
  std::vector<std::pair<std::string, value>> vars_;
};

}  // namespace

std::string go_template(std::string_view tmpl, const codec::node& root) {
  std::string text(tmpl);
  auto nodes = template_parser(text).parse();
  std::string out;
  try {
    executor(text, root).run(nodes, value::of(&root), out);
  } catch (const exec_error& e) {
    size_t line_start = text.rfind('\n', e.at == 0 ? 0 : e.at - 1);
    line_start = line_start == std::string::npos ? 0 : line_start + 1;
    int line = 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(std::min(e.at, text.size())), '\n'));
    throw api_error(api_errc::bad_request,
                    "error executing template " + quote(text) + ": template: output:" + std::to_string(line) + ":" +
                        std::to_string(e.at - line_start) + ": executing \"output\" at <" + e.expr + ">: " + e.why);
  }
  return out;
}

}  // namespace troupe::cli
