#include "runtime/process/spawner.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>

#include "runtime/process/launcher.hpp"
#include "runtime/process/shim.hpp"

extern char** environ;

namespace troupe {
namespace {

// Requests: u32 argument count, u32 environment count, then the strings, each NUL-ended.
std::string encode(const std::vector<std::string>& args, const std::vector<std::string>& env) {
  uint32_t counts[2] = {static_cast<uint32_t>(args.size()), static_cast<uint32_t>(env.size())};
  std::string out(reinterpret_cast<const char*>(counts), sizeof counts);
  for (auto* list : {&args, &env})
    for (auto& s : *list) out.append(s).push_back('\0');
  return out;
}

bool decode(const char* p, size_t n, std::vector<std::string>& args,
            std::vector<std::string>& env) {
  uint32_t counts[2];
  if (n < sizeof counts) return false;
  std::memcpy(counts, p, sizeof counts);
  size_t at = sizeof counts;
  for (int list = 0; list < 2; ++list)
    for (uint32_t i = 0; i < counts[list]; ++i) {
      const void* end = std::memchr(p + at, '\0', n - at);
      if (!end) return false;
      size_t len = static_cast<size_t>(static_cast<const char*>(end) - (p + at));
      (list == 0 ? args : env).emplace_back(p + at, len);
      at += len + 1;
    }
  return at == n;
}

constexpr size_t max_request = 256 * 1024;

// One datagram with room for one passed file descriptor.
struct fd_datagram {
  iovec io;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msghdr msg{};
  fd_datagram(void* data, size_t size) : io{data, size} {
    msg.msg_iov = &io;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
  }
  fd_datagram(const fd_datagram&) = delete;  // msg points into it
  fd_datagram& operator=(const fd_datagram&) = delete;
};
// Room the spawner's command line keeps for the shims it forks to write theirs into.
constexpr size_t title_room = 4000;

// Overwrites the command line memory [begin, begin + size) with `words`, NUL-separated and
// cut to fit, the rest NULs: /proc/PID/cmdline reads it from there.
void set_command_line(char* begin, size_t size, const std::vector<std::string>& words) {
  if (size == 0) return;
  std::string text;
  for (auto& w : words) text.append(w).push_back('\0');
  size_t n = std::min(text.size(), size - 1);
  std::memcpy(begin, text.data(), n);
  std::memset(begin + n, 0, size - n);
}

}  // namespace

shim_spawner::shim_spawner(std::string binary) : binary_(std::move(binary)) {}

shim_spawner::~shim_spawner() {
  std::lock_guard<std::mutex> g(lock_);
  stop_locked();
}

pid_t shim_spawner::pid() const {
  std::lock_guard<std::mutex> g(lock_);
  return pid_;
}

void shim_spawner::stop_locked() {
  if (socket_ >= 0) close(socket_);  // the spawner sees the end of its socket and exits
  socket_ = -1;
  if (pid_ > 0) waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

bool shim_spawner::start_locked() {
  int fds[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) != 0) return false;
  std::string verb = "shim-spawner", room(title_room, ' ');
  char* argv[] = {const_cast<char*>(binary_.c_str()), const_cast<char*>(verb.c_str()),
                  const_cast<char*>(room.c_str()), nullptr};
  char* envp[] = {nullptr};
  int rc = spawn_with_fd3(argv, envp, fds[1], pid_);
  close(fds[1]);
  if (rc != 0) {
    close(fds[0]);
    pid_ = -1;
    return false;
  }
  socket_ = fds[0];
  return true;
}

bool shim_spawner::spawn(const std::vector<std::string>& shim_args,
                         const std::vector<std::string>& env, int handshake) {
  auto request = encode(shim_args, env);
  if (request.size() > max_request) return false;
  std::lock_guard<std::mutex> g(lock_);
  for (int attempt = 0; attempt < 2; ++attempt) {  // once more with a fresh spawner if it died
    if (socket_ < 0 && !start_locked()) return false;
    fd_datagram datagram(request.data(), request.size());
    auto& msg = datagram.msg;
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(c), &handshake, sizeof(int));
    if (sendmsg(socket_, &msg, MSG_NOSIGNAL) != static_cast<ssize_t>(request.size())) {
      stop_locked();  // not delivered (a datagram arrives whole or not at all): try afresh
      continue;
    }
    // Delivered. The reply only paces requests; if it is lost the spawner is dead or dying,
    // and the next request starts another one.
    int32_t reply = 0;
    ssize_t n;
    do n = recv(socket_, &reply, sizeof reply, 0);
    while (n < 0 && errno == EINTR);
    if (n != sizeof reply) stop_locked();
    return true;
  }
  return false;
}

int run_shim_spawner(int argc, char** argv) {
  const int socket = 3;
  if (fcntl(socket, F_GETFD) < 0) return 2;
  char* line_begin = argv[0];
  size_t line_size =
      static_cast<size_t>(argv[argc - 1] + std::strlen(argv[argc - 1]) + 1 - argv[0]);
  std::string binary = argv[0];
  if (close_range(4, ~0U, 0) != 0)  // before Linux 5.9
    for (int fd = 4; fd < 4096; ++fd) close(fd);
  // The shims are this process's children: reap them as they end. Each shim puts SIGCHLD
  // back to default, since it waits for its own container.
  struct sigaction reap {};
  reap.sa_handler = SIG_IGN;
  sigaction(SIGCHLD, &reap, nullptr);
  std::vector<char> buffer(max_request);
  for (;;) {
    fd_datagram datagram(buffer.data(), buffer.size());
    auto& msg = datagram.msg;
    ssize_t n = recvmsg(socket, &msg, MSG_CMSG_CLOEXEC);
    if (n == 0 || (n < 0 && errno != EINTR)) return 0;  // the agent is gone
    if (n < 0) continue;
    int handshake = -1;
    if (cmsghdr* c = CMSG_FIRSTHDR(&msg); c && c->cmsg_type == SCM_RIGHTS)
      std::memcpy(&handshake, CMSG_DATA(c), sizeof(int));
    std::vector<std::string> args, env;
    int32_t reply = -EINVAL;
    if (handshake >= 0 && !(msg.msg_flags & MSG_TRUNC) &&
        decode(buffer.data(), static_cast<size_t>(n), args, env)) {
      pid_t shim = fork();
      if (shim == 0) {
        close(socket);
        dup2(handshake, 3);  // dup2 clears close-on-exec; the shim closes it when done
        if (handshake != 3) close(handshake);
        signal(SIGCHLD, SIG_DFL);
        std::vector<std::string> words = {binary, "shim"};
        words.insert(words.end(), args.begin(), args.end());
        set_command_line(line_begin, line_size, words);
        std::vector<char*> envp;
        for (auto& e : env) envp.push_back(const_cast<char*>(e.c_str()));
        envp.push_back(nullptr);
        environ = envp.data();
        _exit(run_shim(args));
      }
      reply = shim > 0 ? shim : -errno;
    }
    if (handshake >= 0) close(handshake);
    (void)!send(socket, &reply, sizeof reply, MSG_NOSIGNAL);
  }
}

}  // namespace troupe
