// kubectl's JSONPath templates, read as client-go's parser reads them: `{.a.b}`, `{.items[*].x}`,
// indexes and slices (`[0]`, `[-1]`, `[1:3]`, `[::2]`), `.*` and `[*]`, recursive descent
// (`{..image}`), unions (`[0,2]`, `['metadata.name','kind']`), `['key']` (a path: `['tls\.crt']`
// is the key tls.crt, `['a.b']` is a then b, as in kubectl), escaped dots (`{.data.tls\.crt}`),
// `@` (the current object), literals (`{"\n"}`, `{'\t'}`), `{range EXPR}...{end}` and filters
// (`[?(@.name=='x')]`, ==, !=, <, >, <=, >=, and `[?(@.x)]` for existence). A template it cannot
// read is an error naming the template, never empty output; an index out of a list's bounds
// is kubectl's error while printing.

#include <array>
#include <cctype>
#include <cstdlib>
#include <limits>
#include <memory>

#include "runtime/base/error.hpp"
#include "runtime/base/text.hpp"
#include "runtime/cli/gotemplate_value.hpp"
#include "runtime/cli/printers.hpp"
#include "runtime/codec/json.hpp"

namespace troupe::cli {
namespace {

using codec::node;

struct filter;

// One step of a path: a key, a slice of a list, every child ([*] or .*), a filter over a
// list's items, every node below (..), or a union of paths.
struct step {
  enum class type { key, slice, all, filter, recursive, union_of } t = type::key;
  std::string key;
  // A slice as kubectl keeps it, [start:end:step] each given or not; an index [i] is the slice
  // [i:i+1] with its end derived from its start (so [-1] is the last item).
  std::array<long, 3> params{};
  std::array<bool, 3> given{};
  bool end_derived = false;
  std::shared_ptr<const filter> test;
  std::vector<std::vector<step>> alternatives;

  static step of(type t, std::string key = "") {
    step s;
    s.t = t;
    s.key = std::move(key);
    return s;
  }
};

struct filter {
  std::vector<step> left;  ///< after `@`
  std::string op;          ///< "" tests existence
  std::string right;       ///< the literal compared with
  bool right_quoted = false;  ///< 'text': compared as text even when it looks like a number
};

// What a template that reads fails with as it runs (kubectl's words, without its prefix).
struct execution_error {
  std::string why;
};

class parser {
 public:
  parser(std::string_view text, std::string_view tmpl) : s_(text), tmpl_(tmpl) {}

  [[noreturn]] void fail(const std::string& why) const {
    throw api_error(api_errc::bad_request,
                    "error parsing jsonpath " + std::string(tmpl_) + ": " + why);
  }

  /// A whole expression: `$` or `@` first or not, then steps, to the end.
  std::vector<step> path() {
    if (peek() == '$' || peek() == '@') ++i_;
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
        if (peek() == '.') {
          ++i_;
          if (peek() == '.' || (!steps.empty() && steps.back().t == step::type::recursive))
            fail("invalid multiple recursive descent");
          steps.push_back(step::of(step::type::recursive));
          if (peek() == '[' || done()) continue;
        }
        push_key(steps, in_filter);
      } else if (peek() == '[') {
        for (auto& s : parse_subscript()) steps.push_back(std::move(s));
      } else if (in_filter) {
        break;
      } else {
        fail("unexpected " + std::string(1, peek()));
      }
    }
    return steps;
  }

