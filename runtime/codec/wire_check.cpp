#include "runtime/codec/wire_check.hpp"

#include <kj/exception.h>

#include <bitset>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/base/error.hpp"
#include "runtime/base/text.hpp"
#include "runtime/codec/schema_names.hpp"

namespace troupe::codec {

using ST = capnp::schema::Type;

namespace {

enum class holds : uint8_t {
  text,
  data,
  structure,
  text_list,
  struct_list,
  scalar_list,
  group,
  other
};

// The encoding a list of `element` must have: Cap'n Proto reads a struct list where a text or
// number list is declared (its "upgrade" rule), and the words each element has beyond what is
// read would be kept unseen.
capnp::ElementSize element_size(capnp::Type element) {
  switch (element.which()) {
    case ST::VOID: return capnp::ElementSize::VOID;
    case ST::BOOL: return capnp::ElementSize::BIT;
    case ST::INT8:
    case ST::UINT8: return capnp::ElementSize::BYTE;
    case ST::INT16:
    case ST::UINT16:
    case ST::ENUM: return capnp::ElementSize::TWO_BYTES;
    case ST::INT32:
    case ST::UINT32:
    case ST::FLOAT32: return capnp::ElementSize::FOUR_BYTES;
    case ST::INT64:
    case ST::UINT64:
    case ST::FLOAT64: return capnp::ElementSize::EIGHT_BYTES;
    default: return capnp::ElementSize::POINTER;
  }
}

}  // namespace

struct wire_shape::node {
  struct slot {
    holds what;
    uint32_t pointer = 0;         ///< its index in the pointer section
    const node* child = nullptr;  ///< the struct, list item or group it holds
    bool map = false;             ///< a list of $mapEntry items
    uint32_t key_pointer = 0;     ///< where a map item keeps its key
    capnp::ElementSize element = capnp::ElementSize::POINTER;  ///< a scalar list's encoding
    int32_t discriminant = -1;                                 ///< the union member it is, or -1
    capnp::StructSchema::Field field;                          ///< to name it in an error
  };
  bool group = false;
  size_t data_bytes = 0;
  uint32_t pointers = 0;
  uint32_t discriminant_offset = 0;  ///< in 16-bit units, as Cap'n Proto places it
  uint32_t members = 0;              ///< its union's member count (0: no union)
  std::vector<slot> slots;
};

const wire_shape::node* wire_shape::shape_of(capnp::StructSchema schema) {
  auto& at = nodes_[schema.getProto().getId()];
  if (at) return at.get();
  at = std::make_unique<node>();
  node* out = at.get();
  auto shape = schema.getProto().getStruct();
  out->group = shape.getIsGroup();
  out->data_bytes = size_t(shape.getDataWordCount()) * 8;
  out->pointers = shape.getPointerCount();
  out->discriminant_offset = shape.getDiscriminantOffset();
  out->members = shape.getDiscriminantCount();
  for (auto field : schema.getFields()) {
    auto proto = field.getProto();
    node::slot s;
    s.field = field;
    if (proto.getDiscriminantValue() != capnp::schema::Field::NO_DISCRIMINANT)
      s.discriminant = proto.getDiscriminantValue();
    if (proto.isGroup()) {
      s.what = holds::group;
      s.child = shape_of(field.getType().asStruct());
      out->slots.push_back(s);
      continue;
    }
    auto type = field.getType();
    s.pointer = proto.getSlot().getOffset();
    switch (type.which()) {
      case ST::TEXT: s.what = holds::text; break;
      case ST::DATA: s.what = holds::data; break;
      case ST::STRUCT:
        s.what = holds::structure;
        s.child = shape_of(type.asStruct());
        break;
      case ST::LIST: {
        auto element = type.asList().getElementType();
        if (element.which() == ST::TEXT) {
          s.what = holds::text_list;
        } else if (element.which() == ST::STRUCT) {
          s.what = holds::struct_list;
          s.child = shape_of(element.asStruct());
          s.map = is_map_entry(element);
          if (s.map)
            s.key_pointer =
                element.asStruct().getFieldByName("key").getProto().getSlot().getOffset();
        } else {
          s.what = holds::scalar_list;  // numbers and enums; lists of lists and data: pointers
          s.element = element_size(element);
        }
        break;
      }
      case ST::ANY_POINTER:
      case ST::INTERFACE: s.what = holds::other; break;
      default: continue;  // scalars and enums live in the data section
    }
    out->slots.push_back(s);
  }
  return out;
}

wire_shape::wire_shape(capnp::StructSchema root) {
  root_ = shape_of(root);
}
wire_shape::~wire_shape() = default;

namespace {

// Where the walk is, as links back to the root: the path is spelled only for an error.
struct trail {
  const trail* parent = nullptr;
  const capnp::StructSchema::Field* field = nullptr;  ///< a field of the struct above, or
  int64_t index = -1;                                 ///< an item of the list above
};

std::string spelled(const trail* at) {
  if (!at) return "";
  std::string out = spelled(at->parent);
  if (at->field) {
    if (at->field->getContainingStruct().getProto().getStruct().getIsGroup() && !out.empty())
      return out;  // `replicas: union { unset, value }` is named by its group
    return (out.empty() ? "" : out + ".") + json_name(*at->field);
  }
  return at->index >= 0 ? out + "[" + std::to_string(at->index) + "]" : out;
}

[[noreturn]] void refuse(const trail* at, const std::string& what) {
  std::string path = spelled(at);
  throw api_error(api_errc::bad_request,
                  (path.empty() ? std::string("the object") : path) + ": " + what);
}

void check_text(capnp::Text::Reader text, const trail* at) {
  if (!valid_utf8(std::string_view(text.cStr(), text.size())))
    refuse(at, "invalid UTF-8 in a string");
}

using node = wire_shape::node;
using pointer_marks = std::bitset<256>;  // the pointer slots the active fields use

void check_struct(const node& shape, capnp::AnyStruct::Reader s, const trail* at);

void check_slot(const node::slot& slot, capnp::AnyStruct::Reader s, const trail* at);

// The fields of `shape` (a struct, or a group within one) that its union selects: checked, and
// their pointer slots marked in `used`.
void visit(const node& shape, capnp::AnyStruct::Reader s, const trail* at, pointer_marks& used) {
  auto data = s.getDataSection();
  uint32_t member = 0;  // a section too short to hold it reads as zero
  size_t at_byte = size_t(shape.discriminant_offset) * 2;
  if (shape.members > 0 && at_byte + 2 <= data.size())
    member = data[at_byte] | (data[at_byte + 1] << 8);
  if (shape.members > 0 && member >= shape.members)
    refuse(at, "a union member its schema does not declare");
  for (auto& slot : shape.slots) {
    if (slot.discriminant >= 0 && static_cast<uint32_t>(slot.discriminant) != member) continue;
    if (slot.what == holds::group) {
      trail inner{at, &slot.field, -1};
      visit(*slot.child, s, &inner, used);
      continue;
    }
    if (slot.pointer < used.size()) used.set(slot.pointer);
    check_slot(slot, s, at);
  }
}

void check_slot(const node::slot& slot, capnp::AnyStruct::Reader s, const trail* parent) {
  trail at{parent, &slot.field, -1};
  try {
    auto pointers = s.getPointerSection();
    if (slot.pointer >= pointers.size() || pointers[slot.pointer].isNull()) return;
    auto value = pointers[slot.pointer];
    switch (slot.what) {
      case holds::text: check_text(value.getAs<capnp::Text>(), &at); break;
      case holds::data:
        value.getAs<capnp::Data>();  // a byte list, or the exception below
        break;
      case holds::structure: check_struct(*slot.child, value.getAs<capnp::AnyStruct>(), &at); break;
      case holds::text_list: {
        if (value.getAs<capnp::AnyList>().getElementSize() != capnp::ElementSize::POINTER)
          refuse(&at, "a list encoded otherwise than its schema declares");
        auto list = value.getAs<capnp::List<capnp::Text>>();
        for (unsigned i = 0; i < list.size(); ++i) {
          trail item{&at, nullptr, i};
          check_text(list[i], &item);
        }
        break;
      }
      case holds::scalar_list:
        if (value.getAs<capnp::AnyList>().getElementSize() != slot.element)
          refuse(&at, "a list encoded otherwise than its schema declares");
        break;
      case holds::struct_list: {
        auto list = value.getAs<capnp::AnyList>().as<capnp::List<capnp::AnyStruct>>();
        std::set<std::string_view> keys;
        for (unsigned i = 0; i < list.size(); ++i) {
          trail item{&at, nullptr, i};
          check_struct(*slot.child, list[i], &item);
          if (!slot.map) continue;
          auto item_pointers = list[i].getPointerSection();
          std::string_view k;  // a key not there reads as ""
          if (slot.key_pointer < item_pointers.size() &&
              !item_pointers[slot.key_pointer].isNull()) {
            auto key = item_pointers[slot.key_pointer].getAs<capnp::Text>();
            k = std::string_view(key.cStr(), key.size());
          }
          if (!keys.insert(k).second) refuse(&at, "duplicate key " + quote(k));
        }
        break;
      }
      case holds::group:
      case holds::other: break;
    }
  } catch (const kj::Exception& e) {
    refuse(&at, "not a value of the field's type (" + std::string(e.getDescription().cStr()) + ")");
  }
}

void check_struct(const node& shape, capnp::AnyStruct::Reader s, const trail* at) {
  auto data = s.getDataSection();
  for (size_t i = shape.data_bytes; i < data.size(); ++i)
    if (data[i] != 0) refuse(at, "data beyond the fields its schema declares");
  auto pointers = s.getPointerSection();
  for (unsigned i = shape.pointers; i < pointers.size(); ++i)
    if (!pointers[i].isNull()) refuse(at, "a value beyond the fields its schema declares");
  pointer_marks used;
  visit(shape, s, at, used);
  // A pointer slot of a union member not selected would be kept, and never read or shown.
  for (unsigned i = 0; i < pointers.size() && i < shape.pointers; ++i)
    if (!pointers[i].isNull() && (i >= used.size() || !used.test(i)))
      refuse(at, "a value in a field its union does not select");
}

}  // namespace

void wire_shape::check(capnp::AnyStruct::Reader object) const {
  check_struct(*root_, object, nullptr);
}

}  // namespace troupe::codec
