// Kubernetes API semantics seen from the CLI: what a user meets when an update changes what
// is fixed, a namespace is deleted, Services get addresses, or a JSON patch is sent.

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "test/harness/cli.hpp"
#include "test/harness/eventually.hpp"
#include "test/harness/temp_dir.hpp"

using troupe::testing::cluster;
using troupe::testing::everything;

namespace {

std::string config_map(const std::string& name, const std::string& ns,
                       const std::string& extra = "") {
  return "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: " + name + "\n  namespace: " + ns +
         "\n" + extra + "data: {a: '1'}\n";
}

}  // namespace

TEST_CASE("deleting a namespace deletes what is in it and waits for it to go",
          "[process][cli][namespace]") {
  cluster c;
  auto ns = c.write("ns.yaml", "apiVersion: v1\nkind: Namespace\nmetadata: {name: staging}\n");
  REQUIRE(c.troupe({"apply", "-f", ns}).code == 0);
  REQUIRE(c.troupe({"apply", "-f", c.write("a.yaml", config_map("a", "staging"))}).code == 0);
  REQUIRE(c.troupe({"apply", "-f", c.write("b.yaml", config_map("b", "default"))}).code == 0);
  auto deleted = c.troupe({"delete", "ns", "staging"});
  CHECK(deleted.code == 0);
  CHECK(deleted.out == "namespace \"staging\" deleted\n");
  CHECK(c.troupe({"get", "ns", "staging"}).code == 1);
  CHECK(c.troupe({"get", "cm", "-n", "staging", "-o", "name"}).out.empty());
  CHECK(c.troupe({"get", "cm", "b", "-o", "name"}).out == "configmap/b\n");
  // A namespace of the same name starts empty.
  REQUIRE(c.troupe({"apply", "-f", ns}).code == 0);
  CHECK(c.troupe({"get", "cm", "-n", "staging", "-o", "name"}).out.empty());

  auto system = c.troupe({"delete", "ns", "kube-system"});
  CHECK(system.code == 1);
  CHECK(
      system.err ==
      "Error from server (Forbidden): namespaces \"kube-system\" is forbidden: this namespace may "
      "not be deleted\n");
}

TEST_CASE("an update of a fixed field is Invalid and changes nothing", "[process][cli]") {
  cluster c;
  auto deploy = [&](const std::string& selector) {
    return "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  selector: "
           "{matchLabels: " +
           selector + "}\n  template:\n    metadata: {labels: " + selector +
           "}\n    spec: {containers: [{name: c, image: busybox}]}\n";
  };
  REQUIRE(c.troupe({"apply", "-f", c.write("d.yaml", deploy("{app: web}"))}).code == 0);
  auto before = everything(c);
  auto refused = c.troupe({"apply", "-f", c.write("d2.yaml", deploy("{app: web, tier: x}"))});
  CHECK(refused.code == 1);
  CHECK_THAT(refused.err, Catch::Contains("spec.selector: Invalid value: field is immutable"));
  CHECK(everything(c) == before);
}

TEST_CASE("services get cluster IPs and node ports and taken ones are refused",
          "[process][cli][services]") {
  cluster c;
  auto svc = [&](const std::string& name, const std::string& ports) {
    return c.write(name + ".yaml",
                   "apiVersion: v1\nkind: Service\nmetadata: {name: " + name +
                       "}\nspec: {type: NodePort, selector: {app: x}, ports: " + ports + "}\n");
  };
  REQUIRE(c.troupe({"apply", "-f", svc("a", "[{port: 80, nodePort: 30080}]")}).code == 0);
  auto ip = c.troupe({"get", "svc", "a", "-o", "jsonpath={.spec.clusterIP}"}).out;
  CHECK(ip.rfind("127.16.", 0) == 0);
  auto taken = c.troupe({"apply", "-f", svc("b", "[{port: 80, nodePort: 30080}]")});
  CHECK(taken.code == 1);
  CHECK_THAT(
      taken.err,
      Catch::Contains(
          "spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated"));
  auto out_of_range = c.troupe({"apply", "-f", svc("b", "[{port: 80, nodePort: 80}]")});
  CHECK(out_of_range.code == 1);
  CHECK_THAT(out_of_range.err,
             Catch::Contains("provided port is not in the valid range. The range of valid ports is "
                             "30000-32767"));
  CHECK(c.troupe({"get", "svc", "b"}).code == 1);
  // Applying the same file again keeps the address.
  REQUIRE(c.troupe({"apply", "-f", svc("a", "[{port: 80, nodePort: 30080}]")}).out ==
          "service/a unchanged\n");
  CHECK(c.troupe({"get", "svc", "a", "-o", "jsonpath={.spec.clusterIP}"}).out == ip);
  // What a dry run, a create refused as AlreadyExists or a deleted Service asked for is free
  // at once for the next one.
  auto with_ip = [&](const std::string& name, const std::string& cluster_ip, int port) {
    return c.write(name + ".yaml", "apiVersion: v1\nkind: Service\nmetadata: {name: " + name +
                                       "}\nspec: {type: NodePort, clusterIP: " + cluster_ip +
                                       ", selector: {app: x}, ports: [{port: 80, nodePort: " +
                                       std::to_string(port) + "}]}\n");
  };
  REQUIRE(c.troupe({"create", "-f", with_ip("d1", "127.16.0.220", 30970), "--dry-run=server"}).code == 0);
  REQUIRE(c.troupe({"create", "-f", with_ip("d2", "127.16.0.220", 30970)}).code == 0);
  CHECK(c.troupe({"create", "-f", with_ip("d2", "127.16.0.221", 30971)}).code == 1);  // AlreadyExists
  REQUIRE(c.troupe({"create", "-f", with_ip("d3", "127.16.0.221", 30971)}).code == 0);
  REQUIRE(c.troupe({"delete", "svc", "d2", "d3"}).code == 0);
  CHECK(c.troupe({"create", "-f", with_ip("d4", "127.16.0.220", 30970)}).code == 0);
  CHECK(c.troupe({"create", "-f", with_ip("d5", "127.16.0.221", 30971)}).code == 0);
}

