// Behaviour a kubectl user relies on, against a real `troupe server`: what describe hides,
// how edit keeps a user's change, how label/annotate/delete/get/apply/wait report and fail.

#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <filesystem>

#include "test/harness/cli.hpp"

using troupe::testing::cli_result;
using troupe::testing::cluster;
using troupe::testing::lines;

namespace {

const char* configmap = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c1}\ndata: {a: '1'}\n";

}  // namespace

TEST_CASE("describe secret shows sizes and never the values", "[process][cli]") {
  cluster c;
  REQUIRE(c.troupe({"create", "secret", "generic", "s1", "--from-literal=password=hunter22",
                    "--from-literal=user=admin"})
              .code == 0);
  // An applied Secret carries its values in the last-applied record too.
  REQUIRE(c.troupe({"apply", "-f", "-"}, "apiVersion: v1\nkind: Secret\nmetadata: {name: s2}\n"
                                        "type: Opaque\ndata: {token: c2VjcmV0LXRva2Vu}\n")
              .code == 0);
  auto d = c.troupe({"describe", "secret", "s1"});
  CHECK(d.code == 0);
  CHECK(d.out ==
        "Name:         s1\n"
        "Namespace:    default\n"
        "Labels:       <none>\n"
        "Annotations:  <none>\n"
        "\n"
        "Type:  Opaque\n"
        "\n"
        "Data\n"
        "====\n"
        "password:  8 bytes\n"
        "user:      5 bytes\n");
  for (auto* args : {"secret", "secrets"}) {
    auto all = c.troupe({"describe", args});
    CHECK(all.code == 0);
    for (auto* value : {"hunter22", "aHVudGVyMjI", "admin", "YWRtaW4", "secret-token", "c2VjcmV0LXRva2Vu"})
      CHECK_THAT(all.out, !Catch::Contains(value));
    CHECK_THAT(all.out, Catch::Contains("token:  12 bytes"));
  }
}

namespace {

// `troupe edit ARGS` with EDITOR=`script` (a shell script that gets the file as $1), its
// temporary file in the cluster's directory.
cli_result edit(cluster& c, const std::vector<std::string>& args, const std::string& script) {
  auto editor = c.write("editor.sh", "#!/bin/sh\n" + script);
  chmod(editor.c_str(), 0755);
  std::vector<std::string> argv = {TROUPE_BINARY, "edit", "--server", c.address(), "--client-config", c.config()};
  argv.insert(argv.end(), args.begin(), args.end());
  return troupe::testing::run_command(argv, "", {"EDITOR=" + editor, "TMPDIR=" + std::string(c.dir().path())}, c.dir());
}

// The file named in edit's `A copy of your changes has been stored to "FILE"` line.
std::string kept_copy(const std::string& err) {
  std::string marker = "A copy of your changes has been stored to \"";
  auto at = err.find(marker);
  if (at == std::string::npos) return "";
  at += marker.size();
  return err.substr(at, err.find('"', at) - at);
}

}  // namespace

TEST_CASE("edit sends only the user's change and keeps a copy when it fails", "[process][cli]") {
  cluster c;
  REQUIRE(c.troupe({"create", "-f", "-"}, configmap).code == 0);
  std::string troupe = std::string(TROUPE_BINARY) + " --server=" + c.address() + " --client-config=" + c.config();

  // Someone labels the object while the editor is open: the edit still goes, and keeps the label.
  auto concurrent = edit(c, {"cm", "c1"},
                         troupe + " label cm c1 meanwhile=yes >/dev/null\n"
                                  "sed -i \"s/a: '1'/a: '9'/; s/a: \\\"1\\\"/a: \\\"9\\\"/\" \"$1\"\n");
  CHECK(concurrent.err == "");
  CHECK(concurrent.out == "configmap/c1 edited\n");
  CHECK(concurrent.code == 0);
  CHECK(c.troupe({"get", "cm", "c1", "-o", "jsonpath={.data.a} {.metadata.labels.meanwhile}"}).out == "9 yes");

  // A change the server refuses: the error, and the edited file kept.
  auto before = troupe::testing::everything(c);
  auto refused = edit(c, {"cm/c1"}, "sed -i 's/^data:/binaryData: {b: \"!!notbase64\"}\\ndata:/' \"$1\"\n");
  CHECK(refused.code == 1);
  CHECK_THAT(refused.err, Catch::StartsWith("error: "));
  auto copy = kept_copy(refused.err);
  REQUIRE(!copy.empty());
  CHECK_THAT(copy, Catch::StartsWith(std::string(c.dir().path()) + "/troupe-edit-") && Catch::EndsWith(".yaml"));
  CHECK_THAT(troupe::testing::slurp(copy), Catch::Contains("notbase64"));
  CHECK(troupe::testing::everything(c) == before);

  auto invalid = edit(c, {"cm", "c1"}, "sed -i 's/meanwhile: .*/meanwhile: a b/' \"$1\"\n");
  CHECK(invalid.code == 1);
  CHECK_THAT(invalid.err, Catch::StartsWith("error: configmaps \"c1\" could not be patched: ") &&
                              Catch::Contains("metadata.labels: Invalid value: \"a b\""));
  CHECK_THAT(troupe::testing::slurp(kept_copy(invalid.err)), Catch::Contains("meanwhile: a b"));
  CHECK(troupe::testing::everything(c) == before);

  // A changed name is refused before anything is sent; the copy is kept.
  auto renamed = edit(c, {"cm", "c1"}, "sed -i 's/name: c1/name: c2/' \"$1\"\n");
  CHECK(renamed.code == 1);
  CHECK_THAT(renamed.err, Catch::StartsWith("error: At least one of apiVersion, kind and name was changed\n"));
  CHECK(!kept_copy(renamed.err).empty());
  CHECK(std::filesystem::exists(kept_copy(renamed.err)));
  CHECK(troupe::testing::everything(c) == before);

  // An emptied file cancels.
  auto emptied = edit(c, {"cm", "c1"}, ": > \"$1\"\n");
  CHECK(emptied.code == 0);
  CHECK(emptied.out == "Edit cancelled, no changes made.\n");
  CHECK(troupe::testing::everything(c) == before);
}

TEST_CASE("edit opens every object of a type as a List and edits JSON with -o json", "[process][cli]") {
  cluster c;
  for (const char* name : {"e1", "e2", "e3"})
    REQUIRE(c.troupe({"create", "cm", name, "--from-literal=a=1"}).code == 0);
  REQUIRE(c.troupe({"label", "cm", "e3", "skip=yes"}).code == 0);
  auto values = [&] { return c.troupe({"get", "cm", "-o", "jsonpath={.items[*].data.a}"}).out; };
  // The List holds them all; the one changed is the one patched.
  auto one_of_three = edit(c, {"cm"}, "grep -q '^kind: List' \"$1\" && sed -i '0,/a: \"1\"/s//a: \"5\"/' \"$1\"\n");
  CHECK(one_of_three.err == "");
  CHECK(one_of_three.out == "configmap/e1 edited\n");
  CHECK(values() == "5 1 1");
  CHECK(edit(c, {"cm", "-l", "!skip"}, "sed -i 's/a: \"1\"/a: \"6\"/' \"$1\"\n").out == "configmap/e2 edited\n");
  CHECK(values() == "5 6 1");
  // -o json: the object as JSON, edited as such.
  auto json = edit(c, {"cm", "e3", "-o", "json"}, "grep -q '\"data\": {' \"$1\" && sed -i 's/\"a\": \"1\"/\"a\": \"7\"/' \"$1\"\n");
  CHECK(json.out == "configmap/e3 edited\n");
  CHECK(values() == "5 6 7");
  // Items taken out of the List are refused, as a changed name is.
  auto removed = edit(c, {"cm"}, "sed -i '/^items:/,$d' \"$1\"; printf 'items: []\\nkind: List\\n' >> \"$1\"\n");
  CHECK(removed.code == 1);
  CHECK_THAT(removed.err, Catch::StartsWith("error: edit: the objects opened may not be added or removed\n"));
  CHECK(edit(c, {"cm", "-l", "none=here"}, "true\n").err == "error: edit cancelled, no objects found\n");
  CHECK(values() == "5 6 7");
}

