#pragma once
// Objects <-> document trees, driven by the schemas (reflection), never written per kind.
// Decoding is strict: an unknown field, a wrong type, a bad enum value or quantity is an error
// naming the origin and the full field path:
//   deploy.yaml doc 2: spec.template.spec.containers[0].imagePullPolicyy: unknown field ...
// Encoding writes the fields a user would see, in schema order, omitting unset/zero values.

#include <capnp/dynamic.h>

#include <string>
#include <string_view>
#include <vector>

#include "runtime/codec/tree.hpp"
#include "runtime/object/kinds.hpp"

namespace troupe::codec {

/// Decodes `tree` into `out`. Throws api_error(bad_request) "<path>: <problem> (line N)".
void decode_into(const node& tree, capnp::DynamicStruct::Builder out);
/// The tree of any struct.
node encode(capnp::DynamicStruct::Reader in);

/// One object decoded from a manifest.
struct manifest {
  const kind_info* kind = nullptr;
  std::string bytes;   ///< flat-array object
  std::string origin;  ///< "deploy.yaml doc 2"
  node tree;           ///< the document as written
};

/// Decodes a YAML or JSON stream of manifests (multi-document, `kind: List` flattened).
/// Throws api_error(bad_request) prefixed with "<source> doc N".
std::vector<manifest> decode_manifests(std::string_view text, std::string_view source,
                                       const kind_registry& kinds);
/// Decodes one document already parsed (`kind: List` flattened), so a caller can go on past
/// a document it cannot decode. Throws api_error(bad_request) prefixed with `origin`.
std::vector<manifest> decode_manifest_document(const node& doc, std::string_view origin,
                                               const kind_registry& kinds);
/// Decodes one object of `kind` from a tree; errors are prefixed with `origin`.
std::string decode_object(const node& tree, const kind_info& kind, std::string_view origin);
/// Removes from `tree`, an object of `kind`, every field its schema does not have (as the API
/// server's fieldValidation=Ignore drops them) and returns their paths: "spec.foo",
/// "spec.containers[0].bar".
std::vector<std::string> drop_unknown_fields(node& tree, const kind_info& kind);
/// The tree of a stored object of `kind`.
node encode_object(std::string_view bytes, const kind_info& kind);

}  // namespace troupe::codec
