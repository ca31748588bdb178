// The troupe CLI against a real `troupe server` process, over the RPC API: every example
// manifest through apply/get/describe/delete, updates and conflicts, patches, label/annotate,
// edit, wait, watch, and bad input that must leave the store as it was.

#include "test/harness/cli.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <iterator>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "runtime/base/text.hpp"
#include "test/harness/eventually.hpp"

using troupe::testing::cli_result;
using troupe::testing::cluster;
using troupe::testing::everything;
using troupe::testing::lines;

namespace {

const char* deployment = R"(apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web, tier: front}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: nginx:1.25
        args: ["--port", "80"]
      - name: sidecar
        image: busybox
)";

}  // namespace

TEST_CASE("every example applies lists describes re-applies unchanged and deletes",
          "[process][cli]") {
  cluster c;
  auto applied = c.troupe({"apply", "-f", TROUPE_EXAMPLES_DIR});
  REQUIRE(applied.code == 0);
  CHECK(applied.err.empty());
  std::vector<std::string> refs;
  std::regex created(R"(^(\S+)/(\S+) created$)");
  for (auto& line : lines(applied.out)) {
    std::smatch m;
    REQUIRE(std::regex_match(line, m, created));
    refs.push_back(m[1].str() + "/" + m[2].str());
  }
  CHECK(refs.size() == 30);
  for (auto& ref : refs) {
    CAPTURE(ref);
    auto kind = ref.substr(0, ref.find('/'));
    auto name = ref.substr(ref.find('/') + 1);
    auto listed = c.troupe({"get", kind, "-A", "-o", "name"});
    CHECK(listed.code == 0);
    CHECK_THAT(listed.out, Catch::Contains(ref + "\n"));
    auto table = c.troupe({"get", kind, "-A"});
    CHECK(table.code == 0);
    if (kind == "event")  // kubectl's event table names the object, not the event
      CHECK_THAT(table.out, Catch::Contains("OBJECT") && Catch::Contains("pod/toolbox"));
    else
      CHECK_THAT(table.out, Catch::Contains("NAME") && Catch::Contains(name));
    auto described = c.troupe({"describe", kind, "-A"});
    CHECK(described.code == 0);
    // kubectl aligns the values of each block: "Name:" is followed by as many spaces as needed.
    auto rows = lines(described.out);
    CHECK(std::any_of(rows.begin(), rows.end(), [&](const std::string& row) {
      return row.rfind("Name: ", 0) == 0 && row.substr(row.find_first_not_of(' ', 5)) == name;
    }));
  }
  auto again = c.troupe({"apply", "-f", TROUPE_EXAMPLES_DIR});
  CHECK(again.code == 0);
  for (auto& line : lines(again.out)) CHECK_THAT(line, Catch::EndsWith(" unchanged"));

  auto deleted = c.troupe({"delete", "-f", TROUPE_EXAMPLES_DIR});
  CHECK(deleted.code == 0);
  CHECK(lines(deleted.out).size() == 30);
  for (auto& ref : refs) {
    auto kind = ref.substr(0, ref.find('/'));
    CHECK(c.troupe({"get", kind, "-A", "-o", "name"}).out.find(ref + "\n") == std::string::npos);
  }
}

TEST_CASE("apply updates in place: three-way merge keeps what others wrote", "[process][cli]") {
  cluster c;
  auto file = c.write("web.yaml", deployment);
  CHECK(c.troupe({"apply", "-f", file}).out == "deployment.apps/web created\n");
  CHECK(c.troupe({"label", "deployment", "web", "team=shop"}).out == "deployment.apps/web labeled\n");

  // Drop the tier label and the sidecar, change the image, scale to 3.
  std::string changed = deployment;
  changed = std::regex_replace(changed, std::regex(", tier: front"), "");
  changed = std::regex_replace(changed, std::regex("replicas: 2"), "replicas: 3");
  changed = std::regex_replace(changed, std::regex("nginx:1.25"), "nginx:1.26");
  changed = changed.substr(0, changed.find("      - name: sidecar"));
  c.write("web.yaml", changed);
  CHECK(c.troupe({"apply", "-f", file}).out == "deployment.apps/web configured\n");
  auto got = c.troupe({"get", "deploy", "web", "-o",
                       "jsonpath={.spec.replicas} {.metadata.generation} "
                       "{.spec.template.spec.containers[*].image} {.metadata.labels}"});
  CHECK(got.out == "3 2 nginx:1.26 {\"app\":\"web\",\"team\":\"shop\"}");
  // Defaults the server filled in survive the merge.
  CHECK(c.troupe({"get", "deploy", "web", "-o", "jsonpath={.spec.strategy.type}"}).out ==
        "RollingUpdate");
  CHECK(c.troupe({"apply", "-f", file}).out == "deployment.apps/web unchanged\n");
}

