#include "runtime/cli/raw.hpp"

#include <algorithm>
#include <chrono>
#include <set>
#include <vector>

#include "runtime/base/text.hpp"
#include "runtime/cli/context.hpp"
#include "runtime/codec/json.hpp"
#include "runtime/codec/object_codec.hpp"

namespace troupe::cli {
namespace {

using codec::node;

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// A query component as Go's url.QueryUnescape reads it: %XX escapes, '+' a space; a path
// segment as PathUnescape reads it, '+' itself.
std::optional<std::string> url_unescape(std::string_view text, bool query = true) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+' && query) {
      out += ' ';
    } else if (text[i] != '%') {
      out += text[i];
    } else {
      if (i + 2 >= text.size()) return std::nullopt;
      int high = hex_digit(text[i + 1]), low = hex_digit(text[i + 2]);
      if (high < 0 || low < 0) return std::nullopt;
      out += static_cast<char>(high * 16 + low);
      i += 2;
    }
  }
  return out;
}

std::optional<int64_t> query_number(const std::string& key, const std::string& value) {
  auto n = parse_int(value);
  TROUPE_REQUIRE(n && *n >= 0, api_errc::bad_request,
                 "--raw: query parameter " + key + ": invalid value " + quote(value) + ", a whole number of 0 or more");
  return n;
}

void read_query(raw_path& route, std::string_view query) {
  for (auto& pair : split(query, '&')) {
    if (pair.empty()) continue;
    auto eq = pair.find('=');
    auto key = url_unescape(pair.substr(0, eq));
    auto value = url_unescape(eq == std::string::npos ? "" : pair.substr(eq + 1));
    TROUPE_REQUIRE(key && value, api_errc::bad_request, "--raw: invalid URL escape in " + quote(pair));
    // Other parameters (pretty, allowWatchBookmarks, ...) change nothing troupe prints.
    if (*key == "labelSelector") route.label_selector = *value;
    else if (*key == "fieldSelector") route.field_selector = *value;
    else if (*key == "continue") route.continue_after = *value;
    else if (*key == "resourceVersion") route.resource_version = *value;
    else if (*key == "limit") route.limit = static_cast<uint32_t>(std::min<int64_t>(*query_number(*key, *value), UINT32_MAX));
    else if (*key == "timeoutSeconds") route.timeout_seconds = *query_number(*key, *value);
    else if (*key == "watch") route.watch = *value == "true" || *value == "1";
  }
}

const kind_info* kind_at(const kind_registry& kinds, const std::string& group, const std::string& version,
                         const std::string& plural) {
  for (auto& k : kinds.all())
    if (k->group == group && k->version == version && k->plural == plural) return k.get();
  return nullptr;
}

bool group_served(const kind_registry& kinds, const std::string& group, const std::string& version) {
  for (auto& k : kinds.all())
    if (k->group == group && (version.empty() || k->version == version)) return true;
  return false;
}

// What follows /api/v1 or /apis/GROUP/VERSION: [namespaces/NS/]PLURAL[/NAME[/status]].
std::optional<raw_path> route_resource(const kind_registry& kinds, raw_path route,
                                       const std::vector<std::string>& rest) {
  size_t at = 0;
  // /namespaces/NS/PLURAL...; /namespaces/NAME[/status] is the Namespace itself.
  if (rest.size() >= 3 && rest[0] == "namespaces" && rest[2] != "status") {
    route.ns = rest[1];
    at = 2;
  }
  if (at >= rest.size()) return std::nullopt;
  route.kind = kind_at(kinds, route.group, route.version, rest[at]);
  if (!route.kind || (at > 0) != route.kind->namespaced) {
    // A namespaced kind is also listed across namespaces: /api/v1/pods.
    if (!(route.kind && route.kind->namespaced && at == 0 && rest.size() == 1)) return std::nullopt;
  }
  size_t left = rest.size() - at - 1;
  if (left == 0) {
    route.target = raw_path::what::collection;
  } else if (left == 1 || (left == 2 && rest.back() == "status" && route.kind->has_status)) {
    route.target = raw_path::what::object;
    route.name = rest[at + 1];
  } else {
    return std::nullopt;
  }
  for (auto& segment : rest)
    if (segment.empty()) return std::nullopt;
  return route;
}

}  // namespace

