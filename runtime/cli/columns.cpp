#include "runtime/cli/columns.hpp"

#include <algorithm>
#include <map>

#include "runtime/base/text.hpp"
#include "runtime/base/time.hpp"
#include "runtime/cli/printers.hpp"

namespace troupe::cli {

using codec::node;

namespace {

using path = std::initializer_list<std::string_view>;

std::string or_none(std::string s) {
  return s.empty() ? "<none>" : s;
}

size_t count(const node* n) {
  return n ? n->size() : 0;
}

std::string number_or_zero(const node& n, path p) {
  auto t = text_at(n, p);
  return t.empty() ? "0" : t;
}

// A cell that is one field's text, "<none>" when empty.
column field(std::string header, path p, bool wide = false) {
  std::vector<std::string> keys(p.begin(), p.end());
  return {std::move(header),
          [keys](const node& n) {
            const node* at = &n;
            for (auto& k : keys) {
              at = at->is_map() ? at->find(k) : nullptr;
              if (!at) return std::string("<none>");
            }
            return or_none(at->is_scalar() ? at->text() : "");
          },
          wide};
}

// A cell that is a count at `section`.`key` ("spec"/"status"), "0" when unset. The
// arguments are string literals, so the cell keeps pointers to them.
column count_column(std::string header, const char* section, const char* key) {
  return {std::move(header), [section, key](const node& n) {
            return number_or_zero(n, {section, key});
          }};
}

column age_column(int64_t now) {
  return {"AGE", [now](const node& n) { return age(n, now); }};
}

std::string since(const std::string& timestamp, int64_t now) {
  auto at = parse_rfc3339(timestamp);
  return at ? human_duration(now - *at) : "";
}

// ---- pods ------------------------------------------------------------------------------------

// READY, STATUS and RESTARTS as kubectl's printPod works them out: init containers first
// ("Init:1/2", "Init:CrashLoopBackOff"), then the app containers, last one first, whose
// waiting or terminated reason replaces the phase; restarts carry the latest restart's age.
// The list at `p`, or nothing when it is missing or not a list (items() of a map is empty).
const node* list_at(const node& n, path p) {
  const node* at = lookup(n, p);
  return at && at->is_list() ? at : nullptr;
}

struct pod_summary {
  std::string ready, status, restarts;
};

pod_summary summarize_pod(const node& pod, int64_t now) {
  auto* spec_inits = list_at(pod, {"spec", "initContainers"});
  auto restartable = [&](const std::string& name) {  // sidecars: init containers that keep running
    for (size_t i = 0; i < count(spec_inits); ++i) {
      auto& c = spec_inits->items()[i];
      if (text_at(c, {"name"}) == name) return text_at(c, {"restartPolicy"}) == "Always";
    }
    return false;
  };
  size_t total = count(list_at(pod, {"spec", "containers"})), ready = 0;
  for (size_t i = 0; i < count(spec_inits); ++i)
    total += text_at(spec_inits->items()[i], {"restartPolicy"}) == "Always";

  std::string reason = text_at(pod, {"status", "phase"});
  if (auto r = text_at(pod, {"status", "reason"}); !r.empty()) reason = r;
  if (auto* conds = list_at(pod, {"status", "conditions"}))
    for (auto& c : conds->items())
      if (text_at(c, {"type"}) == "PodScheduled" && text_at(c, {"reason"}) == "SchedulingGated")
        reason = "SchedulingGated";

  int64_t restarts = 0, sidecar_restarts = 0;
  std::string last_restart, last_sidecar_restart;  // RFC 3339, so text order is time order
  auto count_restarts = [](const node& s, int64_t& n, std::string& last) {
    n += parse_int(text_at(s, {"restartCount"})).value_or(0);
    last = std::max(last, text_at(s, {"lastState", "terminated", "finishedAt"}));
  };
  auto exit_reason = [](const node& terminated, const std::string& prefix) {
    auto signal = parse_int(text_at(terminated, {"signal"})).value_or(0);
    return signal ? prefix + "Signal:" + std::to_string(signal)
                  : prefix + "ExitCode:" + number_or_zero(terminated, {"exitCode"});
  };

  bool initializing = false;
  auto* init_statuses = list_at(pod, {"status", "initContainerStatuses"});
  for (size_t i = 0; i < count(init_statuses); ++i) {
    auto& s = init_statuses->items()[i];
    bool sidecar = restartable(text_at(s, {"name"}));
    count_restarts(s, restarts, last_restart);
    if (sidecar) count_restarts(s, sidecar_restarts, last_sidecar_restart);
    auto* terminated = lookup(s, {"state", "terminated"});
    auto waiting = text_at(s, {"state", "waiting", "reason"});
    if (terminated && number_or_zero(*terminated, {"exitCode"}) == "0") continue;
    if (sidecar && text_at(s, {"started"}) == "true") {
      ready += text_at(s, {"ready"}) == "true";
      continue;
    }
    if (terminated) {
      auto why = text_at(*terminated, {"reason"});
      reason = why.empty() ? exit_reason(*terminated, "Init:") : "Init:" + why;
    } else if (!waiting.empty() && waiting != "PodInitializing") {
      reason = "Init:" + waiting;
    } else {
      reason = "Init:" + std::to_string(i) + "/" + std::to_string(count(spec_inits));
    }
    initializing = true;
    break;
  }

  bool initialized = false;
  if (auto* conds = list_at(pod, {"status", "conditions"}))
    for (auto& c : conds->items())
      initialized |= text_at(c, {"type"}) == "Initialized" && text_at(c, {"status"}) == "True";
  if (!initializing || initialized) {
    restarts = sidecar_restarts;
    last_restart = last_sidecar_restart;
    bool running = false;
    if (auto* statuses = list_at(pod, {"status", "containerStatuses"}))
      for (size_t i = statuses->size(); i-- > 0;) {
        auto& s = statuses->items()[i];
        count_restarts(s, restarts, last_restart);
        auto* terminated = lookup(s, {"state", "terminated"});
        if (auto waiting = text_at(s, {"state", "waiting", "reason"}); !waiting.empty()) {
          reason = waiting;
        } else if (terminated) {
          auto why = text_at(*terminated, {"reason"});
          reason = why.empty() ? exit_reason(*terminated, "") : why;
        } else if (text_at(s, {"ready"}) == "true" && lookup(s, {"state", "running"})) {
          running = true;
          ++ready;
        }
      }
    if (reason == "Completed" && running) {
      bool has_ready = false;
      if (auto* conds = list_at(pod, {"status", "conditions"}))
        for (auto& c : conds->items())
          has_ready |= text_at(c, {"type"}) == "Ready" && text_at(c, {"status"}) == "True";
      reason = has_ready ? "Running" : "NotReady";
    }
  }

  auto phase = text_at(pod, {"status", "phase"});
  if (!text_at(pod, {"metadata", "deletionTimestamp"}).empty()) {
    if (text_at(pod, {"status", "reason"}) == "NodeLost")
      reason = "Unknown";
    else if (phase != "Succeeded" && phase != "Failed")
      reason = "Terminating";
  }

  pod_summary out;
  out.ready = std::to_string(ready) + "/" + std::to_string(total);
  out.status = reason.empty() ? "Pending" : reason;
  out.restarts = std::to_string(restarts);
  if (restarts != 0 && !last_restart.empty()) out.restarts += " (" + since(last_restart, now) + " ago)";
  return out;
}

// READINESS GATES: how many of the pod's gates have a True condition, of how many.
std::string readiness_gates(const node& pod) {
  auto* gates = lookup(pod, {"spec", "readinessGates"});
  if (count(gates) == 0) return "<none>";
  size_t met = 0;
  auto* conds = lookup(pod, {"status", "conditions"});
  for (auto& g : gates->items())
    for (size_t i = 0; i < count(conds); ++i)
      met += text_at(conds->items()[i], {"type"}) == text_at(g, {"conditionType"}) &&
             text_at(conds->items()[i], {"status"}) == "True";
  return std::to_string(met) + "/" + std::to_string(gates->size());
}

std::vector<column> pod_columns(int64_t now) {
  return {{"READY", [now](const node& pod) { return summarize_pod(pod, now).ready; }},
          {"STATUS", [now](const node& pod) { return summarize_pod(pod, now).status; }},
          {"RESTARTS", [now](const node& pod) { return summarize_pod(pod, now).restarts; }},
          age_column(now),
          field("IP", {"status", "podIP"}, true),
          field("NODE", {"spec", "nodeName"}, true),
          field("NOMINATED NODE", {"status", "nominatedNodeName"}, true),
          {"READINESS GATES", readiness_gates, true}};
}

// ---- workloads -------------------------------------------------------------------------------

std::string template_containers(const node& n, const char* field_name, path spec) {
  std::vector<std::string> out;
  if (auto* pod_spec = lookup(n, spec))
    if (auto* cs = lookup(*pod_spec, {"containers"}))
      for (auto& c : cs->items()) out.push_back(text_at(c, {field_name}));
  return or_none(join(out, ","));
}

// CONTAINERS IMAGES [SELECTOR], the wide columns of every workload kind.
std::vector<column> workload_wide(bool with_selector, path spec = {"spec", "template", "spec"}) {
  std::vector<std::string> keys(spec.begin(), spec.end());
  auto at = [keys](const node& n) -> const node* {
    const node* p = &n;
    for (auto& k : keys) p = p && p->is_map() ? p->find(k) : nullptr;
    return p;
  };
  std::vector<column> out = {{"CONTAINERS",
                              [at](const node& n) {
                                auto* s = at(n);
                                return s ? template_containers(*s, "name", {}) : "<none>";
                              },
                              true},
                             {"IMAGES",
                              [at](const node& n) {
                                auto* s = at(n);
                                return s ? template_containers(*s, "image", {}) : "<none>";
                              },
                              true}};
  if (with_selector)
    out.push_back({"SELECTOR",
                   [](const node& n) {
                     return label_selector_text(lookup(n, {"spec", "selector"}));
                   },
                   true});
  return out;
}

std::string replicas_wanted(const node& n) {
  auto want = text_at(n, {"spec", "replicas"});
  return want.empty() ? "1" : want;
}

// READY as kubectl shows it for deployments and stateful sets: ready replicas over wanted ones.
column ready_of_wanted_column() {
  return {"READY", [](const node& n) {
            return number_or_zero(n, {"status", "readyReplicas"}) + "/" + replicas_wanted(n);
          }};
}

std::vector<column> deployment_columns(int64_t now) {
  std::vector<column> out = {
      ready_of_wanted_column(), count_column("UP-TO-DATE", "status", "updatedReplicas"),
      count_column("AVAILABLE", "status", "availableReplicas"), age_column(now)};
  for (auto& c : workload_wide(true)) out.push_back(c);
  return out;
}

std::vector<column> daemonset_columns(int64_t now) {
  std::vector<column> out = {
      count_column("DESIRED", "status", "desiredNumberScheduled"),
      count_column("CURRENT", "status", "currentNumberScheduled"),
      count_column("READY", "status", "numberReady"),
      count_column("UP-TO-DATE", "status", "updatedNumberScheduled"),
      count_column("AVAILABLE", "status", "numberAvailable"),
      {"NODE SELECTOR",
       [](const node& n) {
         return labels_text(lookup(n, {"spec", "template", "spec", "nodeSelector"}));
       }},
      age_column(now)};
  for (auto& c : workload_wide(true)) out.push_back(c);
  return out;
}

bool has_condition(const node& n, const char* type) {
  if (auto* conds = lookup(n, {"status", "conditions"}))
    for (auto& c : conds->items())
      if (text_at(c, {"type"}) == type && text_at(c, {"status"}) == "True") return true;
  return false;
}

std::string job_status(const node& job) {
  if (has_condition(job, "Complete")) return "Complete";
  if (has_condition(job, "Failed")) return "Failed";
  if (!text_at(job, {"metadata", "deletionTimestamp"}).empty()) return "Terminating";
  if (has_condition(job, "SuccessCriteriaMet")) return "SuccessCriteriaMet";
  if (has_condition(job, "Suspended")) return "Suspended";
  if (has_condition(job, "FailureTarget")) return "FailureTarget";
  return "Running";
}

// "1/3", or without completions "0/1", or with parallelism above one "0/1 of 4".
std::string job_completions(const node& job) {
  auto succeeded = number_or_zero(job, {"status", "succeeded"});
  auto want = text_at(job, {"spec", "completions"});
  if (!want.empty()) return succeeded + "/" + want;
  auto parallelism = parse_int(text_at(job, {"spec", "parallelism"})).value_or(0);
  return succeeded + "/1" + (parallelism > 1 ? " of " + std::to_string(parallelism) : "");
}

std::vector<column> job_columns(int64_t now) {
  std::vector<column> out = {
      {"STATUS", job_status},
      {"COMPLETIONS", job_completions},
      {"DURATION",
       [now](const node& n) {
         auto start = parse_rfc3339(text_at(n, {"status", "startTime"}));
         if (!start) return std::string();
         auto end = parse_rfc3339(text_at(n, {"status", "completionTime"})).value_or(now);
         return human_duration(std::max<int64_t>(0, end - *start));
       }},
      age_column(now)};
  for (auto& c : workload_wide(true)) out.push_back(c);
  return out;
}

std::vector<column> cronjob_columns(int64_t now) {
  std::vector<column> out = {
      field("SCHEDULE", {"spec", "schedule"}),
      field("TIMEZONE", {"spec", "timeZone"}),
      // The API server defaults suspend to false, so kubectl sees False where it is unset.
      {"SUSPEND",
       [](const node& n) {
         return text_at(n, {"spec", "suspend"}) == "true" ? "True" : "False";
       }},
      {"ACTIVE",
       [](const node& n) {
         return std::to_string(count(lookup(n, {"status", "active"})));
       }},
      {"LAST SCHEDULE",
       [now](const node& n) {
         return or_none(since(text_at(n, {"status", "lastScheduleTime"}), now));
       }},
      age_column(now)};
  for (auto& c : workload_wide(true, {"spec", "jobTemplate", "spec", "template", "spec"}))
    out.push_back(c);
  // kubectl's cron job SELECTOR is the job template's.
  out.back().value = [](const node& n) {
    return label_selector_text(lookup(n, {"spec", "jobTemplate", "spec", "selector"}));
  };
  return out;
}

// ---- services and nodes ----------------------------------------------------------------------

std::string service_type(const node& svc) {
  auto t = text_at(svc, {"spec", "type"});
  return t.empty() ? "ClusterIP" : t;
}

std::string service_external_ip(const node& svc, bool wide) {
  std::vector<std::string> external;
  if (auto* ips = lookup(svc, {"spec", "externalIPs"}))
    for (auto& ip : ips->items()) external.push_back(ip.text());
  auto type = service_type(svc);
  if (type == "ClusterIP" || type == "NodePort") return or_none(join(external, ","));
  if (type == "ExternalName") return text_at(svc, {"spec", "externalName"});
  if (type != "LoadBalancer") return "<unknown>";
  auto lb = load_balancer_text(svc, wide);
  if (!external.empty()) return lb.empty() ? join(external, ",") : lb + "," + join(external, ",");
  return lb.empty() ? "<pending>" : lb;
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

std::vector<column> service_columns(int64_t now) {
  return {{"TYPE", service_type},
          field("CLUSTER-IP", {"spec", "clusterIP"}),
          {"EXTERNAL-IP", [](const node& n) { return service_external_ip(n, false); }},
          {"PORT(S)", service_ports},
          age_column(now),
          {"SELECTOR",
           [](const node& n) {
             return labels_text(lookup(n, {"spec", "selector"}));
           },
           true}};
}

std::string node_status(const node& n) {
  std::string status = "Unknown";
  if (auto* conds = lookup(n, {"status", "conditions"}))
    for (auto& c : conds->items())
      if (text_at(c, {"type"}) == "Ready")
        status = text_at(c, {"status"}) == "True" ? "Ready" : "NotReady";
  if (text_at(n, {"spec", "unschedulable"}) == "true") status += ",SchedulingDisabled";
  return status;
}

column node_address(std::string header, std::string type) {
  return {std::move(header),
          [type](const node& n) {
            if (auto* addrs = lookup(n, {"status", "addresses"}))
              for (auto& a : addrs->items())
                if (text_at(a, {"type"}) == type) return text_at(a, {"address"});
            return std::string("<none>");
          },
          true};
}

column node_info(std::string header, const char* key) {
  return {std::move(header),
          [key](const node& n) {
            auto v = text_at(n, {"status", "nodeInfo", key});
            return v.empty() ? "<unknown>" : v;
          },
          true};
}

std::vector<column> node_columns(int64_t now) {
  return {{"STATUS", node_status},
          {"ROLES", node_roles},
          age_column(now),
          {"VERSION",  // as it is, even empty (kubectl's printNode)
           [](const node& n) { return text_at(n, {"status", "nodeInfo", "kubeletVersion"}); }},
          node_address("INTERNAL-IP", "InternalIP"),
          node_address("EXTERNAL-IP", "ExternalIP"),
          node_info("OS-IMAGE", "osImage"),
          node_info("KERNEL-VERSION", "kernelVersion"),
          node_info("CONTAINER-RUNTIME", "containerRuntimeVersion")};
}

// ---- storage ---------------------------------------------------------------------------------

// -o wide's VOLUMEMODE of volumes and claims (Filesystem unless set).
column volume_mode_column() {
  return {"VOLUMEMODE",
          [](const node& n) {
            auto m = text_at(n, {"spec", "volumeMode"});
            return m.empty() ? "Filesystem" : m;
          },
          true};
}

std::vector<column> pv_columns(int64_t now) {
  return {{"CAPACITY",
           [](const node& n) {
             auto q = quantity_of(lookup(n, {"spec", "capacity"}), "storage");
             return q.empty() ? "0" : q;
           }},
          {"ACCESS MODES",
           [](const node& n) {
             return access_modes(lookup(n, {"spec", "accessModes"}));
           }},
          {"RECLAIM POLICY",
           [](const node& n) {
             return text_at(n, {"spec", "persistentVolumeReclaimPolicy"});
           }},
          {"STATUS",
           [](const node& n) {
             return text_at(n, {"status", "phase"});
           }},
          {"CLAIM",
           [](const node& n) {
             auto name = text_at(n, {"spec", "claimRef", "name"});
             return name.empty() ? "" : text_at(n, {"spec", "claimRef", "namespace"}) + "/" + name;
           }},
          {"STORAGECLASS",
           [](const node& n) {
             return text_at(n, {"spec", "storageClassName"});
           }},
          {"VOLUMEATTRIBUTESCLASS", [](const node&) { return std::string("<unset>"); }},
          {"REASON",
           [](const node& n) {
             return text_at(n, {"status", "reason"});
           }},
          age_column(now),
          volume_mode_column()};
}

std::vector<column> pvc_columns(int64_t now) {
  auto bound = [](const node& n) { return !text_at(n, {"spec", "volumeName"}).empty(); };
  return {{"STATUS",
           [](const node& n) {
             if (!text_at(n, {"metadata", "deletionTimestamp"}).empty())
               return std::string("Terminating");
             auto p = text_at(n, {"status", "phase"});
             return p.empty() ? "Pending" : p;
           }},
          {"VOLUME",
           [](const node& n) {
             return text_at(n, {"spec", "volumeName"});
           }},
          {"CAPACITY",
           [bound](const node& n) {
             return bound(n) ? quantity_of(lookup(n, {"status", "capacity"}), "storage") : "";
           }},
          {"ACCESS MODES",
           [bound](const node& n) {
             return bound(n) ? access_modes(lookup(n, {"status", "accessModes"})) : "";
           }},
          {"STORAGECLASS",
           [](const node& n) {
             return text_at(n, {"spec", "storageClassName"});
           }},
          {"VOLUMEATTRIBUTESCLASS", [](const node&) { return std::string("<unset>"); }},
          age_column(now),
          volume_mode_column()};
}

// ---- networking, RBAC, coordination ----------------------------------------------------------

// The rules' hosts, "*" for none, "a,b,c + 2 more..." past three.
std::string ingress_hosts(const node& ing) {
  std::vector<std::string> hosts;
  if (auto* rules = lookup(ing, {"spec", "rules"}))
    for (auto& r : rules->items())
      if (auto h = text_at(r, {"host"}); !h.empty()) hosts.push_back(h);
  if (hosts.empty()) return "*";
  if (hosts.size() <= 3) return join(hosts, ",");
  return join(std::vector<std::string>(hosts.begin(), hosts.begin() + 3), ",") + " + " +
         std::to_string(hosts.size() - 3) + " more...";
}

std::vector<column> ingress_columns(int64_t now) {
  return {field("CLASS", {"spec", "ingressClassName"}),
          {"HOSTS", ingress_hosts},
          {"ADDRESS", [](const node& n) { return load_balancer_text(n, false); }},
          {"PORTS",
           [](const node& n) {
             return count(lookup(n, {"spec", "tls"})) ? "80, 443" : "80";
           }},
          age_column(now)};
}

std::string subjects_of(const node& binding, const char* kind) {
  std::vector<std::string> out;
  if (auto* subjects = lookup(binding, {"subjects"}))
    for (auto& s : subjects->items())
      if (text_at(s, {"kind"}) == kind)
        out.push_back(std::string(kind) == "ServiceAccount"
                          ? text_at(s, {"namespace"}) + ":" + text_at(s, {"name"})
                          : text_at(s, {"name"}));
  return join(out, ", ");
}

std::vector<column> binding_columns(int64_t now) {
  return {
      {"ROLE",
       [](const node& n) {
         return text_at(n, {"roleRef", "kind"}) + "/" + text_at(n, {"roleRef", "name"});
       }},
      age_column(now),
      {"USERS", [](const node& n) { return subjects_of(n, "User"); }, true},
      {"GROUPS", [](const node& n) { return subjects_of(n, "Group"); }, true},
      {"SERVICEACCOUNTS", [](const node& n) { return subjects_of(n, "ServiceAccount"); }, true}};
}

// ---- the rest --------------------------------------------------------------------------------

// kubectl's formatEndpoints: each port's addresses in turn, three at most and "+ N more...".
std::string endpoints_text(const node& n) {
  constexpr size_t shown = 3;
  std::vector<std::string> out;
  size_t total = 0;
  auto add = [&](const std::string& text) {
    ++total;
    if (out.size() < shown) out.push_back(text);
  };
  if (auto* subsets = lookup(n, {"subsets"}))
    for (auto& s : subsets->items()) {
      auto* addrs = lookup(s, {"addresses"});
      auto* ports = lookup(s, {"ports"});
      if (count(ports) == 0) {
        for (size_t a = 0; a < count(addrs); ++a) add(text_at(addrs->items()[a], {"ip"}));
        continue;
      }
      for (auto& port : ports->items())
        for (size_t a = 0; a < count(addrs); ++a) {
          std::string ip = text_at(addrs->items()[a], {"ip"});
          add((ip.find(':') != std::string::npos ? "[" + ip + "]" : ip) + ":" + text_at(port, {"port"}));
        }
    }
  std::string text = join(out, ",");
  if (total > shown) text += " + " + std::to_string(total - shown) + " more...";
  return or_none(text);
}

std::string default_to(const node& n, path p, const char* fallback) {
  auto t = text_at(n, p);
  return t.empty() ? fallback : t;
}

}  // namespace

// The load balancer's addresses; cut to 13 characters and "..." past 16 unless wide.
std::string load_balancer_text(const node& object, bool wide) {
  std::vector<std::string> out;
  if (auto* ingress = lookup(object, {"status", "loadBalancer", "ingress"}))
    for (auto& i : ingress->items()) {
      auto ip = text_at(i, {"ip"});
      out.push_back(ip.empty() ? text_at(i, {"hostname"}) : ip);
    }
  auto text = join(out, ",");
  return !wide && text.size() > 16 ? text.substr(0, 13) + "..." : text;
}

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
  return roles.empty() ? "<none>" : join(roles, ",");
}

std::string age(const node& object, int64_t now) {
  auto created = parse_rfc3339(text_at(object, {"metadata", "creationTimestamp"}));
  if (!created) return "<unknown>";
  return human_duration(now - *created);
}

// RWO,ROX,RWX,RWOP in the order given.
std::string access_modes(const node* modes) {
  static const std::map<std::string, std::string> short_names = {{"ReadWriteOnce", "RWO"},
                                                                 {"ReadOnlyMany", "ROX"},
                                                                 {"ReadWriteMany", "RWX"},
                                                                 {"ReadWriteOncePod", "RWOP"}};
  std::vector<std::string> out;
  for (size_t i = 0; i < count(modes); ++i) {
    auto m = modes->items()[i].text();
    auto s = short_names.find(m);
    if (s != short_names.end() && std::find(out.begin(), out.end(), s->second) == out.end())
      out.push_back(s->second);
  }
  return join(out, ",");
}

std::string labels_text(const node* labels) {
  if (!labels || !labels->is_map()) return "<none>";
  std::map<std::string, std::string> sorted;
  for (auto& [k, v] : labels->entries()) sorted[k] = v.text();
  std::vector<std::string> parts;
  for (auto& [k, v] : sorted) parts.push_back(k + "=" + v);
  return or_none(join(parts, ","));
}

// As metav1.FormatLabelSelector: requirements sorted by key.
std::string label_selector_text(const node* selector) {
  if (!selector || !selector->is_map()) return "<none>";
  std::vector<std::pair<std::string, std::string>> parts;
  if (auto* labels = selector->find("matchLabels"); labels && labels->is_map())
    for (auto& [k, v] : labels->entries()) parts.emplace_back(k, k + "=" + v.text());
  if (auto* exprs = selector->find("matchExpressions"))
    for (size_t i = 0; i < count(exprs); ++i) {
      auto& e = exprs->items()[i];
      auto key = text_at(e, {"key"}), op = text_at(e, {"operator"});
      std::vector<std::string> values;
      if (auto* vs = lookup(e, {"values"}))
        for (auto& v : vs->items()) values.push_back(v.text());
      std::sort(values.begin(), values.end());
      auto set = " (" + join(values, ",") + ")";
      parts.emplace_back(key, op == "In"       ? key + " in" + set
                              : op == "NotIn"  ? key + " notin" + set
                              : op == "Exists" ? key
                                               : "!" + key);
    }
  std::stable_sort(parts.begin(), parts.end(), [](auto& a, auto& b) { return a.first < b.first; });
  std::vector<std::string> out;
  for (auto& p : parts) out.push_back(p.second);
  return or_none(join(out, ","));
}

std::string quantity_of(const node* quantities, const std::string& key) {
  if (!quantities || !quantities->is_map()) return "";
  auto* q = quantities->find(key);
  return q && q->is_scalar() ? q->text() : "";
}

std::vector<column> columns_for(const kind_info& kind, int64_t now) {
  const std::string& k = kind.kind;
  if (k == "Pod") return pod_columns(now);
  if (k == "Deployment") return deployment_columns(now);
  if (k == "DaemonSet") return daemonset_columns(now);
  if (k == "Job") return job_columns(now);
  if (k == "CronJob") return cronjob_columns(now);
  if (k == "Service") return service_columns(now);
  if (k == "Node") return node_columns(now);
  if (k == "PersistentVolume") return pv_columns(now);
  if (k == "PersistentVolumeClaim") return pvc_columns(now);
  if (k == "Ingress") return ingress_columns(now);
  if (k == "RoleBinding" || k == "ClusterRoleBinding") return binding_columns(now);
  if (k == "Role" || k == "ClusterRole")
    return {{"CREATED AT", [](const node& n) {
               return text_at(n, {"metadata", "creationTimestamp"});
             }}};
  if (k == "StatefulSet") {
    std::vector<column> out = {ready_of_wanted_column(), age_column(now)};
    for (auto& c : workload_wide(false)) out.push_back(c);
    return out;
  }
  if (k == "ReplicaSet") {
    std::vector<column> out = {count_column("DESIRED", "spec", "replicas"),
                               count_column("CURRENT", "status", "replicas"),
                               count_column("READY", "status", "readyReplicas"), age_column(now)};
    for (auto& c : workload_wide(true)) out.push_back(c);
    return out;
  }
  if (k == "PriorityClass")
    return {
        {"VALUE", [](const node& n) { return default_to(n, {"value"}, "0"); }},
        {"GLOBAL-DEFAULT", [](const node& n) { return default_to(n, {"globalDefault"}, "false"); }},
        age_column(now),
        {"PREEMPTIONPOLICY", [](const node& n) { return text_at(n, {"preemptionPolicy"}); }}};
  if (k == "Lease")
    return {{"HOLDER",
             [](const node& n) {
               return text_at(n, {"spec", "holderIdentity"});
             }},
            age_column(now)};
  if (k == "ServiceAccount")
    return {
        {"SECRETS", [](const node& n) { return std::to_string(count(lookup(n, {"secrets"}))); }},
        age_column(now)};
  if (k == "Namespace")
    return {{"STATUS",
             [](const node& n) {
               return default_to(n, {"status", "phase"}, "Active");
             }},
            age_column(now)};
  if (k == "ConfigMap")
    return {{"DATA",
             [](const node& n) {
               return std::to_string(count(lookup(n, {"data"})) + count(lookup(n, {"binaryData"})));
             }},
            age_column(now)};
  if (k == "Secret")
    return {{"TYPE", [](const node& n) { return default_to(n, {"type"}, "Opaque"); }},
            {"DATA",
             [](const node& n) {
               return std::to_string(count(lookup(n, {"data"})) + count(lookup(n, {"stringData"})));
             }},
            age_column(now)};
  if (k == "Endpoints") return {{"ENDPOINTS", endpoints_text}, age_column(now)};
  return {age_column(now)};
}

}  // namespace troupe::cli
