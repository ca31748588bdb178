// `describe deployment|service|node|secret` as kubectl lays them out (DeploymentDescriber,
// ServiceDescriber, NodeDescriber, SecretDescriber), reading what they show beside the object
// itself: the deployment's replica sets, the service's endpoints, the node's lease and pods.

#include <kj/encoding.h>

#include <algorithm>
#include <map>
#include <set>

#include "runtime/base/text.hpp"
#include "runtime/cli/columns.hpp"
#include "runtime/cli/describe.hpp"
#include "runtime/cli/printers.hpp"
#include "runtime/codec/object_codec.hpp"
#include "runtime/object/pod_resources.hpp"
#include "runtime/object/quantity.hpp"

namespace troupe::cli {
namespace {

using codec::node;

// ---- deployment ------------------------------------------------------------------------------

bool owned_by(const node& object, const node& owner) {
  for (auto& o : items_of(lookup(object, {"metadata", "ownerReferences"})))
    if (text_at(o, {"uid"}) == text_at(owner, {"metadata", "uid"})) return true;
  return false;
}

// A pod template without the pod-template-hash label the controller adds to its replica sets'.
node without_hash(node pod_template) {
  if (auto* meta = pod_template.find("metadata"); meta && meta->is_map())
    if (auto* labels = meta->find("labels"); labels && labels->is_map())
      labels->erase("pod-template-hash");
  return pod_template;
}

// "web-abc (2/2 replicas created), ...", or "<none>".
std::string replica_sets_text(const std::vector<const node*>& sets) {
  std::vector<std::string> out;
  for (auto* rs : sets)
    out.push_back(text_at(*rs, {"metadata", "name"}) + " (" +
                  text_or(*rs, {"status", "replicas"}, "0") + "/" +
                  text_or(*rs, {"spec", "replicas"}, "1") + " replicas created)");
  return out.empty() ? "<none>" : join(out, ", ");
}

void write_replica_sets(context& ctx, const node& deploy, tab_text& w) {
  auto sets = list_of_kind(ctx, "replicasets", text_at(deploy, {"metadata", "namespace"}));
  auto* wanted = lookup(deploy, {"spec", "template"});
  std::vector<const node*> old_sets, new_sets;
  for (auto& rs : sets) {
    if (!owned_by(rs, deploy)) continue;
    auto* tmpl = lookup(rs, {"spec", "template"});
    bool current = wanted && tmpl && without_hash(*tmpl) == without_hash(*wanted);
    (current && new_sets.empty() ? new_sets : old_sets).push_back(&rs);
  }
  w.write(0, "OldReplicaSets:\t" + replica_sets_text(old_sets) + "\n");
  w.write(0, "NewReplicaSet:\t" + replica_sets_text(new_sets) + "\n");
}

// ---- service ---------------------------------------------------------------------------------

// ---- node ------------------------------------------------------------------------------------

using amounts = std::map<std::string, quantity>;

struct usage {
  amounts requests, limits;
};

bool standard_resource(const std::string& name) {
  return name == "cpu" || name == "memory" || name == "ephemeral-storage" || name == "pods" ||
         starts_with(name, "hugepages-");
}

amounts amounts_of(const node* list) {
  amounts out;
  if (!list || !list->is_map()) return out;
  for (auto& [name, value] : list->entries())
    out[name] = quantity::parse(value.text()).value_or(quantity());
  return out;
}

quantity amount(const node* list, const std::string& resource) {
  auto text = quantity_of(list, resource);
  return text.empty() ? quantity() : quantity::parse(text).value_or(quantity());
}

// A pod's requests and limits as kubectl's PodRequestsAndLimits: containers summed, init
// containers' peaks and sidecars counted, the overhead added (to limits only where one is set).
usage pod_usage(const node& pod) {
  auto add = [](amounts& to, const amounts& more) {
    for (auto& [name, q] : more) to[name] = to[name] + q;
  };
  auto raise = [](amounts& to, const amounts& more) {
    for (auto& [name, q] : more) to[name] = std::max(to[name], q);
  };
  auto sidecar = [](const node& c) { return text_at(c, {"restartPolicy"}) == "Always"; };
  auto& containers = items_of(lookup(pod, {"spec", "containers"}));
  auto& init_containers = items_of(lookup(pod, {"spec", "initContainers"}));
  auto of = [](const char* which) {
    return [which](const node& c) { return amounts_of(lookup(c, {"resources", which})); };
  };
  usage u;
  u.requests =
      peak_of_pod<amounts>(containers, init_containers, of("requests"), sidecar, add, raise);
  u.limits = peak_of_pod<amounts>(containers, init_containers, of("limits"), sidecar, add, raise);
  for (auto& [name, q] : amounts_of(lookup(pod, {"spec", "overhead"}))) {
    u.requests[name] = u.requests[name] + q;
    if (u.limits.count(name)) u.limits[name] = u.limits[name] + q;
  }
  return u;
}

// "250m (12%)": the amount and its share of what the node has, truncated as kubectl does.
std::string share(quantity q, quantity of, bool memory) {
  int64_t percent = 0;
  if (memory && of.value() != 0)
    percent = static_cast<int64_t>(static_cast<double>(q.value()) / of.value() * 100);
  if (!memory && of.milli() != 0)
    percent = static_cast<int64_t>(static_cast<double>(q.milli()) / of.milli() * 100);
  auto text = q.is_zero() ? "0" : memory ? q.format_binary() : q.format_decimal();
  return text + " (" + std::to_string(percent) + "%)";
}

void write_node_pods(context& ctx, const node& n, tab_text& w) {
  auto name = text_at(n, {"metadata", "name"});
  std::vector<node> pods;
  for (auto& p : list_of_kind(ctx, "pods", "", "spec.nodeName=" + name)) {
    auto phase = text_at(p, {"status", "phase"});
    if (phase != "Succeeded" && phase != "Failed") pods.push_back(std::move(p));
  }
  auto* allocatable = lookup(n, {"status", "allocatable"});
  if (!allocatable || allocatable->size() == 0) allocatable = lookup(n, {"status", "capacity"});
  auto cpu = amount(allocatable, "cpu"), memory = amount(allocatable, "memory");
  w.write(0, "Non-terminated Pods:\t(" + std::to_string(pods.size()) + " in total)\n");
  w.write(1, "Namespace\tName\t\tCPU Requests\tCPU Limits\tMemory Requests\tMemory Limits\tAge\n");
  w.write(1, "---------\t----\t\t------------\t----------\t---------------\t-------------\t---\n");
  usage total;
  for (auto& p : pods) {
    auto u = pod_usage(p);
    w.write(1, text_at(p, {"metadata", "namespace"}) + "\t" + text_at(p, {"metadata", "name"}) +
                   "\t\t" + share(u.requests["cpu"], cpu, false) + "\t" +
                   share(u.limits["cpu"], cpu, false) + "\t" +
                   share(u.requests["memory"], memory, true) + "\t" +
                   share(u.limits["memory"], memory, true) + "\t" + age(p, ctx.now()) + "\n");
    for (auto& [name, q] : u.requests) total.requests[name] = total.requests[name] + q;
    for (auto& [name, q] : u.limits) total.limits[name] = total.limits[name] + q;
  }
  w.write(0,
          "Allocated resources:\n  (Total limits may be over 100 percent, i.e., overcommitted.)\n");
  w.write(1, "Resource\tRequests\tLimits\n");
  w.write(1, "--------\t--------\t------\n");
  w.write(1, "cpu\t" + share(total.requests["cpu"], cpu, false) + "\t" +
                 share(total.limits["cpu"], cpu, false) + "\n");
  for (auto name : {"memory", "ephemeral-storage"})
    w.write(1, std::string(name) + "\t" +
                   share(total.requests[name], amount(allocatable, name), true) + "\t" +
                   share(total.limits[name], amount(allocatable, name), true) + "\n");
  // Then the node's huge pages with their shares and each extended resource it offers without
  // one, as kubectl (each sorted by name).
  std::set<std::string> huge_pages, extended;
  if (allocatable && allocatable->is_map())
    for (auto& [name, value] : allocatable->entries()) {
      if (starts_with(name, "hugepages-"))
        huge_pages.insert(name);
      else if (!standard_resource(name))
        extended.insert(name);
    }
  for (auto& name : huge_pages)
    w.write(1, name + "\t" + share(total.requests[name], amount(allocatable, name), true) + "\t" +
                   share(total.limits[name], amount(allocatable, name), true) + "\n");
  auto spelled = [](quantity q) { return q.is_zero() ? std::string("0") : q.format_decimal(); };
  for (auto& name : extended)
    w.write(
        1, name + "\t" + spelled(total.requests[name]) + "\t" + spelled(total.limits[name]) + "\n");
}

void write_lease(context& ctx, const node& n, tab_text& w) {
  try {
    auto& kind = ctx.kind("leases");
    auto lease = codec::encode_object(
        ctx.get(kind, "kube-node-lease", text_at(n, {"metadata", "name"})).object, kind);
    w.write(0, "Lease:\n");
    w.write(1, "HolderIdentity:\t" + text_or(lease, {"spec", "holderIdentity"}, "<unset>") + "\n");
    w.write(1,
            "AcquireTime:\t" + rfc1123z(text_at(lease, {"spec", "acquireTime"}), "<unset>") + "\n");
    w.write(1, "RenewTime:\t" + rfc1123z(text_at(lease, {"spec", "renewTime"}), "<unset>") + "\n");
  } catch (const rpc::server_error& e) {
    w.write(0, "Lease:\tFailed to get lease: " + e.message() + "\n");
  }
}

void write_quantities(tab_text& w, const char* title, const node* list) {
  if (!list || !list->is_map() || list->size() == 0) return;
  w.write(0, std::string(title) + ":\n");
  std::map<std::string, std::string> sorted;
  for (auto& [k, v] : list->entries()) sorted[k] = v.text();
  for (auto& [k, v] : sorted) w.write(1, k + ":\t" + v + "\n");
}

void write_node_conditions(const node& n, tab_text& w) {
  auto& conds = items_of(lookup(n, {"status", "conditions"}));
  if (conds.empty()) return;
  w.write(0,
          "Conditions:\n  Type\tStatus\tLastHeartbeatTime\tLastTransitionTime\tReason\tMessage\n");
  w.write(1, "----\t------\t-----------------\t------------------\t------\t-------\n");
  for (auto& c : conds)
    w.write(1, text_at(c, {"type"}) + " \t" + text_at(c, {"status"}) + " \t" +
                   rfc1123z(text_at(c, {"lastHeartbeatTime"}), "Mon, 01 Jan 0001 00:00:00 +0000") +
                   " \t" +
                   rfc1123z(text_at(c, {"lastTransitionTime"}), "Mon, 01 Jan 0001 00:00:00 +0000") +
                   " \t" + text_at(c, {"reason"}) + " \t" + text_at(c, {"message"}) + "\n");
}

// "key=value:Effect", one a line.
void write_taints(const node& n, tab_text& w) {
  w.write(0, "Taints:\t");
  auto& taints = items_of(lookup(n, {"spec", "taints"}));
  if (taints.empty()) return w.write(0, "<none>\n");
  bool first = true;
  for (auto& t : taints) {
    auto value = text_at(t, {"value"});
    w.write(0, std::string(first ? "" : "\t") + text_at(t, {"key"}) +
                   (value.empty() ? "" : "=" + value) + ":" + text_at(t, {"effect"}) + "\n");
    first = false;
  }
}

}  // namespace

std::string endpoints_of(const node* endpoints, const std::string& port_name) {
  std::vector<std::string> out;
  size_t total = 0;
  if (endpoints)
    for (auto& subset : items_of(lookup(*endpoints, {"subsets"})))
      for (auto& port : items_of(lookup(subset, {"ports"}))) {
        if (text_at(port, {"name"}) != port_name) continue;
        for (auto& address : items_of(lookup(subset, {"addresses"}))) {
          ++total;
          if (out.size() < 3)
            out.push_back(text_at(address, {"ip"}) + ":" + text_at(port, {"port"}));
        }
      }
  if (out.empty()) return "<none>";
  auto text = join(out, ",");
  return total > out.size() ? text + " + " + std::to_string(total - out.size()) + " more..." : text;
}

std::string describe_secret(const node& s) {
  tab_text w;
  write_head_lines(w, s, true);
  w.write(0, "\nType:\t" + text_or(s, {"type"}, "Opaque") + "\n");
  w.write(0, "\nData\n====\n");
  // Sizes only, never values (kubectl prints a service-account token's; troupe does not).
  std::map<std::string, size_t> sizes;
  if (auto* data = lookup(s, {"data"}); data && data->is_map())
    for (auto& [key, value] : data->entries()) sizes[key] = base64_decoded_size(value.text());
  if (auto* data = lookup(s, {"stringData"}); data && data->is_map())
    for (auto& [key, value] : data->entries()) sizes[key] = value.text().size();
  for (auto& [key, size] : sizes) w.write(0, key + ":\t" + std::to_string(size) + " bytes\n");
  return w.str();
}

std::string describe_deployment(context& ctx, const kind_info& kind, const node& d) {
  tab_text w;
  w.write(0, "Name:\t" + text_at(d, {"metadata", "name"}) + "\n");
  w.write(0, "Namespace:\t" + text_at(d, {"metadata", "namespace"}) + "\n");
  w.write(0,
          "CreationTimestamp:\t" + rfc1123z(text_at(d, {"metadata", "creationTimestamp"})) + "\n");
  write_labels(w, "", "Labels", lookup(d, {"metadata", "labels"}));
  write_annotations(w, "", "Annotations", lookup(d, {"metadata", "annotations"}));
  w.write(0, "Selector:\t" + label_selector_text(lookup(d, {"spec", "selector"})) + "\n");
  auto status = [&](const char* f) { return text_or(d, {"status", f}, "0"); };
  w.write(0, "Replicas:\t" + text_or(d, {"spec", "replicas"}, "1") + " desired | " +
                 status("updatedReplicas") + " updated | " + status("replicas") + " total | " +
                 status("availableReplicas") + " available | " + status("unavailableReplicas") +
                 " unavailable\n");
  auto strategy = text_or(d, {"spec", "strategy", "type"}, "RollingUpdate");
  w.write(0, "StrategyType:\t" + strategy + "\n");
  w.write(0, "MinReadySeconds:\t" + text_or(d, {"spec", "minReadySeconds"}, "0") + "\n");
  if (strategy == "RollingUpdate")
    w.write(0, "RollingUpdateStrategy:\t" +
                   text_or(d, {"spec", "strategy", "rollingUpdate", "maxUnavailable"}, "25%") +
                   " max unavailable, " +
                   text_or(d, {"spec", "strategy", "rollingUpdate", "maxSurge"}, "25%") +
                   " max surge\n");
  write_pod_template(w, lookup(d, {"spec", "template"}));
  if (auto& conds = items_of(lookup(d, {"status", "conditions"})); !conds.empty()) {
    w.write(0, "Conditions:\n  Type\tStatus\tReason\n");
    w.write(1, "----\t------\t------\n");
    for (auto& c : conds)
      w.write(1, text_at(c, {"type"}) + " \t" + text_at(c, {"status"}) + "\t" +
                     text_at(c, {"reason"}) + "\n");
  }
  write_replica_sets(ctx, d, w);
  write_events(ctx, kind, d, w);
  return w.str();
}

std::string describe_service(context& ctx, const kind_info& kind, const node& svc) {
  tab_text w;
  auto ns = text_at(svc, {"metadata", "namespace"});
  auto name = text_at(svc, {"metadata", "name"});
  write_head_lines(w, svc, true);
  w.write(0, "Selector:\t" + labels_text(lookup(svc, {"spec", "selector"})) + "\n");
  w.write(0, "Type:\t" + text_or(svc, {"spec", "type"}, "ClusterIP") + "\n");
  if (auto p = text_at(svc, {"spec", "ipFamilyPolicy"}); !p.empty())
    w.write(0, "IP Family Policy:\t" + p + "\n");
  std::vector<std::string> families, ips, external;
  for (auto& f : items_of(lookup(svc, {"spec", "ipFamilies"}))) families.push_back(f.text());
  for (auto& ip : items_of(lookup(svc, {"spec", "clusterIPs"}))) ips.push_back(ip.text());
  for (auto& ip : items_of(lookup(svc, {"spec", "externalIPs"}))) external.push_back(ip.text());
  w.write(0, "IP Families:\t" + (families.empty() ? "<none>" : join(families, ",")) + "\n");
  w.write(0, "IP:\t" + text_at(svc, {"spec", "clusterIP"}) + "\n");
  if (!ips.empty()) w.write(0, "IPs:\t" + join(ips, ",") + "\n");
  if (!external.empty()) w.write(0, "External IPs:\t" + join(external, ",") + "\n");
  if (auto en = text_at(svc, {"spec", "externalName"}); !en.empty())
    w.write(0, "External Name:\t" + en + "\n");
  std::vector<std::string> ingress;
  for (auto& i : items_of(lookup(svc, {"status", "loadBalancer", "ingress"})))
    ingress.push_back(text_or(i, {"ip"}, text_at(i, {"hostname"})));
  if (!ingress.empty()) w.write(0, "LoadBalancer Ingress:\t" + join(ingress, ", ") + "\n");
  std::optional<node> endpoints;
  try {
    auto& ep_kind = ctx.kind("endpoints");
    endpoints = codec::encode_object(ctx.get(ep_kind, ns, name).object, ep_kind);
  } catch (const rpc::server_error& e) {
    if (e.code() != api_errc::not_found) throw;
  }
  for (auto& p : items_of(lookup(svc, {"spec", "ports"}))) {
    auto port_name = text_at(p, {"name"});
    auto proto = text_or(p, {"protocol"}, "TCP");
    auto shown = port_name.empty() ? "<unset>" : port_name;
    w.write(0, "Port:\t" + shown + "\t" + text_at(p, {"port"}) + "/" + proto + "\n");
    w.write(
        0, "TargetPort:\t" + text_or(p, {"targetPort"}, text_at(p, {"port"})) + "/" + proto + "\n");
    if (auto np = text_at(p, {"nodePort"}); !np.empty() && np != "0")
      w.write(0, "NodePort:\t" + shown + "\t" + np + "/" + proto + "\n");
    w.write(0, "Endpoints:\t" + endpoints_of(endpoints ? &*endpoints : nullptr, port_name) + "\n");
  }
  w.write(0, "Session Affinity:\t" + text_or(svc, {"spec", "sessionAffinity"}, "None") + "\n");
  if (auto p = text_at(svc, {"spec", "externalTrafficPolicy"}); !p.empty())
    w.write(0, "External Traffic Policy:\t" + p + "\n");
  if (auto p = text_at(svc, {"spec", "internalTrafficPolicy"}); !p.empty())
    w.write(0, "Internal Traffic Policy:\t" + p + "\n");
  write_events(ctx, kind, svc, w);
  return w.str();
}

std::string describe_node(context& ctx, const kind_info& kind, const node& n) {
  tab_text w;
  w.write(0, "Name:\t" + text_at(n, {"metadata", "name"}) + "\n");
  w.write(0, "Roles:\t" + node_roles(n) + "\n");
  write_labels(w, "", "Labels", lookup(n, {"metadata", "labels"}));
  write_annotations(w, "", "Annotations", lookup(n, {"metadata", "annotations"}));
  w.write(0,
          "CreationTimestamp:\t" + rfc1123z(text_at(n, {"metadata", "creationTimestamp"})) + "\n");
  write_taints(n, w);
  w.write(0, std::string("Unschedulable:\t") +
                 (text_at(n, {"spec", "unschedulable"}) == "true" ? "true" : "false") + "\n");
  write_lease(ctx, n, w);
  write_node_conditions(n, w);
  w.write(0, "Addresses:\n");
  for (auto& a : items_of(lookup(n, {"status", "addresses"})))
    w.write(1, text_at(a, {"type"}) + ":\t" + text_at(a, {"address"}) + "\n");
  write_quantities(w, "Capacity", lookup(n, {"status", "capacity"}));
  write_quantities(w, "Allocatable", lookup(n, {"status", "allocatable"}));
  w.write(0, "System Info:\n");
  for (auto [label, key] : {std::pair{"Machine ID", "machineID"},
                            {"System UUID", "systemUUID"},
                            {"Boot ID", "bootID"},
                            {"Kernel Version", "kernelVersion"},
                            {"OS Image", "osImage"},
                            {"Operating System", "operatingSystem"},
                            {"Architecture", "architecture"},
                            {"Container Runtime Version", "containerRuntimeVersion"},
                            {"Kubelet Version", "kubeletVersion"},
                            {"Kube-Proxy Version", "kubeProxyVersion"}})
    w.write(1, std::string(label) + ":\t" + text_at(n, {"status", "nodeInfo", key}) + "\n");
  if (auto cidr = text_at(n, {"spec", "podCIDR"}); !cidr.empty())
    w.write(0, "PodCIDR:\t" + cidr + "\n");
  std::vector<std::string> cidrs;
  for (auto& c : items_of(lookup(n, {"spec", "podCIDRs"}))) cidrs.push_back(c.text());
  if (!cidrs.empty()) w.write(0, "PodCIDRs:\t" + join(cidrs, ",") + "\n");
  if (auto id = text_at(n, {"spec", "providerID"}); !id.empty())
    w.write(0, "ProviderID:\t" + id + "\n");
  write_node_pods(ctx, n, w);
  write_events(ctx, kind, n, w);
  return w.str();
}

}  // namespace troupe::cli
