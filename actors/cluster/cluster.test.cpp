#include <catch2/catch.hpp>

#include "actors/cluster/token.hpp"
#include "runtime/object/cidr.hpp"
#include "runtime/object/kinds.hpp"
#include "runtime/store/engine.hpp"
#include "test/harness/temp_dir.hpp"

using namespace troupe;

TEST_CASE("pod ranges: one /24 per node from the cluster range", "[cluster][cidr]") {
  auto range = parse_cidr("127.64.0.0/10");
  REQUIRE(range);
  CHECK(allocate_node_cidr(*range, {}) == "127.64.0.0/24");
  CHECK(allocate_node_cidr(*range, {"127.64.0.0/24", "127.64.1.0/24"}) == "127.64.2.0/24");
  auto small = parse_cidr("127.200.0.0/23");
  CHECK(allocate_node_cidr(*small, {"127.200.0.0/24", "127.200.1.0/24"}) == std::nullopt);
  CHECK_FALSE(parse_cidr("127.64.0.1/10"));  // host bits set
  CHECK_FALSE(parse_cidr("127.64.0.0"));
  CHECK_FALSE(parse_cidr("300.1.1.1/8"));
  auto node = parse_cidr("127.64.3.0/24");
  CHECK(allocate_pod_ip(*node, {}) == "127.64.3.2");
  CHECK(allocate_pod_ip(*node, {"127.64.3.2", "127.64.3.3"}) == "127.64.3.4");
  std::set<std::string> full;
  for (int i = 2; i < 255; ++i) full.insert("127.64.3." + std::to_string(i));
  CHECK(allocate_pod_ip(*node, full) == std::nullopt);
}

TEST_CASE("join tokens: form storage and checking", "[cluster][token]") {
  auto t = make_token();
  CHECK(t.id.size() == 6);
  CHECK(t.secret.size() == 16);
  CHECK(parse_token(t.text()).has_value());
  CHECK_FALSE(parse_token("abc.def"));
  CHECK_FALSE(parse_token("ABCDEF.0123456789abcdef"));

  troupe::testing::temp_dir dir;
  store::engine engine(store::engine_options{dir.path()});
  CHECK_FALSE(token_valid(engine.read(), t.text()));
  std::vector<store::write_result> results;
  std::vector<store::change> changes;
  engine.commit({{store::op_kind::create, "secrets/kube-system/bootstrap-token-" + t.id, 0, token_secret(t, "test")}},
                results, changes);
  REQUIRE(results.at(0).error == api_errc::none);
  CHECK(token_valid(engine.read(), t.text()));
  CHECK_FALSE(token_valid(engine.read(), t.id + ".0000000000000000"));
  CHECK_FALSE(token_valid(engine.read(), "zzzzzz." + t.secret));
}
