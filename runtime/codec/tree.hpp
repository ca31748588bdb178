#pragma once
// A document tree: what YAML and JSON parse into and print from, and what the object codec
// and patches work on. Maps keep their source order; scalars keep their text and whether they
// were quoted (a quoted "80" is a string, a plain 80 a number).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace troupe::codec {

class node {
 public:
  enum class kind : uint8_t { null, scalar, map, list };
  /// How a plain scalar resolves (YAML 1.2 core schema, plus 0644-style octal as kubectl reads).
  enum class scalar_type : uint8_t { null, boolean, integer, number, string };

  node() = default;
  static node null() { return node(); }
  /// A scalar that is a string whatever its text ("80" stays a string).
  static node string(std::string text, int line = 0);
  /// A scalar whose type follows from its text (80 is an integer, true a boolean).
  static node plain(std::string text, int line = 0);
  static node map(int line = 0);
  static node list(int line = 0);

  kind type() const { return kind_; }
  bool is_null() const { return kind_ == kind::null; }
  bool is_scalar() const { return kind_ == kind::scalar; }
  bool is_map() const { return kind_ == kind::map; }
  bool is_list() const { return kind_ == kind::list; }
  bool quoted() const { return quoted_; }
  int line() const { return line_; }
  void set_line(int line) { line_ = line; }

  const std::string& text() const { return text_; }
  /// The resolved type of a scalar (string for quoted ones).
  scalar_type resolve() const;
  std::optional<int64_t> as_integer() const;
  std::optional<bool> as_bool() const;

  // Maps
  const std::vector<std::pair<std::string, node>>& entries() const { return entries_; }
  std::vector<std::pair<std::string, node>>& entries() { return entries_; }
  const node* find(std::string_view key) const;
  node* find(std::string_view key);
  /// Replaces the value of `key`, or appends it.
  node& set(std::string key, node value);
  bool erase(std::string_view key);

  // Lists
  const std::vector<node>& items() const { return items_; }
  std::vector<node>& items() { return items_; }
  void push(node value) { items_.push_back(std::move(value)); }

  size_t size() const { return kind_ == kind::map ? entries_.size() : items_.size(); }
  /// Structural equality (lines ignored; scalars compare by text and resolved type, numbers
  /// by value).
  bool operator==(const node& other) const;
  bool operator!=(const node& other) const { return !(*this == other); }
  /// "mapping", "list", "null", "string \"x\"", "number 3", "boolean true": for messages.
  std::string describe() const;

 private:
  kind kind_ = kind::null;
  bool quoted_ = false;
  int line_ = 0;
  std::string text_;
  std::vector<std::pair<std::string, node>> entries_;
  std::vector<node> items_;
};

/// Parses an integer as YAML spells it: decimal, 0x hex, 0o or leading-zero octal.
std::optional<int64_t> parse_yaml_int(std::string_view text);

/// `n` with every map's keys in byte order, as kubectl prints objects (-o yaml|json, edit,
/// diff); list items keep their order.
node with_sorted_keys(node n);

/// A map's entries in key order, as Go prints and walks maps (JSONPath, templates), without
/// copying: the pointers are into `map`.
std::vector<std::pair<std::string_view, const node*>> sorted_entries(const node& map);

}  // namespace troupe::codec
