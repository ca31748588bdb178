#include "actors/kubelet/probes.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>

#include "runtime/base/text.hpp"
#include "runtime/base/time.hpp"
#include "runtime/object/object.hpp"
#include "runtime/process/launcher.hpp"

namespace troupe::kubelet {
namespace {

std::optional<int32_t> port_of(k8s::IntOrString::Reader port, k8s::Container::Reader c, std::string& error) {
  if (port.isInt()) return port.getInt();
  std::string name = text_string(port.getStr());
  for (auto p : c.getPorts())
    if (text_view(p.getName()) == name) return p.getContainerPort();
  error = "port " + name + " is not a named port of container " + text_string(c.getName());
  return std::nullopt;
}

template <class Action>
std::optional<probe_spec> network_spec(probe_spec::kind kind, Action a, k8s::Container::Reader c,
                                       const std::string& pod_ip, std::string& error) {
  auto port = port_of(a.getPort(), c, error);
  if (!port) return std::nullopt;
  probe_spec s;
  s.type = kind;
  s.port = *port;
  s.host = a.getHost().size() ? text_string(a.getHost()) : pod_ip;
  return s;
}

std::optional<probe_spec> http_spec(k8s::HttpGetAction::Reader h, k8s::Container::Reader c,
                                    const std::string& pod_ip, std::string& error) {
  auto s = network_spec(probe_spec::kind::http, h, c, pod_ip, error);
  if (!s) return s;
  if (h.getPath().size()) s->path = text_string(h.getPath());
  if (h.getScheme() == k8s::UriScheme::HTTPS) s->scheme = "HTTPS";
  for (auto header : h.getHttpHeaders()) s->headers.emplace_back(text_string(header.getName()), text_string(header.getValue()));
  return s;
}

std::optional<probe_spec> exec_spec(k8s::ExecAction::Reader e) {
  probe_spec s;
  s.type = probe_spec::kind::exec;
  for (auto part : e.getCommand()) s.command.push_back(text_string(part));
  return s;
}

// An errno as Go's syscall.Errno prints it: glibc's text with a lower-case first letter
// ("connection refused"), so probe messages read as the kubelet's.
std::string go_errno(int e) {
  std::string text = strerror(e);
  if (!text.empty()) text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  return text;
}

// A non-blocking connect bounded by the deadline; -1 and `error` set on failure.
// Waits until `fd` is ready for `events`; false once the deadline has passed.
bool ready(int fd, short events, int64_t deadline) {
  pollfd p{fd, events, 0};
  int left = static_cast<int>(deadline - monotonic_millis());
  return left > 0 && poll(&p, 1, left) > 0;
}

int connect_by(const std::string& host, int32_t port, int64_t deadline, std::string& error) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1) {
    hostent* he = gethostbyname(host.c_str());
    if (!he || he->h_addrtype != AF_INET) return error = "cannot resolve " + host, -1;
    std::memcpy(&addr.sin_addr, he->h_addr_list[0], sizeof addr.sin_addr);
  }
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  std::string where = host + ":" + std::to_string(port);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 && errno != EINPROGRESS) {
    error = "dial tcp " + where + ": connect: " + go_errno(errno);
    close(fd);
    return -1;
  }
  if (!ready(fd, POLLOUT, deadline)) {
    error = "dial tcp " + where + ": i/o timeout";
    close(fd);
    return -1;
  }
  int so_error = 0;
  socklen_t len = sizeof so_error;
  getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &len);
  if (so_error != 0) {
    error = "dial tcp " + where + ": connect: " + go_errno(so_error);
    close(fd);
    return -1;
  }
  return fd;
}

// One probe connection, plain or TLS. Like the kubelet's prober, TLS does not verify the
// server's certificate: a probe asks whether the container answers, not who it is.
class probe_connection {
 public:
  explicit probe_connection(int fd) : fd_(fd) {}
  ~probe_connection() {
    if (ssl_) SSL_free(ssl_);
    if (ctx_) SSL_CTX_free(ctx_);
    close(fd_);
  }
  probe_connection(const probe_connection&) = delete;
  probe_connection& operator=(const probe_connection&) = delete;

