#include "runtime/base/net.hpp"

#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace troupe {

std::string bind_failure(const std::string& host, uint16_t port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  auto service = std::to_string(port);
  // "[::1]" as HOST:PORT spells an IPv6 address.
  std::string name = host.size() > 1 && host.front() == '[' && host.back() == ']' ? host.substr(1, host.size() - 2) : host;
  if (getaddrinfo(name.empty() ? nullptr : name.c_str(), service.c_str(), &hints, &found) != 0)
    return "";  // the library that failed says it better
  std::string why;
  int fd = ::socket(found->ai_family, found->ai_socktype | SOCK_CLOEXEC, found->ai_protocol);
  if (fd < 0) {
    why = std::strerror(errno);
  } else {
    int on = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);  // as the servers bind
    if (::bind(fd, found->ai_addr, found->ai_addrlen) != 0) why = std::strerror(errno);
    ::close(fd);
  }
  freeaddrinfo(found);
  return why;
}

}  // namespace troupe
