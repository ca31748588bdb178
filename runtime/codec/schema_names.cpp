#include "runtime/codec/schema_names.hpp"

#include <kj/encoding.h>

#include "runtime/base/time.hpp"

namespace troupe {

bool has_annotation(annotation_list annotations, uint64_t id) {
  for (auto a : annotations)
    if (a.getId() == id) return true;
  return false;
}

bool has_annotation(capnp::StructSchema::Field field, uint64_t id) {
  return has_annotation(field.getProto().getAnnotations(), id);
}

bool is_map_entry(capnp::Type type) {
  return type.isStruct() &&
         has_annotation(type.asStruct().getProto().getAnnotations(), annotation_id::map_entry);
}

bool is_scalar_union(capnp::Type type) {
  return type.isStruct() &&
         has_annotation(type.asStruct().getProto().getAnnotations(), annotation_id::scalar_union);
}

bool is_optional_group(capnp::StructSchema group) {
  return group.getNonUnionFields().size() == 0 && group.getUnionFields().size() == 2 &&
         group.findFieldByName("unset") != nullptr && group.findFieldByName("value") != nullptr;
}

bool in_union(capnp::StructSchema::Field field) {
  return field.getProto().getDiscriminantValue() != capnp::schema::Field::NO_DISCRIMINANT;
}

bool is_unset_member(capnp::StructSchema::Field field) {
  return in_union(field) && field.getProto().getName() == "unset" &&
         field.getType().which() == capnp::schema::Type::VOID;
}

static std::optional<std::string> json_annotation(annotation_list annotations) {
  for (auto a : annotations)
    if (a.getId() == annotation_id::json_name) return std::string(a.getValue().getText());
  return std::nullopt;
}

std::string json_name(capnp::StructSchema::Field field) {
  if (auto name = json_annotation(field.getProto().getAnnotations())) return *name;
  return field.getProto().getName();
}

std::string json_name(capnp::EnumSchema::Enumerant enumerant) {
  if (auto name = json_annotation(enumerant.getProto().getAnnotations())) return *name;
  return enumerant.getProto().getName();
}

std::optional<capnp::StructSchema::Field> find_field(capnp::StructSchema schema,
                                                     std::string_view name) {
  // Most fields are named in JSON as in the schema: a binary search by name, no allocation.
  std::string text(name);
  KJ_IF_MAYBE(field, schema.findFieldByName(text)) {
    auto annotated = json_annotation(field->getProto().getAnnotations());
    if (!is_unset_member(*field) && (!annotated || *annotated == name)) return *field;
  }
  for (auto field : schema.getFields()) {
    if (is_unset_member(field)) continue;
    if (json_name(field) == name) return field;
  }
  return std::nullopt;
}

std::optional<capnp::EnumSchema::Enumerant> find_enumerant(capnp::EnumSchema schema,
                                                           std::string_view name) {
  for (auto e : schema.getEnumerants())
    if (e.getOrdinal() != 0 && json_name(e) == name) return e;
  return std::nullopt;
}

std::string enum_choices(capnp::EnumSchema schema) {
  std::string out;
  for (auto e : schema.getEnumerants()) {
    if (e.getOrdinal() == 0) continue;
    if (!out.empty()) out += ", ";
    out += "\"" + json_name(e) + "\"";
  }
  return out;
}

std::string scalar_text(capnp::DynamicValue::Reader value, capnp::StructSchema::Field field) {
  using T = capnp::DynamicValue::Type;
  switch (value.getType()) {
    case T::TEXT: {
      auto text = value.as<capnp::Text>();
      return std::string(text.cStr(), text.size());
    }
    case T::BOOL: return value.as<bool>() ? "true" : "false";
    case T::INT: {
      int64_t v = value.as<int64_t>();
      if (has_annotation(field, annotation_id::rfc3339)) return v ? format_rfc3339(v) : "";
      if (has_annotation(field, annotation_id::rfc3339_micro))
        return v ? format_rfc3339_micro(v) : "";
      return std::to_string(v);
    }
    case T::UINT: return std::to_string(value.as<uint64_t>());
    case T::FLOAT: return std::to_string(value.as<double>());
    case T::ENUM: {
      auto e = value.as<capnp::DynamicEnum>();
      KJ_IF_MAYBE(enumerant, e.getEnumerant()) {
        if (enumerant->getOrdinal() == 0) return "";
        return json_name(*enumerant);
      }
      return std::to_string(e.getRaw());
    }
    case T::DATA: {
      auto data = value.as<capnp::Data>();
      return kj::encodeBase64(data).cStr();
    }
    case T::STRUCT: {
      // Optional scalar groups and IntOrString read as their scalar.
      auto s = value.as<capnp::DynamicStruct>();
      KJ_IF_MAYBE(member, s.which()) {
        if (is_unset_member(*member)) return "";
        return scalar_text(s.get(*member), *member);
      }
      return "";
    }
    default: return "";
  }
}

}  // namespace troupe