TEST_CASE("replace is guarded by resourceVersion, edit sends what the editor changed", "[process][cli]") {
  cluster c;
  auto file = c.write("cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}\ndata: {a: '1'}\n");
  REQUIRE(c.troupe({"create", "-f", file}).code == 0);
  auto again = c.troupe({"create", "-f", file});
  CHECK(again.code == 1);
  CHECK_THAT(again.err, Catch::Contains("Error from server (AlreadyExists)") &&
                            Catch::Contains("configmaps \"cfg\" already exists"));

  auto rv = c.troupe({"get", "cm", "cfg", "-o", "jsonpath={.metadata.resourceVersion}"}).out;
  c.write("cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}\ndata: {a: '2'}\n");
  CHECK(c.troupe({"replace", "-f", file}).out == "configmap/cfg replaced\n");
  c.write("stale.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg, resourceVersion: '" +
                            rv + "'}\ndata: {a: '3'}\n");
  auto stale = c.troupe({"replace", "-f", c.dir() / "stale.yaml"});
  CHECK(stale.code == 1);
  CHECK_THAT(stale.err, Catch::Contains("Error from server (Conflict)") &&
                            Catch::Contains("the object has been modified"));
  CHECK(c.troupe({"get", "cm", "cfg", "-o", "jsonpath={.data.a}"}).out == "2");

  // edit: the editor is a script that rewrites the value.
  auto editor = c.write("editor.sh", "#!/bin/sh\nsed -i 's/a: \"2\"/a: \"9\"/; s/a: 2/a: 9/' \"$1\"\n");
  chmod(editor.c_str(), 0755);
  auto edited = troupe::testing::run_command(
      {TROUPE_BINARY, "edit", "cm", "cfg", "--server", c.address(), "--client-config", c.config()}, "",
      {"EDITOR=" + editor}, c.dir());
  CHECK(edited.out == "configmap/cfg edited\n");
  CHECK(c.troupe({"get", "cm", "cfg", "-o", "jsonpath={.data.a}"}).out == "9");
  auto untouched = troupe::testing::run_command(
      {TROUPE_BINARY, "edit", "cm", "cfg", "--server", c.address(), "--client-config", c.config()}, "", {"EDITOR=true"}, c.dir());
  CHECK(untouched.out == "Edit cancelled, no changes made.\n");

  // A copy of an applied object carries the original's last-applied record: create and replace
  // write it anew from what they send, as kubectl's CreateOrUpdateAnnotation.
  auto record = [&](const std::string& name) {
    return c.troupe({"get", "cm", name, "-o",
                     "jsonpath={.metadata.annotations.kubectl\\.kubernetes\\.io/last-applied-configuration}"})
        .out;
  };
  REQUIRE(c.troupe({"apply", "-f", c.write("applied.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: orig}\ndata: {a: '1'}\n")}).code == 0);
  auto copy = c.troupe({"get", "cm", "orig", "-o", "yaml"}).out;
  copy.replace(copy.find("name: orig"), 10, "name: copy");
  copy.erase(copy.find("  resourceVersion:"), copy.find('\n', copy.find("  resourceVersion:")) + 1 - copy.find("  resourceVersion:"));
  REQUIRE(c.troupe({"create", "-f", "-"}, copy).code == 0);
  CHECK_THAT(record("copy"), Catch::Contains("\"name\":\"copy\""));
  auto replaced = c.troupe({"get", "cm", "copy", "-o", "yaml"}).out;
  replaced.replace(replaced.find("a: \"1\""), 6, "a: \"7\"");
  REQUIRE(c.troupe({"replace", "-f", "-"}, replaced).code == 0);
  CHECK_THAT(record("copy"), Catch::Contains("\"a\":\"7\""));
  CHECK(record("cfg").empty());
  REQUIRE(c.troupe({"replace", "-f", file, "--save-config"}).code == 0);
  CHECK_THAT(record("cfg"), Catch::Contains("\"a\":\"2\""));
}

TEST_CASE("patch label and annotate", "[process][cli]") {
  cluster c;
  REQUIRE(c.troupe({"apply", "-f", c.write("web.yaml", deployment)}).code == 0);
  // strategic: containers merge by name
  auto p = c.troupe({"patch", "deploy", "web", "-p",
                     R"({"spec":{"template":{"spec":{"containers":[{"name":"sidecar","image":"busybox:2"}]}}}})"});
  CHECK(p.out == "deployment.apps/web patched\n");
  CHECK(c.troupe({"get", "deploy", "web", "-o", "jsonpath={.spec.template.spec.containers[*].image}"}).out ==
        "nginx:1.25 busybox:2");
  // merge: the list is replaced
  CHECK(c.troupe({"patch", "deploy", "web", "--type", "merge", "-p",
                  R"({"spec":{"template":{"spec":{"containers":[{"name":"only","image":"x"}]}}}})"})
            .code == 0);
  CHECK(c.troupe({"get", "deploy", "web", "-o", "jsonpath={.spec.template.spec.containers[*].name}"}).out ==
        "only");
  auto invalid = c.troupe({"patch", "deploy", "web", "--type", "merge", "-p", R"({"spec":{"replicas":-1}})"});
  CHECK(invalid.code == 1);
  CHECK_THAT(invalid.err, Catch::StartsWith("The Deployment ") && Catch::Contains("spec.replicas"));

  CHECK(c.troupe({"label", "deploy", "web", "tier=back"}).code == 1);
  CHECK_THAT(c.troupe({"label", "deploy", "web", "tier=back"}).err,
             Catch::Contains("'tier' already has a value (front), and --overwrite is false"));
  CHECK(c.troupe({"label", "deploy", "web", "tier=back", "--overwrite"}).code == 0);
  CHECK(c.troupe({"label", "deploy", "web", "tier-"}).code == 0);
  CHECK(c.troupe({"get", "deploy", "web", "-o", "jsonpath={.metadata.labels}"}).out == "{\"app\":\"web\"}");
  CHECK(c.troupe({"get", "deploy", "-l", "app=web", "-o", "name"}).out == "deployment.apps/web\n");
  CHECK(c.troupe({"get", "deploy", "-l", "app!=web", "-o", "name"}).out == "");
  CHECK_THAT(c.troupe({"label", "deploy", "web", "bad key=x"}).err, Catch::Contains("invalid label key"));
  CHECK(c.troupe({"label", "deploy", "web", "x=a=b"}).err == "error: invalid label spec: x=a=b\n");
  CHECK(c.troupe({"label", "deploy", "web", "x=bad!", "x=ok"}).code == 1);  // each checked as read
  CHECK_THAT(c.troupe({"label", "deploy", "web", "x=bad value!"}).err,
             Catch::StartsWith("error: invalid label value: \"x=bad value!\": a valid label must be"));
  CHECK(c.troupe({"annotate", "deploy", "web", "note=hello world"}).out == "deployment.apps/web annotated\n");
  CHECK(c.troupe({"get", "deploy", "web", "-o", "jsonpath={.metadata.annotations.note}"}).out ==
        "hello world");
  // A key given twice: its last value, one refusal at most (kubectl keeps the changes in a map).
  auto twice = c.troupe({"annotate", "deploy", "web", "note=a", "note=b"});
  CHECK(twice.code == 1);
  CHECK(twice.err ==
        "error: --overwrite is false but found the following declared annotation(s): 'note' already has a value "
        "(hello world)\n");
  CHECK(c.troupe({"annotate", "deploy", "web", "note=a", "note=b", "--overwrite"}).code == 0);
  CHECK(c.troupe({"get", "deploy", "web", "-o", "jsonpath={.metadata.annotations.note}"}).out == "b");
}