  // A key after `.`, up to the next unescaped `.` or `[` (`\.` is a dot within the key); a bare
  // `*` is every child.
  void push_key(std::vector<step>& steps, bool in_filter) {
    std::string key;
    bool escaped = false;
    while (!done()) {
      char c = peek();
      if (c == '\\' && i_ + 1 < s_.size()) {
        key += s_[i_ + 1];
        escaped = true;
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
    if (key == "*" && !escaped)
      steps.push_back(step::of(step::type::all));
    else if (!key.empty())
      steps.push_back(step::of(step::type::key, key));
  }

  std::vector<step> parse_subscript() {
    ++i_;  // [
    if (peek() == '?') return {parse_filter()};
    auto end = s_.find(']', i_);
    if (end == std::string_view::npos) fail("unclosed [");
    auto inside = s_.substr(i_, end - i_);
    i_ = end + 1;
    if (inside == "*") return {step::of(step::type::all)};
    if (inside.find(',') != std::string_view::npos) {
      step u = step::of(step::type::union_of);
      for (auto& part : split(inside, ','))
        u.alternatives.push_back(sub_path("[" + std::string(trim(part)) + "]"));
      return {u};
    }
    // ['key'] is the path .key, as kubectl reads it ("key" too, which kubectl refuses).
    if (inside.size() >= 2 && (inside.front() == '\'' || inside.front() == '"') &&
        inside.back() == inside.front() &&
        inside.find(inside.front(), 1) == inside.size() - 1)
      return sub_path("." + std::string(inside.substr(1, inside.size() - 2)));
    return {parse_slice(inside)};
  }

  std::vector<step> sub_path(const std::string& text) {
    auto steps = parser(text, tmpl_).path();
    return steps;
  }

  // [i], [start:end], [start:end:step], each part optional, as kubectl's
  // ^(-?\d*)(:-?\d*)?(:-?\d*)?$.
  step parse_slice(std::string_view inside) {
    auto parts = split(inside, ':');
    if (parts.size() > 3) fail("invalid array index " + std::string(inside));
    step s = step::of(step::type::slice);
    for (size_t i = 0; i < parts.size(); ++i) {
      if (parts[i].empty()) continue;
      auto n = parse_int(parts[i]);
      if (!n || parts[i][0] == '+') fail("invalid array index " + std::string(inside));
      s.params[i] = static_cast<long>(*n);
      s.given[i] = true;
    }
    if (parts.size() == 1) {  // [i]: the end is i + 1 (not past the largest long: no item is there)
      s.params[1] = s.params[0] < std::numeric_limits<long>::max() ? s.params[0] + 1 : s.params[0];
      s.given[1] = s.end_derived = true;
    }
    return s;
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
    step out = step::of(step::type::filter);
    out.test = std::move(f);
    return out;
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

std::string show(const node& n) {
  if (n.is_scalar()) return n.text();
  if (n.is_null()) return "";
  return codec::to_go_json(n);  // json.Marshal of a map, as kubectl
}

// Evaluates steps as client-go does: each step over every node the previous one gave, so a
// union gives all of its first path's results before its second's; a map's children in key
// order. `strict`: an index out of a list's bounds is kubectl's error, as when printing;
// otherwise it selects nothing (a filter's left side, sorting, waiting).
class walker {
 public:
  explicit walker(bool strict) : strict_(strict) {}

  std::vector<const node*> eval(std::vector<const node*> nodes, const std::vector<step>& steps) const {
    for (auto& s : steps) nodes = apply(nodes, s);
    return nodes;
  }

 private:
  std::vector<const node*> apply(const std::vector<const node*>& input, const step& s) const {
    std::vector<const node*> out;
    switch (s.t) {
      case step::type::all:
        for (auto* at : input) children(*at, out);
        break;
      case step::type::recursive:
        for (auto* at : input) descend(*at, out);
        break;
      case step::type::union_of:
        for (auto& alternative : s.alternatives)
          for (auto* n : eval(input, alternative)) out.push_back(n);
        break;
      case step::type::filter:
        for (auto* at : input)
          if (at->is_list())
            for (auto& item : at->items())
              if (passes(item, *s.test)) out.push_back(&item);
        break;
      case step::type::slice:
        for (auto* at : input)
          if (at->is_list()) slice(*at, s, out);
        break;
      case step::type::key:
        for (auto* at : input)
          if (at->is_map())
            if (auto* next = at->find(s.key)) out.push_back(next);
        break;
    }
    return out;
  }

  static void children(const node& at, std::vector<const node*>& out) {
    if (at.is_list())
      for (auto& item : at.items()) out.push_back(&item);
    else if (at.is_map())
      for (auto& [key, value] : codec::sorted_entries(at)) out.push_back(value);
  }

  // The node and every node below it that has children, depth first, as kubectl's `..`.
  static void descend(const node& at, std::vector<const node*>& out) {
    if ((at.is_map() || at.is_list()) && at.size() > 0) {
      out.push_back(&at);
      std::vector<const node*> below;
      children(at, below);
      for (auto* n : below) descend(*n, out);
    }
  }

  // client-go's evalArray: bounds as it checks them, with its words.
  void slice(const node& list, const step& s, std::vector<const node*>& out) const {
    long length = static_cast<long>(list.items().size());
    long start = s.given[0] ? s.params[0] : 0;
    if (start < 0) start += length;
    long end = s.given[1] ? s.params[1] : length;
    if (s.given[1] && (end < 0 || (end == 0 && s.end_derived))) end += length;
    if (end == start && !s.end_derived) return;  // zero items asked for: no error
    auto fail = [&](std::string why) {
      if (strict_) throw execution_error{std::move(why)};
    };
    if (start >= length || start < 0)
      return fail("array index out of bounds: index " + std::to_string(start) + ", length " +
                  std::to_string(length));
    if (end > length || end < 0)
      return fail("array index out of bounds: index " + std::to_string(end - 1) + ", length " +
                  std::to_string(length));
    if (start > end)
      return fail("starting index " + std::to_string(start) + " is greater than ending index " +
                  std::to_string(end));
    long stride = s.given[2] ? s.params[2] : 1;
    if (stride <= 0) return fail("step must be > 0");
    // Counted from 0, as Go over the sliced list: start + k never passes end.
    for (long k = 0; k < end - start; k += stride)
      out.push_back(&list.items()[static_cast<size_t>(start + k)]);
  }

  // A filter's left side never fails: an item it cannot read is an item that does not pass.
  static bool passes(const node& item, const filter& f) {
    auto found = walker(false).eval({&item}, f.left);
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

  bool strict_;
};

// Go's %#v of what kubectl hands its JSONPath engine (an object decoded into interface{}
// values), for the dump after a failure: map[string]interface {}{"k":v, ...} with keys sorted.
std::string go_syntax(const node& n) {
  if (n.is_map()) {
    std::string out = "map[string]interface {}{";
    const char* gap = "";
    for (auto& [key, value] : codec::sorted_entries(n)) {
      out += gap + quote(key) + ":" + go_syntax(*value);
      gap = ", ";
    }
    return out + "}";
  }
  if (n.is_list()) {
    std::string out = "[]interface {}{";
    for (size_t i = 0; i < n.items().size(); ++i) out += (i ? ", " : "") + go_syntax(n.items()[i]);
    return out + "}";
  }
  if (n.is_null()) return "interface {}(nil)";
  switch (n.resolve()) {
    case node::scalar_type::string: return quote(n.text());
    case node::scalar_type::number: return gotmpl::go_float(std::strtod(n.text().c_str(), nullptr));
    default: return n.text();  // integers (int64), true, false
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

// The text of a `{"..."}` or `{'...'}` literal, with \n, \t, \r, \\ and \" read as in Go.
std::string string_literal(std::string_view inner, const parser& p) {
  if (inner.size() < 2 || inner.back() != inner.front())
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
  if (inner.front() == '"' || inner.front() == '\'')
    return segment::of(segment::type::text, string_literal(inner, whole));
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
         const node& root, const walker& evaluate, bool as_json, std::string& out) {
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
    auto found = evaluate.eval({s.from_root ? &root : &current}, s.steps);
    if (s.t == segment::type::range) {
      for (auto* n : found) run(segs, i + 1, s.end, *n, root, evaluate, as_json, out);
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

// Runs a template. A failure is kubectl's error, its debugging dump included (kubectl's
// JSONPath printer puts it in the error), and nothing printed: kubectl finds every result
// before it prints one.
std::string execute(std::string_view tmpl, const node& root, bool as_json, bool strict) {
  auto segs = parse_template(tmpl);
  std::string out;
  try {
    run(segs, 0, segs.size(), root, root, walker(strict), as_json, out);
  } catch (const execution_error& e) {
    std::string t(tmpl);
    throw template_failure("error executing jsonpath " + quote(t) + ": Error executing template: " +
                               e.why + ". Printing more information for debugging the template:\n" +
                               "\ttemplate was:\n\t\t" + t + "\n" +
                               "\tobject given to jsonpath engine was:\n\t\t" + go_syntax(root) +
                               "\n\n",
                           "");
  }
  return out;
}

}  // namespace

std::string jsonpath(std::string_view tmpl, const node& root, bool strict) {
  return execute(tmpl, root, false, strict);
}

std::string jsonpath_as_json(std::string_view tmpl, const node& root) {
  return execute(tmpl, root, true, true);
}

std::vector<const node*> jsonpath_nodes(std::string_view expr, const node& root, bool strict) {
  auto inner = trim(expr);
  if (inner.size() >= 2 && inner.front() == '{' && inner.back() == '}')
    inner = trim(inner.substr(1, inner.size() - 2));
  if (inner.empty()) parser("", expr).fail("empty expression");
  // kubectl's relaxed form: a path may leave out its leading dot.
  std::string text = inner.front() == '.' || inner.front() == '$' || inner.front() == '['
                         ? std::string(inner)
                         : "." + std::string(inner);
  auto steps = parser(text, expr).path();
  try {
    return walker(strict).eval({&root}, steps);
  } catch (const execution_error& e) {
    throw api_error(api_errc::bad_request, e.why);
  }
}

}  // namespace troupe::cli
