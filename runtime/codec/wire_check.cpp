#include "runtime/codec/wire_check.hpp"

#include <kj/exception.h>

#include <set>
#include <string>
#include <string_view>

#include "runtime/base/error.hpp"
#include "runtime/base/text.hpp"
#include "runtime/codec/schema_names.hpp"

namespace troupe::codec {
namespace {

using ST = capnp::schema::Type;

[[noreturn]] void refuse(const std::string& path, const std::string& what) {
  throw api_error(api_errc::bad_request,
                  (path.empty() ? std::string("the object") : path) + ": " + what);
}

std::string at(const std::string& path, std::string_view name) {
  return path.empty() ? std::string(name) : path + "." + std::string(name);
}

void check_text(capnp::Text::Reader text, const std::string& path) {
  if (!valid_utf8(std::string_view(text.cStr(), text.size())))
    refuse(path, "invalid UTF-8 in a string");
}

void check_struct(capnp::DynamicStruct::Reader s, const std::string& path);

void check_list(capnp::DynamicList::Reader list, capnp::Type element, const std::string& path) {
  switch (element.which()) {
    case ST::TEXT:
      for (unsigned i = 0; i < list.size(); ++i)
        check_text(list[i].as<capnp::Text>(), path + "[" + std::to_string(i) + "]");
      break;
    case ST::STRUCT: {
      bool map = is_map_entry(element);
      std::set<std::string_view> keys;
      for (unsigned i = 0; i < list.size(); ++i) {
        auto entry = list[i].as<capnp::DynamicStruct>();
        std::string entry_path = path + "[" + std::to_string(i) + "]";
        check_struct(entry, entry_path);
        if (!map) continue;
        auto key = entry.get("key").as<capnp::Text>();
        if (!keys.insert(std::string_view(key.cStr(), key.size())).second)
          refuse(path, "duplicate key " + quote(std::string_view(key.cStr(), key.size())));
      }
      break;
    }
    case ST::LIST:
      for (unsigned i = 0; i < list.size(); ++i)
        check_list(list[i].as<capnp::DynamicList>(), element.asList().getElementType(),
                   path + "[" + std::to_string(i) + "]");
      break;
    default: break;
  }
}

void check_field(capnp::DynamicStruct::Reader s, capnp::StructSchema::Field field,
                 const std::string& path) {
  if (field.getProto().isGroup()) {
    check_struct(s.get(field).as<capnp::DynamicStruct>(), path);
    return;
  }
  auto type = field.getType();
  switch (type.which()) {
    case ST::TEXT:
      if (s.has(field)) check_text(s.get(field).as<capnp::Text>(), path);
      break;
    case ST::STRUCT:
      if (s.has(field)) check_struct(s.get(field).as<capnp::DynamicStruct>(), path);
      break;
    case ST::LIST:
      if (s.has(field))
        check_list(s.get(field).as<capnp::DynamicList>(), type.asList().getElementType(), path);
      break;
    default: break;
  }
}

void check_struct(capnp::DynamicStruct::Reader s, const std::string& path) {
  auto schema = s.getSchema();
  auto shape = schema.getProto().getStruct();
  if (!shape.getIsGroup()) {  // a group shares its parent's sections
    auto any = s.as<capnp::AnyStruct>();
    auto data = any.getDataSection();
    for (size_t i = size_t(shape.getDataWordCount()) * 8; i < data.size(); ++i)
      if (data[i] != 0) refuse(path, "data beyond the fields its schema declares");
    auto pointers = any.getPointerSection();
    for (unsigned i = shape.getPointerCount(); i < pointers.size(); ++i)
      if (!pointers[i].isNull()) refuse(path, "a value beyond the fields its schema declares");
  }
  for (auto field : schema.getNonUnionFields()) {
    std::string field_path = at(path, json_name(field));
    try {
      check_field(s, field, field_path);
    } catch (const kj::Exception& e) {
      refuse(field_path,
             "not a value of the field's type (" + std::string(e.getDescription().cStr()) + ")");
    }
  }
  KJ_IF_MAYBE (member, s.which()) {
    std::string field_path = at(path, json_name(*member));
    try {
      check_field(s, *member, field_path);
    } catch (const kj::Exception& e) {
      refuse(field_path,
             "not a value of the field's type (" + std::string(e.getDescription().cStr()) + ")");
    }
  }
}

}  // namespace

void check_wire_object(capnp::DynamicStruct::Reader object) {
  check_struct(object, "");
}

}  // namespace troupe::codec
