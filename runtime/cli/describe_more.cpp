// `describe namespace|configmap|serviceaccount|role|clusterrole|rolebinding|
// clusterrolebinding|replicaset|job|cronjob|persistentvolumeclaim|persistentvolume|ingress` as
// kubectl's describers lay them out (NamespaceDescriber, ConfigMapDescriber, ...), reading
// what they show beside the object: a service account's token secrets, the pods of a replica
// set, the pods that use a claim.

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "runtime/base/text.hpp"
#include "runtime/base/time.hpp"
#include "runtime/cli/columns.hpp"
#include "runtime/cli/describe.hpp"
#include "runtime/cli/printers.hpp"
#include "runtime/codec/object_codec.hpp"

namespace troupe::cli {
namespace {

using codec::node;

std::vector<std::string> strings_of(const node* list) {
  std::vector<std::string> out;
  for (auto& item : items_of(list)) out.push_back(item.text());
  return out;
}

// Go's %v of a []string: "[a b]".
std::string go_list(const std::vector<std::string>& items) { return "[" + join(items, " ") + "]"; }

// ---- rbac ----------------------------------------------------------------------------------

struct policy_rule {
  std::vector<std::string> verbs, groups, resources, names, urls;
  /// The generated String() kubectl sorts rules by.
  std::string sort_key() const {
    return "&PolicyRule{Verbs:" + go_list(verbs) + ",APIGroups:" + go_list(groups) + ",Resources:" +
           go_list(resources) + ",ResourceNames:" + go_list(names) + ",NonResourceURLs:" + go_list(urls) + ",}";
  }
};

// kubectl's rbac.BreakdownRule then CompactRules: one rule per group, resource and name (and
// per non-resource URL and verb), then the simple ones that differ only in verbs merged.
std::vector<policy_rule> compact_rules(const node* rules) {
  std::vector<policy_rule> broken;
  for (auto& r : items_of(rules)) {
    auto verbs = strings_of(lookup(r, {"verbs"}));
    auto names = strings_of(lookup(r, {"resourceNames"}));
    for (auto& group : strings_of(lookup(r, {"apiGroups"})))
      for (auto& resource : strings_of(lookup(r, {"resources"}))) {
        if (names.empty()) broken.push_back({verbs, {group}, {resource}, {}, {}});
        for (auto& name : names) broken.push_back({verbs, {group}, {resource}, {name}, {}});
      }
    // Non-resource URLs only combine with verbs: one rule each, never merged.
    for (auto& url : strings_of(lookup(r, {"nonResourceURLs"})))
      for (auto& verb : verbs) broken.push_back({{verb}, {}, {}, {}, {url}});
  }
  std::vector<policy_rule> out;
  std::map<std::string, policy_rule> simple;  // keyed by group, resource and name
  for (auto& rule : broken) {
    if (rule.groups.size() != 1 || rule.resources.size() != 1 || !rule.urls.empty()) {
      out.push_back(rule);
      continue;
    }
    auto key = rule.groups[0] + "\x1f" + rule.resources[0] + "\x1f" + (rule.names.empty() ? "\x1e" : rule.names[0]);
    auto [at, fresh] = simple.emplace(key, rule);
    if (!fresh) at->second.verbs.insert(at->second.verbs.end(), rule.verbs.begin(), rule.verbs.end());
  }
  for (auto& [key, rule] : simple) out.push_back(rule);
  std::stable_sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.sort_key() < b.sort_key(); });
  return out;
}

// kubectl's CombineResourceGroup: "deployments.apps", "pods/log".
std::string resource_and_group(const policy_rule& r) {
  if (r.resources.empty()) return "";
  auto slash = r.resources[0].find('/');
  std::string out = r.resources[0].substr(0, slash);
  if (!r.groups.empty() && !r.groups[0].empty()) out += "." + r.groups[0];
  if (slash != std::string::npos) out += r.resources[0].substr(slash);
  return out;
}

std::string describe_role(const node& role) {
  tab_text w;
  write_head_lines(w, role, false);
  w.write(0, "PolicyRule:\n");
  w.write(1, "Resources\tNon-Resource URLs\tResource Names\tVerbs\n");
  w.write(1, "---------\t-----------------\t--------------\t-----\n");
  for (auto& r : compact_rules(lookup(role, {"rules"})))
    w.write(1, resource_and_group(r) + "\t" + go_list(r.urls) + "\t" + go_list(r.names) + "\t" + go_list(r.verbs) + "\n");
  return w.str();
}

