#pragma once
// The scheduler's decisions as plain functions over a snapshot of the cluster, the way
// Nomad and kube-scheduler's framework separate them from the loop that feeds them: filters
// say whether a pod fits a node (and why not), scores rank the nodes that fit, `place` picks
// one or explains kubectl-style why none fits. No CAF, no Cap'n Proto: `convert.hpp` builds
// these structs from API objects.

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/object/selector.hpp"

namespace troupe::sched {

struct resources {
  int64_t milli_cpu = 0;
  int64_t memory = 0;  ///< bytes
  int64_t pods = 0;

  resources& operator+=(const resources& o) {
    milli_cpu += o.milli_cpu, memory += o.memory, pods += o.pods;
    return *this;
  }
  resources& operator-=(const resources& o) {
    milli_cpu -= o.milli_cpu, memory -= o.memory, pods -= o.pods;
    return *this;
  }
};

/// Extended resources (example.com/dongle) by name, in whole units: few per pod or node.
using extended_amounts = std::vector<std::pair<std::string, int64_t>>;

struct taint {
  std::string key, value;
  std::string effect;  ///< NoSchedule, PreferNoSchedule, NoExecute
};

struct toleration {
  std::string key;       ///< "" with operator Exists tolerates every taint
  std::string op;        ///< Equal (default) or Exists
  std::string value;
  std::string effect;    ///< "" tolerates every effect
};

struct node_selector_requirement {
  std::string key;
  std::string op;  ///< In, NotIn, Exists, DoesNotExist, Gt, Lt
  std::vector<std::string> values;
};

/// A term matches when all its requirements do (match_fields only knows metadata.name).
struct node_selector_term {
  std::vector<node_selector_requirement> match_expressions;
  std::vector<node_selector_requirement> match_fields;
};

struct preferred_term {
  int32_t weight = 0;  ///< 1..100
  node_selector_term preference;
};

/// A pod (anti-)affinity term: pods matching `selector` in the same `topology_key` domain,
/// that is among the nodes with the same value of that label (for kubernetes.io/hostname, a
/// node without it is a domain of its own). The pods count from `namespaces` and the
/// namespaces `namespace_selector` selects (every one for an empty selector, `all_namespaces`),
/// or from the owner's own namespace when the term names neither.
struct pod_affinity_term {
  label_selector selector;
  std::vector<std::string> namespaces;
  std::string topology_key;
  bool all_namespaces = false;
  /// A namespaceSelector with labels, matched against the labels of the pod's namespace.
  bool selected_namespaces = false;
  label_selector namespace_selector = label_selector::nothing();
};

/// A preferred pod (anti-)affinity term: weight 1..100.
struct weighted_affinity_term {
  int32_t weight = 0;
  pod_affinity_term term;
};

/// A topology spread constraint: pods its selector matches (in the pod's namespace) may differ
/// by at most `max_skew` between the domains of `topology_key`, counted over the nodes its
/// policies admit.
struct spread_constraint {
  int32_t max_skew = 1;
  std::string topology_key;
  bool hard = true;  ///< DoNotSchedule: a filter; ScheduleAnyway only scores
  /// matchLabelKeys already folded in, as requirements on the pod's own values.
  label_selector selector = label_selector::nothing();
  /// An empty labelSelector: the pod matches it, but no existing pod is counted (as
  /// kube-scheduler's countPodsMatchSelector), so only the key's presence is required.
  bool counts_none = false;
  int32_t min_domains = 0;          ///< 0: not set
  bool honor_node_affinity = true;  ///< nodeAffinityPolicy, Honor by default
  bool honor_taints = false;        ///< nodeTaintsPolicy, Ignore by default
};

struct host_port {
  std::string protocol = "TCP";
  std::string host_ip;  ///< "" or 0.0.0.0 = every address
  int32_t port = 0;
};

/// How many pods of each controller owner run on one node, for spreading. place() asks once
/// for every node it scores, so this is a flat list with each uid's hash beside its count: a
/// std::unordered_map<std::string, int32_t> cost two or three cache misses per node there
/// (bucket, node, then the uid's heap buffer), more than every filter and score together.
class owner_tally {
 public:
  static size_t hash(std::string_view uid) { return std::hash<std::string_view>{}(uid); }

  void add(const std::string& uid, int32_t pods = 1);
  /// Forgets the owner when its count reaches zero.
  void remove(const std::string& uid, int32_t pods = 1);
  /// 0 for an owner with no pods here.
  int32_t count(std::string_view uid) const { return count(uid, hash(uid)); }
  /// The same with the uid's hash() computed once for many nodes. Matches by hash alone.
  int32_t count(std::string_view uid, size_t uid_hash) const;
  size_t size() const { return counts_.size(); }