TEST_CASE("patch --type json applies RFC 6902 operations", "[process][cli]") {
  cluster c;
  REQUIRE(
      c.troupe({"apply", "-f",
                c.write("a.yaml", config_map("a", "default", "  finalizers: [example.com/x]\n"))})
          .code == 0);
  REQUIRE(c.troupe({"delete", "cm", "a", "--wait=false"}).code == 0);
  CHECK(c.troupe({"get", "cm", "a", "-o", "name"}).out ==
        "configmap/a\n");  // held by its finalizer
  auto failed = c.troupe({"patch", "cm", "a", "--type", "json", "-p",
                          R"([{"op":"test","path":"/data/a","value":"2"}])"});
  CHECK(failed.code == 1);
  CHECK_THAT(
      failed.err,
      Catch::Contains("json patch operation 0 (test /data/a): testing value /data/a failed"));
  CHECK(c.troupe({"patch", "cm", "a", "--type", "yaml", "-p", "{}"}).err ==
        "error: --type must be one of [json merge strategic], not \"yaml\"\n");
  auto released = c.troupe({"patch", "cm", "a", "--type", "JSON", "-p",
                            R"([{"op":"remove","path":"/metadata/finalizers/0"}])"});
  CHECK(released.code == 0);
  CHECK(c.troupe({"get", "cm", "a"}).code == 1);  // the last finalizer gone, so is the object
}

TEST_CASE("delete --cascade decides what happens to the dependents", "[process][cli][gc]") {
  cluster c;
  auto owned = [&](const std::string& name, const std::string& owner_uid) {
    return c.write(
        name + ".yaml",
        config_map(name, "default",
                   "  ownerReferences: [{apiVersion: v1, kind: ConfigMap, name: owner, uid: " +
                       owner_uid + ", blockOwnerDeletion: true}]\n"));
  };
  auto uid_of = [&](const std::string& name) {
    return c.troupe({"get", "cm", name, "-o", "jsonpath={.metadata.uid}"}).out;
  };
  auto owner = c.write("owner.yaml", config_map("owner", "default"));
  auto gone = [&](const std::string& name) {
    for (int i = 0; i < 100; ++i) {
      if (c.troupe({"get", "cm", name, "--ignore-not-found", "-o", "name"}).out.empty())
        return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  };

  // Background (the default): the dependent follows its owner.
  REQUIRE(c.troupe({"apply", "-f", owner}).code == 0);
  REQUIRE(c.troupe({"apply", "-f", owned("dep", uid_of("owner"))}).code == 0);
  CHECK(c.troupe({"delete", "cm", "owner"}).out == "configmap \"owner\" deleted\n");
  CHECK(gone("dep"));

  // Orphan: it stays, without the reference.
  REQUIRE(c.troupe({"apply", "-f", owner}).code == 0);
  REQUIRE(c.troupe({"apply", "-f", owned("dep", uid_of("owner"))}).code == 0);
  CHECK(c.troupe({"delete", "cm", "owner", "--cascade=orphan"}).code ==
        0);  // waits for the owner to go
  CHECK(c.troupe({"get", "cm", "owner", "--ignore-not-found", "-o", "name"}).out.empty());
  CHECK(c.troupe({"get", "cm", "dep", "-o", "jsonpath={.metadata.ownerReferences}"})
            .out.find("uid") == std::string::npos);

  // Foreground: the owner waits for its dependents (those that block it), and delete for
  // the owner, so both are gone when it returns.
  REQUIRE(c.troupe({"delete", "cm", "dep"}).code == 0);
  REQUIRE(c.troupe({"apply", "-f", owner}).code == 0);
  REQUIRE(c.troupe({"apply", "-f", owned("dep", uid_of("owner"))}).code == 0);
  CHECK(c.troupe({"delete", "cm", "owner", "--cascade=foreground"}).code == 0);
  CHECK(c.troupe({"get", "cm", "owner", "dep", "--ignore-not-found", "-o", "name"}).out.empty());

  auto bad = c.troupe({"delete", "cm", "x", "--cascade=sideways"});
  CHECK(bad.code == 1);
  CHECK(bad.err ==
        "error: invalid cascade value (sideways). Must be \"background\", \"foreground\", or "
        "\"orphan\"\n");
  // kubectl's old boolean spellings, as Go reads a boolean, with its deprecation warning.
  REQUIRE(c.troupe({"apply", "-f", owner}).code == 0);
  auto old = c.troupe({"delete", "cm", "owner", "--cascade=F"});
  CHECK(old.code == 0);
  CHECK(old.err == "warning: --cascade=F is deprecated (boolean value) and can be replaced with --cascade=orphan.\n");
}

namespace {
// A self-signed test certificate (CN=troupe-test, P-256, valid until 2126), its key, and
// a key of another pair. Made for these tests only.
const char* const test_cert =
    R"(-----BEGIN CERTIFICATE-----
MIIBgzCCASmgAwIBAgIUT0NZRziJrEv9xv9imdhsuALfbFwwCgYIKoZIzj0EAwIw
FjEUMBIGA1UEAwwLdHJvdXBlLXRlc3QwIBcNMjYxMjAyMDM0ODMxWhgPMjEyNjEx
MDgwMzQ4MzFaMBYxFDASBgNVBAMMC3Ryb3VwZS10ZXN0MFkwEwYHKoZIzj0CAQYI
KoZIzj0DAQcDQgAE7fNhi0AjLc0708jU4FGvOvnIcCqp/WW60OmqSx/k0wIsvBfc
Dm/vuABKwLJtyt81SAwCsA4437oC3i+nRkZxM6NTMFEwHQYDVR0OBBYEFNQCXpZr
uSgrURgOpQMQHharo732MB8GA1UdIwQYMBaAFNQCXpZruSgrURgOpQMQHharo732
MA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZIzj0EAwIDSAAwRQIhAL3D14CmbL++XPVc
MgGhbqAjQNsw6vUW65SuOxSwtAVbAiAo7xTyHhXeMSlcsyPZLRrjLOY5nWZwkIKW
ZvDwtjwwVw==
-----END CERTIFICATE-----
)";
const char* const test_key =
    R"(-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg53eQ+AU9Q/VRiqQA
ny4vfVqFS6q3uckzHoTFW8NOYHShRANCAATt82GLQCMtzTvTyNTgUa86+chwKqn9
ZbrQ6apLH+TTAiy8F9wOb++4AErAsm3K3zVIDAKwDjjfugLeL6dGRnEz
-----END PRIVATE KEY-----
)";
const char* const other_key =
    R"(-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg7f4ab4zWuj+d6gZK
