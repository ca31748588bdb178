// kubectl's JSONPath templates: `{.a.b}`, `{.items[*].x}`, `{.list[-1]}`, `{['key']}`,
// escaped dots (`{.data.tls\.crt}`), string literals (`{"\n"}`), `{range EXPR}...{end}` and
// filters (`[?(@.name=='x')]`, ==, !=, <, >, <=, >=, and `[?(@.x)]` for existence). A
// template it cannot read is an error naming the template, never empty output.

#include <cctype>
#include <cstdlib>
#include <memory>

#include "runtime/base/error.hpp"
#include "runtime/base/text.hpp"
#include "runtime/cli/printers.hpp"
#include "runtime/codec/json.hpp"

namespace troupe::cli {
namespace {

using codec::node;

struct filter;

// One step of a path: a key, an index, [*], or a filter over a list's items.
struct step {
  enum class type { key, index, all, filter } t = type::key;
  std::string key;
  long index = 0;
  std::shared_ptr<const filter> test;

  static step of(type t, std::string key = "", long index = 0) {
    step s;
    s.t = t;
    s.key = std::move(key);
    s.index = index;
    return s;
  }
};

struct filter {
  std::vector<step> left;  ///< after `@`
  std::string op;          ///< "" tests existence
  std::string right;       ///< the literal compared with
  bool right_quoted = false;  ///< 'text': compared as text even when it looks like a number
};

class parser {
 public:
  parser(std::string_view text, std::string_view tmpl) : s_(text), tmpl_(tmpl) {}

  [[noreturn]] void fail(const std::string& why) const {
    throw api_error(api_errc::bad_request,
                    "error parsing jsonpath " + std::string(tmpl_) + ": " + why);
  }

  /// A whole expression: `$`? then steps, to the end.
  std::vector<step> path() {
    if (peek() == '$') ++i_;
    auto steps = parse_steps(false);
    if (!done()) fail("unexpected " + std::string(1, peek()));
    return steps;
  }

 private:
  bool done() const { return i_ >= s_.size(); }
  char peek() const { return done() ? '\0' : s_[i_]; }
  void skip_spaces() {
    while (!done() && std::isspace(static_cast<unsigned char>(peek()))) ++i_;
  }

  std::vector<step> parse_steps(bool in_filter) {
    std::vector<step> steps;
    while (!done()) {
      if (peek() == '.') {
        ++i_;
        TROUPE_REQUIRE(peek() != '.', api_errc::bad_request,
                       "error parsing jsonpath " + std::string(tmpl_) +
                           ": recursive descent (..) is not supported");
        auto key = parse_key(in_filter);
        if (!key.empty()) steps.push_back(step::of(step::type::key, key));
      } else if (peek() == '[') {
        steps.push_back(parse_subscript());
      } else if (in_filter) {
        break;
      } else {
        fail("unexpected " + std::string(1, peek()));
      }
    }
    return steps;
  }

  // A key after `.`, up to the next unescaped `.` or `[` (`\.` is a dot within the key).
  std::string parse_key(bool in_filter) {
    std::string key;
    while (!done()) {
      char c = peek();
      if (c == '\\' && i_ + 1 < s_.size()) {
        key += s_[i_ + 1];
        i_ += 2;
        continue;
      }
      if (c == '.' || c == '[') break;
      if (std::isspace(static_cast<unsigned char>(c)) ||
          (in_filter && std::string_view("=!<>)").find(c) != std::string_view::npos)) {
        if (in_filter) break;
        fail("unexpected space after " + quote(key));
      }
      key += c;
      ++i_;
    }
    return key;
  }

  step parse_subscript() {
    ++i_;  // [
    if (peek() == '?') return parse_filter();
    auto end = s_.find(']', i_);
    if (end == std::string_view::npos) fail("unclosed [");
    auto inside = s_.substr(i_, end - i_);
    i_ = end + 1;
    if (inside == "*") return step::of(step::type::all);
    if (auto n = parse_int(inside)) return step::of(step::type::index, "", static_cast<long>(*n));
    if (inside.size() >= 2 && (inside.front() == '\'' || inside.front() == '"') &&
        inside.back() == inside.front())
      return step::of(step::type::key, std::string(inside.substr(1, inside.size() - 2)));
    fail("unsupported subscript [" + std::string(inside) + "]");
  }