  /// The TLS handshake; "" when done, else why not.
  std::string start_tls(const std::string& host, int64_t deadline) {
    ctx_ = SSL_CTX_new(TLS_client_method());
    if (!ctx_) return "tls: " + last_error();
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_NONE, nullptr);
    ssl_ = SSL_new(ctx_);
    if (!ssl_ || SSL_set_fd(ssl_, fd_) != 1) return "tls: " + last_error();
    in_addr ip{};
    if (inet_pton(AF_INET, host.c_str(), &ip) != 1)
      SSL_set_tlsext_host_name(ssl_, host.c_str());  // SNI names hosts only
    for (;;) {
      int r = SSL_connect(ssl_);
      if (r == 1) return "";
      if (!wait(r, deadline))
        return "tls: handshake " +
               (monotonic_millis() >= deadline ? std::string("timeout") : last_error());
    }
  }

  bool send_all(const std::string& data, int64_t deadline) {
    size_t sent = 0;
    while (sent < data.size()) {
      ssize_t n;
      if (ssl_) {
        int r = SSL_write(ssl_, data.data() + sent, static_cast<int>(data.size() - sent));
        if (r <= 0) {
          if (!wait(r, deadline)) return false;
          continue;
        }
        n = r;
      } else {
        n = send(fd_, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
        if (n < 0 && errno == EAGAIN) {
          if (!ready(fd_, POLLOUT, deadline)) return false;
          continue;
        }
        if (n <= 0) return false;
      }
      sent += static_cast<size_t>(n);
    }
    return true;
  }

  /// Appends what arrives to `out`: > 0 bytes read, 0 closed, < 0 timed out or failed.
  ssize_t receive(std::string& out, int64_t deadline) {
    char chunk[1024];
    for (;;) {
      if (ssl_) {
        int r = SSL_read(ssl_, chunk, sizeof chunk);
        if (r > 0) return out.append(chunk, static_cast<size_t>(r)), r;
        int e = SSL_get_error(ssl_, r);
        if (e == SSL_ERROR_ZERO_RETURN || e == SSL_ERROR_SYSCALL) return 0;
        if (!wait(r, deadline)) return -1;
        continue;
      }
      if (!ready(fd_, POLLIN, deadline)) return -1;
      ssize_t n = recv(fd_, chunk, sizeof chunk, 0);
      if (n > 0) out.append(chunk, static_cast<size_t>(n));
      if (n >= 0 || errno != EAGAIN) return std::max<ssize_t>(n, 0);
    }
  }

 private:
  // After an SSL call returned `r`: waits for what it wants; false when it cannot go on.
  bool wait(int r, int64_t deadline) {
    switch (SSL_get_error(ssl_, r)) {
      case SSL_ERROR_WANT_READ: return ready(fd_, POLLIN, deadline);
      case SSL_ERROR_WANT_WRITE: return ready(fd_, POLLOUT, deadline);
      default: return false;
    }
  }
  static std::string last_error() {
    unsigned long e = ERR_get_error();
    if (e == 0) return "connection closed";
    char text[256];
    ERR_error_string_n(e, text, sizeof text);
    return text;
  }

  int fd_;
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
};

struct http_target {
  bool tls = false;
  std::string host;
  int32_t port = 0;
  std::string path;

  std::string url() const {
    return std::string(tls ? "https" : "http") + "://" + host + ":" + std::to_string(port) + path;
  }
};

// Go's resolvePath: `ref` against the directory of `base`, dot segments removed (RFC 3986),
// a trailing "." or ".." leaving a trailing slash.
std::string resolve_path(const std::string& base, const std::string& ref) {
  std::string full = ref.empty()     ? base
                     : ref[0] != '/' ? base.substr(0, base.rfind('/') + 1) + ref
                                     : ref;
  if (full.empty()) return "";
  std::string out = "/", element;
  bool first = true, found = true;
  size_t at = 0;
  while (found) {
    size_t slash = full.find('/', at);
    found = slash != std::string::npos;
    element = full.substr(at, found ? slash - at : std::string::npos);
    at = found ? slash + 1 : full.size();
    if (element == ".") {
      first = false;
      continue;
    }
    if (element == "..") {
      auto last = out.rfind('/');
      if (last == 0) {
        out = "/";
        first = true;
      } else {
        out.resize(last);
      }
    } else {
      if (!first) out += '/';
      out += element;
      first = false;
    }
  }
  if (element == "." || element == "..") out += '/';
  if (out.size() > 1 && out[1] == '/') out.erase(0, 1);
  return out;
}