TEST_CASE("label and annotate go on past a missing object and print what -o asks", "[process][cli]") {
  cluster c;
  for (const char* name : {"c1", "c2"})
    REQUIRE(c.troupe({"create", "cm", name}).code == 0);
  auto partly = c.troupe({"label", "cm", "c1", "missing", "c2", "x=y"});
  CHECK(partly.code == 1);
  CHECK(partly.out == "configmap/c1 labeled\nconfigmap/c2 labeled\n");
  CHECK(partly.err == "Error from server (NotFound): configmaps \"missing\" not found\n");
  auto annotated = c.troupe({"annotate", "cm", "missing", "c2", "n=1"});
  CHECK(annotated.code == 1);
  CHECK(annotated.out == "configmap/c2 annotated\n");

  CHECK(c.troupe({"label", "cm", "c1", "x-"}).out == "configmap/c1 unlabeled\n");
  CHECK(c.troupe({"annotate", "cm", "c2", "n-"}).out == "configmap/c2 annotated\n");

  CHECK(c.troupe({"label", "cm", "c1", "k=v", "-o", "name"}).out == "configmap/c1\n");
  auto yaml = c.troupe({"annotate", "cm", "c1", "note=hi", "-o", "yaml"});
  CHECK(yaml.code == 0);
  CHECK_THAT(yaml.out, Catch::StartsWith("apiVersion: v1\n") && Catch::Contains("    note: hi\n") &&
                           Catch::Contains("    k: v\n"));
  auto json = c.troupe({"label", "cm", "c1", "j=1", "-o", "json"});
  CHECK_THAT(json.out, Catch::StartsWith("{\n") && Catch::Contains("\"j\": \"1\""));

  // --resource-version: the write happens only at that version.
  auto rv = c.troupe({"get", "cm", "c1", "-o", "jsonpath={.metadata.resourceVersion}"}).out;
  REQUIRE(c.troupe({"annotate", "cm", "c1", "later=1"}).code == 0);
  auto stale = c.troupe({"label", "cm", "c1", "stale=1", "--resource-version=" + rv});
  CHECK(stale.code == 1);
  CHECK_THAT(stale.err, Catch::Contains("Error from server (Conflict)"));
  CHECK(c.troupe({"get", "cm", "c1", "-o", "jsonpath={.metadata.labels.stale}"}).out == "");
  auto fresh = c.troupe({"get", "cm", "c1", "-o", "jsonpath={.metadata.resourceVersion}"}).out;
  CHECK(c.troupe({"annotate", "cm", "c1", "fresh=1", "--resource-version", fresh}).out ==
        "configmap/c1 annotated\n");
}

TEST_CASE("delete checks its arguments as kubectl and says when it forces", "[process][cli]") {
  cluster c;
  auto file = c.write("cm.yaml", configmap);
  REQUIRE(c.troupe({"create", "-f", file}).code == 0);
  auto before = troupe::testing::everything(c);
  auto extra = c.troupe({"delete", "-f", file, "cm", "li3"});
  CHECK(extra.code == 1);
  CHECK(extra.err == "error: Unexpected args: [cm li3]\n");
  auto both = c.troupe({"delete", "cm", "c1", "--now", "--grace-period=5"});
  CHECK(both.code == 1);
  CHECK(both.err == "error: --now and --grace-period cannot be specified together\n");
  CHECK(c.troupe({"delete", "cm", "c1", "--force", "--grace-period=5"}).err ==
        "error: --force and --grace-period greater than 0 cannot be specified together\n");
  CHECK(troupe::testing::everything(c) == before);
  // A negative grace period means the object's own.
  auto negative = c.troupe({"delete", "cm", "c1", "--grace-period=-5"});
  CHECK(negative.err == "");
  CHECK(negative.out == "configmap \"c1\" deleted\n");

  const char* pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n"
                    "spec: {nodeName: n1, containers: [{name: c, image: i}]}\n";
  std::string warning =
      "Warning: Immediate deletion does not wait for confirmation that the running resource has been "
      "terminated. The resource may continue to run on the cluster indefinitely.\n";
  for (std::vector<std::string> flags : {std::vector<std::string>{"--force"}, {"--force", "--grace-period=0"}}) {
    REQUIRE(c.troupe({"create", "-f", "-"}, pod).code == 0);
    std::vector<std::string> args = {"delete", "pod", "p"};
    args.insert(args.end(), flags.begin(), flags.end());
    auto forced = c.troupe(args);
    CHECK(forced.code == 0);
    CHECK(forced.err == warning);
    CHECK(forced.out == "pod \"p\" force deleted\n");
    CHECK(c.troupe({"get", "pod", "p"}).code == 1);
  }
  // An object made again under its name at once (the namespace controller's default
  // ServiceAccount) is not the one deleted: delete does not wait on it.
  for (int i = 0; i < 3; ++i) {
    auto again = c.troupe({"delete", "sa", "default", "--timeout=20s"});
    CHECK(again.code == 0);
    CHECK(again.err.empty());
  }
}

TEST_CASE("patch replace and get go through the status subresource", "[process][cli]") {
  cluster c;
  REQUIRE(c.troupe({"create", "deployment", "web", "--image=nginx"}).code == 0);
  auto fields = [&] {
    return c.troupe({"get", "deploy", "web", "-o", "jsonpath={.spec.replicas} {.status.replicas} {.status.readyReplicas}"})
        .out;
  };
  // Only the status changes, whatever else the patch says.
  CHECK(c.troupe({"patch", "deploy", "web", "--subresource=status", "--type", "merge", "-p",
                  R"({"spec":{"replicas":9},"status":{"replicas":3,"readyReplicas":1}})"})
            .out == "deployment.apps/web patched\n");
  CHECK(fields() == "1 3 1");
  CHECK(c.troupe({"patch", "deploy", "web", "--subresource", "status", "--type", "json", "-p",
                  R"([{"op":"replace","path":"/status/replicas","value":5}])", "-o", "jsonpath={.status.replicas}"})
            .out == "5");
  auto dumped = c.troupe({"get", "deploy", "web", "-o", "yaml", "--subresource=status"}).out;
  auto edited = dumped.replace(dumped.find("readyReplicas: 1"), 16, "readyReplicas: 2");
  CHECK(c.troupe({"replace", "-f", "-", "--subresource=status"}, edited).out == "deployment.apps/web replaced\n");
  CHECK(fields() == "1 5 2");
  // A status is validated as Kubernetes' ValidateDeploymentStatus does, and the store keeps the old one.
  auto negative = c.troupe({"patch", "deploy", "web", "--subresource=status", "--type", "merge", "-p",
                            R"({"status":{"replicas":-1}})"});
  CHECK(negative.code == 1);
  CHECK(negative.err ==
        "The Deployment \"web\" is invalid: \n"
        "* status.replicas: Invalid value: -1: must be greater than or equal to 0\n"
        "* status.updatedReplicas: Invalid value: 0: cannot be greater than status.replicas\n"
        "* status.readyReplicas: Invalid value: 2: cannot be greater than status.replicas\n"
        "* status.availableReplicas: Invalid value: 0: cannot be greater than status.replicas\n");
  CHECK(fields() == "1 5 2");

  REQUIRE(c.troupe({"create", "cm", "plain"}).code == 0);
  CHECK(c.troupe({"patch", "cm", "plain", "--subresource=status", "-p", "{}"}).err ==
        "Error from server (NotFound): the server could not find the requested resource\n");
  CHECK(c.troupe({"get", "deploy", "web", "--subresource=spec"}).err ==
        "error: invalid subresource value: \"spec\". Must be one of [status scale]\n");
}

