#include "runtime/object/selector.hpp"

#include <capnp/message.h>
#include <catch2/catch.hpp>

#include "runtime/base/error.hpp"
#include "runtime/object/kinds.hpp"
#include "schema/core.capnp.h"

using namespace troupe;
using labels = std::map<std::string, std::string>;

TEST_CASE("equality-based label selectors", "[selector]") {
  struct row {
    const char* selector;
    labels have;
    bool match;
  };
  std::vector<row> rows = {
      {"", {}, true},
      {"", {{"a", "b"}}, true},
      {"app=web", {{"app", "web"}}, true},
      {"app==web", {{"app", "web"}}, true},
      {"app=web", {{"app", "db"}}, false},
      {"app=web", {}, false},
      {"app!=web", {}, true},
      {"app!=web", {{"app", "db"}}, true},
      {"app!=web", {{"app", "web"}}, false},
      {"app=web,tier=front", {{"app", "web"}, {"tier", "front"}}, true},
      {"app=web,tier=front", {{"app", "web"}, {"tier", "back"}}, false},
      {"a=b, c != d", {{"a", "b"}, {"c", "e"}}, true},
      {"app=", {{"app", ""}}, true},
  };
  for (auto& r : rows) {
    INFO(r.selector);
    CHECK(label_selector::parse(r.selector).matches(r.have) == r.match);
  }
}

TEST_CASE("set-based label selectors", "[selector]") {
  struct row {
    const char* selector;
    labels have;
    bool match;
  };
  std::vector<row> rows = {
      {"env in (prod,qa)", {{"env", "qa"}}, true},
      {"env in (prod, qa)", {{"env", "dev"}}, false},
      {"env in (prod)", {}, false},
      {"env notin (prod)", {}, true},
      {"env notin (prod,qa)", {{"env", "dev"}}, true},
      {"env notin (prod,qa)", {{"env", "prod"}}, false},
      {"env", {{"env", ""}}, true},
      {"env", {}, false},
      {"!env", {}, true},
      {"!env", {{"env", "x"}}, false},
      {"env in (a,b),tier,!legacy", {{"env", "a"}, {"tier", "x"}}, true},
      {"env in (a,b),tier,!legacy", {{"env", "a"}, {"tier", "x"}, {"legacy", "1"}}, false},
      {"replicas>3", {{"replicas", "4"}}, true},
      {"replicas>3", {{"replicas", "3"}}, false},
      {"replicas<3", {{"replicas", "x"}}, false},
      {"app.kubernetes.io/name=web", {{"app.kubernetes.io/name", "web"}}, true},
  };
  for (auto& r : rows) {
    INFO(r.selector);
    CHECK(label_selector::parse(r.selector).matches(r.have) == r.match);
  }
}

TEST_CASE("malformed label selectors name the requirement", "[selector]") {
  for (auto bad : {"app=web=x", "=web", "env in prod", "env in (a", "Bad Key=x", "a=b c",
                   "x>y", "env notin", "app=-bad"}) {
    INFO(bad);
    try {
      label_selector::parse(bad);
      FAIL("accepted " << bad);
    } catch (const api_error& e) {
      CHECK(e.code() == api_errc::bad_request);
      CHECK_THAT(e.message(), Catch::Contains("unable to parse requirement"));
    }
  }
}

TEST_CASE("matchLabels and matchExpressions", "[selector]") {
  capnp::MallocMessageBuilder m;
  auto sel = m.initRoot<k8s::LabelSelector>();
  auto ml = sel.initMatchLabels(1);
  ml[0].setKey("app");
  ml[0].setValue("web");
  auto exprs = sel.initMatchExpressions(2);
  exprs[0].setKey("env");
  exprs[0].setOperator(k8s::LabelSelectorOperator::IN);
  auto v = exprs[0].initValues(2);
  v.set(0, "prod");
  v.set(1, "qa");
  exprs[1].setKey("legacy");
  exprs[1].setOperator(k8s::LabelSelectorOperator::DOES_NOT_EXIST);
  auto s = label_selector::from(sel.asReader());
  CHECK(s.matches(labels{{"app", "web"}, {"env", "prod"}}));
  CHECK_FALSE(s.matches(labels{{"app", "web"}, {"env", "dev"}}));
  CHECK_FALSE(s.matches(labels{{"app", "web"}, {"env", "qa"}, {"legacy", "y"}}));
  CHECK(s.to_string() == "app=web,env in (prod,qa),!legacy");

  exprs[1].initValues(1).set(0, "oops");
  CHECK_THROWS_AS(label_selector::from(sel.asReader()), api_error);
  CHECK(label_selector::nothing().matches(labels{}) == false);
}

TEST_CASE("field selectors on pods", "[selector]") {
  auto kinds = builtin_kinds();
  auto pods = kinds.find("v1", "Pod");
  capnp::MallocMessageBuilder m;
  auto pod = m.initRoot<k8s::Pod>();
  pod.initMetadata().setName("web-0");
  pod.getMetadata().setNamespace("prod");
  pod.initSpec().setNodeName("n1");
  pod.initStatus().setPhase(k8s::PodPhase::RUNNING);
  capnp::DynamicStruct::Reader r = pod.asReader();

  CHECK(field_value(r, "spec.nodeName") == "n1");
  CHECK(field_value(r, "status.phase") == "Running");
  CHECK(field_value(r, "status.podIP") == "");
  auto check = [&](const char* text) { return field_selector::parse(text, *pods).matches(r); };
  CHECK(check("spec.nodeName=n1"));
  CHECK(check("spec.nodeName==n1,status.phase=Running"));
  CHECK_FALSE(check("spec.nodeName=n2"));
  CHECK(check("spec.nodeName!=n2"));
  CHECK(check("metadata.name=web-0,metadata.namespace=prod"));
  CHECK(check("status.podIP="));
  CHECK_FALSE(check("status.phase!=Running"));
  CHECK(field_selector::parse("spec.nodeName=n1", *pods).pinned("spec.nodeName") == "n1");
  try {
    field_selector::parse("spec.image=x", *pods);
    FAIL("accepted an unsupported field");
  } catch (const api_error& e) {
    CHECK_THAT(e.message(), Catch::Contains("field label not supported: spec.image"));
  }
  CHECK_THROWS_AS(field_selector::parse("spec.nodeName", *pods), api_error);
}