// Where a Location header leads from `from`, resolved as Go's URL.ResolveReference: nullopt
// for another host, which the kubelet's probes and hooks do not follow (Go's client compares
// host names, not ports).
std::optional<http_target> redirect_target(const http_target& from, const std::string& location) {
  http_target to = from;
  std::string rest = location.substr(0, location.find('#'));  // a fragment is never sent
  // A scheme as Go's url.Parse reads one: a letter, then letters, digits, '+', '-' or '.', up to
  // the first ':' ("/login?next=http://x" has none: a path).
  auto scheme_colon = rest.find(':');
  bool has_scheme =
      scheme_colon != std::string::npos && scheme_colon > 0 &&
      std::isalpha(static_cast<unsigned char>(rest[0])) &&
      std::all_of(rest.begin(), rest.begin() + static_cast<long>(scheme_colon), [](char ch) {
        return std::isalnum(static_cast<unsigned char>(ch)) || ch == '+' || ch == '-' || ch == '.';
      });
  if (has_scheme) {
    std::string scheme = to_lower(rest.substr(0, scheme_colon));
    if ((scheme != "http" && scheme != "https") || rest.compare(scheme_colon, 3, "://") != 0)
      return std::nullopt;
    to.tls = scheme == "https";
    rest = "//" + rest.substr(scheme_colon + 3);
    to.port = to.tls ? 443 : 80;
  }
  if (rest.rfind("//", 0) == 0) {
    auto slash = rest.find_first_of("/?", 2);  // the authority ends where a path or query begins
    std::string authority =
        rest.substr(2, slash == std::string::npos ? std::string::npos : slash - 2);
    auto colon = authority.rfind(':');
    to.host = authority.substr(0, colon);
    // Without a port, the scheme's own, even where the scheme is the one it came from.
    to.port = colon != std::string::npos ? std::atoi(authority.c_str() + colon + 1)
              : to.tls                   ? 443
                                         : 80;
    if (to.host != from.host) return std::nullopt;
    rest = slash == std::string::npos ? "/"
           : rest[slash] == '?'       ? "/" + rest.substr(slash)
                                      : rest.substr(slash);
  }
  if (rest.empty()) return to;
  auto question = rest.find('?');
  std::string path = rest.substr(0, question),
              query = question == std::string::npos ? "" : rest.substr(question);
  auto from_path = from.path.substr(0, from.path.find('?'));
  // "?q": the same path, another query; otherwise the path resolved against where it came from.
  to.path = (path.empty() ? from_path : resolve_path(from_path, path)) + query;
  return to;
}

// The value of a response header, matched without regard to case ("" when absent).
std::string header_of(std::string_view response, std::string_view name) {
  const std::string wanted = to_lower(name);
  size_t line = response.find("\r\n");
  while (line != std::string_view::npos && line + 2 < response.size()) {
    size_t start = line + 2, end = response.find("\r\n", start);
    if (end == std::string_view::npos || end == start) break;
    auto colon = response.find(':', start);
    if (colon != std::string_view::npos && colon < end &&
        to_lower(response.substr(start, colon - start)) == wanted)
      return std::string(trim(response.substr(colon + 1, end - colon - 1)));
    line = end;
  }
  return "";
}

struct http_answer {
  int code = 0;  // 0: no answer; `error` says why
  std::string location, error;
};

http_answer http_request(const http_target& t, const probe_spec& s, int64_t deadline) {
  http_answer out;
  int fd = connect_by(t.host, t.port, deadline, out.error);
  if (fd < 0) return out.error = "Get \"" + t.url() + "\": " + out.error, out;
  probe_connection conn(fd);
  if (t.tls) {
    auto error = conn.start_tls(t.host, deadline);
    if (!error.empty()) return out.error = "Get \"" + t.url() + "\": " + error, out;
  }
  std::string request = "GET " + t.path + " HTTP/1.1\r\nHost: " + t.host + ":" +
                        std::to_string(t.port) +
                        "\r\nUser-Agent: kube-probe/1.30\r\nAccept: */*\r\nConnection: close\r\n";
  for (auto& [k, v] : s.headers) request += k + ": " + v + "\r\n";
  request += "\r\n";
  conn.send_all(request, deadline);
  std::string response;
  while (response.find("\r\n\r\n") == std::string::npos && response.size() < 65536) {
    ssize_t n = conn.receive(response, deadline);
    if (n == 0) break;
    if (n < 0) {
      out.error = "Get \"" + t.url() +
                  "\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)";
      return out;
    }
  }
  auto space = response.find(' ');
  out.code = space == std::string::npos ? 0 : std::atoi(response.c_str() + space + 1);
  if (out.code == 0) out.error = "malformed HTTP response";
  out.location = header_of(response, "Location");
  return out;
}

