#include "runtime/base/file.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "test/harness/temp_dir.hpp"

using namespace troupe;

TEST_CASE("a file replaced durably is whole, has its mode and leaves no temporary", "[base]") {
  troupe::testing::temp_dir dir("troupe-file");
  std::string path = dir / "config";
  CHECK(replace_file_durably(path, "first\n") == "");
  CHECK(read_file_if_readable(path) == std::optional<std::string>("first\n"));
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK(replace_file_durably(path, "second\n", 0644) == "");
  CHECK(read_file_if_readable(path) == std::optional<std::string>("second\n"));
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0644);
  // A link planted where a fixed temporary name would go is never written through.
  std::filesystem::create_symlink(dir / "victim", path + ".tmp");
  CHECK(replace_file_durably(path, "third\n") == "");
  CHECK_FALSE(std::filesystem::exists(dir / "victim"));
  size_t entries = 0;
  for (auto& e : std::filesystem::directory_iterator(dir.path()))
    entries += e.path() != path + ".tmp";
  CHECK(entries == 1);  // the file itself: no temporary left
  // A directory that is not there: the error, and nothing made.
  CHECK(replace_file_durably(dir / "missing/config", "x") == "No such file or directory");
}
