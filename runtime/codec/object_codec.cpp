#include "runtime/codec/object_codec.hpp"

#include <capnp/message.h>
#include <kj/encoding.h>

#include <algorithm>
#include <climits>

#include "runtime/base/error.hpp"
#include "runtime/base/text.hpp"
#include "runtime/base/time.hpp"
#include "runtime/codec/json.hpp"
#include "runtime/codec/schema_names.hpp"
#include "runtime/codec/yaml.hpp"
#include "runtime/object/object.hpp"
#include "runtime/object/quantity.hpp"

namespace troupe::codec {
namespace {

using capnp::DynamicList;
using capnp::DynamicStruct;
using capnp::DynamicValue;
using capnp::StructSchema;
using ST = capnp::schema::Type;

// ---- field paths in messages -------------------------------------------------------------------

class field_path {
 public:
  class scope {
   public:
    scope(std::string& s, size_t len) : s_(s), len_(len) {}
    ~scope() { s_.resize(len_); }

   private:
    std::string& s_;
    size_t len_;
  };
  scope field(const std::string& name) {
    size_t len = s_.size();
    s_ += s_.empty() ? name : "." + name;
    return {s_, len};
  }
  scope index(size_t i) {
    size_t len = s_.size();
    s_ += "[" + std::to_string(i) + "]";
    return {s_, len};
  }
  scope key(const std::string& k) {
    size_t len = s_.size();
    s_ += "[" + k + "]";
    return {s_, len};
  }
  const std::string& str() const { return s_; }

