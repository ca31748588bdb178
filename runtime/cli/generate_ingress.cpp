// `troupe create ingress NAME --rule=host/path=service:port[,tls[=secret]] ...`, as kubectl's
// create ingress builds it: one rule per host, a path ending in '*' a Prefix (else Exact), TLS
// entries grouped by secret.

#include <map>
#include <regex>

#include "runtime/base/text.hpp"
#include "runtime/cli/generate_parts.hpp"
#include "runtime/cli/printers.hpp"

namespace troupe::cli {
namespace {

using codec::node;

// kubectl's ruleRegex, which (as Go's MatchString) needs only to match a rule's beginning.
const std::regex& rule_pattern() {
  static const std::regex pattern(R"(^([\w\*\-\.]*)(/.*)=([\w\-]+):([\w\-]+)(,(tls)(=([\w\-]+))?)?)");
  return pattern;
}

// service:port, the port a number or a name.
node backend(const std::string& service) {
  auto colon = service.find(':');
  std::string name = service.substr(0, colon), port = service.substr(colon + 1);
  node number_or_name = node::map();
  auto n = parse_int(port);
  if (n && *n >= 0 && *n <= 2147483647) number_or_name.set("number", node::plain(std::to_string(*n)));
  else if (!port.empty()) number_or_name.set("name", node::string(port));
  node svc = node::map();
  svc.set("name", node::string(name));
  svc.set("port", std::move(number_or_name));
  node out = node::map();
  out.set("service", std::move(svc));
  return out;
}

// "path=service:port" (after the host): a trailing '*' makes the path a Prefix.
node http_path(const std::string& path_and_service) {
  auto eq = path_and_service.find('=');
  std::string path = "/" + path_and_service.substr(0, eq);
  std::string type = "Exact";
  if (path.back() == '*') {
    type = "Prefix";
    path.pop_back();
  }
  node p = node::map();
  p.set("backend", backend(path_and_service.substr(eq + 1)));
  p.set("path", node::string(path));
  p.set("pathType", node::string(type));
  return p;
}

}  // namespace

node ingress(const std::string& name, const parsed_flags& flags) {
  auto rules = flags.all("rule");
  auto default_backend = flags.get("default-backend");
  TROUPE_REQUIRE(!default_backend.empty() || !rules.empty(), api_errc::bad_request,
                 "not enough information provided: every ingress has to either specify a default-backend (which "
                 "catches all traffic) or a list of rules (which catch specific paths)");
  for (auto& rule : rules)
    TROUPE_REQUIRE(std::regex_search(rule, rule_pattern()), api_errc::bad_request,
                   "rule " + rule + " is invalid and should be in format host/path=svcname:svcport[,tls[=secret]]");
  auto annotations = flags.all("annotation");
  for (auto& a : annotations)
    TROUPE_REQUIRE(a.find('=') != std::string::npos, api_errc::bad_request,
                   "annotation " + a + " is invalid and should be in format key=[value]");
  TROUPE_REQUIRE(default_backend.empty() || split(default_backend, ':').size() == 2, api_errc::bad_request,
                 "default-backend should be in format servicename:serviceport");

  node out = manifest_object("networking.k8s.io/v1", "Ingress", name);
  if (!annotations.empty()) {
    node map = node::map();
    for (auto& a : annotations) map.set(a.substr(0, a.find('=')), node::string(a.substr(a.find('=') + 1)));
    out.find("metadata")->set("annotations", std::move(map));
  }
  node spec = node::map();
  if (!default_backend.empty()) spec.set("defaultBackend", backend(default_backend));
  if (!flags.get("class").empty()) spec.set("ingressClassName", node::string(flags.get("class")));
  // One rule per host, its paths in order.
  node rule_list = node::list();
  std::map<std::string, size_t> rule_of_host;
  // TLS: one entry per secret, each host in the first that names it.
  node tls_list = node::list();
  std::map<std::string, size_t> tls_of_host;
  for (auto& rule : rules) {
    auto parts = split(rule, ',');
    auto slash = parts[0].find('/');
    std::string host = parts[0].substr(0, slash);
    if (auto known = rule_of_host.find(host); known != rule_of_host.end()) {
      rule_list.items()[known->second].find("http")->find("paths")->push(http_path(parts[0].substr(slash + 1)));
    } else {
      node paths = node::list();
      paths.push(http_path(parts[0].substr(slash + 1)));
      node http = node::map();
      http.set("paths", std::move(paths));
      node r = node::map();
      if (!host.empty()) r.set("host", node::string(host));
      r.set("http", std::move(http));
      rule_of_host[host] = rule_list.size();
      rule_list.push(std::move(r));
    }
    if (parts.size() != 2 || tls_of_host.count(host)) continue;
    auto secret_parts = split(parts[1], '=');
    std::string secret = secret_parts.size() > 1 ? secret_parts[1] : "";
    size_t at = tls_list.size();
    for (size_t i = 0; i < tls_list.size(); ++i)
      if (text_at(tls_list.items()[i], {"secretName"}) == secret) at = i;
    if (at < tls_list.size()) {
      node* hosts = tls_list.items()[at].find("hosts");
      if (!hosts) hosts = &tls_list.items()[at].set("hosts", node::list());
      hosts->push(node::string(host));
    } else {
      node tls = node::map();
      if (!host.empty()) tls.set("hosts", string_list({host}));
      if (!secret.empty()) tls.set("secretName", node::string(secret));
      tls_list.push(std::move(tls));
    }
    tls_of_host[host] = at;
  }
  if (rule_list.size()) spec.set("rules", std::move(rule_list));
  if (tls_list.size()) spec.set("tls", std::move(tls_list));
  out.set("spec", std::move(spec));
  return out;
}

}  // namespace troupe::cli
