#include "runtime/base/file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
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

std::string replace_file_durably(const std::string& path, std::string_view text, mode_t mode) {
  // Never inherited by a process forked meanwhile; ".tmp" so cleanups of such leftovers find it.
  std::string temp = path + ".XXXXXX.tmp";
  int fd = ::mkostemps(temp.data(), 4, O_CLOEXEC);
  if (fd < 0) return std::strerror(errno);
  int error = ::fchmod(fd, mode) == 0 ? 0 : errno;
  for (size_t at = 0; error == 0 && at < text.size();) {
    ssize_t n = ::write(fd, text.data() + at, text.size() - at);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) error = n < 0 ? errno : EIO;
    at += n > 0 ? static_cast<size_t>(n) : 0;
  }
  if (error == 0 && ::fsync(fd) != 0) error = errno;
  ::close(fd);
  if (error == 0 && ::rename(temp.c_str(), path.c_str()) != 0) error = errno;
  if (error != 0) {
    ::unlink(temp.c_str());
    return std::strerror(error);
  }
  // The rename itself lasts only once the directory holding it is synced.
  auto slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
  int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0) return std::strerror(errno);
  // Some file systems (FUSE, 9p) cannot sync a directory: the rename stands all the same.
  error = ::fsync(dir_fd) == 0 || errno == EINVAL || errno == ENOTSUP ? 0 : errno;
  ::close(dir_fd);
  return error == 0 ? "" : std::strerror(error);
}

}  // namespace troupe