TEST_CASE("bad input gets a clear error and leaves the store unchanged", "[process][cli]") {
  cluster c;
  auto before = everything(c);
  struct row {
    std::string manifest;
    std::string error;
  };
  auto r = GENERATE(values<row>({
      {"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ok}\n---\nkind: [oops\n", "invalid YAML"},
      // A document that does not decode stops only itself (cli_tables.test.cpp).
      {"apiVersion: v1\nkind: Gizmo\nmetadata: {name: g}\n", "Gizmo"},
      {"apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n"
       "spec: {containers: [{name: a, image: b, imagePullPolicyy: Always}]}\n",
       ": spec.containers[0].imagePullPolicyy: unknown field"},
      {"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: Bad_Name}\n", "metadata.name"},
      {"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, namespace: nowhere}\n",
       "bad.yaml\": namespaces \"nowhere\" not found"},  // the file, as kubectl names it
  }));
  CAPTURE(r.manifest);
  auto file = c.write("bad.yaml", r.manifest);
  auto result = c.troupe({"apply", "-f", file});
  CHECK(result.code == 1);
  CHECK(lines(result.err).size() == 1);
  CHECK_THAT(result.err, Catch::Contains(r.error));
  if (r.error != "metadata.name" && r.error.find("nowhere") == std::string::npos)
    CHECK(result.out.empty());  // decoding fails before anything is sent
  CHECK(everything(c) == before);
}

TEST_CASE("CLI usage errors name the argument", "[process][cli]") {
  cluster c;
  auto unknown = c.troupe({"get", "gizmos"});
  CHECK(unknown.code == 1);
  CHECK(unknown.err == "error: the server doesn't have a resource type \"gizmos\"\n");
  CHECK(c.troupe({"get", "pods", "--outptu", "yaml"}).err ==
        "error: unknown flag: --outptu\nSee 'troupe get --help' for usage.\n");
  CHECK(c.troupe({"get", "pods", "-o", "xml"}).err ==
        "error: unable to match a printer suitable for the output format \"xml\", allowed formats are: "
        "custom-columns,custom-columns-file,go-template,go-template-file,json,jsonpath,jsonpath-as-json,"
        "jsonpath-file,name,template,templatefile,wide,yaml\n");
  auto missing = c.troupe({"get", "pods", "nope"});
  CHECK(missing.code == 1);
  CHECK(missing.err == "Error from server (NotFound): pods \"nope\" not found\n");
  CHECK(c.troupe({"get", "pods"}).err == "No resources found in default namespace.\n");
  auto unreachable = troupe::testing::run_command({TROUPE_BINARY, "get", "pods", "--server", "127.0.0.1:1"},
                                                  "", {}, c.dir());
  CHECK(unreachable.code == 1);
  CHECK(unreachable.err == "The connection to the server 127.0.0.1:1 was refused - did you specify the right host or port?\n");
  // Every object of a file is not tried again against a server that is not there.
  auto two = c.write("two.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n"
                      "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n");
  auto refused_apply = troupe::testing::run_command(
      {TROUPE_BINARY, "apply", "-f", two, "--server", "127.0.0.1:1"}, "", {}, c.dir());
  CHECK(refused_apply.code == 1);
  CHECK(refused_apply.err == unreachable.err);
  auto unknown_host = troupe::testing::run_command({TROUPE_BINARY, "get", "pods", "--server", "no-such-host.invalid:7000"},
                                                   "", {}, c.dir());
  CHECK(unknown_host.code == 1);
  // A URL, as kubectl users write the server, names the same HOST:PORT.
  CHECK(c.troupe({"get", "ns", "default", "-o", "name", "--server", "https://" + c.address() + "/"}).out ==
        "namespace/default\n");
  CHECK(unknown_host.err == "Unable to connect to the server: dial tcp: lookup no-such-host.invalid: no such host\n");
  // version says its own first, as kubectl, whether or not a server answers.
  auto version = troupe::testing::run_command({TROUPE_BINARY, "version", "--server", "127.0.0.1:1"}, "", {}, c.dir());
  CHECK(version.code == 1);
  CHECK(version.out == "Client Version: v0.1.0\n");
  // apply says it was creating; run names no file in its errors.
  CHECK(c.troupe({"apply", "-f", "-"}, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, namespace: nowhere}\n").err ==
        "Error from server (NotFound): error when creating \"STDIN\": namespaces \"nowhere\" not found\n");
  CHECK(c.troupe({"run", "p", "-n", "nowhere", "--image=busybox"}).err ==
        "Error from server (NotFound): namespaces \"nowhere\" not found\n");
}

namespace {

// A loopback listener that completes TCP handshakes (the kernel does) and, unless `reply` is
// given, never says a word; with `reply` it answers its first connection so and hangs up.
class stranger {
 public:
  explicit stranger(std::string reply = "") {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), len) == 0);
    REQUIRE(::listen(fd_, 8) == 0);
    REQUIRE(::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
    port_ = ntohs(addr.sin_port);
    if (!reply.empty())
      answerer_ = std::thread([this, reply] {
        int peer = ::accept(fd_, nullptr, nullptr);
        if (peer < 0) return;
        char buffer[512];
        (void)::read(peer, buffer, sizeof buffer);
        (void)::write(peer, reply.data(), reply.size());
        ::close(peer);
      });
  }
  ~stranger() {
    ::shutdown(fd_, SHUT_RDWR);  // ends a pending accept
    if (answerer_.joinable()) answerer_.join();
    ::close(fd_);
  }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  int fd_ = -1;
  uint16_t port_ = 0;
  std::thread answerer_;
};

}  // namespace