 private:
  std::string s_;
};

[[noreturn]] void fail(const field_path& p, const node& at, const std::string& problem) {
  std::string message = (p.str().empty() ? std::string("<root>") : p.str()) + ": " + problem;
  if (at.line() > 0) message += " (line " + std::to_string(at.line()) + ")";
  throw api_error(api_errc::bad_request, message);
}

std::string type_name(capnp::Type t) {
  switch (t.which()) {
    case ST::BOOL: return "a boolean";
    case ST::INT8: case ST::INT16: case ST::INT32: case ST::INT64:
    case ST::UINT8: case ST::UINT16: case ST::UINT32: case ST::UINT64: return "an integer";
    case ST::FLOAT32: case ST::FLOAT64: return "a number";
    case ST::TEXT: return "a string";
    case ST::DATA: return "base64 data";
    case ST::ENUM: return "one of " + enum_choices(t.asEnum());
    case ST::LIST: return "a list";
    case ST::STRUCT: return "a mapping";
    default: return "a value";
  }
}

// ---- decoding -------------------------------------------------------------------------------

struct scalar_scratch {
  kj::Array<kj::byte> data;  // keeps decoded base64 alive until it is set
  std::string text;          // and a quantity's canonical spelling
};

int64_t decode_integer(const node& v, capnp::Type t, const field_path& p) {
  auto value = v.is_scalar() ? v.as_integer() : std::nullopt;
  if (!value) fail(p, v, "expected an integer, got " + v.describe());
  int64_t lo = INT64_MIN, hi = INT64_MAX;
  switch (t.which()) {
    case ST::INT8: lo = INT8_MIN; hi = INT8_MAX; break;
    case ST::INT16: lo = INT16_MIN; hi = INT16_MAX; break;
    case ST::INT32: lo = INT32_MIN; hi = INT32_MAX; break;
    case ST::UINT8: lo = 0; hi = UINT8_MAX; break;
    case ST::UINT16: lo = 0; hi = UINT16_MAX; break;
    case ST::UINT32: lo = 0; hi = UINT32_MAX; break;
    case ST::UINT64: lo = 0; break;
    default: break;
  }
  if (*value < lo || *value > hi)
    fail(p, v, v.text() + " is out of range for a " + (t.which() == ST::INT32 ? "32" : "64") +
                   "-bit integer");
  return *value;
}

DynamicValue::Reader decode_scalar(const node& v, capnp::Type t, StructSchema::Field field,
                                   const field_path& p, scalar_scratch& scratch) {
  if (!v.is_scalar()) fail(p, v, "expected " + type_name(t) + ", got " + v.describe());
  auto resolved = v.resolve();
  switch (t.which()) {
    case ST::BOOL: {
      auto b = v.as_bool();
      if (!b) fail(p, v, "expected a boolean, got " + v.describe());
      return *b;
    }
    case ST::INT8: case ST::INT16: case ST::INT32: case ST::INT64: {
      if (t.which() == ST::INT64 && (has_annotation(field, annotation_id::rfc3339) ||
                                     has_annotation(field, annotation_id::rfc3339_micro))) {
        bool micro = has_annotation(field, annotation_id::rfc3339_micro);
        auto parsed = micro ? parse_rfc3339_micro(v.text()) : parse_rfc3339(v.text());
        if (!parsed)
          fail(p, v, "expected an RFC 3339 time like 2006-01-02T15:04:05Z, got " + v.describe());
        return *parsed;
      }
      return decode_integer(v, t, p);
    }
    case ST::UINT8: case ST::UINT16: case ST::UINT32: case ST::UINT64:
      return static_cast<uint64_t>(decode_integer(v, t, p));
    case ST::FLOAT32: case ST::FLOAT64: {
      if (resolved != node::scalar_type::integer && resolved != node::scalar_type::number)
        fail(p, v, "expected a number, got " + v.describe());
      return std::strtod(v.text().c_str(), nullptr);
    }
    case ST::TEXT: {
      if (has_annotation(field, annotation_id::quantity)) {
        std::string why;
        auto parsed = resolved == node::scalar_type::boolean || resolved == node::scalar_type::null
                          ? std::nullopt
                          : quantity::parse(v.text(), &why);
        if (!parsed)
          fail(p, v, "quantities must match the regular expression "
                     "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$', got " + v.describe());
        // Stored as Kubernetes stores it ("1000m" is "1"), as every reader then sees it.
        if (auto canonical = parsed->canonical_spelling(v.text())) {
          scratch.text = std::move(*canonical);
          return capnp::Text::Reader(scratch.text.c_str(), scratch.text.size());
        }
      } else if (resolved != node::scalar_type::string) {
        fail(p, v, "expected a string, got " + v.describe() +
                       " (quote it: \"" + v.text() + "\")");
      }
      return capnp::Text::Reader(v.text().c_str(), v.text().size());
    }
    case ST::DATA: {
      auto decoded = kj::decodeBase64(kj::ArrayPtr<const char>(v.text().data(), v.text().size()));
      if (decoded.hadErrors) fail(p, v, "illegal base64 data");
      scratch.data = kj::mv(static_cast<kj::Array<kj::byte>&>(decoded));
      return capnp::Data::Reader(scratch.data);
    }
    case ST::ENUM: {
      auto e = find_enumerant(t.asEnum(), v.text());
      if (!e)
        fail(p, v, "Unsupported value: " + quote(v.text()) + ": supported values: " +
                       enum_choices(t.asEnum()));
      return capnp::DynamicEnum(*e);
    }
    default: fail(p, v, "cannot be set from a manifest");
  }
}

void decode_struct(const node& n, DynamicStruct::Builder b, field_path& p);
void decode_list(const node& v, DynamicStruct::Builder b, StructSchema::Field f, field_path& p);

// IntOrString and the like: the scalar's type picks the member.
void decode_scalar_union(const node& v, DynamicStruct::Builder b, const field_path& p) {
  bool is_integer = v.resolve() == node::scalar_type::integer;
  for (auto f : b.getSchema().getUnionFields()) {
    auto which = f.getType().which();
    bool integer_member = which >= ST::INT8 && which <= ST::UINT64;
    if (integer_member == is_integer) {
      scalar_scratch scratch;
      b.set(f, decode_scalar(v, f.getType(), f, p, scratch));
      return;
    }
  }
  fail(p, v, "expected an integer or a string, got " + v.describe());
}

void decode_field(const node& v, DynamicStruct::Builder b, StructSchema::Field f, field_path& p) {
  auto proto = f.getProto();
  auto t = f.getType();
  if (proto.isGroup()) {
    auto group_schema = t.asStruct();
    if (is_optional_group(group_schema)) {
      if (v.is_null()) return;
      auto group = b.init(f).as<DynamicStruct>();
      auto value_field = group_schema.getFieldByName("value");
      scalar_scratch scratch;
      group.set(value_field, decode_scalar(v, value_field.getType(), value_field, p, scratch));
      return;
    }
    return decode_struct(v, b.init(f).as<DynamicStruct>(), p);
  }
  if (t.which() == ST::VOID) {
    b.set(f, capnp::VOID);
    return;
  }
  if (v.is_null()) {
    // `emptyDir:` with no value still selects the volume source, as `emptyDir: {}` does.
    if (in_union(f) && t.isStruct()) b.init(f);
    return;
  }
  switch (t.which()) {
    case ST::STRUCT:
      if (v.is_scalar() && is_scalar_union(t))
        return decode_scalar_union(v, b.init(f).as<DynamicStruct>(), p);
      return decode_struct(v, b.init(f).as<DynamicStruct>(), p);
    case ST::LIST: return decode_list(v, b, f, p);
    default: {
      scalar_scratch scratch;
      b.set(f, decode_scalar(v, t, f, p, scratch));
    }
  }
}

void decode_map_entries(const node& v, DynamicList::Builder list, capnp::StructSchema entry,
                        field_path& p) {
  auto key_field = entry.getFieldByName("key");
  auto value_field = entry.getFieldByName("value");
  // Stored in key order, as Kubernetes keeps Go maps: the same map written in another order is
  // the same object, byte for byte.
  std::vector<const std::pair<std::string, node>*> sorted;
  for (auto& entry : v.entries()) sorted.push_back(&entry);
  std::sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) { return a->first < b->first; });
  unsigned i = 0;
  for (auto* entry : sorted) {
    auto& [key, value] = *entry;
    auto e = list[i++].as<DynamicStruct>();
    e.set(key_field, capnp::Text::Reader(key.c_str(), key.size()));
    auto scope = p.key(key);
    decode_field(value, e, value_field, p);
  }
}

