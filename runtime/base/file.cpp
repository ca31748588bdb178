#include "runtime/base/file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
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

std::optional<std::string> read_file_if_readable(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::string text;
  char chunk[4096];
  for (;;) {
    ssize_t n = read(fd, chunk, sizeof chunk);
    if (n > 0) {
      text.append(chunk, static_cast<size_t>(n));
    } else if (n == 0) {
      break;
    } else if (errno != EINTR) {
      close(fd);
      return std::nullopt;
    }
  }
  close(fd);
  return text;
}

}  // namespace troupe