TEST_CASE("a server that never answers or speaks another protocol fails the CLI without a hang", "[process][cli]") {
  troupe::testing::temp_dir home;
  stranger silent;
  auto waited = troupe::testing::run_command({TROUPE_BINARY, "get", "ns", "--server", silent.address()}, "", {}, home);
  CHECK(waited.code == 1);
  CHECK(waited.err == "Unable to connect to the server " + silent.address() +
                          ": no answer within 10s: is it a troupe server?\n");
  auto sooner = troupe::testing::run_command(
      {TROUPE_BINARY, "get", "ns", "--server", silent.address(), "--request-timeout=1500ms"}, "", {}, home);
  CHECK(sooner.err == "Unable to connect to the server " + silent.address() +
                          ": no answer within 1500ms: is it a troupe server?\n");

  stranger web("HTTP/1.0 400 Bad Request\r\nContent-Type: text/plain\r\n\r\nbad request\n");
  auto http = troupe::testing::run_command({TROUPE_BINARY, "get", "ns", "--server", web.address()}, "", {}, home);
  CHECK(http.code == 1);
  CHECK_THAT(http.err, Catch::StartsWith("Unable to connect to the server " + web.address() + ": "));
}

TEST_CASE("a server whose addresses are taken says so and exits", "[process][cli]") {
  cluster c;
  troupe::testing::temp_dir other;
  auto start = [&](const std::string& listen, const std::string& cluster_listen) {
    return troupe::testing::run_command({TROUPE_BINARY, "server", "--data-dir", other.path() + "/data", "--listen", listen,
                                         "--cluster-listen", cluster_listen, "--client-config", other.path() + "/config",
                                         "--disable-agent"},
                                        "", {}, other);
  };
  auto api_taken = start(c.address(), "127.0.0.1:0");
  CHECK(api_taken.code == 1);
  CHECK(api_taken.err == "error: --listen " + c.address() + ": cannot listen: Address already in use\n");
  auto cluster_taken = start("127.0.0.1:0", c.cluster_address());
  CHECK(cluster_taken.code == 1);
  CHECK(cluster_taken.err == "error: --cluster-listen " + c.cluster_address() + ": cannot listen: Address already in use\n");
}

TEST_CASE("a server out of descriptors goes on serving once connections close", "[process][cli]") {
  // The server starts with few descriptors (a child keeps its parent's limit).
  rlimit saved{};
  REQUIRE(getrlimit(RLIMIT_NOFILE, &saved) == 0);
  rlimit low = saved;
  low.rlim_cur = 128;
  REQUIRE(setrlimit(RLIMIT_NOFILE, &low) == 0);
  std::unique_ptr<cluster> c;
  try {
    c = std::make_unique<cluster>();
  } catch (...) {
    setrlimit(RLIMIT_NOFILE, &saved);
    throw;
  }
  REQUIRE(setrlimit(RLIMIT_NOFILE, &saved) == 0);
  auto [host, port] = troupe::parse_host_port(c->address(), "test");
  std::vector<int> clients;
  for (int i = 0; i < 200; ++i) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    REQUIRE(fd >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    inet_pton(AF_INET, host.c_str(), &addr.sin_addr);
    (void)::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    clients.push_back(fd);
  }
  CHECK(c->server_says("accepting an API connection failed, trying again: accept: Too many open files"));
  // Retried ten times a second, told once a minute: a lasting failure does not flood the log.
  CHECK_FALSE(c->server_says("a line never printed", std::chrono::milliseconds(1500)));
  size_t told = 0;
  for (size_t at = 0; (at = c->server_output().find("accepting an API connection failed", at)) !=
                      std::string::npos;
       ++at)
    ++told;
  CHECK(told == 1);
  for (int fd : clients) ::close(fd);
  // The connections gone, the API takes new ones again.
  CHECK(troupe::testing::eventually([&] { return c->troupe({"get", "ns", "default", "-o", "name"}).out == "namespace/default\n"; },
                                    std::chrono::seconds(20)));
}

TEST_CASE("the client config the server writes is what the CLI reads", "[process][cli]") {
  cluster c;
  auto via_env = troupe::testing::run_command({TROUPE_BINARY, "get", "ns", "-o", "name"}, "",
                                              {"TROUPE_CONFIG=" + c.config()}, c.dir());
  CHECK(via_env.code == 0);
  CHECK(via_env.out == "namespace/default\nnamespace/kube-node-lease\nnamespace/kube-public\nnamespace/kube-system\n");
  auto via_flag = troupe::testing::run_command(
      {TROUPE_BINARY, "version", "--client-config", c.config()}, "", {}, c.dir());
  CHECK(via_flag.out == "Client Version: v0.1.0\nServer Version: v0.1.0\n");
  auto none = troupe::testing::run_command({TROUPE_BINARY, "get", "ns"}, "",
                                           {"TROUPE_CONFIG=" + c.dir() / "nothing"}, c.dir());
  CHECK_THAT(none.err, Catch::Contains("no server to talk to"));
}

TEST_CASE("api-versions and cluster-info ask the server", "[process][cli]") {
  cluster c;
  CHECK(c.troupe({"api-versions"}).out ==
        "apps/v1\nbatch/v1\ncoordination.k8s.io/v1\nnetworking.k8s.io/"
        "v1\nrbac.authorization.k8s.io/v1\nscheduling.k8s.io/v1\nv1\n");
  auto info = c.troupe({"cluster-info"});
  CHECK(info.code == 0);
  CHECK_THAT(info.out, Catch::StartsWith("troupe control plane is running at " + c.address() + "\n"));
  auto nobody = troupe::testing::run_command({TROUPE_BINARY, "cluster-info", "--server", "127.0.0.1:1"}, "", {}, c.dir());
  CHECK(nobody.code == 1);
  CHECK(nobody.out.empty());
  CHECK(lines(nobody.err).size() == 1);
}