TEST_CASE("delete takes a field selector a timeout and -o name", "[process][cli]") {
  cluster c;
  for (const char* name : {"a", "b", "c"}) REQUIRE(c.troupe({"create", "cm", name}).code == 0);
  CHECK(c.troupe({"delete", "cm", "--field-selector", "metadata.name=b"}).out == "configmap \"b\" deleted\n");
  CHECK(c.troupe({"delete", "cm", "a", "-o", "name"}).out == "configmap/a\n");
  CHECK(c.troupe({"delete", "cm", "c", "-o", "yaml"}).err ==
        "error: unexpected -o output mode: yaml. We only support '-o name'\n");
  CHECK(c.troupe({"delete", "cm", "--all", "--field-selector", "metadata.name=c"}).err ==
        "error: cannot set --all and --field-selector at the same time\n");
  CHECK(c.troupe({"label", "cm", "--field-selector", "metadata.name=c", "k=v"}).out == "configmap/c labeled\n");
  CHECK(c.troupe({"get", "cm", "--chunk-size=0", "-o", "name"}).out == "configmap/c\n");

  // A finalizer holds the object: the wait gives up at --timeout, the deletion stays asked,
  // and the objects after it are deleted all the same (kubectl deletes them all, then waits).
  REQUIRE(c.troupe({"create", "-f", "-"},
                   "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: held, finalizers: [example.com/x]}\n")
              .code == 0);
  REQUIRE(c.troupe({"create", "cm", "after"}).code == 0);
  auto held = c.troupe({"delete", "cm", "held", "after", "--timeout=1s"});
  CHECK(held.code == 1);
  CHECK(held.out == "configmap \"held\" deleted\nconfigmap \"after\" deleted\n");
  CHECK(held.err == "error: timed out waiting for the condition on configmaps/held\n");
  CHECK(c.troupe({"get", "cm", "after"}).code == 1);
  // A grouped resource is named without its group, as kubectl names it.
  REQUIRE(c.troupe({"create", "-f", "-"},
                   "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: kept, finalizers: [example.com/x]}\n"
                   "spec: {selector: {matchLabels: {a: b}}, template: {metadata: {labels: {a: b}}, spec: "
                   "{containers: [{name: c, image: i}]}}}\n")
              .code == 0);
  CHECK(c.troupe({"delete", "deploy", "kept", "--timeout=200ms"}).err ==
        "error: timed out waiting for the condition on deployments/kept\n");
  REQUIRE(c.troupe({"patch", "deploy", "kept", "--type", "merge", "-p", R"({"metadata":{"finalizers":null}})"}).code == 0);
  CHECK_THAT(c.troupe({"get", "cm", "held", "-o", "jsonpath={.metadata.deletionTimestamp}"}).out,
             Catch::Matches("20[0-9-]+T[0-9:]+Z"));
  REQUIRE(c.troupe({"patch", "cm", "held", "--type", "merge", "-p", R"({"metadata":{"finalizers":null}})"}).code == 0);
}

TEST_CASE("get --watch of a missing name fails, and documents print one by one", "[process][cli]") {
  cluster c;
  REQUIRE(c.troupe({"create", "cm", "c1"}).code == 0);
  troupe::testing::child_process missing(
      {TROUPE_BINARY, "get", "cm", "nope", "-w", "--server", c.address()});
  auto code = missing.wait(std::chrono::seconds(5));
  CHECK(code == std::optional<int>(1));
  CHECK(missing.output() == "Error from server (NotFound): configmaps \"nope\" not found\n");

  REQUIRE(c.troupe({"create", "cm", "c2"}).code == 0);
  troupe::testing::child_process yaml({TROUPE_BINARY, "get", "cm", "-w", "-o", "yaml", "--server", c.address()});
  CHECK(yaml.wait_for_output("name: c2"));
  REQUIRE(c.troupe({"create", "cm", "c3"}).code == 0);
  CHECK(yaml.wait_for_output("name: c3"));
  CHECK_THAT(yaml.output(), !Catch::Contains("kind: List"));
  CHECK_THAT(yaml.output(), Catch::StartsWith("apiVersion: v1\n"));
  auto docs = 0;
  for (auto& line : lines(yaml.output())) docs += line == "---";
  CHECK(docs == 2);

  troupe::testing::child_process json({TROUPE_BINARY, "get", "cm", "-w", "-o", "json", "--server", c.address()});
  CHECK(json.wait_for_output("\"name\": \"c3\""));
  CHECK_THAT(json.output(), Catch::StartsWith("{\n    \"apiVersion\": \"v1\",\n") && !Catch::Contains("\"List\""));

  // Through kubectl's tabwriter: the objects there first line up together, a later one alone.
  troupe::testing::child_process tabbed({TROUPE_BINARY, "get", "cm", "-w", "-o",
                                         "go-template={{.metadata.name}}{{\"\\t\"}}x{{\"\\n\"}}", "--server",
                                         c.address()});
  CHECK(tabbed.wait_for_output("c3    x\n"));
  REQUIRE(c.troupe({"create", "cm", "longer-name"}).code == 0);
  CHECK(tabbed.wait_for_output("longer-name   x\n"));
  CHECK(tabbed.output() == "c1    x\nc2    x\nc3    x\nlonger-name   x\n");

  // A template that fails on a later event prints kubectl's dump and ends the watch, exit 0.
  REQUIRE(c.troupe({"create", "cm", "d1", "--from-literal=a=b"}).code == 0);
  troupe::testing::child_process templated(
      {TROUPE_BINARY, "get", "cm", "d1", "-w", "-o", "go-template={{len .data}} ", "--server", c.address()});
  CHECK(templated.wait_for_output("1 "));
  REQUIRE(c.troupe({"patch", "cm", "d1", "--type", "merge", "-p", "{\"data\": null}"}).code == 0);
  CHECK(templated.wait(std::chrono::seconds(10)) == std::optional<int>(0));
  CHECK_THAT(templated.output(), Catch::Contains("Error executing template: template: output:1:2: executing \"output\" at "
                                                 "<len .data>: error calling len:"));

  // --watch-only skips what is there; --output-watch-events says what happened.
  troupe::testing::child_process events(
      {TROUPE_BINARY, "get", "cm", "--watch-only", "--output-watch-events", "--server", c.address()});
  // The watch starts after its list, unseen: create fresh objects until one shows as ADDED.
  std::string added;
  for (int i = 0; i < 50 && added.empty(); ++i) {
    std::string name = "w" + std::to_string(i);
    REQUIRE(c.troupe({"create", "cm", name}).code == 0);
    if (events.wait_for_output(" " + name + " ", std::chrono::milliseconds(200))) added = name;
  }
  REQUIRE(!added.empty());
  REQUIRE(c.troupe({"delete", "cm", added}).code == 0);
  CHECK(events.wait_for_output("DELETED"));
  auto rows = lines(events.output());
  REQUIRE(rows.size() >= 3);
  CHECK_THAT(rows[0], Catch::StartsWith("EVENT ") && Catch::Contains("NAME"));
  CHECK_THAT(rows[1], Catch::StartsWith("ADDED "));
  CHECK_THAT(rows.back(), Catch::StartsWith("DELETED ") && Catch::Contains(" " + added + " "));
  CHECK_THAT(events.output(), !Catch::Contains("c1"));

  troupe::testing::child_process json_events(
      {TROUPE_BINARY, "get", "cm", "c1", "-w", "-o", "json", "--output-watch-events", "--server", c.address()});
  CHECK(json_events.wait_for_output("\"name\": \"c1\""));
  CHECK_THAT(json_events.output(), Catch::StartsWith("{\n    \"type\": \"ADDED\",\n    \"object\": {\n"));
  // In YAML kubectl's printer sorts the two: object, then type.
  troupe::testing::child_process yaml_events(
      {TROUPE_BINARY, "get", "cm", "c1", "-w", "-o", "yaml", "--output-watch-events", "--server", c.address()});
  CHECK(yaml_events.wait_for_output("type: ADDED\n"));
  CHECK_THAT(yaml_events.output(), Catch::StartsWith("object:\n  apiVersion: v1\n") &&
                                       Catch::Contains("\ntype: ADDED\n"));
}

