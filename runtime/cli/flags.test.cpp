#include "runtime/cli/flags.hpp"

#include <catch2/catch.hpp>

#include "runtime/base/error.hpp"
#include "runtime/cli/cli.hpp"
#include "runtime/cli/context.hpp"

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

TEST_CASE("a switch's value is what Go's ParseBool takes", "[cli][flags]") {
  CHECK(parse_flags({"x", "--wait=T"}, specs).on("wait"));
  CHECK_FALSE(parse_flags({"x", "--wait=0"}, specs).on("wait", true));
  CHECK_THROWS_WITH(parse_flags({"x", "--wait=maybe"}, specs),
                    "invalid argument \"maybe\" for \"--wait\" flag: strconv.ParseBool: parsing \"maybe\": "
                    "invalid syntax");
}

TEST_CASE("short switches stack as pflag stacks them", "[cli][flags]") {
  auto f = parse_flags({"get", "-Aowide", "pods"}, specs);
  CHECK(f.on("all-namespaces"));
  CHECK(f.get("output") == "wide");
  auto g = parse_flags({"-An", "kube-system"}, specs);
  CHECK(g.on("all-namespaces"));
  CHECK(g.get("namespace") == "kube-system");
  CHECK(g.positional.empty());
  CHECK_THROWS_WITH(parse_flags({"-Az"}, specs), "unknown shorthand flag: 'z' in -Az");
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
  CHECK(message({"--namspace", "x"}) == "unknown flag: --namspace");
  CHECK(message({"-x"}) == "unknown shorthand flag: 'x' in -x");
  CHECK(message({"get", "-n"}) == "flag needs an argument: 'n' in -n");
  CHECK(message({"get", "--namespace"}) == "flag needs an argument: --namespace");
  CHECK_THAT(message({"--wait=maybe"}), Catch::StartsWith("invalid argument \"maybe\" for \"--wait\" flag"));
}

TEST_CASE("each verb takes its own flags and the global ones", "[cli][flags]") {
  using troupe::cli::cli_flags;
  auto takes = [](const std::string& verb, std::vector<std::string> args) {
    try {
      parse_flags(args, cli_flags(verb));
      return true;
    } catch (const troupe::api_error&) {
      return false;
    }
  };
  CHECK(takes("get", {"-n", "x", "--server", "h:1", "--show-labels", "-L", "app", "-A"}));
  CHECK_FALSE(takes("apply", {"-L", "app"}));
  CHECK_FALSE(takes("apply", {"--all"}));
  CHECK_FALSE(takes("get", {"--grace-period=1"}));
  CHECK_FALSE(takes("version", {"-A"}));
  CHECK(takes("delete", {"-A", "--all", "--ignore-not-found", "--dry-run"}));
  CHECK(takes("logs", {"-f", "-p"}));
  CHECK(parse_flags({"-f", "x.yaml"}, cli_flags("apply")).get("filename") == "x.yaml");
  CHECK(parse_flags({"-f"}, cli_flags("logs")).on("follow"));
  // --dry-run takes a value only as --dry-run=VALUE: the next word stays an argument.
  auto bare = parse_flags({"--dry-run", "cm"}, cli_flags("delete"));
  CHECK(bare.get("dry-run") == "true");
  CHECK(bare.positional == std::vector<std::string>{"cm"});
}

TEST_CASE("global flags may come before the verb", "[cli][flags]") {
  using troupe::cli::verb_position;
  using args = std::vector<std::string>;
  CHECK(verb_position(args{"get", "po"}) == 0);
  CHECK(verb_position(args{"-n", "kube-system", "get", "po"}) == 2);
  CHECK(verb_position(args{"--server", "h:1", "-n", "x", "get"}) == 4);
  CHECK(verb_position(args{"--server=h:1", "-nx", "get"}) == 2);
  CHECK(verb_position(args{"-s", "h:1", "version"}) == 2);
  CHECK(verb_position(args{"-h"}) == 1);
  CHECK(verb_position(args{"-n"}) == 1);
}
