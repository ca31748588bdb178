// `troupe explain RESOURCE[.FIELD...] [--recursive]`: the fields of a kind as its schema
// serves them, in kubectl's layout. The schemas carry names, types and which fields are
// required, not Kubernetes' field documentation, so descriptions are `<empty>` as kubectl
// prints a field without one.

#include <capnp/schema.h>

#include <set>

#include "runtime/base/text.hpp"
#include "runtime/cli/context.hpp"
#include "runtime/codec/schema_names.hpp"

namespace troupe::cli {
namespace {

using capnp::StructSchema;
using capnp::Type;

// A field's type as explain prints it: string, integer, []Container, map[string]string ...
std::string type_name(Type type, const StructSchema::Field* field) {
  using W = capnp::schema::Type;
  if (field && (has_annotation(*field, annotation_id::rfc3339) || has_annotation(*field, annotation_id::rfc3339_micro)))
    return "string";
  if (field && has_annotation(*field, annotation_id::quantity)) return "Quantity";
  switch (type.which()) {
    case W::TEXT:
    case W::DATA:
    case W::ENUM: return "string";
    case W::BOOL: return "boolean";
    case W::FLOAT32:
    case W::FLOAT64: return "number";
    case W::INT8: case W::INT16: case W::INT32: case W::INT64:
    case W::UINT8: case W::UINT16: case W::UINT32: case W::UINT64: return "integer";
    case W::LIST: {
      auto element = type.asList().getElementType();
      if (is_map_entry(element)) {
        auto value = element.asStruct().getFieldByName("value");
        return "map[string]" + type_name(value.getType(), &value);
      }
      return "[]" + type_name(element, nullptr);
    }
    case W::STRUCT: {
      auto schema = type.asStruct();
      if (is_scalar_union(type)) return "IntOrString";
      if (schema.getProto().getStruct().getIsGroup()) {
        if (is_optional_group(schema)) {
          auto value = schema.getFieldByName("value");
          return type_name(value.getType(), &value);
        }
        return "Object";
      }
      return schema.getShortDisplayName().cStr();
    }
    default: return "Object";
  }
}

// The struct a field's value is made of (a list's or map's element, a group's value), if any.
std::optional<StructSchema> inner_struct(Type type) {
  if (type.isList()) {
    auto element = type.asList().getElementType();
    if (is_map_entry(element)) return inner_struct(element.asStruct().getFieldByName("value").getType());
    return inner_struct(element);
  }
  if (!type.isStruct() || is_scalar_union(type)) return std::nullopt;
  auto schema = type.asStruct();
  if (schema.getProto().getStruct().getIsGroup() && is_optional_group(schema))
    return inner_struct(schema.getFieldByName("value").getType());
  return schema;
}

// "Always, IfNotPresent, Never": the values a user may write (ordinal 0 is the unset one).
std::string enum_values(capnp::EnumSchema schema) {
  std::vector<std::string> names;
  for (auto e : schema.getEnumerants())
    if (e.getOrdinal() != 0) names.push_back(json_name(e));
  return join(names, ", ");
}

// The fields users write, in the alphabetical order kubectl lists them.
std::vector<StructSchema::Field> visible_fields(StructSchema schema) {
  std::vector<StructSchema::Field> out;
  for (auto f : schema.getFields())
    if (!is_unset_member(f)) out.push_back(f);
  std::sort(out.begin(), out.end(), [](auto& a, auto& b) { return json_name(a) < json_name(b); });
  return out;
}

void list_fields(std::ostream& out, StructSchema schema, int depth, bool recursive, std::set<uint64_t>& path) {
  std::string indent(static_cast<size_t>(depth) * 2, ' ');
  for (auto f : visible_fields(schema)) {
    out << indent << json_name(f) << "\t<" << type_name(f.getType(), &f) << ">"
        << (has_annotation(f, annotation_id::required) ? " -required-" : "") << "\n";
    if (f.getType().isEnum()) out << indent << "enum: " << enum_values(f.getType().asEnum()) << "\n";
    auto inner = inner_struct(f.getType());
    if (!recursive || !inner || path.count(inner->getProto().getId())) continue;
    path.insert(inner->getProto().getId());
    list_fields(out, *inner, depth + 1, recursive, path);
    path.erase(inner->getProto().getId());
  }
}

}  // namespace

int cmd_explain(context& ctx) {
  auto format = ctx.flags.get("output", "plaintext");
  TROUPE_REQUIRE(format == "plaintext" || format == "plaintext-openapiv2", api_errc::bad_request,
                 "--output: unknown format " + quote(format) + " (choose plaintext or plaintext-openapiv2)");
  auto& args = ctx.flags.positional;
  TROUPE_REQUIRE(args.size() == 1, api_errc::bad_request,
                 "You must specify the type of resource to explain, as RESOURCE or RESOURCE.FIELD (e.g. pods.spec.containers)");
  auto parts = split(args[0], '.');
  // The resource may carry its group ("deployments.apps.spec"): the longest prefix that names one.
  const kind_info* kind = nullptr;
  size_t fields_from = 0;
  for (size_t n = parts.size(); n > 0 && !kind; --n) {
    std::vector<std::string> head(parts.begin(), parts.begin() + static_cast<long>(n));
    kind = ctx.kinds.find_resource(join(head, "."));
    fields_from = n;
  }
  TROUPE_REQUIRE(kind, api_errc::bad_request, "the server doesn't have a resource type " + quote(parts[0]));
  StructSchema schema = kind->schema;
  std::string field_line;
  for (size_t i = fields_from; i < parts.size(); ++i) {
    auto field = find_field(schema, parts[i]);
    TROUPE_REQUIRE(field, api_errc::bad_request,
                   "field " + quote(parts[i]) + " does not exist" +
                       (i > fields_from ? " in " + join({parts.begin() + static_cast<long>(fields_from), parts.begin() + static_cast<long>(i)}, ".") : ""));
    field_line = "FIELD: " + json_name(*field) + " <" + type_name(field->getType(), &*field) + ">\n\n";
    auto inner = inner_struct(field->getType());
    if (i + 1 < parts.size())
      TROUPE_REQUIRE(inner, api_errc::bad_request, "field " + quote(parts[i + 1]) + " does not exist: " + parts[i] + " has no fields");
    if (inner) schema = *inner;
    else schema = StructSchema();
    if (!inner) {
      // A scalar: only its line and, for an enum, its values.
      ctx.out << "KIND:       " << kind->kind << "\nVERSION:    " << kind->api_version() << "\n\n" << field_line;
      if (field->getType().isEnum()) ctx.out << "ENUM:\n    " << enum_values(field->getType().asEnum()) << "\n\n";
      ctx.out << "DESCRIPTION:\n    <empty>\n";
      return 0;
    }
  }
  ctx.out << "KIND:       " << kind->kind << "\nVERSION:    " << kind->api_version() << "\n\n" << field_line
          << "DESCRIPTION:\n    <empty>\n\nFIELDS:\n";
  std::set<uint64_t> path{schema.getProto().getId()};
  list_fields(ctx.out, schema, 1, ctx.flags.on("recursive"), path);
  return 0;
}

}  // namespace troupe::cli
