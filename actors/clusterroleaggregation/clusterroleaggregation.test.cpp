#include "actors/clusterroleaggregation/clusterroleaggregation.hpp"

#include <atomic>
#include <caf/all.hpp>
#include <catch2/catch.hpp>
#include <thread>
#include <tuple>

#include "runtime/codec/object_codec.hpp"
#include "runtime/object/kinds.hpp"
#include "runtime/object/object.hpp"
#include "schema/rbac.capnp.h"
#include "test/harness/control_plane.hpp"
#include "test/harness/eventually.hpp"

using namespace troupe;
using troupe::testing::eventually;

namespace {

const kind_registry& kinds() {
  static const kind_registry registry = builtin_kinds();  // NOLINT: immutable test data
  return registry;
}

std::string role(const std::string& yaml) {
  return codec::decode_manifests(
             "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\n" + yaml, "test.yaml",
             kinds())
      .at(0)
      .bytes;
}

// The verbs of each rule, "get,list|watch".
std::string rule_verbs(std::string_view bytes) {
  object_reader r(bytes);
  std::string out;
  for (auto rule : r.as<k8s::ClusterRole>().getRules()) {
    if (!out.empty()) out += "|";
    std::string verbs;
    for (auto v : rule.getVerbs()) verbs += (verbs.empty() ? "" : ",") + text_string(v);
    out += verbs;
  }
  return out;
}

}  // namespace

TEST_CASE("an aggregated ClusterRole's rules are the union of the roles it selects",
          "[clusterroleaggregation]") {
  auto monitoring = role(
      "metadata: {name: monitoring, labels: {agg: 'true'}}\n"
      "aggregationRule: {clusterRoleSelectors: [{matchLabels: {agg: 'true'}}, "
      "{matchExpressions: [{key: tier, operator: In, values: [extra]}]}]}\n");
  auto b = role(
      "metadata: {name: b, labels: {agg: 'true'}}\n"
      "rules: [{verbs: [get], resources: [pods], apiGroups: ['']}, {verbs: [watch], resources: "
      "[pods], apiGroups: ['']}]\n");
  auto a = role(
      "metadata: {name: a, labels: {agg: 'true'}}\n"
      "rules: [{verbs: [list], resources: [pods], apiGroups: ['']}, {verbs: [get], resources: "
      "[pods], apiGroups: ['']}]\n");
  auto extra = role(
      "metadata: {name: c, labels: {tier: extra}}\n"
      "rules: [{verbs: [delete], resources: [pods], apiGroups: ['']}]\n");
  auto unlabelled =
      role("metadata: {name: d}\nrules: [{verbs: [create], resources: [pods], apiGroups: ['']}]\n");
  // By selector, then by name (a before b), each rule once; the role itself (matched by its
  // own label) and the unlabelled one left out.
  auto updated = with_aggregated_rules(monitoring, {monitoring, b, unlabelled, extra, a});
  REQUIRE(updated);
  CHECK(rule_verbs(*updated) == "list|get|watch|delete");
  // Already so: nothing to write.
  CHECK(!with_aggregated_rules(*updated, {*updated, b, unlabelled, extra, a}));
  // A role it selected is gone: its rules go.
  CHECK(rule_verbs(*with_aggregated_rules(*updated, {*updated, b, unlabelled, a})) ==
        "list|get|watch");
  // A role with no aggregationRule is left alone.
  CHECK(!with_aggregated_rules(a, {monitoring, a, b}));
}

TEST_CASE("the controller keeps an aggregated ClusterRole up to date", "[clusterroleaggregation]") {
  troupe::testing::control_plane f;
  f.keep(spawn_clusterrole_aggregation(f.sys(), {f.engine(), f.router(), f.store()}));
  auto verbs_of_monitoring = [&] {
    auto got = f.call(api_verb::get, "clusterroles.rbac.authorization.k8s.io", "", "monitoring");
    return got ? rule_verbs(got->object.str()) : std::string("missing");
  };
  REQUIRE(f.call(
      api_verb::create, "clusterroles.rbac.authorization.k8s.io", "", "",
      "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: reader, "
      "labels: {agg: 'true'}}\nrules: [{verbs: [get, list], resources: [pods], apiGroups: "
      "['']}]\n"));
  REQUIRE(f.call(
      api_verb::create, "clusterroles.rbac.authorization.k8s.io", "", "",
      "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: monitoring}\n"
      "aggregationRule: {clusterRoleSelectors: [{matchLabels: {agg: 'true'}}]}\n"));
  CHECK(eventually([&] { return verbs_of_monitoring() == "get,list"; }));
  REQUIRE(f.call(
      api_verb::create, "clusterroles.rbac.authorization.k8s.io", "", "",
      "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: writer, "
      "labels: {agg: 'true'}}\nrules: [{verbs: [create], resources: [pods], apiGroups: ['']}]\n"));
  CHECK(eventually([&] { return verbs_of_monitoring() == "get,list|create"; }));
  REQUIRE(f.call(api_verb::remove, "clusterroles.rbac.authorization.k8s.io", "", "reader"));
  CHECK(eventually([&] { return verbs_of_monitoring() == "create"; }));

  // Two aggregated roles that select each other settle, rather than swap rules for good.
  for (auto [name, label, selects, verb] : {std::tuple{"ping", "side: ping", "side: pong", "get"},
                                            std::tuple{"pong", "side: pong", "side: ping", "list"}})
    REQUIRE(f.call(
        api_verb::create, "clusterroles.rbac.authorization.k8s.io", "", "",
        std::string(
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: ") +
            name + ", labels: {" + label +
            "}}\naggregationRule: {clusterRoleSelectors: [{matchLabels: {" + selects +
            "}}]}\nrules: [{verbs: [" + verb + "], resources: [pods], apiGroups: ['']}]\n"));
  auto version_of = [&](const char* name) {
    auto got = f.call(api_verb::get, "clusterroles.rbac.authorization.k8s.io", "", name);
    return got ? text_string(object_reader(got->object.str()).meta().getResourceVersion())
               : std::string();
  };
  auto settled = [&] {
    auto before = version_of("ping") + "/" + version_of("pong");
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    return before == version_of("ping") + "/" + version_of("pong");
  };
  CHECK(eventually(settled));
}

TEST_CASE("the controller tries a failed write again without waiting for another event",
          "[clusterroleaggregation]") {
  troupe::testing::control_plane f;
  // The API in front of it refuses its first two updates, as a server briefly unable to take
  // writes; nothing else changes afterwards to bring an event.
  auto refusals = std::make_shared<std::atomic<int>>(2);
  auto flaky = f.refusing(api_verb::update, refusals);
  REQUIRE(f.call(
      api_verb::create, "clusterroles.rbac.authorization.k8s.io", "", "",
      "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: reader, "
      "labels: {agg: 'true'}}\nrules: [{verbs: [get], resources: [pods], apiGroups: ['']}]\n"));
  REQUIRE(f.call(
      api_verb::create, "clusterroles.rbac.authorization.k8s.io", "", "",
      "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: monitoring}\n"
      "aggregationRule: {clusterRoleSelectors: [{matchLabels: {agg: 'true'}}]}\n"));
  f.keep(spawn_clusterrole_aggregation(f.sys(), {f.engine(), flaky, f.store()}));
  CHECK(eventually([&] {
    auto got = f.call(api_verb::get, "clusterroles.rbac.authorization.k8s.io", "", "monitoring");
    return got && rule_verbs(got->object.str()) == "get";
  }));
  CHECK(refusals->load() < 0);  // both refused, then written
}
