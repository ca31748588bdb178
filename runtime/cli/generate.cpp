#include "runtime/cli/generate.hpp"

#include <kj/encoding.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "runtime/base/error.hpp"
#include "runtime/base/text.hpp"
#include "runtime/codec/json.hpp"
#include "runtime/codec/patch.hpp"
#include "runtime/codec/tree.hpp"

namespace troupe::cli {
namespace {

using codec::node;

node object(const char* api_version, const char* kind, const std::string& name) {
  node out = node::map();
  out.set("apiVersion", node::string(api_version));
  out.set("kind", node::string(kind));
  node meta = node::map();
  meta.set("name", node::string(name));
  out.set("metadata", std::move(meta));
  return out;
}

std::string read_whole(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  TROUPE_REQUIRE(in, api_errc::bad_request,
                 "error reading " + path + ": no such file or directory");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// --from-literal=k=v and --from-file=[key=]path, in order; a key given twice is kubectl's error.
std::vector<std::pair<std::string, std::string>> entries(const parsed_flags& flags) {
  std::vector<std::pair<std::string, std::string>> out;
  auto add = [&](std::string key, std::string value) {
    for (auto& [k, v] : out)
      TROUPE_REQUIRE(k != key, api_errc::bad_request,
                     "cannot add key " + key + ", another key by that name already exists");
    out.emplace_back(std::move(key), std::move(value));
  };
  for (auto& literal : flags.all("from-literal")) {
    auto eq = literal.find('=');
    TROUPE_REQUIRE(eq != std::string::npos && eq > 0, api_errc::bad_request,
                   "invalid literal source " + literal + ", expected key=value");
    add(literal.substr(0, eq), literal.substr(eq + 1));
  }
  for (auto& source : flags.all("from-file")) {
    auto eq = source.find('=');
    std::string path = eq == std::string::npos ? source : source.substr(eq + 1);
    if (eq == std::string::npos && std::filesystem::is_directory(path)) {
      // A directory: one key per regular file in it, as kubectl does.
      std::vector<std::filesystem::path> files;
      for (auto& entry : std::filesystem::directory_iterator(path))
        if (entry.is_regular_file()) files.push_back(entry.path());
      std::sort(files.begin(), files.end());
      for (auto& file : files) add(file.filename().string(), read_whole(file.string()));
      continue;
    }
    std::string key = eq == std::string::npos ? std::filesystem::path(path).filename().string()
                                              : source.substr(0, eq);
    add(key, read_whole(path));
  }
  return out;
}

std::string image_name(const std::string& image) {
  // kubectl names the container after the image: its last path part, without tag or digest.
  std::string base = image.substr(image.rfind('/') == std::string::npos ? 0 : image.rfind('/') + 1);
  base = base.substr(0, base.find_first_of(":@"));
  // A DNS label: lower case, anything else a dash, no dash at either end.
  for (auto& c : base) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '-';
  }
  while (!base.empty() && base.front() == '-') base.erase(base.begin());
  while (!base.empty() && base.back() == '-') base.pop_back();
  return base.empty() ? "container" : base;
}

int positive(const parsed_flags& flags, const std::string& flag, int fallback) {
  if (!flags.has(flag)) return fallback;
  auto n = parse_int(flags.get(flag));
  TROUPE_REQUIRE(n && *n >= 0 && *n <= 1 << 30, api_errc::bad_request,
                 "--" + flag + ": invalid value " + quote(flags.get(flag)));
  return static_cast<int>(*n);
}

}  // namespace

std::string generated_manifest(const std::vector<std::string>& args, const parsed_flags& flags) {
  TROUPE_REQUIRE(!args.empty(), api_errc::bad_request, "must specify one of -f and -k");
  std::string kind = args[0];
  bool secret = kind == "secret";
  size_t name_at = secret ? 2 : 1;
  if (secret)
    TROUPE_REQUIRE(args.size() >= 2 && args[1] == "generic", api_errc::bad_request,
                   "troupe create secret: only the generic type is supported (troupe create secret "
                   "generic NAME)");
  TROUPE_REQUIRE(args.size() == name_at + 1, api_errc::bad_request,
                 args.size() <= name_at ? "NAME is required for create " + kind
                                        : "exactly one NAME is required, got " +
                                              std::to_string(args.size() - name_at));
  const std::string& name = args[name_at];
  node out;
  if (kind == "namespace" || kind == "ns") {
    out = object("v1", "Namespace", name);
  } else if (kind == "serviceaccount" || kind == "sa") {
    out = object("v1", "ServiceAccount", name);
  } else if (kind == "configmap" || kind == "cm") {
    out = object("v1", "ConfigMap", name);
    node data = node::map();
    for (auto& [k, v] : entries(flags)) data.set(k, node::string(v));
    if (data.size()) out.set("data", std::move(data));
  } else if (secret) {
    out = object("v1", "Secret", name);
    out.set("type", node::string(flags.get("type", "Opaque")));
    node data = node::map();
    for (auto& [k, v] : entries(flags))
      data.set(k,
               node::string(kj::encodeBase64(
                                kj::arrayPtr(reinterpret_cast<const kj::byte*>(v.data()), v.size()))
                                .cStr()));
    if (data.size()) out.set("data", std::move(data));
  } else if (kind == "deployment" || kind == "deploy") {
    auto images = flags.all("image");
    TROUPE_REQUIRE(!images.empty(), api_errc::bad_request, "required flag(s) \"image\" not set");
    out = object("apps/v1", "Deployment", name);
    node labels = node::map();
    labels.set("app", node::string(name));
    node spec = node::map();
    spec.set("replicas", node::plain(std::to_string(positive(flags, "replicas", 1))));
    node selector = node::map();
    selector.set("matchLabels", labels);
    spec.set("selector", std::move(selector));
    node containers = node::list();
    int port = positive(flags, "port", 0);
    for (auto& image : images) {
      node c = node::map();
      c.set("name", node::string(image_name(image)));
      c.set("image", node::string(image));
      if (port) {
        node ports = node::list();
        node p = node::map();
        p.set("containerPort", node::plain(std::to_string(port)));
        ports.push(std::move(p));
        c.set("ports", std::move(ports));
      }
      containers.push(std::move(c));
    }
    node pod_spec = node::map();
    pod_spec.set("containers", std::move(containers));
    node tmpl_meta = node::map();
    tmpl_meta.set("labels", labels);
    node tmpl = node::map();
    tmpl.set("metadata", std::move(tmpl_meta));
    tmpl.set("spec", std::move(pod_spec));
    spec.set("template", std::move(tmpl));
    out.set("spec", std::move(spec));
  } else {
    throw api_error(api_errc::bad_request, "troupe create " + kind +
                                               ": unknown generator (namespace, configmap, secret "
                                               "generic, serviceaccount or deployment; "
                                               "or -f FILE)");
  }
  return codec::to_json(out);
}

namespace {

// --labels/-l for run: "k=v,k2=v2".
node run_labels(const std::string& name, const parsed_flags& flags) {
  node labels = node::map();
  if (!flags.has("labels")) {
    labels.set("run", node::string(name));
    return labels;
  }
  for (auto& pair : split(flags.get("labels"), ',')) {
    auto eq = pair.find('=');
    TROUPE_REQUIRE(eq != std::string::npos && eq > 0, api_errc::bad_request,
                   "--labels: invalid label spec " + quote(pair) + ", expected key=value");
    labels.set(pair.substr(0, eq), node::string(pair.substr(eq + 1)));
  }
  return labels;
}

node string_list(const std::vector<std::string>& items) {
  node out = node::list();
  for (auto& item : items) out.push(node::string(item));
  return out;
}

}  // namespace

std::vector<std::string> run_manifests(const std::vector<std::string>& args,
                                       const std::vector<std::string>& command,
                                       const parsed_flags& flags) {
  TROUPE_REQUIRE(!args.empty(), api_errc::bad_request, "NAME is required for run");
  TROUPE_REQUIRE(args.size() == 1, api_errc::bad_request,
                 "exactly one NAME is required, got " + std::to_string(args.size()) +
                     " (put the container's command after --)");
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
  int port = positive(flags, "port", 0);
  TROUPE_REQUIRE(!flags.on("expose") || port > 0, api_errc::bad_request,
                 "--port must be set when exposing a service");
  node labels = run_labels(name, flags);

  node pod = object("v1", "Pod", name);
  pod.find("metadata")->set("labels", labels);
  if (flags.has("annotations")) {
    node annotations = node::map();
    for (auto& pair : flags.all("annotations")) {
      auto eq = pair.find('=');
      TROUPE_REQUIRE(eq != std::string::npos && eq > 0, api_errc::bad_request,
                     "--annotations: invalid annotation spec " + quote(pair) + ", expected key=value");
      annotations.set(pair.substr(0, eq), node::string(pair.substr(eq + 1)));
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
      auto eq = pair.find('=');
      TROUPE_REQUIRE(eq != std::string::npos && eq > 0, api_errc::bad_request,
                     "--env: invalid env " + quote(pair) + ", expected NAME=VALUE");
      node var = node::map();
      var.set("name", node::string(pair.substr(0, eq)));
      var.set("value", node::string(pair.substr(eq + 1)));
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

  std::vector<std::string> out;
  if (flags.on("expose")) {
    // The Service first, as kubectl creates it before the pod.
    node service = object("v1", "Service", name);
    node service_port = node::map();
    service_port.set("port", node::plain(std::to_string(port)));
    service_port.set("targetPort", node::plain(std::to_string(port)));
    node ports = node::list();
    ports.push(std::move(service_port));
    node service_spec = node::map();
    service_spec.set("ports", std::move(ports));
    service_spec.set("selector", labels);
    service.set("spec", std::move(service_spec));
    out.push_back(codec::to_json(service));
  }
  out.push_back(codec::to_json(pod));
  return out;
}

}  // namespace troupe::cli
