#include "runtime/codec/json.hpp"

#include <cstdio>
#include <cstdlib>

#include "runtime/base/error.hpp"
#include "runtime/base/text.hpp"

namespace troupe::codec {
namespace {

class parser {
 public:
  parser(std::string_view text, std::string_view source) : s_(text), source_(source) {}

  node parse_document() {
    node n = value(0);
    skip_space();
    if (pos_ != s_.size()) fail("unexpected text after the JSON value");
    return n;
  }

  std::vector<node> parse_stream() {
    std::vector<node> values;
    for (skip_space(); pos_ < s_.size(); skip_space()) values.push_back(value(0));
    return values;
  }

 private:
  std::string_view s_;
  std::string_view source_;
  size_t pos_ = 0;
  int line_ = 1;
  size_t line_start_ = 0;

  [[noreturn]] void fail(const std::string& why) {
    throw api_error(api_errc::bad_request, std::string(source_) + ": invalid JSON at line " +
                                               std::to_string(line_) + ", column " +
                                               std::to_string(pos_ - line_start_ + 1) + ": " + why);
  }

  void skip_space() {
    while (pos_ < s_.size()) {
      char c = s_[pos_];
      if (c == '\n') {
        ++line_;
        line_start_ = pos_ + 1;
      } else if (c != ' ' && c != '\t' && c != '\r') {
        break;
      }
      ++pos_;
    }
  }

  node value(int depth) {
    if (depth > 512) fail("nesting too deep");
    skip_space();
    if (pos_ >= s_.size()) fail("unexpected end of input");
    char c = s_[pos_];
    int line = line_;
    if (c == '{') return object(depth, line);
    if (c == '[') return array(depth, line);
    if (c == '"') return node::string(string(), line);
    if (starts_with(s_.substr(pos_), "true")) return literal("true", line);
    if (starts_with(s_.substr(pos_), "false")) return literal("false", line);
    if (starts_with(s_.substr(pos_), "null")) {
      pos_ += 4;
      node n;
      n.set_line(line);
      return n;
    }
    if (c == '-' || (c >= '0' && c <= '9')) return number(line);
    fail(std::string("unexpected character '") + c + "'");
  }

  node literal(std::string_view word, int line) {
    pos_ += word.size();
    return node::plain(std::string(word), line);
  }

  node number(int line) {
    size_t start = pos_;
    if (s_[pos_] == '-') ++pos_;
    auto digits = [&] {
      size_t from = pos_;
      while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') ++pos_;
      return pos_ > from;
    };
    if (!digits()) fail("bad number");
    if (pos_ < s_.size() && s_[pos_] == '.') {
      ++pos_;
      if (!digits()) fail("bad number");
    }
    if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
      ++pos_;
      if (pos_ < s_.size() && (s_[pos_] == '+' || s_[pos_] == '-')) ++pos_;
      if (!digits()) fail("bad number");
    }
    std::string text(s_.substr(start, pos_ - start));
    // JSON has no octal: "0644" cannot occur, but keep "-0" and "0" plain.
    return node::plain(text, line);
  }

  uint32_t hex4() {
    if (pos_ + 4 > s_.size()) fail("bad \\u escape");
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      char c = s_[pos_++];
      v <<= 4;
      if (c >= '0' && c <= '9') v |= c - '0';
      else if (c >= 'a' && c <= 'f') v |= c - 'a' + 10;
      else if (c >= 'A' && c <= 'F') v |= c - 'A' + 10;
      else fail("bad \\u escape");
    }
    return v;
  }

