// The CLI where it must behave as kubectl does, against a real `troupe server`: --dry-run,
// apply's last-applied record, per-verb flags, global flags before the verb, label/annotate
// over several objects, the editor it runs, and bad input that must leave the store as it was.

#include <sys/stat.h>

#include <catch2/catch.hpp>

#include <filesystem>

#include "test/harness/cli.hpp"

using troupe::testing::cli_result;
using troupe::testing::cluster;
using troupe::testing::everything;
using troupe::testing::lines;

namespace {

std::string config_map(const std::string& name, const std::string& value,
                       const std::string& labels = "{}") {
  return "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: " + name + ", labels: " + labels +
         "}\ndata: {a: '" + value + "'}\n";
}

size_t occurrences(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("a client dry run sends nothing that changes state and says so", "[process][cli]") {
  cluster c;
  auto file = c.write("cm.yaml", config_map("cfg", "1"));
  auto before = everything(c);
  CHECK(c.troupe({"apply", "-f", file, "--dry-run=client"}).out ==
        "configmap/cfg created (dry run)\n");
  CHECK(c.troupe({"create", "-f", file, "--dry-run"}).out == "configmap/cfg created (dry run)\n");
  CHECK(everything(c) == before);

  REQUIRE(c.troupe({"apply", "-f", file}).code == 0);
  before = everything(c);
  CHECK(c.troupe({"apply", "-f", file, "--dry-run=client"}).out ==
        "configmap/cfg unchanged (dry run)\n");
  auto changed = c.write("cm2.yaml", config_map("cfg", "2"));
  CHECK(c.troupe({"apply", "-f", changed, "--dry-run=client"}).out ==
        "configmap/cfg configured (dry run)\n");
  CHECK(c.troupe({"replace", "-f", changed, "--dry-run=client"}).out ==
        "configmap/cfg replaced (dry run)\n");
  CHECK(c.troupe({"label", "cm", "cfg", "x=y", "--dry-run=client"}).out ==
        "configmap/cfg labeled (dry run)\n");
  CHECK(c.troupe({"annotate", "cm", "cfg", "x=y", "--dry-run=client"}).out ==
        "configmap/cfg annotated (dry run)\n");
  CHECK(c.troupe({"patch", "cm", "cfg", "-p", R"({"data":{"a":"5"}})", "--dry-run=client"}).out ==
        "configmap/cfg patched (dry run)\n");
  CHECK(c.troupe({"delete", "cm", "cfg", "--dry-run=client"}).out ==
        "configmap \"cfg\" deleted (dry run)\n");
  CHECK(c.troupe({"delete", "-f", file, "--dry-run"}).out ==
        "configmap \"cfg\" deleted (dry run)\n");
  CHECK(c.troupe({"delete", "cm", "--all", "--dry-run=client"}).out ==
        "configmap \"cfg\" deleted (dry run)\n");
  auto missing = c.troupe({"delete", "cm", "nope", "--dry-run=client"});
  CHECK(missing.code == 1);
  CHECK(missing.err == "Error from server (NotFound): configmaps \"nope\" not found\n");
  CHECK(everything(c) == before);

  auto bad = c.troupe({"delete", "cm", "cfg", "--dry-run=maybe"});
  CHECK(bad.code == 1);
  CHECK(bad.err ==
        "error: Invalid dry-run value (maybe). Must be \"none\", \"server\", or \"client\".\n");
  CHECK(everything(c) == before);

  CHECK(c.troupe({"apply", "-f", changed, "--dry-run=none"}).out == "configmap/cfg configured\n");
  CHECK(c.troupe({"get", "cm", "cfg", "-o", "jsonpath={.data.a}"}).out == "2");
}

TEST_CASE("a server dry run is admitted and answered by the server but stores nothing",
          "[process][cli]") {
  cluster c;
  auto file = c.write("cm.yaml", config_map("cfg", "1"));
  auto before = everything(c);
  CHECK(c.troupe({"apply", "-f", file, "--dry-run=server"}).out ==
        "configmap/cfg created (server dry run)\n");
  // The server's answer, with what it fills in.
  CHECK_THAT(c.troupe({"create", "-f", file, "--dry-run=server", "-o", "yaml"}).out,
             Catch::Contains("namespace: default") && Catch::Contains("uid: "));
  // The server's validation runs: a bad object is refused as without --dry-run.
  auto invalid = c.troupe(
      {"apply", "--dry-run=server", "-f",
       c.write("bad.yaml", "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {}\n")});
  CHECK(invalid.code == 1);
  CHECK_THAT(invalid.err, Catch::Contains("spec.ports: Required value"));
  CHECK(everything(c) == before);

  REQUIRE(c.troupe({"apply", "-f", file}).code == 0);
  before = everything(c);
  auto changed = c.write("cm2.yaml", config_map("cfg", "2"));
  CHECK(c.troupe({"apply", "-f", file, "--dry-run=server"}).out ==
        "configmap/cfg unchanged (server dry run)\n");
  CHECK(c.troupe({"apply", "-f", changed, "--dry-run=server"}).out ==
        "configmap/cfg configured (server dry run)\n");
  CHECK(c.troupe({"label", "cm", "cfg", "x=y", "--dry-run=server"}).out ==
        "configmap/cfg labeled (server dry run)\n");
  CHECK(c.troupe({"patch", "cm", "cfg", "-p", R"({"data":{"a":"5"}})", "--dry-run=server"}).out ==
        "configmap/cfg patched (server dry run)\n");
  CHECK(c.troupe({"delete", "cm", "cfg", "--dry-run=server"}).out ==
        "configmap \"cfg\" deleted (server dry run)\n");
  CHECK(everything(c) == before);
}

TEST_CASE("applying a dump of the live object again and again does not grow it", "[process][cli]") {
  cluster c;
  REQUIRE(c.troupe({"apply", "-f", c.write("cm.yaml", config_map("cfg", "1"))}).code == 0);
  std::vector<size_t> sizes;
  for (int i = 0; i < 5; ++i) {
    auto dump = c.troupe({"get", "cm", "cfg", "-o", "yaml"}).out;
    CAPTURE(i, dump);
    CHECK(occurrences(dump, "last-applied-configuration") == 1);
    sizes.push_back(dump.size());
    REQUIRE(c.troupe({"apply", "-f", c.write("dump.yaml", dump)}).code == 0);
  }
  // Only the resourceVersion changes from one dump to the next.
  CHECK(sizes[4] <= sizes[2] + 2);
}

TEST_CASE("apply refuses a generateName and creates nothing", "[process][cli]") {
  cluster c;
  auto before = everything(c);
  auto file = c.write("gen.yaml", config_map("first", "1") +
                                      "---\napiVersion: v1\nkind: ConfigMap\nmetadata: "
                                      "{generateName: gen-}\n");
  auto result = c.troupe({"apply", "-f", file});
  CHECK(result.code == 1);
  CHECK(result.err == "error: from gen-: cannot use generate name with apply\n");
  CHECK(result.out.empty());
  CHECK(everything(c) == before);
}

TEST_CASE("each verb takes only its own flags and refuses the rest", "[process][cli]") {
  cluster c;
  auto file = c.write("cm.yaml", config_map("cfg", "1", "{b: '2', a: '1'}"));
  auto before = everything(c);
  auto all = c.troupe({"apply", "-f", file, "--all"});
  CHECK(all.code == 1);
  CHECK(all.err == "error: unknown flag: --all\nSee 'troupe apply --help' for usage.\n");
  CHECK(c.troupe({"apply", "-f", file, "-L", "a"}).err ==
        "error: unknown shorthand flag: 'L' in -L\nSee 'troupe apply --help' for usage.\n");
  // -l applies only the documents whose labels match.
  CHECK(c.troupe({"apply", "-f", file, "-l", "a=other"}).err == "error: no objects passed to apply\n");
  CHECK(c.troupe({"create", "-f", file, "--overwrite"}).err ==
        "error: unknown flag: --overwrite\nSee 'troupe create --help' for usage.\n");
  CHECK(c.troupe({"get", "cm", "--grace-period=3"}).err ==
        "error: unknown flag: --grace-period\nSee 'troupe get --help' for usage.\n");
  CHECK(everything(c) == before);

  CHECK(c.troupe({"create", "-f", file, "-o", "name"}).out == "configmap/cfg\n");
  auto yaml = c.troupe({"create", "-f", c.write("y.yaml", config_map("yy", "1")), "-o", "yaml"});
  CHECK_THAT(yaml.out, Catch::Contains("  name: yy\n") && Catch::Contains("uid: "));
  auto json = c.troupe({"create", "-f", c.write("j.yaml", config_map("j", "1")), "-o", "json"});
  CHECK_THAT(json.out, Catch::StartsWith("{") && Catch::Contains("\"name\": \"j\""));
  CHECK(c.troupe({"create", "-f", file, "-o", "wide"}).err ==
        "error: unable to match a printer suitable for the output format \"wide\", allowed formats are: "
        "go-template,go-template-file,json,jsonpath,jsonpath-as-json,jsonpath-file,name,template,templatefile,yaml\n");
  CHECK(c.troupe({"create", "-f", c.write("t.yaml", config_map("tt", "1")), "-o", "jsonpath={.metadata.name}"}).out ==
        "tt");

  auto labels = lines(c.troupe({"get", "cm", "cfg", "--show-labels"}).out);
  REQUIRE(labels.size() == 2);
  CHECK_THAT(labels[0], Catch::EndsWith("   LABELS"));
  CHECK_THAT(labels[1], Catch::EndsWith("   a=1,b=2"));
  auto columns = lines(c.troupe({"get", "cm", "cfg", "-L", "b,example.com/a", "-L", "a"}).out);
  REQUIRE(columns.size() == 2);
  CHECK_THAT(columns[0], Catch::Matches("NAME +DATA +AGE +B +A +A"));
  CHECK_THAT(columns[1], Catch::Matches("cfg +1 +\\S+ +2 +1"));
  CHECK(c.troupe({"get", "cm", "cfg", "-l", "a=1"}).err ==
        "error: name cannot be provided when a selector is specified\n");

  auto quiet = c.troupe({"get", "cm", "nope", "--ignore-not-found"});
  CHECK(quiet.code == 0);
  CHECK(quiet.out.empty());
  CHECK(quiet.err.empty());
  CHECK(c.troupe({"get", "cm", "-l", "none=here", "--ignore-not-found"}).err.empty());
  auto gone = c.troupe({"delete", "cm", "nope", "--ignore-not-found"});
  CHECK(gone.code == 0);
  CHECK(gone.err.empty());

  CHECK(c.troupe({"version", "--client"}).out == "Client Version: v0.1.0\n");
  auto offline = troupe::testing::run_command(
      {TROUPE_BINARY, "version", "--client", "-o", "json", "--server", "127.0.0.1:1"}, "", {},
      c.dir());
  CHECK(offline.code == 0);
  CHECK_THAT(offline.out,
             Catch::Contains("\"clientVersion\": {") && !Catch::Contains("serverVersion"));
  CHECK_THAT(c.troupe({"version", "-o", "yaml"}).out, Catch::Contains("clientVersion:\n") &&
                                                          Catch::Contains("serverVersion:\n") &&
                                                          Catch::Contains("gitVersion: v0.1.0"));
  CHECK(c.troupe({"version", "-o", "wide"}).err == "error: --output must be 'yaml' or 'json'\n");

  auto names = lines(c.troupe({"api-resources", "-o", "name"}).out);
  CHECK(std::count(names.begin(), names.end(), "pods") == 1);
  CHECK(std::count(names.begin(), names.end(), "deployments.apps") == 1);
  auto cluster_scoped = lines(c.troupe({"api-resources", "--namespaced=false", "-o", "name"}).out);
  CHECK(std::count(cluster_scoped.begin(), cluster_scoped.end(), "nodes") == 1);
  CHECK(std::count(cluster_scoped.begin(), cluster_scoped.end(), "pods") == 0);
  CHECK_THAT(c.troupe({"api-resources", "-o", "wide"}).out,
             Catch::StartsWith("NAME ") && Catch::Contains("   VERBS   ") &&
                 Catch::Contains("[create delete get list patch update watch]"));
  // kubectl's order: the core group first, then the groups by name, each by resource name.
  std::vector<std::string> expected_order{"configmaps", "endpoints", "events"};
  CHECK(std::vector<std::string>(names.begin(), names.begin() + 3) == expected_order);
  auto position = [&](const std::string& name) { return std::find(names.begin(), names.end(), name) - names.begin(); };
  CHECK(position("services") < position("daemonsets.apps"));
  CHECK(position("daemonsets.apps") < position("deployments.apps"));
  CHECK(position("deployments.apps") < position("cronjobs.batch"));
  CHECK(lines(c.troupe({"api-resources", "--api-group=apps", "-o", "name"}).out) ==
        std::vector<std::string>{"daemonsets.apps", "deployments.apps", "replicasets.apps", "statefulsets.apps"});
  CHECK(c.troupe({"api-resources", "--sort-by=size"}).err == "error: --sort-by accepts only name or kind\n");
  // --verbs keeps the resources that serve them all; --cached changes nothing here.
  CHECK(lines(c.troupe({"api-resources", "--verbs=list,watch", "--cached", "-o", "name"}).out) == names);
  CHECK(c.troupe({"api-resources", "--verbs=deletecollection", "-o", "name"}).out.empty());
  CHECK(c.troupe({"api-resources", "--categories=all", "-o", "name"}).out ==
        "pods\nservices\ndaemonsets.apps\ndeployments.apps\nreplicasets.apps\n"
        "statefulsets.apps\ncronjobs.batch\njobs.batch\n");
  CHECK(c.troupe({"api-resources", "extra"}).err == "error: unexpected arguments: [extra]\n");
}

TEST_CASE("global flags may come before the verb", "[process][cli]") {
  cluster c;
  auto file = c.write("cm.yaml", config_map("sys", "1"));
  CHECK(c.troupe({"-n", "kube-system", "create", "-f", file}).code == 0);
  CHECK(c.troupe({"-n", "kube-system", "get", "cm", "sys", "-o", "name"}).out == "configmap/sys\n");
  auto by_short = troupe::testing::run_command({TROUPE_BINARY, "-s", c.address(), "--namespace",
                                                "kube-system", "get", "cm", "sys", "-o", "name"},
                                               "", {}, c.dir());
  CHECK(by_short.out == "configmap/sys\n");
  CHECK(c.troupe({"get", "cm", "sys"}).code == 1);  // not in default
}

TEST_CASE("delete -A reaches every namespace", "[process][cli]") {
  cluster c;
  auto in = [&](const std::string& ns, const std::string& name) {
    REQUIRE(c.troupe({"create", "-n", ns, "-f", "-"}, config_map(name, "1", "{x: y}")).code == 0);
  };
  in("default", "a");
  in("kube-system", "b");
  in("kube-public", "c");
  auto selected = c.troupe({"delete", "cm", "-l", "x=y", "-A"});
  CHECK(selected.code == 0);
  CHECK(lines(selected.out).size() == 3);
  CHECK(c.troupe({"get", "cm", "-A", "-l", "x=y", "-o", "name"}).out.empty());
  in("default", "d");
  in("kube-system", "e");
  CHECK(c.troupe({"delete", "cm", "--all", "-A"}).code == 0);
  CHECK(c.troupe({"get", "cm", "-A", "-o", "name"}).out.empty());
}

TEST_CASE("label and annotate take several objects selectors and --all", "[process][cli]") {
  cluster c;
  for (const char* name : {"a", "b", "c"})
    REQUIRE(c.troupe({"create", "-f", "-"}, config_map(name, "1", "{x: y}")).code == 0);
  CHECK(c.troupe({"label", "cm", "a", "b", "k=1"}).out ==
        "configmap/a labeled\nconfigmap/b labeled\n");
  CHECK(c.troupe({"label", "cm", "a", "b", "k=1"}).out ==
        "configmap/a not labeled\nconfigmap/b not labeled\n");
  CHECK(c.troupe({"label", "cm/a", "nope-"}).out ==
        "label \"nope\" not found.\nconfigmap/a not labeled\n");
  CHECK(c.troupe({"label", "cm", "-l", "k=1", "j=2"}).out ==
        "configmap/a labeled\nconfigmap/b labeled\n");
  CHECK(c.troupe({"get", "cm", "-l", "j=2", "-o", "name"}).out == "configmap/a\nconfigmap/b\n");
  CHECK(c.troupe({"annotate", "cm", "--all", "n=1"}).out ==
        "configmap/a annotated\nconfigmap/b annotated\nconfigmap/c annotated\n");
  // annotate says "annotated" even when nothing changes, as kubectl.
  CHECK(c.troupe({"annotate", "cm", "c", "n=1"}).out == "configmap/c annotated\n");
  REQUIRE(c.troupe({"create", "-n", "kube-system", "-f", "-"}, config_map("s", "1")).code == 0);
  CHECK(c.troupe({"label", "cm", "--all", "-A", "everywhere=yes"}).code == 0);
  CHECK(c.troupe({"get", "cm", "s", "-n", "kube-system", "-o",
                  "jsonpath={.metadata.labels.everywhere}"})
            .out == "yes");

  // Each object on its own, as kubectl: b (k=1) is refused, c changes, a missing one is said,
  // and the failures come at the end, one to a line.
  auto refused = c.troupe({"label", "cm", "b", "c", "k=2"});
  CHECK(refused.code == 1);
  CHECK(refused.out == "configmap/c labeled\n");
  CHECK(refused.err == "error: 'k' already has a value (1), and --overwrite is false\n");
  auto labels_of = [&](const char* name) {
    return c.troupe({"get", "cm", name, "-o", "jsonpath={.metadata.labels.k}"}).out;
  };
  CHECK(labels_of("b") == "1");
  CHECK(labels_of("c") == "2");
  // label refuses each key on its own line; only annotate may always overwrite change-cause.
  REQUIRE(c.troupe({"label", "cm", "b", "kubernetes.io/change-cause=x"}).code == 0);
  CHECK(c.troupe({"label", "cm", "b", "k=3", "kubernetes.io/change-cause=y"}).err ==
        "'k' already has a value (1), and --overwrite is false\n"
        "'kubernetes.io/change-cause' already has a value (x), and --overwrite is false\n");
  REQUIRE(c.troupe({"annotate", "cm", "b", "kubernetes.io/change-cause=x"}).code == 0);
  CHECK(c.troupe({"annotate", "cm", "b", "kubernetes.io/change-cause=y"}).code == 0);
  auto several_failures = c.troupe({"annotate", "cm", "b", "nothere", "c", "n=2"});
  CHECK(several_failures.out == "");
  CHECK(several_failures.err ==
        "--overwrite is false but found the following declared annotation(s): 'n' already has a value (1)\n"
        "Error from server (NotFound): configmaps \"nothere\" not found\n"
        "--overwrite is false but found the following declared annotation(s): 'n' already has a value (1)\n");
  CHECK(c.troupe({"label", "cm", "a", "k=2", "b"}).err ==
        "error: all resources must be specified before label changes: b\n");
  // --list: KEY=VALUE lines, under a heading per object when there are several.
  REQUIRE(c.troupe({"label", "cm", "a", "z=last", "b=first"}).code == 0);
  auto one = c.troupe({"label", "cm", "a", "--list"});
  CHECK(one.code == 0);
  CHECK_THAT(one.out, Catch::StartsWith("b=first\n") && Catch::EndsWith("z=last\n"));
  auto several = c.troupe({"annotate", "cm", "a", "c", "--list"});
  CHECK_THAT(several.out, Catch::StartsWith("Listing annotations for ConfigMap./a:\n n=1\n") &&
                              Catch::Contains("Listing annotations for ConfigMap./c:\n n=1\n"));
  CHECK(c.troupe({"label", "cm", "a", "x=y", "--list"}).err == "error: --list cannot be given with label changes\n");
}

TEST_CASE("edit runs KUBE_EDITOR before EDITOR", "[process][cli]") {
  cluster c;
  REQUIRE(c.troupe({"create", "-f", c.write("cm.yaml", config_map("cfg", "1"))}).code == 0);
  auto editor = c.write(
      "editor.sh", "#!/bin/sh\nsed -i \"s/a: '1'/a: '7'/; s/a: \\\"1\\\"/a: \\\"7\\\"/\" \"$1\"\n");
  chmod(editor.c_str(), 0755);
  auto edited =
      troupe::testing::run_command({TROUPE_BINARY, "edit", "cm", "cfg", "--server", c.address(), "--client-config", c.config()},
                                   "", {"KUBE_EDITOR=" + editor, "EDITOR=false"}, c.dir());
  CHECK(edited.err.empty());
  CHECK(edited.out == "configmap/cfg edited\n");
  CHECK(c.troupe({"get", "cm", "cfg", "-o", "jsonpath={.data.a}"}).out == "7");
}

TEST_CASE("get -o jsonpath ranges and filters and refuses what it cannot read", "[process][cli]") {
  cluster c;
  for (const char* name : {"c1", "c2", "c3"})
    REQUIRE(c.troupe({"create", "-f", "-"}, config_map(name, name)).code == 0);
  CHECK(c.troupe({"get", "cm", "-o",
                  R"(jsonpath={range .items[*]}{.metadata.name}{"\t"}{.data.a}{"\n"}{end})"})
            .out == "c1\tc1\nc2\tc2\nc3\tc3\n");
  CHECK(c.troupe({"get", "cm", "-o", "jsonpath={.items[?(@.metadata.name=='c3')].data.a}"}).out ==
        "c3");
  auto bad = c.troupe({"get", "cm", "-o", "jsonpath={range .items[*]}{.metadata.name}"});
  CHECK(bad.code == 1);
  CHECK(bad.out.empty());
  CHECK_THAT(bad.err, Catch::StartsWith("error: error parsing jsonpath {range .items[*]}"));
}

TEST_CASE("wait --for=create and --for=jsonpath without a value", "[process][cli]") {
  cluster c;
  troupe::testing::child_process created({TROUPE_BINARY, "wait", "cm", "later", "--for=create",
                                          "--timeout=20s", "--server", c.address()});
  usleep(300000);
  REQUIRE(c.troupe({"create", "-f", "-"}, config_map("later", "1")).code == 0);
  CHECK(created.wait(std::chrono::seconds(20)) == 0);
  CHECK(created.output() == "configmap/later condition met\n");
  troupe::testing::child_process has_value({TROUPE_BINARY, "wait", "cm", "later",
                                            "--for=jsonpath='{.data.b}'", "--timeout=20s",
                                            "--server", c.address()});
  auto early = c.troupe({"wait", "cm", "later", "--for=jsonpath={.data.b}", "--timeout=300ms"});
  CHECK(early.code == 1);
  CHECK_THAT(early.err, Catch::Contains("timed out waiting"));
  CHECK(c.troupe({"patch", "cm", "later", "-p", R"({"data":{"b":"x"}})"}).code == 0);
  CHECK(has_value.wait(std::chrono::seconds(20)) == 0);
  CHECK(has_value.output() == "configmap/later condition met\n");
  CHECK(c.troupe({"wait", "cm", "later", "--for=create", "--timeout=1s"}).out ==
        "configmap/later condition met\n");
  auto bad = c.troupe({"wait", "cm", "later", "--for=jsonpath={range .x}"});
  CHECK(bad.code == 1);
  CHECK_THAT(bad.err, Catch::Contains("error parsing jsonpath"));
}

TEST_CASE("a document refused on the client side does not stop the others", "[process][cli]") {
  cluster c;
  auto file =
      c.write("three.yaml",
              "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a1, namespace: default}\n---\n"
              "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a2, namespace: other}\n---\n"
              "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a3, namespace: default}\n");
  auto applied = c.troupe({"apply", "-f", file, "-n", "default"});
  CHECK(applied.code == 1);
  CHECK(lines(applied.err).size() == 1);
  CHECK_THAT(applied.err, Catch::Contains("a2") || Catch::Contains("other"));
  CHECK(c.troupe({"get", "cm", "a1", "a3", "-o", "name"}).out == "configmap/a1\nconfigmap/a3\n");

  auto empty = c.troupe({"get", "cm", "-o", "custom-columns="});
  CHECK(empty.code == 1);
  CHECK(empty.err == "error: custom-columns format specified but no custom columns given\n");
  auto no_template = c.troupe({"get", "cm", "-o", "jsonpath="});
  CHECK(no_template.code == 1);
  CHECK(no_template.err == "error: template format specified but no template given\n");
  CHECK(c.troupe({"get", "cm", "-Ao", "name"}).out.find("configmap/a1") != std::string::npos);
}

TEST_CASE("a List's bad item and a JSON stream's objects go one by one", "[process][cli]") {
  cluster c;
  auto list = c.troupe({"apply", "-f", "-"},
                       "apiVersion: v1\nkind: List\nitems:\n"
                       "- {apiVersion: v1, kind: ConfigMap, metadata: {name: l1}}\n"
                       "- {apiVersion: v1, kind: ConfigMap, metadata: {name: Bad}}\n"
                       "- {apiVersion: v1, kind: Nope, metadata: {name: l3}}\n"
                       "- {apiVersion: v1, kind: ConfigMap, metadata: {name: l4}, data: {x: [1]}}\n"
                       "- {apiVersion: v1, kind: List, items: [{apiVersion: v1, kind: ConfigMap, metadata: {name: l5}}]}\n");
  CHECK(list.code == 1);
  CHECK(list.out == "configmap/l1 created\nconfigmap/l5 created\n");
  REQUIRE(lines(list.err).size() == 3);
  // An Invalid error names the object, not where it came from, as kubectl prints it.
  CHECK_THAT(lines(list.err)[0], Catch::StartsWith("The ConfigMap \"Bad\" is invalid: metadata.name"));
  CHECK_THAT(lines(list.err)[1], Catch::Contains("no matches for kind \"Nope\""));
  CHECK(lines(list.err)[2] == "error: error validating \"STDIN\": data[x]: expected a string, got a list (line 7)");

  auto named = [](const std::string& name) {
    return R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":")" + name + "\"}}";
  };
  auto stream = named("j1") + "\n" + named("j2") + named("j3") + "\n";
  CHECK(c.troupe({"apply", "-f", "-"}, stream).out ==
        "configmap/j1 created\nconfigmap/j2 created\nconfigmap/j3 created\n");
  auto torn = c.troupe({"apply", "-f", "-"}, named("j4") + "{\"apiVersion\": ");  // nothing sent
  CHECK(torn.code == 1);
  CHECK(torn.err == "error: error parsing STDIN: invalid JSON at line 1, column 79: unexpected end of input\n");
  CHECK(c.troupe({"get", "cm", "j4"}).code == 1);
}

TEST_CASE("run creates a pod and with --expose a service", "[process][cli]") {
  cluster c;
  auto made = c.troupe({"run", "web", "--image=nginx:1.25", "--port=80", "--expose", "--env", "A=1",
                        "-l", "app=web", "--", "nginx", "-g", "daemon off;"});
  CHECK(made.code == 0);
  CHECK(made.out == "service/web created\npod/web created\n");
  CHECK(c.troupe({"get", "pod", "web", "-o",
                  "jsonpath={.metadata.labels.app} {.spec.containers[0].args[2]} {.spec.containers[0].env[0].value} "
                  "{.spec.containers[0].ports[0].containerPort} {.spec.restartPolicy}"})
            .out == "web daemon off; 1 80 Always");
  CHECK(c.troupe({"get", "svc", "web", "-o", "jsonpath={.spec.selector.app} {.spec.ports[0].targetPort}"}).out ==
        "web 80");

  CHECK(c.troupe({"run", "job", "--image=busybox", "--restart=Never", "--command", "--", "sleep", "5"}).out ==
        "pod/job created\n");
  CHECK(c.troupe({"get", "pod", "job", "-o",
                  "jsonpath={.metadata.labels.run} {.spec.containers[0].command} {.spec.restartPolicy}"})
            .out == "job [\"sleep\",\"5\"] Never");
  auto both = c.troupe({"run", "y", "--image=x", "--port=8", "--expose", "--dry-run=client", "-o", "yaml"});
  CHECK_THAT(both.out, Catch::StartsWith("apiVersion: v1\nkind: Service\n") &&
                           Catch::Contains("\n---\napiVersion: v1\nkind: Pod\n"));
  auto dry = c.troupe({"run", "d", "--image=x", "--dry-run=client", "-o", "name"});
  CHECK(dry.out == "pod/d\n");
  CHECK(c.troupe({"get", "pod", "d"}).code == 1);
  auto over = c.troupe({"run", "o", "--image=x", "--overrides", R"({"spec": {"restartPolicy": "OnFailure"}})"});
  CHECK(over.code == 0);
  CHECK(c.troupe({"get", "pod", "o", "-o", "jsonpath={.spec.restartPolicy}"}).out == "OnFailure");
  // Words after NAME are arguments too; a pod that cannot be made gets no Service.
  CHECK(c.troupe({"run", "words", "--image=x", "sleep", "9"}).code == 0);
  CHECK(c.troupe({"get", "pod", "words", "-o", "jsonpath={.spec.containers[0].args}"}).out == "[\"sleep\",\"9\"]");
  auto again = c.troupe({"run", "words", "--image=x", "--port=80", "--expose"});
  CHECK(again.code == 1);
  CHECK(again.out.empty());
  CHECK_THAT(again.err, Catch::Contains("AlreadyExists"));
  CHECK(c.troupe({"get", "svc", "words"}).code == 1);

  for (auto [args, error] : std::vector<std::pair<std::vector<std::string>, std::string>>{
           {{"run", "x"}, "error: required flag(s) \"image\" not set\n"},
           {{"run", "x", "--image=b", "--restart=Sometimes"},
            "error: invalid restart policy: Sometimes\n"},
           {{"run", "x", "--image=b", "--expose"}, "error: --port must be set when exposing a service\n"},
           {{"run", "x", "--image=b", "--env", "NOVALUE"}, "error: invalid env: NOVALUE\n"},
           {{"run", "x", "--image=b", "--env", "1A=b"}, "error: invalid env: 1A=b\n"},
           {{"run", "x", "--image=b", "-l", "a=b=c"}, "error: unexpected label spec: a=b=c\n"},
           {{"run", "x", "--image=b", "-it"},
            "error: --stdin: attaching to a pod is not supported; run it, then use troupe logs or troupe exec\n"},
           {{"run", "x", "--image=b", "--overrides", "{"},
            "error: --overrides: invalid JSON at line 1, column 2: expected a string key\n"},
           {{"run", "Bad", "--image=b"}, ""}}) {
    auto r = c.troupe(args);
    CHECK(r.code == 1);
    if (!error.empty()) CHECK(r.err == error);
  }
  CHECK(c.troupe({"get", "pod", "x"}).code == 1);
}

TEST_CASE("diff shows what apply would change and changes nothing", "[process][cli]") {
  cluster c;
  auto file = c.write("app.yaml",
                      "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}\ndata: {a: '1', b: '2'}\n---\n"
                      "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData: {pw: one, same: x}\n");
  REQUIRE(c.troupe({"apply", "-f", file}).code == 0);
  // Its scratch files go under $TMPDIR, here one of the test's own.
  auto scratch = c.dir() / "tmp";
  std::filesystem::create_directories(scratch);
  auto diff = [&](const std::string& path, std::vector<std::string> env = {}) {
    env.push_back("TMPDIR=" + scratch);
    return troupe::testing::run_command(
        {TROUPE_BINARY, "--server=" + c.address(), "--client-config=" + c.config(), "diff", "-f", path}, "", env,
        c.dir());
  };
  auto same = diff(file);
  CHECK(same.code == 0);
  CHECK(same.out.empty());

  c.write("app.yaml",
          "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}\ndata: {a: '1', b: '3'}\n---\n"
          "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\nstringData: {pw: two, same: x}\n---\n"
          "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: fresh}\n");
  auto changed = diff(file);
  CHECK(changed.code == 1);
  CHECK_THAT(changed.out, Catch::Contains("/LIVE/v1.ConfigMap.default.cfg") &&
                              Catch::Contains("\n-  b: \"2\"\n+  b: \"3\"\n") &&
                              Catch::Contains("+  name: fresh\n") &&
                              Catch::Contains("-  pw: '*** (before)'\n+  pw: '*** (after)'\n") &&
                              Catch::Contains("   same: '***'\n"));
  // The Secret's values show nowhere, neither as data nor in the last-applied record.
  CHECK(changed.out.find("two") == std::string::npos);
  CHECK(changed.out.find("one") == std::string::npos);
  CHECK(changed.out.find("dHdv") == std::string::npos);
  // Nothing was changed or created.
  CHECK(c.troupe({"get", "cm", "cfg", "-o", "jsonpath={.data.b}"}).out == "2");
  CHECK(c.troupe({"get", "cm", "fresh"}).code == 1);
  // $KUBECTL_EXTERNAL_DIFF runs without a shell; words that are not plain flags are dropped.
  auto external = diff(file, {"KUBECTL_EXTERNAL_DIFF=diff -q >pwned"});  // a shell would make ./pwned
  CHECK(external.code == 1);
  CHECK_THAT(external.out, Catch::StartsWith("Files ") && Catch::Contains(" differ\n"));
  CHECK_FALSE(std::filesystem::exists(c.dir() / "pwned"));
  auto missing_tool = diff(file, {"KUBECTL_EXTERNAL_DIFF=no-such-diff-tool"});
  CHECK(missing_tool.code == 2);
  CHECK_THAT(missing_tool.err, Catch::Contains("diff: cannot run \"no-such-diff-tool\""));

  auto bad = diff(c.write("bad.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: Bad}\n"));
  CHECK(bad.code == 2);
  CHECK_THAT(bad.err, Catch::Contains("ConfigMap \"Bad\" is invalid"));
  CHECK(diff(c.dir() / "missing.yaml").code == 2);
  CHECK(std::filesystem::is_empty(scratch));  // every scratch directory removed
}

TEST_CASE("set image and set env change pod templates", "[process][cli]") {
  cluster c;
  REQUIRE(c.troupe({"create", "deployment", "web", "--image=nginx:1.25", "--image=busybox"}).code == 0);
  auto images = [&] {
    return c.troupe({"get", "deploy", "web", "-o", "jsonpath={.spec.template.spec.containers[*].image}"}).out;
  };
  CHECK(c.troupe({"set", "image", "deploy/web", "nginx=nginx:1.26"}).out == "deployment.apps/web image updated\n");
  CHECK(images() == "nginx:1.26 busybox");
  CHECK(c.troupe({"set", "image", "deployment", "web", "*=alpine", "--dry-run"}).out ==
        "deployment.apps/web image updated (dry run)\n");
  CHECK(images() == "nginx:1.26 busybox");
  CHECK(c.troupe({"set", "image", "deployment", "web", "*=alpine"}).code == 0);
  CHECK(images() == "alpine alpine");
  auto unchanged = c.troupe({"set", "image", "deploy/web", "nginx=alpine"});  // nothing to report
  CHECK(unchanged.code == 0);
  CHECK(unchanged.out.empty());
  // -o prints the object as written (its new resourceVersion), or as it would be on a dry run.
  CHECK(c.troupe({"set", "image", "deploy/web", "busybox=busybox:1.36", "-o", "name"}).out == "deployment.apps/web\n");
  auto written = c.troupe({"set", "image", "deploy/web", "busybox=busybox:1.37", "-o",
                           "jsonpath={.metadata.resourceVersion} {.spec.template.spec.containers[1].image}"});
  CHECK(written.out == c.troupe({"get", "deploy", "web", "-o", "jsonpath={.metadata.resourceVersion}"}).out +
                           " busybox:1.37");
  CHECK_THAT(c.troupe({"set", "env", "deploy/web", "C=4", "--dry-run=client", "-o", "yaml"}).out,
             Catch::Contains("- name: C\n          value: \"4\"\n"));
  auto bad_format = c.troupe({"set", "image", "deploy/web", "nginx=x", "-o", "wide"});
  CHECK(bad_format.code == 1);
  CHECK_THAT(bad_format.err, Catch::StartsWith("error: unable to match a printer suitable for the output format \"wide\""));
  CHECK(images() == "alpine busybox:1.37");
  auto missing = c.troupe({"set", "image", "deploy/web", "nope=x"});
  CHECK(missing.code == 1);
  CHECK(missing.err == "error: unable to find container named \"nope\"\n");

  CHECK(c.troupe({"set", "env", "deploy/web", "A=1", "B=2"}).out == "deployment.apps/web env updated\n");
  CHECK(c.troupe({"set", "env", "deploy/web", "A-", "B=3", "-c", "busybox"}).code == 0);
  CHECK(c.troupe({"set", "env", "deploy/web", "--list"}).out ==
        "# deployments/web, container nginx\nA=1\nB=2\n# deployments/web, container busybox\nB=3\n");
  REQUIRE(c.troupe({"create", "cm", "x"}).code == 0);
  CHECK(c.troupe({"set", "image", "cm/x", "a=b"}).err ==
        "error: cannot set the image of configmaps: it has no pod template\n");
  // A pod's image may change, its environment not (the server says so).
  REQUIRE(c.troupe({"run", "p", "--image=x"}).code == 0);
  CHECK(c.troupe({"set", "image", "pod", "p", "p=y"}).code == 0);
  CHECK(c.troupe({"get", "pod", "p", "-o", "jsonpath={.spec.containers[0].image}"}).out == "y");
  auto env = c.troupe({"set", "env", "pod/p", "X=1"});
  CHECK(env.code == 1);
  CHECK_THAT(env.err, Catch::StartsWith("The Pod \"p\" is invalid: "));
  CHECK(c.troupe({"set", "tolerations", "pod/p"}).err == "error: set: unknown subcommand \"tolerations\" (image or env)\n");
}

TEST_CASE("explain lists a kind's fields and types from its schema", "[process][cli]") {
  cluster c;
  auto pods = c.troupe({"explain", "pods"});
  CHECK(pods.out ==
        "KIND:       Pod\nVERSION:    v1\n\nDESCRIPTION:\n    <empty>\n\nFIELDS:\n"
        "  apiVersion\t<string>\n  kind\t<string>\n  metadata\t<ObjectMeta>\n  spec\t<PodSpec>\n"
        "  status\t<PodStatus>\n");
  auto containers = c.troupe({"explain", "po.spec.containers"}).out;
  CHECK_THAT(containers, Catch::Contains("FIELD: containers <[]Container>\n") &&
                             Catch::Contains("\n  imagePullPolicy\t<string>\n  enum: Always, IfNotPresent, Never\n") &&
                             Catch::Contains("\n  env\t<[]EnvVar>\n") &&
                             Catch::Contains("\n  name\t<string> -required-\n") &&
                             Catch::Contains("\n  image\t<string>\n"));
  // Required as in Kubernetes' OpenAPI schema.
  CHECK_THAT(c.troupe({"explain", "pods.spec"}).out, Catch::Contains("\n  containers\t<[]Container> -required-\n"));
  CHECK_THAT(c.troupe({"explain", "cronjobs.spec"}).out,
             Catch::Contains("\n  jobTemplate\t<JobTemplateSpec> -required-\n") &&
                 Catch::Contains("\n  schedule\t<string> -required-\n") &&
                 Catch::Contains("\n  suspend\t<boolean>\n"));
  CHECK_THAT(c.troupe({"explain", "deployments.apps.spec.strategy", "--recursive"}).out,
             Catch::Contains("  rollingUpdate\t<RollingUpdateDeployment>\n    maxSurge\t<IntOrString>\n"));
  CHECK_THAT(c.troupe({"explain", "pods.metadata.labels"}).out, Catch::Contains("FIELD: labels <map[string]string>"));
  CHECK_THAT(c.troupe({"explain", "pods.metadata.creationTimestamp"}).out,
             Catch::Contains("FIELD: creationTimestamp <string>"));
  CHECK(c.troupe({"explain", "pods.spec.nope"}).err == "error: field \"nope\" does not exist in spec\n");
  CHECK(c.troupe({"explain", "widgets"}).err == "error: the server doesn't have a resource type \"widgets\"\n");
  // --recursive ends where a type contains itself.
  CHECK(c.troupe({"explain", "pods", "--recursive"}).code == 0);
}

TEST_CASE("describe shows the events of this object not of an earlier one of its name",
          "[process][cli]") {
  cluster c;
  REQUIRE(c.troupe({"apply", "-f", c.write("cm.yaml", config_map("x", "1"))}).code == 0);
  auto uid = c.troupe({"get", "cm", "x", "-o", "jsonpath={.metadata.uid}"}).out;
  uid = uid.substr(0, uid.find('\n'));
  auto event = [&](const std::string& name, const std::string& for_uid, const std::string& reason) {
    return c.write(name + ".yaml",
                   "apiVersion: v1\nkind: Event\nmetadata: {name: " + name +
                       "}\ninvolvedObject: {kind: ConfigMap, name: x, namespace: default, uid: '" +
                       for_uid + "'}\nreason: " + reason + "\nmessage: m\ntype: Normal\n");
  };
  REQUIRE(c.troupe({"apply", "-f", event("e1", "an-earlier-x", "Predecessor")}).code == 0);
  REQUIRE(c.troupe({"apply", "-f", event("e2", uid, "Mine")}).code == 0);
  auto described = c.troupe({"describe", "cm", "x"}).out;
  CHECK_THAT(described, Catch::Contains("Mine"));
  CHECK_THAT(described, !Catch::Contains("Predecessor"));
}

TEST_CASE("get prints Go templates from -o go-template --template and template files", "[process][cli]") {
  cluster c;
  REQUIRE(c.troupe({"create", "secret", "generic", "s1", "--from-literal=password=hunter2"}).code == 0);
  REQUIRE(c.troupe({"create", "configmap", "c1", "--from-literal=a=1"}).code == 0);
  CHECK(c.troupe({"get", "secret", "s1", "-o", "go-template={{.data.password | base64decode}}"}).out == "hunter2");
  CHECK(c.troupe({"get", "cm", "--template", "{{range .items}}{{.metadata.name}} {{end}}"}).out == "c1 ");
  auto file = c.write("t.tmpl", "{{.kind}}/{{.metadata.name}}\n");
  CHECK(c.troupe({"get", "cm", "c1", "-o", "go-template-file=" + file}).out == "ConfigMap/c1\n");
  CHECK(c.troupe({"get", "cm", "c1", "-o", "go-template-file", "--template", file}).out == "ConfigMap/c1\n");
  CHECK(c.troupe({"get", "cm", "c1", "-o", "jsonpath", "--template", "{.data.a}"}).out == "1");
  CHECK(c.troupe({"get", "cm", "c1", "-o", "template={{.metadata.name}}"}).out == "c1");  // kubectl's alias
  CHECK(c.troupe({"get", "cm", "c1", "-o", "name", "--template", "{{.x}}"}).out == "configmap/c1\n");  // unused
  // The template is read before anything is fetched, as kubectl builds its printer first.
  CHECK_THAT(c.troupe({"get", "cm", "missing", "-o", "go-template={{"}).err, Catch::StartsWith("error: error parsing template"));
  auto none = c.troupe({"get", "cm", "c1", "-o", "go-template"});
  CHECK(none.code == 1);
  CHECK(none.err == "error: template format specified but no template given\n");
  auto bad = c.troupe({"get", "cm", "c1", "-o", "go-template={{.data.a.b}}"});
  CHECK(bad.code == 1);
  CHECK_THAT(bad.err, Catch::StartsWith("error: error executing template \"{{.data.a.b}}\"") &&
                          Catch::Contains("can't evaluate field b in type interface {}"));
  // kubectl's dump for debugging the template, on stdout.
  CHECK_THAT(bad.out, Catch::StartsWith("Error executing template: template: output:1:2: executing \"output\" at "
                                        "<.data.a.b>: can't evaluate field b in type interface {}. Printing more "
                                        "information for debugging the template:\n\ttemplate was:\n\t\t{{.data.a.b}}\n"
                                        "\traw data was:\n\t\t{\"apiVersion\":\"v1\",\"data\":{\"a\":\"1\"},\"kind\":\"ConfigMap\","
                                        "\"metadata\":{\"creationTimestamp\":") &&
                          Catch::Contains("\tobject given to template engine was:\n\t\tmap[apiVersion:v1 data:map["));
}
