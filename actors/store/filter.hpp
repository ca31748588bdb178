#pragma once
// What one watch selects, and what it sees of each change. Plain data and functions, no CAF.
//
// A watch with label or field selectors sees changes as Kubernetes' watch cache presents them:
// an object that starts to match arrives as ADDED, one that stops matching leaves as DELETED.

#include <optional>
#include <string>
#include <string_view>

#include "runtime/object/kinds.hpp"
#include "runtime/object/object.hpp"
#include "runtime/object/selector.hpp"
#include "runtime/store/engine.hpp"

namespace troupe {

class watch_filter {
 public:
  /// Throws api_error(bad_request) for a malformed selector.
  static watch_filter make(const kind_info& kind, const std::string& ns,
                           std::string_view label_selector, std::string_view field_selector);

  const std::string& prefix() const { return prefix_; }
  bool covers(std::string_view key) const {
    return key.compare(0, prefix_.size(), prefix_) == 0;
  }
  bool selects() const { return !labels_.empty() || !fields_.empty() || owned_only_; }
  /// See watch_request::owned_only.
  void only_owned() { owned_only_ = true; }
  bool owned_only() const { return owned_only_; }
  /// The value the field selector demands for `path` ("spec.nodeName=n1" -> "n1"), if any.
  std::optional<std::string> pinned(std::string_view path) const { return fields_.pinned(path); }
  const kind_info* kind() const { return kind_; }
  bool matches(object_reader& object) const;

 private:
  const kind_info* kind_ = nullptr;
  std::string prefix_;
  label_selector labels_;
  field_selector fields_;
  bool owned_only_ = false;
};

/// The event a watcher with `filter` sees for a change of an object whose key it covers, or
/// nothing. `before` is the replaced version of a MODIFIED object when still known.
std::optional<store::event_type> visible_as(const watch_filter& filter, store::event_type type,
                                            std::string_view object,
                                            std::optional<std::string_view> before);

}  // namespace troupe
