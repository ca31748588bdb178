#include "runtime/cli/merge_diff.hpp"

#include <catch2/catch.hpp>

#include "runtime/codec/json.hpp"
#include "runtime/codec/patch.hpp"

using namespace troupe;

TEST_CASE("merge_diff holds only what changed and merges back to the new version", "[cli][merge_diff]") {
  struct row {
    const char* from;
    const char* to;
    const char* patch;
  };
  for (auto& r : std::vector<row>{
           {R"({"a":1})", R"({"a":1})", R"({})"},
           {R"({"a":1})", R"({"a":2})", R"({"a":2})"},
           {R"({"a":1,"b":2})", R"({"a":1})", R"({"b":null})"},
           {R"({"a":1})", R"({"a":1,"b":{"c":3}})", R"({"b":{"c":3}})"},
           {R"({"m":{"x":1,"y":2}})", R"({"m":{"x":1,"y":3}})", R"({"m":{"y":3}})"},
           {R"({"m":{"x":1}})", R"({"m":{}})", R"({"m":{"x":null}})"},
           {R"({"l":[1,2]})", R"({"l":[1,2]})", R"({})"},
           {R"({"l":[1,2]})", R"({"l":[2]})", R"({"l":[2]})"},
           {R"({"m":{"x":1}})", R"({"m":"text"})", R"({"m":"text"})"},
           {R"({"s":"1"})", R"({"s":1})", R"({"s":1})"},
       }) {
    CAPTURE(r.from, r.to);
    auto from = codec::parse_json(r.from, "from"), to = codec::parse_json(r.to, "to");
    auto patch = cli::merge_diff(from, to);
    CHECK(codec::to_json(patch) == codec::to_json(codec::parse_json(r.patch, "patch")));
    CHECK(codec::merge_patch(from, patch) == to);
  }
}