bool followed(int code) {
  return code == 301 || code == 302 || code == 303 || code == 307 || code == 308;
}

// As the kubelet's prober: redirects on the same host are followed (10 requests at most), one
// to another host ends the probe with its 3xx, which passes. Hooks follow the same rule (the
// kubelet's hook client checks redirects as its prober does: no credentials to other hosts).
probe_outcome http_get(const probe_spec& s, int64_t deadline) {
  probe_outcome out;
  http_target target{s.scheme == "HTTPS", s.host, s.port, s.path};
  http_answer answer;
  for (int redirects = 0;; ++redirects) {
    answer = http_request(target, s, deadline);
    if (!followed(answer.code) || answer.location.empty()) break;
    auto next = redirect_target(target, answer.location);
    if (!next) break;
    // Go's client makes at most 10 requests, and names the Location it would not follow.
    if (redirects == 9) {
      out.message = "Get \"" + answer.location + "\": stopped after 10 redirects";
      return out;
    }
    target = *next;
  }
  if (answer.code == 0) return out.message = answer.error, out;
  out.success = s.any_status || (answer.code >= 200 && answer.code < 400);
  if (!out.success)
    out.message = "HTTP probe failed with statuscode: " + std::to_string(answer.code);
  return out;
}

}  // namespace

std::optional<probe_spec> probe_spec_of(k8s::Probe::Reader probe, k8s::Container::Reader c,
                                        const std::string& pod_ip, std::string& error) {
  std::optional<probe_spec> s;
  switch (probe.which()) {
    case k8s::Probe::EXEC: s = exec_spec(probe.getExec()); break;
    case k8s::Probe::HTTP_GET: s = http_spec(probe.getHttpGet(), c, pod_ip, error); break;
    case k8s::Probe::TCP_SOCKET: s = network_spec(probe_spec::kind::tcp, probe.getTcpSocket(), c, pod_ip, error); break;
    case k8s::Probe::GRPC: error = "grpc probes are not supported by this kubelet"; break;
    case k8s::Probe::UNSET: error = "the probe has no action"; break;
  }
  if (s) s->timeout_ms = (probe.getTimeoutSeconds() > 0 ? probe.getTimeoutSeconds() : 1) * 1000;
  return s;
}

std::optional<probe_spec> handler_spec_of(k8s::LifecycleHandler::Reader h, k8s::Container::Reader c,
                                          const std::string& pod_ip, std::string& error) {
  switch (h.which()) {
    case k8s::LifecycleHandler::EXEC: return exec_spec(h.getExec());
    case k8s::LifecycleHandler::HTTP_GET: {
      auto spec = http_spec(h.getHttpGet(), c, pod_ip, error);
      if (spec) spec->any_status = true;
      return spec;
    }
    case k8s::LifecycleHandler::TCP_SOCKET:
      return network_spec(probe_spec::kind::tcp, h.getTcpSocket(), c, pod_ip, error);
    default: return std::nullopt;
  }
}

probe_timing probe_timing_of(k8s::Probe::Reader p) {
  probe_timing t;
  t.initial_delay_ms = int64_t{p.getInitialDelaySeconds()} * 1000;
  if (p.getPeriodSeconds() > 0) t.period_ms = int64_t{p.getPeriodSeconds()} * 1000;
  if (p.getSuccessThreshold() > 0) t.success_threshold = p.getSuccessThreshold();
  if (p.getFailureThreshold() > 0) t.failure_threshold = p.getFailureThreshold();
  return t;
}

probe_outcome run_probe(const probe_spec& s, const std::vector<std::string>& env, const std::string& workdir) {
  int64_t deadline = monotonic_millis() + s.timeout_ms;
  probe_outcome out;
  switch (s.type) {
    case probe_spec::kind::exec: {
      auto r = run_command(s.command, env, workdir, s.timeout_ms, 10240);
      out.success = r.exit_code == 0 && !r.timed_out;
      // The kubelet's words for an ExecSync past its deadline.
      if (r.timed_out)
        out.message = "command " + quote(join(s.command, " ")) + " timed out";
      else if (!r.error.empty()) out.message = r.error;
      else if (!out.success) out.message = r.out + r.err;
      return out;
    }
    case probe_spec::kind::tcp: {
      int fd = connect_by(s.host, s.port, deadline, out.message);
      if (fd >= 0) close(fd);
      out.success = fd >= 0;
      return out;
    }
    case probe_spec::kind::http: return http_get(s, deadline);
  }
  return out;
}

}  // namespace troupe::kubelet
