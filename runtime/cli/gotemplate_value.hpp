#pragma once
// The values a Go template sees when kubectl hands it an object (JSON decoded into maps, lists,
// strings, float64 numbers, booleans and nil) and how Go's fmt prints them: `%v`, and Sprintf
// for the verbs templates use. Internal to the CLI.

#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "runtime/codec/tree.hpp"

namespace troupe::cli::gotmpl {

// What the template sees: kubectl decodes the object's JSON into Go values, so every number is
// a float64. Integers appear only as literals, indexes and function results. `missing` is Go's
// invalid value (a key that is not there); `nil` a JSON null.
struct value {
  enum class type { missing, nil, boolean, integer, floating, string, map, list } t = type::missing;
  bool boolean = false;
  int64_t integer = 0;
  double floating = 0;
  std::string string;
  const codec::node* tree = nullptr;  ///< map or list, inside the object
  /// Came out of a pipeline (a variable, `with`'s dot, a parenthesized group), so Go knows its
  /// concrete type; read straight from a map or list it is an `interface {}`.
  bool concrete = false;

  static value of(const codec::node* n) {
    value v;
    if (!n) return v;
    if (n->is_map()) return v.t = type::map, v.tree = n, v;
    if (n->is_list()) return v.t = type::list, v.tree = n, v;
    switch (n->is_null() ? codec::node::scalar_type::null : n->resolve()) {
      case codec::node::scalar_type::null: v.t = type::nil; break;
      case codec::node::scalar_type::boolean: v.t = type::boolean, v.boolean = n->as_bool().value_or(false); break;
      case codec::node::scalar_type::integer:
      case codec::node::scalar_type::number: v.t = type::floating, v.floating = std::strtod(n->text().c_str(), nullptr); break;
      case codec::node::scalar_type::string: v.t = type::string, v.string = n->text(); break;
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

/// Go's name of the value's type ("float64", "map[string]interface {}").
const char* go_type(const value& v);
/// fmt's %v ("1e+06", "map[a:b]", "[x y]", "<no value>", "<nil>").
std::string print(const value& v);
/// Go's %v of a float64 (1e+06, 123456, 0.5).
std::string go_float(double f);
/// Go's truth: false, 0, "", empty, nil and no value are false.
bool truth(const value& v);
/// fmt.Sprintf as templates call it (%v %s %d %b %o %x %X %c %f %e %g %q %t %T, flags, width,
/// precision), with Go's %!verb(type=value) for a mismatch.
std::string sprintf(const std::string& format, const std::vector<value>& args);

}  // namespace troupe::cli::gotmpl
