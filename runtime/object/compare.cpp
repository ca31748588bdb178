#include "runtime/object/compare.hpp"

namespace troupe {
namespace {

bool same_value(const capnp::DynamicValue::Reader& a, const capnp::DynamicValue::Reader& b);

bool is_struct_pointer(capnp::StructSchema::Field field) {
  return !field.getProto().isGroup() && field.getType().isStruct();
}

bool same_list(capnp::DynamicList::Reader a, capnp::DynamicList::Reader b) {
  if (a.size() != b.size()) return false;
  for (unsigned i = 0; i < a.size(); ++i)
    if (!same_value(a[i], b[i])) return false;
  return true;
}

bool same_value(const capnp::DynamicValue::Reader& a, const capnp::DynamicValue::Reader& b) {
  using capnp::DynamicValue;
  if (a.getType() != b.getType()) return false;
  switch (a.getType()) {
    case DynamicValue::VOID: return true;
    case DynamicValue::BOOL: return a.as<bool>() == b.as<bool>();
    case DynamicValue::INT: return a.as<int64_t>() == b.as<int64_t>();
    case DynamicValue::UINT: return a.as<uint64_t>() == b.as<uint64_t>();
    case DynamicValue::FLOAT: return a.as<double>() == b.as<double>();
    case DynamicValue::TEXT: return a.as<capnp::Text>() == b.as<capnp::Text>();
    case DynamicValue::DATA: return a.as<capnp::Data>() == b.as<capnp::Data>();
    case DynamicValue::LIST:
      return same_list(a.as<capnp::DynamicList>(), b.as<capnp::DynamicList>());
    case DynamicValue::ENUM:
      return a.as<capnp::DynamicEnum>().getRaw() == b.as<capnp::DynamicEnum>().getRaw();
    case DynamicValue::STRUCT:
      return same_content(a.as<capnp::DynamicStruct>(), b.as<capnp::DynamicStruct>());
    default: return false;  // interfaces and any-pointers: not in object schemas; never "same"
  }
}

}  // namespace

bool same_content(capnp::DynamicStruct::Reader a, capnp::DynamicStruct::Reader b) {
  auto schema = a.getSchema();
  if (schema != b.getSchema()) return false;
  // Reading an unset pointer gives its default (empty text or list, struct of defaults). A
  // struct set to all defaults still differs from one unset: `labelSelector: {}` selects
  // everything, no labelSelector nothing.
  // Last field first: objects end with their status, where most updates differ.
  auto fields = schema.getNonUnionFields();
  for (unsigned i = fields.size(); i-- > 0;) {
    auto field = fields[i];
    if (is_struct_pointer(field) && a.has(field) != b.has(field)) return false;
    if (!same_value(a.get(field), b.get(field))) return false;
  }
  if (schema.getUnionFields().size() > 0) {
    KJ_IF_MAYBE(which_a, a.which()) {
      KJ_IF_MAYBE(which_b, b.which()) {
        if (*which_a != *which_b) return false;
        if (is_struct_pointer(*which_a) && a.has(*which_a) != b.has(*which_b)) return false;
        return same_value(a.get(*which_a), b.get(*which_b));
      }
    }
    return false;
  }
  return true;
}

}  // namespace troupe