  // [?(@.path)] or [?(@.path OP literal)]
  step parse_filter() {
    ++i_;  // ?
    if (peek() != '(') fail("expected ( after [?");
    ++i_;
    skip_spaces();
    if (peek() != '@') fail("a filter starts with @");
    ++i_;
    auto f = std::make_shared<filter>();
    f->left = parse_steps(true);
    skip_spaces();
    for (const char* op : {"==", "!=", "<=", ">=", "<", ">"})
      if (s_.substr(i_, std::string_view(op).size()) == op) {
        f->op = op;
        i_ += f->op.size();
        break;
      }
    if (!f->op.empty()) {
      skip_spaces();
      f->right_quoted = peek() == '\'' || peek() == '"';
      f->right = parse_literal();
      skip_spaces();
    }
    if (s_.substr(i_, 2) != ")]") fail("unclosed filter, expected )]");
    i_ += 2;
    return {step::type::filter, "", 0, std::move(f)};
  }

  // 'text', "text" or a bare word (a number, true, false).
  std::string parse_literal() {
    char q = peek();
    if (q == '\'' || q == '"') {
      auto end = s_.find(q, i_ + 1);
      if (end == std::string_view::npos) fail("unclosed quote in filter");
      std::string out(s_.substr(i_ + 1, end - i_ - 1));
      i_ = end + 1;
      return out;
    }
    size_t start = i_;
    while (!done() && peek() != ')' && !std::isspace(static_cast<unsigned char>(peek()))) ++i_;
    if (start == i_) fail("a filter needs a value after its operator");
    return std::string(s_.substr(start, i_ - start));
  }

  std::string_view s_;
  std::string_view tmpl_;
  size_t i_ = 0;
};

void walk(const node& at, const std::vector<step>& steps, size_t i, std::vector<const node*>& out);

std::string show(const node& n) {
  if (n.is_scalar()) return n.text();
  if (n.is_null()) return "";
  return codec::to_go_json(n);  // json.Marshal of a map, as kubectl
}

bool passes(const node& item, const filter& f) {
  std::vector<const node*> found;
  walk(item, f.left, 0, found);
  if (f.op.empty() || found.empty()) return !found.empty() && f.op.empty();
  std::string left = show(*found[0]);
  // A bare number compares by value; a quoted literal as text ('010' is not "10").
  auto a = f.right_quoted ? std::nullopt : parse_double(left);
  auto b = f.right_quoted ? std::nullopt : parse_double(f.right);
  int cmp = a && b ? (*a < *b ? -1 : *a > *b ? 1 : 0) : left.compare(f.right);
  if (f.op == "==") return cmp == 0;
  if (f.op == "!=") return cmp != 0;
  if (f.op == "<") return cmp < 0;
  if (f.op == ">") return cmp > 0;
  if (f.op == "<=") return cmp <= 0;
  return cmp >= 0;
}

void walk(const node& at, const std::vector<step>& steps, size_t i, std::vector<const node*>& out) {
  if (i == steps.size()) return out.push_back(&at);
  const step& s = steps[i];
  switch (s.t) {
    case step::type::all:
      if (at.is_list())
        for (auto& item : at.items()) walk(item, steps, i + 1, out);
      else if (at.is_map())
        for (auto& [k, v] : at.entries()) walk(v, steps, i + 1, out);
      return;
    case step::type::filter:
      if (at.is_list())
        for (auto& item : at.items())
          if (passes(item, *s.test)) walk(item, steps, i + 1, out);
      return;
    case step::type::index: {
      if (!at.is_list()) return;
      long n = static_cast<long>(at.items().size());
      long idx = s.index < 0 ? n + s.index : s.index;
      if (idx >= 0 && idx < n) walk(at.items()[static_cast<size_t>(idx)], steps, i + 1, out);
      return;
    }
    case step::type::key:
      if (!at.is_map()) return;
      if (auto* next = at.find(s.key)) walk(*next, steps, i + 1, out);
      return;
  }
}

// A piece of a template: literal text, a path to print, or a range block's start or end.
struct segment {
  enum class type { text, path, range, end } t = type::text;
  std::string text;
  std::vector<step> steps;
  bool from_root = false;  ///< `$...`: from the document, not range's current item
  size_t end = 0;          ///< a range: the index of its end

