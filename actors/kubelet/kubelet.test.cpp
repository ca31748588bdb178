#include "actors/kubelet/kubelet.hpp"

#include <signal.h>
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <thread>

#include "actors/kubelet/state.hpp"
#include "runtime/codec/object_codec.hpp"
#include "runtime/object/kinds.hpp"
#include "runtime/process/cgroup.hpp"
#include "schema/core.capnp.h"
#include "runtime/process/exit_watcher.hpp"
#include "runtime/process/launcher.hpp"
#include "test/harness/control_plane.hpp"
#include "test/harness/eventually.hpp"
#include "test/harness/temp_dir.hpp"

using namespace troupe;
using namespace std::chrono_literals;
using troupe::testing::eventually;

namespace {

std::string text_at(const codec::node& tree, std::initializer_list<const char*> path) {
  const codec::node* at = &tree;
  for (const char* step : path) {
    at = at->find(step);
    if (!at) return "";
  }
  return at->text();
}

// A kubelet in the test's process, running real containers (host processes under shims of the
// troupe binary) for pods bound to node "n1" of an in-process control plane.
struct kubelet_fixture : testing::control_plane {
  testing::temp_dir node_dir{"troupe-kubelet-test"};
  kubelet_actor kubelet;

  kubelet_fixture() {
    kubelet_deps deps;
    deps.node = "n1";
    deps.host_ip = "127.0.0.1";
    deps.data_dir = node_dir.path();
    deps.shim_binary = TROUPE_BINARY;
    deps.kinds = kinds();
    deps.exits = std::make_shared<exit_watcher>();
    // No cgroups here (a root that does not exist): limits fall back to rlimits.
    deps.groups = std::make_shared<const cgroups>(cgroups::detect(node_dir.path() + "/no-cgroups"));
    kubelet = keep(spawn_kubelet(sys(), deps));
    self()->send(kubelet, connected_atom::value, router(), store(), std::string("10.77.0.0/24"));
  }

  // A passing test deletes its pods; a failed one can leave containers running. The kubelet
  // goes first (so nothing starts one again), then every recorded shim and container group.
  ~kubelet_fixture() override {
    self()->send_exit(kubelet, caf::exit_reason::user_shutdown);
    self()->wait_for(kubelet);
    for (int round = 0; round < 50 && kill_recorded(); ++round) std::this_thread::sleep_for(100ms);
  }

  // Whether any process the records name was still there.
  bool kill_recorded() {
    bool found = false;
    for (auto& [uid, record] : kubelet::load_pod_records(node_dir.path()))
      for (auto& c : record.containers)
        if (c.shim > 0 && process_start_time(c.shim) == std::optional<uint64_t>(c.shim_start)) {
          found = true;
          ::kill(c.shim, SIGKILL);  // first, so that it records no exit and starts nothing
          if (c.pid > 0) ::kill(-c.pid, SIGKILL);
          ::waitpid(c.shim, nullptr, WNOHANG);  // a child of this process: no zombie left
        }
    return found;
  }

  std::optional<codec::node> pod(const std::string& name) const {
    auto stored = engine()->read().get(object_key("pods", "default", name));
    if (!stored) return std::nullopt;
    return codec::encode_object(stored->object, *kinds()->find_by_resource("pods"));
  }

  /// Whether pod `name` reaches `phase` within 20 s.
  bool reaches(const std::string& name, const std::string& phase) {
    return testing::eventually(
        [&] {
          auto p = pod(name);
          return p && text_at(*p, {"status", "phase"}) == phase;
        },
        std::chrono::seconds(20));
  }

