// Every manifest in examples/ decodes, and YAML -> object -> YAML keeps every field its author
// wrote. The only values allowed to disappear are zero values of plain (non-optional) scalars,
// which Kubernetes drops the same way (`hostNetwork: false`).
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "runtime/codec/object_codec.hpp"
#include "runtime/codec/yaml.hpp"

using namespace troupe;
using namespace troupe::codec;

namespace {

bool is_zero(const node& n) {
  if (n.is_null()) return true;
  if (!n.is_scalar() || n.quoted()) return n.is_scalar() && n.text().empty();
  auto t = n.resolve();
  return (t == node::scalar_type::boolean && !*n.as_bool()) ||
         (t == node::scalar_type::integer && *n.as_integer() == 0);
}

bool same_scalar(const node& a, const node& b) {
  if (a.text() == b.text()) return true;  // covers `cpu: 1` read back as "1"
  auto x = a.as_integer(), y = b.as_integer();
  return x && y && *x == *y;
}

void expect_covers(const node& written, const node& encoded, const std::string& path) {
  INFO(path);
  if (written.is_null()) return;
  if (written.is_scalar()) {
    REQUIRE(encoded.is_scalar());
    CHECK(same_scalar(written, encoded));
    return;
  }
  if (written.is_list()) {
    REQUIRE(encoded.is_list());
    REQUIRE(encoded.size() == written.size());
    for (size_t i = 0; i < written.size(); ++i)
      expect_covers(written.items()[i], encoded.items()[i], path + "[" + std::to_string(i) + "]");
    return;
  }
  REQUIRE(encoded.is_map());
  for (auto& [key, value] : written.entries()) {
    const node* out = encoded.find(key);
    if (!out) {
      INFO(path + "." + key + " was dropped");
      CHECK(is_zero(value));
      continue;
    }
    expect_covers(value, *out, path + "." + key);
  }
  for (auto& [key, value] : encoded.entries()) {
    INFO(path + "." + key + " appeared from nowhere");
    // Go writes a zero time as null and a string without omitempty as "".
    CHECK((written.find(key) != nullptr || value.is_null() || (value.is_scalar() && value.text().empty())));
  }
}

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST_CASE("every example round-trips", "[codec][examples]") {
  auto kinds = builtin_kinds();
  std::set<std::string> seen_kinds;
  size_t files = 0;
  for (auto& entry : std::filesystem::recursive_directory_iterator(TROUPE_EXAMPLES_DIR)) {
    if (entry.path().extension() != ".yaml") continue;
    ++files;
    auto text = read_file(entry.path());
    auto source = entry.path().filename().string();
    INFO(source);
    auto objects = decode_manifests(text, source, kinds);
    REQUIRE_FALSE(objects.empty());
    for (auto& obj : objects) {
      INFO(obj.origin);
      seen_kinds.insert(obj.kind->kind);
      node encoded = encode_object(obj.bytes, *obj.kind);
      expect_covers(obj.tree, encoded, "");
      // ...and the YAML text of it decodes to the same object again.
      auto again = decode_manifests(to_yaml(encoded), source, kinds);
      REQUIRE(again.size() == 1);
      CHECK(encode_object(again[0].bytes, *again[0].kind) == encoded);
    }
  }
  CHECK(files >= 10);
  // The examples cover every kind troupe serves.
  for (auto& k : kinds.all()) {
    INFO(k->kind);
    CHECK(seen_kinds.count(k->kind) == 1);
  }
}