std::string describe_binding(const node& binding) {
  tab_text w;
  write_head_lines(w, binding, false);
  w.write(0, "Role:\n");
  w.write(1, "Kind:\t" + text_at(binding, {"roleRef", "kind"}) + "\n");
  w.write(1, "Name:\t" + text_at(binding, {"roleRef", "name"}) + "\n");
  w.write(0, "Subjects:\n");
  w.write(1, "Kind\tName\tNamespace\n");
  w.write(1, "----\t----\t---------\n");
  for (auto& s : items_of(lookup(binding, {"subjects"})))
    w.write(1, text_at(s, {"kind"}) + "\t" + text_at(s, {"name"}) + "\t" + text_at(s, {"namespace"}) + "\n");
  return w.str();
}

// As kubectl's PriorityClassDescriber: annotations on one line, as labels are written.
std::string describe_priority_class(context& ctx, const kind_info& kind, const node& pc) {
  tab_text w;
  w.write(0, "Name:\t" + text_at(pc, {"metadata", "name"}) + "\n");
  w.write(0, "Value:\t" + text_or(pc, {"value"}, "0") + "\n");
  w.write(0, "GlobalDefault:\t" + text_or(pc, {"globalDefault"}, "false") + "\n");
  w.write(0, "PreemptionPolicy:\t" + text_at(pc, {"preemptionPolicy"}) + "\n");
  w.write(0, "Description:\t" + text_at(pc, {"description"}) + "\n");
  w.write(0, "Annotations:\t" + labels_text(lookup(pc, {"metadata", "annotations"})) + "\n");
  write_events(ctx, kind, pc, w);
  return w.str();
}

// ---- core ----------------------------------------------------------------------------------

std::string describe_namespace(const node& ns) {
  tab_text w;
  write_head_lines(w, ns, false);
  w.write(0, "Status:\t" + text_at(ns, {"status", "phase"}) + "\n");
  if (auto& conds = items_of(lookup(ns, {"status", "conditions"})); !conds.empty()) {
    w.write(0, "Conditions:\n");
    w.write(1, "Type\tStatus\tLastTransitionTime\tReason\tMessage\n");
    w.write(1, "----\t------\t------------------\t------\t-------\n");
    for (auto& c : conds)
      w.write(1, text_at(c, {"type"}) + "\t" + text_at(c, {"status"}) + "\t" +
                     rfc1123z(text_at(c, {"lastTransitionTime"})) + "\t" + text_at(c, {"reason"}) + "\t" +
                     text_at(c, {"message"}) + "\n");
  }
  // troupe serves no ResourceQuota or LimitRange, so there are none, as kubectl says.
  w.write(0, "\nNo resource quota.\n");
  w.write(0, "\nNo LimitRange resource.\n");
  return w.str();
}

std::string describe_config_map(context& ctx, const kind_info& kind, const node& cm) {
  tab_text w;
  write_head_lines(w, cm, true);
  w.write(0, "\nData\n====\n");
  // Keys in order (kubectl walks a Go map, in no order at all).
  std::map<std::string, std::string> data, binary;
  if (auto* d = lookup(cm, {"data"}); d && d->is_map())
    for (auto& [k, v] : d->entries()) data[k] = v.text();
  for (auto& [k, v] : data) w.write(0, k + ":\n----\n" + v + "\n");
  w.write(0, "\nBinaryData\n====\n");
  if (auto* b = lookup(cm, {"binaryData"}); b && b->is_map())
    for (auto& [k, v] : b->entries()) binary[k] = v.text();
  for (auto& [k, v] : binary) w.write(0, k + ": " + std::to_string(base64_decoded_size(v)) + " bytes\n");
  w.write(0, "\n");
  write_events(ctx, kind, cm, w);
  return w.str();
}

std::string describe_service_account(context& ctx, const kind_info& kind, const node& sa) {
  tab_text w;
  write_head_lines(w, sa, true);
  auto name = text_at(sa, {"metadata", "name"}), ns = text_at(sa, {"metadata", "namespace"});
  auto uid = text_at(sa, {"metadata", "uid"});
  std::vector<std::string> pulls, mounts, tokens;
  for (auto& s : items_of(lookup(sa, {"imagePullSecrets"}))) pulls.push_back(text_at(s, {"name"}));
  for (auto& s : items_of(lookup(sa, {"secrets"}))) mounts.push_back(text_at(s, {"name"}));
  std::set<std::string> existing;
  for (auto& s : list_of_kind(ctx, "secrets", ns)) {
    existing.insert(text_at(s, {"metadata", "name"}));
    // kubectl also holds the token to the account's uid, which Kubernetes' tokens controller
    // writes into it; troupe has no such controller, so a token that names none counts.
    auto token_uid = text_at(s, {"metadata", "annotations", "kubernetes.io/service-account.uid"});
    if (text_at(s, {"type"}) == "kubernetes.io/service-account-token" &&
        text_at(s, {"metadata", "annotations", "kubernetes.io/service-account.name"}) == name &&
        (token_uid.empty() || token_uid == uid))
      tokens.push_back(text_at(s, {"metadata", "name"}));
  }
  for (auto [header, names] : {std::pair{"Image pull secrets:", &pulls}, {"Mountable secrets: ", &mounts},
                               {"Tokens:            ", &tokens}}) {
    if (names->empty()) w.write(0, std::string(header) + "\t<none>\n");
    std::string prefix = header;
    for (auto& n : *names) {
      // kubectl marks the secrets the account names that its namespace does not have.
      w.write(0, prefix + "\t" + n + (existing.count(n) ? "" : " (not found)") + "\n");
      prefix = "                   ";
    }
  }
  write_events(ctx, kind, sa, w);
  return w.str();
}

