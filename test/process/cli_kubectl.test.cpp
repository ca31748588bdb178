// Behaviour a kubectl user relies on, against a real `troupe server`: what describe hides,
// how edit keeps a user's change, how label/annotate/delete/get/apply/wait report and fail.

#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <filesystem>

#include "test/harness/cli.hpp"

using troupe::testing::cli_result;
using troupe::testing::cluster;
using troupe::testing::lines;

namespace {

const char* configmap = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c1}\ndata: {a: '1'}\n";

}  // namespace

TEST_CASE("describe secret shows sizes and never the values", "[process][cli]") {
  cluster c;
  REQUIRE(c.troupe({"create", "secret", "generic", "s1", "--from-literal=password=hunter22",
                    "--from-literal=user=admin"})
              .code == 0);
  // An applied Secret carries its values in the last-applied record too.
  REQUIRE(c.troupe({"apply", "-f", "-"}, "apiVersion: v1\nkind: Secret\nmetadata: {name: s2}\n"
                                        "type: Opaque\ndata: {token: c2VjcmV0LXRva2Vu}\n")
              .code == 0);
  auto d = c.troupe({"describe", "secret", "s1"});
  CHECK(d.code == 0);
  CHECK(d.out ==
        "Name:         s1\n"
        "Namespace:    default\n"
        "Labels:       <none>\n"
        "Annotations:  <none>\n"
        "\n"
        "Type:  Opaque\n"
        "\n"
        "Data\n"
        "====\n"
        "password:  8 bytes\n"
        "user:      5 bytes\n");
  for (auto* args : {"secret", "secrets"}) {
    auto all = c.troupe({"describe", args});
    CHECK(all.code == 0);
    for (auto* value : {"hunter22", "aHVudGVyMjI", "admin", "YWRtaW4", "secret-token", "c2VjcmV0LXRva2Vu"})
      CHECK_THAT(all.out, !Catch::Contains(value));
    CHECK_THAT(all.out, Catch::Contains("token:  12 bytes"));
  }
}