TEST_CASE("apply create replace patch describe and get take kubectl's flags", "[process][cli]") {
  cluster c;
  auto file = c.write("cm.yaml", configmap);
  auto second = c.write("cm2.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c2}\ndata: {b: '2'}\n");

  // apply -o, and a client dry run printing what it would send.
  auto dry = c.troupe({"apply", "-f", file, "--dry-run=client", "-o", "yaml"});
  CHECK(dry.code == 0);
  CHECK_THAT(dry.out, Catch::StartsWith("apiVersion: v1\n") && Catch::Contains("  name: c1\n") &&
                          Catch::Contains("kubectl.kubernetes.io/last-applied-configuration"));
  // The record as kubectl keeps it: keys sorted, the namespace applied to, a closing newline.
  CHECK_THAT(dry.out, Catch::Contains("    kubectl.kubernetes.io/last-applied-configuration: |\n      "
                                      "{\"apiVersion\":\"v1\",\"data\":{\"a\":\"1\"},\"kind\":\"ConfigMap\","
                                      "\"metadata\":{\"annotations\":{},\"name\":\"c1\",\"namespace\":\"default\"}}\n"));
  CHECK(c.troupe({"get", "cm", "c1"}).code == 1);
  // Go's JSON encoder escapes <, > and & in the record; a document with no metadata is an error.
  auto amp = c.troupe({"apply", "-f", "-", "--dry-run=client", "-o", "json"},
                      "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: amp}\ndata: {u: 'a&b<c>'}\n");
  CHECK_THAT(amp.out, Catch::Contains(R"({\"u\":\"a\\u0026b\\u003cc\\u003e\"})"));
  auto nameless = c.troupe({"apply", "-f", "-"}, R"({"apiVersion":"v1","kind":"ConfigMap","data":{"a":"b"}})");
  CHECK(nameless.code == 1);
  CHECK_THAT(nameless.err, Catch::Contains("from server for: \"STDIN\": resource name may not be empty"));
  CHECK(c.troupe({"apply", "-f", file + "," + second, "-o", "name", "--validate=strict"}).out ==
        "configmap/c1\nconfigmap/c2\n");
  CHECK_THAT(c.troupe({"apply", "-f", file, "-o", "json", "--validate=false"}).out,
             Catch::StartsWith("{\n") && Catch::Contains("\"resourceVersion\""));
  for (auto* v : {"--validate", "--validate=true", "--validate=warn", "--validate=ignore"})
    CHECK(c.troupe({"apply", "-f", file, v}).out == "configmap/c1 unchanged\n");
  auto bad = c.troupe({"apply", "-f", file, "--validate=maybe"});
  CHECK(bad.code == 1);
  CHECK(bad.err == "error: invalid - validate option \"maybe\"; must be one of: strict (or true), warn, ignore (or false)\n");

  // patch -f and scale -f: the objects the manifests name, in their own namespaces.
  REQUIRE(c.troupe({"create", "ns", "other"}).code == 0);
  auto elsewhere = c.write("elsewhere.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c3, namespace: other, "
                                             "labels: {tier: x}}\n");
  REQUIRE(c.troupe({"apply", "-f", elsewhere}).code == 0);
  CHECK(c.troupe({"patch", "-f", elsewhere, "-p", R"({"data":{"p":"1"}})"}).out == "configmap/c3 patched\n");
  CHECK(c.troupe({"get", "cm", "c3", "-n", "other", "-o", "jsonpath={.data.p}"}).out == "1");
  CHECK(c.troupe({"patch", "-f", elsewhere, "cm", "-p", "{}"}).err == "error: Unexpected args: [cm]\n");
  // scale -f walks the file's objects in turn: the Deployment is scaled, then the Service fails.
  auto app = c.write("app.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: app}\nspec:\n  selector: "
                                 "{matchLabels: {a: b}}\n  template:\n    metadata: {labels: {a: b}}\n    spec: "
                                 "{containers: [{name: c, image: i}]}\n---\napiVersion: v1\nkind: Service\nmetadata: "
                                 "{name: app}\nspec: {ports: [{port: 80}]}\n");
  REQUIRE(c.troupe({"apply", "-f", app}).code == 0);
  auto scaled = c.troupe({"scale", "-f", app, "--replicas=3"});
  CHECK(scaled.code == 1);
  CHECK(scaled.out == "deployment.apps/app scaled\n");
  CHECK(scaled.err == "error: cannot scale services: only deployments, replicasets and statefulsets have replicas\n");
  CHECK(c.troupe({"get", "deploy", "app", "-o", "jsonpath={.spec.replicas}"}).out == "3");
  // apply -l: only the documents whose labels match.
  auto both_files = c.troupe({"apply", "-f", elsewhere + "," + second, "-l", "tier=x", "-o", "name"});
  CHECK(both_files.out == "configmap/c3\n");

  // describe -f and get -f (comma-separated files too).
  CHECK(c.troupe({"get", "-f", file + "," + second, "-o", "name"}).out == "configmap/c1\nconfigmap/c2\n");
  auto table = c.troupe({"get", "-f", file});
  CHECK_THAT(table.out, Catch::StartsWith("NAME ") && Catch::Contains("\nc1 "));
  auto described = c.troupe({"describe", "-f", second});
  CHECK(described.code == 0);
  CHECK_THAT(described.out, Catch::StartsWith("Name:") && Catch::Contains("c2"));

  // create --save-config records what apply records; a later apply has no warning.
  auto third = c.write("cm3.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c3}\ndata: {c: '3'}\n");
  CHECK(c.troupe({"create", "-f", third, "--save-config"}).out == "configmap/c3 created\n");
  CHECK_THAT(c.troupe({"get", "cm", "c3", "-o", "yaml"}).out,
             Catch::Contains("kubectl.kubernetes.io/last-applied-configuration"));
  auto reapplied = c.troupe({"apply", "-f", third});
  CHECK(reapplied.err == "");
  CHECK(reapplied.out == "configmap/c3 unchanged\n");

  // replace --force: a new object in place of the old one.
  auto uid = c.troupe({"get", "cm", "c2", "-o", "jsonpath={.metadata.uid}"}).out;
  auto forced = c.troupe({"replace", "--force", "-f", second});
  CHECK(forced.code == 0);
  CHECK(forced.out == "configmap \"c2\" deleted\nconfigmap/c2 replaced\n");
  auto new_uid = c.troupe({"get", "cm", "c2", "-o", "jsonpath={.metadata.uid}"}).out;
  CHECK(!new_uid.empty());
  CHECK(new_uid != uid);
  // One that is not there is created, as kubectl's forced replace does.
  REQUIRE(c.troupe({"delete", "cm", "c2"}).code == 0);
  auto created = c.troupe({"replace", "--force", "-f", second});
  CHECK(created.code == 0);
  CHECK(created.out == "configmap/c2 replaced\n");
  CHECK(c.troupe({"get", "cm", "c2"}).code == 0);

  // patch --patch-file and -o.
  auto patch = c.write("patch.yaml", "data: {a: '5'}\n");
  CHECK(c.troupe({"patch", "cm", "c1", "--patch-file", patch}).out == "configmap/c1 patched\n");
  CHECK(c.troupe({"get", "cm", "c1", "-o", "jsonpath={.data.a}"}).out == "5");
  CHECK(c.troupe({"patch", "cm", "c1", "-p", "{\"data\":{\"a\":\"6\"}}", "-o", "name"}).out == "configmap/c1\n");
  CHECK_THAT(c.troupe({"patch", "cm", "c1", "-p", "{\"data\":{\"a\":\"7\"}}", "-o", "yaml"}).out,
             Catch::StartsWith("apiVersion: v1\n") && Catch::Contains("  a: \"7\"\n"));

  // Comma-separated files for delete too.
  CHECK(c.troupe({"delete", "-f", file + "," + second}).out ==
        "configmap \"c1\" deleted\nconfigmap \"c2\" deleted\n");
}

