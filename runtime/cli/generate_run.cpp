// kubectl's `run` (a pod, and with --expose its Service) and `expose` (a Service for what a
// pod, Service, Deployment or ReplicaSet selects).

#include <algorithm>

#include "runtime/base/error.hpp"
#include "runtime/base/text.hpp"
#include "runtime/cli/generate.hpp"
#include "runtime/cli/generate_parts.hpp"
#include "runtime/cli/printers.hpp"
#include "runtime/codec/json.hpp"
#include "runtime/codec/patch.hpp"
#include "runtime/object/validation.hpp"

namespace troupe::cli {

using codec::node;

namespace {

// KEY=VALUE from a flag's value; `error` (naming the flag) for anything else.
std::pair<std::string, std::string> key_value(const std::string& pair, const std::string& error) {
  auto eq = pair.find('=');
  TROUPE_REQUIRE(eq != std::string::npos && eq > 0, api_errc::bad_request, error);
  return {pair.substr(0, eq), pair.substr(eq + 1)};
}

// --labels/-l for run: "k=v,k2=v2".
node run_labels(const std::string& name, const parsed_flags& flags) {
  node labels = node::map();
  if (!flags.has("labels")) {
    labels.set("run", node::string(name));
    return labels;
  }
  for (auto& pair : split(flags.get("labels"), ',')) {
    auto [key, value] = key_value(pair, "--labels: invalid label spec " + quote(pair) + ", expected key=value");
    labels.set(key, node::string(value));
  }
  return labels;
}

}  // namespace

std::vector<std::string> run_manifests(const std::vector<std::string>& args,
                                       const std::vector<std::string>& after_dashes,
                                       const parsed_flags& flags) {
  TROUPE_REQUIRE(!args.empty(), api_errc::bad_request, "NAME is required for run");
  // Words after NAME are the container's arguments, as after -- (kubectl takes both).
  std::vector<std::string> command(args.begin() + 1, args.end());
  command.insert(command.end(), after_dashes.begin(), after_dashes.end());
  for (const char* attach : {"stdin", "tty", "attach", "rm"})
    TROUPE_REQUIRE(!flags.on(attach), api_errc::bad_request,
                   std::string("--") + attach +
                       ": attaching to a pod is not supported; run it, then use troupe logs or "
                       "troupe exec");
  auto images = flags.all("image");
  TROUPE_REQUIRE(!images.empty(), api_errc::bad_request, "required flag(s) \"image\" not set");
  TROUPE_REQUIRE(images.size() == 1, api_errc::bad_request, "--image: only one image may be given");
  const std::string& name = args[0];
  auto restart = flags.get("restart", "Always");
  TROUPE_REQUIRE(restart == "Always" || restart == "OnFailure" || restart == "Never",
                 api_errc::bad_request,
                 "invalid restart policy: " + restart + " (Always, OnFailure or Never)");
  TROUPE_REQUIRE(!flags.on("command") || !command.empty(), api_errc::bad_request,
                 "--command: a command is required after --");
  int port = positive_flag(flags, "port", 0);
  TROUPE_REQUIRE(!flags.on("expose") || port > 0, api_errc::bad_request,
                 "--port must be set when exposing a service");
  node labels = run_labels(name, flags);

  node pod = manifest_object("v1", "Pod", name);
  pod.find("metadata")->set("labels", labels);
  if (flags.has("annotations")) {
    node annotations = node::map();
    for (auto& pair : flags.all("annotations")) {
      auto [key, value] =
          key_value(pair, "--annotations: invalid annotation spec " + quote(pair) + ", expected key=value");
      annotations.set(key, node::string(value));
    }
    pod.find("metadata")->set("annotations", std::move(annotations));
  }
  node container = node::map();
  container.set("name", node::string(name));
  container.set("image", node::string(images[0]));
  if (!command.empty()) container.set(flags.on("command") ? "command" : "args", string_list(command));
  if (flags.has("image-pull-policy")) {
    auto policy = flags.get("image-pull-policy");
    TROUPE_REQUIRE(policy == "Always" || policy == "IfNotPresent" || policy == "Never",
                   api_errc::bad_request,
                   "invalid image pull policy: " + policy + " (Always, IfNotPresent or Never)");
    container.set("imagePullPolicy", node::string(policy));
  }
  if (port) {
    node p = node::map();
    p.set("containerPort", node::plain(std::to_string(port)));
    node ports = node::list();
    ports.push(std::move(p));
    container.set("ports", std::move(ports));
  }
  if (flags.has("env")) {
    node env = node::list();
    for (auto& pair : flags.all("env")) {
      auto [key, value] = key_value(pair, "--env: invalid env " + quote(pair) + ", expected NAME=VALUE");
      node var = node::map();
      var.set("name", node::string(key));
      var.set("value", node::string(value));
      env.push(std::move(var));
    }
    container.set("env", std::move(env));
  }
  node containers = node::list();
  containers.push(std::move(container));
  node spec = node::map();
  spec.set("containers", std::move(containers));
  spec.set("restartPolicy", node::string(restart));
  pod.set("spec", std::move(spec));
  if (flags.has("overrides")) {
    // kubectl's --overrides: a JSON merge patch over the generated pod.
    node patch;
    try {
      patch = codec::parse_json(flags.get("overrides"), "--overrides");
    } catch (const api_error& e) {
      throw api_error(api_errc::bad_request, e.message());
    }
    TROUPE_REQUIRE(patch.is_map(), api_errc::bad_request, "--overrides: expected a JSON object");
    pod = codec::merge_patch(pod, patch);
  }

  with_kubectl_scaffold(pod);
  std::vector<std::string> out{codec::to_json(pod)};
  if (flags.on("expose")) {
    node service = manifest_object("v1", "Service", name);
    node service_port = node::map();
    service_port.set("port", node::plain(std::to_string(port)));
    service_port.set("targetPort", node::plain(std::to_string(port)));
    node ports = node::list();
    ports.push(std::move(service_port));
    node service_spec = node::map();
    service_spec.set("ports", std::move(ports));
    service_spec.set("selector", labels);
    service.set("spec", std::move(service_spec));
    with_kubectl_scaffold(service);
    out.push_back(codec::to_json(service));
  }
  return out;
}

std::string exposed_service(const kind_info& kind, const codec::node& exposed, const parsed_flags& flags) {
  auto at = [&](std::initializer_list<std::string_view> path) { return lookup(exposed, path); };
  std::string name = at({"metadata", "name"}) ? at({"metadata", "name"})->text() : "";
  // The selector: --selector, else the object's own (kubectl's MapBasedSelectorForObject).
  node selector = node::map();
  if (flags.has("selector")) {
    for (auto& pair : split(flags.get("selector"), ',')) {
      std::string error = "--selector: only k=v pairs may be used, got " + quote(pair);
      TROUPE_REQUIRE(pair.find_first_of("!()") == std::string::npos, api_errc::bad_request, error);
      auto [key, value] = key_value(pair, error);
      selector.set(key, node::string(value));
    }
  } else if (kind.kind == "Pod") {
    if (const node* labels = at({"metadata", "labels"})) selector = *labels;
  } else if (kind.kind == "Service") {
    if (const node* s = at({"spec", "selector"})) selector = *s;
  } else if (kind.kind == "Deployment" || kind.kind == "ReplicaSet") {
    const node* expressions = at({"spec", "selector", "matchExpressions"});
    TROUPE_REQUIRE(!expressions || expressions->size() == 0, api_errc::bad_request,
                   "couldn't convert expressions of the " + kind.singular + " selector to a map-based "
                   "selector: pass --selector");
    if (const node* labels = at({"spec", "selector", "matchLabels"})) selector = *labels;
  } else {
    throw api_error(api_errc::bad_request, "cannot expose a " + kind.kind);
  }
  TROUPE_REQUIRE(selector.is_map() && selector.size() > 0, api_errc::bad_request,
                 "couldn't retrieve selectors via --selector flag or introspection: the " + kind.singular + " " +
                     quote(name) + " has none");

  // The ports: --port, else the object's (containers' ports, or a Service's ports).
  struct port_spec {
    std::string port, target, protocol;
  };
  std::vector<port_spec> ports;
  if (flags.has("port")) {
    int port = positive_flag(flags, "port", 0);
    TROUPE_REQUIRE(port > 0 && port < 65536, api_errc::bad_request, "--port: invalid value " + quote(flags.get("port")));
    ports.push_back({std::to_string(port), "", ""});
  } else if (kind.kind == "Service") {
    if (const node* list = at({"spec", "ports"}))
      for (auto& p : list->items())
        ports.push_back({p.find("port") ? p.find("port")->text() : "", "",
                         p.find("protocol") ? p.find("protocol")->text() : ""});
  } else {
    const node* pod_spec = kind.kind == "Pod" ? at({"spec"}) : at({"spec", "template", "spec"});
    const node* containers = pod_spec && pod_spec->is_map() ? pod_spec->find("containers") : nullptr;
    for (size_t i = 0; containers && i < containers->size(); ++i)
      if (const node* list = containers->items()[i].find("ports"))
        for (auto& p : list->items())
          ports.push_back({p.find("containerPort") ? p.find("containerPort")->text() : "", "",
                           p.find("protocol") ? p.find("protocol")->text() : ""});
  }
  bool headless = flags.get("cluster-ip") == "None";  // may have no ports, as kubectl allows
  TROUPE_REQUIRE(!ports.empty() || headless, api_errc::bad_request,
                 "couldn't find port via --port flag or introspection");

  node out = manifest_object("v1", "Service", flags.get("name", name));
  if (const node* labels = at({"metadata", "labels"}); labels && !flags.has("labels"))
    out.find("metadata")->set("labels", *labels);
  node list = node::list();
  for (size_t i = 0; i < ports.size(); ++i) {
    node p = node::map();
    if (ports.size() > 1) p.set("name", node::string("port-" + std::to_string(i + 1)));
    p.set("port", node::plain(ports[i].port));
    p.set("protocol", node::string(flags.get("protocol", ports[i].protocol.empty() ? "TCP" : ports[i].protocol)));
    std::string target = flags.get("target-port", ports[i].port);
    p.set("targetPort", parse_int(target) ? node::plain(target) : node::string(target));
    list.push(std::move(p));
  }
  node spec = node::map();
  if (list.size()) spec.set("ports", std::move(list));
  spec.set("selector", std::move(selector));
  if (flags.has("type")) spec.set("type", node::string(flags.get("type")));
  if (flags.has("cluster-ip")) spec.set("clusterIP", node::string(flags.get("cluster-ip")));
  if (flags.has("external-ip")) spec.set("externalIPs", string_list({flags.get("external-ip")}));
  out.set("spec", std::move(spec));
  with_kubectl_scaffold(out);
  return codec::to_json(out);
}

}  // namespace troupe::cli
