// `describe pod` as kubectl lays it out (describePod): the pod, its containers with their
// state, resources, probes, environment and mounts, conditions, volumes, QoS class,
// node selectors, tolerations and Events. The container and volume parts serve pod templates.

#include <algorithm>

#include "runtime/base/text.hpp"
#include "runtime/base/time.hpp"
#include "runtime/cli/columns.hpp"
#include "runtime/cli/describe.hpp"
#include "runtime/cli/printers.hpp"
#include "runtime/object/quantity.hpp"

namespace troupe::cli {
namespace {

using codec::node;

std::string or_none(const std::string& s) {
  return s.empty() ? "<none>" : s;
}

std::string bool_text(const std::string& t) {
  return t == "true" ? "True" : "False";
}

// "80/TCP, 443/TCP" of the container ports (or host ports).
std::string ports_text(const node& c, const char* field) {
  std::vector<std::string> out;
  for (auto& p : items_of(lookup(c, {"ports"})))
    out.push_back(text_or(p, {field}, "0") + "/" + text_or(p, {"protocol"}, "TCP"));
  return join(out, ", ");
}

void write_state(tab_text& w, const std::string& title, const node* state) {
  if (state && state->find("running")) {
    w.write(2, title + ":\tRunning\n");
    w.write(3, "Started:\t" + rfc1123z(text_at(*state, {"running", "startedAt"})) + "\n");
  } else if (state && state->find("terminated")) {
    auto& t = *state->find("terminated");
    w.write(2, title + ":\tTerminated\n");
    if (auto r = text_at(t, {"reason"}); !r.empty()) w.write(3, "Reason:\t" + r + "\n");
    if (auto m = text_at(t, {"message"}); !m.empty()) w.write(3, "Message:\t" + m + "\n");
    w.write(3, "Exit Code:\t" + text_or(t, {"exitCode"}, "0") + "\n");
    if (auto s = text_at(t, {"signal"}); !s.empty() && s != "0") w.write(3, "Signal:\t" + s + "\n");
    w.write(3, "Started:\t" + rfc1123z(text_at(t, {"startedAt"})) + "\n");
    w.write(3, "Finished:\t" + rfc1123z(text_at(t, {"finishedAt"})) + "\n");
  } else {
    w.write(2, title + ":\tWaiting\n");
    if (auto r = state ? text_at(*state, {"waiting", "reason"}) : ""; !r.empty())
      w.write(3, "Reason:\t" + r + "\n");
  }
}

// kubectl's probe line: "http-get http://:8080/healthz delay=0s timeout=1s period=10s ...".
std::string probe_text(const node& p) {
  auto attrs = "delay=" + text_or(p, {"initialDelaySeconds"}, "0") +
               "s timeout=" + text_or(p, {"timeoutSeconds"}, "1") +
               "s period=" + text_or(p, {"periodSeconds"}, "10") +
               "s #success=" + text_or(p, {"successThreshold"}, "1") +
               " #failure=" + text_or(p, {"failureThreshold"}, "3");
  if (auto* get = lookup(p, {"httpGet"})) {
    auto scheme = to_lower(text_or(*get, {"scheme"}, "HTTP"));
    return "http-get " + scheme + "://" + text_at(*get, {"host"}) + ":" + text_at(*get, {"port"}) +
           text_at(*get, {"path"}) + " " + attrs;
  }
  if (auto* tcp = lookup(p, {"tcpSocket"}))
    return "tcp-socket " + text_at(*tcp, {"host"}) + ":" + text_at(*tcp, {"port"}) + " " + attrs;
  if (auto* exec = lookup(p, {"exec"})) {
    std::vector<std::string> cmd;
    for (auto& c : items_of(lookup(*exec, {"command"}))) cmd.push_back(c.text());
    return "exec [" + join(cmd, " ") + "] " + attrs;
  }
  if (auto* grpc = lookup(p, {"grpc"}))
    return "grpc <pod>:" + text_at(*grpc, {"port"}) + " " + text_at(*grpc, {"service"}) + " " +
           attrs;
  return "unknown " + attrs;
}

void write_resources(tab_text& w, const node& c) {
  for (auto [field, title] : {std::pair{"limits", "Limits"}, {"requests", "Requests"}}) {
    auto* list = lookup(c, {"resources", field});
    if (!list || !list->is_map() || list->size() == 0) continue;
    w.write(2, std::string(title) + ":\n");
    std::vector<std::pair<std::string, std::string>> sorted;
    for (auto& [k, v] : list->entries()) sorted.emplace_back(k, v.text());
    std::sort(sorted.begin(), sorted.end());
    for (auto& [k, v] : sorted) w.write(3, k + ":\t" + v + "\n");
  }
}

// What a downward API field path reads from the pod ("" in a template, which has no pod).
std::string field_value(const node* pod, const std::string& field_path) {
  if (!pod) return "";
  for (const char* map : {"metadata.labels['", "metadata.annotations['"}) {
    std::string prefix = map;
    if (starts_with(field_path, prefix) && field_path.size() > prefix.size() + 2)
      return text_at(*pod,
                     {"metadata", prefix.substr(9, prefix.size() - 11),
                      field_path.substr(prefix.size(), field_path.size() - prefix.size() - 2)});
  }
  const node* at = pod;
  for (auto& key : split(field_path, '.')) at = at && at->is_map() ? at->find(key) : nullptr;
  return at && at->is_scalar() ? at->text() : "";
}

// kubectl's describe of a resourceFieldRef: ExtractContainerResourceValue on the container
// described, in the divisor's units rounded up; a limit not set reads "node allocatable".
std::string resource_field_value(const node& c, const node& ref) {
  auto resource = text_at(ref, {"resource"});
  auto dot = resource.find('.');
  if (dot == std::string::npos) return "";
  auto which = resource.substr(0, dot), name = resource.substr(dot + 1);
  auto amount = quantity::parse(text_at(c, {"resources", which, name})).value_or(quantity());
  auto value = std::to_string(amount.in_units_of(quantity::parse(text_at(ref, {"divisor"})), name == "cpu"));
  if (value == "0" && (resource == "limits.cpu" || resource == "limits.memory")) return "node allocatable";
  return value;
}

void write_env(tab_text& w, const node& c, const node* pod) {
  if (auto& from = items_of(lookup(c, {"envFrom"})); !from.empty()) {
    w.write(2, "Environment Variables from:\n");
    for (auto& f : from) {
      bool secret = lookup(f, {"secretRef"}) != nullptr;
      auto* ref = lookup(f, {secret ? "secretRef" : "configMapRef"});
      auto prefix = text_at(f, {"prefix"});
      auto what = std::string(secret ? "Secret" : "ConfigMap") +
                  (prefix.empty() ? "" : " with prefix '" + prefix + "'");
      w.write(3, (ref ? text_at(*ref, {"name"}) : "") + "\t" + what + "\tOptional: " +
                     (ref && text_at(*ref, {"optional"}) == "true" ? "true" : "false") + "\n");
    }
  }
  auto& env = items_of(lookup(c, {"env"}));
  w.write(2, std::string("Environment:") + (env.empty() ? "\t<none>" : "") + "\n");
  for (auto& e : env) {
    auto name = text_at(e, {"name"});
    auto* from = lookup(e, {"valueFrom"});
    if (!from) {
      auto parts = split(text_at(e, {"value"}), '\n');
      for (size_t i = 0; i < parts.size(); ++i)
        w.write(3, (i ? "\t" : name + ":\t") + parts[i] + "\n");
      continue;
    }
    auto optional = [](const node& ref) {
      return text_at(ref, {"optional"}) == "true" ? "true" : "false";
    };
    if (auto* f = lookup(*from, {"fieldRef"}))
      w.write(3, name + ":\t" + field_value(pod, text_at(*f, {"fieldPath"})) + " (" +
                     text_or(*f, {"apiVersion"}, "v1") + ":" + text_at(*f, {"fieldPath"}) + ")\n");
    else if (auto* r = lookup(*from, {"resourceFieldRef"}))
      w.write(3, name + ":\t" + resource_field_value(c, *r) + " (" + text_at(*r, {"resource"}) + ")\n");
    else if (auto* s = lookup(*from, {"secretKeyRef"}))
      w.write(3, name + ":\t<set to the key '" + text_at(*s, {"key"}) + "' in secret '" +
                     text_at(*s, {"name"}) + "'>\tOptional: " + optional(*s) + "\n");
    else if (auto* m = lookup(*from, {"configMapKeyRef"}))
      w.write(3, name + ":\t<set to the key '" + text_at(*m, {"key"}) + "' of config map '" +
                     text_at(*m, {"name"}) + "'>\tOptional: " + optional(*m) + "\n");
  }
}

void write_mounts(tab_text& w, const node& c) {
  std::vector<const node*> mounts;
  for (auto& m : items_of(lookup(c, {"volumeMounts"}))) mounts.push_back(&m);
  w.write(2, std::string("Mounts:") + (mounts.empty() ? "\t<none>" : "") + "\n");
  std::stable_sort(mounts.begin(), mounts.end(), [](const node* a, const node* b) {
    return text_at(*a, {"mountPath"}) < text_at(*b, {"mountPath"});
  });
  for (auto* m : mounts) {
    std::string flags = text_at(*m, {"readOnly"}) == "true" ? "ro" : "rw";
    if (auto sub = text_at(*m, {"subPath"}); !sub.empty()) flags += ",path=" + quote(sub);
    w.write(3,
            text_at(*m, {"mountPath"}) + " from " + text_at(*m, {"name"}) + " (" + flags + ")\n");
  }
}

// describeContainers: `space` is "" for a pod, "  " inside a pod template.
void write_containers(tab_text& w, const std::string& title, const node* containers,
                      const node* statuses, const std::string& space, const node* pod = nullptr) {
  w.write(0, space + title + ":\n");
  for (auto& c : items_of(containers)) {
    auto name = text_at(c, {"name"});
    const node* status = nullptr;
    for (auto& s : items_of(statuses))
      if (text_at(s, {"name"}) == name) status = &s;
    w.write(1, (space.empty() ? "" : " ") + name + ":\n");
    if (status) w.write(2, "Container ID:\t" + text_at(*status, {"containerID"}) + "\n");
    w.write(2, "Image:\t" + text_at(c, {"image"}) + "\n");
    if (status) w.write(2, "Image ID:\t" + text_at(*status, {"imageID"}) + "\n");
    auto ports = ports_text(c, "containerPort"), host_ports = ports_text(c, "hostPort");
    w.write(
        2, (ports.find(',') != std::string::npos ? "Ports:\t" : "Port:\t") + or_none(ports) + "\n");
    w.write(2, (host_ports.find(',') != std::string::npos ? "Host Ports:\t" : "Host Port:\t") +
                   or_none(host_ports) + "\n");
    for (auto [field, label] : {std::pair{"command", "Command"}, {"args", "Args"}}) {
      auto& words = items_of(lookup(c, {field}));
      if (words.empty()) continue;
      w.write(2, std::string(label) + ":\n");
      for (auto& word : words)
        for (auto& part : split(word.text(), '\n')) w.write(3, part + "\n");
    }
    if (status) {
      write_state(w, "State", lookup(*status, {"state"}));
      if (auto* last = lookup(*status, {"lastState"}); last && last->find("terminated"))
        write_state(w, "Last State", last);
      w.write(2, "Ready:\t" + bool_text(text_at(*status, {"ready"})) + "\n");
      w.write(2, "Restart Count:\t" + text_or(*status, {"restartCount"}, "0") + "\n");
    }
    write_resources(w, c);
    for (auto [field, label] : {std::pair{"livenessProbe", "Liveness"},
                                {"readinessProbe", "Readiness"},
                                {"startupProbe", "Startup"}})
      if (auto* p = lookup(c, {field}))
        w.write(2, std::string(label) + ":\t" + probe_text(*p) + "\n");
    write_env(w, c, pod);
    write_mounts(w, c);
  }
}

void write_volume(tab_text& w, const node& v) {
  auto flag = [](const node& n, const char* f) {
    return text_at(n, {f}) == "true" ? "true" : "false";
  };
  if (auto* e = lookup(v, {"emptyDir"})) {
    w.write(2, "Type:\tEmptyDir (a temporary directory that shares a pod's lifetime)\n");
    w.write(2, "Medium:\t" + text_at(*e, {"medium"}) + "\n");
    w.write(2, "SizeLimit:\t" + text_or(*e, {"sizeLimit"}, "<unset>") + "\n");
  } else if (auto* h = lookup(v, {"hostPath"})) {
    w.write(2, "Type:\tHostPath (bare host directory volume)\n");
    w.write(2, "Path:\t" + text_at(*h, {"path"}) + "\n");
    w.write(2, "HostPathType:\t" + text_at(*h, {"type"}) + "\n");
  } else if (auto* c = lookup(v, {"configMap"})) {
    w.write(2, "Type:\tConfigMap (a volume populated by a ConfigMap)\n");
    w.write(2, "Name:\t" + text_at(*c, {"name"}) + "\n");
    w.write(2, std::string("Optional:\t") + flag(*c, "optional") + "\n");
  } else if (auto* s = lookup(v, {"secret"})) {
    w.write(2, "Type:\tSecret (a volume populated by a Secret)\n");
    w.write(2, "SecretName:\t" + text_at(*s, {"secretName"}) + "\n");
    w.write(2, std::string("Optional:\t") + flag(*s, "optional") + "\n");
  } else if (auto* p = lookup(v, {"persistentVolumeClaim"})) {
    w.write(2,
            "Type:\tPersistentVolumeClaim (a reference to a PersistentVolumeClaim in the same "
            "namespace)\n");
    w.write(2, "ClaimName:\t" + text_at(*p, {"claimName"}) + "\n");
    w.write(2, std::string("ReadOnly:\t") + flag(*p, "readOnly") + "\n");
  } else if (auto* d = lookup(v, {"downwardAPI"})) {
    w.write(2, "Type:\tDownwardAPI (a volume populated by information about the pod)\n");
    w.write(2, "Items:\n");
    for (auto& i : items_of(lookup(*d, {"items"})))
      w.write(3, text_at(i, {"fieldRef", "fieldPath"}) + " -> " + text_at(i, {"path"}) + "\n");
  } else {
    w.write(2, "<unknown>\n");
  }
}

void write_volumes(tab_text& w, const node* volumes, const std::string& space) {
  auto& list = items_of(volumes);
  if (list.empty()) return w.write(0, space + "Volumes:\t<none>\n");
  w.write(0, space + "Volumes:\n");
  for (auto& v : list) {
    w.write(1, text_at(v, {"name"}) + ":\n");
    write_volume(w, v);
  }
}

// "key=value:Effect op=Exists for 300s", one a line under the title.
void write_tolerations(tab_text& w, const std::string& indent, const node* tolerations) {
  w.write(0, indent + "Tolerations:\t");
  auto& list = items_of(tolerations);
  if (list.empty()) return w.write(0, "<none>\n");
  bool first = true;
  for (auto& t : list) {
    std::string line = text_at(t, {"key"});
    if (auto v = text_at(t, {"value"}); !v.empty()) line += "=" + v;
    if (auto e = text_at(t, {"effect"}); !e.empty()) line += ":" + e;
    // kubectl's printTolerationsMultilineWithIndent: a space only after a key or an effect.
    if (text_at(t, {"operator"}) == "Exists" && text_at(t, {"value"}).empty())
      line += line.empty() ? "op=Exists" : " op=Exists";
    if (auto s = text_at(t, {"tolerationSeconds"}); !s.empty()) line += " for " + s + "s";
    w.write(0, (first ? "" : indent + "\t") + line + "\n");
    first = false;
  }
}

// The QoS class the pod's status records, else as the kubelet computes it from resources.
std::string qos_class(const node& pod) {
  if (auto q = text_at(pod, {"status", "qosClass"}); !q.empty()) return q;
  bool any = false, guaranteed = true;
  for (auto& c : items_of(lookup(pod, {"spec", "containers"}))) {
    auto* limits = lookup(c, {"resources", "limits"});
    auto* requests = lookup(c, {"resources", "requests"});
    any = any || (limits && limits->size()) || (requests && requests->size());
    for (const char* r : {"cpu", "memory"}) {
      auto limit = quantity_of(limits, r), request = quantity_of(requests, r);
      if (limit.empty() || (!request.empty() && quantity::parse(request) != quantity::parse(limit)))
        guaranteed = false;
    }
  }
  return !any ? "BestEffort" : guaranteed ? "Guaranteed" : "Burstable";
}

}  // namespace

std::string controller_of(const node& object) {
  for (auto& o : items_of(lookup(object, {"metadata", "ownerReferences"})))
    if (text_at(o, {"controller"}) == "true")
      return text_at(o, {"kind"}) + "/" + text_at(o, {"name"});
  return "";
}

void write_pod_template(tab_text& w, const node* pod_template) {
  w.write(0, "Pod Template:\n");
  if (!pod_template) return w.write(1, "<unset>\n");
  write_labels(w, "  ", "Labels", lookup(*pod_template, {"metadata", "labels"}));
  if (auto* a = lookup(*pod_template, {"metadata", "annotations"}); a && a->size())
    write_annotations(w, "  ", "Annotations", a);
  if (auto sa = text_at(*pod_template, {"spec", "serviceAccountName"}); !sa.empty())
    w.write(1, "Service Account:\t" + sa + "\n");
  if (auto* init = lookup(*pod_template, {"spec", "initContainers"}); init && init->size())
    write_containers(w, "Init Containers", init, nullptr, "  ");
  write_containers(w, "Containers", lookup(*pod_template, {"spec", "containers"}), nullptr, "  ");
  write_volumes(w, lookup(*pod_template, {"spec", "volumes"}), "  ");
  write_labels(w, "  ", "Node-Selectors", lookup(*pod_template, {"spec", "nodeSelector"}));
  write_tolerations(w, "  ", lookup(*pod_template, {"spec", "tolerations"}));
}

std::string describe_pod(context& ctx, const kind_info& kind, const node& pod) {
  tab_text w;
  w.write(0, "Name:\t" + text_at(pod, {"metadata", "name"}) + "\n");
  w.write(0, "Namespace:\t" + text_at(pod, {"metadata", "namespace"}) + "\n");
  w.write(0, "Priority:\t" + text_or(pod, {"spec", "priority"}, "0") + "\n");
  if (auto pc = text_at(pod, {"spec", "priorityClassName"}); !pc.empty())
    w.write(0, "Priority Class Name:\t" + pc + "\n");
  w.write(0, "Service Account:\t" + text_or(pod, {"spec", "serviceAccountName"}, "default") + "\n");
  auto node_name = text_at(pod, {"spec", "nodeName"});
  w.write(
      0, "Node:\t" +
             (node_name.empty() ? "<none>" : node_name + "/" + text_at(pod, {"status", "hostIP"})) +
             "\n");
  if (auto start = text_at(pod, {"status", "startTime"}); !start.empty())
    w.write(0, "Start Time:\t" + rfc1123z(start) + "\n");
  write_labels(w, "", "Labels", lookup(pod, {"metadata", "labels"}));
  write_annotations(w, "", "Annotations", lookup(pod, {"metadata", "annotations"}));
  if (auto del = text_at(pod, {"metadata", "deletionTimestamp"}); !del.empty()) {
    auto at = parse_rfc3339(del).value_or(ctx.now());
    w.write(0, "Status:\tTerminating (lasts " +
                   human_duration(std::max<int64_t>(0, at - ctx.now())) + ")\n");
    w.write(0, "Termination Grace Period:\t" +
                   text_or(pod, {"metadata", "deletionGracePeriodSeconds"}, "0") + "s\n");
  } else {
    // The phase the API server gives a pod it has just admitted.
    w.write(0, "Status:\t" + text_or(pod, {"status", "phase"}, "Pending") + "\n");
  }
  if (auto r = text_at(pod, {"status", "reason"}); !r.empty()) w.write(0, "Reason:\t" + r + "\n");
  if (auto m = text_at(pod, {"status", "message"}); !m.empty()) w.write(0, "Message:\t" + m + "\n");
  w.write(0, "IP:\t" + text_at(pod, {"status", "podIP"}) + "\n");
  auto& ips = items_of(lookup(pod, {"status", "podIPs"}));
  if (ips.empty())
    w.write(0, "IPs:\t<none>\n");
  else
    w.write(0, "IPs:\n");
  for (auto& ip : ips) w.write(1, "IP:\t" + text_at(ip, {"ip"}) + "\n");
  if (auto owner = controller_of(pod); !owner.empty())
    w.write(0, "Controlled By:\t" + owner + "\n");
  if (auto n = text_at(pod, {"status", "nominatedNodeName"}); !n.empty())
    w.write(0, "NominatedNodeName:\t" + n + "\n");
  if (auto* init = lookup(pod, {"spec", "initContainers"}); init && init->size())
    write_containers(w, "Init Containers", init, lookup(pod, {"status", "initContainerStatuses"}),
                     "", &pod);
  write_containers(w, "Containers", lookup(pod, {"spec", "containers"}),
                   lookup(pod, {"status", "containerStatuses"}), "", &pod);
  if (auto& gates = items_of(lookup(pod, {"spec", "readinessGates"})); !gates.empty()) {
    w.write(0, "Readiness Gates:\n  Type\tStatus\n");
    for (auto& g : gates) {
      std::string status = "<none>";
      for (auto& c : items_of(lookup(pod, {"status", "conditions"})))
        if (text_at(c, {"type"}) == text_at(g, {"conditionType"})) status = text_at(c, {"status"});
      w.write(1, text_at(g, {"conditionType"}) + " \t" + status + " \n");
    }
  }
  if (auto& conds = items_of(lookup(pod, {"status", "conditions"})); !conds.empty()) {
    w.write(0, "Conditions:\n  Type\tStatus\n");
    for (auto& c : conds) w.write(1, text_at(c, {"type"}) + " \t" + text_at(c, {"status"}) + " \n");
  }
  write_volumes(w, lookup(pod, {"spec", "volumes"}), "");
  w.write(0, "QoS Class:\t" + qos_class(pod) + "\n");
  write_labels(w, "", "Node-Selectors", lookup(pod, {"spec", "nodeSelector"}));
  write_tolerations(w, "", lookup(pod, {"spec", "tolerations"}));
  write_events(ctx, kind, pod, w);
  return w.str();
}

}  // namespace troupe::cli