void decode_list_items(const node& v, DynamicList::Builder list, capnp::ListSchema schema,
                       StructSchema::Field field, field_path& p) {
  auto element = schema.getElementType();
  for (unsigned i = 0; i < v.items().size(); ++i) {
    const node& item = v.items()[i];
    auto scope = p.index(i);
    switch (element.which()) {
      case ST::STRUCT:
        if (item.is_scalar() && is_scalar_union(element))
          decode_scalar_union(item, list[i].as<DynamicStruct>(), p);
        else
          decode_struct(item, list[i].as<DynamicStruct>(), p);
        break;
      case ST::LIST:
        if (!item.is_list()) fail(p, item, "expected a list, got " + item.describe());
        decode_list_items(item, list.init(i, item.size()).as<DynamicList>(), element.asList(),
                          field, p);
        break;
      default: {
        if (item.is_null()) fail(p, item, "expected " + type_name(element) + ", got null");
        scalar_scratch scratch;
        list.set(i, decode_scalar(item, element, field, p, scratch));
      }
    }
  }
}

void decode_list(const node& v, DynamicStruct::Builder b, StructSchema::Field f, field_path& p) {
  auto schema = f.getType().asList();
  auto element = schema.getElementType();
  if (is_map_entry(element)) {
    if (!v.is_map()) fail(p, v, "expected a mapping, got " + v.describe());
    auto list = b.init(f, static_cast<unsigned>(v.size())).as<DynamicList>();
    return decode_map_entries(v, list, element.asStruct(), p);
  }
  if (!v.is_list()) fail(p, v, "expected a list, got " + v.describe());
  auto list = b.init(f, static_cast<unsigned>(v.size())).as<DynamicList>();
  decode_list_items(v, list, schema, f, p);
}