TEST_CASE("apply says unchanged when its patch changes nothing, whatever others write", "[process][cli]") {
  cluster c;
  auto file = c.write("cm.yaml", configmap);
  REQUIRE(c.troupe({"apply", "-f", file}).code == 0);
  // Another writer keeps changing the object while apply runs.
  std::string troupe = std::string(TROUPE_BINARY) + " --server=" + c.address() + " --client-config=" + c.config();
  troupe::testing::child_process writer(
      {"/bin/sh", "-c", "i=0; while :; do i=$((i+1)); " + troupe + " annotate cm c1 n=$i --overwrite >/dev/null; done"});
  for (int i = 0; i < 30; ++i) CHECK(c.troupe({"apply", "-f", file}).out == "configmap/c1 unchanged\n");
}

TEST_CASE("wait --for=delete on a missing object prints nothing", "[process][cli]") {
  cluster c;
  auto r = c.troupe({"wait", "--for=delete", "cm/nope", "--timeout=5s"});
  CHECK(r.code == 0);
  CHECK(r.out == "");
  CHECK(r.err == "");
}

TEST_CASE("get refuses mixing TYPE NAME and TYPE/NAME", "[process][cli]") {
  cluster c;
  std::string error =
      "error: there is no need to specify a resource type as a separate argument when passing "
      "arguments in resource/name form (e.g. 'troupe get resource/<resource_name>' instead of "
      "'troupe get resource resource/<resource_name>'\n";
  for (auto args : {std::vector<std::string>{"get", "po", "hello", "svc/web"}, {"get", "svc/web", "po"},
                    {"describe", "po", "svc/web"}}) {
    auto r = c.troupe(args);
    CHECK(r.code == 1);
    CHECK(r.err == error);
  }
}

TEST_CASE("apply warns about an object created without its last-applied record", "[process][cli]") {
  cluster c;
  auto file = c.write("cm.yaml", configmap);
  REQUIRE(c.troupe({"create", "-f", file}).code == 0);
  auto applied = c.troupe({"apply", "-f", file});
  CHECK(applied.code == 0);
  CHECK(applied.err ==
        "Warning: resource configmaps/c1 is missing the kubectl.kubernetes.io/last-applied-configuration "
        "annotation which is required by troupe apply. troupe apply should only be used on resources "
        "created declaratively by either troupe create --save-config or troupe apply. The missing "
        "annotation will be patched automatically.\n");
  CHECK(applied.out == "configmap/c1 configured\n");
  auto again = c.troupe({"apply", "-f", file});
  CHECK(again.err == "");
  CHECK(again.out == "configmap/c1 unchanged\n");
}

TEST_CASE("validate decides what becomes of fields the schema does not have", "[process][cli]") {
  cluster c;
  auto file = c.write("odd.yaml",
                      "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: odd, labelz: {a: b}}\ndata: {k: v}\n"
                      "datta: {x: y}\n");
  for (const char* strict : {"--validate=strict", "--validate=true", "--validate"}) {
    auto refused = c.troupe({"apply", "-f", file, strict});
    CHECK(refused.code == 1);
    CHECK_THAT(refused.err, Catch::Contains("metadata.labelz: unknown field \"labelz\""));
  }
  CHECK(c.troupe({"get", "cm", "odd"}).code == 1);
  auto warned = c.troupe({"apply", "-f", file, "--validate=warn"});
  CHECK(warned.out == "configmap/odd created\n");
  CHECK(warned.err == "Warning: unknown field \"metadata.labelz\"\nWarning: unknown field \"datta\"\n");
  // The dropped fields are not in the record either, so the next apply's patch is readable.
  CHECK(c.troupe({"apply", "view-last-applied", "cm", "odd"}).out ==
        "apiVersion: v1\ndata:\n  k: v\nkind: ConfigMap\nmetadata:\n  annotations: {}\n  name: odd\n  namespace: default\n");
  auto quiet = c.troupe({"apply", "-f", file, "--validate=false"});
  CHECK(quiet.out == "configmap/odd unchanged\n");
  CHECK(quiet.err == "");
  CHECK(c.troupe({"replace", "-f", file, "--validate=ignore"}).out == "configmap/odd replaced\n");
  CHECK(c.troupe({"create", "-f", file, "--validate=ignore", "--dry-run=client", "-o", "name"}).out ==
        "configmap/odd\n");
  // A document without its type fails kubectl's schema check in its words.
  CHECK(c.troupe({"apply", "-f", "-"}, "kind: ConfigMap\nmetadata: {name: x}\n").err ==
        "error: error validating \"STDIN\": error validating data: apiVersion not set; if you choose to ignore "
        "these errors, turn validation off with --validate=false\n");
  CHECK_THAT(c.troupe({"create", "-f", "-"}, "metadata: {name: x}\n").err,
             Catch::Contains("error validating data: [apiVersion not set, kind not set]"));
}

