#include "runtime/object/compare.hpp"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "runtime/codec/object_codec.hpp"
#include "runtime/object/kinds.hpp"
#include "runtime/object/object.hpp"

using namespace troupe;

namespace {

const kind_registry& kinds() {
  static const kind_registry registry = builtin_kinds();
  return registry;
}

codec::manifest decode(const std::string& yaml) {
  return codec::decode_manifests(yaml, "test.yaml", kinds()).at(0);
}

// Compares two manifests both ways: by content, and as documents (what it stands in for).
std::pair<bool, bool> compare(const std::string& a_yaml, const std::string& b_yaml) {
  auto a = decode(a_yaml), b = decode(b_yaml);
  object_reader ra(a.bytes), rb(b.bytes);
  bool by_content = same_content(ra.as(a.kind->schema), rb.as(b.kind->schema));
  bool as_documents =
      codec::encode_object(a.bytes, *a.kind) == codec::encode_object(b.bytes, *b.kind);
  return {by_content, as_documents};
}

const std::string pod = R"(apiVersion: v1
kind: Pod
metadata: {name: web, labels: {app: web}}
spec:
  containers:
  - name: c
    image: busybox
    command: [sh, -c, "sleep 1"]
    readinessProbe: {exec: {command: ["true"]}}
)";

std::string with(std::string text, const std::string& from, const std::string& to) {
  auto at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

}  // namespace

TEST_CASE("same content compares values and not layout", "[compare]") {
  CHECK(compare(pod, pod) == std::make_pair(true, true));
  // Written in another order: another layout, the same content.
  CHECK(compare(pod, with(pod, "metadata: {name: web, labels: {app: web}}",
                          "metadata: {labels: {app: web}, name: web}")) ==
        std::make_pair(true, true));
  // Empty where the other is unset.
  CHECK(
      compare(pod, with(pod, "    image: busybox\n", "    image: busybox\n    args: []\n")).first);

  std::vector<std::pair<std::string, std::string>> changes = {
      {"labels: {app: web}", "labels: {app: db}"},
      {"labels: {app: web}", "labels: {app: web, tier: a}"},
      {"image: busybox", "image: nginx"},
      {"\"sleep 1\"", "\"sleep 2\""},
      {"command: [sh, -c, \"sleep 1\"]", "command: [sh, \"sleep 1\", -c]"},
      {"{exec: {command: [\"true\"]}}", "{tcpSocket: {port: 80}}"},  // another union member
      {"{exec: {command: [\"true\"]}}", "{exec: {command: [\"true\"]}, periodSeconds: 3}"},
      {"spec:\n", "spec:\n  restartPolicy: Never\n"},
      {"spec:\n", "spec:\n  securityContext: {}\n"},  // set, even to defaults, is not unset
  };
  for (auto& [from, to] : changes) {
    INFO(from << " -> " << to);
    CHECK(compare(pod, with(pod, from, to)) == std::make_pair(false, false));
  }
}

TEST_CASE("every example equals itself read back from its document", "[compare]") {
  for (auto& entry : std::filesystem::directory_iterator(TROUPE_EXAMPLES_DIR)) {
    std::ifstream in(entry.path());
    std::stringstream text;
    text << in.rdbuf();
    for (auto& m : codec::decode_manifests(text.str(), entry.path().filename().string(), kinds())) {
      INFO(m.origin);
      auto again = codec::decode_object(codec::encode_object(m.bytes, *m.kind), *m.kind, "again");
      object_reader a(m.bytes), b(again);
      CHECK(same_content(a.as(m.kind->schema), b.as(m.kind->schema)));
    }
  }
}
