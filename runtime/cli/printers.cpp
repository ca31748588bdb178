#include "runtime/cli/printers.hpp"

#include <algorithm>
#include <cctype>
#include <functional>
#include <map>

#include "runtime/base/error.hpp"
#include "runtime/base/text.hpp"
#include "runtime/base/time.hpp"
#include "runtime/codec/json.hpp"

namespace troupe::cli {

using codec::node;

const node* lookup(const node& root, std::initializer_list<std::string_view> path) {
  const node* at = &root;
  for (auto key : path) {
    if (!at->is_map()) return nullptr;
    at = at->find(key);
    if (!at) return nullptr;
  }
  return at;
}

std::string text_at(const node& root, std::initializer_list<std::string_view> path) {
  const node* n = lookup(root, path);
  return n && n->is_scalar() ? n->text() : "";
}

namespace {

struct column {
  std::string header;
  std::function<std::string(const node&)> value;
  bool wide_only = false;
};

std::string or_none(std::string s) { return s.empty() ? "<none>" : s; }

size_t count(const node* n) { return n ? n->size() : 0; }

std::string pod_ready(const node& pod) {
  size_t total = count(lookup(pod, {"spec", "containers"})), ready = 0;
  if (auto* statuses = lookup(pod, {"status", "containerStatuses"}))
    for (auto& s : statuses->items()) ready += text_at(s, {"ready"}) == "true";
  return std::to_string(ready) + "/" + std::to_string(total);
}

// kubectl shows a waiting or terminated container's reason in place of the phase.
std::string pod_status(const node& pod) {
  if (!text_at(pod, {"metadata", "deletionTimestamp"}).empty()) return "Terminating";
  std::string status = text_at(pod, {"status", "phase"});
  if (auto* statuses = lookup(pod, {"status", "containerStatuses"}))
    for (auto& s : statuses->items()) {
      auto reason = text_at(s, {"state", "waiting", "reason"});
      if (reason.empty()) reason = text_at(s, {"state", "terminated", "reason"});
      if (!reason.empty()) status = reason;
    }
  return status.empty() ? "Pending" : status;
}

std::string pod_restarts(const node& pod) {
  int64_t restarts = 0;
  if (auto* statuses = lookup(pod, {"status", "containerStatuses"}))
    for (auto& s : statuses->items())
      restarts += parse_int(text_at(s, {"restartCount"})).value_or(0);
  return std::to_string(restarts);
}

std::string number_or_zero(const node& n, std::initializer_list<std::string_view> path) {
  auto t = text_at(n, path);
  return t.empty() ? "0" : t;
}

std::string service_ports(const node& svc) {
  std::vector<std::string> out;
  if (auto* ports = lookup(svc, {"spec", "ports"}))
    for (auto& p : ports->items()) {
      auto s = text_at(p, {"port"});
      if (auto np = text_at(p, {"nodePort"}); !np.empty()) s += ":" + np;
      auto proto = text_at(p, {"protocol"});
      out.push_back(s + "/" + (proto.empty() ? "TCP" : proto));
    }
  return or_none(join(out, ","));
}

std::string node_status(const node& n) {
  std::string status = "Unknown";
  if (auto* conds = lookup(n, {"status", "conditions"}))
    for (auto& c : conds->items())
      if (text_at(c, {"type"}) == "Ready") status = text_at(c, {"status"}) == "True" ? "Ready" : "NotReady";
  if (text_at(n, {"spec", "unschedulable"}) == "true") status += ",SchedulingDisabled";
  return status;
}

std::string age(const node& object, int64_t now) {
  auto created = parse_rfc3339(text_at(object, {"metadata", "creationTimestamp"}));
  if (!created) return "<unknown>";
  return human_duration(std::max<int64_t>(0, now - *created));
}

// kubectl's ROLES: the <role> of each node-role.kubernetes.io/<role> label, and the value of
// kubernetes.io/role.
std::string node_roles(const node& n) {
  std::vector<std::string> roles;
  if (auto* labels = lookup(n, {"metadata", "labels"}); labels && labels->is_map())
    for (auto& [k, v] : labels->entries()) {
      if (starts_with(k, "node-role.kubernetes.io/") && k.size() > 24)
        roles.push_back(k.substr(24));
      if (k == "kubernetes.io/role" && !v.text().empty()) roles.push_back(v.text());
    }
  std::sort(roles.begin(), roles.end());
  roles.erase(std::unique(roles.begin(), roles.end()), roles.end());
  return or_none(join(roles, ","));
}

std::string selector_text(const node* labels) {
  if (!labels || !labels->is_map()) return "<none>";
  std::vector<std::string> parts;
  for (auto& [k, v] : labels->entries()) parts.push_back(k + "=" + v.text());
  return or_none(join(parts, ","));
}

// k=v,... in key order (kubectl's labels are a Go map, printed sorted).
std::string labels_text(const node* labels) {
  if (!labels || !labels->is_map()) return "<none>";
  std::map<std::string, std::string> sorted;
  for (auto& [k, v] : labels->entries()) sorted[k] = v.text();
  std::vector<std::string> parts;
  for (auto& [k, v] : sorted) parts.push_back(k + "=" + v);
  return or_none(join(parts, ","));
}

std::string template_containers(const node& n, const char* field) {
  std::vector<std::string> out;
  if (auto* cs = lookup(n, {"spec", "template", "spec", "containers"}))
    for (auto& c : cs->items()) out.push_back(text_at(c, {field}));
  return or_none(join(out, ","));
}

std::vector<column> columns_for(const kind_info& kind, int64_t now) {
  const std::string& k = kind.kind;
  if (k == "Pod")
    return {{"READY", pod_ready},
            {"STATUS", pod_status},
            {"RESTARTS", pod_restarts},
            {"IP", [](const node& n) { return or_none(text_at(n, {"status", "podIP"})); }, true},
            {"NODE", [](const node& n) { return or_none(text_at(n, {"spec", "nodeName"})); }, true}};
  if (k == "Deployment")
    return {{"READY",
             [](const node& n) {
               return number_or_zero(n, {"status", "readyReplicas"}) + "/" +
                      (text_at(n, {"spec", "replicas"}).empty() ? "1" : text_at(n, {"spec", "replicas"}));
             }},
            {"UP-TO-DATE", [](const node& n) { return number_or_zero(n, {"status", "updatedReplicas"}); }},
            {"AVAILABLE", [](const node& n) { return number_or_zero(n, {"status", "availableReplicas"}); }},
            {"CONTAINERS", [](const node& n) { return template_containers(n, "name"); }, true},
            {"IMAGES", [](const node& n) { return template_containers(n, "image"); }, true}};
  if (k == "StatefulSet")
    return {{"READY",
             [](const node& n) {
               auto want = text_at(n, {"spec", "replicas"});
               return number_or_zero(n, {"status", "readyReplicas"}) + "/" +
                      (want.empty() ? "1" : want);
             }},
            {"CONTAINERS", [](const node& n) { return template_containers(n, "name"); }, true},
            {"IMAGES", [](const node& n) { return template_containers(n, "image"); }, true}};
  if (k == "ReplicaSet")
    return {{"DESIRED", [](const node& n) { return number_or_zero(n, {"spec", "replicas"}); }},
            {"CURRENT", [](const node& n) { return number_or_zero(n, {"status", "replicas"}); }},
            {"READY", [](const node& n) { return number_or_zero(n, {"status", "readyReplicas"}); }}};
  if (k == "DaemonSet")
    return {{"DESIRED", [](const node& n) { return number_or_zero(n, {"status", "desiredNumberScheduled"}); }},
            {"CURRENT", [](const node& n) { return number_or_zero(n, {"status", "currentNumberScheduled"}); }},
            {"READY", [](const node& n) { return number_or_zero(n, {"status", "numberReady"}); }}};
  if (k == "Service")
    return {{"TYPE", [](const node& n) { auto t = text_at(n, {"spec", "type"}); return t.empty() ? "ClusterIP" : t; }},
            {"CLUSTER-IP", [](const node& n) { return or_none(text_at(n, {"spec", "clusterIP"})); }},
            {"EXTERNAL-IP", [](const node&) { return std::string("<none>"); }},
            {"PORT(S)", service_ports},
            {"SELECTOR", [](const node& n) { return selector_text(lookup(n, {"spec", "selector"})); }, true}};
  if (k == "Node")
    return {{"STATUS", node_status},
            {"ROLES", node_roles},
            {"AGE", [now](const node& n) { return age(n, now); }},
            {"VERSION", [](const node& n) {
               return or_none(text_at(n, {"status", "nodeInfo", "kubeletVersion"}));
             }}};
  if (k == "Namespace")
    return {{"STATUS", [](const node& n) { auto p = text_at(n, {"status", "phase"}); return p.empty() ? "Active" : p; }}};
  if (k == "ConfigMap")
    return {{"DATA", [](const node& n) {
               return std::to_string(count(lookup(n, {"data"})) + count(lookup(n, {"binaryData"})));
             }}};
  if (k == "Secret")
    return {{"TYPE", [](const node& n) { auto t = text_at(n, {"type"}); return t.empty() ? "Opaque" : t; }},
            {"DATA", [](const node& n) {
               return std::to_string(count(lookup(n, {"data"})) + count(lookup(n, {"stringData"})));
             }}};
  if (k == "Job")
    return {{"COMPLETIONS", [](const node& n) {
               auto want = text_at(n, {"spec", "completions"});
               return number_or_zero(n, {"status", "succeeded"}) + "/" + (want.empty() ? "1" : want);
             }}};
  if (k == "CronJob")
    return {{"SCHEDULE", [](const node& n) { return text_at(n, {"spec", "schedule"}); }},
            {"SUSPEND", [](const node& n) { auto s = text_at(n, {"spec", "suspend"}); return s.empty() ? "False" : (s == "true" ? "True" : "False"); }}};
  if (k == "PersistentVolumeClaim")
    return {{"STATUS", [](const node& n) { auto p = text_at(n, {"status", "phase"}); return p.empty() ? "Pending" : p; }},
            {"VOLUME", [](const node& n) { return text_at(n, {"spec", "volumeName"}); }}};
  if (k == "Endpoints")
    return {{"ENDPOINTS", [](const node& n) {
               std::vector<std::string> out;
               if (auto* subsets = lookup(n, {"subsets"}))
                 for (auto& s : subsets->items()) {
                   auto* addrs = lookup(s, {"addresses"});
                   auto* ports = lookup(s, {"ports"});
                   if (!addrs) continue;
                   for (auto& a : addrs->items())
                     for (size_t i = 0; i < std::max<size_t>(1, count(ports)); ++i)
                       out.push_back(text_at(a, {"ip"}) +
                                     (ports && i < ports->size() ? ":" + text_at(ports->items()[i], {"port"}) : ""));
                 }
               return or_none(join(out, ","));
             }}};
  return {};
}

}  // namespace

// kubectl's event table has no NAME: what happened to which object, and when last.
std::vector<column> event_columns(const table_options& options) {
  return {{"LAST SEEN",
           [&](const node& n) {
             auto last = parse_rfc3339(text_at(n, {"lastTimestamp"}));
             if (!last) last = parse_rfc3339(text_at(n, {"metadata", "creationTimestamp"}));
             return last ? human_duration(std::max<int64_t>(0, options.now - *last)) : "<unknown>";
           }},
          {"TYPE", [](const node& n) { return text_at(n, {"type"}); }},
          {"REASON", [](const node& n) { return text_at(n, {"reason"}); }},
          {"OBJECT",
           [](const node& n) {
             return to_lower(text_at(n, {"involvedObject", "kind"})) + "/" + text_at(n, {"involvedObject", "name"});
           }},
          {"MESSAGE", [](const node& n) { return text_at(n, {"message"}); }}};
}

std::string print_table(const kind_info& kind, const std::vector<node>& objects,
                        const table_options& options) {
  std::vector<column> cols;
  if (options.with_namespace)
    cols.push_back({"NAMESPACE", [](const node& n) { return text_at(n, {"metadata", "namespace"}); }});
  if (kind.kind == "Event") {
    for (auto& c : event_columns(options)) cols.push_back(c);
  } else {
    cols.push_back({"NAME", [](const node& n) { return text_at(n, {"metadata", "name"}); }});
    for (auto& c : columns_for(kind, options.now))
      if (!c.wide_only) cols.push_back(c);
    // Most kinds end with AGE; a kind that places it (nodes: before VERSION) has it already.
    if (std::none_of(cols.begin(), cols.end(), [](auto& c) { return c.header == "AGE"; }))
      cols.push_back({"AGE", [&](const node& n) { return age(n, options.now); }});
  }
  if (options.wide)
    for (auto& c : columns_for(kind, options.now))
      if (c.wide_only) cols.push_back(c);
  for (auto& key : options.label_columns) {
    auto header = key.substr(key.rfind('/') + 1);
    for (auto& c : header) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    cols.push_back({header, [key](const node& n) {
                      return text_at(n, {"metadata", "labels", key});
                    }});
  }
  if (options.show_labels)
    cols.push_back({"LABELS", [](const node& n) {
                      return labels_text(lookup(n, {"metadata", "labels"}));
                    }});

  std::vector<std::vector<std::string>> rows;
  if (options.headers) {
    rows.emplace_back();
    for (auto& c : cols) rows.back().push_back(c.header);
  }
  for (auto& object : objects) {
    rows.emplace_back();
    for (auto& c : cols) rows.back().push_back(c.value(object));
  }
  std::vector<size_t> own(cols.size(), 0);
  auto& widths = options.widths ? *options.widths : own;
  widths.resize(cols.size(), 0);
  for (auto& row : rows)
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  std::string out;
  for (auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(widths[i] - row[i].size() + 3, ' ');
    }
    out += line + "\n";
  }
  return out;
}

std::string object_ref(const kind_info& kind, const node& object) {
  return kind.singular_resource() + "/" + text_at(object, {"metadata", "name"});
}

node list_of(std::vector<node> items) {
  node list = node::map();
  list.set("apiVersion", node::string("v1"));
  node array = node::list();
  for (auto& item : items) array.push(std::move(item));
  list.set("items", std::move(array));
  list.set("kind", node::string("List"));
  return list;
}

}  // namespace troupe::cli
