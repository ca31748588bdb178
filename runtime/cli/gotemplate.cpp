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
  std::string text;  ///< as Go names it in errors
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
      size_t comment = inner + (trim_before ? 1 : 0);  // after "{{" or "{{- "
      if (t_.compare(comment, 2, "/*") == 0) {
        // A comment runs to `*/` whatever it holds, then `}}` (or ` -}}`).
        size_t stop = t_.find("*/", comment + 2);
        if (stop == std::string::npos) parse_error(t_, open, "unclosed comment");
        size_t after = stop + 2;
        bool trim_comment = t_.compare(after, 4, " -}}") == 0;
        if (!trim_comment && t_.compare(after, 2, "}}") != 0) parse_error(t_, open, "comment ends before closing delimiter");
        pos_ = after + (trim_comment ? 4 : 2);
        trim_next_ = trim_comment;
        continue;
      }
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
      if (starts_with(action, "/*")) parse_error(t_, open, "unrecognized character in action: U+002F '/'");
      std::string word = action.substr(0, std::find_if(action.begin(), action.end(), is_space) - action.begin());
      if (word == "end" || word == "else") {
        if (word == "end" && action != "end") parse_error(t_, open, "unexpected " + quote(action.substr(3)) + " in end");
        // "else if ..." however the two words are spaced.
        stopped_by = word == "else" && action != "else" ? "else " + std::string(trim(std::string_view(action).substr(4))) : action;
        return out;
      }
      if (word == "if" || word == "range" || word == "with") {
        out.push_back(parse_control(word, action.substr(word.size()), action_at + word.size()));
        continue;
      }
      if (word == "break" || word == "continue") {
        if (range_depth_ == 0) parse_error(t_, open, "{{" + word + "}} outside {{range}}");
        if (action != word) parse_error(t_, open, "unexpected " + quote(std::string(trim(std::string_view(action).substr(word.size())))) + " in " + word);
        out.push_back({word == "break" ? tnode::type::break_ : tnode::type::continue_, "", {}, {}, {}});
        continue;
      }
      if (word == "define" || word == "template" || word == "block")
        parse_error(t_, open, "{{" + word + "}} is not supported by troupe's go-template");
      tnode n{tnode::type::action, "", {}, {}, {}};
      n.pipe = parse_pipeline(action, action_at, true, 1);
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
    // Variables declared in the control's pipeline or body live until its {{end}}.
    size_t scope = declared_.size();
    n.pipe = parse_pipeline(rest, at, true, n.t == tnode::type::range ? 2 : 1);
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
      // {{else if ...}} after an if, {{else with ...}} after a with: a nested control that
      // shares this {{end}}.
      std::string chained = stop.substr(5);
      size_t chained_at = last_action_ + 2;
      std::string inner_word = chained.substr(0, std::find_if(chained.begin(), chained.end(), is_space) - chained.begin());
      if (inner_word != word || n.t == tnode::type::range)
        parse_error(t_, last_action_, "unexpected " + quote(chained) + " in else");
      n.otherwise.push_back(parse_control(inner_word, chained.substr(inner_word.size()), chained_at));
    }
    declared_.resize(scope);
    return n;
  }

  // One pipeline: [$a[, $b] := | $a =] command | command ... (`max_decl` variables may be
  // declared: two in a range, none inside parentheses).
  pipeline parse_pipeline(const std::string& text, size_t base, bool allow_decl, size_t max_decl = 1) {
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
        if (names.size() > max_decl) parse_error(t_, base + i, "too many declarations in command");
        p.variables = names;
        i = j + 2;
      } else if (names.size() == 1 && j < text.size() && text[j] == '=' && text.compare(j, 2, "==") != 0) {
        p.variables = names;
        p.assign = true;
        i = j + 1;
        if (std::find(declared_.begin(), declared_.end(), names[0]) == declared_.end())
          parse_error(t_, base + i, "undefined variable " + quote(names[0]));
      }
    }
    command current;
    for (;;) {
      skip();
      if (i >= text.size() || text[i] == ')') {
        if (i < text.size() && depth_ == 0) parse_error(t_, base + i, "unexpected right paren");
        if (!current.args.empty()) p.commands.push_back(finish(std::move(current), base + i));
        else if (!p.commands.empty()) parse_error(t_, base + i, "missing command after |");
        end_ = i;
        // Declared once the pipeline is read: `$x := $x` cannot see itself.
        if (!p.assign) declared_.insert(declared_.end(), p.variables.begin(), p.variables.end());
        return p;
      }
      if (text[i] == '|') {
        if (current.args.empty()) parse_error(t_, base + i, "missing value for command");
        p.commands.push_back(finish(std::move(current), base + i));
        current = {};
        ++i;
        continue;
      }
      current.args.push_back(parse_operand(text, i, base));
      if (current.args.size() > 1 && current.args.front().t != operand::type::function)
        parse_error(t_, base + i, "can't give argument to non-function " + current.args.front().text);
    }
  }

  // A command as Go prints it in errors ("index .metadata.labels \"app\""); a lone nil is
  // no command.
  command finish(command c, size_t at) {
    if (c.args.size() == 1 && c.args[0].t == operand::type::nil) parse_error(t_, at, "nil is not a command");
    for (auto& a : c.args) c.text += (c.text.empty() ? "" : " ") + a.text;
    return c;
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
      if (std::find(declared_.begin(), declared_.end(), o.name) == declared_.end())
        parse_error(t_, base + start, "undefined variable " + quote(o.name));
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
      ++depth_;
      o.group = std::make_shared<pipeline>(parse_pipeline(text.substr(i), base + i, true));
      --depth_;
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
  int depth_ = 0;                               ///< open parentheses
  std::vector<std::string> declared_{"$"};      ///< variables in scope, innermost last
};

