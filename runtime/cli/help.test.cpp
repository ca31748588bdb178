#include "runtime/cli/help.hpp"

#include <catch2/catch.hpp>

#include "runtime/base/error.hpp"
#include "runtime/base/text.hpp"
#include "runtime/cli/cli.hpp"
#include "runtime/cli/context.hpp"

using namespace troupe::cli;

TEST_CASE("every verb has help that describes each flag it takes", "[cli][help]") {
  for (auto& verb : cli_commands()) {
    INFO(verb);
    std::string help;
    REQUIRE_NOTHROW(help = verb_help(verb));
    CHECK(help.find("\nExamples:\n  # ") != std::string::npos);
    CHECK(help.find("\nUsage:\n  troupe " + verb) != std::string::npos);
    for (auto& spec : cli_flags(verb)) {
      INFO("--" + spec.name);
      const flag_help* described = find_flag_help(verb, spec.name);
      REQUIRE(described != nullptr);
      CHECK(std::string(described->text).size() > 10);
      std::string shown =
          std::string(spec.short_name ? "    -" + std::string(1, spec.short_name) + ", " : "    ") +
          "--" + spec.name + "=";
      CHECK(help.find(shown) != std::string::npos);
    }
  }
}

TEST_CASE("flag help names only flags some verb takes", "[cli][help]") {
  for (auto& [key, help] : flag_helps()) {
    INFO(key);
    auto slash = key.find('/');
    std::vector<std::string> verbs = cli_commands();
    std::string flag = key;
    if (slash != std::string::npos) {
      verbs = {key.substr(0, slash)};
      flag = key.substr(slash + 1);
      CHECK(is_cli_command(verbs[0]));
    }
    bool taken = false;
    for (auto& verb : verbs)
      for (auto& spec : cli_flags(verb)) taken = taken || spec.name == flag;
    CHECK(taken);
  }
}

TEST_CASE("an option shows its default and its text under it, wrapped", "[cli][help]") {
  auto help = verb_help("delete");
  CHECK(help.rfind("Delete resources by file names", 0) == 0);
  CHECK(help.find("    --cascade='background':\n\tMust be \"background\"") != std::string::npos);
  CHECK(help.find("    --grace-period=-1:\n") != std::string::npos);
  CHECK(help.find("    --wait=true:\n") != std::string::npos);
  CHECK(help.find("    -l, --selector='':\n") != std::string::npos);
  CHECK(help.find("    --force=false:\n") != std::string::npos);
  // The global flags come apart from the verb's own, after them.
  auto own = help.find("\nOptions:\n"), global = help.find("\nGlobal options");
  REQUIRE(own != std::string::npos);
  REQUIRE(global != std::string::npos);
  CHECK(own < global);
  CHECK(help.find("    -n, --namespace=''") > global);
  for (auto& line : troupe::split(help, '\n')) {
    INFO(line);
    CHECK(line.size() <= 101);
  }
  CHECK(verb_help("wait").find("    --timeout=30s:\n") != std::string::npos);
  CHECK(verb_help("exec").find("    --timeout=1m:\n") != std::string::npos);
  CHECK_THROWS_WITH(verb_help("server"), "unknown command \"server\"");
}