  std::string string() {
    ++pos_;  // opening quote
    std::string out;
    while (true) {
      if (pos_ >= s_.size()) fail("unterminated string");
      char c = s_[pos_++];
      if (c == '"') return out;
      if (static_cast<unsigned char>(c) < 0x20) fail("control character in string");
      if (static_cast<unsigned char>(c) >= 0x80) {
        // As Go's decoder: each byte that does not begin a UTF-8 sequence becomes U+FFFD, so
        // nothing stored from JSON is text no client can read.
        auto [cp, len] = decode_utf8(s_, pos_ - 1);
        if (len == 0) {
          append_utf8(out, 0xFFFD);
        } else {
          out.append(s_.substr(pos_ - 1, len));
          pos_ += len - 1;
        }
        continue;
      }
      if (c != '\\') {
        out += c;
        continue;
      }
      if (pos_ >= s_.size()) fail("unterminated string");
      char e = s_[pos_++];
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          uint32_t cp = hex4();
          if (cp >= 0xD800 && cp < 0xE000) {
            // A surrogate makes a code point only with the low half right after it; alone it
            // is U+FFFD, and what follows is read on its own, as Go's decoder does.
            size_t after = pos_;
            uint32_t low = 0;
            if (cp < 0xDC00 && pos_ + 6 <= s_.size() && s_[pos_] == '\\' && s_[pos_ + 1] == 'u') {
              pos_ += 2;
              low = hex4();
            }
            if (low >= 0xDC00 && low < 0xE000) {
              cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
            } else {
              cp = 0xFFFD;
              pos_ = after;
            }
          }
          append_utf8(out, cp);
          break;
        }
        default: fail(std::string("bad escape \\") + e);
      }
    }
  }

  node object(int depth, int line) {
    ++pos_;
    node n = node::map(line);
    skip_space();
    if (pos_ < s_.size() && s_[pos_] == '}') {
      ++pos_;
      return n;
    }
    while (true) {
      skip_space();
      if (pos_ >= s_.size() || s_[pos_] != '"') fail("expected a string key");
      std::string key = string();
      if (n.find(key)) fail("duplicate key " + quote(key));
      skip_space();
      if (pos_ >= s_.size() || s_[pos_] != ':') fail("expected ':'");
      ++pos_;
      n.entries().emplace_back(std::move(key), value(depth + 1));
      skip_space();
      if (pos_ < s_.size() && s_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (pos_ < s_.size() && s_[pos_] == '}') {
        ++pos_;
        return n;
      }
      fail("expected ',' or '}'");
    }
  }

  node array(int depth, int line) {
    ++pos_;
    node n = node::list(line);
    skip_space();
    if (pos_ < s_.size() && s_[pos_] == ']') {
      ++pos_;
      return n;
    }
    while (true) {
      n.push(value(depth + 1));
      skip_space();
      if (pos_ < s_.size() && s_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (pos_ < s_.size() && s_[pos_] == ']') {
        ++pos_;
        return n;
      }
      fail("expected ',' or ']'");
    }
  }
};

void write_string(std::string& out, const std::string& s) {
  out += '"';
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;  // as Go 1.22's encoder, where older ones wrote \u0008
      case '\f': out += "\\f"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
}

void write_scalar(std::string& out, const node& n) {
  switch (n.resolve()) {
    case node::scalar_type::null: out += "null"; return;
    case node::scalar_type::boolean: out += *n.as_bool() ? "true" : "false"; return;
    case node::scalar_type::integer: out += std::to_string(*n.as_integer()); return;
    case node::scalar_type::number: {
      char* end = nullptr;
      double d = std::strtod(n.text().c_str(), &end);
      char buf[32];
      snprintf(buf, sizeof buf, "%.17g", d);
      out += buf;
      return;
    }
    case node::scalar_type::string: write_string(out, n.text()); return;
  }
}

void write(std::string& out, const node& n, int indent, int depth) {
  auto newline = [&](int d) {
    if (indent == 0) return;
    out += '\n';
    out.append(static_cast<size_t>(indent * d), ' ');
  };
  switch (n.type()) {
    case node::kind::null: out += "null"; return;
    case node::kind::scalar: write_scalar(out, n); return;
    case node::kind::map: {
      if (n.size() == 0) {
        out += "{}";
        return;
      }
      out += '{';
      bool first = true;
      for (auto& [k, v] : n.entries()) {
        if (!first) out += ',';
        first = false;
        newline(depth + 1);
        write_string(out, k);
        out += indent ? ": " : ":";
        write(out, v, indent, depth + 1);
      }
      newline(depth);
      out += '}';
      return;
    }
    case node::kind::list: {
      if (n.size() == 0) {
        out += "[]";
        return;
      }
      out += '[';
      bool first = true;
      for (auto& item : n.items()) {
        if (!first) out += ',';
        first = false;
        newline(depth + 1);
        write(out, item, indent, depth + 1);
      }
      newline(depth);
      out += ']';
      return;
    }
  }
}

}  // namespace

node parse_json(std::string_view text, std::string_view source) {
  return parser(text, source).parse_document();
}

std::vector<node> parse_json_stream(std::string_view text, std::string_view source) {
  return parser(text, source).parse_stream();
}

std::string to_json(const node& root, int indent) {
  std::string out;
  write(out, root, indent, 0);
  return out;
}

std::string to_go_json(const node& root) { return to_json_escaped(with_sorted_keys(root)); }

std::string to_json_escaped(const node& root, int indent) {
  auto json = to_json(root, indent);
  // <, >, & and U+2028/U+2029 stand only inside strings, so escaping them keeps the meaning.
  std::string out;
  out.reserve(json.size());
  for (size_t i = 0; i < json.size(); ++i) {
    char c = json[i];
    if (c == '<') out += "\\u003c";
    else if (c == '>') out += "\\u003e";
    else if (c == '&') out += "\\u0026";
    else if (c == '\xe2' && i + 2 < json.size() && json[i + 1] == '\x80' && (json[i + 2] == '\xa8' || json[i + 2] == '\xa9'))
      out += json[i += 2] == '\xa8' ? "\\u2028" : "\\u2029";
    else out += c;
  }
  return out;
}

}  // namespace troupe::codec