std::optional<raw_path> route_raw_path(const kind_registry& kinds, const std::string& url) {
  std::string_view text = url;
  // kubectl sends only the path and query of a whole URL (RequestURI).
  for (std::string_view scheme : {"http://", "https://"})
    if (starts_with(text, scheme)) {
      auto slash = text.find('/', scheme.size());
      text = slash == std::string_view::npos ? std::string_view("/") : text.substr(slash);
    }
  TROUPE_REQUIRE(starts_with(text, "/"), api_errc::bad_request,
                 "--raw must be a valid URL path: parse " + quote(url) + ": invalid URI for request");
  raw_path route;
  auto question = text.find('?');
  if (question != std::string_view::npos) read_query(route, text.substr(question + 1));
  std::string path(text.substr(1, question == std::string_view::npos ? std::string_view::npos : question - 1));
  std::vector<std::string> segments;
  for (auto& s : split(path, '/')) {
    auto decoded = url_unescape(s, false);
    TROUPE_REQUIRE(decoded, api_errc::bad_request, "--raw: invalid URL escape in " + quote(s));
    segments.push_back(*decoded);
  }
  using what = raw_path::what;
  if (segments.size() == 1 && (segments[0] == "healthz" || segments[0] == "livez" || segments[0] == "readyz")) {
    route.target = what::health;
    return route;
  }
  if (segments.size() == 1 && segments[0] == "version") {
    route.target = what::version;
    return route;
  }
  if (segments[0] == "api") {
    if (segments.size() == 1) {
      route.target = what::core;
      return route;
    }
    if (segments[1] != "v1") return std::nullopt;
    route.version = "v1";
    if (segments.size() == 2) {
      route.target = what::resources;
      return route;
    }
    return route_resource(kinds, route, {segments.begin() + 2, segments.end()});
  }
  if (segments[0] != "apis") return std::nullopt;
  if (segments.size() == 1) {
    route.target = what::groups;
    return route;
  }
  route.group = segments[1];
  if (route.group.empty() || !group_served(kinds, route.group, "")) return std::nullopt;
  if (segments.size() == 2) {
    route.target = what::group;
    return route;
  }
  route.version = segments[2];
  if (!group_served(kinds, route.group, route.version)) return std::nullopt;
  if (segments.size() == 3) {
    route.target = what::resources;
    return route;
  }
  return route_resource(kinds, route, {segments.begin() + 3, segments.end()});
}

