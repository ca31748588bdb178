#include "runtime/base/file.hpp"

#include <fstream>
#include <sstream>

#include "runtime/base/error.hpp"

namespace troupe {

std::string read_file(const std::string& path, const std::string& missing) {
  std::ifstream file(path, std::ios::binary);
  TROUPE_REQUIRE(file.good(), api_errc::bad_request, missing);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

}  // namespace troupe