  // The logs request's answer and the actor that gave it (the pod's worker).
  std::pair<std::string, caf::strong_actor_ptr> logs(const std::string& name) {
    logs_request req;
    req.ns = "default";
    req.pod = name;
    std::pair<std::string, caf::strong_actor_ptr> out;
    self()
        ->request(kubelet, patience, logs_atom::value, req)
        .receive(
            [&](logs_reply& reply) {
              out.first = reply.text;
              out.second = self()->current_sender();
            },
            [&](caf::error& e) { out.first = "error: " + sys().render(e); });
    return out;
  }
};

// The pod every test here runs: an init container and a container, each noting each start.
std::string noting_pod(const std::string& dir) {
  return "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: default}\nspec:\n  nodeName: n1\n"
         "  terminationGracePeriodSeconds: 2\n"
         "  initContainers:\n  - {name: setup, image: sh, command: [sh, -c, 'echo setup >> " + dir + "/setup']}\n"
         "  containers:\n"
         "  - {name: c, image: sh, command: [sh, -c, 'echo started >> " + dir + "/started; echo up; exec sleep 600']}\n";
}

// The default namespace's Events as "Reason: message".
std::vector<std::string> event_lines(kubelet_fixture& f) {
  auto events = f.call(api_verb::list, "events", "default", "");
  REQUIRE(events);
  std::vector<std::string> out;
  for (auto& e : events->items) {
    object_reader r(e);
    out.push_back(text_string(r.as<k8s::Event>().getReason()) + ": " +
                  text_string(r.as<k8s::Event>().getMessage()));
  }
  return out;
}

std::string contents(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Kills the worker of pod p once it answers, and waits for a successor to answer in its place.
void replace_worker(kubelet_fixture& f, const std::function<void()>& before_kill = {}) {
  caf::strong_actor_ptr first;
  REQUIRE(eventually([&] {
    auto [text, worker] = f.logs("p");
    first = worker;
    return text == "up\n";
  }));
  if (before_kill) before_kill();
  caf::anon_send_exit(first, caf::exit_reason::kill);
  // Until the successor starts (a second later), a request is told so.
  CHECK(eventually([&] { return f.logs("p").first.find("starting another worker for pod \"p\"") != std::string::npos; },
                   900ms));
  REQUIRE(eventually([&] {
    auto [text, worker] = f.logs("p");
    return worker && worker != first && text == "up\n";
  }, 10s));
}

}  // namespace

TEST_CASE("a pod worker that ends is replaced by one that adopts its running containers", "[kubelet]") {
  kubelet_fixture f;
  auto dir = f.node_dir.path();
  REQUIRE(f.call(api_verb::create, "pods", "default", "", noting_pod(dir)));
  REQUIRE(f.reaches("p", "Running"));
  auto before = *f.pod("p");
  replace_worker(f, [&] {
    // As a record from before launch traces were kept: the finished init container must be
    // settled from its exit record alone.
    auto uid = text_at(before, {"metadata", "uid"});
    REQUIRE(std::filesystem::remove(kubelet::pod_dir(dir, uid) + "/setup-1.launched"));
  });
  // The successor's first status, if it differs (it must not: the same containers, start time).
  auto version = text_at(before, {"metadata", "resourceVersion"});
  eventually([&] { return text_at(*f.pod("p"), {"metadata", "resourceVersion"}) != version; }, 3s);

  // Adopted, not started again: each container ran its command once (the finished init
  // container settled from its exit record).
  CHECK(contents(dir + "/setup") == "setup\n");
  CHECK(contents(dir + "/started") == "started\n");
  auto pod = *f.pod("p");
  CHECK(text_at(pod, {"status", "phase"}) == "Running");
  const codec::node* init = pod.find("status")->find("initContainerStatuses");
  REQUIRE((init && init->items().size() == 1));
  CHECK(text_at(init->items()[0], {"state", "terminated", "reason"}) == "Completed");
  CHECK(text_at(pod, {"status", "startTime"}) == text_at(before, {"status", "startTime"}));
  // It ended when it ended, not when the successor (a second or more later) read its record.
  auto finished = [](const codec::node& p) {
    return text_at(p.find("status")->find("initContainerStatuses")->items()[0], {"state", "terminated", "finishedAt"});
  };
  CHECK(finished(pod) == finished(before));

  // The successor looks after the pod to its end: deletion stops the container and the object goes.
  auto removed = f.call(api_verb::remove, "pods", "default", "p");
  INFO((removed ? std::string() : f.sys().render(removed.error())));
  REQUIRE(removed);
  CHECK(eventually([&] { return !f.pod("p"); }, 20s));
}

TEST_CASE("a worker that ends before it hears of a launch leaves its successor the launch to adopt", "[kubelet]") {
  kubelet_fixture f;
  auto dir = f.node_dir.path();
  REQUIRE(f.call(api_verb::create, "pods", "default", "", noting_pod(dir)));
  REQUIRE(f.reaches("p", "Running"));
  replace_worker(f, [&] {
    // The record as it stands between a launch and its answer: the instance, no process yet.
    auto uid = text_at(*f.pod("p"), {"metadata", "uid"});
    auto record = kubelet::load_pod_record(dir, uid);
    REQUIRE(record);
    for (auto& c : record->containers)
      if (c.name == "c") c.shim = c.pid = -1;
    kubelet::save_pod_record(dir, *record);
  });
  CHECK(contents(dir + "/started") == "started\n");
  REQUIRE(f.call(api_verb::remove, "pods", "default", "p"));
  CHECK(eventually([&] { return !f.pod("p"); }, 20s));
}

namespace {

// A sidecar (an init container with restartPolicy Always) noting its start, its startup and
// its stop in `dir`/order; its startup probe passes a second after it starts.
std::string sidecar_pod(const std::string& dir, const std::string& app_command) {
  std::string note = " >> " + dir + "/order";
  return "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: default}\nspec:\n  nodeName: n1\n"
         "  restartPolicy: Never\n  terminationGracePeriodSeconds: 5\n"
         "  initContainers:\n"
         "  - name: proxy\n    image: sh\n    restartPolicy: Always\n"
         "    command: [sh, -c, 'trap \"echo proxy-stop" + note + "; exit 0\" TERM; echo proxy" + note +
         "; sleep 1; touch " + dir + "/ready; echo proxy-ready" + note + "; while true; do sleep 0.1; done']\n"
         "    startupProbe: {exec: {command: [test, -f, " + dir + "/ready]}, periodSeconds: 1, failureThreshold: 30}\n"
         "  - {name: setup, image: sh, command: [sh, -c, 'echo setup" + note + "']}\n"
         "  containers:\n  - {name: app, image: sh, command: [sh, -c, '" + app_command + "']}\n";
}

}  // namespace

TEST_CASE("a sidecar starts before the next init container and stops after the app", "[kubelet]") {
  kubelet_fixture f;
  auto dir = f.node_dir.path();
  REQUIRE(f.call(api_verb::create, "pods", "default", "", sidecar_pod(dir, "echo app $(pwd) >> " + dir + "/order")));
  // The app ends: the pod (restartPolicy Never) is done, so its sidecar is stopped, not restarted,
  // and its end does not decide the phase.
  REQUIRE(f.reaches("p", "Succeeded"));
  // The app ran in "/" (an image's default WORKDIR), not in the agent's working directory.
  CHECK(contents(dir + "/order") == "proxy\nproxy-ready\nsetup\napp /\nproxy-stop\n");
  auto pod = *f.pod("p");
  const codec::node* init = pod.find("status")->find("initContainerStatuses");
  REQUIRE((init && init->items().size() == 2));
  CHECK(text_at(init->items()[0], {"restartCount"}) == "0");
  CHECK(text_at(init->items()[0], {"state", "terminated", "exitCode"}) == "0");
  REQUIRE(f.call(api_verb::remove, "pods", "default", "p"));
  CHECK(eventually([&] { return !f.pod("p"); }, 20s));
}

TEST_CASE("a sidecar restarts under restartPolicy Never and a deleted pod stops it last", "[kubelet]") {
  kubelet_fixture f;
  auto dir = f.node_dir.path();
  auto pod = sidecar_pod(dir, "trap \"echo app-stop >> " + dir + "/order; exit 0\" TERM; while true; do sleep 0.1; done");
  REQUIRE(f.call(api_verb::create, "pods", "default", "", pod));
  auto ready = [&] {
    auto p = f.pod("p");
    if (!p || text_at(*p, {"status", "phase"}) != "Running") return false;
    for (auto& c : p->find("status")->find("conditions")->items())
      if (text_at(c, {"type"}) == "Ready") return text_at(c, {"status"}) == "True";
    return false;
  };
  REQUIRE(eventually(ready, 20s));
  auto status = [&](const char* field) {
    auto p = f.pod("p");
    const codec::node* init = p->find("status")->find("initContainerStatuses");
    return init && init->items().size() == 2 ? text_at(init->items()[0], {field}) : std::string();
  };
  CHECK(status("started") == "true");
  CHECK(status("ready") == "true");

  // Killed, the sidecar starts again although the pod never restarts its containers.
  auto uid = text_at(*f.pod("p"), {"metadata", "uid"});
  auto record = kubelet::load_pod_record(dir, uid);
  REQUIRE(record);
  for (auto& c : record->containers)
    if (c.name == "proxy") ::kill(-c.pid, SIGKILL);
  REQUIRE(eventually([&] { return status("restartCount") == "1"; }, 20s));
  CHECK(text_at(*f.pod("p"), {"status", "phase"}) == "Running");
  REQUIRE(eventually([&] { return contents(dir + "/order").rfind("proxy-ready\n") > contents(dir + "/order").find("setup"); }, 20s));

  // Deleted: the app stops first, the sidecar after it; the setup container ran once.
  REQUIRE(f.call(api_verb::remove, "pods", "default", "p"));
  CHECK(eventually([&] { return !f.pod("p"); }, 20s));
  CHECK(contents(dir + "/order") == "proxy\nproxy-ready\nsetup\nproxy\nproxy-ready\napp-stop\nproxy-stop\n");
}

namespace {

// A container that notes its start and, on SIGTERM, "NAME-term", a pause, then "NAME-exit".
std::string noting_container(const std::string& dir, const std::string& name, const std::string& extra = "") {
  std::string note = " >> " + dir + "/order";
  return "  - name: " + name + "\n    image: sh\n" + extra + "    command: [sh, -c, 'trap \"echo " + name + "-term" +
         note + "; sleep 0.3; echo " + name + "-exit" + note + "; exit 0\" TERM; echo " + name + note +
         "; while true; do sleep 0.1; done']\n";
}

}  // namespace

TEST_CASE("sidecars stop one at a time last first - a failed init container ends them", "[kubelet]") {
  kubelet_fixture f;
  auto dir = f.node_dir.path();
  std::string sidecar = "    restartPolicy: Always\n";
  std::string head = "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: default}\nspec:\n  nodeName: n1\n"
                     "  restartPolicy: Never\n  terminationGracePeriodSeconds: 5\n";
  // Deleted while an init container runs: it is stopped gracefully, then the sidecars, the
  // second before the first, each after the one before it has ended.
  REQUIRE(f.call(api_verb::create, "pods", "default", "",
                 head + "  initContainers:\n" + noting_container(dir, "one", sidecar) +
                     noting_container(dir, "two", sidecar) + noting_container(dir, "setup") +
                     "  containers:\n  - {name: app, image: sh, command: [sleep, '600']}\n"));
  REQUIRE(eventually([&] { return contents(dir + "/order") == "one\ntwo\nsetup\n"; }, 20s));
  REQUIRE(f.call(api_verb::remove, "pods", "default", "p"));
  CHECK(eventually([&] { return !f.pod("p"); }, 20s));
  CHECK(contents(dir + "/order") ==
        "one\ntwo\nsetup\nsetup-term\nsetup-exit\ntwo-term\ntwo-exit\none-term\none-exit\n");

  // An init container fails under restartPolicy Never: the pod has failed, and its sidecar stops.
  std::filesystem::remove(dir + "/order");
  REQUIRE(f.call(api_verb::create, "pods", "default", "",
                 head + "  initContainers:\n" + noting_container(dir, "one", sidecar) +
                     "  - {name: bad, image: sh, command: [sh, -c, 'exit 4']}\n"
                     "  containers:\n  - {name: app, image: sh, command: [sleep, '600']}\n"));
  REQUIRE(f.reaches("p", "Failed"));
  CHECK(eventually([&] { return contents(dir + "/order") == "one\none-term\none-exit\n"; }, 20s));
  REQUIRE(f.call(api_verb::remove, "pods", "default", "p"));
  CHECK(eventually([&] { return !f.pod("p"); }, 20s));
}

TEST_CASE("a pod past its activeDeadlineSeconds fails with DeadlineExceeded and stays", "[kubelet]") {
  kubelet_fixture f;
  auto dir = f.node_dir.path();
  REQUIRE(f.call(api_verb::create, "pods", "default", "",
                 "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: default}\nspec:\n  nodeName: n1\n"
                 "  activeDeadlineSeconds: 3\n  terminationGracePeriodSeconds: 5\n  containers:\n" +
                     noting_container(dir, "app")));
  // A pod that ends before its deadline keeps its phase when the deadline comes.
  REQUIRE(f.call(api_verb::create, "pods", "default", "",
                 "apiVersion: v1\nkind: Pod\nmetadata: {name: quick, namespace: default}\nspec:\n  nodeName: n1\n"
                 "  activeDeadlineSeconds: 2\n  restartPolicy: Never\n  containers:\n"
                 "  - {name: c, image: sh, command: ['true']}\n"));
  REQUIRE(eventually([&] { return contents(dir + "/order") == "app\n"; }, 20s));
  REQUIRE(f.reaches("p", "Failed"));
  auto pod = *f.pod("p");
  CHECK(text_at(pod, {"status", "reason"}) == "DeadlineExceeded");
  CHECK(text_at(pod, {"status", "message"}) == "Pod was active on the node longer than the specified deadline");
  // Stopped as for a deletion (SIGTERM first), not started again under restartPolicy Always.
  CHECK(eventually([&] { return contents(dir + "/order") == "app\napp-term\napp-exit\n"; }, 10s));
  CHECK(eventually([&] {
    auto p = f.pod("p");
    return p && text_at(p->find("status")->find("containerStatuses")->items()[0], {"state", "terminated", "exitCode"}) == "0";
  }));
  std::this_thread::sleep_for(500ms);
  CHECK(contents(dir + "/order") == "app\napp-term\napp-exit\n");
  CHECK(f.pod("p"));
  auto quick = [&] {
    auto stored = f.engine()->read().get(object_key("pods", "default", "quick"));
    return codec::encode_object(stored->object, *f.kinds()->find_by_resource("pods"));
  };
  CHECK(text_at(quick(), {"status", "phase"}) == "Succeeded");
  CHECK(text_at(quick(), {"status", "reason"}).empty());
  // Deleted (at once, being Failed): the node lets go of it too, its record and logs.
  auto uid = text_at(*f.pod("p"), {"metadata", "uid"});
  REQUIRE(f.call(api_verb::remove, "pods", "default", "p"));
  CHECK(eventually([&] { return !f.pod("p"); }, 20s));
  CHECK(eventually([&] { return !std::filesystem::exists(kubelet::pod_dir(dir, uid)); }, 10s));
  REQUIRE(f.call(api_verb::remove, "pods", "default", "quick"));
}

TEST_CASE("a pod for another operating system fails admission and nothing of it starts", "[kubelet]") {
  kubelet_fixture f;
  auto dir = f.node_dir.path();
  REQUIRE(f.call(api_verb::create, "pods", "default", "",
                 "apiVersion: v1\nkind: Pod\nmetadata: {name: win, namespace: default}\nspec:\n  nodeName: n1\n"
                 "  os: {name: windows}\n  containers:\n" + noting_container(dir, "app")));
  REQUIRE(f.reaches("win", "Failed"));
  auto pod = *f.pod("win");
  CHECK(text_at(pod, {"status", "reason"}) == "PodOSNotSupported");
  CHECK(text_at(pod, {"status", "message"}) == "Failed to admit pod as the OS field doesn't match node OS");
  std::this_thread::sleep_for(500ms);
  CHECK(contents(dir + "/order").empty());  // the container never ran
  REQUIRE(f.call(api_verb::remove, "pods", "default", "win"));
  CHECK(eventually([&] { return !f.pod("win"); }, 20s));
  // The kubelet reads the pod's own kubernetes.io/os label too (first).
  REQUIRE(
      f.call(api_verb::create, "pods", "default", "",
             "apiVersion: v1\nkind: Pod\nmetadata: {name: labelled, namespace: default, labels: "
             "{kubernetes.io/os: windows}}\nspec:\n  nodeName: n1\n  containers:\n" +
                 noting_container(dir, "app")));
  REQUIRE(f.reaches("labelled", "Failed"));
  CHECK(text_at(*f.pod("labelled"), {"status", "reason"}) == "PodOSSelectorNodeLabelDoesNotMatch");
  CHECK(text_at(*f.pod("labelled"), {"status", "message"}) ==
        "Failed to admit pod as the `kubernetes.io/os` label doesn't match node label");
  CHECK(contents(dir + "/order").empty());
  REQUIRE(f.call(api_verb::remove, "pods", "default", "labelled"));
  CHECK(eventually([&] { return !f.pod("labelled"); }, 20s));
}

TEST_CASE("a pod deleted while its container is still starting goes", "[kubelet]") {
  kubelet_fixture f;
  for (int round = 0; round < 5; ++round) {
    REQUIRE(f.call(api_verb::create, "pods", "default", "",
                   "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: default}\nspec:\n  nodeName: n1\n"
                   "  terminationGracePeriodSeconds: 1\n  containers:\n  - {name: c, image: sh, command: [sleep, '600']}\n"));
    REQUIRE(f.call(api_verb::remove, "pods", "default", "p"));
    REQUIRE(eventually([&] { return !f.pod("p"); }, 10s));
  }
}

TEST_CASE("postStart hooks run before the next container starts - a failing one kills its container",
          "[kubelet]") {
  kubelet_fixture f;
  auto dir = f.node_dir.path();
  std::string note = " >> " + dir + "/order";
  REQUIRE(f.call(api_verb::create, "pods", "default", "",
                 "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: default}\nspec:\n  nodeName: n1\n"
                 "  terminationGracePeriodSeconds: 2\n  containers:\n"
                 "  - name: first\n    image: sh\n    command: [sh, -c, 'echo first" + note + "; exec sleep 600']\n"
                 "    lifecycle: {postStart: {exec: {command: [sh, -c, 'sleep 0.5; echo hook" + note + "']}}}\n"
                 "  - {name: second, image: sh, command: [sh, -c, 'echo second" + note + "; exec sleep 600']}\n"));
  REQUIRE(eventually([&] { return contents(dir + "/order") == "first\nhook\nsecond\n"; }, 20s));
  REQUIRE(f.call(api_verb::remove, "pods", "default", "p"));
  CHECK(eventually([&] { return !f.pod("p"); }, 20s));

  REQUIRE(f.call(api_verb::create, "pods", "default", "",
                 "apiVersion: v1\nkind: Pod\nmetadata: {name: q, namespace: default}\nspec:\n  nodeName: n1\n"
                 "  restartPolicy: Never\n  terminationGracePeriodSeconds: 2\n  containers:\n"
                 "  - name: app\n    image: sh\n    command: [sleep, '600']\n"
                 "    lifecycle: {postStart: {exec: {command: [sh, -c, 'exit 3']}}}\n"));
  REQUIRE(f.reaches("q", "Failed"));
  auto seen = event_lines(f);
  CHECK_THAT(seen, Catch::VectorContains(std::string("FailedPostStartHook: PostStartHook failed")));
  CHECK_THAT(seen, Catch::VectorContains(std::string("Killing: FailedPostStartHook")));
  REQUIRE(f.call(api_verb::remove, "pods", "default", "q"));
  CHECK(eventually([&] { return !f.pod("q"); }, 20s));
}

TEST_CASE("containers get the variables of their namespace's Services unless service links are off", "[kubelet]") {
  kubelet_fixture f;
  auto dir = f.node_dir.path();
  REQUIRE(f.call(api_verb::create, "services", "default", "",
                 "apiVersion: v1\nkind: Service\nmetadata: {name: web-api, namespace: default}\nspec:\n"
                 "  clusterIP: 127.16.0.9\n  ports: [{name: http, port: 80}, {name: dns, port: 53, protocol: UDP}]\n"));
  REQUIRE(f.call(api_verb::create, "services", "default", "",
                 "apiVersion: v1\nkind: Service\nmetadata: {name: headless, namespace: default}\nspec:\n"
                 "  clusterIP: None\n  ports: [{port: 80}]\n"));
  auto pod = [&](const std::string& name, const std::string& extra) {
    return "apiVersion: v1\nkind: Pod\nmetadata: {name: " + name + ", namespace: default}\nspec:\n  nodeName: n1\n" +
           extra + "  restartPolicy: Never\n  containers:\n  - name: c\n    image: sh\n"
           "    env: [{name: MINE, value: '$(WEB_API_SERVICE_HOST):$(WEB_API_SERVICE_PORT_HTTP)'}]\n"
           "    command: [sh, -c, 'env | grep -e WEB_API -e HEADLESS -e MINE | sort > " + dir + "/" + name + "']\n";
  };
  REQUIRE(f.call(api_verb::create, "pods", "default", "", pod("linked", "")));
  REQUIRE(f.call(api_verb::create, "pods", "default", "", pod("unlinked", "  enableServiceLinks: false\n")));
  // Written once the pods have ended (a file can exist before its text is in it).
  REQUIRE(f.reaches("linked", "Succeeded"));
  REQUIRE(f.reaches("unlinked", "Succeeded"));
  CHECK(contents(dir + "/linked") ==
        "MINE=127.16.0.9:80\n"
        "WEB_API_PORT=tcp://127.16.0.9:80\n"
        "WEB_API_PORT_53_UDP=udp://127.16.0.9:53\n"
        "WEB_API_PORT_53_UDP_ADDR=127.16.0.9\n"
        "WEB_API_PORT_53_UDP_PORT=53\n"
        "WEB_API_PORT_53_UDP_PROTO=udp\n"
        "WEB_API_PORT_80_TCP=tcp://127.16.0.9:80\n"
        "WEB_API_PORT_80_TCP_ADDR=127.16.0.9\n"
        "WEB_API_PORT_80_TCP_PORT=80\n"
        "WEB_API_PORT_80_TCP_PROTO=tcp\n"
        "WEB_API_SERVICE_HOST=127.16.0.9\n"
        "WEB_API_SERVICE_PORT=80\n"
        "WEB_API_SERVICE_PORT_DNS=53\n"
        "WEB_API_SERVICE_PORT_HTTP=80\n");
  CHECK(contents(dir + "/unlinked") == "MINE=$(WEB_API_SERVICE_HOST):$(WEB_API_SERVICE_PORT_HTTP)\n");
  for (auto name : {"linked", "unlinked"}) REQUIRE(f.call(api_verb::remove, "pods", "default", name));
  CHECK(eventually([&] { return !f.pod("linked") && !f.pod("unlinked"); }, 20s));
}

TEST_CASE("a container's termination message comes from its file or the end of its log", "[kubelet]") {
  kubelet_fixture f;
  auto dir = f.node_dir.path();
  REQUIRE(f.call(api_verb::create, "pods", "default", "",
                 "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: default}\nspec:\n  nodeName: n1\n"
                 "  restartPolicy: Never\n  containers:\n"
                 "  - name: file\n    image: sh\n    terminationMessagePath: " + dir + "/said\n"
                 "    command: [sh, -c, 'printf done > " + dir + "/said']\n"
                 "  - name: logs\n    image: sh\n    terminationMessagePolicy: FallbackToLogsOnError\n"
                 "    command: [sh, -c, 'echo first; echo it broke; exit 2']\n"
                 "  - name: quiet\n    image: sh\n    terminationMessagePolicy: FallbackToLogsOnError\n"
                 "    command: [sh, -c, 'echo fine']\n"));
  REQUIRE(f.reaches("p", "Failed"));
  auto statuses = f.pod("p")->find("status")->find("containerStatuses")->items();
  REQUIRE(statuses.size() == 3);
  CHECK(text_at(statuses[0], {"state", "terminated", "message"}) == "done");
  CHECK(text_at(statuses[1], {"state", "terminated", "message"}) == "first\nit broke\n");
  CHECK(text_at(statuses[2], {"state", "terminated", "message"}).empty());  // it succeeded
  REQUIRE(f.call(api_verb::remove, "pods", "default", "p"));
  CHECK(eventually([&] { return !f.pod("p"); }, 20s));
}

TEST_CASE("a restarting container shows how it last ended until it runs again", "[kubelet]") {
  kubelet_fixture f;
  REQUIRE(f.call(api_verb::create, "pods", "default", "",
                 "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: default}\nspec:\n  nodeName: n1\n"
                 "  terminationGracePeriodSeconds: 1\n"
                 "  initContainers: [{name: setup, image: sh, command: [sh, -c, 'sleep 1']}]\n"
                 "  containers: [{name: app, image: sh, command: [sh, -c, 'sleep 0.2; exit 1']}]\n"));
  auto status_of = [&](const char* list) -> std::optional<codec::node> {
    auto p = f.pod("p");
    const codec::node* statuses = p ? p->find("status")->find(list) : nullptr;
    if (!statuses || statuses->items().empty()) return std::nullopt;
    return statuses->items()[0];
  };
  // A plain init container is ready only once it has completed, not while it runs.
  REQUIRE(eventually([&] {
    auto s = status_of("initContainerStatuses");
    return s && s->find("state")->find("running");
  }, 20s));
  CHECK(text_at(*status_of("initContainerStatuses"), {"ready"}) == "false");
  CHECK(text_at(*status_of("initContainerStatuses"), {"started"}) == "true");
  // As the kubelet reports it: Error, then (the first restart at once) running again, then
  // CrashLoopBackOff; a container that ran is never ContainerCreating again.
  std::set<std::string> seen;
  REQUIRE(eventually([&] {
    auto s = status_of("containerStatuses");
    if (!s || text_at(*s, {"restartCount"}) == "0") return false;
    auto* waiting = s->find("state")->find("waiting");
    auto* terminated = s->find("state")->find("terminated");
    if (waiting) seen.insert("waiting " + text_at(*waiting, {"reason"}));
    if (terminated) seen.insert("terminated " + text_at(*terminated, {"reason"}));
    return seen.count("waiting CrashLoopBackOff") > 0;
  }, 20s));
  CHECK(seen.count("waiting ContainerCreating") == 0);
  CHECK(text_at(*status_of("initContainerStatuses"), {"ready"}) == "true");
  REQUIRE(f.call(api_verb::remove, "pods", "default", "p"));
  CHECK(eventually([&] { return !f.pod("p"); }, 20s));
}

TEST_CASE("a preStop hook that takes the whole grace period still leaves time after SIGTERM",
          "[kubelet]") {
  kubelet_fixture f;
  auto dir = f.node_dir.path();
  // The hook outlasts the grace period (1 s) and then fails; SIGTERM still comes, and the
  // container, which takes it, has time to note it before SIGKILL.
  REQUIRE(f.call(
      api_verb::create, "pods", "default", "",
      "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: default}\nspec:\n  nodeName: n1\n"
      "  terminationGracePeriodSeconds: 1\n  containers:\n"
      "  - name: app\n    image: sh\n"
      "    command: [sh, -c, 'trap \"echo term >> " +
          dir +
          "/log; exit 0\" TERM; while true; do sleep 0.1; done']\n"
          "    lifecycle: {preStop: {exec: {command: [sh, -c, 'sleep 5; exit 3']}}}\n"));
  REQUIRE(f.reaches("p", "Running"));
  REQUIRE(f.call(api_verb::remove, "pods", "default", "p"));
  REQUIRE(eventually([&] { return !f.pod("p"); }, 20s));
  CHECK(contents(dir + "/log") == "term\n");
  auto seen = event_lines(f);
  CHECK_THAT(seen, Catch::VectorContains(std::string("FailedPreStopHook: PreStopHook failed")));
}

TEST_CASE("after a quick preStop hook SIGKILL comes when the grace period ends", "[kubelet]") {
  kubelet_fixture f;
  auto dir = f.node_dir.path();
  // The container notes SIGTERM and goes on noting the time every 0.1 s until it is killed:
  // about 4 s after SIGTERM (the grace period, the hook having taken none of it), not the 6 s
  // the minimum grace added after the whole period would give (the kubelet adds it only where
  // the hook took the period).
  REQUIRE(f.call(
      api_verb::create, "pods", "default", "",
      "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: default}\nspec:\n  nodeName: n1\n"
      "  terminationGracePeriodSeconds: 4\n  containers:\n"
      "  - name: app\n    image: sh\n"
      "    command: [sh, -c, 'trap \"date +%s%N > " +
          dir + "/term\" TERM; while true; do sleep 0.1; date +%s%N > " + dir +
          "/tick; done']\n"
          "    lifecycle: {preStop: {exec: {command: [sh, -c, 'echo hook']}}}\n"));
  REQUIRE(f.reaches("p", "Running"));
  REQUIRE(f.call(api_verb::remove, "pods", "default", "p"));
  REQUIRE(eventually([&] { return !f.pod("p"); }, 20s));
  auto term_ns = std::stoll(contents(dir + "/term")),
       last_tick_ns = std::stoll(contents(dir + "/tick"));
  CHECK(last_tick_ns - term_ns > 3'000'000'000LL);  // SIGTERM did not end it
  CHECK(last_tick_ns - term_ns < 5'000'000'000LL);
}

TEST_CASE("a second deletion with a shorter grace period ends the pod sooner", "[kubelet]") {
  kubelet_fixture f;
  const std::string ignoring_term = "[sh, -c, 'trap \"\" TERM; while true; do sleep 0.1; done']";
  // Creates the pod (its spec after the node and grace period) and waits until it runs.
  auto running = [&](const std::string& name, int grace, const std::string& spec) {
    REQUIRE(f.call(api_verb::create, "pods", "default", "",
                   "apiVersion: v1\nkind: Pod\nmetadata: {name: " + name +
                       ", namespace: default}\nspec:\n"
                       "  nodeName: n1\n  terminationGracePeriodSeconds: " +
                       std::to_string(grace) + "\n" + spec));
    REQUIRE(f.reaches(name, "Running"));
  };
  auto remove = [&](const std::string& name, int64_t grace) {
    auto req = make_request(api_verb::remove, "pods", "default", name);
    req.grace_period = grace;
    return f.call(req);
  };
  running("p", 60, "  containers: [{name: app, image: sh, command: " + ignoring_term + "}]\n");
  REQUIRE(remove("p", 60));
  std::this_thread::sleep_for(500ms);
  REQUIRE(f.pod("p"));  // the container ignores SIGTERM: it has 60 s
  auto second = std::chrono::steady_clock::now();
  REQUIRE(remove("p", 1));
  REQUIRE(eventually([&] { return !f.pod("p"); }, 20s));
  CHECK(std::chrono::steady_clock::now() - second < 15s);
  // So does one while a preStop hook is still running: the hook's time is over too (the pod
  // would live until the hook's own 10 s and 2 s after otherwise).
  const std::string long_hook = "lifecycle: {preStop: {exec: {command: [sh, -c, 'sleep 300']}}}";
  running("hooked", 10,
          "  containers: [{name: app, image: sh, command: " + ignoring_term + ", " + long_hook +
              "}]\n");
  REQUIRE(remove("hooked", 10));
  std::this_thread::sleep_for(500ms);
  REQUIRE(f.pod("hooked"));
  REQUIRE(remove("hooked", 1));
  CHECK(eventually([&] { return !f.pod("hooked"); }, 8s));
  // And a sidecar already stopping (its hook running) when the period is cut.
  running("side", 10,
          "  initContainers: [{name: proxy, image: sh, restartPolicy: Always, command: " +
              ignoring_term + ", " + long_hook +
              "}]\n  containers: [{name: app, image: sh, command: [sh, -c, 'while true; do sleep "
              "0.1; done']}]\n");
  REQUIRE(remove("side", 10));
  std::this_thread::sleep_for(1500ms);  // the app ends at SIGTERM; the sidecar's hook runs
  REQUIRE(f.pod("side"));
  REQUIRE(remove("side", 1));
  CHECK(eventually([&] { return !f.pod("side"); }, 8s));
}

TEST_CASE("a container whose image changes is stopped and started again at once", "[kubelet]") {
  kubelet_fixture f;
  auto dir = f.node_dir.path();
  // restartPolicy Never and one container: a new definition restarts it all the same (its
  // SIGTERM noted), and the pod is not finished meanwhile: its sidecar keeps running.
  REQUIRE(f.call(
      api_verb::create, "pods", "default", "",
      "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: default}\nspec:\n  nodeName: n1\n"
      "  restartPolicy: Never\n  terminationGracePeriodSeconds: 5\n  containers:\n"
      "  - name: app\n    image: sh\n    command: [sh, -c, 'trap \"echo term >> " +
          dir +
          "/log; exit 0\" TERM; while true; do sleep 0.1; done']\n"
          "  initContainers:\n  - name: other\n    image: sh\n    restartPolicy: Always\n"
          "    command: [sh, -c, 'while true; do sleep 0.1; done']\n"));
  auto status_of = [&](size_t i) -> std::optional<codec::node> {
    auto p = f.pod("p");
    const codec::node* statuses =
        p ? p->find("status")->find(i == 0 ? "containerStatuses" : "initContainerStatuses")
          : nullptr;
    if (!statuses || statuses->items().empty()) return std::nullopt;
    return statuses->items()[0];
  };
  REQUIRE(eventually(
      [&] {
        auto s = status_of(0);
        return s && s->find("state")->find("running");
      },
      20s));
  auto first_id = text_at(*status_of(0), {"containerID"});
  api_request set_image = make_request(api_verb::patch, "pods", "default", "p");
  set_image.patch_type = static_cast<uint8_t>(patch_type::strategic);
  set_image.patch = R"({"spec":{"containers":[{"name":"app","image":"sh:2"}]}})";
  REQUIRE(f.call(set_image));
  REQUIRE(eventually(
      [&] {
        auto s = status_of(0);
        return s && text_at(*s, {"restartCount"}) == "1" && s->find("state")->find("running");
      },
      20s));
  CHECK(text_at(*status_of(0), {"image"}) == "sh:2");
  CHECK(text_at(*status_of(0), {"containerID"}) != first_id);
  CHECK(text_at(*status_of(0), {"lastState", "terminated", "reason"}) == "Completed");
  CHECK(contents(dir + "/log") == "term\n");
  // The sidecar, unchanged, runs on; the pod was never finished.
  CHECK(text_at(*status_of(1), {"restartCount"}) == "0");
  CHECK(status_of(1)->find("state")->find("running"));
  CHECK(text_at(*f.pod("p"), {"status", "phase"}) == "Running");
  auto seen = event_lines(f);
  CHECK_THAT(seen, Catch::VectorContains(std::string(
                       "Killing: Container app definition changed, will be restarted")));
  REQUIRE(f.call(api_verb::remove, "pods", "default", "p"));
  CHECK(eventually([&] { return !f.pod("p"); }, 20s));
}

TEST_CASE("a lone container restarted for a new image never leaves its pod in a terminal phase",
          "[kubelet]") {
  kubelet_fixture f;
  // restartPolicy Never, one container that exits 0 on SIGTERM: between its end and its new
  // start the pod must stay Running (a terminal phase frees its node's resources for good).
  REQUIRE(f.call(
      api_verb::create, "pods", "default", "",
      "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: default}\nspec:\n  nodeName: n1\n"
      "  restartPolicy: Never\n  containers:\n  - name: app\n    image: sh\n"
      "    command: [sh, -c, 'trap \"exit 0\" TERM; while true; do sleep 0.1; done']\n"));
  REQUIRE(f.reaches("p", "Running"));
  api_request set_image = make_request(api_verb::patch, "pods", "default", "p");
  set_image.patch_type = static_cast<uint8_t>(patch_type::strategic);
  set_image.patch = R"({"spec":{"containers":[{"name":"app","image":"sh:2"}]}})";
  REQUIRE(f.call(set_image));
  std::set<std::string> phases;
  auto deadline = std::chrono::steady_clock::now() + 20s;
  bool restarted = false;
  while (!restarted && std::chrono::steady_clock::now() < deadline) {
    auto p = f.pod("p");
    if (!p) continue;
    phases.insert(text_at(*p, {"status", "phase"}));
    auto* statuses = p->find("status")->find("containerStatuses");
    restarted = statuses && !statuses->items().empty() &&
                text_at(statuses->items()[0], {"restartCount"}) == "1" &&
                statuses->items()[0].find("state")->find("running");
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  CHECK(restarted);
  CHECK(phases == std::set<std::string>{"Running"});
  REQUIRE(f.call(api_verb::remove, "pods", "default", "p"));
  CHECK(eventually([&] { return !f.pod("p"); }, 20s));
}