VbRGNVlYg39tEiwjTTHrgqmOaGChRANCAASmtKAzngnIEfmZFf+8upzMy9IOCGEJ
8H/rhOuSlOPORyOl1bMg2FTISvInWvSe1/jzJrVd/lww1WIwQXc3p+gS
-----END PRIVATE KEY-----
)";
}  // namespace

TEST_CASE("create makes services jobs cron jobs rbac objects and typed secrets", "[process][cli]") {
  cluster c;
  CHECK(c.troupe({"create", "service", "clusterip", "web", "--tcp=80:8080,443"}).out == "service/web created\n");
  CHECK(c.troupe({"get", "svc", "web", "-o",
                  "jsonpath={.spec.type} {.spec.selector.app} {.spec.ports[*].name} {.spec.ports[*].targetPort}"})
            .out == "ClusterIP web 80-8080 443 8080 443");
  CHECK(c.troupe({"create", "svc", "nodeport", "np", "--tcp=80", "--node-port=30080"}).code == 0);
  CHECK(c.troupe({"get", "svc", "np", "-o", "jsonpath={.spec.ports[0].nodePort}"}).out == "30080");
  CHECK(c.troupe({"create", "service", "externalname", "ext", "--external-name=example.com"}).code == 0);
  CHECK(c.troupe({"get", "svc", "ext", "-o", "jsonpath={.spec.selector.app}"}).out == "ext");  // as kubectl sets it
  // A dry run prints what kubectl prints, empty Go fields and all.
  CHECK(c.troupe({"create", "deployment", "web", "--image=nginx", "--dry-run=client", "-o", "yaml"}).out ==
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  creationTimestamp: null\n  labels:\n    app: web\n"
        "  name: web\nspec:\n  replicas: 1\n  selector:\n    matchLabels:\n      app: web\n  strategy: {}\n"
        "  template:\n    metadata:\n      creationTimestamp: null\n      labels:\n        app: web\n    spec:\n"
        "      containers:\n      - image: nginx\n        name: nginx\n        resources: {}\nstatus: {}\n");
  CHECK(c.troupe({"create", "secret", "generic", "s", "--from-literal=a=b", "--dry-run=client", "-o", "yaml"}).out ==
        "apiVersion: v1\ndata:\n  a: Yg==\nkind: Secret\nmetadata:\n  creationTimestamp: null\n  name: s\n");
  {  // --from-env-file: KEY=VALUE lines, comments and blank lines skipped, a bare KEY from the
     // environment (none here); keys checked as kubectl checks them.
    troupe::testing::temp_dir dir("troupe-envfile");
    std::ofstream(dir.path() + "/app.env") << "# settings\nMODE=fast\n\n  LEVEL=debug=2\nTROUPE_UNSET_VARIABLE\n";
    std::ofstream(dir.path() + "/bad.env") << "1BAD=x\n";
    std::ofstream(dir.path() + "/bad key") << "x";
    CHECK(c.troupe({"create", "configmap", "env", "--from-env-file=" + dir.path() + "/app.env", "--dry-run=client",
                    "-o", "jsonpath={.data}"})
              .out == R"({"LEVEL":"debug=2","MODE":"fast","TROUPE_UNSET_VARIABLE":""})");
    CHECK(c.troupe({"create", "secret", "generic", "env", "--from-env-file=" + dir.path() + "/bad.env"}).err ==
          "error: \"1BAD\" is not a valid key name: a valid environment variable name must consist of alphabetic "
          "characters, digits, '_', '-', or '.', and must not start with a digit (e.g. 'my.env-name',  or "
          "'MY_ENV.NAME',  or 'MyEnvName1', regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')\n");
    CHECK(c.troupe({"create", "configmap", "env", "--from-env-file=" + dir.path() + "/app.env", "--from-literal=a=b"})
              .err == "error: from-env-file cannot be combined with from-file or from-literal\n");
    // --template with -o jsonpath or go-template, as with get.
    CHECK(c.troupe({"create", "configmap", "t", "--from-literal=a=b", "--dry-run=client", "-o", "go-template",
                    "--template={{.data.a}}"})
              .out == "b");
    // A subcommand's failure in kubectl's words, not as if from a file.
    REQUIRE(c.troupe({"create", "configmap", "dup"}).code == 0);
    CHECK(c.troupe({"create", "configmap", "dup"}).err ==
          "error: failed to create configmap: configmaps \"dup\" already exists\n");
    CHECK(c.troupe({"create", "namespace", "default"}).err ==
          "Error from server (AlreadyExists): namespaces \"default\" already exists\n");
    // Each subcommand takes only its own flags, as kubectl's.
    CHECK(c.troupe({"create", "configmap", "x", "--from-literal=a=b", "--tcp=80"}).err == "error: unknown flag: --tcp\n");
    CHECK(c.troupe({"create", "-f", dir.path() + "/app.env", "--image=nginx"}).err == "error: unknown flag: --image\n");
    CHECK_THAT(c.troupe({"create", "configmap", "dir", "--from-file=" + dir.path()}).err,
               Catch::StartsWith("error: \"bad key\" is not a valid key name for a ConfigMap: a valid config key must"));
    CHECK_THAT(c.troupe({"create", "secret", "generic", "dir", "--from-file=" + dir.path()}).err,
               Catch::StartsWith("error: \"bad key\" is not valid key name for a Secret a valid config key must"));
    // kubectl's file sources: a directory takes no key name, nor is it an env file; '=' placed badly.
    auto refused = [&](std::vector<std::string> args) {
      args.insert(args.end(), {"--dry-run=client", "-o", "name"});
      auto r = c.troupe(args);
      CHECK(r.out.empty());
      return r.err;
    };
    CHECK(refused({"create", "configmap", "k", "--from-file=k=" + dir.path()}) ==
          "error: cannot give a key name for a directory path\n");
    CHECK(refused({"create", "configmap", "k", "--from-env-file=" + dir.path()}) ==
          "error: env config file cannot be a directory\n");
    CHECK(refused({"create", "secret", "generic", "k", "--from-env-file=" + dir.path()}) ==
          "error: env secret file cannot be a directory\n");
    CHECK(refused({"create", "configmap", "k", "--from-file==p"}) == "error: key name for file path p missing\n");
    CHECK(refused({"create", "configmap", "k", "--from-file=k="}) == "error: file path for key name k missing\n");
    CHECK(refused({"create", "configmap", "k", "--from-file=a=b=c"}) ==
          "error: key names or file paths cannot contain '='\n");
    CHECK(refused({"create", "configmap", "k", "--from-literal=a=1", "--from-literal=a=2"}) ==
          "error: cannot add key \"a\", another key by that name already exists in Data for ConfigMap \"k\"\n");
    CHECK(refused({"create", "secret", "generic", "k", "--from-literal=a=1", "--from-literal=a=2"}) ==
          "error: cannot add key a, another key by that name already exists\n");
  }
  // An explicit -n is written into what a dry run prints; cluster-scoped kinds take none.
  CHECK_THAT(c.troupe({"create", "configmap", "cm", "-n", "kube-public", "--dry-run=client", "-o", "yaml"}).out,
             Catch::Contains("  namespace: kube-public\n"));
  CHECK_THAT(c.troupe({"create", "clusterrole", "cr", "--verb=get", "--resource=pods", "-n", "kube-public",
                       "--dry-run=client", "-o", "yaml"}).out,
             !Catch::Contains("namespace:"));
  CHECK(c.troupe({"create", "service", "clusterip", "headless", "--clusterip=None"}).code == 0);
  CHECK(c.troupe({"create", "service", "clusterip", "named", "--tcp=80:http"}).code == 0);
  CHECK(c.troupe({"get", "svc", "named", "-o", "jsonpath={.spec.ports[0].targetPort}"}).out == "http");
  CHECK(c.troupe({"create", "service", "clusterip", "x"}).err ==
        "error: at least one tcp port specifier must be provided\n");
  // kubectl's parsePorts: a uint16 port (0 too), a target number or name, more only in the name.
  auto tcp = [&](const std::string& spec) {
    auto r = c.troupe({"create", "service", "clusterip", "t", "--tcp=" + spec, "--dry-run=client", "-o",
                       "jsonpath={.spec.ports[0].name} {.spec.ports[0].port} {.spec.ports[0].targetPort}"});
    return r.out + r.err;
  };
  CHECK(tcp("80:90:100") == "80-90-100 80 90");
  CHECK(tcp("0") == "0 0 0");
  CHECK(tcp("abc") == "error: strconv.ParseUint: parsing \"abc\": invalid syntax\n");
  CHECK(tcp("70000") == "error: strconv.ParseUint: parsing \"70000\": value out of range\n");
  CHECK(tcp("80:0") == "error: must be between 1 and 65535, inclusive\n");
  CHECK(tcp("80:Http_x") == "error: must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)\n");
  CHECK(c.troupe({"create", "service", "externalname", "e", "--external-name=Bad_Name", "--dry-run=client"}).err ==
        "error: invalid service external name Bad_Name\n");

  CHECK(c.troupe({"create", "cronjob", "cj", "--image=busybox", "--schedule=*/5 * * * *", "--", "date"}).out ==
        "cronjob.batch/cj created\n");
  CHECK(c.troupe({"get", "cj", "cj", "-o",
                  "jsonpath={.spec.schedule} {.spec.jobTemplate.spec.template.spec.restartPolicy} "
                  "{.spec.jobTemplate.spec.template.spec.containers[0].command}"})
            .out == "*/5 * * * * OnFailure [\"date\"]");
  CHECK(c.troupe({"create", "job", "now", "--from=cronjob/cj"}).out == "job.batch/now created\n");
  CHECK(c.troupe({"get", "job", "now", "-o",
                  "jsonpath={.metadata.ownerReferences[0].name} "
                  "{.metadata.annotations.cronjob\\.kubernetes\\.io/instantiate} "
                  "{.spec.template.spec.containers[0].image}"})
            .out == "cj manual busybox");
  // Current kubectl's reference names the cron job its controller (so its history limits count
  // the job), without blockOwnerDeletion; an explicit -n is written into a dry run.
  CHECK(c.troupe({"get", "job", "now", "-o", "jsonpath={.metadata.ownerReferences[0].controller}"}).out == "true");
  CHECK(c.troupe({"get", "job", "now", "-o", "jsonpath={.metadata.ownerReferences[0].blockOwnerDeletion}"}).out.empty());
  CHECK_THAT(c.troupe({"create", "job", "dry", "--from=cronjob/cj", "-n", "default", "--dry-run=client", "-o", "yaml"}).out,
             Catch::Contains("  namespace: default\n"));
  CHECK(c.troupe({"create", "job", "once", "--image=busybox", "--", "echo", "hi"}).code == 0);
  CHECK(c.troupe({"get", "job", "once", "-o", "jsonpath={.spec.template.spec.restartPolicy}"}).out == "Never");

  CHECK(c.troupe({"create", "job", "x", "--from=cronjob/cj", "--image=y"}).err ==
        "error: either --image or --from must be specified\n");
  CHECK(c.troupe({"create", "job", "x"}).err == "error: either --image or --from must be specified\n");
  CHECK(c.troupe({"create", "job", "--image=y"}).err == "error: exactly one NAME is required, got 0\n");
  CHECK(c.troupe({"create", "job", "x", "--from=nope/cj"}).err == "error: the server doesn't have a resource type \"nope\"\n");
  CHECK(c.troupe({"create", "job", "x", "--from=cronjob"}).err == "error: from must be an existing cronjob\n");
  CHECK(c.troupe({"create", "job", "x", "--from=job/once"}).err == "error: unknown object type *v1.Job\n");
  // cobra's required flags come before the NAME; a cron job's restart policy is the server's to check.
  CHECK(c.troupe({"create", "cronjob"}).err == "error: required flag(s) \"image\", \"schedule\" not set\n");
  CHECK_THAT(c.troupe({"create", "cronjob", "cj2", "--image=b", "--schedule=* * * * *", "--restart=Always"}).err,
             Catch::StartsWith("error: failed to create cronjob: CronJob.batch \"cj2\" is invalid: "
                               "spec.jobTemplate.spec.template.spec.restartPolicy: Required value"));
  CHECK(c.troupe({"create", "job", "x", "--from=cronjob/cj", "--", "date"}).err ==
        "error: cannot specify --from and command\n");
  CHECK(c.troupe({"create", "deployment", "x", "--image=a", "--image=b", "--", "date"}).err ==
        "error: cannot specify multiple --image options and command\n");
  CHECK(c.troupe({"create", "job", "x", "--from=cronjob/none"}).err ==
        "Error from server (NotFound): cronjobs.batch \"none\" not found\n");

  CHECK(c.troupe({"create", "role", "reader", "--verb=get,list", "--verb=watch", "--resource=deploy,po,pods/log,pods"})
            .code == 0);
  CHECK(c.troupe({"get", "role", "reader", "-o",
                  "jsonpath={range .rules[*]}[{.apiGroups[0]}:{.resources}:{.verbs}]{end}"})
            .out == "[:[\"pods\",\"pods/log\"]:[\"get\",\"list\",\"watch\"]]"
                    "[apps:[\"deployments\"]:[\"get\",\"list\",\"watch\"]]");
  // kubectl warns of a verb that is not standard and goes on; repeats go, '*' stands for all.
  auto flying = c.troupe({"create", "role", "r", "--verb=fly,get,fly", "--resource=pods", "--resource-name=a,a",
                          "--dry-run=client", "-o", "jsonpath={.rules[0].verbs} {.rules[0].resourceNames}"});
  CHECK(flying.err == "Warning: 'fly' is not a standard resource verb\n");
  CHECK(flying.out == "[\"fly\",\"get\"] [\"a\"]");
  CHECK(c.troupe({"create", "role", "r", "--verb=get,*", "--resource=pods", "--dry-run=client", "-o",
                  "jsonpath={.rules[0].verbs}"}).out == "[\"*\"]");
  auto role_error = [&](std::vector<std::string> args) {
    args.insert(args.end(), {"--dry-run=client", "-o", "name"});
    return c.troupe(args).err;
  };
  CHECK(role_error({"create", "role", "r", "--verb=use", "--resource=pods"}) ==
        "error: can not perform 'use' on 'pods' in group ''\n");
  CHECK(role_error({"create", "role", "r", "--verb=get", "--resource=/scale"}) ==
        "error: resource must be specified if apiGroup/subresource specified\n");
  CHECK(role_error({"create", "role", "r", "--verb=get", "--resource=gizmos"}) == "error: no matches for /, Resource=gizmos\n");
  CHECK(role_error({"create", "clusterrole", "r", "--verb=get"}) ==
        "error: one of resource or nonResourceURL must be specified\n");
  CHECK(role_error({"create", "clusterrole", "r", "--verb=list", "--non-resource-url=/x"}) ==
        "error: invalid verb: 'list' for nonResourceURL\n");
  CHECK(role_error({"create", "clusterrole", "r", "--verb=get", "--non-resource-url=x"}) ==
        "error: nonResourceURL should start with /\n");
  CHECK(role_error({"create", "clusterrole", "r", "--verb=get", "--non-resource-url=/a*/b"}) ==
        "error: nonResourceURL only supports wildcard matches when '*' is at the end\n");
  CHECK(c.troupe({"create", "clusterrole", "health", "--verb=get,post", "--non-resource-url=/healthz,/logs/*"}).code == 0);
  // An aggregated ClusterRole: the rule alone, its rules null as kubectl sends them.
  CHECK(
      c.troupe({"create", "clusterrole", "monitoring",
                "--aggregation-rule=rbac.example.com/aggregate-to-monitoring=true",
                "--dry-run=client", "-o", "yaml"})
          .out ==
      "aggregationRule:\n  clusterRoleSelectors:\n  - matchLabels:\n      "
      "rbac.example.com/aggregate-to-monitoring: \"true\"\napiVersion: "
      "rbac.authorization.k8s.io/v1\n"
      "kind: ClusterRole\nmetadata:\n  creationTimestamp: null\n  name: monitoring\nrules: null\n");
  CHECK(c.troupe({"create", "clusterrole", "monitoring", "--aggregation-rule=a=b,c=d"}).code == 0);
  CHECK(c.troupe({"get", "clusterrole", "monitoring", "-o",
                  "jsonpath={.aggregationRule.clusterRoleSelectors[0].matchLabels}"})
            .out == "{\"a\":\"b\",\"c\":\"d\"}");
  CHECK(role_error({"create", "clusterrole", "r", "--aggregation-rule=a"}) ==
        "error: invalid argument \"a\" for \"--aggregation-rule\" flag: a must be formatted as "
        "key=value\n");
  CHECK(role_error({"create", "clusterrole", "r", "--aggregation-rule="}) ==
        "error: at least one verb must be specified\n");  // an empty rule is none
  CHECK(role_error({"create", "clusterrole", "r", "--aggregation-rule=a=b", "--verb=get"}) ==
        "error: aggregation rule must be specified without nonResourceURLs, verbs, resources or "
        "resourceNames\n");
  CHECK(c.troupe({"create", "rolebinding", "rb", "--role=reader", "--user=alice", "--serviceaccount=default:bot"})
            .code == 0);
  CHECK(c.troupe({"get", "rolebinding", "rb", "-o",
                  "jsonpath={.roleRef.kind}/{.roleRef.name} {.subjects[*].kind} {.subjects[1].namespace}"})
            .out == "Role/reader User ServiceAccount default");
  CHECK(c.troupe({"create", "clusterrolebinding", "crb", "--clusterrole=health", "--group=ops"}).code == 0);
  CHECK(c.troupe({"create", "rolebinding", "none", "--user=a"}).err ==
        "error: exactly one of clusterrole or role must be specified\n");
  CHECK(c.troupe({"create", "rolebinding", "sa", "--role=r", "--serviceaccount=bot"}).err ==
        "error: serviceaccount must be <namespace>:<name>\n");

  auto cert = c.write("tls.crt", test_cert), key = c.write("tls.key", test_key), other = c.write("other.key", other_key);
  CHECK(c.troupe({"create", "secret", "tls", "site", "--cert=" + cert, "--key=" + key}).code == 0);
  CHECK(c.troupe({"get", "secret", "site"}).out.find("kubernetes.io/tls   2") != std::string::npos);
  // Go's tls.X509KeyPair errors as kubectl prints them.
  CHECK(c.troupe({"create", "secret", "tls", "wrong", "--cert=" + cert, "--key=" + other}).err ==
        "error: tls: private key does not match public key\n");
  CHECK(c.troupe({"create", "secret", "tls", "wrong", "--cert=" + key, "--key=" + cert}).err ==
        "error: tls: failed to find certificate PEM data in certificate input, but did find a private key; PEM "
        "inputs may have been switched\n");
  CHECK(c.troupe({"create", "secret", "tls", "wrong", "--cert=" + cert}).err == "error: key and cert must be specified\n");
  CHECK(c.troupe({"create", "secret", "tls", "wrong", "--cert=/nope", "--key=" + key}).err ==
        "error: Cannot read file /nope, open /nope: no such file or directory\n");
  CHECK(c.troupe({"create", "secret", "docker-registry", "pull", "--docker-username=u"}).err ==
        "error: either --from-file or the combination of --docker-username, --docker-password and --docker-server is "
        "required\n");
  CHECK(c.troupe({"create", "secret", "docker-registry", "pull", "--docker-username=u", "--docker-password=p"})
            .code == 0);
  CHECK(c.troupe({"get", "secret", "pull", "-o", "jsonpath={.type}"}).out == "kubernetes.io/dockerconfigjson");
  CHECK(c.troupe({"create", "secret", "opaque", "x"}).err ==
        "error: troupe create secret: unknown type \"opaque\" (generic, tls or docker-registry)\n");
  // Nothing of what was refused was stored.
  for (auto [kind, name] : {std::pair{"svc", "x"}, {"job", "x"}, {"role", "r"}, {"rolebinding", "none"},
                            {"secret", "wrong"}, {"secret", "x"}})
    CHECK(c.troupe({"get", kind, name}).code == 1);
}

