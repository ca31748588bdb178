#include "runtime/cli/untar.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "runtime/base/error.hpp"
#include "runtime/process/launcher.hpp"
#include "test/harness/temp_dir.hpp"

using troupe::cli::read_tar;
using troupe::cli::tar_entry;
using troupe::cli::unpack_under;

namespace {

// An archive as GNU tar makes it, from `dir`.
std::string tar_of(const std::string& dir, std::vector<std::string> args) {
  args.insert(args.begin(), {"tar", "cf", "-", "-C", dir});
  auto r = troupe::run_command(args, {"PATH=/usr/bin:/bin"}, "/", 10000, 1 << 24);
  REQUIRE(r.exit_code == 0);
  return r.out;
}

std::string read(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace

TEST_CASE("read_tar reads GNU tar's files directories long names and links", "[cli][cp]") {
  troupe::testing::temp_dir dir;
  std::string deep = "top/" + std::string(120, 'n');
  std::filesystem::create_directories(dir / deep);
  std::ofstream(dir / (deep + "/f.txt")) << "data";
  std::filesystem::create_symlink("/etc/passwd", dir / "top/link");
  auto entries = read_tar(tar_of(dir.path(), {"top"}));
  REQUIRE(entries.size() == 4);
  CHECK(entries[0].name == "top/");
  CHECK(entries[0].type == tar_entry::kind::directory);
  auto file = std::find_if(entries.begin(), entries.end(), [](auto& e) { return e.type == tar_entry::kind::file; });
  REQUIRE(file != entries.end());
  CHECK(file->name == deep + "/f.txt");  // past ustar's 100 bytes
  CHECK(file->data == "data");
  auto link = std::find_if(entries.begin(), entries.end(), [](auto& e) { return e.type == tar_entry::kind::symlink; });
  REQUIRE(link != entries.end());
  CHECK(link->link == "/etc/passwd");
  // pax archives name long paths their own way.
  auto pax = read_tar(tar_of(dir.path(), {"--format=pax", "top"}));
  CHECK(std::any_of(pax.begin(), pax.end(), [&](auto& e) { return e.name == deep + "/f.txt" && e.data == "data"; }));

  std::string damaged = tar_of(dir.path(), {"top"});
  damaged[10] ^= 1;
  CHECK_THROWS_WITH(read_tar(damaged), "tar contents corrupted");
  CHECK_THROWS_WITH(read_tar(damaged.substr(0, 700)), "tar contents corrupted");
  CHECK(read_tar("").empty());
}

TEST_CASE("unpack_under writes only files and directories under the destination", "[cli][cp]") {
  troupe::testing::temp_dir from, to;
  std::filesystem::create_directories(from / "top/sub");
  std::ofstream(from / "top/sub/a.txt") << "a";
  std::ofstream(from / "x") << "evil";
  std::filesystem::create_symlink("/etc", from / "top/etc");
  std::vector<std::string> warnings;
  auto warn = [&](const std::string& w) { warnings.push_back(w); };
  // The top entry becomes the destination, whatever its name was.
  unpack_under(read_tar(tar_of(from.path(), {"top"})), "top", to / "renamed", warn);
  CHECK(read(to / "renamed/sub/a.txt") == "a");
  CHECK_FALSE(std::filesystem::exists(to / "renamed/etc"));
  REQUIRE(warnings.size() == 1);
  CHECK(warnings[0] == "warning: skipping symlink: \"" + to / "renamed/etc" + "\" -> \"/etc\"");  // no hint given
  // A name that cleans to a place under the destination is written there, as kubectl does.
  auto wandering = read_tar(tar_of(from.path(), {"--transform=s,^x,top/sub/../y,", "x"}));
  unpack_under(wandering, "top", to / "w", warn);
  CHECK(read(to / "w/y") == "evil");
  // A container's archive naming something else, or climbing out, gets nowhere.
  auto outside = read_tar(tar_of(from.path(), {"--transform=s,^x,elsewhere/x,", "x"}));
  CHECK_THROWS_WITH(unpack_under(outside, "top", to / "y", warn), "tar contents corrupted");
  auto climbing = read_tar(tar_of(from.path(), {"--transform=s,^x,top/../../x,", "x"}));
  warnings.clear();
  unpack_under(climbing, "top", to / "z", warn);
  CHECK_FALSE(std::filesystem::exists(to.path() + "/../x"));
  CHECK_FALSE(std::filesystem::exists(to / "x"));
  REQUIRE(warnings.size() == 1);
  CHECK_THAT(warnings[0], Catch::EndsWith("is outside target destination, skipping"));
  // A file onto a directory that is there is refused, as kubectl's os.Create refuses it.
  std::filesystem::create_directories(to / "dir");
  CHECK_THROWS_WITH(unpack_under(read_tar(tar_of(from.path(), {"x"})), "x", to / "dir", warn),
                    "open " + to / "dir" + ": is a directory");
}