 private:
  size_t find(std::string_view uid, size_t uid_hash) const;  ///< size() when absent

  struct hashed_count {
    size_t hash;
    int32_t pods;
  };
  std::vector<hashed_count> counts_;  ///< scanned by hash
  std::vector<std::string> uids_;     ///< parallel to counts_: keeps add() and remove() exact
};

struct pod_info {
  std::string ns, name, uid;
  std::string owner_uid;  ///< the controller owner's uid ("" for bare pods): for spreading
  std::map<std::string, std::string> labels;
  resources requests;     ///< pods = 1; cpu/memory summed over containers (max with init)
  /// The same with 100m cpu and 200 MiB memory for each request a container does not make:
  /// what least-allocated scoring counts, as kube-scheduler's non-zero requests.
  resources scored_requests;
  extended_amounts extended_requests;  ///< summed as `requests` is
  std::string node_name;  ///< spec.nodeName: a pod that names its node fits only there
  std::map<std::string, std::string> node_selector;
  std::vector<node_selector_term> required_node_affinity;  ///< ORed terms
  std::vector<preferred_term> preferred_node_affinity;
  std::vector<toleration> tolerations;
  std::vector<host_port> host_ports;
  std::vector<pod_affinity_term> required_affinity;
  std::vector<pod_affinity_term> required_anti_affinity;
  std::vector<weighted_affinity_term> preferred_affinity;
  std::vector<weighted_affinity_term> preferred_anti_affinity;
  std::vector<spread_constraint> spread_constraints;
  int32_t priority = 0;
  bool terminating = false;
  /// Its namespace's labels (the scheduler's cache of them), for terms' namespaceSelectors;
  /// none known when null.
  const std::map<std::string, std::string>* namespace_labels =
      nullptr;  ///< has a deletionTimestamp: spread constraints do not count it
};

struct node_info {
  std::string name;
  std::map<std::string, std::string> labels;
  bool unschedulable = false;  ///< cordoned
  bool ready = true;
  std::vector<taint> taints;
  resources allocatable;
  resources requested;  ///< sum over the pods bound to it
  resources scored_requested;  ///< their scored_requests summed
  extended_amounts extended_allocatable;
  extended_amounts extended_requested;  ///< the pods' extended_requests summed
  std::vector<host_port> used_ports;
  /// Pods bound to the node (pointers into the snapshot's pod store), for anti-affinity.
  std::vector<const pod_info*> pods;
  /// How many pods of each owner uid run here, for spreading.
  owner_tally owner_counts;
  /// Pods here with required anti-affinity terms, which every pod placed is checked against.
  int32_t anti_affinity_pods = 0;
  /// Pods here with terms that score every pod placed: required affinity, preferred affinity
  /// or anti-affinity.
  int32_t scoring_affinity_pods = 0;