TEST_CASE("apply of a manifest without a name fails it alone in kubectl's words", "[process][cli]") {
  cluster c;
  auto file = c.write("two.yaml", std::string("apiVersion: v1\nkind: ConfigMap\nmetadata: {labels: {a: b}}\n---\n") +
                                      configmap);
  auto applied = c.troupe({"apply", "-f", file});
  CHECK(applied.code == 1);
  CHECK(applied.out == "configmap/c1 created\n");
  CHECK(applied.err == "error: error when retrieving current configuration of:\nResource: \"/v1, Resource=configmaps\", "
                       "GroupVersionKind: \"/v1, Kind=ConfigMap\"\nName: \"\", Namespace: \"default\"\nfrom server for: \"" +
                           file + "\": resource name may not be empty\n");
}

TEST_CASE("apply view-last-applied and set-last-applied read and write only the record", "[process][cli]") {
  cluster c;
  auto file = c.write("cm.yaml", configmap);
  REQUIRE(c.troupe({"apply", "-f", file}).code == 0);
  const std::string record_yaml =
      "apiVersion: v1\ndata:\n  a: \"1\"\nkind: ConfigMap\nmetadata:\n  annotations: {}\n  name: c1\n"
      "  namespace: default\n";
  CHECK(c.troupe({"apply", "view-last-applied", "cm", "c1"}).out == record_yaml);
  CHECK(c.troupe({"apply", "view-last-applied", "-f", file}).out == record_yaml);
  CHECK_THAT(c.troupe({"apply", "view-last-applied", "configmap/c1", "-o", "json"}).out,
             Catch::StartsWith("{\n  \"apiVersion\": \"v1\",\n  \"data\": {\n    \"a\": \"1\"\n  },\n"));

  // set-last-applied changes the record, not the data.
  auto changed = c.write("cm2.yaml", std::string(configmap).replace(std::string(configmap).find("a: '1'"), 6, "a: '2'"));
  CHECK(c.troupe({"apply", "set-last-applied", "-f", changed}).out == "configmap/c1 configured\n");
  CHECK(c.troupe({"get", "cm", "c1", "-o", "jsonpath={.data.a}"}).out == "1");
  CHECK_THAT(c.troupe({"apply", "view-last-applied", "cm", "c1"}).out, Catch::Contains("  a: \"2\"\n"));
  // So the next apply of the first file sees data.a as changed by the user and sets it back.
  CHECK(c.troupe({"apply", "-f", file}).out == "configmap/c1 configured\n");

  REQUIRE(c.troupe({"create", "cm", "bare"}).code == 0);
  auto bare = c.write("bare.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bare}\ndata: {k: v}\n");
  auto view_bare = c.troupe({"apply", "view-last-applied", "cm", "bare"});
  CHECK(view_bare.code == 1);
  CHECK(view_bare.err == "error: no last-applied-configuration annotation found on resource: bare\n");
  CHECK(c.troupe({"apply", "set-last-applied", "-f", bare}).err ==
        "error: no last-applied-configuration annotation found on resource: bare, to create the annotation, run "
        "the command with --create-annotation\n");
  CHECK(c.troupe({"apply", "set-last-applied", "-f", bare, "--create-annotation"}).out ==
        "configmap/bare configured\n");
  CHECK(c.troupe({"get", "cm", "bare", "-o", "jsonpath={.data}"}).out == "");

  // Words a verb reading -f does not take are refused before anything is sent.
  for (const char* verb : {"apply", "create", "replace", "diff"}) {
    auto stray = c.troupe({verb, "set-last-aplied", "-f", changed});
    CHECK(stray.code == (std::string(verb) == "diff" ? 2 : 1));
    CHECK(stray.err == "error: Unexpected args: [set-last-aplied]\n");
  }
  CHECK(c.troupe({"get", "cm", "c1", "-o", "jsonpath={.data.a}"}).out == "1");
}

TEST_CASE("label annotate and patch run at once all apply", "[process][cli]") {
  cluster c;
  REQUIRE(c.troupe({"apply", "-f", "-"}, configmap).code == 0);
  // Twelve of each at once, as separate processes: each reads the object and sends a patch
  // with no resourceVersion, so none may fail because another changed the object first.
  std::string troupe = std::string(TROUPE_BINARY) + " --server=" + c.address() +
                       " --client-config=" + c.config();
  std::string script =
      "pids=\n"
      "for i in $(seq 1 12); do\n"
      "  " + troupe + " label cm c1 l$i=v --overwrite 2>&1 >/dev/null & pids=\"$pids $!\"\n"
      "  " + troupe + " annotate cm c1 a$i=v --overwrite 2>&1 >/dev/null & pids=\"$pids $!\"\n"
      "  " + troupe + " patch cm c1 -p '{\"data\":{\"p'$i'\":\"v\"}}' 2>&1 >/dev/null & pids=\"$pids $!\"\n"
      "done\n"
      // A bare `wait` returns 0 whatever its jobs did: each one's status counts.
      "fail=0; for pid in $pids; do wait $pid || fail=1; done; exit $fail\n";
  auto run = troupe::testing::run_command({"/bin/sh", "-c", script}, "", {}, c.dir());
  CHECK(run.out == "");
  CHECK(run.code == 0);
  auto object = c.troupe({"get", "cm", "c1", "-o", "json"}).out;
  for (int i = 1; i <= 12; ++i) {
    CAPTURE(i);
    for (const char* key : {"l", "a", "p"})
      CHECK_THAT(object, Catch::Contains("\"" + std::string(key) + std::to_string(i) + "\": \"v\""));
  }
}

TEST_CASE("objects print with their keys sorted as kubectl prints them", "[process][cli]") {
  cluster c;
  REQUIRE(c.troupe({"apply", "-f", "-"}, configmap).code == 0);
  auto yaml = c.troupe({"get", "cm", "c1", "-o", "yaml"}).out;
  std::vector<std::string> top;
  for (auto& line : lines(yaml))
    if (!line.empty() && line[0] != ' ') top.push_back(line.substr(0, line.find(':')));
  CHECK(top == std::vector<std::string>{"apiVersion", "data", "kind", "metadata"});
  CHECK_THAT(yaml, Catch::Contains("  creationTimestamp: ") && Catch::Contains("\n  name: c1\n  namespace: default\n"));
  auto json = c.troupe({"get", "cm", "c1", "-o", "json"}).out;
  CHECK(json.find("\"apiVersion\"") < json.find("\"data\""));
  CHECK(json.find("\"data\"") < json.find("\"kind\""));
  CHECK(json.find("\"kind\"") < json.find("\"metadata\""));
}

TEST_CASE("an invalid object is reported by its causes as kubectl does", "[process][cli]") {
  cluster c;
  auto one = c.troupe({"apply", "-f", "-"}, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: Bad_Name}\n");
  CHECK(one.code == 1);
  CHECK_THAT(one.err, Catch::StartsWith("The ConfigMap \"Bad_Name\" is invalid: metadata.name: Invalid value: "
                                        "\"Bad_Name\": a lowercase RFC 1123 subdomain"));
  auto several = c.troupe(
      {"create", "-f", "-"},
      "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {ports: [{port: 0}, {port: 70000}]}\n");
  CHECK(several.code == 1);
  CHECK(lines(several.err).size() >= 3);
  CHECK(lines(several.err)[0] == "The Service \"s\" is invalid: ");
  CHECK_THAT(lines(several.err)[1], Catch::StartsWith("* spec.ports[0]"));
}

