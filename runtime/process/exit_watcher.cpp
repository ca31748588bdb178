#include "runtime/process/exit_watcher.hpp"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <map>
#include <mutex>
#include <thread>

namespace troupe {

struct exit_watcher::impl {
  int epoll = epoll_create1(EPOLL_CLOEXEC);
  int wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  std::mutex lock;
  std::map<int, std::pair<pid_t, std::function<void()>>> watched;  // by pidfd
  std::thread thread;

  void run() {
    epoll_event events[32];
    for (;;) {
      int n = epoll_wait(epoll, events, 32, -1);
      for (int i = 0; i < n; ++i) {
        int fd = events[i].data.fd;
        if (fd == wake) return;
        std::function<void()> done;
        {
          std::lock_guard<std::mutex> g(lock);
          auto it = watched.find(fd);
          if (it == watched.end()) continue;
          waitpid(it->second.first, nullptr, WNOHANG);  // reap our own children; ECHILD otherwise
          done = std::move(it->second.second);
          watched.erase(it);
        }
        epoll_ctl(epoll, EPOLL_CTL_DEL, fd, nullptr);
        close(fd);
        if (done) done();
      }
    }
  }
};

exit_watcher::exit_watcher() : impl_(std::make_unique<impl>()) {
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = impl_->wake;
  epoll_ctl(impl_->epoll, EPOLL_CTL_ADD, impl_->wake, &ev);
  impl_->thread = std::thread([this] { impl_->run(); });
}

exit_watcher::~exit_watcher() {
  uint64_t one = 1;
  (void)!write(impl_->wake, &one, sizeof one);
  impl_->thread.join();
  for (auto& [fd, w] : impl_->watched) close(fd);
  close(impl_->wake);
  close(impl_->epoll);
}

bool exit_watcher::watch(pid_t pid, std::function<void()> on_exit) {
  int fd = static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
  if (fd < 0) return false;
  {
    std::lock_guard<std::mutex> g(impl_->lock);
    impl_->watched[fd] = {pid, std::move(on_exit)};
  }
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = fd;
  epoll_ctl(impl_->epoll, EPOLL_CTL_ADD, fd, &ev);
  return true;
}

}  // namespace troupe
