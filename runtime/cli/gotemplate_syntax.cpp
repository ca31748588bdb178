// Go's text/template parser, for kubectl's -o go-template: `{{-`/`-}}` trimming, comments,
// pipelines, fields, variables (checked while parsing, as Go does), literals, parenthesized
// pipelines and the control actions. define, template and block are refused.

#include "runtime/cli/gotemplate_syntax.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "runtime/base/error.hpp"
#include "runtime/base/text.hpp"

namespace troupe::cli::gotmpl {
namespace {

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
                                          "ne", "lt", "le", "gt", "ge", "exists", "base64decode",
                                          "html", "js", "urlquery"};
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

}  // namespace

std::vector<tnode> parse_go_template(const std::string& tmpl) { return template_parser(tmpl).parse(); }

}  // namespace troupe::cli::gotmpl