// ---- values --------------------------------------------------------------------------------

// What the template sees: kubectl decodes the object's JSON into Go values, so every number is
// a float64. Integers appear only as literals, indexes and function results. `missing` is Go's
// invalid value (a key that is not there); `nil` a JSON null.
struct value {
  enum class type { missing, nil, boolean, integer, floating, string, map, list } t = type::missing;
  bool boolean = false;
  int64_t integer = 0;
  double floating = 0;
  std::string string;
  const node* tree = nullptr;  ///< map or list, inside the object
  /// Came out of a pipeline (a variable, `with`'s dot, a parenthesized group), so Go knows its
  /// concrete type; read straight from a map or list it is an `interface {}`.
  bool concrete = false;

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
  static value text(std::string s) {
    value v;
    v.t = type::string;
    v.string = std::move(s);
    return v;
  }
  static value number(int64_t i) {
    value v;
    v.t = type::integer;
    v.integer = i;
    return v;
  }
  static value truth_value(bool b) {
    value v;
    v.t = type::boolean;
    v.boolean = b;
    return v;
  }
};

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

// strconv.Quote: Go's escapes, printable UTF-8 kept as is.
std::string go_quote(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\a': out += "\\a"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\v': out += "\\v"; break;
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

// `text` padded to `width` as fmt pads: spaces on the left, on the right with '-', or zeros.
std::string pad(std::string text, size_t width, const std::string& flags, bool numeric) {
  if (text.size() >= width) return text;
  size_t fill = width - text.size();
  if (flags.find('-') != std::string::npos) return text + std::string(fill, ' ');
  if (numeric && flags.find('0') != std::string::npos) {
    size_t sign = !text.empty() && (text[0] == '-' || text[0] == '+' || text[0] == ' ') ? 1 : 0;
    return text.substr(0, sign) + std::string(fill, '0') + text.substr(sign);
  }
  return std::string(fill, ' ') + text;
}

// One C conversion with a buffer as large as the result.
template <class T>
std::string c_format(const std::string& spec, T arg) {
  int n = std::snprintf(nullptr, 0, spec.c_str(), arg);
  std::string out(static_cast<size_t>(std::max(n, 0)) + 1, '\0');
  std::snprintf(out.data(), out.size(), spec.c_str(), arg);
  out.resize(static_cast<size_t>(std::max(n, 0)));
  return out;
}

// Go's fmt.Sprintf for the verbs templates use: %v %s %d %b %o %x %X %c %f %e %g %q %t %T %%,
// with flags (- + 0 space #), width and precision. A verb that does not fit its argument
// prints as Go does: %!d(float64=3), %!d(<nil>).
std::string sprintf(const std::string& format, const std::vector<value>& args) {
  constexpr size_t most = 1000000;  // fmt's bound on width and precision
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
    // A number past fmt's bound swallows the rest of the format, as fmt's parsenum does.
    auto number = [&](size_t& n) {
      bool any = false;
      n = 0;
      for (; i < format.size() && std::isdigit(static_cast<unsigned char>(format[i])); ++i) {
        if (n > most) {
          i = format.size();
          return false;
        }
        any = true;
        n = n * 10 + static_cast<size_t>(format[i] - '0');
      }
      return any;
    };
    size_t width = 0, precision = 0;
    bool has_width = number(width);
    bool has_precision = i < format.size() && format[i] == '.';
    if (has_precision) {
      ++i;
      number(precision);
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
    value a = args[next++];
    bool is_nil = a.t == value::type::missing || a.t == value::type::nil;
    auto bad = [&] {
      return std::string("%!") + verb + "(" + (is_nil ? "<nil>" : std::string(go_type(a)) + "=" + print(a)) + ")";
    };
    std::string c_spec = "%" + flags + (has_precision ? "." + std::to_string(precision) : "");
    std::string text;
    bool numeric = false;
    switch (verb) {
      case 'v':
      case 's':
        if (verb == 's' && (a.t == value::type::integer || a.t == value::type::floating || a.t == value::type::boolean ||
                            is_nil)) {
          text = bad();
          break;
        }
        text = is_nil ? "<nil>" : print(a);
        if (verb == 's' && has_precision && text.size() > precision) text.resize(precision);
        break;
      case 'd':
      case 'b':
      case 'o':
      case 'x':
      case 'X':
      case 'c':
        if (a.t == value::type::integer) {
          numeric = verb != 'c';
          uint64_t magnitude = a.integer < 0 ? 0 - static_cast<uint64_t>(a.integer) : static_cast<uint64_t>(a.integer);
          if (verb == 'c') {
            std::string utf8;
            auto cp = static_cast<uint32_t>(a.integer);
            if (cp < 0x80) utf8 += static_cast<char>(cp);
            else if (cp < 0x800) utf8 += {static_cast<char>(0xC0 | (cp >> 6)), static_cast<char>(0x80 | (cp & 0x3F))};
            else if (cp < 0x10000) utf8 += {static_cast<char>(0xE0 | (cp >> 12)), static_cast<char>(0x80 | ((cp >> 6) & 0x3F)), static_cast<char>(0x80 | (cp & 0x3F))};
            else utf8 += {static_cast<char>(0xF0 | (cp >> 18)), static_cast<char>(0x80 | ((cp >> 12) & 0x3F)), static_cast<char>(0x80 | ((cp >> 6) & 0x3F)), static_cast<char>(0x80 | (cp & 0x3F))};
            text = utf8;
            break;
          }
          // Go prints the sign and the magnitude (-ff), not C's two's complement.
          std::string digits;
          unsigned base = verb == 'd' ? 10 : verb == 'b' ? 2 : verb == 'o' ? 8 : 16;
          const char* alphabet = verb == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
          do {
            digits.insert(digits.begin(), alphabet[magnitude % base]);
            magnitude /= base;
          } while (magnitude);
          if (has_precision && digits.size() < precision) digits.insert(0, precision - digits.size(), '0');
          std::string sign = a.integer < 0 ? "-" : flags.find('+') != std::string::npos ? "+" : flags.find(' ') != std::string::npos ? " " : "";
          text = sign + digits;
        } else if ((verb == 'x' || verb == 'X') && a.t == value::type::string) {
          for (unsigned char ch : a.string) text += c_format(verb == 'x' ? "%02x" : "%02X", ch);
        } else {
          text = bad();
        }
        break;
      case 'f':
      case 'F':
      case 'e':
      case 'E':
      case 'g':
      case 'G':
        if (a.t == value::type::floating) {
          numeric = true;
          text = (verb == 'g' || verb == 'G') && !has_precision ? go_float(a.floating)
                                                                 : c_format(c_spec + (verb == 'F' ? 'f' : verb), a.floating);
          if (flags.find('+') != std::string::npos && !text.empty() && text[0] != '-' && text[0] != '+') text = "+" + text;
        } else {
          text = bad();
        }
        break;
      case 'q':
        if (a.t == value::type::string) text = go_quote(a.string);
        else text = bad();
        break;
      case 't':
        if (a.t == value::type::boolean) text = a.boolean ? "true" : "false";
        else text = bad();
        break;
      case 'T': text = is_nil ? "<nil>" : go_type(a); break;
      default: text = bad();
    }
    out += has_width ? pad(std::move(text), width, flags, numeric) : text;
  }
  if (next < args.size()) {
    out += "%!(EXTRA ";
    for (size_t i = next; i < args.size(); ++i) {
      bool is_nil = args[i].t == value::type::missing || args[i].t == value::type::nil;
      out += std::string(i > next ? ", " : "") + (is_nil ? "<nil>" : std::string(go_type(args[i])) + "=" + print(args[i]));
    }
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
    root_.concrete = true;
    vars_.emplace_back("$", root_);
  }

  void run(const std::vector<tnode>& nodes, const value& dot, std::string& out) {
    size_t mark = vars_.size();
    for (auto& n : nodes) {
      switch (n.t) {
        case tnode::type::text: out += n.text; break;
        case tnode::type::action: {
          value v = eval_pipeline(n.pipe, dot);
          if (n.pipe.variables.empty()) out += print(v);
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
          any = true;
          each(value::number(static_cast<int64_t>(i)), value::of(&over.tree->items()[i]));
        }
      } else if (over.t == value::type::map) {
        std::vector<std::pair<std::string, const node*>> entries;
        for (auto& [k, child] : over.tree->entries()) entries.emplace_back(k, &child);
        std::sort(entries.begin(), entries.end());
        for (auto& [k, child] : entries) {
          any = true;
          each(value::text(k), value::of(child));
        }
      } else if (over.t != value::type::missing && over.t != value::type::nil) {
        auto& c = n.pipe.commands.back();
        throw exec_error{c.args.front().at, c.text, std::string("range can't iterate over ") + print(over)};
      }
    } catch (const loop_break&) {
    }
    vars_.resize(mark);
    if (!any) run(n.otherwise, dot, out);
  }

  // A pipeline's value, as Go hands it on: a null becomes no value, and the concrete type is
  // known from here on.
  value eval_pipeline(const pipeline& p, const value& dot) {
    value result;
    bool piped = false;
    for (auto& c : p.commands) {
      result = eval_command(c, dot, piped ? &result : nullptr);
      piped = true;
    }
    if (result.t == value::type::nil) result.t = value::type::missing;
    result.concrete = true;
    if (!p.variables.empty()) {
      if (p.assign) {
        auto found = std::find_if(vars_.rbegin(), vars_.rend(), [&](auto& v) { return v.first == p.variables[0]; });
        if (found != vars_.rend()) found->second = result;
      } else {
        vars_.emplace_back(p.variables.back(), result);
      }
    }
    return result;
  }

  value eval_command(const command& c, const value& dot, const value* piped) {
    auto& first = c.args.front();
    if (first.t != operand::type::function) {
      if (piped) throw exec_error{first.at, c.text, "can't give argument to non-function " + first.text};
      return eval_operand(first, dot);
    }
    // An argument as a function receives it: no value becomes a nil interface.
    auto argument = [&](const operand& o) {
      value v = eval_operand(o, dot);
      if (v.t == value::type::missing) v.t = value::type::nil;
      return v;
    };
    size_t count = c.args.size() - 1 + (piped ? 1 : 0);
    if ((first.name == "and" || first.name == "or") && count > 0) {
      // Go stops at the first argument that decides.
      value v;
      for (size_t i = 1; i <= count; ++i) {
        v = i < c.args.size() ? argument(c.args[i]) : *piped;
        if (truth(v) == (first.name == "or")) return v;
      }
      return v;
    }
    std::vector<value> args;
    for (size_t i = 1; i < c.args.size(); ++i) args.push_back(argument(c.args[i]));
    if (piped) args.push_back(*piped);
    return call(first, c.text, args);
  }

  value field_chain(value v, const std::vector<std::string>& fields, const operand& o) {
    for (auto& f : fields) {
      if (v.t == value::type::map) {
        v = value::of(v.tree->find(f));
      } else if (v.t == value::type::missing) {
        return v;  // Go: a field of no value is no value
      } else if (v.t == value::type::nil) {
        throw exec_error{o.at, o.text, "nil pointer evaluating interface {}." + f};
      } else {
        throw exec_error{o.at, o.text,
                         "can't evaluate field " + f + " in type " + (v.concrete ? go_type(v) : "interface {}")};
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
        return field_chain(found == vars_.rend() ? value{} : found->second, o.fields, o);
      }
      case operand::type::string: return value::text(o.name);
      case operand::type::integer: return value::number(o.integer);
      case operand::type::floating: v.t = value::type::floating, v.floating = o.floating; return v;
      case operand::type::boolean: return value::truth_value(o.boolean);
      case operand::type::nil: v.t = value::type::nil; return v;
      case operand::type::group: return field_chain(eval_pipeline(*o.group, dot), o.fields, o);
      case operand::type::function: return call(o, o.text, {});
    }
    return v;
  }

  // Go's basic comparison: both of one kind (integer literals and float64 numbers differ).
  int compare(const value& a, const value& b, const operand& o, const std::string& expr, bool ordered) {
    auto kind = [](const value& v) { return v.t == value::type::missing ? value::type::nil : v.t; };
    if (kind(a) != kind(b)) {
      if (!ordered && (kind(a) == value::type::nil || kind(b) == value::type::nil)) return 1;
      throw exec_error{o.at, expr, "error calling " + o.name + ": incompatible types for comparison"};
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
    throw exec_error{o.at, expr, "error calling " + o.name + ": invalid type for comparison"};
  }

  // Go's `index`: map keys are strings, list and string indexes integers.
  value index_into(value item, const std::vector<value>& keys, const operand& o, const std::string& expr) {
    auto fail = [&](const std::string& why) { return exec_error{o.at, expr, "error calling index: " + why}; };
    for (auto& key : keys) {
      if (item.t == value::type::map) {
        if (key.t != value::type::string) throw fail(std::string("value has type ") + go_type(key) + "; should be string");
        item = value::of(item.tree->find(key.string));
        if (item.t == value::type::missing) item.t = value::type::nil;  // the map's zero value
      } else if (item.t == value::type::list || item.t == value::type::string) {
        if (key.t != value::type::integer) throw fail(std::string("cannot index slice/array with type ") + go_type(key));
        int64_t size = item.t == value::type::list ? static_cast<int64_t>(item.tree->items().size())
                                                   : static_cast<int64_t>(item.string.size());
        if (key.integer < 0 || key.integer >= size) throw fail("index out of range: " + std::to_string(key.integer));
        item = item.t == value::type::list ? value::of(&item.tree->items()[static_cast<size_t>(key.integer)])
                                           : value::number(static_cast<unsigned char>(item.string[static_cast<size_t>(key.integer)]));
      } else if (item.t == value::type::missing || item.t == value::type::nil) {
        throw fail("index of untyped nil");
      } else {
        throw fail(std::string("can't index item of type ") + go_type(item));
      }
    }
    return item;
  }

  // kubectl's `exists`: whether `index` would find something that is not nil.
  static bool exists(value item, const std::vector<value>& keys) {
    for (auto& key : keys) {
      if (item.t == value::type::missing || item.t == value::type::nil) return false;
      if (item.t == value::type::map) {
        if (key.t != value::type::string) return false;
        item = value::of(item.tree->find(key.string));
      } else if (item.t == value::type::list || item.t == value::type::string) {
        int64_t size = item.t == value::type::list ? static_cast<int64_t>(item.tree->items().size())
                                                   : static_cast<int64_t>(item.string.size());
        if (key.t != value::type::integer || key.integer < 0 || key.integer >= size) return false;
        item = item.t == value::type::list ? value::of(&item.tree->items()[static_cast<size_t>(key.integer)])
                                           : value::number(static_cast<unsigned char>(item.string[static_cast<size_t>(key.integer)]));
      } else {
        return false;
      }
    }
    return item.t != value::type::missing && item.t != value::type::nil;
  }

  value call(const operand& o, const std::string& expr, const std::vector<value>& args) {
    const std::string& f = o.name;
    auto need = [&](size_t n, bool at_least) {
      if (at_least ? args.size() < n : args.size() != n)
        throw exec_error{o.at, o.text, "wrong number of args for " + f + ": want " + (at_least ? "at least " : "") +
                                           std::to_string(n) + " got " + std::to_string(args.size())};
    };
    auto string_arg = [&](const value& v) {
      if (v.t != value::type::string)
        throw exec_error{o.at, expr, std::string("wrong type for value; expected string; got ") + go_type(v)};
      return v.string;
    };
    if (f == "and" || f == "or") need(1, true);  // with arguments, eval_command decided
    if (f == "not") {
      need(1, false);
      return value::truth_value(!truth(args[0]));
    }
    if (f == "len") {
      need(1, false);
      if (args[0].t == value::type::string) return value::number(static_cast<int64_t>(args[0].string.size()));
      if (args[0].t == value::type::map || args[0].t == value::type::list)
        return value::number(static_cast<int64_t>(args[0].tree->size()));
      throw exec_error{o.at, expr, std::string("error calling len: len of ") +
                                       (args[0].t == value::type::nil ? "nil pointer" : std::string("type ") + go_type(args[0]))};
    }
    if (f == "index") {
      need(1, true);
      return index_into(args[0], std::vector<value>(args.begin() + 1, args.end()), o, expr);
    }
    if (f == "exists") {
      need(1, true);
      return value::truth_value(exists(args[0], std::vector<value>(args.begin() + 1, args.end())));
    }
    if (f == "print" || f == "println") {
      std::string text;
      for (size_t i = 0; i < args.size(); ++i) {
        // Sprint puts spaces between operands when neither is a string; Sprintln always.
        bool space = i > 0 && (f == "println" || (args[i].t != value::type::string && args[i - 1].t != value::type::string));
        text += (space ? " " : "") + print(args[i]);
      }
      return value::text(f == "println" ? text + "\n" : text);
    }
    if (f == "printf") {
      need(1, true);
      return value::text(sprintf(string_arg(args[0]), std::vector<value>(args.begin() + 1, args.end())));
    }
    if (f == "eq") {
      need(2, true);
      for (size_t i = 1; i < args.size(); ++i)
        if (compare(args[0], args[i], o, expr, false) == 0) return value::truth_value(true);
      return value::truth_value(false);
    }
    if (f == "ne") {
      need(2, false);
      return value::truth_value(compare(args[0], args[1], o, expr, false) != 0);
    }
    if (f == "lt" || f == "le" || f == "gt" || f == "ge") {
      need(2, false);
      int c = compare(args[0], args[1], o, expr, true);
      return value::truth_value(f == "lt" ? c < 0 : f == "le" ? c <= 0 : f == "gt" ? c > 0 : c >= 0);
    }
    if (f == "base64decode") {
      need(1, false);
      auto text = string_arg(args[0]);
      auto bad = std::find_if(text.begin(), text.end(), [](char c) {
        return !std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '/' && c != '=';
      });
      auto decoded = kj::decodeBase64(kj::ArrayPtr<const char>(text.data(), text.size()));
      if (bad != text.end() || decoded.hadErrors || text.size() % 4 != 0)
        throw exec_error{o.at, expr, "error calling base64decode: base64 decode failed: illegal base64 data" +
                                         (bad != text.end() ? " at input byte " + std::to_string(bad - text.begin()) : std::string())};
      return value::text(std::string(reinterpret_cast<const char*>(decoded.begin()), decoded.size()));
    }
    throw exec_error{o.at, expr, "function " + quote(f) + " not defined"};
  }

  const std::string& t_;
  value root_;
  std::vector<std::pair<std::string, value>> vars_;
};

}  // namespace

void check_go_template(std::string_view tmpl) { template_parser(std::string(tmpl)).parse(); }

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
