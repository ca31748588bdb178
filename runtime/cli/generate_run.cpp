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

// kubectl's ParseLabels (run's and expose's --labels, expose's --selector): "k=v,k2=v2".
node parse_labels(const std::string& spec) {
  node labels = node::map();
  for (auto& pair : split(spec, ',')) {
    auto parts = split(pair, '=');
    TROUPE_REQUIRE(parts.size() == 2, api_errc::bad_request, "unexpected label spec: " + pair);
    TROUPE_REQUIRE(!parts[0].empty(), api_errc::bad_request, "unexpected empty label key");
    labels.set(parts[0], node::string(parts[1]));
  }
  return labels;
}

// --labels/-l for run, else run=NAME.
node run_labels(const std::string& name, const parsed_flags& flags) {
  if (!flags.get("labels").empty()) return parse_labels(flags.get("labels"));
  node labels = node::map();
  labels.set("run", node::string(name));
  return labels;
}

// A port flag read as kubectl's strconv.Atoi reads it; its range is the server's to check.
int64_t atoi_flag(const parsed_flags& flags, const std::string& flag) {
  std::string text = flags.get(flag);
  auto n = parse_int(text);
  TROUPE_REQUIRE(n && *n >= INT32_MIN && *n <= INT32_MAX, api_errc::bad_request,
                 strconv_error("Atoi", text, n.has_value()));
  return *n;
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
                 api_errc::bad_request, "invalid restart policy: " + restart);
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
                   api_errc::bad_request, "invalid image pull policy: " + policy);
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
      // kubectl run's parseEnvs.
      auto eq = pair.find('=');
      TROUPE_REQUIRE(
          eq != std::string::npos && eq > 0 && check_env_var_name(pair.substr(0, eq)).empty(),
          api_errc::bad_request, "invalid env: " + pair);
      std::string key = pair.substr(0, eq), value = pair.substr(eq + 1);
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
    // kubectl's run --expose: the Service carries --labels (none without), selects the pod's.
    node service = manifest_object("v1", "Service", name);
    if (!flags.get("labels").empty()) service.find("metadata")->set("labels", labels);
    node service_port = node::map();
    service_port.set("port", node::plain(std::to_string(port)));
    service_port.set("protocol", node::string("TCP"));
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
  auto no_selector = [](const std::string& why) {
    return api_error(api_errc::bad_request,
                     "couldn't retrieve selectors via --selector flag or introspection: " + why);
  };
  if (flags.has("selector")) {
    selector = parse_labels(flags.get("selector"));
  } else if (kind.kind == "Pod") {
    if (const node* labels = at({"metadata", "labels"})) selector = *labels;
    if (selector.size() == 0) throw no_selector("the pod has no labels and cannot be exposed");
  } else if (kind.kind == "Service") {
    if (const node* s = at({"spec", "selector"})) selector = *s;
    if (selector.size() == 0) throw no_selector("the service has no pod selector set");
  } else if (kind.kind == "Deployment" || kind.kind == "ReplicaSet") {
    const node* expressions = at({"spec", "selector", "matchExpressions"});
    if (expressions && expressions->size() > 0) {
      // Go's %+v of the requirements, as kubectl prints them.
      std::string shown;
      for (auto& e : expressions->items()) {
        std::vector<std::string> values;
        if (const node* v = e.find("values"))
          for (auto& value : v->items()) values.push_back(value.text());
        shown += std::string(shown.empty() ? "" : " ") +
                 "{Key:" + (e.find("key") ? e.find("key")->text() : "") +
                 " Operator:" + (e.find("operator") ? e.find("operator")->text() : "") +
                 " Values:[" + join(values, " ") + "]}";
      }
      throw no_selector("couldn't convert expressions - \"[" + shown +
                        "]\" to map-based selector format");
    }
    if (const node* labels = at({"spec", "selector", "matchLabels"})) selector = *labels;
  } else {
    throw api_error(api_errc::bad_request, "cannot expose a " + kind.group_kind());
  }
  TROUPE_REQUIRE(selector.is_map() && selector.size() > 0, api_errc::bad_request,
                 "selector must be specified");

  // The ports: --port, else the object's (containers' ports, or a Service's ports), each port
  // once, with the protocols it is declared with (kubectl's PortsForObject, ProtocolsForObject).
  std::vector<std::pair<std::string, std::vector<std::string>>> ports;
  auto declare = [&](const std::string& port, const std::string& protocol) {
    auto known = std::find_if(ports.begin(), ports.end(), [&](auto& p) { return p.first == port; });
    if (known == ports.end()) known = ports.insert(ports.end(), {port, {}});
    auto& protocols = known->second;
    if (std::find(protocols.begin(), protocols.end(), protocol) == protocols.end())
      protocols.push_back(protocol);
  };
  auto protocol_of = [](const node& p) {
    return p.find("protocol") ? p.find("protocol")->text() : "TCP";
  };
  std::vector<std::pair<std::string, std::vector<std::string>>> declared;
  if (kind.kind == "Service") {
    if (const node* list = at({"spec", "ports"}))
      for (auto& p : list->items())
        declare(p.find("port") ? p.find("port")->text() : "", protocol_of(p));
  } else {
    const node* pod_spec = kind.kind == "Pod" ? at({"spec"}) : at({"spec", "template", "spec"});
    const node* containers = pod_spec && pod_spec->is_map() ? pod_spec->find("containers") : nullptr;
    for (size_t i = 0; containers && i < containers->size(); ++i)
      if (const node* list = containers->items()[i].find("ports"))
        for (auto& p : list->items())
          declare(p.find("containerPort") ? p.find("containerPort")->text() : "", protocol_of(p));
  }
  if (flags.has("port")) {
    std::string port = std::to_string(atoi_flag(flags, "port"));
    declared.swap(ports);
    auto known =
        std::find_if(declared.begin(), declared.end(), [&](auto& p) { return p.first == port; });
    ports.push_back(
        {port, known == declared.end() ? std::vector<std::string>{"TCP"} : known->second});
  }
  if (flags.has("protocol"))  // one protocol for every port, as kubectl stomps them
    for (auto& [port, protocols] : ports) protocols = {flags.get("protocol")};
  bool headless = flags.get("cluster-ip") == "None";  // may have no ports, as kubectl allows
  TROUPE_REQUIRE(!ports.empty() || headless, api_errc::bad_request,
                 "couldn't find port via --port flag or introspection");

  node out = manifest_object("v1", "Service", flags.get("name", name));
  if (flags.has("labels"))
    out.find("metadata")->set("labels", parse_labels(flags.get("labels")));
  else if (const node* labels = at({"metadata", "labels"}))
    out.find("metadata")->set("labels", *labels);
  node list = node::list();
  std::string target = flags.get("target-port");
  for (size_t i = 0; i < ports.size(); ++i) {
    auto& [port, protocols] = ports[i];
    for (auto& protocol : protocols) {
      node p = node::map();
      std::string index = std::to_string(i + 1);
      if (protocols.size() > 1)
        p.set("name", node::string("port-" + index + "-" + to_lower(protocol)));
      else if (ports.size() > 1)
        p.set("name", node::string("port-" + index));
      p.set("port", node::plain(port));
      p.set("protocol", node::string(protocol));
      std::string to = target.empty() ? port : target;
      p.set("targetPort", parse_int(to) ? node::plain(to) : node::string(to));
      list.push(std::move(p));
    }
  }
  node spec = node::map();
  if (list.size()) spec.set("ports", std::move(list));
  spec.set("selector", std::move(selector));
  if (flags.has("type")) spec.set("type", node::string(flags.get("type")));
  if (flags.get("type") == "LoadBalancer" && flags.has("load-balancer-ip"))
    spec.set("loadBalancerIP", node::string(flags.get("load-balancer-ip")));
  if (flags.has("session-affinity")) {
    auto affinity = flags.get("session-affinity");
    TROUPE_REQUIRE(affinity == "None" || affinity == "ClientIP", api_errc::bad_request,
                   "unknown session affinity: " + affinity);
    spec.set("sessionAffinity", node::string(affinity));
  }
  if (flags.has("cluster-ip")) spec.set("clusterIP", node::string(flags.get("cluster-ip")));
  if (flags.has("external-ip")) spec.set("externalIPs", string_list({flags.get("external-ip")}));
  out.set("spec", std::move(spec));
  with_kubectl_scaffold(out);
  return codec::to_json(out);
}

}  // namespace troupe::cli
