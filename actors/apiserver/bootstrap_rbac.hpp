#pragma once
// The RBAC objects a new cluster starts with, as Kubernetes' bootstrap policy.

#include <string>

namespace troupe {

/// cluster-admin (and its binding to the system:masters group), admin, edit and view with
/// their aggregation rules, and the system:aggregate-to-* roles holding their rules: YAML
/// manifests, one per document.
const std::string& bootstrap_rbac_manifests();

}  // namespace troupe