  /// Accounts a pod bound to this node (requests, ports, owner, anti-affinity index).
  void add_pod(const pod_info& pod);
  void remove_pod(const pod_info& pod);
};

/// Why a node was filtered out, in kube-scheduler's words ("Insufficient cpu",
/// "node(s) had untolerated taint {dedicated: gpu}", "node(s) didn't match Pod's node
/// affinity/selector", "node(s) were unschedulable", "node(s) didn't have free ports for the
/// requested pod ports", "node(s) didn't match pod anti-affinity rules",
/// "node(s) didn't match the requested node name", "node(s) had untolerated taint
/// {node.kubernetes.io/not-ready: }").
using filter_result = std::optional<std::string>;  ///< nullopt: fits

filter_result filter_node_name(const pod_info& pod, const node_info& node);
filter_result filter_unschedulable(const pod_info& pod, const node_info& node);
/// May give several reasons at once ("Insufficient cpu", "Insufficient memory", "Too many
/// pods", "Insufficient example.com/dongle"); they are joined with '\n' and counted separately
/// in the summary.
filter_result filter_resources(const pod_info& pod, const node_info& node);
filter_result filter_node_affinity(const pod_info& pod, const node_info& node);  ///< + nodeSelector
/// NoSchedule and NoExecute taints; a node that is not `ready` counts as tainted
/// node.kubernetes.io/not-ready:NoSchedule (unless it carries that taint already).
filter_result filter_taints(const pod_info& pod, const node_info& node);
filter_result filter_host_ports(const pod_info& pod, const node_info& node);
/// Inter-pod affinity against the pods on this node alone (place() looks across nodes).
filter_result filter_inter_pod_affinity(const pod_info& pod, const node_info& node);

/// What the pods across the nodes say about a pod's inter-pod affinity, gathered once per
/// placement as kube-scheduler's InterPodAffinity PreFilter does: per term of the pod's, the
/// domains where pods it selects run; the domains existing pods' anti-affinity keeps it from.
struct affinity_state {
  /// Per affinity term, the domains of the pods that match every one of the terms (as
  /// kube-scheduler counts a pod for the pod's affinity only when it matches all its terms).
  std::vector<std::set<std::string>> affinity_domains;
  std::vector<std::set<std::string>> anti_affinity_domains;  ///< per anti-affinity term
  /// Topology key -> the domains existing pods' anti-affinity keeps the pod out of.
  std::map<std::string, std::set<std::string>> forbidden_by_existing;
  bool first_of_its_kind = false;  ///< no pod it must be with runs, and it matches its own terms
  /// Indices of the nodes with pods whose terms score others (found in the same pass, which
  /// spares scoring a second walk over every node).
  std::vector<size_t> scoring_nodes;
};
affinity_state prepare_affinity(const std::vector<node_info>& nodes, const pod_info& pod);

/// What the pods across the nodes say about a pod's DoNotSchedule topology spread
/// constraints, gathered once per placement as kube-scheduler's PodTopologySpread PreFilter
/// does: per constraint, the pods it selects per domain, over the nodes that carry every such
/// constraint's key and that its node policies admit.
struct spread_state {
  struct domain_counts {
    std::map<std::string, int32_t> per_domain;
    int32_t fewest = 0;  ///< the global minimum; 0 when fewer domains than minDomains
  };
  std::vector<domain_counts> constraints;  ///< parallel to pod.spread_constraints (soft ones empty)
};
spread_state prepare_spread(const std::vector<node_info>& nodes, const pod_info& pod);
/// The PodTopologySpread filter against such counts.
filter_result filter_topology_spread(const pod_info& pod, const node_info& node,
                                     const spread_state& state);

/// Whether `placed`, just placed, may let an unschedulable `waiting` fit now: a pod one of
/// `waiting`'s affinity terms or spread constraints selects (kube-scheduler's queueing hints
/// for such a change).
bool may_fit_once_placed(const pod_info& waiting, const pod_info& placed);
/// The same for a pod that began its deletion: spread constraints no longer count it.
bool may_fit_once_gone(const pod_info& waiting, const pod_info& gone);
/// Whether one of the pod's required (anti-)affinity terms selects namespaces by their labels:
/// what a namespace's new labels can change.
bool selects_namespaces_by_label(const pod_info& pod);

/// Runs every filter in kube-scheduler's order; the first failing reason(s).
filter_result fits(const pod_info& pod, const node_info& node);

/// Scores 0..100 (higher is better), as kube-scheduler's plugins compute them.
int64_t score_least_allocated(const pod_info& pod, const node_info& node);
int64_t score_balanced_allocation(const pod_info& pod, const node_info& node);
/// Fewer pods of the same owner on the node scores higher (max_count: the most on any node).
int64_t score_spread(const pod_info& pod, const node_info& node, int32_t max_count);
/// The weights of the pod's preferred node affinity terms the node matches (place() scores it
/// as a share of the largest among the feasible nodes, as kube-scheduler's NodeAffinity).
int64_t preferred_node_affinity_weight(const pod_info& pod, const node_info& node);
/// PreferNoSchedule taints on the node the pod does not tolerate (place() scores 100 less its
/// share of the most, as kube-scheduler's TaintToleration).
int64_t intolerable_taints(const pod_info& pod, const node_info& node);

struct place_options {
  /// Stop filtering after this many feasible nodes (kube-scheduler's percentageOfNodesToScore:
  /// with 5,000 nodes it looks at 10%); 0 = every node.
  size_t enough_feasible = 0;
  /// Where to start in the node list, so consecutive pods spread the search (the caller
  /// advances it).
  size_t start = 0;
};

struct placement {
  std::optional<std::string> node;  ///< the chosen node
  size_t next_start = 0;            ///< where the next search should start
  /// When no node fits: "0/3 nodes are available: 1 node(s) had untolerated taint
  /// {dedicated: gpu}, 2 Insufficient cpu." (kube-scheduler's FitError: one "<count> <reason>"
  /// per reason, those strings sorted bytewise, so the count leads the order)
  std::string message;
};

/// Filters, then scores the feasible nodes (kube-scheduler's weights: least allocated 1,
/// balanced 1, spread 2, node affinity 2, inter-pod affinity 2, taint toleration 3) and picks
/// the highest, ties to the earliest seen. Inter-pod affinity is kube-scheduler's: the pod's
/// preferred terms, and existing pods' required affinity (weight 1) and preferred terms towards it.
/// Spread is the pod's ScheduleAnyway constraints as kube-scheduler scores them, or, for a pod
/// with no constraints, fewer pods of its owner (in place of kube-scheduler's default ones).
placement place(const std::vector<node_info>& nodes, const pod_info& pod, place_options options = {});

}  // namespace troupe::sched