TEST_CASE("events -o prints kubectl's typed EventList", "[process][cli]") {
  cluster c;
  auto event = [](const std::string& name, const std::string& reason, const std::string& last) {
    return "apiVersion: v1\nkind: Event\nmetadata: {name: " + name + "}\n"
           "involvedObject: {kind: Pod, name: web, namespace: default}\nreason: " + reason + "\n"
           "message: 'Started container <c> & more'\ntype: Normal\ncount: 2\n"
           "firstTimestamp: '2026-01-02T03:04:05Z'\nlastTimestamp: '" + last + "'\n"
           "source: {component: kubelet, host: n1}\n";
  };
  REQUIRE(c.troupe({"create", "-f", "-"}, event("web.2", "Started", "2026-01-02T03:04:09Z")).code == 0);
  REQUIRE(c.troupe({"create", "-f", "-"}, event("web.1", "Created", "2026-01-02T03:04:06Z")).code == 0);
  auto meta = [&](const std::string& path) { return c.troupe({"get", "event", "web.1", "-o", "jsonpath=" + path}).out; };
  // Go's encoder on the typed structs: their field order, empty fields without omitempty kept,
  // HTML characters escaped; the list kubectl builds has no resourceVersion. Oldest first.
  auto json = c.troupe({"events", "-o", "json"});
  REQUIRE(json.code == 0);
  std::string first_item =
      "    \"items\": [\n"
      "        {\n"
      "            \"kind\": \"Event\",\n"
      "            \"apiVersion\": \"v1\",\n"
      "            \"metadata\": {\n"
      "                \"name\": \"web.1\",\n"
      "                \"namespace\": \"default\",\n"
      "                \"uid\": \"" + meta("{.metadata.uid}") + "\",\n"
      "                \"resourceVersion\": \"" + meta("{.metadata.resourceVersion}") + "\",\n"
      "                \"creationTimestamp\": \"" + meta("{.metadata.creationTimestamp}") + "\"\n"
      "            },\n"
      "            \"involvedObject\": {\n"
      "                \"kind\": \"Pod\",\n"
      "                \"namespace\": \"default\",\n"
      "                \"name\": \"web\"\n"
      "            },\n"
      "            \"reason\": \"Created\",\n"
      "            \"message\": \"Started container \\u003cc\\u003e \\u0026 more\",\n"
      "            \"source\": {\n"
      "                \"component\": \"kubelet\",\n"
      "                \"host\": \"n1\"\n"
      "            },\n"
      "            \"firstTimestamp\": \"2026-01-02T03:04:05Z\",\n"
      "            \"lastTimestamp\": \"2026-01-02T03:04:06Z\",\n"
      "            \"count\": 2,\n"
      "            \"type\": \"Normal\",\n"
      "            \"eventTime\": null,\n"
      "            \"reportingComponent\": \"\",\n"
      "            \"reportingInstance\": \"\"\n"
      "        },\n";
  CHECK_THAT(json.out, Catch::StartsWith("{\n    \"kind\": \"EventList\",\n    \"apiVersion\": \"v1\",\n"
                                         "    \"metadata\": {},\n" + first_item));
  // YAML goes through JSON to a map, so its keys are sorted; the empty fields stay.
  auto yaml = c.troupe({"events", "-o", "yaml"}).out;
  CHECK_THAT(yaml, Catch::StartsWith("apiVersion: v1\nitems:\n- apiVersion: v1\n  count: 2\n  eventTime: null\n"));
  CHECK_THAT(yaml, Catch::Contains("  reason: Created\n  reportingComponent: \"\"\n  reportingInstance: \"\"\n"));
  CHECK_THAT(yaml, Catch::EndsWith("kind: EventList\nmetadata: {}\n"));
  CHECK(c.troupe({"events", "-o", "name"}).out == "event/web.1\nevent/web.2\n");
  CHECK_THAT(c.troupe({"get", "events", "-o", "json"}).out, Catch::Contains("container \\u003cc\\u003e \\u0026 more"));
  CHECK(c.troupe({"events", "-o", "jsonpath={.kind} {.items[*].reason} {.items[0].involvedObject}"}).out ==
        "EventList Created Started {\"kind\":\"Pod\",\"name\":\"web\",\"namespace\":\"default\"}");
  CHECK(c.troupe({"events", "-o", "go-template={{range .items}}{{.reason}} {{end}}", "--for", "pod/web"}).out ==
        "Created Started ");
  CHECK(c.troupe({"events", "-o", "jsonpath-as-json={.items[*].reason}"}).out == "[\n    \"Created\",\n    \"Started\"\n]\n");
  CHECK(c.troupe({"get", "event", "web.1", "-o", "jsonpath-as-json", "--template", "{.reason}"}).out ==
        "[\n    \"Created\"\n]\n");
  CHECK(c.troupe({"get", "event", "web.1", "-o", "jsonpath-as-json"}).err ==
        "error: template format specified but no template given\n");
  CHECK(c.troupe({"events", "-o", "wide"}).err ==
        "error: unable to match a printer suitable for the output format \"wide\", allowed formats are: "
        "go-template,go-template-file,json,jsonpath,jsonpath-as-json,jsonpath-file,name,template,templatefile,yaml\n");
  CHECK(c.troupe({"events", "-o", "jsonpath"}).err == "error: template format specified but no template given\n");
  // Only -o picks a printer; a template failing as it runs is not an error to kubectl events.
  CHECK_THAT(c.troupe({"events", "--template", "{{.kind}}"}).out, Catch::StartsWith("LAST SEEN"));
  auto failing = c.troupe({"events", "-o", "go-template={{index .items 5}}"});
  CHECK(failing.code == 0);
  CHECK(failing.err.empty());
  CHECK_THAT(failing.out, Catch::Contains("index out of range"));
  auto none = c.troupe({"events", "-o", "json", "-n", "kube-public"});
  CHECK(none.out.empty());
  CHECK(none.err == "No events found in kube-public namespace.\n");
  // Watching: each event on its own, the ones there first (in the store's order, as a watch
  // sends them to kubectl, not by time) and then the new.
  REQUIRE(c.troupe({"create", "-f", "-"}, event("aa.1", "Pulled", "2026-01-02T03:04:10Z")).code == 0);
  CHECK(c.troupe({"events", "-o", "name"}).out == "event/web.1\nevent/web.2\nevent/aa.1\n");
  // kubectl events prints through a tabwriter (minwidth 6, padding 3): a template's tabs align.
  CHECK(c.troupe({"events", "-o", "go-template={{range .items}}{{.reason}}{{\"\\t\"}}{{.type}}{{\"\\n\"}}{{end}}"}).out ==
        "Created   Normal\nStarted   Normal\nPulled    Normal\n");
  troupe::testing::child_process watching({TROUPE_BINARY, "events", "-w", "-o", "name", "--server", c.address()});
  CHECK(watching.wait_for_output("event/web.2\n"));
  REQUIRE(c.troupe({"create", "-f", "-"}, event("web.3", "Killing", "2026-01-02T03:04:10Z")).code == 0);
  CHECK(watching.wait_for_output("event/web.3\n"));
  CHECK(watching.output() == "event/aa.1\nevent/web.1\nevent/web.2\nevent/web.3\n");
}