std::string describe_claim(context& ctx, const kind_info& kind, const node& pvc) {
  tab_text w;
  auto ns = text_at(pvc, {"metadata", "namespace"}), name = text_at(pvc, {"metadata", "name"});
  w.write(0, "Name:\t" + name + "\n");
  w.write(0, "Namespace:\t" + ns + "\n");
  w.write(0, "StorageClass:\t" + text_at(pvc, {"spec", "storageClassName"}) + "\n");
  w.write(0, "Status:\t" + std::string(text_at(pvc, {"metadata", "deletionTimestamp"}).empty()
                                            ? text_at(pvc, {"status", "phase"})
                                            : "Terminating") + "\n");
  auto volume = text_at(pvc, {"spec", "volumeName"});
  w.write(0, "Volume:\t" + volume + "\n");
  write_labels(w, "", "Labels", lookup(pvc, {"metadata", "labels"}));
  write_annotations(w, "", "Annotations", lookup(pvc, {"metadata", "annotations"}));
  w.write(0, "Finalizers:\t" + go_list(strings_of(lookup(pvc, {"metadata", "finalizers"}))) + "\n");
  bool bound = !volume.empty();
  w.write(0, "Capacity:\t" + (bound ? text_at(pvc, {"status", "capacity", "storage"}) : "") + "\n");
  w.write(0, "Access Modes:\t" + (bound ? access_modes(lookup(pvc, {"status", "accessModes"})) : "") + "\n");
  if (auto mode = text_at(pvc, {"spec", "volumeMode"}); !mode.empty()) w.write(0, "VolumeMode:\t" + mode + "\n");
  std::vector<std::string> users;
  for (auto& pod : list_of_kind(ctx, "pods", ns))
    for (auto& v : items_of(lookup(pod, {"spec", "volumes"})))
      if (text_at(v, {"persistentVolumeClaim", "claimName"}) == name) {
        users.push_back(text_at(pod, {"metadata", "name"}));
        break;
      }
  if (users.empty()) w.write(0, "Used By:\t<none>\n");
  for (size_t i = 0; i < users.size(); ++i) w.write(0, std::string(i ? "\t" : "Used By:\t") + users[i] + "\n");
  write_events(ctx, kind, pvc, w);
  return w.str();
}