void decode_struct(const node& n, DynamicStruct::Builder b, field_path& p) {
  if (n.is_null()) return;
  auto schema = b.getSchema();
  if (!n.is_map()) fail(p, n, "expected a mapping, got " + n.describe());
  std::optional<StructSchema::Field> union_member;
  for (auto& [key, value] : n.entries()) {
    auto scope = p.field(key);
    auto field = find_field(schema, key);
    if (!field) {
      std::string problem = "unknown field " + quote(key);
      for (auto candidate : schema.getFields()) {
        if (is_unset_member(candidate)) continue;
        auto name = json_name(candidate);
        if (edit_distance(to_lower(key), to_lower(name)) <= 2) {
          problem += "; did you mean " + quote(name) + "?";
          break;
        }
      }
      fail(p, value, problem);
    }
    if (in_union(*field)) {
      if (union_member)
        fail(p, value, quote(json_name(*union_member)) + " is already set; " + quote(key) +
                           " and " + quote(json_name(*union_member)) +
                           " are alternatives: set only one");
      union_member = field;
    }
    try {
      decode_field(value, b, *field, p);
    } catch (const kj::Exception& e) {  // anything the dynamic API rejects
      fail(p, value, e.getDescription().cStr());
    }
  }
}

// ---- unknown fields -------------------------------------------------------------------------
// The decoder's walk of a tree by its schema, removing the fields the schema does not have.

void prune_struct(node& n, StructSchema schema, field_path& p, std::vector<std::string>& dropped);
void prune_field(node& v, StructSchema::Field f, field_path& p, std::vector<std::string>& dropped);

void prune_value(node& v, capnp::Type t, field_path& p, std::vector<std::string>& dropped) {
  if (t.which() == ST::STRUCT) {
    if (v.is_map()) prune_struct(v, t.asStruct(), p, dropped);
    return;
  }
  if (t.which() != ST::LIST) return;
  auto element = t.asList().getElementType();
  if (is_map_entry(element)) {
    if (!v.is_map()) return;
    auto value_field = element.asStruct().getFieldByName("value");
    for (auto& [key, value] : v.entries()) {
      auto scope = p.key(key);
      prune_field(value, value_field, p, dropped);
    }
    return;
  }
  if (!v.is_list()) return;
  for (size_t i = 0; i < v.items().size(); ++i) {
    auto scope = p.index(i);
    prune_value(v.items()[i], element, p, dropped);
  }
}

void prune_field(node& v, StructSchema::Field f, field_path& p, std::vector<std::string>& dropped) {
  if (f.getProto().isGroup()) {
    auto group = f.getType().asStruct();
    if (!is_optional_group(group) && v.is_map()) prune_struct(v, group, p, dropped);
    return;
  }
  prune_value(v, f.getType(), p, dropped);
}

void prune_struct(node& n, StructSchema schema, field_path& p, std::vector<std::string>& dropped) {
  auto& entries = n.entries();
  for (auto it = entries.begin(); it != entries.end();) {
    auto scope = p.field(it->first);
    auto field = find_field(schema, it->first);
    if (!field) {
      dropped.push_back(p.str());
      it = entries.erase(it);
      continue;
    }
    prune_field(it->second, *field, p, dropped);
    ++it;
  }
}

// ---- encoding -------------------------------------------------------------------------------

node encode_struct(DynamicStruct::Reader r);
node encode_value(DynamicValue::Reader v, capnp::Type t, StructSchema::Field field);

bool has_content(DynamicStruct::Reader r);

