#include "actors/tokencleaner/tokencleaner.hpp"

#include <atomic>
#include <caf/all.hpp>
#include <catch2/catch.hpp>
#include <thread>

#include "actors/cluster/token.hpp"
#include "runtime/base/time.hpp"
#include "runtime/codec/object_codec.hpp"
#include "test/harness/control_plane.hpp"
#include "test/harness/eventually.hpp"

using namespace troupe;
using troupe::testing::eventually;

TEST_CASE("a bootstrap token's expiration as the token cleaner reads it", "[tokencleaner]") {
  auto token = make_token();
  auto expiring = token_secret(token, "t", 1000);
  CHECK(bootstrap_token_expiry(expiring, 400).seconds_left == std::optional<int64_t>(600));
  CHECK(!bootstrap_token_expiry(expiring, 400).expired);
  CHECK(bootstrap_token_expiry(expiring, 1000).expired);
  CHECK(!bootstrap_token_expiry(token_secret(token, "t"), 400).expired);  // never expires
  CHECK(!bootstrap_token_expiry(token_secret(token, "t"), 400).seconds_left);
  troupe::testing::control_plane f;
  // An expiration that does not parse (\"soon\") counts as expired; a Secret of another type is
  // not one.
  auto garbled = f.manifest(
      "apiVersion: v1\nkind: Secret\nmetadata: {name: bootstrap-token-abcdef, namespace: "
      "kube-system}\n"
      "type: bootstrap.kubernetes.io/token\ndata: {token-id: YWJjZGVm, expiration: c29vbg==}\n");
  CHECK(bootstrap_token_expiry(garbled, 400).expired);
  auto opaque = f.manifest(
      "apiVersion: v1\nkind: Secret\nmetadata: {name: other, namespace: kube-system}\n"
      "data: {expiration: MjAwMC0wMS0wMVQwMDowMDowMFo=}\n");
  CHECK(!bootstrap_token_expiry(opaque, 400).expired);
}

TEST_CASE("expired join tokens are deleted and the others kept until they expire",
          "[tokencleaner]") {
  troupe::testing::control_plane f;
  auto now = unix_seconds();
  auto expired = make_token(), soon = make_token(), lasting = make_token();
  for (auto [token, expires] :
       {std::pair{expired, now - 10}, {soon, now + 2}, {lasting, int64_t{0}}})
    REQUIRE(f.call(make_request(api_verb::create, "secrets", "kube-system", "",
                                token_secret(token, "test", expires))));
  f.keep(spawn_token_cleaner(f.sys(), {f.engine(), f.router(), f.store()}));
  auto exists = [&](const join_token& t) {
    return f.exists("secrets", "kube-system", "bootstrap-token-" + t.id);
  };
  CHECK(eventually([&] { return !exists(expired); }));
  CHECK(exists(soon));
  CHECK(eventually([&] { return !exists(soon); }, std::chrono::seconds(10)));
  // One made while it runs, already expired, goes too; a lasting one stays.
  auto late = make_token();
  REQUIRE(f.call(make_request(api_verb::create, "secrets", "kube-system", "",
                              token_secret(late, "test", now - 1))));
  CHECK(eventually([&] { return !exists(late); }));
  CHECK(exists(lasting));
  // One whose expiration is brought forward goes at the new time, not the old one.
  auto moved = make_token();
  REQUIRE(f.call(make_request(api_verb::create, "secrets", "kube-system", "",
                              token_secret(moved, "test", now + 3600))));
  REQUIRE(
      f.call(make_request(api_verb::update, "secrets", "kube-system", "bootstrap-token-" + moved.id,
                          token_secret(moved, "test", unix_seconds() + 1))));
  CHECK(eventually([&] { return !exists(moved); }, std::chrono::seconds(10)));
  // One that never really expires (a far date) stays, and is not looked at in a loop.
  auto far = make_token();
  REQUIRE(f.call(make_request(api_verb::create, "secrets", "kube-system", "",
                              token_secret(far, "test", 253402300799))));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  CHECK(exists(far));
}

TEST_CASE("a deletion that failed is tried again without waiting for another event",
          "[tokencleaner]") {
  troupe::testing::control_plane f;
  // The API in front of it refuses its first deletion, as a server briefly unable to write.
  auto refusals = std::make_shared<std::atomic<int>>(1);
  auto flaky = f.refusing(api_verb::remove, refusals);
  auto expired = make_token();
  REQUIRE(f.call(make_request(api_verb::create, "secrets", "kube-system", "",
                              token_secret(expired, "test", unix_seconds() - 10))));
  f.keep(spawn_token_cleaner(f.sys(), {f.engine(), flaky, f.store()}));
  CHECK(eventually(
      [&] { return !f.exists("secrets", "kube-system", "bootstrap-token-" + expired.id); }));
  CHECK(refusals->load() < 0);  // refused once, then deleted
}
