// kubectl's -o go-template: Go's text/template run over the object as kubectl hands it over
// (JSON decoded into maps, lists, strings, float64 numbers, booleans and nil), with kubectl's
// two extra functions, `exists` and `base64decode`. The parser is gotemplate_syntax.cpp, the
// values and their printing gotemplate_value.cpp; here the template runs: fields, variables and
// their scopes, range over lists and maps (keys sorted), and the functions and, or (stopping
// at the argument that decides), not, len, index, print, printf, println, eq, ne, lt, le, gt,
// ge. Not covered (refused as Go refuses an unknown name): call, html, js, urlquery, slice.

#include <kj/encoding.h>

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "runtime/base/error.hpp"
#include "runtime/base/text.hpp"
#include "runtime/cli/gotemplate_syntax.hpp"
#include "runtime/cli/gotemplate_value.hpp"
#include "runtime/cli/printers.hpp"
#include "runtime/codec/json.hpp"

namespace troupe::cli {
namespace {

using codec::node;
using namespace gotmpl;

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

  static std::string sprint(const std::vector<value>& args, bool line) {
    std::string text;
    for (size_t i = 0; i < args.size(); ++i) {
      // Sprint puts spaces between operands when neither is a string; Sprintln always.
      bool space = i > 0 && (line || (args[i].t != value::type::string && args[i - 1].t != value::type::string));
      text += (space ? " " : "") + print(args[i]);
    }
    return line ? text + "\n" : text;
  }

  // Go's template.HTMLEscapeString.
  static std::string html_escape(const std::string& s) {
    std::string out;
    for (char c : s) {
      switch (c) {
        case '&': out += "&amp;"; break;
        case '\'': out += "&#39;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&#34;"; break;
        case '\0': out += "\xef\xbf\xbd"; break;  // U+FFFD
        default: out += c;
      }
    }
    return out;
  }

  // Go's template.JSEscapeString (what is above ASCII passes through as it is).
  static std::string js_escape(const std::string& s) {
    std::string out;
    for (unsigned char c : s) {
      switch (c) {
        case '\\': out += "\\\\"; break;
        case '\'': out += "\\'"; break;
        case '"': out += "\\\""; break;
        case '<': out += "\\u003C"; break;
        case '>': out += "\\u003E"; break;
        case '&': out += "\\u0026"; break;
        case '=': out += "\\u003D"; break;
        default:
          if (c < ' ') {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04X", c);
            out += buf;
          } else {
            out += static_cast<char>(c);
          }
      }
    }
    return out;
  }

  // Go's url.QueryEscape.
  static std::string query_escape(const std::string& s) {
    std::string out;
    for (unsigned char c : s) {
      if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
        out += static_cast<char>(c);
      } else if (c == ' ') {
        out += '+';
      } else {
        char buf[4];
        std::snprintf(buf, sizeof buf, "%%%02X", c);
        out += buf;
      }
    }
    return out;
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
    if (f == "print" || f == "println") return value::text(sprint(args, f == "println"));
    // text/template's escapers take their arguments as print does (one string as it is).
    if (f == "html") return value::text(html_escape(sprint(args, false)));
    if (f == "js") return value::text(js_escape(sprint(args, false)));
    if (f == "urlquery") return value::text(query_escape(sprint(args, false)));
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

void check_go_template(std::string_view tmpl) { parse_go_template(std::string(tmpl)); }

std::string go_template(std::string_view tmpl, const codec::node& root) {
  std::string text(tmpl);
  auto nodes = parse_go_template(text);
  std::string out;
  try {
    executor(text, root).run(nodes, value::of(&root), out);
  } catch (const exec_error& e) {
    size_t line_start = text.rfind('\n', e.at == 0 ? 0 : e.at - 1);
    line_start = line_start == std::string::npos ? 0 : line_start + 1;
    int line = 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(std::min(e.at, text.size())), '\n'));
    auto why = "template: output:" + std::to_string(line) + ":" + std::to_string(e.at - line_start) +
               ": executing \"output\" at <" + e.expr + ">: " + e.why;
    // kubectl's words, after what the template wrote before it failed.
    out += "Error executing template: " + why + ". Printing more information for debugging the template:\n";
    out += "\ttemplate was:\n\t\t" + text + "\n";
    out += "\traw data was:\n\t\t" + codec::to_go_json(root) + "\n";
    out += "\tobject given to template engine was:\n\t\t" + print(value::of(&root)) + "\n\n";
    throw template_failure("error executing template " + quote(text) + ": " + why, std::move(out));
  }
  return out;
}

}  // namespace troupe::cli