TEST_CASE("expose makes a Service for a deployment a pod or a service", "[process][cli]") {
  cluster c;
  REQUIRE(c.troupe({"create", "deployment", "web", "--image=nginx", "--port=8080"}).code == 0);
  CHECK(c.troupe({"expose", "deployment", "web", "--port=80", "--target-port=8080"}).out == "service/web exposed\n");
  CHECK(c.troupe({"get", "svc", "web", "-o",
                  "jsonpath={.metadata.labels.app} {.spec.selector.app} {.spec.ports[0].port}:{.spec.ports[0].targetPort}"})
            .out == "web web 80:8080");
  // Without --port, the ports the pods declare.
  CHECK(c.troupe({"expose", "deploy/web", "--name=web-np", "--type=NodePort"}).code == 0);
  CHECK(c.troupe({"get", "svc", "web-np", "-o", "jsonpath={.spec.type} {.spec.ports[0].port}"}).out ==
        "NodePort 8080");
  REQUIRE(c.troupe({"run", "p", "--image=x", "--port=9000", "--labels=app=p,tier=a"}).code == 0);
  CHECK(c.troupe({"expose", "pod", "p", "--name=p-svc"}).code == 0);
  CHECK(c.troupe({"get", "svc", "p-svc", "-o", "jsonpath={.spec.selector.tier} {.spec.ports[0].port}"}).out ==
        "a 9000");
  CHECK(c.troupe({"expose", "svc", "p-svc", "--name=again", "--port=81", "--dry-run=client", "-o", "name"}).out ==
        "service/again\n");
  CHECK(c.troupe({"get", "svc", "again"}).code == 1);

  REQUIRE(c.troupe({"create", "cm", "c"}).code == 0);
  CHECK(c.troupe({"expose", "cm", "c"}).err == "error: cannot expose a ConfigMap\n");
  REQUIRE(c.troupe({"run", "portless", "--image=x"}).code == 0);
  CHECK(c.troupe({"expose", "pod", "portless"}).err == "error: couldn't find port via --port flag or introspection\n");
  CHECK(c.troupe({"expose", "pod", "portless", "--cluster-ip=None"}).out == "service/portless exposed\n");  // headless
  CHECK(c.troupe({"expose", "deploy", "nope", "--port=1"}).err ==
        "Error from server (NotFound): deployments.apps \"nope\" not found\n");
  CHECK(c.troupe({"get", "svc", "portless", "-o", "jsonpath={.spec.clusterIP}"}).out == "None");

  // kubectl's PortsForObject: each port once; one declared on two protocols is a port for each.
  REQUIRE(c.troupe({"create", "-f", "-"}, "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: dup}\nspec:\n"
                                          "  selector: {matchLabels: {app: dup}}\n  template:\n"
                                          "    metadata: {labels: {app: dup}}\n    spec:\n      containers:\n"
                                          "      - {name: a, image: i, ports: [{containerPort: 8080}, {containerPort: 53, "
                                          "protocol: UDP}, {containerPort: 53}]}\n"
                                          "      - {name: b, image: i, ports: [{containerPort: 8080}]}\n")
              .code == 0);
  CHECK(c.troupe({"expose", "deploy", "dup", "-l", "team=x", "--session-affinity=ClientIP"}).out == "service/dup exposed\n");
  CHECK(c.troupe({"get", "svc", "dup", "-o",
                  "jsonpath={range .spec.ports[*]}{.name}={.port}/{.protocol} {end}{.metadata.labels} "
                  "{.spec.sessionAffinity}"})
            .out == "port-1=8080/TCP port-2-udp=53/UDP port-2-tcp=53/TCP {\"team\":\"x\"} ClientIP");
  // Its errors are kubectl's, naming no file.
  CHECK(c.troupe({"expose", "deploy", "dup"}).err == "Error from server (AlreadyExists): services \"dup\" already exists\n");
  CHECK(c.troupe({"expose", "deploy", "dup", "--name=x", "--selector=a"}).err == "error: unexpected label spec: a\n");
  CHECK(c.troupe({"expose", "deploy", "dup", "--name=x", "--port=abc"}).err ==
        "error: strconv.Atoi: parsing \"abc\": invalid syntax\n");
  CHECK(c.troupe({"expose", "deploy", "dup", "--name=x", "--session-affinity=Sticky"}).err ==
        "error: unknown session affinity: Sticky\n");
  REQUIRE(c.troupe({"create", "job", "j", "--image=i"}).code == 0);
  CHECK(c.troupe({"expose", "job", "j", "--port=80"}).err == "error: cannot expose a Job.batch\n");
  REQUIRE(c.troupe({"run", "bare", "--image=x", "--port=80", "-l", "a=b"}).code == 0);
  REQUIRE(c.troupe({"label", "pod", "bare", "a-"}).code == 0);
  CHECK(c.troupe({"expose", "pod", "bare"}).err ==
        "error: couldn't retrieve selectors via --selector flag or introspection: the pod has no labels and cannot be "
        "exposed\n");
}