std::string describe_volume(context& ctx, const kind_info& kind, const node& pv) {
  tab_text w;
  write_head_lines(w, pv, false);
  w.write(0, "Finalizers:\t" + go_list(strings_of(lookup(pv, {"metadata", "finalizers"}))) + "\n");
  w.write(0, "StorageClass:\t" + text_at(pv, {"spec", "storageClassName"}) + "\n");
  w.write(0, "Status:\t" + std::string(text_at(pv, {"metadata", "deletionTimestamp"}).empty()
                                            ? text_at(pv, {"status", "phase"})
                                            : "Terminating") + "\n");
  auto claim = lookup(pv, {"spec", "claimRef"});
  w.write(0, "Claim:\t" + (claim ? text_at(*claim, {"namespace"}) + "/" + text_at(*claim, {"name"}) : "") + "\n");
  w.write(0, "Reclaim Policy:\t" + text_at(pv, {"spec", "persistentVolumeReclaimPolicy"}) + "\n");
  w.write(0, "Access Modes:\t" + access_modes(lookup(pv, {"spec", "accessModes"})) + "\n");
  if (auto mode = text_at(pv, {"spec", "volumeMode"}); !mode.empty()) w.write(0, "VolumeMode:\t" + mode + "\n");
  w.write(0, "Capacity:\t" + text_at(pv, {"spec", "capacity", "storage"}) + "\n");
  // kubectl's printVolumeNodeAffinity: each required term's expressions.
  const node* required = lookup(pv, {"spec", "nodeAffinity", "required"});
  if (!required) {
    w.write(0, "Node Affinity:\t<none>\n");
  } else {
    w.write(0, "Node Affinity:\t\n");
    auto& terms = items_of(lookup(*required, {"nodeSelectorTerms"}));
    w.write(1, std::string("Required Terms:\t") + (terms.empty() ? "<none>" : "") + "\n");
    for (size_t i = 0; i < terms.size(); ++i) {
      auto& exprs = items_of(lookup(terms[i], {"matchExpressions"}));
      std::string title = "Term " + std::to_string(i) + ":\t";
      if (exprs.empty()) w.write(2, title + "<none>\n");
      for (size_t j = 0; j < exprs.size(); ++j) {
        auto op = text_at(exprs[j], {"operator"});
        std::transform(op.begin(), op.end(), op.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        auto values = strings_of(lookup(exprs[j], {"values"}));
        w.write(2, (j == 0 ? title : std::string("\t")) + text_at(exprs[j], {"key"}) + " " + op +
                                    (values.empty() ? "" : " [" + join(values, ", ") + "]") + "\n");
      }
    }
  }
  w.write(0, "Message:\t" + text_at(pv, {"status", "message"}) + "\n");
  w.write(0, "Source:\n");
  if (auto* h = lookup(pv, {"spec", "hostPath"})) {
    w.write(2, "Type:\tHostPath (bare host directory volume)\n");
    w.write(2, "Path:\t" + text_at(*h, {"path"}) + "\n");
    w.write(2, "HostPathType:\t" + text_at(*h, {"type"}) + "\n");
  } else if (auto* l = lookup(pv, {"spec", "local"})) {
    w.write(2, "Type:\tLocalVolume (a persistent volume backed by local storage on a node)\n");
    w.write(2, "Path:\t" + text_at(*l, {"path"}) + "\n");
  } else if (auto* n = lookup(pv, {"spec", "nfs"})) {
    w.write(2, "Type:\tNFS (an NFS mount that lasts the lifetime of a pod)\n");
    w.write(2, "Server:\t" + text_at(*n, {"server"}) + "\n");
    w.write(2, "Path:\t" + text_at(*n, {"path"}) + "\n");
    w.write(2, "ReadOnly:\t" + std::string(text_at(*n, {"readOnly"}) == "true" ? "true" : "false") +
                   "\n");
  } else if (auto* c = lookup(pv, {"spec", "csi"})) {
    w.write(2, "Type:\tCSI (a Container Storage Interface (CSI) volume source)\n");
    w.write(2, "Driver:\t" + text_at(*c, {"driver"}) + "\n");
    w.write(2, "FSType:\t" + text_at(*c, {"fsType"}) + "\n");
    w.write(2, "VolumeHandle:\t" + text_at(*c, {"volumeHandle"}) + "\n");
    w.write(2, "ReadOnly:\t" + std::string(text_at(*c, {"readOnly"}) == "true" ? "true" : "false") +
                   "\n");
    // kubectl's printCSIPersistentVolumeAttributesMultiline: sorted, long ones cut; its prefix
    // writer indents each of the pieces it writes, so values sit four spaces past the column
    // and lines after the first start at the level twice over.
    std::map<std::string, std::string> attributes;
    if (auto* a = lookup(*c, {"volumeAttributes"}); a && a->is_map())
      for (auto& [key, value] : a->entries()) attributes[key] = value.text();
    if (attributes.empty()) w.write(2, "VolumeAttributes:\t<none>\n");
    bool first = true;
    for (auto& [key, value] : attributes) {
      std::string line = key + "=" + value;
      if (line.size() > 140) line = line.substr(0, 140) + "...";
      w.write(2, (first ? "VolumeAttributes:\t    " : "    \t    ") + line + "\n");
      first = false;
    }
  } else {
    w.write(2, "<unknown>\n");
  }
  write_events(ctx, kind, pv, w);
  return w.str();
}

// ---- workloads -----------------------------------------------------------------------------

// "Pods Status:": the pods `owner` controls, by phase, as kubectl counts them.
void write_pods_status(context& ctx, const node& owner, tab_text& w) {
  std::map<std::string, int> phases;
  auto uid = text_at(owner, {"metadata", "uid"});
  for (auto& pod : list_of_kind(ctx, "pods", text_at(owner, {"metadata", "namespace"})))
    for (auto& o : items_of(lookup(pod, {"metadata", "ownerReferences"})))
      if (text_at(o, {"controller"}) == "true" && text_at(o, {"uid"}) == uid) ++phases[text_at(pod, {"status", "phase"})];
  w.write(0, "Pods Status:\t" + std::to_string(phases["Running"]) + " Running / " + std::to_string(phases["Pending"]) +
                 " Waiting / " + std::to_string(phases["Succeeded"]) + " Succeeded / " +
                 std::to_string(phases["Failed"]) + " Failed\n");
}

// kubectl's EndpointsDescriber.
std::string describe_endpoints(context& ctx, const kind_info& kind, const node& ep) {
  tab_text w;
  write_head_lines(w, ep, true);
  w.write(0, "Subsets:\n");
  auto ips = [](const node& subset, const char* field) {
    std::vector<std::string> out;
    for (auto& a : items_of(lookup(subset, {field}))) out.push_back(text_at(a, {"ip"}));
    return out.empty() ? std::string("<none>") : join(out, ",");
  };
  for (auto& subset : items_of(lookup(ep, {"subsets"}))) {
    w.write(1, "Addresses:\t" + ips(subset, "addresses") + "\n");
    w.write(1, "NotReadyAddresses:\t" + ips(subset, "notReadyAddresses") + "\n");
    if (auto& ports = items_of(lookup(subset, {"ports"})); !ports.empty()) {
      w.write(1, "Ports:\n");
      w.write(2, "Name\tPort\tProtocol\n");
      w.write(2, "----\t----\t--------\n");
      for (auto& port : ports)
        w.write(2, text_or(port, {"name"}, "<unset>") + "\t" + text_at(port, {"port"}) + "\t" +
                       text_at(port, {"protocol"}) + "\n");
    }
    w.write(0, "\n");
  }
  write_events(ctx, kind, ep, w);
  return w.str();
}

// kubectl's StatefulSetDescriber.
std::string describe_stateful_set(context& ctx, const kind_info& kind, const node& sts) {
  tab_text w;
  w.write(0, "Name:\t" + text_at(sts, {"metadata", "name"}) + "\n");
  w.write(0, "Namespace:\t" + text_at(sts, {"metadata", "namespace"}) + "\n");
  w.write(0, "CreationTimestamp:\t" + rfc1123z(text_at(sts, {"metadata", "creationTimestamp"})) + "\n");
  w.write(0, "Selector:\t" + label_selector_text(lookup(sts, {"spec", "selector"})) + "\n");
  write_labels(w, "", "Labels", lookup(sts, {"metadata", "labels"}));
  write_annotations(w, "", "Annotations", lookup(sts, {"metadata", "annotations"}));
  w.write(0, "Replicas:\t" + text_or(sts, {"spec", "replicas"}, "1") + " desired | " +
                 text_or(sts, {"status", "replicas"}, "0") + " total\n");
  w.write(0, "Update Strategy:\t" + text_or(sts, {"spec", "updateStrategy", "type"}, "RollingUpdate") + "\n");
  if (auto partition = text_at(sts, {"spec", "updateStrategy", "rollingUpdate", "partition"}); !partition.empty()) {
    w.write(1, "Partition:\t" + partition + "\n");
    if (auto most = text_at(sts, {"spec", "updateStrategy", "rollingUpdate", "maxUnavailable"}); !most.empty())
      w.write(1, "MaxUnavailable:\t" + most + "\n");
  }
  write_pods_status(ctx, sts, w);
  write_pod_template(w, lookup(sts, {"spec", "template"}));
  auto& claims = items_of(lookup(sts, {"spec", "volumeClaimTemplates"}));
  if (claims.empty()) w.write(0, "Volume Claims:\t<none>\n");
  else w.write(0, "Volume Claims:\n");
  for (auto& claim : claims) {
    w.write(1, "Name:\t" + text_at(claim, {"metadata", "name"}) + "\n");
    w.write(1, "StorageClass:\t" + text_at(claim, {"spec", "storageClassName"}) + "\n");
    write_labels(w, "  ", "Labels", lookup(claim, {"metadata", "labels"}));
    write_annotations(w, "  ", "Annotations", lookup(claim, {"metadata", "annotations"}));
    w.write(1, "Capacity:\t" + text_or(claim, {"spec", "resources", "requests", "storage"}, "<default>") + "\n");
    std::vector<std::string> modes;
    for (auto& m : items_of(lookup(claim, {"spec", "accessModes"}))) modes.push_back(m.text());
    w.write(1, "Access Modes:\t[" + join(modes, " ") + "]\n");
  }
  write_events(ctx, kind, sts, w);
  return w.str();
}

// kubectl's DaemonSetDescriber.
std::string describe_daemon_set(context& ctx, const kind_info& kind, const node& ds) {
  tab_text w;
  w.write(0, "Name:\t" + text_at(ds, {"metadata", "name"}) + "\n");
  w.write(0, "Selector:\t" + label_selector_text(lookup(ds, {"spec", "selector"})) + "\n");
  w.write(0, "Node-Selector:\t" + labels_text(lookup(ds, {"spec", "template", "spec", "nodeSelector"})) + "\n");
  write_labels(w, "", "Labels", lookup(ds, {"metadata", "labels"}));
  write_annotations(w, "", "Annotations", lookup(ds, {"metadata", "annotations"}));
  auto status = [&](const char* field) { return text_or(ds, {"status", field}, "0"); };
  w.write(0, "Desired Number of Nodes Scheduled: " + status("desiredNumberScheduled") + "\n");
  w.write(0, "Current Number of Nodes Scheduled: " + status("currentNumberScheduled") + "\n");
  w.write(0, "Number of Nodes Scheduled with Up-to-date Pods: " + status("updatedNumberScheduled") + "\n");
  w.write(0, "Number of Nodes Scheduled with Available Pods: " + status("numberAvailable") + "\n");
  w.write(0, "Number of Nodes Misscheduled: " + status("numberMisscheduled") + "\n");
  write_pods_status(ctx, ds, w);
  write_pod_template(w, lookup(ds, {"spec", "template"}));
  write_events(ctx, kind, ds, w);
  return w.str();
}

std::string describe_replica_set(context& ctx, const kind_info& kind, const node& rs) {
  tab_text w;
  auto ns = text_at(rs, {"metadata", "namespace"});
  w.write(0, "Name:\t" + text_at(rs, {"metadata", "name"}) + "\n");
  w.write(0, "Namespace:\t" + ns + "\n");
  w.write(0, "Selector:\t" + label_selector_text(lookup(rs, {"spec", "selector"})) + "\n");
  write_labels(w, "", "Labels", lookup(rs, {"metadata", "labels"}));
  write_annotations(w, "", "Annotations", lookup(rs, {"metadata", "annotations"}));
  if (auto by = controller_of(rs); !by.empty()) w.write(0, "Controlled By:\t" + by + "\n");
  w.write(0, "Replicas:\t" + text_or(rs, {"status", "replicas"}, "0") + " current / " +
                 text_or(rs, {"spec", "replicas"}, "1") + " desired\n");
  write_pods_status(ctx, rs, w);
  write_pod_template(w, lookup(rs, {"spec", "template"}));
  if (auto& conds = items_of(lookup(rs, {"status", "conditions"})); !conds.empty()) {
    w.write(0, "Conditions:\n  Type\tStatus\tReason\n");
    w.write(1, "----\t------\t------\n");
    for (auto& c : conds) w.write(1, text_at(c, {"type"}) + " \t" + text_at(c, {"status"}) + "\t" + text_at(c, {"reason"}) + "\n");
  }
  write_events(ctx, kind, rs, w);
  return w.str();
}

std::string describe_job(context& ctx, const kind_info& kind, const node& job) {
  tab_text w;
  w.write(0, "Name:\t" + text_at(job, {"metadata", "name"}) + "\n");
  w.write(0, "Namespace:\t" + text_at(job, {"metadata", "namespace"}) + "\n");
  w.write(0, "Selector:\t" + label_selector_text(lookup(job, {"spec", "selector"})) + "\n");
  write_labels(w, "", "Labels", lookup(job, {"metadata", "labels"}));
  write_annotations(w, "", "Annotations", lookup(job, {"metadata", "annotations"}));
  if (auto by = controller_of(job); !by.empty()) w.write(0, "Controlled By:\t" + by + "\n");
  if (auto p = text_at(job, {"spec", "parallelism"}); !p.empty()) w.write(0, "Parallelism:\t" + p + "\n");
  w.write(0, "Completions:\t" + text_or(job, {"spec", "completions"}, "<unset>") + "\n");
  if (auto m = text_at(job, {"spec", "completionMode"}); !m.empty()) w.write(0, "Completion Mode:\t" + m + "\n");
  if (lookup(job, {"spec", "suspend"})) w.write(0, "Suspend:\t" + text_or(job, {"spec", "suspend"}, "false") + "\n");
  if (auto b = text_at(job, {"spec", "backoffLimit"}); !b.empty()) w.write(0, "Backoff Limit:\t" + b + "\n");
  if (auto t = text_at(job, {"spec", "ttlSecondsAfterFinished"}); !t.empty())
    w.write(0, "TTL Seconds After Finished:\t" + t + "\n");
  auto start = text_at(job, {"status", "startTime"}), done = text_at(job, {"status", "completionTime"});
  if (!start.empty()) w.write(0, "Start Time:\t" + rfc1123z(start) + "\n");
  if (!done.empty()) w.write(0, "Completed At:\t" + rfc1123z(done) + "\n");
  auto start_at = parse_rfc3339(start), done_at = parse_rfc3339(done);
  if (start_at && done_at) w.write(0, "Duration:\t" + human_duration(*done_at - *start_at) + "\n");
  if (auto d = text_at(job, {"spec", "activeDeadlineSeconds"}); !d.empty())
    w.write(0, "Active Deadline Seconds:\t" + d + "s\n");
  auto count = [&](const char* f) { return text_or(job, {"status", f}, "0"); };
  auto ready = text_at(job, {"status", "ready"});
  w.write(0, "Pods Statuses:\t" + count("active") + " Active" + (ready.empty() ? "" : " (" + ready + " Ready)") +
                 " / " + count("succeeded") + " Succeeded / " + count("failed") + " Failed\n");
  write_pod_template(w, lookup(job, {"spec", "template"}));
  write_events(ctx, kind, job, w);
  return w.str();
}

std::string describe_cron_job(context& ctx, const kind_info& kind, const node& cj) {
  tab_text w;
  write_head_lines(w, cj, true);
  w.write(0, "Schedule:\t" + text_at(cj, {"spec", "schedule"}) + "\n");
  w.write(0, "Concurrency Policy:\t" + text_at(cj, {"spec", "concurrencyPolicy"}) + "\n");
  auto suspend = text_at(cj, {"spec", "suspend"});
  w.write(0, std::string("Suspend:\t") + (suspend.empty() ? "<unset>" : suspend == "true" ? "True" : "False") + "\n");
  w.write(0, "Successful Job History Limit:\t" + text_or(cj, {"spec", "successfulJobsHistoryLimit"}, "<unset>") + "\n");
  w.write(0, "Failed Job History Limit:\t" + text_or(cj, {"spec", "failedJobsHistoryLimit"}, "<unset>") + "\n");
  auto deadline = text_at(cj, {"spec", "startingDeadlineSeconds"});
  w.write(0, "Starting Deadline Seconds:\t" + (deadline.empty() ? "<unset>" : deadline + "s") + "\n");
  const node* spec = lookup(cj, {"spec", "jobTemplate", "spec"});
  auto* selector = spec ? lookup(*spec, {"selector"}) : nullptr;
  w.write(0, "Selector:\t" + (selector ? label_selector_text(selector) : "<unset>") + "\n");
  w.write(0, "Parallelism:\t" + (spec ? text_or(*spec, {"parallelism"}, "<unset>") : "<unset>") + "\n");
  w.write(0, "Completions:\t" + (spec ? text_or(*spec, {"completions"}, "<unset>") : "<unset>") + "\n");
  if (auto d = spec ? text_at(*spec, {"activeDeadlineSeconds"}) : ""; !d.empty())
    w.write(0, "Active Deadline Seconds:\t" + d + "s\n");
  write_pod_template(w, spec ? lookup(*spec, {"template"}) : nullptr);
  auto last = text_at(cj, {"status", "lastScheduleTime"});
  w.write(0, "Last Schedule Time:\t" + (last.empty() ? "<unset>" : rfc1123z(last)) + "\n");
  std::vector<std::string> active;
  for (auto& j : items_of(lookup(cj, {"status", "active"}))) active.push_back(text_at(j, {"name"}));
  w.write(0, "Active Jobs:\t" + (active.empty() ? "<none>" : join(active, ", ")) + "\n");
  write_events(ctx, kind, cj, w);
  return w.str();
}

// ---- networking ------------------------------------------------------------------------------

// A backend as kubectl's describeBackendV1 shows it: "service:port (endpoints of that port)".
std::string describe_backend(context& ctx, const std::string& ns, const node& backend) {
  const node* service = lookup(backend, {"service"});
  if (const node* resource = lookup(backend, {"resource"}); !service && resource)
    return "APIGroup: " + text_or(*resource, {"apiGroup"}, "<none>") + ", Kind: " + text_at(*resource, {"kind"}) +
           ", Name: " + text_at(*resource, {"name"});
  if (!service) return "";
  std::string name = text_at(*service, {"name"});
  std::string number = text_at(*service, {"port", "number"}), port_name = text_at(*service, {"port", "name"});
  std::string shown = name + ":" + (!number.empty() && number != "0" ? number : port_name);
  node endpoints, svc;
  try {
    auto& ep_kind = ctx.kind("endpoints");
    endpoints = codec::encode_object(ctx.get(ep_kind, ns, name).object, ep_kind);
    auto& svc_kind = ctx.kind("services");
    svc = codec::encode_object(ctx.get(svc_kind, ns, name).object, svc_kind);
  } catch (const rpc::server_error& e) {
    return shown + " (<error: " + e.message() + ">)";
  }
  // The Service's port the backend names, by number or by name.
  std::string service_port;
  for (auto& p : items_of(lookup(svc, {"spec", "ports"})))
    if ((!number.empty() && number != "0" && text_at(p, {"port"}) == number) ||
        (!port_name.empty() && text_at(p, {"name"}) == port_name))
      service_port = text_at(p, {"name"});
  return shown + " (" + endpoints_of(&endpoints, service_port) + ")";
}

std::string describe_ingress(context& ctx, const kind_info& kind, const node& ing) {
  tab_text w;
  std::string ns = text_at(ing, {"metadata", "namespace"});
  w.write(0, "Name:\t" + text_at(ing, {"metadata", "name"}) + "\n");
  write_labels(w, "", "Labels", lookup(ing, {"metadata", "labels"}));
  w.write(0, "Namespace:\t" + ns + "\n");
  w.write(0, "Address:\t" + load_balancer_text(ing, true) + "\n");
  w.write(0, "Ingress Class:\t" + text_or(ing, {"spec", "ingressClassName"}, "<none>") + "\n");
  const node* fallback = lookup(ing, {"spec", "defaultBackend"});
  std::string default_backend = fallback ? describe_backend(ctx, ns, *fallback) : "<default>";
  w.write(0, "Default backend:\t" + default_backend + "\n");
  if (auto& tls = items_of(lookup(ing, {"spec", "tls"})); !tls.empty()) {
    w.write(0, "TLS:\n");
    for (auto& t : tls) {
      auto hosts = join(strings_of(lookup(t, {"hosts"})), ",");
      auto secret = text_at(t, {"secretName"});
      w.write(1, secret.empty() ? "SNI routes " + hosts + "\n" : secret + " terminates " + hosts + "\n");
    }
  }
  w.write(0, "Rules:\n  Host\tPath\tBackends\n");
  w.write(1, "----\t----\t--------\n");
  size_t rules = 0;
  for (auto& r : items_of(lookup(ing, {"spec", "rules"}))) {
    if (!lookup(r, {"http"})) continue;
    ++rules;
    w.write(1, text_or(r, {"host"}, "*") + "\t\n");
    for (auto& p : items_of(lookup(r, {"http", "paths"})))
      w.write(2, "\t" + text_at(p, {"path"}) + " \t" + describe_backend(ctx, ns, *lookup(p, {"backend"})) + "\n");
  }
  if (rules == 0) w.write(1, "*\t*\t" + default_backend + "\n");
  write_annotations(w, "", "Annotations", lookup(ing, {"metadata", "annotations"}));
  write_events(ctx, kind, ing, w);
  return w.str();
}

}  // namespace

