#pragma once
// Label selectors (equality- and set-based, the string form kubectl takes and the
// matchLabels/matchExpressions form objects carry) and field selectors.

#include <capnp/dynamic.h>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "schema/meta.capnp.h"

namespace troupe {

struct kind_info;

/// Looks up one label; nullopt when absent.
using label_lookup = std::function<std::optional<std::string_view>(std::string_view key)>;

struct label_requirement {
  enum class op { equals, not_equals, in, not_in, exists, does_not_exist, greater, less };
  std::string key;
  op operation = op::exists;
  std::vector<std::string> values;

  bool matches(const label_lookup& labels) const;
  std::string to_string() const;
};

struct field_error;

/// A LabelSelector as Kubernetes' ValidateLabelSelector checks it, each error at its own field
/// under `path` (matchLabels' keys and values; each expression's operator, key, values as label
/// values and their count).
std::vector<field_error> label_selector_errors(k8s::LabelSelector::Reader selector,
                                               const std::string& path);

class label_selector {
 public:
  /// The empty selector: matches everything.
  label_selector() = default;
  /// A selector that matches nothing (Kubernetes' nil selector).
  static label_selector nothing();
  /// Parses "a=b,c!=d,e in (x,y),f notin (z),g,!h,n>3"; throws api_error(bad_request) naming
  /// the offending requirement.
  static label_selector parse(std::string_view text);
  /// From an object's LabelSelector; throws api_error(invalid) with label_selector_errors.
  static label_selector from(k8s::LabelSelector::Reader selector);
  /// matchLabels only (Service.spec.selector and the like); empty map = everything.
  static label_selector from_map(capnp::List<k8s::StringEntry>::Reader labels);

  bool matches(const label_lookup& labels) const;
  bool matches(capnp::List<k8s::StringEntry>::Reader labels) const;
  bool matches(const std::map<std::string, std::string>& labels) const;

  bool empty() const { return !nothing_ && requirements_.empty(); }
  bool matches_nothing() const { return nothing_; }
  const std::vector<label_requirement>& requirements() const { return requirements_; }
  void add(label_requirement r) { requirements_.push_back(std::move(r)); }
  /// Canonical string form ("app=web,tier in (a,b)").
  std::string to_string() const;

 private:
  std::vector<label_requirement> requirements_;
  bool nothing_ = false;
};

struct field_requirement {
  std::string path;
  bool equals = true;  // false: "!="
  std::string value;
};

/// Field selectors: "metadata.name=x,spec.nodeName!=" over the fields a kind supports.
class field_selector {
 public:
  field_selector() = default;
  /// Parses and checks every path against `kind.field_labels`; throws api_error(bad_request).
  static field_selector parse(std::string_view text, const kind_info& kind);

  bool empty() const { return requirements_.empty(); }
  /// Evaluates against an object of the kind it was parsed for.
  bool matches(capnp::DynamicStruct::Reader object) const;
  /// The value a requirement on `path` demands, if the selector pins it ("spec.nodeName=x").
  std::optional<std::string> pinned(std::string_view path) const;
  const std::vector<field_requirement>& requirements() const { return requirements_; }
  std::string to_string() const;

 private:
  std::vector<field_requirement> requirements_;
};

/// The text of a scalar field at a dotted JSON path ("spec.nodeName", "status.phase"), as a
/// field selector compares it: enums by their Kubernetes spelling, unset as "".
std::string field_value(capnp::DynamicStruct::Reader object, std::string_view path);

}  // namespace troupe
