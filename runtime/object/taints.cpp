#include "runtime/object/taints.hpp"

#include "runtime/base/error.hpp"
#include "runtime/base/text.hpp"
#include "runtime/object/validation.hpp"

namespace troupe {

taint_spec parse_taint_spec(const std::string& text) {
  taint_spec t;
  std::string spec = text;
  if (!spec.empty() && spec.back() == '-') {
    t.remove = true;
    spec.pop_back();
  }
  auto invalid = [&](const std::string& why) {
    return "invalid taint spec " + quote(text) + ": " + why;
  };
  auto colon = spec.find(':');
  TROUPE_REQUIRE(t.remove || colon != std::string::npos, api_errc::bad_request,
                 invalid("expected KEY[=VALUE]:EFFECT, or KEY[:EFFECT]- to remove"));
  if (colon != std::string::npos) {
    t.effect = spec.substr(colon + 1);
    spec.resize(colon);
    TROUPE_REQUIRE(
        t.effect == "NoSchedule" || t.effect == "PreferNoSchedule" || t.effect == "NoExecute",
        api_errc::bad_request, "invalid taint effect: " + t.effect + ", unsupported taint effect");
  }
  auto eq = spec.find('=');
  t.key = spec.substr(0, eq);
  if (eq != std::string::npos && !t.remove) t.value = spec.substr(eq + 1);
  auto problems = check_qualified_name(t.key);
  TROUPE_REQUIRE(problems.empty(), api_errc::bad_request,
                 invalid("key " + quote(t.key) + ": " + join(problems, "; ")));
  problems = check_label_value(t.value);
  TROUPE_REQUIRE(problems.empty(), api_errc::bad_request,
                 invalid("value " + quote(t.value) + ": " + join(problems, "; ")));
  return t;
}

void add_node_taint_flag(std::vector<taint_spec>& taints, const std::string& text,
                         const std::string& flag) {
  try {
    auto taint = parse_taint_spec(text);
    TROUPE_REQUIRE(!taint.remove, api_errc::bad_request,
                   "expected KEY[=VALUE]:EFFECT (a taint to register with, not one to remove)");
    for (auto& given : taints)
      TROUPE_REQUIRE(given.key != taint.key || given.effect != taint.effect, api_errc::bad_request,
                     "a taint with key " + quote(taint.key) + " and effect " + taint.effect +
                         " is given already (taints must be unique by key and effect pair)");
    taints.push_back(std::move(taint));
  } catch (const api_error& e) {
    throw api_error(api_errc::bad_request, flag + " " + quote(text) + ": " + e.what());
  }
}

}  // namespace troupe
