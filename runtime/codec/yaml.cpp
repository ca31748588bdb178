#include "runtime/codec/yaml.hpp"

#include <yaml-cpp/yaml.h>

#include <cctype>

#include "runtime/base/error.hpp"
#include "runtime/base/text.hpp"

namespace troupe::codec {
namespace {

int line_of(const YAML::Node& y) {
  auto mark = y.Mark();
  return mark.is_null() ? 0 : mark.line + 1;
}

node convert(const YAML::Node& y, std::string_view source) {
  int line = line_of(y);
  switch (y.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null: {
      node n = node::null();
      n.set_line(line);
      return n;
    }
    case YAML::NodeType::Scalar:
      // yaml-cpp tags quoted and block scalars "!", plain ones "?".
      return y.Tag() == "!" ? node::string(y.Scalar(), line) : node::plain(y.Scalar(), line);
    case YAML::NodeType::Sequence: {
      node n = node::list(line);
      for (const auto& item : y) n.push(convert(item, source));
      return n;
    }
    case YAML::NodeType::Map: {
      node n = node::map(line);
      for (auto it = y.begin(); it != y.end(); ++it) {
        if (!it->first.IsScalar())
          throw api_error(api_errc::bad_request,
                          std::string(source) + ": line " + std::to_string(line_of(it->first)) +
                              ": mapping keys must be scalars");
        const std::string& key = it->first.Scalar();
        if (n.find(key))
          throw api_error(api_errc::bad_request,
                          std::string(source) + ": line " + std::to_string(line_of(it->first)) +
                              ": duplicate key " + quote(key));
        n.entries().emplace_back(key, convert(it->second, source));
      }
      return n;
    }
  }
  return node::null();
}

// ---- emitter ---------------------------------------------------------------------------------

// YAML 1.1 readers (Go's among them) take `2026-01-02` and `2026-01-02T03:04:05Z` as
// timestamps, so kubectl quotes them: four digits, then -M(M)-D(D), then the end or a time.
bool looks_like_timestamp(const std::string& s) {
  auto digits = [&](size_t at, size_t min, size_t max) {
    size_t n = 0;
    while (at + n < s.size() && n < max && std::isdigit(static_cast<unsigned char>(s[at + n]))) ++n;
    return n >= min ? n : 0;
  };
  if (digits(0, 4, 4) == 0 || s.size() < 8 || s[4] != '-') return false;
  size_t month = digits(5, 1, 2);
  if (month == 0 || 5 + month >= s.size() || s[5 + month] != '-') return false;
  size_t at = 6 + month, day = digits(at, 1, 2);
  if (day == 0) return false;
  at += day;
  return at == s.size() || s[at] == 'T' || s[at] == 't' || s[at] == ' ' || s[at] == '\t';
}

enum class quoting { none, single, double_ };

// How kubectl's YAML printer (go-yaml) writes a string: in double quotes when plain it would
// read as another type (a number, a boolean, null, a timestamp) or it holds control
// characters; in single quotes when only YAML's syntax stops it being plain (a leading `*`,
// `: ` inside, edge spaces); else plain.
quoting quoting_of(const std::string& s) {
  if (s.empty()) return quoting::double_;
  if (looks_like_timestamp(s)) return quoting::double_;
  if (node::plain(s).resolve() != node::scalar_type::string) return quoting::double_;
  // YAML 1.1 readers (Go's among them) take these as booleans.
  static const char* words[] = {"y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO",
                                "on", "On", "ON", "off", "Off", "OFF"};
  for (auto w : words)
    if (s == w) return quoting::double_;
  // YAML 1.1 numbers with digit separators (1_000) or in base 60 (1:20): Go's and Python's
  // readers take some of them for integers.
  bool numeric = s.find_first_not_of("+-0123456789_:.") == std::string::npos &&
                 s.find_first_of("0123456789") != std::string::npos;
  if (numeric && s.find_first_of("_:") != std::string::npos) return quoting::double_;
  for (unsigned char c : s)
    if (c < 0x20 || c == 0x7f) return quoting::double_;
  static const std::string indicators = "-?:,[]{}#&*!|>'\"%@`";
  if (indicators.find(s[0]) != std::string::npos && !(s[0] == '-' && s.size() > 1 && s[1] != ' '))
    return quoting::single;
  if (s.front() == ' ' || s.back() == ' ') return quoting::single;
  if (s.find(": ") != std::string::npos || s.find(" #") != std::string::npos) return quoting::single;
  if (s.back() == ':') return quoting::single;
  return quoting::none;
}

bool needs_quotes(const std::string& s) { return quoting_of(s) != quoting::none; }


std::string double_quoted(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      // go-yaml's escapes, so a value prints as kubectl prints it.
      case '\0': out += "\\0"; break;
      case '\a': out += "\\a"; break;
      case '\b': out += "\\b"; break;
      case '\v': out += "\\v"; break;
      case '\f': out += "\\f"; break;
      case 0x1b: out += "\\e"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buf[8];
          snprintf(buf, sizeof buf, "\\x%02X", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

std::string single_quoted(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

// `s` as a plain, single- or double-quoted scalar, as go-yaml would write it.
std::string yaml_string(const std::string& s) {
  switch (quoting_of(s)) {
    case quoting::none: return s;
    case quoting::single: return single_quoted(s);
    case quoting::double_: break;
  }
  return double_quoted(s);
}

// A literal block keeps multi-line text (scripts, config files) readable.
bool fits_literal_block(const std::string& s) {
  if (s.find('\n') == std::string::npos) return false;
  for (unsigned char c : s)
    if ((c < 0x20 && c != '\n') || c == 0x7f) return false;
  for (auto& line : split(s, '\n'))
    if (!line.empty() && (line.back() == ' ' || line.front() == ' ')) return false;
  return s.front() != '\n';
}

class emitter {
 public:
  std::string out;

  void scalar_inline(const node& n) {
    if (n.is_null()) {
      out += "null";
      return;
    }
    const std::string& s = n.text();
    out += n.quoted() ? yaml_string(s) : s;
  }

  void literal_block(const std::string& s, int indent) {
    bool trailing_newline = !s.empty() && s.back() == '\n';
    bool extra = trailing_newline && s.size() > 1 && s[s.size() - 2] == '\n';
    out += trailing_newline ? (extra ? "|+" : "|") : "|-";
    out += "\n";
    auto lines = split(trailing_newline ? std::string_view(s).substr(0, s.size() - 1) : s, '\n');
    for (auto& line : lines) {
      if (!line.empty()) out += std::string(indent, ' ') + line;
      out += "\n";
    }
  }

  // Writes the value after "key:" (or after "- "), ending with a newline.
  void value(const node& n, int indent) {
    if (n.is_map() && n.size() > 0) {
      out += "\n";
      map_body(n, indent);
    } else if (n.is_list() && n.size() > 0) {
      out += "\n";
      list_body(n, indent - 2 < 0 ? 0 : indent - 2);
    } else if (n.is_map()) {
      out += " {}\n";
    } else if (n.is_list()) {
      out += " []\n";
    } else if (n.is_scalar() && n.quoted() && fits_literal_block(n.text())) {
      out += " ";
      literal_block(n.text(), indent);
    } else {
      out += " ";
      scalar_inline(n);
      out += "\n";
    }
  }

  void key(const std::string& k) {
    if (needs_quotes(k)) out += yaml_string(k);
    else out += k;
    out += ":";
  }

  void map_body(const node& n, int indent, bool first_inline = false) {
    bool first = true;
    for (auto& [k, v] : n.entries()) {
      if (!(first && first_inline)) out += std::string(indent, ' ');
      first = false;
      key(k);
      value(v, indent + 2);
    }
  }

  // Lists under a key sit at the key's indentation, as kubectl prints them.
  void list_body(const node& n, int indent) {
    for (auto& item : n.items()) {
      out += std::string(indent, ' ') + "-";
      if (item.is_map() && item.size() > 0) {
        out += " ";
        map_body(item, indent + 2, true);
      } else if (item.is_list() && item.size() > 0) {
        out += "\n";
        list_body(item, indent + 2);
      } else {
        value(item, indent + 2);
      }
    }
  }
};

}  // namespace

std::vector<yaml_document> parse_yaml(std::string_view text, std::string_view source) {
  std::vector<YAML::Node> docs;
  try {
    docs = YAML::LoadAll(std::string(text));
  } catch (const YAML::Exception& e) {
    throw api_error(api_errc::bad_request,
                    std::string(source) + ": invalid YAML at line " +
                        std::to_string(e.mark.line + 1) + ", column " +
                        std::to_string(e.mark.column + 1) + ": " + e.msg);
  }
  std::vector<yaml_document> out;
  for (size_t i = 0; i < docs.size(); ++i) {
    yaml_document d;
    d.index = static_cast<int>(i + 1);
    d.line = line_of(docs[i]);
    d.root = convert(docs[i], source);
    out.push_back(std::move(d));
  }
  return out;
}

std::string to_yaml(const node& root) {
  emitter e;
  if (root.is_map() && root.size() > 0) {
    e.map_body(root, 0);
  } else if (root.is_list() && root.size() > 0) {
    e.list_body(root, 0);
  } else {
    std::string s;
    e.value(root, 0);
    // value() writes a leading space for inline scalars.
    return e.out.substr(e.out.empty() || e.out[0] != ' ' ? 0 : 1);
  }
  return e.out;
}

}  // namespace troupe::codec
