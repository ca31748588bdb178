#include "runtime/cli/flags.hpp"

#include <catch2/catch.hpp>

#include "runtime/base/error.hpp"

using namespace troupe::cli;

namespace {
const std::vector<flag_spec> specs = {
    {"namespace", 'n'}, {"all-namespaces", 'A', false}, {"output", 'o'}, {"filename", 'f'}, {"wait", 0, false}};
}

TEST_CASE("flags read as kubectl reads them", "[cli][flags]") {
  auto f = parse_flags({"get", "-n", "kube-system", "pods", "-owide", "--filename=a.yaml", "-f",
                        "b.yaml", "web", "--wait=false", "-A", "--", "sh", "-c", "x"},
                       specs);
  CHECK(f.positional == std::vector<std::string>{"get", "pods", "web"});
  CHECK(f.get("namespace") == "kube-system");
  CHECK(f.get("output") == "wide");
  CHECK(f.all("filename") == std::vector<std::string>{"a.yaml", "b.yaml"});
  CHECK(f.on("all-namespaces"));
  CHECK_FALSE(f.on("wait", true));
  CHECK(f.after_dashes == std::vector<std::string>{"sh", "-c", "x"});
  CHECK(f.get("missing", "dflt") == "dflt");
}

TEST_CASE("bad flags name the flag", "[cli][flags]") {
  auto message = [](std::vector<std::string> args) {
    try {
      parse_flags(args, specs);
    } catch (const troupe::api_error& e) {
      return e.message();
    }
    return std::string("no error");
  };
  CHECK(message({"--namspace", "x"}) == "unknown flag --namspace");
  CHECK(message({"-x"}) == "unknown flag -x");
  CHECK(message({"get", "-n"}) == "flag needs an argument: -n");
  auto f = parse_flags({"--wait=maybe"}, specs);
  CHECK_THROWS_WITH(f.on("wait"), "--wait: expected true or false, got \"maybe\"");
}