TEST_CASE(
    "priority classes: the system ones at start, create get describe, pods take theirs and one "
    "default",
    "[process][cli]") {
  cluster c;
  auto table = [](const std::string& out) {
    std::vector<std::vector<std::string>> rows;
    for (auto& line : lines(out)) {
      std::istringstream words(line);
      rows.emplace_back(std::istream_iterator<std::string>(words),
                        std::istream_iterator<std::string>());
    }
    return rows;
  };
  auto listed = table(c.troupe({"get", "pc"}).out);
  REQUIRE(listed.size() == 3);
  CHECK(listed[0] ==
        std::vector<std::string>{"NAME", "VALUE", "GLOBAL-DEFAULT", "AGE", "PREEMPTIONPOLICY"});
  CHECK(listed[1][0] == "system-cluster-critical");
  CHECK(listed[1][1] == "2000000000");
  CHECK(listed[2][0] == "system-node-critical");
  CHECK(listed[2][4] == "PreemptLowerPriority");
  CHECK(c.troupe({"create", "priorityclass", "low", "--value=10", "--global-default",
                  "--preemption-policy=Never", "--description=for batch"})
            .out == "priorityclass.scheduling.k8s.io/low created\n");
  CHECK(c.troupe({"create", "pc", "high", "--value", "1000"}).code == 0);
  auto described = c.troupe({"describe", "pc", "low"}).out;
  CHECK_THAT(
      described,
      Catch::Contains("Value:             10\nGlobalDefault:     true\nPreemptionPolicy:  Never\n"
                      "Description:       for batch\nAnnotations:       <none>\n"));
  // One default: a second is refused, and the store keeps what it had.
  auto second = c.troupe({"create", "pc", "other", "--value=5", "--global-default"});
  CHECK(second.code == 1);
  CHECK(second.err ==
        "Error from server (Forbidden): priorityclasses.scheduling.k8s.io \"other\" is forbidden: "
        "PriorityClass low is marked as default. Only one default can exist\n");
  CHECK(c.troupe({"get", "pc", "other"}).code == 1);
  auto made_default = c.troupe({"patch", "pc", "high", "-p", "{\"globalDefault\": true}"});
  CHECK(made_default.code == 1);
  CHECK_THAT(made_default.err, Catch::Contains("PriorityClass low is marked as default"));
  auto changed = c.troupe({"patch", "pc", "high", "-p", "{\"value\": 2000}"});
  CHECK(changed.code == 1);
  CHECK_THAT(changed.err, Catch::Contains("value: Forbidden: may not be changed in an update."));
  // Pods: the named class's priority and policy; the default for a pod naming none.
  REQUIRE(c.troupe({"run", "named", "--image=sh", "--overrides",
                    R"({"spec": {"priorityClassName": "high"}})"})
              .code == 0);
  REQUIRE(c.troupe({"run", "plain", "--image=sh"}).code == 0);
  CHECK(
      c.troupe({"get", "pod", "named", "-o", "jsonpath={.spec.priority} {.spec.preemptionPolicy}"})
          .out == "1000 PreemptLowerPriority");
  CHECK(c.troupe({"get", "pod", "plain", "-o",
                  "jsonpath={.spec.priorityClassName} {.spec.priority} {.spec.preemptionPolicy}"})
            .out == "low 10 Never");
  auto unknown = c.troupe(
      {"run", "lost", "--image=sh", "--overrides", R"({"spec": {"priorityClassName": "none"}})"});
  CHECK(unknown.code == 1);
  CHECK_THAT(unknown.err, Catch::Contains("no PriorityClass with name none was found"));
  // The system classes cannot be deleted.
  auto system = c.troupe({"delete", "pc", "system-node-critical"});
  CHECK(system.code == 1);
  CHECK(system.err ==
        "Error from server (Forbidden): priorityclasses.scheduling.k8s.io \"system-node-critical\" "
        "is "
        "forbidden: this is a system priority class and cannot be deleted\n");
  CHECK(c.troupe({"get", "pc", "system-node-critical", "-o", "jsonpath={.value}"}).out ==
        "2000001000");
}

TEST_CASE("config set-context sets the namespace the CLI works in and a restart keeps it", "[process][cli]") {
  cluster c;
  REQUIRE(c.troupe({"create", "ns", "team"}).code == 0);
  REQUIRE(c.troupe({"create", "cm", "mine", "-n", "team"}).code == 0);
  CHECK(c.troupe({"config", "current-context"}).out == "troupe\n");
  CHECK(c.troupe({"config", "set-context", "--current", "--namespace=team"}).out == "Context \"troupe\" modified.\n");
  CHECK(c.troupe({"get", "cm", "-o", "name"}).out == "configmap/mine\n");  // no -n: the context's
  CHECK(c.troupe({"get", "cm", "-n", "default", "-o", "name"}).out.find("mine") == std::string::npos);
  CHECK(c.troupe({"create", "cm", "second"}).out == "configmap/second created\n");
  CHECK(c.troupe({"get", "cm", "second", "-n", "team", "-o", "name"}).code == 0);
  CHECK(c.troupe({"config", "view", "-o", "jsonpath={.namespace}"}).out == "team");
  auto contexts = lines(c.troupe({"config", "get-contexts"}).out);
  REQUIRE(contexts.size() == 2);
  CHECK(contexts[1] == "*         troupe   troupe    troupe     team");
  // The server rewrites the file with its new address on start, keeping the namespace.
  c.stop();
  c.start();
  CHECK(c.troupe({"get", "cm", "-o", "name"}).out == "configmap/mine\nconfigmap/second\n");

  CHECK(c.troupe({"config", "set-context", "--current", "--namespace=Not_Valid"}).code == 1);
  // A name YAML would read as something else stays a name; the file is its owner's only.
  REQUIRE(c.troupe({"create", "ns", "null"}).code == 0);
  CHECK(c.troupe({"config", "set-context", "--current", "--namespace=null"}).code == 0);
  CHECK(c.troupe({"config", "view", "-o", "jsonpath={.namespace}"}).out == "null");
  CHECK(c.troupe({"get", "cm"}).err == "No resources found in null namespace.\n");
  struct stat info {};
  REQUIRE(stat(c.config().c_str(), &info) == 0);
  CHECK((info.st_mode & 0777) == 0600);
  CHECK(c.troupe({"config", "use-context", "prod"}).err ==
        "error: no context exists with the name: \"prod\" (troupe's client config has one, \"troupe\")\n");
  // kubectl's --context, before or after the verb: the one context there is, or kubectl's error.
  CHECK(c.troupe({"--context", "troupe", "get", "cm", "-n", "team", "-o", "name"}).out == "configmap/mine\nconfigmap/second\n");
  CHECK(c.troupe({"get", "cm", "mine", "-n", "team", "--context=troupe", "-o", "name"}).out == "configmap/mine\n");
  auto elsewhere = c.troupe({"delete", "cm", "mine", "-n", "team", "--context", "prod"});
  CHECK(elsewhere.code == 1);
  CHECK(elsewhere.err == "error: context was not found for specified context: prod\n");
  CHECK(c.troupe({"get", "cm", "mine", "-n", "team", "-o", "name"}).out == "configmap/mine\n");
  CHECK(c.troupe({"config", "set-context", "--current", "--namespace=default"}).code == 0);
  CHECK(c.troupe({"get", "cm", "-o", "name"}).out.find("mine") == std::string::npos);
  // What config view prints is a client config.
  auto viewed = c.write("viewed.yaml", c.troupe({"config", "view"}).out);
  auto through_view = troupe::testing::run_command(
      {TROUPE_BINARY, "get", "ns", "default", "-o", "name", "--client-config", viewed}, "", {}, c.dir());
  CHECK(through_view.err.empty());
  CHECK(through_view.out == "namespace/default\n");
  std::ofstream(c.config(), std::ios::app) << "colour: blue\n";
  CHECK(c.troupe({"config", "view"}).err ==
        "error: " + c.config() + ": unknown setting \"colour\" (server, namespace, current-context)\n");
}