TEST_CASE("get --raw reads the API's paths as kubectl get --raw does", "[process][cli]") {
  cluster c;
  REQUIRE(c.troupe({"create", "-f", "-"}, configmap).code == 0);
  REQUIRE(c.troupe({"label", "cm", "c1", "app=web"}).code == 0);
  auto version = c.troupe({"get", "cm", "c1", "-o", "jsonpath={.metadata.resourceVersion}"}).out;

  auto object = c.troupe({"get", "--raw", "/api/v1/namespaces/default/configmaps/c1"});
  CHECK(object.code == 0);
  CHECK_THAT(object.out, Catch::StartsWith("{\"kind\":\"ConfigMap\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"c1\","));
  CHECK_THAT(object.out, Catch::EndsWith("\"data\":{\"a\":\"1\"}}\n"));

  // A list names its kind once; its items carry neither kind nor apiVersion.
  auto list = c.troupe({"get", "--raw", "/api/v1/configmaps?labelSelector=app%3Dweb"});
  CHECK(list.code == 0);
  CHECK_THAT(list.out, Catch::StartsWith("{\"kind\":\"ConfigMapList\",\"apiVersion\":\"v1\",\"metadata\":{\"resourceVersion\":\""));
  CHECK_THAT(list.out, Catch::Contains("\"items\":[{\"metadata\":{\"name\":\"c1\","));
  CHECK_THAT(list.out, Catch::Contains("\"resourceVersion\":\"" + version + "\""));
  CHECK_THAT(c.troupe({"get", "--raw", "/api/v1/namespaces/default/configmaps?labelSelector=app%3Dother"}).out,
             Catch::EndsWith("\"items\":[]}\n"));

  CHECK(c.troupe({"get", "--raw", "/healthz"}).out == "ok");
  CHECK_THAT(c.troupe({"get", "--raw", "/apis/apps/v1"}).out,
             Catch::Contains("{\"name\":\"deployments\",\"singularName\":\"deployment\",\"namespaced\":true,"
                             "\"kind\":\"Deployment\",\"verbs\":["));
  CHECK_THAT(c.troupe({"get", "--raw", "/api/v1"}).out, Catch::Contains("{\"name\":\"pods/status\","));

  auto missing = c.troupe({"get", "--raw", "/api/v1/namespaces/default/configmaps/nope"});
  CHECK(missing.code == 1);
  CHECK(missing.err == "Error from server (NotFound): configmaps \"nope\" not found\n");
  auto unserved = c.troupe({"get", "--raw", "/api/v1/widgets"});
  CHECK(unserved.code == 1);
  CHECK(unserved.err == "Error from server (NotFound): the server could not find the requested resource\n");
  CHECK(c.troupe({"get", "cm", "--raw", "/api/v1/configmaps"}).err ==
        "error: arguments may not be passed when --raw is specified\n");
  CHECK(c.troupe({"get", "--raw", "/api", "-o", "yaml"}).err == "error: --raw and --output are mutually exclusive\n");

  // A watch without a resourceVersion begins with what is there; one with it streams the
  // changes after it; both until their timeoutSeconds.
  auto now = c.troupe({"get", "--raw", "/api/v1/namespaces/default/configmaps?watch=true&timeoutSeconds=1"});
  CHECK(now.code == 0);
  REQUIRE(lines(now.out).size() == 1);
  CHECK_THAT(now.out, Catch::StartsWith("{\"type\":\"ADDED\",\"object\":{\"kind\":\"ConfigMap\","));
  REQUIRE(c.troupe({"delete", "cm", "c1"}).code == 0);
  auto since = c.troupe({"get", "--raw", "/api/v1/configmaps?watch=1&timeoutSeconds=1&resourceVersion=" + version});
  CHECK(since.code == 0);
  REQUIRE(lines(since.out).size() == 1);
  CHECK_THAT(since.out, Catch::StartsWith("{\"type\":\"DELETED\",\"object\":{\"kind\":\"ConfigMap\","));
}

TEST_CASE("create ingress builds kubectl's Ingress and describe shows its rules", "[process][cli]") {
  cluster c;
  auto dry = c.troupe({"create", "ingress", "simple", "--rule=foo.com/bar=svc1:8080,tls=my-cert",
                       "--rule=foo.com/baz*=svc2:http", "--class=nginx", "--annotation=a=b", "--dry-run=client",
                       "-o", "yaml"});
  CHECK(dry.err == "");
  CHECK(dry.out ==
        "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  annotations:\n    a: b\n"
        "  creationTimestamp: null\n  name: simple\nspec:\n  ingressClassName: nginx\n  rules:\n"
        "  - host: foo.com\n    http:\n      paths:\n      - backend:\n          service:\n            name: svc1\n"
        "            port:\n              number: 8080\n        path: /bar\n        pathType: Exact\n"
        "      - backend:\n          service:\n            name: svc2\n            port:\n              name: http\n"
        "        path: /baz\n        pathType: Prefix\n  tls:\n  - hosts:\n    - foo.com\n    secretName: my-cert\n"
        "status:\n  loadBalancer: {}\n");
  CHECK(c.troupe({"create", "ingress", "x"}).err ==
        "error: not enough information provided: every ingress has to either specify a default-backend (which catches "
        "all traffic) or a list of rules (which catch specific paths)\n");
  CHECK(c.troupe({"create", "ingress", "x", "--rule=nopath"}).err ==
        "error: rule nopath is invalid and should be in format host/path=svcname:svcport[,tls[=secret]]\n");
  CHECK(c.troupe({"create", "configmap", "x", "--rule=a/b=c:1"}).err == "error: unknown flag: --rule\n");
  // kubectl's rule pattern need only match a rule's beginning: a secret name with dots is fine.
  CHECK(c.troupe({"create", "ingress", "dotted", "--rule=foo.com/*=web:80,tls=foo.com-tls", "--class=", "--dry-run=client",
                  "-o", "jsonpath={.spec.tls[0].secretName} {.spec.ingressClassName}"})
            .out == "foo.com-tls ");
  // Only a default backend: the rules table says so.
  REQUIRE(c.troupe({"create", "ingress", "fallback", "--default-backend=web:80"}).code == 0);
  CHECK_THAT(c.troupe({"describe", "ingress", "fallback"}).out,
             Catch::Contains("Default backend:  web:80 (<error: endpoints \"web\" not found>)\n") &&
                 Catch::Contains("  *           *     web:80 (<error: endpoints \"web\" not found>)\n"));

  CHECK(c.troupe({"create", "ingress", "web", "--rule=example.com/*=web:80,tls=cert"}).out ==
        "ingress.networking.k8s.io/web created\n");
  CHECK(c.troupe({"describe", "ingress", "web"}).out ==
        "Name:             web\n"
        "Labels:           <none>\n"
        "Namespace:        default\n"
        "Address:          \n"
        "Ingress Class:    <none>\n"
        "Default backend:  <default>\n"
        "TLS:\n"
        "  cert terminates example.com\n"
        "Rules:\n"
        "  Host         Path  Backends\n"
        "  ----         ----  --------\n"
        "  example.com  \n"
        "               /   web:80 (<error: endpoints \"web\" not found>)\n"
        "Annotations:   <none>\n"
        "Events:        <none>\n");
}
