#include "runtime/cli/generate.hpp"

#include <kj/encoding.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <ostream>
#include <random>
#include <set>

#include "runtime/base/error.hpp"
#include "runtime/base/file.hpp"
#include "runtime/base/text.hpp"
#include "runtime/cli/generate_parts.hpp"
#include "runtime/cli/printers.hpp"
#include "runtime/codec/json.hpp"
#include "runtime/codec/patch.hpp"
#include "runtime/codec/tree.hpp"
#include "runtime/object/validation.hpp"

namespace troupe::cli {

using codec::node;

// ---- pieces the generators share (generate_parts.hpp) -----------------------------------------

node manifest_object(const char* api_version, const char* kind, const std::string& name) {
  node out = node::map();
  out.set("apiVersion", node::string(api_version));
  out.set("kind", node::string(kind));
  node meta = node::map();
  meta.set("name", node::string(name));
  out.set("metadata", std::move(meta));
  return out;
}

// The empty fields kubectl's generators print because they print Go structs
// (`creationTimestamp: null`, `resources: {}`, `status: {}`, ...), so a dry run's manifest
// reads line for line as kubectl's. The server ignores or defaults each of them.
void with_kubectl_scaffold(node& object) {
  auto stamp = [](node* meta) {
    if (meta && meta->is_map() && !meta->find("creationTimestamp")) meta->set("creationTimestamp", node::null());
  };
  auto pod_spec = [](node* spec) {
    if (!spec || !spec->is_map()) return;
    for (const char* list : {"initContainers", "containers"})
      if (node* containers = spec->find(list); containers && containers->is_list())
        for (auto& c : containers->items())
          if (c.is_map() && !c.find("resources")) c.set("resources", node::map());
  };
  auto kind = text_at(object, {"kind"});
  stamp(object.find("metadata"));
  node* spec = object.find("spec");
  if (spec && spec->is_map()) {
    if (node* tmpl = spec->find("template")) {
      if (!tmpl->find("metadata")) tmpl->set("metadata", node::map());
      stamp(tmpl->find("metadata"));
      pod_spec(tmpl->find("spec"));
    }
    if (node* job = spec->find("jobTemplate")) {
      if (!job->find("metadata")) job->set("metadata", node::map());
      if (!job->find("metadata")->find("name")) job->find("metadata")->set("name", node::string(text_at(object, {"metadata", "name"})));
      stamp(job->find("metadata"));
      node* job_spec = job->find("spec");
      if (node* tmpl = job_spec && job_spec->is_map() ? job_spec->find("template") : nullptr) {
        if (!tmpl->find("metadata")) tmpl->set("metadata", node::map());
        stamp(tmpl->find("metadata"));
        pod_spec(tmpl->find("spec"));
      }
    }
  }
  if (kind == "Pod") {
    pod_spec(spec);
    if (spec && !spec->find("dnsPolicy")) spec->set("dnsPolicy", node::string("ClusterFirst"));
  }
  if (kind == "Deployment" && spec && !spec->find("strategy")) spec->set("strategy", node::map());
  if (kind == "Namespace" && !spec) object.set("spec", node::map());
  if ((kind == "Service" || kind == "Ingress") && !object.find("status")) {
    node status = node::map();
    status.set("loadBalancer", node::map());
    object.set("status", std::move(status));
  }
  for (const char* with_status : {"Deployment", "Job", "CronJob", "Pod", "Namespace"})
    if (kind == with_status && !object.find("status")) object.set("status", node::map());
}

int positive_flag(const parsed_flags& flags, const std::string& flag, int fallback) {
  if (!flags.has(flag)) return fallback;
  auto n = parse_int(flags.get(flag));
  TROUPE_REQUIRE(n && *n >= 0 && *n <= 1 << 30, api_errc::bad_request,
                 "--" + flag + ": invalid value " + quote(flags.get(flag)));
  return static_cast<int>(*n);
}

node string_list(const std::vector<std::string>& items) {
  node out = node::list();
  for (auto& item : items) out.push(node::string(item));
  return out;
}

namespace {


std::string read_whole(const std::string& path) {
  return read_file(path, "error reading " + path + ": no such file or directory");
}

// kubectl's env file: KEY=VALUE lines (leading space and # comments skipped), a bare KEY
// taking its value from this environment.
void read_env_file(const std::string& path, const std::function<void(std::string, std::string)>& add) {
  std::string text = read_whole(path);
  if (starts_with(text, "\xEF\xBB\xBF")) text = text.substr(3);  // a byte order mark
  auto lines = split(text, '\n');
  for (size_t n = 0; n < lines.size(); ++n) {
    std::string line = lines[n];
    if (!line.empty() && line.back() == '\r') line.pop_back();
    TROUPE_REQUIRE(valid_utf8(line), api_errc::bad_request,
                   "env file " + path + " contains invalid utf8 bytes at line " + std::to_string(n + 1));
    size_t start = line.find_first_not_of(" \t\v\f");
    if (start == std::string::npos || line[start] == '#') continue;
    line = line.substr(start);
    auto eq = line.find('=');
    std::string key = line.substr(0, eq);
    // kubectl's own (strict) rule for env file keys, not the API's relaxed one.
    bool valid = !key.empty() && !std::isdigit(static_cast<unsigned char>(key[0]));
    for (char ch : key) valid = valid && (std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '.' || ch == '_');
    TROUPE_REQUIRE(valid, api_errc::bad_request,
                   quote(key) +
                       " is not a valid key name: a valid environment variable name must consist of alphabetic "
                       "characters, digits, '_', '-', or '.', and must not start with a digit (e.g. 'my.env-name',  "
                       "or 'MY_ENV.NAME',  or 'MyEnvName1', regex used for validation is "
                       "'[-._a-zA-Z][-._a-zA-Z0-9]*')");
    const char* from_environment = std::getenv(key.c_str());
    add(key, eq != std::string::npos ? line.substr(eq + 1) : from_environment ? from_environment : "");
  }
}

// kubectl's ParseFileSource: "path" (named after its last part) or "key=path".
std::pair<std::string, std::string> file_source(const std::string& source) {
  auto separators = std::count(source.begin(), source.end(), '=');
  if (separators == 0) return {std::filesystem::path(source).filename().string(), source};
  TROUPE_REQUIRE(!(separators == 1 && source.front() == '='), api_errc::bad_request,
                 "key name for file path " + source.substr(1) + " missing");
  TROUPE_REQUIRE(!(separators == 1 && source.back() == '='), api_errc::bad_request,
                 "file path for key name " + source.substr(0, source.size() - 1) + " missing");
  TROUPE_REQUIRE(separators == 1, api_errc::bad_request,
                 "key names or file paths cannot contain '='");
  auto eq = source.find('=');
  return {source.substr(0, eq), source.substr(eq + 1)};
}

// --from-literal=k=v and --from-file=[key=]path in order, or --from-env-file; a key given twice
// or one a `kind` (ConfigMap, Secret) cannot hold is kubectl's error, in its words for that kind.
std::vector<std::pair<std::string, std::string>> entries(const parsed_flags& flags,
                                                         const std::string& kind,
                                                         const std::string& name) {
  std::vector<std::pair<std::string, std::string>> out;
  bool config_map = kind == "ConfigMap";
  auto add = [&](std::string key, std::string value) {
    auto problems = check_config_map_key(key);
    TROUPE_REQUIRE(
        problems.empty(), api_errc::bad_request,
        config_map ? quote(key) + " is not a valid key name for a ConfigMap: " + join(problems, ",")
                   : quote(key) + " is not valid key name for a Secret " + join(problems, ";"));
    for (auto& [k, v] : out)
      TROUPE_REQUIRE(k != key, api_errc::bad_request,
                     config_map
                         ? "cannot add key " + quote(key) +
                               ", another key by that name already exists in Data for ConfigMap " +
                               quote(name)
                         : "cannot add key " + key + ", another key by that name already exists");
    out.emplace_back(std::move(key), std::move(value));
  };
  if (flags.has("from-env-file")) {
    TROUPE_REQUIRE(!flags.has("from-file") && !flags.has("from-literal"), api_errc::bad_request,
                   "from-env-file cannot be combined with from-file or from-literal");
    for (auto& path : flags.all("from-env-file")) {
      TROUPE_REQUIRE(!std::filesystem::is_directory(path), api_errc::bad_request,
                     config_map ? "env config file cannot be a directory"
                                : "env secret file cannot be a directory");
      read_env_file(path, add);
    }
    return out;
  }
  for (auto& literal : flags.all("from-literal")) {
    auto eq = literal.find('=');
    TROUPE_REQUIRE(eq != std::string::npos && eq > 0, api_errc::bad_request,
                   "invalid literal source " + literal + ", expected key=value");
    add(literal.substr(0, eq), literal.substr(eq + 1));
  }
  for (auto& source : flags.all("from-file")) {
    auto [key, path] = file_source(source);
    if (std::filesystem::is_directory(path)) {
      TROUPE_REQUIRE(source.find('=') == std::string::npos, api_errc::bad_request,
                     "cannot give a key name for a directory path");
      // A directory: one key per regular file in it, as kubectl does.
      std::vector<std::filesystem::path> files;
      for (auto& entry : std::filesystem::directory_iterator(path))
        if (entry.is_regular_file()) files.push_back(entry.path());
      std::sort(files.begin(), files.end());
      for (auto& file : files) add(file.filename().string(), read_whole(file.string()));
      continue;
    }
    add(key, read_whole(path));
  }
  return out;
}

// kubectl create deployment's container name: the image's last path part without tag or
// digest; '_' and '.' become '-' and, as kubectl's sanitizeAndUniquify does, then take a random
// five-character suffix (so two images of one name stay apart). Nothing else is changed: a
// name the API refuses is refused there, as with kubectl.
std::string image_name(const std::string& image) {
  std::string base = image.substr(image.rfind('/') == std::string::npos ? 0 : image.rfind('/') + 1);
  base = base.substr(0, base.find(':'));
  base = base.substr(0, base.find('@'));
  if (base.find_first_of("_.") == std::string::npos) return base;
  for (auto& c : base)
    if (c == '_' || c == '.') c = '-';
  static const char alphabet[] =
      "bcdfghjklmnpqrstvwxz2456789";  // utilrand's: no vowels, no look-alikes
  std::random_device random;
  base += '-';
  for (int i = 0; i < 5; ++i) base += alphabet[random() % (sizeof alphabet - 1)];
  return base;
}

// kubectl's --image for create deployment is a string slice: repeated, or comma-separated.
std::vector<std::string> image_slice(const parsed_flags& flags) {
  std::vector<std::string> images;
  for (auto& value : flags.all("image"))
    for (auto& image : split(value, ',')) images.push_back(image);
  return images;
}

// An int32 flag read as pflag reads it; its range is the server's to check.
int64_t int32_flag(const parsed_flags& flags, const std::string& flag, int64_t fallback) {
  if (!flags.has(flag)) return fallback;
  auto n = parse_int(flags.get(flag));
  TROUPE_REQUIRE(n && *n >= INT32_MIN && *n <= INT32_MAX, api_errc::bad_request,
                 invalid_flag_argument(flag, flags.get(flag),
                                       strconv_error("ParseInt", flags.get(flag), n.has_value())));
  return *n;
}

}  // namespace

namespace {

std::string base64(const std::string& bytes) {
  return kj::encodeBase64(kj::arrayPtr(reinterpret_cast<const kj::byte*>(bytes.data()), bytes.size())).cStr();
}


// A pod template's spec with one container named `name` running `image` (and the command
// after --), as kubectl's job and cron job generators make it.
node one_container_pod(const std::string& name, const std::string& image,
                       const std::vector<std::string>& command, const std::string& restart) {
  node container = node::map();
  container.set("name", node::string(name));
  container.set("image", node::string(image));
  if (!command.empty()) container.set("command", string_list(command));
  node containers = node::list();
  containers.push(std::move(container));
  node spec = node::map();
  spec.set("containers", std::move(containers));
  spec.set("restartPolicy", node::string(restart));
  node tmpl = node::map();
  tmpl.set("spec", std::move(spec));
  return tmpl;
}

std::string required(const parsed_flags& flags, const std::string& flag) {
  TROUPE_REQUIRE(flags.has(flag) && !flags.get(flag).empty(), api_errc::bad_request,
                 "required flag(s) \"" + flag + "\" not set");
  return flags.get(flag);
}

// `create service clusterip|nodeport|loadbalancer|externalname NAME --tcp=PORT[:TARGET]`.
node service(const std::string& type, const std::string& name, const parsed_flags& flags) {
  static const std::map<std::string, std::string> types = {{"clusterip", "ClusterIP"},
                                                           {"nodeport", "NodePort"},
                                                           {"loadbalancer", "LoadBalancer"},
                                                           {"externalname", "ExternalName"}};
  auto found = types.find(type);
  TROUPE_REQUIRE(found != types.end(), api_errc::bad_request,
                 "troupe create service: unknown type " + quote(type) +
                     " (clusterip, nodeport, loadbalancer or externalname)");
  node out = manifest_object("v1", "Service", name);
  node labels = node::map();
  labels.set("app", node::string(name));
  out.find("metadata")->set("labels", labels);
  node spec = node::map();
  spec.set("type", node::string(found->second));
  auto tcp = comma_values(flags, "tcp");
  std::string cluster_ip = flags.get("clusterip");
  TROUPE_REQUIRE(!tcp.empty() || type == "externalname" || cluster_ip == "None",
                 api_errc::bad_request, "at least one tcp port specifier must be provided");
  if (type == "externalname") {
    auto external = required(flags, "external-name");
    TROUPE_REQUIRE(check_dns1123_subdomain(external).empty(), api_errc::bad_request,
                   "invalid service external name " + external);
    spec.set("externalName", node::string(external));
  }
  node ports = node::list();
  for (auto& spec_text : tcp) {
    // kubectl's parsePorts: PORT (a uint16, 0 allowed) then, if given, a target that is a port
    // number or a port name; anything after a second ':' only lands in the port's name.
    auto parts = split(spec_text, ':');
    bool digits =
        !parts[0].empty() && parts[0].find_first_not_of("0123456789") == std::string::npos;
    auto port = digits ? parse_int(parts[0]) : std::nullopt;
    TROUPE_REQUIRE(port && *port <= 65535, api_errc::bad_request,
                   strconv_error("ParseUint", parts[0], digits));
    std::string target_text = parts.size() >= 2 ? parts[1] : parts[0];
    auto target = parse_int(target_text);
    bool named_target = !target;
    if (named_target) {
      auto problems = check_port_name(target_text);
      TROUPE_REQUIRE(problems.empty(), api_errc::bad_request, join(problems, ","));
    } else if (parts.size() >= 2) {
      auto problems = check_port_number(*target);
      TROUPE_REQUIRE(problems.empty(), api_errc::bad_request, join(problems, ","));
    }
    node p = node::map();
    std::string port_name = spec_text;
    std::replace(port_name.begin(), port_name.end(), ':', '-');
    p.set("name", node::string(port_name));
    p.set("port", node::plain(std::to_string(*port)));
    p.set("protocol", node::string("TCP"));
    p.set("targetPort", named_target ? node::string(target_text) : node::plain(std::to_string(*target)));
    if (flags.has("node-port")) {
      TROUPE_REQUIRE(type == "nodeport", api_errc::bad_request, "--node-port: only for a nodeport service");
      p.set("nodePort", node::plain(std::to_string(positive_flag(flags, "node-port", 0))));
    }
    ports.push(std::move(p));
  }
  if (ports.size()) spec.set("ports", std::move(ports));
  spec.set("selector", labels);  // kubectl sets it for every type, ExternalName too
  if (!cluster_ip.empty()) spec.set("clusterIP", node::string(cluster_ip));
  out.set("spec", std::move(spec));
  return out;
}

// kubectl's create role/clusterrole: which verbs are standard, and which only make sense on
// certain resources.
const std::vector<std::string> resource_verbs = {
    "*",     "get",   "delete",           "list", "create", "update",   "patch",
    "watch", "proxy", "deletecollection", "use",  "bind",   "escalate", "impersonate"};
const std::vector<std::string> non_resource_verbs = {"*",      "get",   "post", "put",
                                                     "delete", "patch", "head", "options"};
const std::map<std::string, std::vector<std::pair<std::string, std::string>>> special_verbs = {
    {"use", {{"policy", "podsecuritypolicies"}, {"extensions", "podsecuritypolicies"}}},
    {"bind",
     {{"rbac.authorization.k8s.io", "roles"}, {"rbac.authorization.k8s.io", "clusterroles"}}},
    {"escalate",
     {{"rbac.authorization.k8s.io", "roles"}, {"rbac.authorization.k8s.io", "clusterroles"}}},
    {"impersonate",
     {{"", "users"},
      {"", "serviceaccounts"},
      {"", "groups"},
      {"authentication.k8s.io", "userextras"},
      {"authentication.k8s.io", "uids"}}}};

bool contains(const std::vector<std::string>& list, const std::string& item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

std::vector<std::string> without_repeats(const std::vector<std::string>& items) {
  std::vector<std::string> out;
  for (auto& item : items)
    if (!contains(out, item)) out.push_back(item);
  return out;
}

// `create role|clusterrole NAME --verb ... --resource ... [--resource-name] [--non-resource-url]`,
// checked as kubectl's CreateRoleOptions and CreateClusterRoleOptions check them; a verb that is
// not standard is only warned about on `warnings`.
node role(const char* kind, const std::string& name, const parsed_flags& flags,
          const kind_registry& kinds, std::ostream& warnings) {
  bool cluster = std::string(kind) == "ClusterRole";
  // An empty rule (--aggregation-rule=) is none, as kubectl's empty map: the rule flags decide.
  if (cluster && !comma_values(flags, "aggregation-rule").empty()) {
    // kubectl's CreateClusterRoleOptions: the rule alone, as one selector; its rules null.
    TROUPE_REQUIRE(!flags.has("verb") && !flags.has("resource") && !flags.has("resource-name") &&
                       !flags.has("non-resource-url"),
                   api_errc::bad_request,
                   "aggregation rule must be specified without nonResourceURLs, verbs, resources "
                   "or resourceNames");
    node labels = node::map();
    for (auto& pair : comma_values(flags, "aggregation-rule")) {
      auto eq = pair.find('=');
      TROUPE_REQUIRE(eq != std::string::npos, api_errc::bad_request,
                     invalid_flag_argument("aggregation-rule", flags.get("aggregation-rule"),
                                           pair + " must be formatted as key=value"));
      labels.set(pair.substr(0, eq), node::string(pair.substr(eq + 1)));
    }
    node selector = node::map();
    selector.set("matchLabels", std::move(labels));
    node selectors = node::list();
    selectors.push(std::move(selector));
    node rule = node::map();
    rule.set("clusterRoleSelectors", std::move(selectors));
    node out = manifest_object("rbac.authorization.k8s.io/v1", kind, name);
    out.set("aggregationRule", std::move(rule));
    out.set("rules", node::null());
    return out;
  }
  auto verbs = without_repeats(comma_values(flags, "verb"));
  if (contains(verbs, "*")) verbs = {"*"};  // all of them
  TROUPE_REQUIRE(!verbs.empty(), api_errc::bad_request, "at least one verb must be specified");
  auto resources = comma_values(flags, "resource");
  auto urls = without_repeats(comma_values(flags, "non-resource-url"));
  TROUPE_REQUIRE(!resources.empty() || (cluster && !urls.empty()), api_errc::bad_request,
                 cluster ? "one of resource or nonResourceURL must be specified"
                         : "at least one resource must be specified");
  if (!resources.empty())
    for (auto& verb : verbs)
      if (!contains(resource_verbs, verb))
        warnings << "Warning: '" << verb << "' is not a standard resource verb\n";
  std::vector<std::pair<std::string, std::vector<std::string>>> by_group;  // in first-seen order
  for (auto& text : resources) {
    // "pods", "deployments.apps", "po", "pods/log": the group from the kind, a subresource kept.
    auto slash = text.find('/');
    std::string resource = text.substr(0, slash), sub = slash == std::string::npos ? "" : text.substr(slash);
    TROUPE_REQUIRE(!resource.empty(), api_errc::bad_request,
                   "resource must be specified if apiGroup/subresource specified");
    std::string group;
    if (resource != "*") {
      const kind_info* k = kinds.find_resource(resource);
      TROUPE_REQUIRE(k, api_errc::bad_request, "no matches for /, Resource=" + resource);
      resource = k->plural;
      group = k->group;
      for (auto& verb : verbs)
        if (auto special = special_verbs.find(verb); special != special_verbs.end())
          TROUPE_REQUIRE(
              std::find(special->second.begin(), special->second.end(),
                        std::pair{group, resource}) != special->second.end(),
              api_errc::bad_request,
              "can not perform '" + verb + "' on '" + resource + "' in group '" + group + "'");
    }
    auto at = std::find_if(by_group.begin(), by_group.end(), [&](auto& g) { return g.first == group; });
    if (at == by_group.end()) at = by_group.insert(by_group.end(), {group, {}});
    if (!contains(at->second, resource + sub)) at->second.push_back(resource + sub);
  }
  for (auto& verb : urls.empty() ? std::vector<std::string>{} : verbs)
    TROUPE_REQUIRE(contains(non_resource_verbs, verb), api_errc::bad_request,
                   "invalid verb: '" + verb + "' for nonResourceURL");
  for (auto& url : urls) {
    if (url == "*") continue;
    TROUPE_REQUIRE(starts_with(url, "/"), api_errc::bad_request,
                   "nonResourceURL should start with /");
    TROUPE_REQUIRE(url.substr(0, url.size() - 1).find('*') == std::string::npos,
                   api_errc::bad_request,
                   "nonResourceURL only supports wildcard matches when '*' is at the end");
  }
  // One rule per group, the groups in order, as kubectl makes them.
  std::sort(by_group.begin(), by_group.end(), [](auto& a, auto& b) { return a.first < b.first; });
  auto names = without_repeats(comma_values(flags, "resource-name"));
  node rules = node::list();
  for (auto& [group, plural] : by_group) {
    node rule = node::map();
    rule.set("apiGroups", string_list({group}));
    rule.set("resources", string_list(plural));
    if (!names.empty()) rule.set("resourceNames", string_list(names));
    rule.set("verbs", string_list(verbs));
    rules.push(std::move(rule));
  }
  if (!urls.empty()) {
    node rule = node::map();
    rule.set("nonResourceURLs", string_list(urls));
    rule.set("verbs", string_list(verbs));
    rules.push(std::move(rule));
  }
  node out = manifest_object("rbac.authorization.k8s.io/v1", kind, name);
  out.set("rules", std::move(rules));
  return out;
}

// `create rolebinding|clusterrolebinding NAME --role|--clusterrole=R --user|--group|--serviceaccount`.
node binding(const char* kind, const std::string& name, const parsed_flags& flags) {
  bool cluster = std::string(kind) == "ClusterRoleBinding";
  bool has_role = flags.has("role"), has_cluster_role = flags.has("clusterrole");
  TROUPE_REQUIRE(!cluster || !has_role, api_errc::bad_request, "unknown flag: --role");
  TROUPE_REQUIRE(has_role != has_cluster_role, api_errc::bad_request,
                 cluster ? "required flag(s) \"clusterrole\" not set"
                         : "exactly one of clusterrole or role must be specified");
  node ref = node::map();
  ref.set("apiGroup", node::string("rbac.authorization.k8s.io"));
  ref.set("kind", node::string(has_role ? "Role" : "ClusterRole"));
  ref.set("name", node::string(has_role ? flags.get("role") : flags.get("clusterrole")));
  node subjects = node::list();
  auto subject = [&](const char* subject_kind, const std::string& subject_name, const std::string& ns) {
    node s = node::map();
    if (std::string(subject_kind) != "ServiceAccount") s.set("apiGroup", node::string("rbac.authorization.k8s.io"));
    s.set("kind", node::string(subject_kind));
    s.set("name", node::string(subject_name));
    if (!ns.empty()) s.set("namespace", node::string(ns));
    subjects.push(std::move(s));
  };
  for (auto& user : flags.all("user")) subject("User", user, "");
  for (auto& group : flags.all("group")) subject("Group", group, "");
  for (auto& sa : flags.all("serviceaccount")) {
    auto parts = split(sa, ':');
    TROUPE_REQUIRE(parts.size() == 2 && !parts[0].empty() && !parts[1].empty(), api_errc::bad_request,
                   "serviceaccount must be <namespace>:<name>");
    subject("ServiceAccount", parts[1], parts[0]);
  }
  node out = manifest_object("rbac.authorization.k8s.io/v1", kind, name);
  out.set("roleRef", std::move(ref));
  if (subjects.size()) out.set("subjects", std::move(subjects));
  return out;
}

// The PEM pair must load and belong together, as kubectl checks with tls.X509KeyPair.
void check_key_pair(const std::string& cert_pem, const std::string& key_pem) {
  auto bio_of = [](const std::string& pem) { return BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())); };
  BIO* cert_bio = bio_of(cert_pem);
  BIO* key_bio = bio_of(key_pem);
  X509* cert = PEM_read_bio_X509(cert_bio, nullptr, nullptr, nullptr);
  // No passphrase callback: OpenSSL's default would prompt on the terminal for an encrypted
  // key, where kubectl just fails.
  auto no_passphrase = [](char*, int, int, void*) { return 0; };
  EVP_PKEY* key = PEM_read_bio_PrivateKey(key_bio, nullptr, no_passphrase, nullptr);
  bool matches = cert && key && X509_check_private_key(cert, key) == 1;
  // Go's tls.X509KeyPair errors, which kubectl prints as they are.
  std::string problem =
      !cert  ? (cert_pem.find("PRIVATE KEY-----") != std::string::npos
                    ? "tls: failed to find certificate PEM data in certificate input, but did find "
                       "a private key; PEM "
                      "inputs may have been switched"
                    : "tls: failed to find any PEM data in certificate input")
      : !key ? (key_pem.find("-----BEGIN CERTIFICATE-----") != std::string::npos
                    ? "tls: found a certificate rather than a key in the PEM for the private key"
                    : "tls: failed to find any PEM data in key input")
             : "tls: private key does not match public key";
  X509_free(cert);
  EVP_PKEY_free(key);
  BIO_free(cert_bio);
  BIO_free(key_bio);
  ERR_clear_error();
  TROUPE_REQUIRE(matches, api_errc::bad_request, problem);
}

node secret(const std::string& type, const std::string& name, const parsed_flags& flags) {
  node out = manifest_object("v1", "Secret", name);
  node data = node::map();
  if (type == "generic") {
    if (flags.has("type")) out.set("type", node::string(flags.get("type")));  // the server defaults Opaque
    for (auto& [k, v] : entries(flags, "Secret", name)) data.set(k, node::string(base64(v)));
  } else if (type == "tls") {
    TROUPE_REQUIRE(!flags.get("cert").empty() && !flags.get("key").empty(), api_errc::bad_request,
                   "key and cert must be specified");
    auto read = [](const std::string& path) {
      return read_file(
          path, "Cannot read file " + path + ", open " + path + ": no such file or directory");
    };
    auto cert = read(flags.get("cert")), key = read(flags.get("key"));
    check_key_pair(cert, key);
    out.set("type", node::string("kubernetes.io/tls"));
    data.set("tls.crt", node::string(base64(cert)));
    data.set("tls.key", node::string(base64(key)));
  } else if (type == "docker-registry") {
    auto user = flags.get("docker-username"), password = flags.get("docker-password");
    TROUPE_REQUIRE(
        !user.empty() && !password.empty() && !flags.get("docker-server", "x").empty(),
        api_errc::bad_request,
        "either --from-file or the combination of --docker-username, --docker-password and "
        "--docker-server is required");
    node entry = node::map();
    entry.set("username", node::string(user));
    entry.set("password", node::string(password));
    if (flags.has("docker-email")) entry.set("email", node::string(flags.get("docker-email")));
    entry.set("auth", node::string(base64(user + ":" + password)));
    node auths = node::map();
    auths.set(flags.get("docker-server", "https://index.docker.io/v1/"), std::move(entry));
    node config = node::map();
    config.set("auths", std::move(auths));
    out.set("type", node::string("kubernetes.io/dockerconfigjson"));
    data.set(".dockerconfigjson", node::string(base64(codec::to_json(config))));
  } else {
    throw api_error(api_errc::bad_request, "troupe create secret: unknown type " + quote(type) +
                                               " (generic, tls or docker-registry)");
  }
  if (data.size()) out.set("data", std::move(data));
  return out;
}

}  // namespace

