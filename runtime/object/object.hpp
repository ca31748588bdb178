#pragma once
// Kind-agnostic access to stored objects. Every top-level kind declares apiVersion @0, kind @1
// and metadata @2, so metadata is always pointer 2 of the root struct: the store and the
// generic API paths read and stamp it without knowing the kind (kinds.test.cpp checks this).

#include <capnp/any.h>
#include <capnp/dynamic.h>
#include <capnp/message.h>
#include <capnp/serialize.h>

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "schema/meta.capnp.h"

namespace troupe {

/// Reads a flat-array object held in a byte string. Copies into an aligned buffer only when the
/// bytes are not 8-byte aligned (Cap'n Proto 0.9 rejects unaligned segments). Borrows `bytes`:
/// they must outlive the reader.
class object_reader {
 public:
  explicit object_reader(std::string_view bytes);
  object_reader(const object_reader&) = delete;
  object_reader& operator=(const object_reader&) = delete;

  capnp::AnyStruct::Reader root() { return reader_->getRoot<capnp::AnyStruct>(); }
  /// The root as a pointer, to copy into another message (`builder.getObject().set(r.any())`).
  capnp::AnyPointer::Reader any() { return reader_->getRoot<capnp::AnyPointer>(); }
  k8s::ObjectMeta::Reader meta();
  template <class T>
  typename T::Reader as() {
    return reader_->getRoot<T>();
  }
  capnp::DynamicStruct::Reader as(capnp::StructSchema schema) {
    return reader_->getRoot<capnp::DynamicStruct>(schema);
  }

 private:
  kj::Array<capnp::word> copy_;
  std::optional<capnp::FlatArrayMessageReader> reader_;
};

/// Cap'n Proto text as standard strings.
inline std::string_view text_view(capnp::Text::Reader t) { return {t.cStr(), t.size()}; }
inline std::string text_string(capnp::Text::Reader t) { return {t.cStr(), t.size()}; }
inline std::string text_string(capnp::Text::Builder t) { return text_string(t.asReader()); }

/// The metadata of any top-level object.
k8s::ObjectMeta::Reader meta_of(capnp::AnyStruct::Reader root);
k8s::ObjectMeta::Builder meta_of(capnp::AnyStruct::Builder root);

/// Serialises a message as one flat array in a byte string (what the store and messages carry).
std::string to_bytes(capnp::MessageBuilder& message);
/// Copies a root struct into a fresh message: compact, single segment.
std::string copy_to_bytes(capnp::AnyStruct::Reader root);

/// Label and annotation maps (List(StringEntry)).
using string_map_reader = capnp::List<k8s::StringEntry>::Reader;
std::optional<std::string_view> map_get(string_map_reader map, std::string_view key);
/// Fills a freshly initialised map field: `fill_map(meta.initLabels(n), entries)`.
template <class Entries>
void fill_map(capnp::List<k8s::StringEntry>::Builder list, const Entries& entries) {
  unsigned i = 0;
  for (auto& [key, value] : entries) {
    list[i].setKey(key);
    list[i].setValue(value);
    ++i;
  }
}
std::vector<std::pair<std::string, std::string>> map_entries(string_map_reader map);
/// The map by key (a key given twice keeps its last value): for comparing maps, and printing
/// them as Go prints a map, keys sorted.
std::map<std::string, std::string> sorted_map(string_map_reader map);

/// Name lists such as finalizers (List(Text)). The names with `name` added at the end, or
/// nullopt when it is there already; the names without `name`, or nullopt when it is absent.
/// Read before the field is initialised again, which orphans the old list.
std::optional<std::vector<std::string>> with_name(capnp::List<capnp::Text>::Reader names,
                                                  std::string_view name);
std::optional<std::vector<std::string>> without_name(capnp::List<capnp::Text>::Reader names,
                                                     std::string_view name);
/// Fills a freshly initialised name list: `fill_names(meta.initFinalizers(n), names)`.
void fill_names(capnp::List<capnp::Text>::Builder list, const std::vector<std::string>& names);
/// metadata.finalizers = `names`; with none left the field goes, as Kubernetes' JSON omits it.
void set_finalizers(k8s::ObjectMeta::Builder meta, const std::vector<std::string>& names);

/// "ns/name" or "name" for cluster-scoped objects.
std::string namespaced_name(k8s::ObjectMeta::Reader meta);

/// Store key of an object: "<resource>/<namespace>/<name>" ("nodes//n1" when cluster-scoped).
std::string object_key(std::string_view resource, std::string_view ns, std::string_view name);
/// Prefix that lists a resource, optionally one namespace: "pods/" or "pods/default/".
std::string list_prefix(std::string_view resource, std::string_view ns);
/// Splits a store key back into (resource, namespace, name).
struct key_parts {
  std::string_view resource, ns, name;
};
std::optional<key_parts> parse_key(std::string_view key);

}  // namespace troupe