std::optional<std::string> describe_more(context& ctx, const kind_info& kind, const node& object) {
  const auto& k = kind.kind;
  bool rbac = kind.group == "rbac.authorization.k8s.io";
  if (rbac && (k == "Role" || k == "ClusterRole")) return describe_role(object);
  if (rbac && (k == "RoleBinding" || k == "ClusterRoleBinding")) return describe_binding(object);
  if (kind.group.empty()) {
    if (k == "Namespace") return describe_namespace(object);
    if (k == "ConfigMap") return describe_config_map(ctx, kind, object);
    if (k == "ServiceAccount") return describe_service_account(ctx, kind, object);
    if (k == "PersistentVolumeClaim") return describe_claim(ctx, kind, object);
    if (k == "PersistentVolume") return describe_volume(ctx, kind, object);
    if (k == "Endpoints") return describe_endpoints(ctx, kind, object);
  }
  if (kind.group == "apps" && k == "ReplicaSet") return describe_replica_set(ctx, kind, object);
  if (kind.group == "apps" && k == "StatefulSet") return describe_stateful_set(ctx, kind, object);
  if (kind.group == "apps" && k == "DaemonSet") return describe_daemon_set(ctx, kind, object);
  if (kind.group == "batch" && k == "Job") return describe_job(ctx, kind, object);
  if (kind.group == "batch" && k == "CronJob") return describe_cron_job(ctx, kind, object);
  if (kind.group == "networking.k8s.io" && k == "Ingress") return describe_ingress(ctx, kind, object);
  if (kind.group == "scheduling.k8s.io" && k == "PriorityClass")
    return describe_priority_class(ctx, kind, object);
  return std::nullopt;
}

}  // namespace troupe::cli