void check_create_flags(const std::vector<std::string>& args, const parsed_flags& flags) {
  static const std::map<std::string, std::vector<std::string>> by_generator = {
      {"namespace", {}},
      {"serviceaccount", {}},
      {"configmap", {"from-literal", "from-file", "from-env-file"}},
      {"secret generic", {"from-literal", "from-file", "from-env-file", "type"}},
      {"secret tls", {"cert", "key"}},
      {"secret docker-registry",
       {"docker-server", "docker-username", "docker-password", "docker-email"}},
      {"service clusterip", {"tcp", "clusterip"}},
      {"service nodeport", {"tcp", "node-port"}},
      {"service loadbalancer", {"tcp"}},
      {"service externalname", {"tcp", "external-name"}},
      {"deployment", {"image", "replicas", "port"}},
      {"job", {"image", "from"}},
      {"cronjob", {"image", "schedule", "restart"}},
      {"role", {"verb", "resource", "resource-name"}},
      {"clusterrole",
       {"verb", "resource", "resource-name", "non-resource-url", "aggregation-rule"}},
      {"rolebinding", {"role", "clusterrole", "user", "group", "serviceaccount"}},
      {"clusterrolebinding", {"clusterrole", "user", "group", "serviceaccount"}},
      {"ingress", {"rule", "class", "default-backend", "annotation"}},
      {"priorityclass", {"value", "global-default", "description", "preemption-policy"}},
  };
  static const std::map<std::string, std::string> aliases = {
      {"cm", "configmap"}, {"ns", "namespace"},      {"sa", "serviceaccount"},
      {"svc", "service"},  {"deploy", "deployment"}, {"cj", "cronjob"},
      {"ing", "ingress"},  {"pc", "priorityclass"}};
  std::string generator;
  if (!flags.has("filename") && !args.empty()) {
    generator = aliases.count(args[0]) ? aliases.at(args[0]) : args[0];
    if ((generator == "secret" || generator == "service") && args.size() > 1) generator += " " + args[1];
  }
  auto mine = by_generator.find(generator);
  if (!flags.has("filename") && mine == by_generator.end()) return;  // the generator's own error says more
  std::set<std::string> all;
  for (auto& [name, list] : by_generator) all.insert(list.begin(), list.end());
  for (auto& flag : all) {
    if (!flags.has(flag)) continue;
    bool allowed = mine != by_generator.end() &&
                   std::find(mine->second.begin(), mine->second.end(), flag) != mine->second.end();
    TROUPE_REQUIRE(allowed, api_errc::bad_request, "unknown flag: --" + flag);
  }
}