TEST_CASE("delete by name by selector and --all", "[process][cli]") {
  cluster c;
  for (const char* name : {"a", "b", "c"})
    REQUIRE(c.troupe({"create", "-f", "-"}, std::string("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ") +
                                              name + ", labels: {group: " + (name[0] == 'c' ? "y" : "x") + "}}\n")
                .code == 0);
  CHECK(c.troupe({"delete", "cm", "-l", "group=x"}).out == "configmap \"a\" deleted\nconfigmap \"b\" deleted\n");
  CHECK(c.troupe({"delete", "configmap/c"}).out == "configmap \"c\" deleted\n");
  auto gone = c.troupe({"delete", "cm", "c"});
  CHECK(gone.code == 1);
  CHECK(gone.err == "Error from server (NotFound): configmaps \"c\" not found\n");
  CHECK_THAT(c.troupe({"delete", "cm"}).err, Catch::Contains("no name was specified"));
}

TEST_CASE("resources are named as TYPE NAME... or TYPE/NAME... in every verb", "[process][cli]") {
  cluster c;
  for (const char* name : {"a", "b"})
    REQUIRE(c.troupe({"create", "-f", "-"}, std::string("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ") + name + "}\n")
                .code == 0);
  auto names = [](const std::string& described) {
    std::string out;
    for (size_t at = described.find("Name:"); at != std::string::npos; at = described.find("Name:", at + 1))
      out += described.substr(described.find_first_not_of(' ', at + 5), 1);
    return out;
  };
  CHECK(names(c.troupe({"describe", "cm", "a", "b"}).out) == "ab");
  CHECK(names(c.troupe({"describe", "cm/b", "configmap/a"}).out) == "ba");
  CHECK(names(c.troupe({"describe", "cm"}).out) == "ab");
  auto partly = c.troupe({"describe", "cm", "a", "nope", "b"});  // the found ones still described
  CHECK(partly.code == 1);
  CHECK(names(partly.out) == "ab");
  CHECK(partly.err == "Error from server (NotFound): configmaps \"nope\" not found\n");
  REQUIRE(c.troupe({"create", "cm", "b2"}).code == 0);
  auto by_prefix = c.troupe({"describe", "cm", "b"});  // b itself is there: just b
  CHECK(names(by_prefix.out) == "b");
  REQUIRE(c.troupe({"delete", "cm", "b"}).code == 0);
  CHECK(names(c.troupe({"describe", "cm", "b"}).out) == "b");  // not there: those it begins (b2)
  CHECK(c.troupe({"describe", "cm", "b2"}).out.find("b2") != std::string::npos);
  auto none = c.troupe({"describe", "cm", "zz"});
  CHECK(none.code == 1);
  CHECK(none.err == "Error from server (NotFound): configmaps \"zz\" not found\n");
  REQUIRE(c.troupe({"delete", "cm", "b2"}).code == 0);  // as it was for what follows
  REQUIRE(c.troupe({"create", "cm", "b"}).code == 0);
  CHECK(c.troupe({"get", "cm/a", "cm/b", "-o", "name"}).out == "configmap/a\nconfigmap/b\n");
  auto mixed = c.troupe({"get", "cm/a", "b"});
  CHECK(mixed.code == 1);
  CHECK_THAT(mixed.err, Catch::Contains("there is no need to specify a resource type as a separate argument"));
  auto empty = c.troupe({"delete", "cm/"});
  CHECK(empty.code == 1);
  CHECK_THAT(empty.err, Catch::Contains("must have a single resource and name, got \"cm/\""));
  CHECK(c.troupe({"wait", "cm", "--all", "--for=delete", "--timeout=0s"}).code != 0);  // both still there
  auto both = c.troupe({"delete", "cm", "a", "--all"});
  CHECK(both.code == 1);
  CHECK_THAT(both.err, Catch::Contains("name cannot be provided when a selector or --all is specified"));
  CHECK(c.troupe({"delete", "cm", "--all"}).out == "configmap \"a\" deleted\nconfigmap \"b\" deleted\n");
}

