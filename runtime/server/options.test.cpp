#include "runtime/server/options.hpp"

#include <catch2/catch.hpp>

#include <fstream>

#include "runtime/base/error.hpp"
#include "test/harness/temp_dir.hpp"

using namespace troupe;

namespace {
std::string error_of(const std::vector<std::string>& args) {
  try {
    parse_server_options(args);
  } catch (const api_error& e) {
    return e.message();
  }
  return "";
}
}  // namespace

TEST_CASE("server flags and defaults", "[server]") {
  auto o = parse_server_options({"--data-dir", "/srv/t", "--log-level=debug"});
  CHECK(o.data_dir == "/srv/t");
  CHECK(o.level == log_level::debug);
  CHECK(parse_server_options({}).data_dir == default_data_dir());
  CHECK(parse_server_options({}).level == log_level::info);
}

TEST_CASE("a config file, overridden by flags", "[server]") {
  troupe::testing::temp_dir dir;
  std::ofstream(dir / "troupe.yaml") << "data-dir: /from/file\nlog-level: warn\n";
  auto o = parse_server_options({"--config", dir / "troupe.yaml", "--log-level", "error"});
  CHECK(o.data_dir == "/from/file");
  CHECK(o.level == log_level::error);

  std::ofstream(dir / "bad.yaml") << "data-dir: /x\nlisten-port: 3\n";
  CHECK(error_of({"--config", dir / "bad.yaml"}) == dir / "bad.yaml" + ": listen-port: unknown setting");
}

TEST_CASE("bad server flags name the flag", "[server]") {
  CHECK(error_of({"--data-dri", "/x"}) == "unknown flag --data-dri");
  CHECK(error_of({"--data-dir"}) == "--data-dir: needs a value");
  CHECK(error_of({"--log-level", "loud"}) ==
        "--log-level: unknown log level \"loud\" (choose error, warn, info or debug)");
  CHECK(error_of({"serve"}) == "unexpected argument \"serve\"");
  CHECK_THAT(error_of({"--config", "/nonexistent/troupe.yaml"}),
             Catch::StartsWith("--config /nonexistent/troupe.yaml: "));
}