bool should_emit(DynamicStruct::Reader r, StructSchema::Field f) {
  auto proto = f.getProto();
  bool member = in_union(f);
  if (member) {
    KJ_IF_MAYBE(active, r.which()) {
      if (*active != f) return false;
    } else {
      return false;
    }
    if (is_unset_member(f)) return false;
  }
  if (proto.isGroup()) {
    auto group = r.get(f).as<DynamicStruct>();
    if (is_optional_group(f.getType().asStruct())) {
      KJ_IF_MAYBE(active, group.which()) { return !is_unset_member(*active); }
      return false;
    }
    return has_content(group);
  }
  if (f.getType().which() == ST::VOID) return member;
  if (has_annotation(f, annotation_id::always)) return true;
  // A map left empty (the last label removed) is absent, as Go's omitempty leaves it.
  if (f.getType().which() == ST::LIST && is_map_entry(f.getType().asList().getElementType()) &&
      r.get(f).as<DynamicList>().size() == 0)
    return false;
  return r.has(f, member ? capnp::HasMode::NON_NULL : capnp::HasMode::NON_DEFAULT);
}

bool has_content(DynamicStruct::Reader r) {
  for (auto f : r.getSchema().getFields())
    if (should_emit(r, f)) return true;
  return false;
}

node encode_scalar(DynamicValue::Reader v, capnp::Type t, StructSchema::Field field) {
  switch (t.which()) {
    case ST::TEXT: {  // by its size: a string may hold NUL characters
      auto text = v.as<capnp::Text>();
      return node::string(std::string(text.cStr(), text.size()));
    }
    case ST::DATA: return node::string(kj::encodeBase64(v.as<capnp::Data>()).cStr());
    case ST::ENUM: return node::string(scalar_text(v, field));
    case ST::INT64:
      if (has_annotation(field, annotation_id::rfc3339) ||
          has_annotation(field, annotation_id::rfc3339_micro)) {
        if (v.as<int64_t>() == 0 && has_annotation(field, annotation_id::always)) return node::null();
        return node::string(scalar_text(v, field));
      }
      return node::plain(scalar_text(v, field));
    case ST::VOID: return node::map();
    default: return node::plain(scalar_text(v, field));
  }
}

node encode_list(DynamicList::Reader list, capnp::ListSchema schema, StructSchema::Field field) {
  auto element = schema.getElementType();
  if (is_map_entry(element)) {
    auto value_field = element.asStruct().getFieldByName("value");
    node out = node::map();
    for (auto item : list) {
      auto e = item.as<DynamicStruct>();
      auto key = e.get("key").as<capnp::Text>();
      out.entries().emplace_back(std::string(key.cStr(), key.size()),
                                 encode_value(e.get(value_field), value_field.getType(),
                                              value_field));
    }
    // Kubernetes' maps are Go maps, which its JSON and YAML print in key order.
    std::sort(out.entries().begin(), out.entries().end(),
              [](auto& a, auto& b) { return a.first < b.first; });
    return out;
  }
  node out = node::list();
  for (auto item : list) out.push(encode_value(item, element, field));
  return out;
}

node encode_value(DynamicValue::Reader v, capnp::Type t, StructSchema::Field field) {
  if (t.which() == ST::STRUCT) {
    auto s = v.as<DynamicStruct>();
    if (is_scalar_union(t)) {
      KJ_IF_MAYBE(member, s.which()) {
        return encode_scalar(s.get(*member), member->getType(), *member);
      }
    }
    return encode_struct(s);
  }
  if (t.which() == ST::LIST) return encode_list(v.as<DynamicList>(), t.asList(), field);
  return encode_scalar(v, t, field);
}

node encode_struct(DynamicStruct::Reader r) {
  node out = node::map();
  for (auto f : r.getSchema().getFields()) {
    if (!should_emit(r, f)) continue;
    if (f.getProto().isGroup()) {
      auto group = r.get(f).as<DynamicStruct>();
      auto group_schema = f.getType().asStruct();
      if (is_optional_group(group_schema)) {
        auto value_field = group_schema.getFieldByName("value");
        out.entries().emplace_back(json_name(f), encode_scalar(group.get(value_field),
                                                               value_field.getType(), value_field));
      } else {
        out.entries().emplace_back(json_name(f), encode_struct(group));
      }
      continue;
    }
    out.entries().emplace_back(json_name(f), encode_value(r.get(f), f.getType(), f));
  }
  return out;
}

