// The text of `troupe VERB --help`: kubectl's layout, troupe's verbs and flags.

#include "runtime/cli/help.hpp"

#include <algorithm>
#include <sstream>
#include <vector>

#include "runtime/base/error.hpp"
#include "runtime/base/text.hpp"
#include "runtime/cli/context.hpp"

namespace troupe::cli {
namespace {

struct verb_text {
  const char* summary;
  const char* examples;  ///< "# what\ncommand\n..." pairs
  const char* usage;
};

const std::map<std::string, verb_text>& verb_texts() {
  static const std::map<std::string, verb_text> table = {
      {"get",
       {"Display one or many resources: a table by default, or the objects themselves with -o.",
        "# List all pods in ps output format\ntroupe get pods\n"
        "# List pods with more information (such as node name), in every namespace\n"
        "troupe get pods -A -o wide\n"
        "# List pods and services together\ntroupe get pods,services\n"
        "# Print one field of a pod\ntroupe get pod web -o jsonpath='{.status.podIP}'\n"
        "# Watch pods with a label for changes\ntroupe get pods -l app=web --watch",
        "troupe get [(-o|--output=)FORMAT] (TYPE[,TYPE...] [NAME... | -l label] | TYPE/NAME... | "
        "-f FILENAME) [flags]"}},
      {"apply",
       {"Apply a configuration to resources by file name or stdin: objects that do not exist are "
        "created, the others are updated in place by a three-way merge with the configuration "
        "last applied (kept in the kubectl.kubernetes.io/last-applied-configuration "
        "annotation). Subcommands: view-last-applied (TYPE NAME | TYPE/NAME | -f FILENAME) "
        "prints that record as YAML or JSON; set-last-applied -f FILENAME sets it to the file's "
        "configuration and changes nothing else.",
        "# Apply the configuration in pod.yaml to a pod\ntroupe apply -f ./pod.yaml\n"
        "# Apply every manifest under a directory\ntroupe apply -R -f ./manifests/\n"
        "# Apply the YAML passed into stdin\ncat pod.yaml | troupe apply -f -\n"
        "# Show the configuration last applied to deployment web, as JSON\n"
        "troupe apply view-last-applied deployment/web -o json\n"
        "# Record deploy.yaml as last applied to its objects, creating the record if missing\n"
        "troupe apply set-last-applied -f deploy.yaml --create-annotation",
        "troupe apply (-f FILENAME) [flags]\n  troupe apply view-last-applied (TYPE [NAME] | "
        "TYPE/NAME | -f FILENAME) "
        "[flags]\n  troupe apply set-last-applied -f FILENAME [flags]"}},
      {"create",
       {"Create resources from files or stdin, or one object made from the flags of a "
        "subcommand: namespace, serviceaccount, configmap, secret generic|tls|docker-registry, "
        "service clusterip|nodeport|loadbalancer|externalname, deployment, job, cronjob, ingress, "
        "priorityclass, role, clusterrole, rolebinding, clusterrolebinding.",
        "# Create the objects in pod.yaml\ntroupe create -f ./pod.yaml\n"
        "# Create a config map from literal values\n"
        "troupe create configmap app-config --from-literal=mode=fast\n"
        "# Create a deployment running nginx with 3 replicas\n"
        "troupe create deployment web --image=nginx --replicas=3\n"
        "# Print the service that would be made, without creating it\n"
        "troupe create service clusterip web --tcp=80:8080 --dry-run=client -o yaml",
        "troupe create -f FILENAME [flags] | troupe create SUBCOMMAND NAME [flags]"}},
      {"run",
       {"Create and run a particular image in a pod (labelled run=NAME unless -l says "
        "otherwise).",
        "# Start a pod running nginx\ntroupe run nginx --image=nginx\n"
        "# Start a pod with a command of its own\n"
        "troupe run sleeper --image=busybox --restart=Never --command -- sleep 3600\n"
        "# Start a pod and a service for it on port 80\n"
        "troupe run web --image=nginx --port=80 --expose",
        "troupe run NAME --image=image [--env=\"key=value\"] [--port=port] "
        "[--dry-run=server|client] "
        "[--overrides=inline-json] [--command] -- [COMMAND] [args...] [flags]"}},
      {"expose",
       {"Expose a pod, service, deployment or replica set as a new Service, selecting the "
        "same pods.",
        "# Create a service for deployment web, serving on port 80 and connecting to 8080\n"
        "troupe expose deployment web --port=80 --target-port=8080\n"
        "# Create a NodePort service for a pod\ntroupe expose pod valid-pod --port=444 "
        "--type=NodePort",
        "troupe expose (TYPE NAME | TYPE/NAME) [--port=port] [--protocol=TCP|UDP|SCTP] "
        "[--target-port=number-or-name] [--name=name] [--external-ip=external-ip] [--type=type] "
        "[flags]"}},
      {"config",
       {"Show or change the client config: view, current-context, get-contexts, use-context, "
        "set-context --current --namespace=NS.",
        "# Show the client config\ntroupe config view\n"
        "# Make kube-system the namespace of later commands\n"
        "troupe config set-context --current --namespace=kube-system",
        "troupe config SUBCOMMAND [flags]"}},
      {"api-versions",
       {"Print the supported API versions on the server, in the form of \"group/version\".",
        "# Print the supported API versions\ntroupe api-versions", "troupe api-versions"}},
      {"cluster-info",
       {"Display the address of the control plane, after checking that it answers.",
        "# Print the address of the control plane\ntroupe cluster-info", "troupe cluster-info"}},
      {"set",
       {"Change fields of existing objects: `set image` the images of containers, `set env` "
        "their environment (pods, and the pod templates of workloads).",
        "# Set the nginx container of deployment web to image nginx:1.25\n"
        "troupe set image deployment/web nginx=nginx:1.25\n"
        "# Set an environment variable in every container of a deployment\n"
        "troupe set env deployment/web MODE=fast\n"
        "# Remove it again, and list what is left\n"
        "troupe set env deployment/web MODE-\ntroupe set env deployment/web --list",
        "troupe set image (TYPE NAME | TYPE -l SEL | TYPE --all) "
        "CONTAINER_NAME_1=CONTAINER_IMAGE_1 ... | "
        "troupe set env (TYPE NAME | -l SEL) KEY_1=VAL_1 ... KEY_N- [flags]"}},
      {"explain",
       {"Describe the fields of a resource kind and their types, down a path of fields.",
        "# The fields of a pod\ntroupe explain pods\n"
        "# The fields of a container, in a pod's spec\ntroupe explain pods.spec.containers",
        "troupe explain TYPE[.FIELD...] [--recursive] [flags]"}},
      {"diff",
       {"Show what `apply -f` would change, as `diff -u` of the live objects and the merged "
        "ones. Exits 0 when nothing would change, 1 when something would, above 1 on an error.",
        "# What applying pod.yaml would change\ntroupe diff -f pod.yaml",
        "troupe diff -f FILENAME [flags]"}},
      {"replace",
       {"Replace whole objects by file name or stdin: each must exist, and is updated to exactly "
        "the manifest (with --force deleted and created again).",
        "# Replace a pod using the data in pod.json\ntroupe replace -f ./pod.json\n"
        "# Delete and re-create it\ntroupe replace --force -f ./pod.json",
        "troupe replace -f FILENAME [flags]"}},
      {"delete",
       {"Delete resources by file names, stdin, resources and names, or by resources and label "
        "selector. By default it waits until each object is gone: its finalizers done, a pod "
        "stopped within its grace period.",
        "# Delete a pod using the type and name specified in pod.json\ntroupe delete -f "
        "./pod.json\n"
        "# Delete pods and services with the same names\ntroupe delete pod,service baz foo\n"
        "# Delete pods with the label name=myLabel\ntroupe delete pods -l name=myLabel\n"
        "# Delete a pod with minimal delay\ntroupe delete pod foo --now\n"
        "# Delete every pod in the namespace\ntroupe delete pods --all",
        "troupe delete ([-f FILENAME] | TYPE [(NAME | -l label | --all)]) [flags]"}},
      {"describe",
       {"Show details of a specific resource or group of resources: its fields, conditions, "
        "owner and the events about it.",
        "# Describe a node\ntroupe describe nodes n1\n"
        "# Describe a pod\ntroupe describe pods/nginx\n"
        "# Describe pods with the label name=myLabel\ntroupe describe pods -l name=myLabel",
        "troupe describe (-f FILENAME | TYPE [NAME_PREFIX | -l label] | TYPE/NAME) [flags]"}},
      {"label",
       {"Update the labels on a resource: KEY=VALUE sets one, KEY- removes it. An existing label "
        "changes only with --overwrite.",
        "# Label pod foo with unhealthy=true\ntroupe label pods foo unhealthy=true\n"
        "# Change it\ntroupe label --overwrite pods foo unhealthy=false\n"
        "# Remove it\ntroupe label pods foo unhealthy-",
        "troupe label [--overwrite] (TYPE NAME | TYPE -l SEL | TYPE --all) "
        "KEY_1=VAL_1 ... KEY_N=VAL_N [--resource-version=version] [flags]"}},
      {"annotate",
       {"Update the annotations on a resource: KEY=VALUE sets one, KEY- removes it. An existing "
        "annotation changes only with --overwrite.",
        "# Annotate pod foo with description='my frontend'\n"
        "troupe annotate pods foo description='my frontend'\n"
        "# Remove it\ntroupe annotate pods foo description-",
        "troupe annotate [--overwrite] (TYPE NAME | TYPE -l SEL | TYPE --all) "
        "KEY_1=VAL_1 ... KEY_N=VAL_N [--resource-version=version] [flags]"}},
      {"patch",
       {"Update fields of a resource using a strategic merge patch (lists of containers, ports, "
        "env ... merged by their keys), a JSON merge patch, or a JSON patch.",
        "# Partially update a node using a strategic merge patch\n"
        "troupe patch node n1 -p '{\"spec\":{\"unschedulable\":true}}'\n"
        "# Update a container's image; spec.containers[*].name is the merge key\n"
        "troupe patch pod valid-pod -p "
        "'{\"spec\":{\"containers\":[{\"name\":\"web\",\"image\":\"nginx:1.25\"}]}}'\n"
        "# The same with a JSON patch\n"
        "troupe patch pod valid-pod --type=json -p='[{\"op\": \"replace\", \"path\": "
        "\"/spec/containers/0/image\", \"value\":\"nginx:1.25\"}]'",
        "troupe patch (TYPE NAME | TYPE/NAME) [-p PATCH|--patch-file FILE] [flags]"}},
      {"edit",
       {"Edit a resource in $KUBE_EDITOR or $EDITOR (else vi) and apply it on save. When the "
        "change cannot be applied, a copy of it is kept in a temporary file, named in the "
        "error.",
        "# Edit the service named registry\ntroupe edit svc/registry",
        "troupe edit (TYPE NAME | TYPE/NAME)"}},
      {"scale",
       {"Set a new size for a deployment, replica set or stateful set.",
        "# Scale deployment web to 3 replicas\ntroupe scale --replicas=3 deployment/web\n"
        "# Only if it has 2 now\ntroupe scale --current-replicas=2 --replicas=3 deployment/web\n"
        "# Every deployment labelled app=web, or every one in the namespace\n"
        "troupe scale deployment -l app=web --replicas=2\ntroupe scale deployment --all "
        "--replicas=0",
        "troupe scale [--resource-version=version] [--current-replicas=count] --replicas=COUNT "
        "(-f FILENAME | TYPE NAME | TYPE -l SELECTOR | TYPE --all) [flags]"}},
      {"wait",
       {"Wait for a specific condition on one or many resources. The watch starts from the "
        "revision the objects were read at, so no change in between is missed.",
        "# Wait for pod busybox1 to contain the status condition of type Ready\n"
        "troupe wait --for=condition=Ready pod/busybox1\n"
        "# Wait for it to be deleted, with a timeout of 60 seconds\n"
        "troupe wait --for=delete pod/busybox1 --timeout=60s\n"
        "# Wait for a field to have a value\n"
        "troupe wait --for=jsonpath='{.status.phase}'=Running pod/busybox1",
        "troupe wait (resource.group/resource.name | resource.group "
        "[(-l label | --all)]) [--for=create|--for=delete|--for condition=available|"
        "--for=jsonpath='{}'[=value]] [flags]"}},
      {"api-resources",
       {"Print the supported API resources on the server.",
        "# Print the supported API resources\ntroupe api-resources\n"
        "# Print the namespaced ones, by name only\ntroupe api-resources --namespaced=true -o name",
        "troupe api-resources [flags]"}},
      {"version",
       {"Print the client and server version information.",
        "# Print the client and server versions\ntroupe version\n"
        "# Only the client's, as JSON\ntroupe version --client -o json",
        "troupe version [flags]"}},
      {"completion",
       {"Output shell completion code for bash.",
        "# Load completion into the current shell\nsource <(troupe completion bash)",
        "troupe completion bash"}},
      {"logs",
       {"Print the logs for a container in a pod. If the pod has only one container, the "
        "container name is optional.",
        "# Return snapshot logs from pod nginx with only one container\ntroupe logs nginx\n"
        "# Begin streaming the logs of the web container in pod nginx\ntroupe logs -f -c web "
        "nginx\n"
        "# The last 20 lines of every pod labelled app=nginx, prefixed with their source\n"
        "troupe logs -l app=nginx --tail=20 --prefix\n"
        "# The logs of the container's previous run\ntroupe logs -p nginx",
        "troupe logs [-f] [-p] (POD | TYPE/NAME | -l SEL) [-c CONTAINER] [flags]"}},
      {"exec",
       {"Execute a command in a container and print its output; the exit code is the "
        "command's. There is no TTY: -i gives the command this terminal's input up to end of "
        "file.",
        "# Get output from running the 'date' command in pod mypod\ntroupe exec mypod -- date\n"
        "# In the ruby container of the pod\ntroupe exec mypod -c ruby -- date\n"
        "# Pass stdin to the command\necho hello | troupe exec -i mypod -- cat",
        "troupe exec (POD | TYPE/NAME) [-c CONTAINER] [flags] -- COMMAND [args...]"}},
      {"cp",
       {"Copy files and directories to and from containers (a tar stream through exec: the "
        "container needs tar).",
        "# Copy /tmp/foo from the local machine to /tmp/bar in a pod\n"
        "troupe cp /tmp/foo mypod:/tmp/bar\n"
        "# Copy /tmp/foo from a pod's container to the local machine\n"
        "troupe cp mypod:/tmp/foo /tmp/bar -c web",
        "troupe cp <file-spec-src> <file-spec-dest> [flags]   (a file spec is PATH or "
        "[NAMESPACE/]POD:PATH)"}},
      {"events",
       {"Display events: what happened to objects, oldest first.",
        "# The recent events in the default namespace\ntroupe events\n"
        "# In every namespace\ntroupe events -A\n"
        "# The events about pod web, as they come\ntroupe events --for pod/web --watch\n"
        "# Warnings only\ntroupe events --types=Warning",
        "troupe events [(-o|--output=)FORMAT] [--for TYPE/NAME] [--watch] [flags]"}},
      {"cordon",
       {"Mark a node as unschedulable.", "# Mark node n1 as unschedulable\ntroupe cordon n1",
        "troupe cordon NODE [flags]"}},
      {"uncordon",
       {"Mark a node as schedulable.", "# Mark node n1 as schedulable\ntroupe uncordon n1",
        "troupe uncordon NODE [flags]"}},
      {"drain",
       {"Drain a node in preparation for maintenance: cordon it, then delete its pods, each "
        "with its grace period, and wait until they are gone. Pods no controller manages need "
        "--force, DaemonSet pods --ignore-daemonsets, pods with emptyDir data "
        "--delete-emptydir-data.",
        "# Drain node n1, even if there are pods not managed by a controller\n"
        "troupe drain n1 --force\n"
        "# As above, giving each pod 15 seconds to stop\ntroupe drain n1 --force --grace-period=15",
        "troupe drain NODE [flags]"}},
      {"taint",
       {"Update the taints on one or more nodes: KEY[=VALUE]:EFFECT adds one (effect "
        "NoSchedule, PreferNoSchedule or NoExecute), KEY[:EFFECT]- removes them.",
        "# Taint node n1 with key dedicated, value special-user and effect NoSchedule\n"
        "troupe taint nodes n1 dedicated=special-user:NoSchedule\n"
        "# Remove the taints with key dedicated\ntroupe taint nodes n1 dedicated-",
        "troupe taint nodes NAME KEY_1=VAL_1:TAINT_EFFECT_1 ... KEY_N=VAL_N:TAINT_EFFECT_N "
        "[flags]"}},
      {"token",
       {"Create, list or delete join tokens: `troupe agent --server HOST:PORT --token TOKEN` joins "
        "another node with one.",
        "# A token for a new node\ntroupe token create --description 'rack 2'\n\n"
        "# The tokens, and one deleted\ntroupe token list\ntroupe token delete abcdef",
        "troupe token create [--description TEXT] [--ttl DURATION] | list | delete TOKEN..."}},
  };
  return table;
}

std::vector<std::string> words(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

// kubectl's wrapping: lines of at most `width` characters after `indent` (an option's text is
// indented by a tab).
void write_wrapped(std::ostream& out, const std::string& text, const char* indent, size_t width) {
  size_t used = 0;
  for (auto& w : words(text)) {
    if (used > 0 && used + 1 + w.size() > width) {
      out << "\n";
      used = 0;
    }
    out << (used == 0 ? indent : " ") << w;
    used += (used == 0 ? 0 : 1) + w.size();
  }
  out << "\n";
}

void write_options(std::ostream& out, const std::string& verb, std::vector<flag_spec> specs) {
  std::sort(specs.begin(), specs.end(), [](auto& a, auto& b) { return a.name < b.name; });
  for (auto& spec : specs) {
    const flag_help* help = find_flag_help(verb, spec.name);
    std::string fallback = help && *help->fallback ? help->fallback
                           : spec.takes_value      ? "''"
                                                   : "false";
    out << "    " << (spec.short_name ? std::string("-") + spec.short_name + ", " : "") << "--"
        << spec.name << "=" << fallback << ":\n";
    write_wrapped(out, help ? help->text : "", "\t", 92);
    out << "\n";
  }
}

}  // namespace

const flag_help* find_flag_help(const std::string& verb, const std::string& flag) {
  auto& helps = flag_helps();
  if (auto i = helps.find(verb + "/" + flag); i != helps.end()) return &i->second;
  if (auto i = helps.find(flag); i != helps.end()) return &i->second;
  return nullptr;
}

std::string verb_help(const std::string& verb) {
  auto found = verb_texts().find(verb);
  TROUPE_REQUIRE(found != verb_texts().end(), api_errc::bad_request,
                 "unknown command " + quote(verb));
  const verb_text& text = found->second;
  std::ostringstream out;
  write_wrapped(out, text.summary, "", 100);
  out << "\nExamples:\n";
  for (auto& line : split(text.examples, '\n')) out << "  " << line << "\n";
  std::vector<flag_spec> own, global;
  auto globals = cli_flags("");
  for (auto& spec : cli_flags(verb)) {
    bool is_global =
        std::any_of(globals.begin(), globals.end(), [&](auto& g) { return g.name == spec.name; });
    (is_global ? global : own).push_back(spec);
  }
  if (!own.empty()) {
    out << "\nOptions:\n";
    write_options(out, verb, own);
  } else {
    out << "\n";
  }
  out << "Global options (every command takes them, also before its name):\n";
  write_options(out, verb, global);
  out << "Usage:\n  " << text.usage << "\n";
  return out.str();
}

}  // namespace troupe::cli
