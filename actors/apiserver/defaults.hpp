#pragma once
// Per-kind defaults and validation (Kubernetes' SetDefaults_* and Validate* for the fields
// troupe acts on). Kinds without an entry here get the generic metadata checks only.

#include <capnp/dynamic.h>

#include <vector>

#include "runtime/base/error.hpp"

namespace troupe {

struct kind_info;

/// The spec finalizer that holds a deleted namespace until its content is gone.
constexpr const char* namespace_finalizer = "kubernetes";
/// The annotation a static pod's mirror (the kubelet's copy of its manifest) carries.
constexpr const char* mirror_pod_annotation = "kubernetes.io/config.mirror";

/// Fills in what Kubernetes defaults on create and update.
void apply_defaults(const kind_info& kind, capnp::DynamicStruct::Builder root);

/// The status a new object starts with: Kubernetes' PrepareForCreate drops whatever status a
/// client sent (a Node keeps its own); a Pod starts Pending with its QoS class, and volumes
/// and claims start Pending. Call after apply_defaults (the QoS class needs the requests).
void initial_status(const kind_info& kind, capnp::DynamicStruct::Builder root);

/// Appends every failing field of the kind's spec to `out`.
void validate_kind(const kind_info& kind, capnp::DynamicStruct::Reader root,
                   std::vector<field_error>& out);
/// The same for the rules Kubernetes applies when an object is created only.
void validate_kind_on_create(const kind_info& kind, capnp::DynamicStruct::Reader root,
                             std::vector<field_error>& out);

/// Appends every field an update of `before` to `after` may not change (Kubernetes'
/// Validate*Update); both are admitted and defaulted.
void validate_update(const kind_info& kind, capnp::DynamicStruct::Reader before,
                     capnp::DynamicStruct::Reader after, std::vector<field_error>& out);

/// What the server allocated stays when an update leaves it out (a Service's clusterIP and
/// node ports), as Kubernetes keeps them on a replace.
void keep_allocated(const kind_info& kind, capnp::DynamicStruct::Reader before,
                    capnp::DynamicStruct::Builder after);

}  // namespace troupe
