#include "runtime/object/object.hpp"

#include <cstring>

#include "runtime/base/error.hpp"

namespace troupe {

object_reader::object_reader(std::string_view bytes) {
  TROUPE_ASSERT(bytes.size() % sizeof(capnp::word) == 0, "object bytes are not whole words");
  auto words = kj::arrayPtr(reinterpret_cast<const capnp::word*>(bytes.data()),
                            bytes.size() / sizeof(capnp::word));
  if (reinterpret_cast<uintptr_t>(bytes.data()) % alignof(capnp::word) != 0) {
    copy_ = kj::heapArray<capnp::word>(words.size());
    std::memcpy(copy_.begin(), bytes.data(), bytes.size());
    words = copy_;
  }
  capnp::ReaderOptions options;
  options.traversalLimitInWords = 64 * 1024 * 1024;
  reader_.emplace(words, options);
}

k8s::ObjectMeta::Reader object_reader::meta() { return meta_of(root()); }

k8s::ObjectMeta::Reader meta_of(capnp::AnyStruct::Reader root) {
  auto pointers = root.getPointerSection();
  if (pointers.size() < 3) return k8s::ObjectMeta::Reader();
  return pointers[2].getAs<k8s::ObjectMeta>();
}

k8s::ObjectMeta::Builder meta_of(capnp::AnyStruct::Builder root) {
  auto pointers = root.getPointerSection();
  TROUPE_ASSERT(pointers.size() >= 3, "object has no metadata pointer");
  if (pointers[2].isNull()) return pointers[2].initAs<k8s::ObjectMeta>();
  return pointers[2].getAs<k8s::ObjectMeta>();
}

std::string to_bytes(capnp::MessageBuilder& message) {
  auto segments = message.getSegmentsForOutput();
  size_t words = capnp::computeSerializedSizeInWords(segments);
  std::string out(words * sizeof(capnp::word), '\0');
  kj::ArrayOutputStream stream(
      kj::arrayPtr(reinterpret_cast<kj::byte*>(out.data()), out.size()));
  capnp::writeMessage(stream, segments);
  return out;
}

std::string copy_to_bytes(capnp::AnyStruct::Reader root) {
  capnp::MallocMessageBuilder message(root.totalSize().wordCount + 8);
  message.setRoot(root);
  return to_bytes(message);
}

std::optional<std::string_view> map_get(string_map_reader map, std::string_view key) {
  for (auto entry : map) {
    auto k = entry.getKey();
    if (std::string_view(k.cStr(), k.size()) == key) {
      auto v = entry.getValue();
      return std::string_view(v.cStr(), v.size());
    }
  }
  return std::nullopt;
}

std::vector<std::pair<std::string, std::string>> map_entries(string_map_reader map) {
  std::vector<std::pair<std::string, std::string>> out;
  out.reserve(map.size());
  for (auto entry : map) out.emplace_back(entry.getKey(), entry.getValue());
  return out;
}

std::map<std::string, std::string> sorted_map(string_map_reader map) {
  std::map<std::string, std::string> out;
  for (auto entry : map) out[text_string(entry.getKey())] = text_string(entry.getValue());
  return out;
}

std::optional<std::vector<std::string>> with_name(capnp::List<capnp::Text>::Reader names,
                                                  std::string_view name) {
  std::vector<std::string> out;
  for (auto n : names) {
    if (std::string_view(n.cStr(), n.size()) == name) return std::nullopt;
    out.emplace_back(n.cStr(), n.size());
  }
  out.emplace_back(name);
  return out;
}

std::optional<std::vector<std::string>> without_name(capnp::List<capnp::Text>::Reader names,
                                                     std::string_view name) {
  std::vector<std::string> out;
  bool found = false;
  for (auto n : names) {
    if (std::string_view(n.cStr(), n.size()) == name)
      found = true;
    else
      out.emplace_back(n.cStr(), n.size());
  }
  if (!found) return std::nullopt;
  return out;
}

void fill_names(capnp::List<capnp::Text>::Builder list, const std::vector<std::string>& names) {
  for (unsigned i = 0; i < list.size() && i < names.size(); ++i) list.set(i, names[i]);
}

void set_finalizers(k8s::ObjectMeta::Builder meta, const std::vector<std::string>& names) {
  if (names.empty())
    meta.disownFinalizers();
  else
    fill_names(meta.initFinalizers(static_cast<unsigned>(names.size())), names);
}

std::string namespaced_name(k8s::ObjectMeta::Reader meta) {
  std::string ns = meta.getNamespace();
  std::string name = meta.getName();
  return ns.empty() ? name : ns + "/" + name;
}

std::string object_key(std::string_view resource, std::string_view ns, std::string_view name) {
  std::string key;
  key.reserve(resource.size() + ns.size() + name.size() + 2);
  key.append(resource).append("/").append(ns).append("/").append(name);
  return key;
}

std::string list_prefix(std::string_view resource, std::string_view ns) {
  std::string prefix(resource);
  prefix += "/";
  if (!ns.empty()) prefix.append(ns).append("/");
  return prefix;
}

std::optional<key_parts> parse_key(std::string_view key) {
  auto first = key.find('/');
  if (first == std::string_view::npos) return std::nullopt;
  auto second = key.find('/', first + 1);
  if (second == std::string_view::npos) return std::nullopt;
  return key_parts{key.substr(0, first), key.substr(first + 1, second - first - 1),
                   key.substr(second + 1)};
}

}  // namespace troupe
