#include "actors/kubelet/logs.hpp"

#include <catch2/catch.hpp>

#include <fstream>

#include "test/harness/temp_dir.hpp"

using namespace troupe::kubelet;

TEST_CASE("logs read as the user sees them: tail since timestamps follow offsets", "[kubelet][logs]") {
  troupe::testing::temp_dir dir;
  auto file = dir / "0.log";
  std::ofstream(file) << "2026-12-01T10:00:00.000000001Z stdout F one\n"
                         "2026-12-01T10:00:01.000000000Z stderr F two\n"
                         "2026-12-01T10:00:02.500000000Z stdout P thr\n"
                         "2026-12-01T10:00:02.600000000Z stdout F ee\n";
  auto all = read_log(file, {});
  CHECK(all.text == "one\ntwo\nthree\n");
  log_query tail;
  tail.tail = 2;
  CHECK(read_log(file, tail).text == "three\n");  // the last two lines of the file: a partial one and its end
  log_query since;
  since.since_unix_ms = 1796119201000;  // 2026-12-01T10:00:01Z
  CHECK(read_log(file, since).text == "two\nthree\n");
  log_query stamped;
  stamped.timestamps = true;
  stamped.tail = 1;
  CHECK(read_log(file, stamped).text == "2026-12-01T10:00:02.600000000Z ee\n");
  std::ofstream(file, std::ios::app) << "2026-12-01T10:00:03.000000000Z stdout F four\n";
  log_query follow;
  follow.offset = all.offset;
  auto more = read_log(file, follow);
  CHECK(more.text == "four\n");
  CHECK(more.offset > all.offset);
}

TEST_CASE("logs rotate by size keeping older files", "[kubelet][logs]") {
  troupe::testing::temp_dir dir;
  auto file = dir / "0.log";
  std::string line = "2026-12-01T10:00:00.000000000Z stdout F " + std::string(100, 'x') + "\n";
  for (int round = 0; round < 3; ++round) {
    {
      std::ofstream out(file, std::ios::app);
      for (int i = 0; i < 20; ++i) out << line;
    }
    rotate_log(file, 1000, 3);
  }
  CHECK(std::ifstream(file).peek() == std::ifstream::traits_type::eof());
  CHECK(std::ifstream(file + ".1").good());
  CHECK(std::ifstream(file + ".2").good());
  CHECK_FALSE(std::ifstream(file + ".3").good());
  log_query tail;
  tail.tail = 5;
  CHECK(read_log(file, tail).text.size() == 5 * 101);
}
