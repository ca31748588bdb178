#include "actors/kubelet/probes.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <string>
#include <vector>

#include "runtime/process/launcher.hpp"
#include "test/harness/eventually.hpp"
#include "test/harness/ports.hpp"
#include "test/harness/process.hpp"
#include "test/harness/temp_dir.hpp"

using namespace troupe;
using namespace troupe::kubelet;

namespace {

probe_spec http_probe(const std::string& scheme, int port) {
  probe_spec s;
  s.type = probe_spec::kind::http;
  s.scheme = scheme;
  s.host = "127.0.0.1";
  s.port = port;
  s.timeout_ms = 3000;
  return s;
}

}  // namespace

TEST_CASE("httpGet probes speak HTTPS without verifying the certificate as the kubelet does",
          "[kubelet][probes]") {
  troupe::testing::temp_dir dir("troupe-probes");
  // A self-signed certificate no client could verify.
  auto made = run_command(
      {"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", dir / "key.pem",
       "-out", dir / "cert.pem", "-days", "1", "-subj", "/CN=probe-test"},
      {"PATH=/usr/bin:/bin"}, dir.path(), 30000);
  REQUIRE(made.exit_code == 0);
  int port = troupe::testing::free_loopback_port();
  troupe::testing::child_process server({"/usr/bin/openssl", "s_server", "-accept",
                                         "127.0.0.1:" + std::to_string(port), "-cert",
                                         dir / "cert.pem", "-key", dir / "key.pem", "-www"});
  // s_server buffers what it prints: its port answering is the sign it is up.
  probe_spec listening = http_probe("HTTP", port);
  listening.type = probe_spec::kind::tcp;
  REQUIRE(troupe::testing::eventually([&] { return run_probe(listening, {}, "/").success; }));

  auto https = run_probe(http_probe("HTTPS", port), {}, "/");
  INFO(https.message);
  CHECK(https.success);

  // Plain HTTP to a TLS server gets no HTTP answer.
  auto plain = run_probe(http_probe("HTTP", port), {}, "/");
  CHECK_FALSE(plain.success);

  // Nothing listening: the error names the https URL, as the kubelet's does.
  auto refused = run_probe(http_probe("HTTPS", troupe::testing::free_loopback_port()), {}, "/");
  CHECK_FALSE(refused.success);
  CHECK_THAT(refused.message, Catch::StartsWith("Get \"https://127.0.0.1:") &&
                                  Catch::Contains("connect: connection refused"));  // Go's wording
}

TEST_CASE("an HTTPS probe of a server that does not speak TLS fails with a TLS error",
          "[kubelet][probes]") {
  // A listener that accepts and says nothing: the handshake times out.
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  REQUIRE(listen(fd, 4) == 0);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  auto spec = http_probe("HTTPS", ntohs(addr.sin_port));
  spec.timeout_ms = 300;
  auto silent = run_probe(spec, {}, "/");
  close(fd);
  CHECK_FALSE(silent.success);
  CHECK_THAT(silent.message, Catch::Contains("tls: handshake timeout"));
}

TEST_CASE("an httpGet hook succeeds on any answer where a probe needs 2xx or 3xx", "[kubelet][probes]") {
  troupe::testing::temp_dir dir("troupe-hooks");
  int port = troupe::testing::free_loopback_port();
  troupe::testing::child_process server(
      {"/usr/bin/python3", "-m", "http.server", std::to_string(port), "--bind", "127.0.0.1", "--directory", dir.path()});
  probe_spec listening = http_probe("HTTP", port);
  listening.type = probe_spec::kind::tcp;
  REQUIRE(troupe::testing::eventually([&] { return run_probe(listening, {}, "/").success; }));
  auto missing = http_probe("HTTP", port);
  missing.path = "/missing";
  auto probe = run_probe(missing, {}, "/");
  CHECK_FALSE(probe.success);
  CHECK(probe.message == "HTTP probe failed with statuscode: 404");
  missing.any_status = true;
  CHECK(run_probe(missing, {}, "/").success);
  // A hook whose request gets no answer at all still fails.
  auto refused = http_probe("HTTP", troupe::testing::free_loopback_port());
  refused.any_status = true;
  CHECK_FALSE(run_probe(refused, {}, "/").success);
}

