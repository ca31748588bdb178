#include <capnp/message.h>

#include <catch2/catch.hpp>

#include "actors/cluster/token.hpp"
#include "runtime/object/cidr.hpp"
#include "runtime/object/kinds.hpp"
#include "runtime/object/object.hpp"
#include "runtime/store/engine.hpp"
#include "schema/core.capnp.h"
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
  const int64_t now = 1700000000;
  CHECK_FALSE(token_valid(engine.read(), t.text(), now));
  std::vector<store::write_result> results;
  std::vector<store::change> changes;
  auto keep = [&](const join_token& token, const std::string& secret) {
    engine.commit(
        {{store::op_kind::create, "secrets/kube-system/bootstrap-token-" + token.id, 0, secret}},
        results, changes);
    REQUIRE(results.at(0).error == api_errc::none);
  };
  keep(t, token_secret(t, "test"));
  CHECK(token_valid(engine.read(), t.text(), now));
  CHECK_FALSE(token_valid(engine.read(), t.id + ".0000000000000000", now));
  CHECK_FALSE(token_valid(engine.read(), "zzzzzz." + t.secret, now));

  // A token with a lifetime is good until its expiration, and not from then on.
  auto day = make_token();
  keep(day, token_secret(day, "a day", now + 86400));
  CHECK(token_valid(engine.read(), day.text(), now + 86399));
  CHECK_FALSE(token_valid(engine.read(), day.text(), now + 86400));

  // One not marked for authentication, or whose expiration cannot be read, joins nothing.
  auto other = make_token(), garbled = make_token();
  auto without = [](std::string bytes, const std::string& key, const std::string& value) {
    object_reader r(bytes);
    capnp::MallocMessageBuilder m;
    m.setRoot(r.as<k8s::Secret>());
    for (auto e : m.getRoot<k8s::Secret>().getData())
      if (text_view(e.getKey()) == key)
        e.setValue(kj::arrayPtr(reinterpret_cast<const kj::byte*>(value.data()), value.size()));
    return to_bytes(m);
  };
  keep(other,
       without(token_secret(other, "signing only"), "usage-bootstrap-authentication", "false"));
  CHECK_FALSE(token_valid(engine.read(), other.text(), now));
  keep(garbled, without(token_secret(garbled, "garbled", now + 86400), "expiration", "tomorrow"));
  CHECK_FALSE(token_valid(engine.read(), garbled.text(), now));
}