std::string generated_manifest(const std::vector<std::string>& args, const parsed_flags& flags,
                               const kind_registry& kinds, std::ostream& warnings) {
  TROUPE_REQUIRE(!args.empty(), api_errc::bad_request, "must specify one of -f and -k");
  std::string kind = args[0];
  // `create secret TYPE NAME` and `create service TYPE NAME` name a type first.
  bool typed = kind == "secret" || kind == "service" || kind == "svc";
  size_t name_at = typed ? 2 : 1;
  TROUPE_REQUIRE(!typed || args.size() >= 2, api_errc::bad_request,
                 kind == "secret" ? "troupe create secret: a type is required (generic, tls or docker-registry)"
                                  : "troupe create service: a type is required (clusterip, nodeport, "
                                    "loadbalancer or externalname)");
  // The flags cobra requires are missing before a NAME is looked for, as in kubectl.
  static const std::map<std::string, std::vector<std::string>> required_flags = {
      {"deployment", {"image"}},
      {"deploy", {"image"}},
      {"cronjob", {"image", "schedule"}},
      {"cj", {"image", "schedule"}},
      {"clusterrolebinding", {"clusterrole"}}};
  std::vector<std::string> missing;
  if (auto needed = required_flags.find(kind); needed != required_flags.end())
    for (auto& flag : needed->second)
      if (!flags.has(flag)) missing.push_back(quote(flag));
  if (typed && args[1] == "externalname" && !flags.has("external-name"))
    missing.push_back(quote("external-name"));
  TROUPE_REQUIRE(missing.empty(), api_errc::bad_request,
                 "required flag(s) " + join(missing, ", ") + " not set");
  TROUPE_REQUIRE(args.size() == name_at + 1, api_errc::bad_request,
                 "exactly one NAME is required, got " + std::to_string(args.size() - name_at));
  const std::string& name = args[name_at];
  const auto& command = flags.after_dashes;
  node out;
  if (kind == "namespace" || kind == "ns") {
    out = manifest_object("v1", "Namespace", name);
  } else if (kind == "serviceaccount" || kind == "sa") {
    out = manifest_object("v1", "ServiceAccount", name);
  } else if (kind == "configmap" || kind == "cm") {
    out = manifest_object("v1", "ConfigMap", name);
    // As kubectl: text goes in data, bytes that are not UTF-8 in binaryData.
    node data = node::map(), binary = node::map();
    for (auto& [k, v] : entries(flags, "ConfigMap", name)) {
      bool text = valid_utf8(v);
      (text ? data : binary).set(k, node::string(text ? v : base64(v)));
    }
    if (binary.size()) out.set("binaryData", std::move(binary));
    if (data.size()) out.set("data", std::move(data));
  } else if (kind == "secret") {
    out = secret(args[1], name, flags);
  } else if (typed) {
    out = service(args[1], name, flags);
  } else if (kind == "job") {
    TROUPE_REQUIRE(flags.has("image") && !flags.get("image").empty(), api_errc::bad_request,
                   "either --image or --from must be specified");
    out = manifest_object("batch/v1", "Job", name);
    node spec = node::map();
    spec.set("template", one_container_pod(name, flags.get("image"), command, "Never"));
    out.set("spec", std::move(spec));
  } else if (kind == "cronjob" || kind == "cj") {
    auto restart = flags.get("restart", "OnFailure");  // as kubectl, the server's to check
    out = manifest_object("batch/v1", "CronJob", name);
    node job_spec = node::map();
    job_spec.set("template", one_container_pod(name, required(flags, "image"), command, restart));
    node job_meta = node::map();
    job_meta.set("name", node::string(name));
    node job = node::map();
    job.set("metadata", std::move(job_meta));
    job.set("spec", std::move(job_spec));
    node spec = node::map();
    spec.set("jobTemplate", std::move(job));
    spec.set("schedule", node::string(required(flags, "schedule")));
    out.set("spec", std::move(spec));
  } else if (kind == "role") {
    out = role("Role", name, flags, kinds, warnings);
  } else if (kind == "clusterrole") {
    out = role("ClusterRole", name, flags, kinds, warnings);
  } else if (kind == "rolebinding") {
    out = binding("RoleBinding", name, flags);
  } else if (kind == "clusterrolebinding") {
    out = binding("ClusterRoleBinding", name, flags);
  } else if (kind == "ingress" || kind == "ing") {
    out = ingress(name, flags);
  } else if (kind == "priorityclass" || kind == "pc") {
    out = manifest_object("scheduling.k8s.io/v1", "PriorityClass", name);
    out.set("value", node::plain(std::to_string(int32_flag(flags, "value", 0))));
    if (flags.on("global-default", false)) out.set("globalDefault", node::plain("true"));
    if (!flags.get("description").empty())
      out.set("description", node::string(flags.get("description")));
    out.set("preemptionPolicy",
            node::string(flags.get("preemption-policy", "PreemptLowerPriority")));
  } else if (kind == "deployment" || kind == "deploy") {
    auto images = image_slice(flags);
    TROUPE_REQUIRE(!images.empty(), api_errc::bad_request, "required flag(s) \"image\" not set");
    TROUPE_REQUIRE(images.size() == 1 || command.empty(), api_errc::bad_request,
                   "cannot specify multiple --image options and command");
    out = manifest_object("apps/v1", "Deployment", name);
    node labels = node::map();
    labels.set("app", node::string(name));
    out.find("metadata")->set("labels", labels);
    node spec = node::map();
    spec.set("replicas", node::plain(std::to_string(int32_flag(flags, "replicas", 1))));
    node selector = node::map();
    selector.set("matchLabels", labels);
    spec.set("selector", std::move(selector));
    node containers = node::list();
    auto port = int32_flag(flags, "port", -1);  // kubectl's default: no port
    for (auto& image : images) {
      node c = node::map();
      c.set("name", node::string(image_name(image)));
      c.set("image", node::string(image));
      if (!command.empty()) c.set("command", string_list(command));
      if (port >= 0 && containers.size() == 0) {  // the first container's, as kubectl's
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
    throw api_error(
        api_errc::bad_request,
        "troupe create " + kind +
            ": unknown generator (namespace, serviceaccount, configmap, secret "
            "generic|tls|docker-registry, service clusterip|nodeport|loadbalancer|"
            "externalname, deployment, job, cronjob, ingress, priorityclass, role, clusterrole, "
            "rolebinding or clusterrolebinding; or -f FILE)");
  }
  // An explicit -n is written into the object, as kubectl enforces it (dry runs print it).
  auto made = text_at(out, {"kind"});
  if (flags.has("namespace") && made != "Namespace" && made != "ClusterRole" &&
      made != "ClusterRoleBinding" && made != "PriorityClass")
    out.find("metadata")->set("namespace", node::string(flags.get("namespace")));
  with_kubectl_scaffold(out);
  return codec::to_json(out);
}

std::string job_from_cron_job(const std::string& name, const codec::node& cron_job, const std::string& explicit_ns) {
  const node* tmpl = lookup(cron_job, {"spec", "jobTemplate"});
  TROUPE_REQUIRE(tmpl && tmpl->is_map(), api_errc::bad_request, "--from: the cron job has no jobTemplate");
  node out = manifest_object("batch/v1", "Job", name);
  node* meta = out.find("metadata");
  if (const node* tmpl_meta = tmpl->find("metadata"))
    for (const char* field : {"labels", "annotations"})
      if (const node* value = tmpl_meta->find(field)) meta->set(field, *value);
  node* annotations = meta->find("annotations");
  if (!annotations) annotations = &meta->set("annotations", node::map());
  annotations->set("cronjob.kubernetes.io/instantiate", node::string("manual"));
  // Controlled by the cron job, as current kubectl makes it (not blocking its deletion), so
  // deleting the cron job takes it along and a cron job controller counts it as its own.
  node owner = node::map();
  owner.set("apiVersion", node::string("batch/v1"));
  owner.set("kind", node::string("CronJob"));
  owner.set("name", node::string(text_at(cron_job, {"metadata", "name"})));
  owner.set("uid", node::string(text_at(cron_job, {"metadata", "uid"})));
  owner.set("controller", node::plain("true"));
  node owners = node::list();
  owners.push(std::move(owner));
  meta->set("ownerReferences", std::move(owners));
  if (const node* spec = tmpl->find("spec")) out.set("spec", *spec);
  if (!explicit_ns.empty()) meta->set("namespace", node::string(explicit_ns));
  with_kubectl_scaffold(out);
  return codec::to_json(out);
}

}  // namespace troupe::cli
