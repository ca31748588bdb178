#include "actors/kubelet/state.hpp"

#include <catch2/catch.hpp>
#include <fstream>

#include "test/harness/temp_dir.hpp"

using namespace troupe::kubelet;

TEST_CASE("a pod record keeps each container's image and exit file whatever their characters",
          "[kubelet][state]") {
  troupe::testing::temp_dir dir("troupe-record");
  pod_record r;
  r.uid = "u-1";
  r.ns = "default";
  r.name = "p";
  r.containers = {{"app", false, 2, 1, 10, 11, 99, 1000, "/x/app-2.exit", "registry.local/app:1.2"},
                  {"odd", false, 0, 0, -1, -1, 0, 0, "", "we ird%im\nage"},
                  {"dash", true, 0, 0, -1, -1, 0, 0, "", "-"},
                  {"none", false, 0, 0, -1, -1, 0, 0, "", ""},
                  // A data directory with spaces (and a '%') in its path.
                  {"spaced", false, 1, 0, 12, 13, 98, 1001, "/my data/100%/app-1.exit", "app"}};
  save_pod_record(dir.path(), r);
  auto back = load_pod_record(dir.path(), "u-1");
  REQUIRE(back);
  REQUIRE(back->containers.size() == r.containers.size());
  for (size_t i = 0; i < r.containers.size(); ++i) {
    INFO(r.containers[i].name);
    CHECK(back->containers[i].name == r.containers[i].name);
    CHECK(back->containers[i].exit_file == r.containers[i].exit_file);
    CHECK(back->containers[i].image == r.containers[i].image);
    CHECK(back->containers[i].started_at == r.containers[i].started_at);
  }
  // A record from before images were kept: none, so nothing looks changed.
  std::ofstream(dir / "pods/u-1/state")
      << "pod default p -\ncontainer app 0 1 0 10 11 99 1000 /x/a.exit\n";
  auto old = load_pod_record(dir.path(), "u-1");
  REQUIRE(old);
  CHECK(old->containers.at(0).exit_file == "/x/a.exit");
  CHECK(old->containers.at(0).image.empty());
}