TEST_CASE("wait for a condition a jsonpath value and deletion", "[process][cli]") {
  cluster c;
  REQUIRE(c.troupe({"create", "-f", "-"}, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: w}\n").code == 0);
  auto timeout = c.troupe({"wait", "cm", "w", "--for=jsonpath={.data.ready}=yes", "--timeout=300ms"});
  CHECK(timeout.code == 1);
  CHECK(timeout.err == "error: timed out waiting for the condition on configmaps/w\n");

  troupe::testing::child_process waiter({TROUPE_BINARY, "wait", "cm", "w", "--for=jsonpath={.data.ready}=yes",
                                         "--timeout=20s", "--server", c.address()});
  troupe::testing::child_process deleted({TROUPE_BINARY, "wait", "cm/w", "--for=delete", "--timeout=20s",
                                          "--server", c.address()});
  usleep(200000);
  CHECK(c.troupe({"patch", "cm", "w", "-p", R"({"data":{"ready":"no"}})"}).code == 0);
  CHECK(c.troupe({"patch", "cm", "w", "-p", R"({"data":{"ready":"yes"}})"}).code == 0);
  CHECK(waiter.wait(std::chrono::seconds(20)) == 0);
  CHECK(waiter.output() == "configmap/w condition met\n");
  CHECK(c.troupe({"delete", "cm", "w"}).code == 0);
  CHECK(deleted.wait(std::chrono::seconds(20)) == 0);
  CHECK(deleted.output() == "configmap/w condition met\n");  // kubectl's printer, deletion too
  auto bad = c.troupe({"wait", "cm", "w", "--for=ready"});
  CHECK(bad.err == "error: unrecognized condition: \"ready\"\n");

  // kubectl's reading of --for: relaxed paths, quotes around the value dropped, "delete" in any
  // case; and its errors for a value left out, a path it cannot read, a second '='.
  REQUIRE(c.troupe({"create", "cm", "v", "--from-literal=k=a=b"}).code == 0);
  CHECK(c.troupe({"wait", "cm", "v", "--for=jsonpath=.metadata.name=v", "--timeout=5s"}).out ==
        "configmap/v condition met\n");
  CHECK(c.troupe({"wait", "cm", "v", "--for=jsonpath=.metadata.name=v", "--timeout=-1s"}).out ==
        "configmap/v condition met\n");  // negative: a week
  CHECK(c.troupe({"wait", "cm", "v", "--for=jsonpath={.metadata.name}='v'", "--timeout=5s"}).code == 0);
  CHECK(c.troupe({"wait", "cm", "v", "--for=jsonpath={.data.k}", "--timeout=5s"}).code == 0);
  CHECK(c.troupe({"wait", "cm", "v", "--for=jsonpath={.metadata.name}="}).err ==
        "error: jsonpath wait has to have a value after equal sign, like "
        "--for=jsonpath='{.status.readyReplicas}'=3\n");
  CHECK_THAT(c.troupe({"wait", "cm", "v", "--for=jsonpath={.metadata.name}==v"}).err,
             Catch::StartsWith("error: unexpected path string, expected a 'name1.name2'"));
  CHECK_THAT(c.troupe({"wait", "cm", "v", "--for=jsonpath={.data.k}=a=b"}).err,
             Catch::StartsWith("error: jsonpath wait format must be --for=jsonpath='{.status.readyReplicas}'=3"));
  CHECK(c.troupe({"wait", "cm", "--for=condition=Ready"}).err ==
        "error: resource(s) were provided, but no name was specified\n");
  CHECK(c.troupe({"delete", "cm", "v", "--wait=false"}).code == 0);
  CHECK(c.troupe({"wait", "cm", "v", "--for=DELETE", "--timeout=5s"}).code == 0);
}

TEST_CASE("get --watch prints each change as a row", "[process][cli]") {
  cluster c;
  troupe::testing::child_process watcher({TROUPE_BINARY, "get", "cm", "--watch", "--server", c.address()});
  usleep(300000);
  REQUIRE(c.troupe({"create", "-f", "-"}, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: seen}\n").code == 0);
  CHECK(watcher.wait_for_output("seen "));
  REQUIRE(c.troupe({"patch", "cm", "seen", "-p", R"({"data":{"k":"v"}})"}).code == 0);
  CHECK(watcher.wait_for_output("seen   1"));
  // kubectl's --request-timeout ends a watch quietly; a bare number is seconds.
  auto bounded = c.troupe({"get", "cm", "seen", "-w", "--request-timeout=1"});
  CHECK(bounded.code == 0);
  CHECK_THAT(bounded.out, Catch::StartsWith("NAME"));
  CHECK(c.troupe({"get", "cm", "--request-timeout=soon"}).err ==
        "error: invalid timeout value. Timeout must be a single integer in seconds, or an integer followed by a "
        "corresponding time unit (e.g. 1s | 2m | 3h)\n");
  CHECK(c.troupe({"get", "cm", "seen", "-o", "name", "--request-timeout=5s"}).out == "configmap/seen\n");
}

TEST_CASE("api-resources and completion", "[process][cli]") {
  cluster c;
  auto r = c.troupe({"api-resources"});
  CHECK_THAT(r.out, Catch::StartsWith("NAME") && Catch::Contains("deployments") &&
                        Catch::Contains("apps/v1") && Catch::Contains("deploy"));
  CHECK_THAT(c.troupe({"completion", "bash"}).out, Catch::Contains("complete -F _troupe troupe"));
  // The script completes in a real bash: verbs, kinds, and names from the server.
  auto script = c.write("completion.bash", c.troupe({"completion", "bash"}).out);
  REQUIRE(c.troupe({"create", "cm", "settings"}).code == 0);
  // As bash calls it: COMP_LINE and COMP_POINT, and COMP_WORDS split at blanks and also at '='
  // and ':' (COMP_WORDBREAKS).
  auto complete = [&](const std::string& line) {
    std::string words;
    for (char ch : line) words += ch == '=' || ch == ':' ? std::string(" ") + ch + " " : std::string(1, ch);
    auto bin = std::string(TROUPE_BINARY);
    return troupe::testing::run_command(
               {"/bin/bash", "-c",
                "troupe() { " + bin + " --server=" + c.address() + " \"$@\"; }; source " + script +
                    "; COMP_LINE='" + line + "'; COMP_POINT=${#COMP_LINE}; COMP_WORDS=(" + words + "); " +
                    "[[ \"$COMP_LINE\" == *' ' ]] && COMP_WORDS+=(''); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); " +
                    "_troupe; echo \"${COMPREPLY[*]}\""},
               "", {}, c.dir())
        .out;
  };
  CHECK(complete("troupe expl") == "explain\n");
  CHECK(complete("troupe get deployme") == "deployments\n");
  CHECK(complete("troupe get cm sett") == "settings\n");
  CHECK(complete("troupe ag") == "agent\n");
  CHECK(complete("troupe config cu") == "current-context\n");
  CHECK(complete("troupe config view sett") == "\n");  // no resource names after config
  CHECK(complete("troupe completion ") == "bash\n");
  // Flags anywhere, their values skipped; names from the namespace -n names.
  REQUIRE(c.troupe({"create", "ns", "staging"}).code == 0);
  REQUIRE(c.troupe({"create", "cm", "sequel", "-n", "staging"}).code == 0);
  CHECK(complete("troupe -n staging get cm se") == "sequel\n");
  CHECK(complete("troupe get -o name cm --namespace=staging se") == "sequel\n");
  CHECK(complete("troupe get cm -A se") == "settings sequel\n");
  CHECK(complete("troupe get -l app=x cm se") == "settings\n");
  CHECK(complete("troupe logs -f sett") == "\n");  // logs' -f is a switch: sett is a pod name
  CHECK(complete("troupe -s " + c.address() + " get cm sett") == "settings\n");  // host:port is one word
  CHECK(complete("troupe get cm -n=staging se") == "sequel\n");
}

TEST_CASE("a pod on a node terminates gracefully - --force ends it", "[process][cli]") {
  cluster c;
  REQUIRE(c.troupe({"create", "-f", "-"}, "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n"
                                          "spec: {nodeName: n1, containers: [{name: c, image: i}]}\n")
              .code == 0);
  CHECK(c.troupe({"delete", "pod", "p", "--wait=false", "--grace-period=45"}).out == "pod \"p\" deleted\n");
  auto terminating = c.troupe({"get", "pod", "p", "--no-headers"});
  CHECK_THAT(terminating.out, Catch::Contains("Terminating"));
  CHECK(c.troupe({"get", "pod", "p", "-o", "jsonpath={.metadata.deletionGracePeriodSeconds}"}).out == "45");
  CHECK(c.troupe({"delete", "pod", "p", "--force"}).code == 0);
  CHECK(c.troupe({"get", "pod", "p"}).code == 1);
}

TEST_CASE("a verb given --help prints its help and does nothing else", "[process][cli]") {
  cluster c;
  REQUIRE(c.troupe({"create", "configmap", "keep", "--from-literal=a=b"}).code == 0);
  auto file = c.write("cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: new}\n");
  auto before = everything(c);
  auto help = c.troupe({"delete", "cm", "keep", "--help"});
  CHECK(help.code == 0);
  CHECK(help.err.empty());
  CHECK_THAT(help.out, Catch::StartsWith("Delete resources") &&
                           Catch::Contains("\nUsage:\n  troupe delete ") &&
                           Catch::Contains("    --cascade='background':\n"));
  CHECK(c.troupe({"apply", "-f", file, "-h"}).out == c.troupe({"help", "apply"}).out);
  CHECK(c.troupe({"-n", "kube-system", "label", "cm", "keep", "x=y", "-h"}).code == 0);
  CHECK(everything(c) == before);
  // Flags are still read as the verb reads them: an unknown one is the error, not the help.
  auto unknown = c.troupe({"get", "cm", "--bogus", "--help"});
  CHECK(unknown.code == 1);
  CHECK(unknown.err == "error: unknown flag: --bogus\nSee 'troupe get --help' for usage.\n");
  // After `--` a --help is the command's own.
  auto exec = c.troupe({"exec", "nowhere", "--", "sh", "--help"});
  CHECK(exec.code == 1);
  CHECK(exec.err == "Error from server (NotFound): pods \"nowhere\" not found\n");
}

TEST_CASE("bytes stay as they were - a NUL in a value and binary files in binaryData", "[process][cli]") {
  cluster c;
  REQUIRE(c.troupe({"create", "cm", "nul"}).code == 0);
  REQUIRE(c.troupe({"patch", "cm", "nul", "--type=merge", "-p", R"({"data":{"k":"abc\u0000def"}})"}).code == 0);
  CHECK(c.troupe({"get", "cm", "nul", "-o", "jsonpath={.data.k}"}).out == std::string("abc\0def", 7));
  CHECK_THAT(c.troupe({"get", "cm", "nul", "-o", "yaml"}).out, Catch::Contains("  k: \"abc\\0def\"\n"));
  // Not UTF-8: binaryData, as kubectl; text (a NUL is UTF-8) stays in data.
  std::string png("\x89PNG\r\n\x1a\n\0\xff", 10);
  auto logo = c.write("logo.png", png);
  auto text = c.write("notes.txt", std::string("a\0b", 3));
  REQUIRE(c.troupe({"create", "cm", "files", "--from-file=" + logo, "--from-file=" + text}).code == 0);
  CHECK(c.troupe({"get", "cm", "files", "-o", "jsonpath={.binaryData.logo\\.png}"}).out == "iVBORw0KGgoA/w==");
  CHECK(c.troupe({"get", "cm", "files", "-o", "jsonpath={.data.notes\\.txt}"}).out == std::string("a\0b", 3));
}

TEST_CASE("objects print without the fields Kubernetes omits when empty", "[process][cli]") {
  cluster c;
  // A cluster-scoped object has no namespace; a server dry run's object no resourceVersion.
  CHECK(c.troupe({"get", "ns", "default", "-o", "jsonpath={.metadata}"}).out.find("namespace") ==
        std::string::npos);
  auto created = c.troupe({"create", "ns", "a1", "-o", "yaml"}).out;
  CHECK(created.find("namespace:") == std::string::npos);
  CHECK(created.find("resourceVersion: \"") != std::string::npos);
  CHECK(c.troupe({"create", "cm", "d1", "--dry-run=server", "-o", "yaml"}).out.find("resourceVersion") ==
        std::string::npos);
  // A map emptied is absent, not `labels: {}`.
  REQUIRE(c.troupe({"create", "cm", "r2", "--from-literal=k1=v"}).code == 0);
  // A server dry run answers as the write would: the name is taken.
  auto taken = c.troupe({"create", "cm", "r2", "--dry-run=server"});
  CHECK(taken.code == 1);
  CHECK(taken.err == "error: failed to create configmap: configmaps \"r2\" already exists\n");
  REQUIRE(c.troupe({"label", "cm", "r2", "k=1"}).code == 0);
  REQUIRE(c.troupe({"label", "cm", "r2", "k-"}).code == 0);
  REQUIRE(c.troupe({"patch", "cm", "r2", "--type=merge", "-p", R"({"data":{"k1":null}})"}).code == 0);
  auto yaml = c.troupe({"get", "cm", "r2", "-o", "yaml"}).out;
  CHECK(yaml.find("labels") == std::string::npos);
  CHECK(yaml.find("\ndata:") == std::string::npos);
}