TEST_CASE("httpGet probes follow redirects on the same host as the kubelet's prober",
          "[kubelet][probes]") {
  troupe::testing::temp_dir dir("troupe-redirects");
  int port = troupe::testing::free_loopback_port();
  std::string script = dir / "server.py";
  {
    // Each path answers as the table says: a status, and where it redirects.
    std::ofstream out(script);
    out << R"(import http.server, sys
port, host, closed = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
routes = {
    '/ok': (200, None), '/broken': (500, None),
    '/to-ok': (302, '/ok'), '/to-broken': (301, '/broken'), '/relative': (307, 'broken'),
    '/absolute': (308, 'http://127.0.0.1:%d/broken' % port),
    '/elsewhere': (302, 'http://127.0.0.2:%d/broken' % port),
    '/elsewhere-closed': (302, 'http://127.0.0.2:%d/ok' % closed),
    '/loop': (302, '/loop'), '/see-other': (303, '/to-ok'), '/ok?a=1': (302, '?b=2'), '/ok?b=2': (200, None),
    '/host-and-query': (302, 'http://127.0.0.1:%d?b=2' % port), '/?b=2': (500, None),
    '/login-next': (302, '/broken?next=http://127.0.0.2/'), '/broken?next=http://127.0.0.2/': (500, None),
    '/a/b/up': (302, '../../broken'), '/a/dots': (302, '/a/./b/../../broken#part'),
    '/scheme-relative': (302, '//127.0.0.1/ok'),
    '/9': (302, '/8'), '/8': (302, '/7'), '/7': (302, '/6'), '/6': (302, '/5'), '/5': (302, '/4'),
    '/4': (302, '/3'), '/3': (302, '/2'), '/2': (302, '/1'), '/1': (302, '/ok'), '/10': (302, '/9'),
}
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        code, where = routes.get(self.path, (404, None))
        self.send_response(code)
        if where: self.send_header('Location', where)
        self.send_header('Content-Length', '0')
        self.end_headers()
    def log_message(self, *a): pass
http.server.ThreadingHTTPServer((host, port), H).serve_forever()
)";
  }
  int closed = troupe::testing::free_loopback_port();  // nobody listens there
  troupe::testing::child_process server(
      {"/usr/bin/python3", script, std::to_string(port), "127.0.0.1", std::to_string(closed)});
  troupe::testing::child_process other(
      {"/usr/bin/python3", script, std::to_string(port), "127.0.0.2", std::to_string(closed)});
  for (auto host : {"127.0.0.1", "127.0.0.2"}) {
    probe_spec listening = http_probe("HTTP", port);
    listening.type = probe_spec::kind::tcp;
    listening.host = host;
    REQUIRE(troupe::testing::eventually([&] { return run_probe(listening, {}, "/").success; }));
  }
  auto probe = [&](const std::string& path) {
    auto s = http_probe("HTTP", port);
    s.path = path;
    return run_probe(s, {}, "/");
  };
  CHECK(probe("/to-ok").success);
  CHECK(probe("/see-other").success);  // two hops
  CHECK(probe("/ok?a=1").success);     // a query of its own
  // Resolved as Go's URL.ResolveReference: dot segments removed, no fragment sent.
  for (auto path : {"/to-broken", "/relative", "/absolute", "/a/b/up", "/a/dots", "/host-and-query",
                    "/login-next"}) {
    INFO(path);
    auto r = probe(path);
    CHECK_FALSE(r.success);
    CHECK(r.message == "HTTP probe failed with statuscode: 500");
  }
  // A Location without a port means the scheme's (80), not the port it came from: refused
  // where nothing listens there.
  probe_spec port_80 = http_probe("HTTP", 80);
  port_80.type = probe_spec::kind::tcp;
  if (!run_probe(port_80, {}, "/").success) {
    auto r = probe("/scheme-relative");
    CHECK_FALSE(r.success);
    CHECK_THAT(r.message, Catch::Contains("127.0.0.1:80/ok"));
  }
  // Another host is not followed: its 3xx passes, as the kubelet's "Probe terminated redirects".
  CHECK(probe("/elsewhere").success);
  // Nor by a hook (any answer will do): its client checks redirects as the prober's, so a
  // redirect to where nobody listens is never tried.
  auto hook = http_probe("HTTP", port);
  hook.any_status = true;
  hook.path = "/elsewhere-closed";
  CHECK(run_probe(hook, {}, "/").success);
  // Nine redirects, ten requests: followed to the end; ten redirects are one too many.
  CHECK(probe("/9").success);
  auto ten = probe("/10");
  CHECK_FALSE(ten.success);
  CHECK(ten.message == "Get \"/ok\": stopped after 10 redirects");
  auto loop = probe("/loop");
  CHECK_FALSE(loop.success);
  CHECK(loop.message == "Get \"/loop\": stopped after 10 redirects");
}

TEST_CASE("an exec probe past its timeout fails in the kubelet's words", "[kubelet][probes]") {
  probe_spec s;
  s.type = probe_spec::kind::exec;
  s.command = {"sh", "-c", "sleep 5"};
  s.timeout_ms = 200;
  auto r = run_probe(s, {"PATH=/usr/bin:/bin"}, "/");
  CHECK_FALSE(r.success);
  CHECK(r.message == "command \"sh -c sleep 5\" timed out");
}