TEST_CASE("create makes objects from kubectl's generators and scale sets replicas",
          "[process][cli]") {
  cluster c;
  auto literal = c.write("motd.txt", "hello\n");
  CHECK(c.troupe({"create", "namespace", "staging"}).out == "namespace/staging created\n");
  CHECK(c.troupe({"create", "configmap", "cfg", "-n", "staging", "--from-literal=a=1",
                  "--from-file=" + literal})
            .out == "configmap/cfg created\n");
  CHECK(
      c.troupe({"get", "cm", "cfg", "-n", "staging", "-o", "jsonpath={.data.a}/{.data.motd\\.txt}"})
          .out == "1/hello\n");
  CHECK(c.troupe({"create", "secret", "generic", "s", "--from-literal=pw=x"}).out ==
        "secret/s created\n");
  CHECK(c.troupe({"get", "secret", "s", "-o", "jsonpath={.data.pw}"}).out == "eA==");
  CHECK(c.troupe({"create", "serviceaccount", "robot"}).out == "serviceaccount/robot created\n");
  CHECK(c.troupe({"create", "deployment", "web", "--image=nginx:1.25", "--replicas=2"}).out ==
        "deployment.apps/web created\n");
  CHECK(
      c.troupe({"get", "deploy", "web", "-o", "jsonpath={.spec.template.spec.containers[0].name}"})
          .out == "nginx");

  // kubectl's container names: '_' and '.' made '-', then a random suffix; nothing else changes.
  CHECK(c.troupe({"create", "deployment", "app", "--image=registry.local/team/my_app.v2:1@sha256:abc"}).code == 0);
  CHECK_THAT(c.troupe({"get", "deploy", "app", "-o", "jsonpath={.spec.template.spec.containers[0].name}"}).out,
             Catch::Matches("my-app-v2-[bcdfghjklmnpqrstvwxz2456789]{5}"));
  CHECK_THAT(c.troupe({"create", "deployment", "upper", "--image=My_App"}).err,
             Catch::StartsWith("error: failed to create deployment: Deployment.apps \"upper\" is invalid: "
                               "spec.template.spec.containers[0].name: Invalid value: \"My-App-"));
  // --image is a list (repeated or comma-separated), -r the replicas, --port the first container's.
  auto many = c.troupe({"create", "deployment", "many", "--image=nginx,redis", "--image=busybox", "-r", "3",
                        "--port=0", "--dry-run=client", "-o",
                        "jsonpath={.spec.replicas} {.spec.template.spec.containers[*].name} "
                        "{.spec.template.spec.containers[*].ports[*].containerPort}"});
  CHECK(many.out == "3 nginx redis busybox 0");
  CHECK(c.troupe({"create", "deployment", "neg", "--image=nginx", "--replicas=-1"}).err ==
        "error: failed to create deployment: Deployment.apps \"neg\" is invalid: spec.replicas: Invalid value: -1: "
        "must be greater than or equal to 0\n");
  // Through create -f, kubectl's own line names the kind alone.
  CHECK(c.troupe({"create", "-f", "-"}, "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: neg}\nspec:\n"
                                        "  replicas: -1\n  selector: {matchLabels: {a: b}}\n  template:\n"
                                        "    metadata: {labels: {a: b}}\n    spec: {containers: [{name: c, image: i}]}\n")
            .err == "The Deployment \"neg\" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0\n");
  std::filesystem::create_directories(c.write("x", "") + "-dir");
  auto dir = c.write("x-dir/a.txt", "A");
  c.write("x-dir/b.txt", "B");
  CHECK(
      c.troupe({"create", "cm", "from-dir", "--from-file=" + dir.substr(0, dir.rfind('/'))}).code ==
      0);
  CHECK(c.troupe({"get", "cm", "from-dir", "-o", "jsonpath={.data.a\\.txt}{.data.b\\.txt}"}).out ==
        "AB");

  CHECK(c.troupe({"scale", "deployment/web", "--replicas=5"}).out ==
        "deployment.apps/web scaled\n");
  CHECK(c.troupe({"get", "deploy", "web", "-o", "jsonpath={.spec.replicas}"}).out == "5");
  // -o prints the object as it now is (kubectl scale and replace take it too).
  CHECK(c.troupe({"scale", "deploy", "web", "--replicas=4", "-o", "jsonpath={.spec.replicas}"}).out == "4");
  CHECK(c.troupe({"scale", "deploy", "web", "--replicas=6", "--dry-run=client", "-o", "jsonpath={.spec.replicas}"})
            .out == "6");
  auto replaced = c.troupe({"get", "deploy", "web", "-o", "yaml"}).out;
  CHECK(c.troupe({"replace", "-f", "-", "-o", "name"}, replaced).out == "deployment.apps/web\n");
  REQUIRE(c.troupe({"scale", "deploy", "web", "--replicas=5"}).code == 0);
  auto stale = c.troupe({"scale", "deploy", "web", "--replicas=1", "--current-replicas=2"});
  CHECK(stale.code == 1);
  CHECK_THAT(stale.err, Catch::Contains("Expected replicas to be 2, was 5"));
  auto not_scalable = c.troupe({"scale", "cm", "cfg", "-n", "staging", "--replicas=1"});
  CHECK(not_scalable.code == 1);
  // By label or every one, as kubectl's -l and --all; a version precondition for one object.
  REQUIRE(c.troupe({"create", "deployment", "api", "--image=nginx", "-n", "staging"}).code == 0);
  CHECK(c.troupe({"scale", "deploy", "-l", "app=web", "--replicas=3"}).out == "deployment.apps/web scaled\n");
  CHECK(c.troupe({"get", "deploy", "-o", "jsonpath={.items[*].spec.replicas}"}).out == "1 3");
  CHECK(c.troupe({"scale", "deploy", "--all", "--replicas=0"}).out ==
        "deployment.apps/app scaled\ndeployment.apps/web scaled\n");
  CHECK(c.troupe({"get", "deploy", "-A", "-o", "jsonpath={.items[*].spec.replicas}"}).out == "0 0 1");
  CHECK(c.troupe({"scale", "deploy", "--all", "-l", "app=web", "--replicas=1"}).err ==
        "error: cannot set --all and --selector at the same time\n");
  CHECK(c.troupe({"scale", "deploy", "web", "app", "--replicas=1", "--resource-version=1"}).err ==
        "error: cannot use --resource-version with multiple resources\n");
  auto version = c.troupe({"get", "deploy", "web", "-o", "jsonpath={.metadata.resourceVersion}"}).out;
  auto old_version = c.troupe({"scale", "deploy", "web", "--replicas=2", "--resource-version=1"});
  CHECK(old_version.code == 1);
  CHECK(old_version.err == "error: Expected resource version to be 1, was " + version + "\n");
  CHECK(c.troupe({"scale", "deploy", "web", "--replicas=2", "--resource-version=" + version}).code == 0);
  CHECK(c.troupe({"get", "deploy", "web", "-o", "jsonpath={.spec.replicas}"}).out == "2");
  auto unknown = c.troupe({"create", "widget", "w"});
  CHECK(unknown.code == 1);
  CHECK_THAT(unknown.err, Catch::Contains("unknown generator"));
  auto no_image = c.troupe({"create", "deployment", "x"});
  CHECK(no_image.err == "error: required flag(s) \"image\" not set\n");
}