std::string scalar_field(const node& doc, std::string_view key) {
  const node* n = doc.find(key);
  return n && n->is_scalar() ? n->text() : std::string();
}

void decode_document(const node& doc, std::string origin, const kind_registry& kinds,
                     std::vector<manifest>& out) {
  if (doc.is_null()) return;
  if (!doc.is_map())
    throw api_error(api_errc::bad_request, origin + ": expected an object (a mapping), got " +
                                               doc.describe());
  std::string api_version = scalar_field(doc, "apiVersion");
  std::string kind = scalar_field(doc, "kind");
  if (api_version.empty())
    throw api_error(api_errc::bad_request, origin + ": apiVersion is required");
  if (kind.empty()) throw api_error(api_errc::bad_request, origin + ": kind is required");
  if (kind == "List" && api_version == "v1") {
    const node* items = doc.find("items");
    if (!items || !items->is_list())
      throw api_error(api_errc::bad_request, origin + ": items: a List needs a list of items");
    for (size_t i = 0; i < items->items().size(); ++i)
      decode_document(items->items()[i], origin + " items[" + std::to_string(i) + "]", kinds, out);
    return;
  }
  const kind_info* info = kinds.find(api_version, kind);
  if (!info) {
    std::string hint;
    for (auto& k : kinds.all())
      if (k->kind == kind) hint = " (" + kind + " is served as " + k->api_version() + ")";
    throw api_error(api_errc::bad_request, origin + ": no matches for kind " + quote(kind) +
                                               " in version " + quote(api_version) + hint);
  }
  manifest m;
  m.kind = info;
  m.origin = origin;
  m.bytes = decode_object(doc, *info, origin);
  m.tree = doc;
  out.push_back(std::move(m));
}

bool looks_like_json(std::string_view text) {
  auto t = trim(text);
  return !t.empty() && (t.front() == '{' || t.front() == '[');
}

}  // namespace

void decode_into(const node& tree, capnp::DynamicStruct::Builder out) {
  field_path p;
  decode_struct(tree, out, p);
}

node encode(capnp::DynamicStruct::Reader in) { return encode_struct(in); }

std::string decode_object(const node& tree, const kind_info& kind, std::string_view origin) {
  capnp::MallocMessageBuilder message;
  try {
    decode_into(tree, message.initRoot<DynamicStruct>(kind.schema));
  } catch (const api_error& e) {
    throw api_error(e.code(), std::string(origin) + ": " + e.message());
  }
  return to_bytes(message);
}

std::vector<std::string> drop_unknown_fields(node& tree, const kind_info& kind) {
  std::vector<std::string> dropped;
  field_path p;
  if (tree.is_map()) prune_struct(tree, kind.schema, p, dropped);
  return dropped;
}

node encode_object(std::string_view bytes, const kind_info& kind) {
  object_reader reader(bytes);
  return encode(reader.as(kind.schema));
}

std::vector<manifest> decode_manifest_document(const node& doc, std::string_view origin,
                                               const kind_registry& kinds) {
  std::vector<manifest> out;
  decode_document(doc, std::string(origin), kinds, out);
  return out;
}

std::vector<manifest> decode_manifests(std::string_view text, std::string_view source,
                                       const kind_registry& kinds) {
  std::vector<manifest> out;
  if (looks_like_json(text)) {
    decode_document(parse_json(text, source), std::string(source), kinds, out);
    return out;
  }
  for (auto& doc : parse_yaml(text, source))
    decode_document(doc.root, std::string(source) + " doc " + std::to_string(doc.index), kinds,
                    out);
  return out;
}

}  // namespace troupe::codec
