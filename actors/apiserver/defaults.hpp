#pragma once
// Per-kind defaults and validation (Kubernetes' SetDefaults_* and Validate* for the fields
// troupe acts on). Kinds without an entry here get the generic metadata checks only.

#include <capnp/dynamic.h>

#include <vector>

#include "runtime/base/error.hpp"

namespace troupe {

struct kind_info;

/// Fills in what Kubernetes defaults on create and update.
void apply_defaults(const kind_info& kind, capnp::DynamicStruct::Builder root);

/// Appends every failing field of the kind's spec to `out`.
void validate_kind(const kind_info& kind, capnp::DynamicStruct::Reader root,
                   std::vector<field_error>& out);

}  // namespace troupe
