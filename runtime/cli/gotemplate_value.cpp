// How Go's fmt prints the values a Go template sees (see gotemplate_value.hpp).

#include "runtime/cli/gotemplate_value.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "runtime/base/text.hpp"

namespace troupe::cli::gotmpl {

using codec::node;

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

namespace {

std::string print_tree(const node& n) {
  if (n.is_map()) {
    std::string out = "map[";
    const char* gap = "";
    for (auto& [key, child] : codec::sorted_entries(n)) {
      out += gap + std::string(key) + ":" + print(value::of(child));
      gap = " ";
    }
    return out + "]";
  }
  std::string out = "[";
  for (size_t i = 0; i < n.items().size(); ++i) out += (i ? " " : "") + print(value::of(&n.items()[i]));
  return out + "]";
}

}  // namespace

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

namespace {

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

}  // namespace

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
            text.clear();
            append_utf8(text, static_cast<uint32_t>(a.integer));
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
        if (a.t == value::type::string) text = quote(a.string);  // strconv.Quote
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

}  // namespace troupe::cli::gotmpl
