#pragma once
// A create load that speaks Cap'n Proto's RPC protocol (rpc.capnp, two-party) straight onto its
// sockets: one thread, one epoll, each connection with one create in flight. The server cannot
// tell it from any other client: it bootstraps the Api capability, sends Call messages to it and
// a Finish for each Return, as kj's RPC system does. What it leaves out is kj's machinery (promise
// nodes, the capability tables of a general client), which cost the kj-based load (load.hpp)
// about as much CPU per create as the server's own RPC loop: on a 2-core machine that CPU is
// the server's. The server's figures are what this load measures; load.hpp gives a client's.

#include <capnp/message.h>
#include <capnp/rpc.capnp.h>
#include <capnp/serialize.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "runtime/base/text.hpp"
#include "schema/api.capnp.h"
#include "test/bench/figures.hpp"

namespace troupe::bench {

class wire_create_load {
 public:
  /// Fills the request for create number `i` of connection `c`.
  using builder = std::function<void(size_t c, size_t i, rpc::Request::Builder)>;

  wire_create_load(const std::string& address, int clients, builder build) : build_(std::move(build)) {
    epoll_ = ::epoll_create1(EPOLL_CLOEXEC);
    if (epoll_ < 0) fail("epoll_create1");
    auto [host, port] = parse_host_port(address, "wire load");
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(port);
    if (::inet_pton(AF_INET, host.c_str(), &to.sin_addr) != 1)
      throw std::runtime_error("wire load: not an IPv4 address: " + address);
    conns_.resize(static_cast<size_t>(clients));
    for (size_t c = 0; c < conns_.size(); ++c) {
      auto& conn = conns_[c];
      conn.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      if (conn.fd < 0) fail("socket");
      int one = 1;
      ::setsockopt(conn.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      if (::connect(conn.fd, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) fail("connect " + address);
      bootstrap(conn);
      epoll_event ev{};
      ev.events = EPOLLIN;
      ev.data.u64 = c;
      if (::epoll_ctl(epoll_, EPOLL_CTL_ADD, conn.fd, &ev) != 0) fail("epoll_ctl");
    }
  }

  ~wire_create_load() {
    for (auto& conn : conns_)
      if (conn.fd >= 0) ::close(conn.fd);
    if (epoll_ >= 0) ::close(epoll_);
  }

  /// Creates until `seconds` pass; the latency of each create, in ns.
  std::vector<int64_t> run_for(double seconds) {
    int64_t until = now_ns() + static_cast<int64_t>(seconds * 1e9);
    size_t in_flight = 0;
    for (size_t c = 0; c < conns_.size(); ++c) {
      std::string out;
      append_call(c, out);
      send_all(conns_[c], out);
      ++in_flight;
    }
    std::vector<epoll_event> events(conns_.size());
    int64_t last_answer = now_ns();
    while (in_flight > 0) {
      int n = ::epoll_wait(epoll_, events.data(), static_cast<int>(events.size()), 1000);
      if (n < 0 && errno != EINTR) fail("epoll_wait");
      if (now_ns() - last_answer > int64_t{30} * 1000 * 1000 * 1000)
        throw std::runtime_error("wire load: no answer for 30 s");
      for (int e = 0; e < n; ++e) {
        size_t c = events[static_cast<size_t>(e)].data.u64;
        auto& conn = conns_[c];
        for (auto& reply : receive(conn)) {
          if (reply.answer != conn.question) continue;  // not a create's answer: nothing to do
          last_answer = now_ns();
          latencies_.push_back(now_ns() - conn.sent_ns);
          std::string out;
          append_finish(conn.question, out);
          if (now_ns() < until) {
            append_call(c, out);
          } else {
            --in_flight;
          }
          send_all(conn, out);
        }
      }
    }
    return std::move(latencies_);
  }

 private:
  struct connection {
    int fd = -1;
    uint32_t api = 0;       ///< the bootstrap capability's import id
    /// The create in flight. As kj's client, which frees a question's id once it has its Return
    /// and has sent the Finish, a connection with one call at a time asks every one as 1.
    uint32_t question = 1;
    size_t creates = 0;
    int64_t sent_ns = 0;
    std::vector<capnp::word> in;  ///< received, not yet parsed: `in_bytes` bytes of it
    size_t in_bytes = 0;
  };
  struct answer {
    uint32_t answer = 0;
  };

  [[noreturn]] static void fail(const std::string& what) {
    throw std::runtime_error("wire load: " + what + ": " + std::strerror(errno));
  }

  static void append(capnp::MessageBuilder& message, std::string& out) {
    auto words = capnp::messageToFlatArray(message);
    auto bytes = words.asBytes();
    out.append(reinterpret_cast<const char*>(bytes.begin()), bytes.size());
  }

  static void send_all(connection& conn, const std::string& out) {
    for (size_t sent = 0; sent < out.size();) {
      ssize_t n = ::send(conn.fd, out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) fail("send");
      sent += static_cast<size_t>(n);
    }
  }

  void append_call(size_t c, std::string& out) {
    auto& conn = conns_[c];
    capnp::MallocMessageBuilder message(256);
    auto call = message.initRoot<capnp::rpc::Message>().initCall();
    call.setQuestionId(conn.question);
    call.initTarget().setImportedCap(conn.api);
    call.setInterfaceId(capnp::typeId<rpc::Api>());
    call.setMethodId(0);  // create
    build_(c, conn.creates++, call.initParams().getContent().initAs<rpc::Api::CreateParams>().initRequest());
    append(message, out);
    conn.sent_ns = now_ns();
  }

  // `keep_caps`: the answer's capabilities stay imported (the bootstrap's Api does).
  static void append_finish(uint32_t question, std::string& out, bool keep_caps = false) {
    capnp::MallocMessageBuilder message(16);
    auto finish = message.initRoot<capnp::rpc::Message>().initFinish();
    finish.setQuestionId(question);
    finish.setReleaseResultCaps(!keep_caps);
    append(message, out);
  }

  // The Returns among the messages the socket holds now (blocking until there is one).
  std::vector<answer> receive(connection& conn) {
    std::vector<answer> answers;
    if (conn.in.size() * sizeof(capnp::word) - conn.in_bytes < 4096) conn.in.resize(conn.in.size() + 2048);
    auto* at = reinterpret_cast<char*>(conn.in.data()) + conn.in_bytes;
    ssize_t n = ::recv(conn.fd, at, conn.in.size() * sizeof(capnp::word) - conn.in_bytes, 0);
    if (n < 0 && errno == EINTR) return answers;
    if (n == 0) throw std::runtime_error("wire load: the server closed a connection");
    if (n < 0) fail("recv");
    conn.in_bytes += static_cast<size_t>(n);
    size_t used = 0;  // in words
    for (;;) {
      size_t whole = conn.in_bytes / sizeof(capnp::word);
      kj::ArrayPtr<const capnp::word> rest(conn.in.data() + used, whole - used);
      if (rest.size() == 0 || capnp::expectedSizeInWordsFromPrefix(rest) > rest.size()) break;
      capnp::FlatArrayMessageReader reader(rest);
      used = static_cast<size_t>(reader.getEnd() - conn.in.data());
      auto message = reader.getRoot<capnp::rpc::Message>();
      if (message.isAbort())
        throw std::runtime_error(std::string("wire load: the server aborted: ") +
                                 message.getAbort().getReason().cStr());
      if (!message.isReturn()) continue;
      auto ret = message.getReturn();
      if (ret.isException())
        throw std::runtime_error(std::string("wire load: ") + ret.getException().getReason().cStr());
      if (!ret.isResults()) throw std::runtime_error("wire load: a Return without results");
      if (ret.getAnswerId() == conn.question) {
        auto status = ret.getResults().getContent().getAs<rpc::Api::CreateResults>().getResult().getStatus();
        if (status.getReason().size() != 0) throw std::runtime_error(status.getMessage().cStr());
      }
      answers.push_back({ret.getAnswerId()});
    }
    size_t left = conn.in_bytes - used * sizeof(capnp::word);
    std::memmove(conn.in.data(), conn.in.data() + used, left);
    conn.in_bytes = left;
    return answers;
  }

  // Question 0: the server's bootstrap capability (the Api), as TwoPartyClient asks for it.
  void bootstrap(connection& conn) {
    {
      capnp::MallocMessageBuilder message(16);
      message.initRoot<capnp::rpc::Message>().initBootstrap().setQuestionId(0);
      std::string out;
      append(message, out);
      send_all(conn, out);
    }
    while (!read_bootstrap(conn)) {
    }
    std::string out;
    append_finish(0, out, true);
    send_all(conn, out);
  }

  // The bootstrap's Return, once whole: its capability (in the cap table) is the Api.
  bool read_bootstrap(connection& conn) {
    if (conn.in.size() < 2048) conn.in.resize(2048);
    ssize_t n = ::recv(conn.fd, reinterpret_cast<char*>(conn.in.data()) + conn.in_bytes,
                       conn.in.size() * sizeof(capnp::word) - conn.in_bytes, 0);
    if (n <= 0) fail("reading the bootstrap answer");
    conn.in_bytes += static_cast<size_t>(n);
    kj::ArrayPtr<const capnp::word> got(conn.in.data(), conn.in_bytes / sizeof(capnp::word));
    if (got.size() == 0 || capnp::expectedSizeInWordsFromPrefix(got) > got.size()) return false;
    capnp::FlatArrayMessageReader reader(got);
    auto message = reader.getRoot<capnp::rpc::Message>();
    if (!message.isReturn() || message.getReturn().getAnswerId() != 0 || !message.getReturn().isResults())
      throw std::runtime_error("wire load: the bootstrap was not answered with a capability");
    auto caps = message.getReturn().getResults().getCapTable();
    if (caps.size() != 1 || !caps[0].isSenderHosted())
      throw std::runtime_error("wire load: the bootstrap answer holds no capability of the server's");
    conn.api = caps[0].getSenderHosted();
    size_t used = static_cast<size_t>(reader.getEnd() - conn.in.data()) * sizeof(capnp::word);
    std::memmove(conn.in.data(), reinterpret_cast<char*>(conn.in.data()) + used, conn.in_bytes - used);
    conn.in_bytes -= used;
    return true;
  }

  builder build_;
  int epoll_ = -1;
  std::vector<connection> conns_;
  std::vector<int64_t> latencies_;
};

}  // namespace troupe::bench
