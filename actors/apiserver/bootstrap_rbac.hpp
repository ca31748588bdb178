#pragma once
// The RBAC objects a new cluster starts with, as Kubernetes' bootstrap policy.

#include <optional>
#include <string>
#include <string_view>

namespace troupe {

/// cluster-admin (and its binding to the system:masters group), admin, edit and view with
/// their aggregation rules, and the system:aggregate-to-* roles holding their rules: YAML
/// manifests, one per document.
const std::string& bootstrap_rbac_manifests();

/// Set to "false" on a bootstrap object, it is left as it is at start.
constexpr std::string_view autoupdate_annotation = "rbac.authorization.kubernetes.io/autoupdate";

/// A stored bootstrap ClusterRole or ClusterRoleBinding brought back in line with the policy's
/// (`wanted`), as Kubernetes reconciles them at every start: the labels, annotations,
/// aggregation selectors and subjects it lacks added, and each permission of the policy's rules
/// that none of its rules covers ('*', "res/*", "*/sub", URL prefixes, names) appended as a rule
/// of its own (for a role without an aggregationRule: an aggregated one's are the
/// controller's); nothing it has removed. nullopt when nothing is missing or its autoupdate
/// annotation is "false".
std::optional<std::string> reconciled_bootstrap_object(std::string_view stored,
                                                       std::string_view wanted,
                                                       std::string_view kind);

}  // namespace troupe