namespace {

node text_list(const std::vector<std::string>& texts) {
  node list = node::list();
  for (auto& t : texts) list.push(node::string(t));
  return list;
}

node group_version(const std::string& group, const std::string& version) {
  node gv = node::map();
  gv.set("groupVersion", node::string(group + "/" + version));
  gv.set("version", node::string(version));
  return gv;
}

// An APIGroup as /apis lists it: troupe serves one version of each group.
node api_group(const kind_registry& kinds, const std::string& group) {
  std::set<std::string> versions;
  for (auto& k : kinds.all())
    if (k->group == group) versions.insert(k->version);
  node g = node::map();
  g.set("name", node::string(group));
  node list = node::list();
  for (auto& v : versions) list.push(group_version(group, v));
  g.set("versions", std::move(list));
  g.set("preferredVersion", group_version(group, *versions.begin()));
  return g;
}

// The APIResourceList of a group version, with each kind's status subresource.
node api_resources(const kind_registry& kinds, const std::string& group, const std::string& version) {
  node doc = node::map();
  doc.set("kind", node::string("APIResourceList"));
  if (!group.empty()) doc.set("apiVersion", node::string("v1"));
  doc.set("groupVersion", node::string(group.empty() ? version : group + "/" + version));
  std::vector<const kind_info*> served;
  for (auto& k : kinds.all())
    if (k->group == group && k->version == version) served.push_back(k.get());
  std::sort(served.begin(), served.end(), [](auto* a, auto* b) { return a->plural < b->plural; });
  node resources = node::list();
  for (auto* k : served) {
    node r = node::map();
    r.set("name", node::string(k->plural));
    r.set("singularName", node::string(k->singular));
    r.set("namespaced", node::plain(k->namespaced ? "true" : "false"));
    r.set("kind", node::string(k->kind));
    // Every resource actor serves the same verbs (as `api-resources -o wide` prints them).
    r.set("verbs", text_list(served_verbs()));
    if (!k->short_names.empty()) r.set("shortNames", text_list(k->short_names));
    if (!k->categories.empty()) r.set("categories", text_list(k->categories));
    resources.push(std::move(r));
    if (!k->has_status) continue;
    node status = node::map();
    status.set("name", node::string(k->plural + "/status"));
    status.set("singularName", node::string(""));
    status.set("namespaced", node::plain(k->namespaced ? "true" : "false"));
    status.set("kind", node::string(k->kind));
    status.set("verbs", text_list({"get", "patch", "update"}));
    resources.push(std::move(status));
  }
  doc.set("resources", std::move(resources));
  return doc;
}

node discovery(context& ctx, const raw_path& route) {
  using what = raw_path::what;
  node doc = node::map();
  if (route.target == what::core) {
    doc.set("kind", node::string("APIVersions"));
    doc.set("versions", text_list({"v1"}));
    node address = node::map();
    address.set("clientCIDR", node::string("0.0.0.0/0"));
    address.set("serverAddress", node::string(ctx.server_address()));
    node addresses = node::list();
    addresses.push(std::move(address));
    doc.set("serverAddressByClientCIDRs", std::move(addresses));
  } else if (route.target == what::groups) {
    doc.set("kind", node::string("APIGroupList"));
    doc.set("apiVersion", node::string("v1"));
    std::set<std::string> names;
    for (auto& k : ctx.kinds.all())
      if (!k->group.empty()) names.insert(k->group);
    node groups = node::list();
    for (auto& name : names) groups.push(api_group(ctx.kinds, name));
    doc.set("groups", std::move(groups));
  } else if (route.target == what::group) {
    doc.set("kind", node::string("APIGroup"));
    doc.set("apiVersion", node::string("v1"));
    node group = api_group(ctx.kinds, route.group);
    for (auto& [key, value] : group.entries()) doc.set(key, std::move(value));
  } else {
    doc = api_resources(ctx.kinds, route.group, route.version);
  }
  return doc;
}

// The server's JSON for an object: compact, escaped as Go's encoder escapes, kind before
// apiVersion as the typed objects' TypeMeta writes them.
std::string object_json(const std::string& bytes, const kind_info& kind) {
  node object = codec::encode_object(bytes, kind);
  node typed = node::map();
  typed.set("kind", node::string(kind.kind));
  typed.set("apiVersion", node::string(kind.api_version()));
  for (auto& [key, value] : object.entries())
    if (key != "kind" && key != "apiVersion") typed.set(key, std::move(value));
  return codec::to_json_escaped(typed);
}

api_request request_for(const raw_path& route) {
  api_request req;
  req.resource = route.kind->resource();
  req.ns = route.ns;
  req.name = route.name;
  req.label_selector = route.label_selector;
  req.field_selector = route.field_selector;
  req.limit = route.limit;
  req.continue_after = route.continue_after;
  return req;
}

// A list as the API server answers it: KindList, the revision read at, items without their
// kind and apiVersion (the list names them once).
std::string list_json(const rpc::call_result& listed, const kind_info& kind) {
  node doc = node::map();
  doc.set("kind", node::string(kind.kind + "List"));
  doc.set("apiVersion", node::string(kind.api_version()));
  node metadata = node::map();
  metadata.set("resourceVersion", node::string(std::to_string(listed.revision)));
  if (!listed.continue_after.empty()) metadata.set("continue", node::string(listed.continue_after));
  doc.set("metadata", std::move(metadata));
  node items = node::list();
  for (auto& bytes : listed.items) {
    node item = codec::encode_object(bytes, kind);
    item.erase("kind");
    item.erase("apiVersion");
    items.push(std::move(item));
  }
  doc.set("items", std::move(items));
  return codec::to_json_escaped(doc);
}

// A watch as the API server streams it, one JSON event per line; without a resourceVersion
// it begins with the objects there now as ADDED, as Kubernetes' watch does.
void stream_watch(context& ctx, const raw_path& route) {
  auto req = request_for(route);
  req.limit = 0;  // a watch lists and streams everything, whatever limit asks
  req.continue_after.clear();
  uint64_t revision = 0;
  if (!route.resource_version.empty() && route.resource_version != "0") {
    auto parsed = parse_int(route.resource_version);
    TROUPE_REQUIRE(parsed && *parsed >= 0, api_errc::bad_request,
                   "--raw: query parameter resourceVersion: invalid value " + quote(route.resource_version));
    revision = static_cast<uint64_t>(*parsed);
  } else {
    auto listed = ctx.api().call(api_verb::list, req);
    for (auto& bytes : listed.items)
      ctx.out << "{\"type\":\"ADDED\",\"object\":" << object_json(bytes, *route.kind) << "}\n";
    ctx.out.flush();
    revision = listed.revision;
  }
  req.resource_version = revision;
  // A year at most, as an unlimited watch: the milliseconds must not overflow.
  constexpr int64_t year_seconds = int64_t{365} * 24 * 3600;
  static const char* const types[] = {"", "ADDED", "MODIFIED", "DELETED", "BOOKMARK"};
  auto seconds = route.timeout_seconds > 0 ? std::min(route.timeout_seconds, year_seconds) : year_seconds;
  auto patience = std::chrono::milliseconds(seconds * 1000);
  ctx.api().watch(req, false, [&](const rpc::event& ev) {
    if (ev.type < 1 || ev.type > 3 || ev.object.empty()) return true;
    ctx.out << "{\"type\":\"" << types[ev.type] << "\",\"object\":" << object_json(ev.object, *route.kind) << "}\n";
    ctx.out.flush();
    return true;
  }, patience);
}

}  // namespace

