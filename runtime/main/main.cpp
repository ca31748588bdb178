// The one troupe binary: `troupe server` runs the control plane; other verbs are the CLI.

#include <algorithm>
#include <iostream>
#include <string>
#include <vector>

#include "runtime/base/error.hpp"
#include "runtime/base/text.hpp"
#include "runtime/agent/agent.hpp"
#include "runtime/cli/cli.hpp"
#include "runtime/process/shim.hpp"
#include "runtime/process/spawner.hpp"
#include "runtime/server/server.hpp"

namespace {

constexpr const char* usage =
    "troupe: a container orchestrator in the shape of Kubernetes\n"
    "\n"
    "usage: troupe COMMAND [flags]\n"
    "\n"
    "  server         run the control plane (--listen HOST:PORT, --data-dir DIR,\n"
    "                 --client-config FILE, --cluster-listen HOST:PORT, --disable-agent,\n"
    "                 --cgroup-root NAME, --log-level L, --config FILE)\n"
    "  agent          join a server as a node (--server HOST:PORT --token TOKEN [--name N]\n"
    "                 [--hollow-nodes N] [--pod-manifest-path DIR] [--cgroup-root NAME]\n"
    "                 [--data-dir DIR])\n"
    "\n"
    "kubectl's verbs, against the server in --server HOST:PORT, $TROUPE_SERVER or the client\n"
    "config ($TROUPE_CONFIG, else ~/.troupe/config):\n"
    "  apply -f FILE|DIR|-     create or update objects from manifests\n"
    "  diff -f FILE|DIR|-      what apply would change, as `diff -u` (exit 1 when it would)\n"
    "  create -f | replace -f  create, or replace whole objects (--dry-run on every change)\n"
    "  create namespace|serviceaccount|configmap|secret generic|tls|docker-registry|\n"
    "         service clusterip|nodeport|...|deployment|job|cronjob|role|clusterrole|\n"
    "         rolebinding|clusterrolebinding NAME   (kubectl's flags for each)\n"
    "  run NAME --image=I [--env K=V] [--port P [--expose]] [-l k=v] [--restart R]\n"
    "                          [--command] [-- COMMAND|ARGS...]   a pod (labelled run=NAME)\n"
    "  expose KIND NAME [--port P] [--target-port T] [--type T] [--name N]   a Service for it\n"
    "  get KIND[,KIND] [NAME...] | all   list or show objects (-n, -A, -l, --field-selector,\n"
    "                          -o wide|yaml|json|name|jsonpath=...|go-template=...|\n"
    "                          custom-columns=H:PATH,..., --sort-by=PATH, --watch)\n"
    "  describe KIND NAME      an object in detail, with its events\n"
    "  delete KIND NAME... | -f FILE | -l SEL | --all [-A] [--ignore-not-found]\n"
    "                          [--cascade=background|foreground|orphan]\n"
    "  label | annotate KIND NAME... | -l SEL | --all  k=v k-   (--overwrite)\n"
    "  patch KIND NAME -p JSON [--type strategic|merge|json]\n"
    "  scale KIND NAME --replicas=N [--current-replicas=M]\n"
    "  set image KIND NAME C=IMAGE... | set env KIND NAME K=V K-... [-c C] [--list]\n"
    "  edit KIND NAME          edit in $KUBE_EDITOR or $EDITOR and apply on save\n"
    "  wait KIND NAME --for=condition=C | delete | create | jsonpath='{..}'[=V]\n"
    "  logs POD|TYPE/NAME|-l SEL [-c C|--all-containers] [-f] [--prefix] [--previous]\n"
    "       [--tail N] [--since D] | exec POD|TYPE/NAME [-c C] -- CMD\n"
    "  cp SRC DEST             copy files to or from a container ([NAMESPACE/]POD:PATH)\n"
    "  events [--for TYPE/NAME] [--types T] [-w]   what happened to objects\n"
    "  cordon | uncordon | drain NODE [--force] [--grace-period S]\n"
    "  taint node NAME KEY[=VALUE]:EFFECT... | KEY[:EFFECT]-...   (--overwrite)\n"
    "  token create            a join token for another agent\n"
    "  config set-context --current --namespace=NS | view | get-contexts | current-context\n"
    "  explain RESOURCE[.FIELD...] [--recursive]   a kind's fields and their types\n"
    "  api-resources | api-versions | cluster-info | version | completion bash\n"
    "\n"
    "troupe COMMAND --help (or troupe help COMMAND): what a command does, its flags, examples.\n";

// `troupe server|agent ... --help`. A CLI verb's --help is run_cli's, which reads the verb's
// flags first, as kubectl does: an unknown flag is the error then, not the help.
int unknown_command(const std::string& command) {
  std::cerr << "error: unknown command " << troupe::quote(command) << " for \"troupe\"\n"
            << "Run 'troupe --help' for usage.\n";
  return 1;  // kubectl's exit code for it
}

bool asks_for_help(const std::vector<std::string>& args) {
  return std::any_of(args.begin(), args.end(), [](auto& a) { return a == "--help" || a == "-h"; });
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    std::cout << usage;
    return args.empty() ? 2 : 0;
  }
  // Global flags may come before the verb, as in `kubectl -n kube-system get pods`.
  size_t verb = troupe::cli::verb_position(args);
  if (verb == args.size()) {
    std::cerr << "error: no command after the flags\n\n" << usage;
    return 2;
  }
  std::string command = args[verb];
  args.erase(args.begin() + static_cast<long>(verb));
  if (command == "help") {  // `troupe help COMMAND` is `troupe COMMAND --help`
    size_t topic = troupe::cli::verb_position(args);
    if (topic == args.size() || args[topic] == "help") {
      std::cout << usage;
      return 0;
    }
    command = args[topic];
    args = {"--help"};
    if (command != "server" && command != "agent" && !troupe::cli::is_cli_command(command)) {
      return unknown_command(command);
    }
  }
  try {
    if (command == "shim") return troupe::run_shim(args);
    if (command == "shim-spawner") return troupe::run_shim_spawner(argc, argv);
    if ((command == "agent" || command == "server") && asks_for_help(args)) {
      std::cout << (command == "agent" ? troupe::agent_help() : troupe::server_help());
      return 0;
    }
    if (command == "agent") return troupe::run_agent(troupe::parse_agent_options(args), std::cout);
    if (command == "server") return troupe::run_server(troupe::parse_server_options(args), std::cout);
    if (troupe::cli::is_cli_command(command))
      return troupe::cli::run_cli(command, args, std::cin, std::cout, std::cerr);
    return unknown_command(command);
  } catch (const troupe::api_error& e) {
    std::cerr << "error: " << e.message() << "\n";
    return 1;
  }
}
