#pragma once
// Reflection helpers over the schemas: Kubernetes (JSON) names of fields and enumerants, the
// codec annotations of schema/meta.capnp, and scalar text as selectors and tables print it.

#include <capnp/dynamic.h>
#include <capnp/schema.h>

#include <optional>
#include <string>
#include <string_view>

namespace troupe {

namespace annotation_id {
constexpr uint64_t map_entry = 0xea6a543ba1081f79ull;
constexpr uint64_t scalar_union = 0xb2a67155b368fe40ull;
constexpr uint64_t rfc3339 = 0xf46629beb7312a97ull;
constexpr uint64_t rfc3339_micro = 0xdba61b5832c06557ull;
constexpr uint64_t quantity = 0xd9ee69e537d8fd48ull;
constexpr uint64_t always = 0xc3e1d2a4b5f60718ull;
constexpr uint64_t required = 0xa4997c15e7fc953cull;
constexpr uint64_t json_name = 0xfa5b1fd61c2e7c3dull;  // capnp/compat/json.capnp $name
}  // namespace annotation_id

using annotation_list = capnp::List<capnp::schema::Annotation>::Reader;

bool has_annotation(annotation_list annotations, uint64_t id);
bool has_annotation(capnp::StructSchema::Field field, uint64_t id);
bool is_map_entry(capnp::Type type);          ///< struct type carrying $mapEntry
bool is_scalar_union(capnp::Type type);       ///< struct type carrying $scalarUnion
/// A group `{ union { unset @n :Void; value @m :T; } }`: an optional scalar.
bool is_optional_group(capnp::StructSchema group);
/// A field that is a member of its struct's union.
bool in_union(capnp::StructSchema::Field field);
/// The union's placeholder member, which users never name.
bool is_unset_member(capnp::StructSchema::Field field);

/// The Kubernetes name of a field: $Json.name if given, else the schema name.
std::string json_name(capnp::StructSchema::Field field);
/// The Kubernetes name of an enumerant ("IfNotPresent").
std::string json_name(capnp::EnumSchema::Enumerant enumerant);
/// Looks a field up by its Kubernetes name; the `unset` placeholders are never found.
std::optional<capnp::StructSchema::Field> find_field(capnp::StructSchema schema,
                                                     std::string_view name);
/// The enumerant spelled `name` (Kubernetes spelling first, then schema name).
std::optional<capnp::EnumSchema::Enumerant> find_enumerant(capnp::EnumSchema schema,
                                                           std::string_view name);
/// "Always, IfNotPresent, Never": the values a user may write.
std::string enum_choices(capnp::EnumSchema schema);

/// Text of a scalar value: Text as is, enums by Kubernetes spelling, numbers in decimal,
/// bools as true/false, times as RFC 3339 (from the field's annotations). Structs and lists: "".
std::string scalar_text(capnp::DynamicValue::Reader value, capnp::StructSchema::Field field);

}  // namespace troupe