  static segment of(type t, std::string text = "") {
    segment s;
    s.t = t;
    s.text = std::move(text);
    return s;
  }
};

// The text of a `{"..."}` literal, with \n, \t, \r, \\ and \" read as in Go.
std::string string_literal(std::string_view inner, const parser& p) {
  if (inner.size() < 2 || inner.back() != '"')
    p.fail("unclosed string literal " + std::string(inner));
  std::string out;
  for (size_t i = 1; i + 1 < inner.size(); ++i) {
    char c = inner[i];
    if (c != '\\') {
      out += c;
      continue;
    }
    if (i + 2 >= inner.size()) p.fail("a string literal ends in \\");
    char e = inner[++i];
    out += e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r' : e;
  }
  return out;
}

// Where the `}` closing the `{` at `open` is: a `}` inside a quoted literal does not close.
size_t closing_brace(std::string_view tmpl, size_t open) {
  char quote_char = 0;
  for (size_t i = open + 1; i < tmpl.size(); ++i) {
    char c = tmpl[i];
    if (quote_char) {
      if (c == '\\')
        ++i;
      else if (c == quote_char)
        quote_char = 0;
    } else if (c == '"' || c == '\'') {
      quote_char = c;
    } else if (c == '}') {
      return i;
    }
  }
  return std::string_view::npos;
}

segment parse_action(std::string_view inner, std::string_view tmpl) {
  parser whole(inner, tmpl);
  if (inner.empty()) whole.fail("empty expression {}");
  if (inner.front() == '"') return segment::of(segment::type::text, string_literal(inner, whole));
  if (inner == "end") return segment::of(segment::type::end);
  auto s = segment::of(segment::type::path);
  if (starts_with(inner, "range ")) {
    s.t = segment::type::range;
    inner.remove_prefix(6);
    while (!inner.empty() && inner.front() == ' ') inner.remove_prefix(1);
  }
  s.from_root = !inner.empty() && inner.front() == '$';
  s.steps = parser(inner, tmpl).path();
  return s;
}

std::vector<segment> parse_template(std::string_view tmpl) {
  std::vector<segment> out;
  std::vector<size_t> open_ranges;
  size_t i = 0;
  while (i < tmpl.size()) {
    size_t open = tmpl.find('{', i);
    if (open == std::string_view::npos) open = tmpl.size();
    if (open > i) out.push_back(segment::of(segment::type::text, std::string(tmpl.substr(i, open - i))));
    if (open == tmpl.size()) break;
    size_t close = closing_brace(tmpl, open);
    if (close == std::string_view::npos) parser("", tmpl).fail("unclosed {");
    auto inner = trim(tmpl.substr(open + 1, close - open - 1));
    out.push_back(parse_action(inner, tmpl));
    if (out.back().t == segment::type::range) open_ranges.push_back(out.size() - 1);
    if (out.back().t == segment::type::end) {
      if (open_ranges.empty()) parser("", tmpl).fail("{end} without {range}");
      out[open_ranges.back()].end = out.size() - 1;
      open_ranges.pop_back();
    }
    i = close + 1;
  }
  if (!open_ranges.empty()) parser("", tmpl).fail("{range} without {end}");
  return out;
}

// What one piece of the template gives, as -o jsonpath-as-json prints it: kubectl's
// json.MarshalIndent of the piece's results as a list.
std::string as_json_list(const std::vector<const node*>& found) {
  node list = node::list();
  for (auto* n : found) list.push(codec::with_sorted_keys(*n));
  return codec::to_json_escaped(list, 4) + "\n";
}

void run(const std::vector<segment>& segs, size_t begin, size_t end, const node& current,
         const node& root, bool as_json, std::string& out) {
  for (size_t i = begin; i < end; ++i) {
    auto& s = segs[i];
    if (s.t == segment::type::text) {
      if (as_json) {
        node text = node::string(s.text);
        out += as_json_list({&text});
      } else {
        out += s.text;
      }
      continue;
    }
    std::vector<const node*> found;
    walk(s.from_root ? root : current, s.steps, 0, found);
    if (s.t == segment::type::range) {
      for (auto* n : found) run(segs, i + 1, s.end, *n, root, as_json, out);
      i = s.end;
      continue;
    }
    if (as_json) {
      out += as_json_list(found);
      continue;
    }
    std::vector<std::string> parts;
    for (auto* n : found) parts.push_back(show(*n));
    out += join(parts, " ");
  }
}

}  // namespace

std::string jsonpath(std::string_view tmpl, const node& root) {
  auto segs = parse_template(tmpl);
  std::string out;
  run(segs, 0, segs.size(), root, root, false, out);
  return out;
}

std::string jsonpath_as_json(std::string_view tmpl, const node& root) {
  auto segs = parse_template(tmpl);
  std::string out;
  run(segs, 0, segs.size(), root, root, true, out);
  return out;
}

std::vector<const node*> jsonpath_nodes(std::string_view expr, const node& root) {
  auto inner = trim(expr);
  if (inner.size() >= 2 && inner.front() == '{' && inner.back() == '}')
    inner = trim(inner.substr(1, inner.size() - 2));
  if (inner.empty()) parser("", expr).fail("empty expression");
  // kubectl's relaxed form: a path may leave out its leading dot.
  std::string text = inner.front() == '.' || inner.front() == '$' || inner.front() == '['
                         ? std::string(inner)
                         : "." + std::string(inner);
  auto steps = parser(text, expr).path();
  std::vector<const node*> found;
  walk(root, steps, 0, found);
  return found;
}

}  // namespace troupe::cli