int get_raw(context& ctx) {
  auto url = ctx.flags.get("raw");
  TROUPE_REQUIRE(ctx.flags.positional.empty(), api_errc::bad_request,
                 "arguments may not be passed when --raw is specified");
  for (const char* filter : {"watch", "watch-only", "selector", "filename", "field-selector"})
    TROUPE_REQUIRE(!ctx.flags.has(filter), api_errc::bad_request,
                   "--raw may not be specified with other flags that filter the server request or alter the output");
  TROUPE_REQUIRE(!ctx.flags.has("output"), api_errc::bad_request, "--raw and --output are mutually exclusive");
  auto route = route_raw_path(ctx.kinds, url);
  if (!route)
    throw rpc::server_error(api_error(api_errc::not_found, "the server could not find the requested resource"));
  using what = raw_path::what;
  switch (route->target) {
    case what::health:
      ctx.api().server_version();  // answered: the server is up
      ctx.out << "ok";
      break;
    case what::version: {
      // Written as the API server writes it (MarshalIndent): no newline after.
      ctx.out << codec::to_json(version_info(ctx.api().server_version(), false), 2);
      break;
    }
    case what::core:
    case what::groups:
    case what::group:
    case what::resources:
      ctx.api().server_version();  // discovery is the server's answer, so it must be there
      ctx.out << codec::to_json_escaped(discovery(ctx, *route)) << "\n";  // json.Encoder's newline
      break;
    case what::collection:
      if (route->watch) {
        stream_watch(ctx, *route);
        break;
      }
      ctx.out << list_json(ctx.api().call(api_verb::list, request_for(*route)), *route->kind) << "\n";
      break;
    case what::object:
      ctx.out << object_json(ctx.api().call(api_verb::get, request_for(*route)).object, *route->kind) << "\n";
      break;
  }
  ctx.out.flush();
  return 0;
}

}  // namespace troupe::cli
