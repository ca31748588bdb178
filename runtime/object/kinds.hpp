#pragma once
// The kinds troupe serves, read from the `$resource` annotation on each schema struct. A registry
// is a plain value built by builtin_kinds() and passed to whoever needs it (no global table).

#include <capnp/schema.h>

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/codec/wire_check.hpp"

namespace troupe {

/// One served kind: its group/version/kind, REST names and schema.
struct kind_info {
  std::string group;      ///< "" for core
  std::string version;    ///< "v1"
  std::string kind;       ///< "Deployment"
  std::string plural;     ///< "deployments"
  std::string singular;   ///< "deployment"
  std::vector<std::string> short_names;
  std::vector<std::string> categories;
  std::vector<std::string> field_labels;  ///< paths a field selector may name
  bool namespaced = true;
  bool tracks_generation = false;  ///< metadata.generation starts at 1 and counts spec changes
  bool has_status = false;
  capnp::StructSchema schema;
  /// The root's apiVersion and kind, looked up once: finding a field by name is a binary
  /// search with string compares, and admission reads and writes both on every create.
  capnp::StructSchema::Field api_version_field, kind_field;

  /// "apps/v1", or "v1" for the core group.
  std::string api_version() const;
  /// "deployments.apps", or "pods" for the core group: the store's key prefix and the
  /// `resource.group` spelling kubectl prints ("deployment.apps/web").
  std::string resource() const;
  /// "deployment.apps" / "pod": the prefix of `kubectl apply` output lines.
  std::string singular_resource() const;
  /// "Deployment.apps" / "Pod": schema.GroupKind's String(), as Kubernetes' errors name a kind.
  std::string group_kind() const;
  /// The schema laid out for checking objects sent on the wire, made on first use (the CLI
  /// builds a registry per command and never needs it).
  const codec::wire_shape& wire() const;

 private:
  mutable std::once_flag wire_once_;
  mutable std::unique_ptr<codec::wire_shape> wire_;
};

class kind_registry {
 public:
  /// Registers a schema struct carrying a `$resource` annotation; throws if it has none.
  void add(capnp::StructSchema schema);

  /// Looks up by apiVersion and kind ("apps/v1", "Deployment").
  const kind_info* find(std::string_view api_version, std::string_view kind) const;
  /// Looks up by what a CLI user types: plural, singular, short name or kind, optionally
  /// qualified with the group ("deployments.apps", "deploy", "Deployment", "po").
  const kind_info* find_resource(std::string_view text) const;
  /// Looks up by the store resource name ("deployments.apps").
  const kind_info* find_by_resource(std::string_view resource) const;

  const std::vector<std::unique_ptr<kind_info>>& all() const { return kinds_; }

 private:
  std::vector<std::unique_ptr<kind_info>> kinds_;
};

/// Every kind in schema/, in a fresh registry.
kind_registry builtin_kinds();

}  // namespace troupe