TEST_CASE("a new cluster has Kubernetes' bootstrap roles and makes missing ones again at start",
          "[process][rbac]") {
  cluster c;
  auto names = c.troupe({"get", "clusterroles", "-o", "name"}).out;
  for (auto role : {"cluster-admin", "admin", "edit", "view", "system:aggregate-to-admin",
                    "system:aggregate-to-edit", "system:aggregate-to-view"})
    CHECK_THAT(names, Catch::Contains(std::string("clusterrole.rbac.authorization.k8s.io/") + role +
                                      "\n"));
  CHECK(c.troupe({"get", "clusterrolebinding", "cluster-admin", "-o",
                  "jsonpath={.roleRef.name} {.subjects[0].kind} {.subjects[0].name}"})
            .out == "cluster-admin Group system:masters");
  // admin, edit and view get their rules from the aggregate-to roles: admin holds edit's and
  // view's too.
  auto aggregated = [&](const char* role) {
    std::string resources;
    troupe::testing::eventually(
        [&] {
          resources =
              c.troupe({"get", "clusterrole", role, "-o", "jsonpath={.rules[*].resources}"}).out;
          return resources.find("pods/log") != std::string::npos;
        },
        std::chrono::seconds(30));
    return resources;
  };
  CHECK_THAT(aggregated("admin"), Catch::Contains("rolebindings") &&
                                      Catch::Contains("\"secrets\"") &&
                                      Catch::Contains("pods/log"));
  CHECK_THAT(aggregated("view"), Catch::Contains("pods/log") && !Catch::Contains("\"secrets\""));
  // At the next start, as Kubernetes reconciles them: a role deleted is made again, one that
  // lost a rule, a label or a subject gets it back and keeps what was added; one whose
  // autoupdate annotation is "false" is left as it is.
  REQUIRE(c.troupe({"delete", "clusterrole", "edit"}).code == 0);
  REQUIRE(
      c.troupe({"label", "clusterrole", "view", "mine=yes", "kubernetes.io/bootstrapping-"}).code ==
      0);
  REQUIRE(c.troupe({"patch", "clusterrole", "system:aggregate-to-admin", "--type=json", "-p",
                    R"([{"op":"remove","path":"/rules/0"}])"})
              .code == 0);
  REQUIRE(
      c.troupe(
           {"patch", "clusterrolebinding", "cluster-admin", "--type=merge", "-p",
            R"({"subjects":[{"kind":"User","name":"alice","apiGroup":"rbac.authorization.k8s.io"}]})"})
          .code == 0);
  REQUIRE(c.troupe({"annotate", "clusterrole", "system:aggregate-to-view",
                    "rbac.authorization.kubernetes.io/autoupdate=false", "--overwrite"})
              .code == 0);
  REQUIRE(c.troupe({"patch", "clusterrole", "system:aggregate-to-view", "--type=json", "-p",
                    R"([{"op":"remove","path":"/rules/0"}])"})
              .code == 0);
  auto view_rules =
      c.troupe({"get", "clusterrole", "system:aggregate-to-view", "-o", "jsonpath={.rules}"}).out;
  c.stop();
  c.start();
  CHECK(c.troupe({"get", "clusterrole", "edit", "-o", "name"}).out ==
        "clusterrole.rbac.authorization.k8s.io/edit\n");
  CHECK(c.troupe(
             {"get", "clusterrole", "view", "-o",
              "jsonpath={.metadata.labels.mine} {.metadata.labels.kubernetes\\.io/bootstrapping}"})
            .out == "yes rbac-defaults");
  CHECK_THAT(c.troupe({"get", "clusterrole", "system:aggregate-to-admin", "-o",
                       "jsonpath={.rules[*].resources}"})
                 .out,
             Catch::Contains("localsubjectaccessreviews"));
  CHECK(
      c.troupe({"get", "clusterrolebinding", "cluster-admin", "-o", "jsonpath={.subjects[*].name}"})
          .out == "alice system:masters");
  CHECK(
      c.troupe({"get", "clusterrole", "system:aggregate-to-view", "-o", "jsonpath={.rules}"}).out ==
      view_rules);
}
