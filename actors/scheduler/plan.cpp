#include "actors/scheduler/plan.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <limits>
#include <string_view>

#include "runtime/object/taints.hpp"

// The filters run once per node per pod, so each is split in two: a check that returns a
// small `verdict` (no text, no allocation) and a describe step that turns a failing verdict
// into kube-scheduler's words. place() only ever describes when no node fits.

namespace troupe::sched {
namespace {

constexpr std::string_view hostname_key = "kubernetes.io/hostname";

// ---- verdicts ---------------------------------------------------------------------------------

enum class failure : uint8_t {
  none,
  node_name,
  unschedulable,
  resources,
  node_affinity,
  taint,
  host_ports,
  pod_affinity,
  anti_affinity,
  existing_anti_affinity,
  spread_label_missing,
  spread_skew,
};

enum shortage : uint8_t { too_many_pods = 1, short_cpu = 2, short_memory = 4 };

struct verdict {
  failure what = failure::none;
  uint8_t shortages = 0;               // resources: a mask of `shortage`
  const taint* untolerated = nullptr;  // taint: the first one the pod does not tolerate
  // resources: the pod's extended requests, and a mask of those the node lacks (by index)
  const extended_amounts* extended = nullptr;
  uint64_t extended_short = 0;

  bool fits() const { return what == failure::none; }
};

// Taints the scheduler imagines on nodes the way the node lifecycle controller would set them.
const taint& not_ready_taint() {
  static const taint t{std::string(not_ready_taint_key), "", "NoSchedule"};
  return t;
}
const taint& unschedulable_taint() {
  static const taint t{std::string(unschedulable_taint_key), "", "NoSchedule"};
  return t;
}

std::vector<std::string> reasons(const verdict& v) {
  switch (v.what) {
    case failure::none: return {};
    case failure::node_name: return {"node(s) didn't match the requested node name"};
    case failure::unschedulable: return {"node(s) were unschedulable"};
    case failure::node_affinity: return {"node(s) didn't match Pod's node affinity/selector"};
    case failure::host_ports: return {"node(s) didn't have free ports for the requested pod ports"};
    case failure::pod_affinity: return {"node(s) didn't match pod affinity rules"};
    case failure::anti_affinity: return {"node(s) didn't match pod anti-affinity rules"};
    case failure::existing_anti_affinity:
      return {"node(s) didn't satisfy existing pods anti-affinity rules"};
    case failure::spread_label_missing:
      return {"node(s) didn't match pod topology spread constraints (missing required label)"};
    case failure::spread_skew: return {"node(s) didn't match pod topology spread constraints"};
    case failure::taint:
      return {"node(s) had untolerated taint {" + v.untolerated->key + ": " + v.untolerated->value +
              "}"};
    case failure::resources: {
      // kube-scheduler's order: the pod count first, then cpu, then memory.
      std::vector<std::string> out;
      if (v.shortages & too_many_pods) out.push_back("Too many pods");
      if (v.shortages & short_cpu) out.push_back("Insufficient cpu");
      if (v.shortages & short_memory) out.push_back("Insufficient memory");
      for (size_t i = 0; v.extended && i < v.extended->size() && i < 64; ++i)
        if (v.extended_short & (uint64_t{1} << i))
          out.push_back("Insufficient " + (*v.extended)[i].first);
      return out;
    }
  }
  return {};
}

filter_result describe(const verdict& v) {
  if (v.fits()) return std::nullopt;
  std::string out;
  for (auto& r : reasons(v)) out += (out.empty() ? "" : "\n") + r;
  return out;
}

// ---- matching helpers -------------------------------------------------------------------------

const std::string* label_of(const std::map<std::string, std::string>& labels,
                            const std::string& key) {
  auto i = labels.find(key);
  return i == labels.end() ? nullptr : &i->second;
}

std::optional<int64_t> whole_int(std::string_view s) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

enum class match_op { equals, not_equals, in, not_in, exists, does_not_exist, gt, lt, unknown };

bool compares(match_op op, const std::string* have, const std::vector<std::string>& want) {
  if (!have || want.size() != 1) return false;
  auto a = whole_int(*have), b = whole_int(want[0]);
  if (!a || !b) return false;
  return op == match_op::gt ? *a > *b : *a < *b;
}

/// One requirement against a value (`have` is null when the key is absent).
bool holds(match_op op, const std::string* have, const std::vector<std::string>& want) {
  auto listed = [&] { return std::find(want.begin(), want.end(), *have) != want.end(); };
  switch (op) {
    case match_op::equals: return have && !want.empty() && *have == want[0];
    case match_op::not_equals: return !have || want.empty() || *have != want[0];
    case match_op::in: return have && listed();
    case match_op::not_in: return !have || !listed();
    case match_op::exists: return have != nullptr;
    case match_op::does_not_exist: return have == nullptr;
    case match_op::gt:
    case match_op::lt: return compares(op, have, want);
    case match_op::unknown: return false;
  }
  return false;
}

match_op node_op(const std::string& op) {
  if (op == "In") return match_op::in;
  if (op == "NotIn") return match_op::not_in;
  if (op == "Exists") return match_op::exists;
  if (op == "DoesNotExist") return match_op::does_not_exist;
  if (op == "Gt") return match_op::gt;
  if (op == "Lt") return match_op::lt;
  return match_op::unknown;
}

match_op label_op(label_requirement::op op) {
  using O = label_requirement::op;
  switch (op) {
    case O::equals: return match_op::equals;
    case O::not_equals: return match_op::not_equals;
    case O::in: return match_op::in;
    case O::not_in: return match_op::not_in;
    case O::exists: return match_op::exists;
    case O::does_not_exist: return match_op::does_not_exist;
    case O::greater: return match_op::gt;
    case O::less: return match_op::lt;
  }
  return match_op::unknown;
}

// label_selector::matches(map) builds a std::string and a std::function per requirement;
// anti-affinity runs this for every pod on every examined node, so it looks labels up directly.
bool selects(const label_selector& selector, const std::map<std::string, std::string>& labels) {
  if (selector.matches_nothing()) return false;
  for (auto& r : selector.requirements())
    if (!holds(label_op(r.operation), label_of(labels, r.key), r.values)) return false;
  return true;
}

/// matchFields knows only metadata.name (as kube-scheduler); other fields never match.
bool field_holds(const node_selector_requirement& r, const node_info& node) {
  if (r.key != "metadata.name") return false;
  return holds(node_op(r.op), &node.name, r.values);
}

/// An empty term matches no node (Kubernetes: "a null or empty term matches no objects").
bool term_matches(const node_selector_term& term, const node_info& node) {
  if (term.match_expressions.empty() && term.match_fields.empty()) return false;
  for (auto& r : term.match_expressions)
    if (!holds(node_op(r.op), label_of(node.labels, r.key), r.values)) return false;
  for (auto& r : term.match_fields)
    if (!field_holds(r, node)) return false;
  return true;
}

bool selector_matches(const pod_info& pod, const node_info& node) {
  for (auto& [key, value] : pod.node_selector) {
    auto have = label_of(node.labels, key);
    if (!have || *have != value) return false;
  }
  return true;
}

bool required_affinity_matches(const pod_info& pod, const node_info& node) {
  if (pod.required_node_affinity.empty()) return true;
  for (auto& term : pod.required_node_affinity)
    if (term_matches(term, node)) return true;
  return false;
}

// ---- taints -----------------------------------------------------------------------------------

/// Kubernetes' Toleration.ToleratesTaint.
bool tolerates(const toleration& t, const taint& x) {
  if (!t.effect.empty() && t.effect != x.effect) return false;
  if (!t.key.empty() && t.key != x.key) return false;
  if (t.op == "Exists") return true;
  if (t.op.empty() || t.op == "Equal") return t.value == x.value;
  return false;
}

bool tolerated(const pod_info& pod, const taint& x) {
  for (auto& t : pod.tolerations)
    if (tolerates(t, x)) return true;
  return false;
}

bool filters(const taint& x) {
  return x.effect == "NoSchedule" || x.effect == "NoExecute";
}

bool has_not_ready_taint(const node_info& node) {
  for (auto& x : node.taints)
    if (x.key == not_ready_taint().key && x.effect == not_ready_taint().effect) return true;
  return false;
}

const taint* first_untolerated(const pod_info& pod, const node_info& node) {
  for (auto& x : node.taints)
    if (filters(x) && !tolerated(pod, x)) return &x;
  // A node that is not ready carries not-ready:NoSchedule in Kubernetes; troupe's node
  // objects may only say so in their Ready condition.
  if (!node.ready && !has_not_ready_taint(node) && !tolerated(pod, not_ready_taint()))
    return &not_ready_taint();
  return nullptr;
}

// ---- ports ------------------------------------------------------------------------------------

std::string_view protocol_of(const host_port& p) {
  return p.protocol.empty() ? std::string_view("TCP") : std::string_view(p.protocol);
}

bool any_address(const std::string& ip) {
  return ip.empty() || ip == "0.0.0.0";
}

bool port_conflict(const host_port& a, const host_port& b) {
  if (a.port != b.port || protocol_of(a) != protocol_of(b)) return false;
  return any_address(a.host_ip) || any_address(b.host_ip) || a.host_ip == b.host_ip;
}

bool same_port(const host_port& a, const host_port& b) {
  return a.port == b.port && protocol_of(a) == protocol_of(b) && a.host_ip == b.host_ip;
}

// ---- inter-pod affinity -------------------------------------------------------------------------

// Whether `other` is in a namespace a term of `owner`'s covers: all, the listed ones and those
// its namespaceSelector selects, or the owner's own when it names neither.
bool in_term_namespaces(const pod_affinity_term& term, const pod_info& owner,
                        const pod_info& other) {
  if (term.all_namespaces) return true;
  if (std::find(term.namespaces.begin(), term.namespaces.end(), other.ns) != term.namespaces.end())
    return true;
  if (term.selected_namespaces)
    return other.namespace_labels && selects(term.namespace_selector, *other.namespace_labels);
  return term.namespaces.empty() && other.ns == owner.ns;
}

bool same_pod(const pod_info& a, const pod_info& b) {
  return &a == &b || (a.name == b.name && a.ns == b.ns);
}

// `other` is what `owner`'s term selects.
bool term_selects(const pod_affinity_term& term, const pod_info& owner, const pod_info& other) {
  return in_term_namespaces(term, owner, other) && !same_pod(owner, other) &&
         selects(term.selector, other.labels);
}

// Whether a pod on a node has terms that weigh on where others go (kube-scheduler's pods with
// affinity, as its InterPodAffinity score reads them).
bool scores_others(const pod_info& pod) {
  return !pod.required_affinity.empty() || !pod.preferred_affinity.empty() ||
         !pod.preferred_anti_affinity.empty();
}

// The node's domain for a topology key: its label (a node without one is in none), and for the
// hostname key the node itself when it carries no such label.
const std::string* domain_of(const node_info& node, const std::string& key) {
  if (auto* value = label_of(node.labels, key)) return value;
  return key == hostname_key ? &node.name : nullptr;
}

// ---- checks -----------------------------------------------------------------------------------

verdict failed(failure what) {
  return verdict{what, 0, nullptr, nullptr, 0};
}

int64_t amount_of(const extended_amounts& amounts, const std::string& name) {
  for (auto& [n, amount] : amounts)
    if (n == name) return amount;
  return 0;
}

void add_amounts(extended_amounts& to, const extended_amounts& amounts, int64_t sign) {
  for (auto& [name, amount] : amounts) {
    auto at = std::find_if(to.begin(), to.end(), [&](auto& e) { return e.first == name; });
    if (at == to.end()) at = to.insert(to.end(), {name, 0});
    at->second += sign * amount;
  }
}

verdict check_node_name(const pod_info& pod, const node_info& node) {
  if (pod.node_name.empty() || pod.node_name == node.name) return {};
  return failed(failure::node_name);
}

verdict check_unschedulable(const pod_info& pod, const node_info& node) {
  if (!node.unschedulable || tolerated(pod, unschedulable_taint())) return {};
  return failed(failure::unschedulable);
}

verdict check_resources(const pod_info& pod, const node_info& node) {
  const resources& want = pod.requests;
  const resources& alloc = node.allocatable;
  const resources& used = node.requested;
  uint8_t mask = 0;
  if (used.pods + 1 > alloc.pods) mask |= too_many_pods;
  if (want.milli_cpu > 0 && want.milli_cpu > alloc.milli_cpu - used.milli_cpu) mask |= short_cpu;
  if (want.memory > 0 && want.memory > alloc.memory - used.memory) mask |= short_memory;
  // Extended resources as kube-scheduler's scalar resources: a node that does not advertise
  // one has none of it.
  uint64_t extended_short = 0;
  for (size_t i = 0; i < pod.extended_requests.size() && i < 64; ++i) {
    auto& [name, amount] = pod.extended_requests[i];
    if (amount > 0 && amount > amount_of(node.extended_allocatable, name) -
                                   amount_of(node.extended_requested, name))
      extended_short |= uint64_t{1} << i;
  }
  if (mask == 0 && extended_short == 0) return {};
  return verdict{failure::resources, mask, nullptr, &pod.extended_requests, extended_short};
}

verdict check_node_affinity(const pod_info& pod, const node_info& node) {
  if (selector_matches(pod, node) && required_affinity_matches(pod, node)) return {};
  return failed(failure::node_affinity);
}

verdict check_taints(const pod_info& pod, const node_info& node) {
  const taint* bad = first_untolerated(pod, node);
  if (!bad) return {};
  return verdict{failure::taint, 0, bad};
}

verdict check_host_ports(const pod_info& pod, const node_info& node) {
  for (auto& want : pod.host_ports)
    for (auto& used : node.used_ports)
      if (port_conflict(want, used)) return failed(failure::host_ports);
  return {};
}

// kube-scheduler's InterPodAffinity Filter, on what prepare_affinity found across the nodes:
// the pod's affinity, its anti-affinity, then existing pods' anti-affinity towards it.
verdict check_inter_pod_affinity(const pod_info& pod, const node_info& node,
                                 const affinity_state& state) {
  for (size_t k = 0; k < pod.required_affinity.size(); ++k) {
    auto* domain = domain_of(node, pod.required_affinity[k].topology_key);
    if (!domain || (!state.first_of_its_kind && !state.affinity_domains[k].count(*domain)))
      return failed(failure::pod_affinity);
  }
  for (size_t k = 0; k < pod.required_anti_affinity.size(); ++k) {
    auto* domain = domain_of(node, pod.required_anti_affinity[k].topology_key);
    if (domain && state.anti_affinity_domains[k].count(*domain))
      return failed(failure::anti_affinity);
  }
  for (auto& [key, domains] : state.forbidden_by_existing) {
    auto* domain = domain_of(node, key);
    if (domain && domains.count(*domain)) return failed(failure::existing_anti_affinity);
  }
  return {};
}

// ---- topology spread ---------------------------------------------------------------------------

// Whether a constraint's node policies let the node's pods count (kube-scheduler's
// matchNodeInclusionPolicies): the same node affinity and taint filters, a node that is not
// ready counting as tainted not-ready.
bool spread_counts_on(const spread_constraint& c, const pod_info& pod, const node_info& node) {
  if (c.honor_node_affinity && !check_node_affinity(pod, node).fits()) return false;
  return !c.honor_taints || check_taints(pod, node).fits();
}

// The pods on the node a constraint of `pod`'s selects: in its namespace, not being deleted.
int32_t spread_matches_on(const spread_constraint& c, const pod_info& pod, const node_info& node) {
  int32_t n = 0;
  if (c.counts_none) return 0;
  for (const pod_info* other : node.pods)
    if (other->ns == pod.ns && !other->terminating && selects(c.selector, other->labels)) ++n;
  return n;
}

bool has_every_key(const pod_info& pod, const node_info& node, bool hard) {
  for (auto& c : pod.spread_constraints)
    if (c.hard == hard && !domain_of(node, c.topology_key)) return false;
  return true;
}

bool has_constraints(const pod_info& pod, bool hard) {
  return std::any_of(pod.spread_constraints.begin(), pod.spread_constraints.end(),
                     [&](auto& c) { return c.hard == hard; });
}

// kube-scheduler's PodTopologySpread Filter: matching pods in the node's domain, plus the pod
// itself when it matches, may exceed the fewest in any domain by at most maxSkew.
verdict check_topology_spread(const pod_info& pod, const node_info& node,
                              const spread_state& state) {
  for (size_t k = 0; k < pod.spread_constraints.size(); ++k) {
    auto& c = pod.spread_constraints[k];
    if (!c.hard) continue;
    auto* domain = domain_of(node, c.topology_key);
    if (!domain) return failed(failure::spread_label_missing);
    auto& counts = state.constraints[k];
    auto here = counts.per_domain.find(*domain);
    int64_t matching = here == counts.per_domain.end() ? 0 : here->second;
    int64_t self = selects(c.selector, pod.labels) ? 1 : 0;
    if (matching + self - counts.fewest > c.max_skew) return failed(failure::spread_skew);
  }
  return {};
}

// ---- all filters --------------------------------------------------------------------------------

// What the filters need to know of the nodes beyond the one they judge.
struct cluster_state {
  affinity_state affinity;
  spread_state spread;
};

cluster_state prepare(const std::vector<node_info>& nodes, const pod_info& pod) {
  return {prepare_affinity(nodes, pod), prepare_spread(nodes, pod)};
}

/// Every filter in order; the first that fails decides.
// In kube-scheduler's filter order (NodeUnschedulable, NodeName, TaintToleration, NodeAffinity,
// NodePorts, NodeResourcesFit, PodTopologySpread, InterPodAffinity): a node is counted under
// the first filter it fails, so the order decides what FailedScheduling says.
verdict check(const pod_info& pod, const node_info& node, const cluster_state& state) {
  verdict v = check_unschedulable(pod, node);
  if (v.fits()) v = check_node_name(pod, node);
  if (v.fits()) v = check_taints(pod, node);
  if (v.fits()) v = check_node_affinity(pod, node);
  if (v.fits()) v = check_host_ports(pod, node);
  if (v.fits()) v = check_resources(pod, node);
  if (v.fits()) v = check_topology_spread(pod, node, state.spread);
  if (v.fits()) v = check_inter_pod_affinity(pod, node, state.affinity);
  return v;
}

// A filter asked of one node alone sees only the pods on that node.
cluster_state local_state(const pod_info& pod, const node_info& node) {
  return prepare(std::vector<node_info>{node}, pod);
}

// ---- scores -----------------------------------------------------------------------------------

int64_t free_share(int64_t allocatable, int64_t requested) {
  if (allocatable <= 0 || requested > allocatable) return 0;
  return (allocatable - requested) * 100 / allocatable;
}

double used_fraction(int64_t allocatable, int64_t requested) {
  if (allocatable <= 0) return 1.0;
  return std::min(1.0, static_cast<double>(requested) / static_cast<double>(allocatable));
}

int64_t spread_score(int32_t count_here, int32_t max_count) {
  if (max_count <= 0) return 100;
  return int64_t{100} * std::max(0, max_count - count_here) / max_count;
}

int32_t owner_count(const pod_info& pod, const node_info& node, size_t owner_hash) {
  if (pod.owner_uid.empty()) return 0;
  return node.owner_counts.count(pod.owner_uid, owner_hash);
}

// ---- place ------------------------------------------------------------------------------------

// kube-scheduler's default weights (spread: PodTopologySpread's, which troupe's owner
// spreading stands in for when a pod has no constraints).
constexpr int64_t least_allocated_weight = 1, balanced_weight = 1, spread_weight = 2,
                  node_affinity_weight = 2, taint_toleration_weight = 3,
                  inter_pod_affinity_weight = 2;
// What an existing pod's required affinity term counts for a pod it selects (kube-scheduler's
// hardPodAffinityWeight).
constexpr int64_t hard_affinity_weight = 1;

// A feasible node and what its scores need; those normalised over the feasible nodes wait
// for them all.
struct candidate {
  size_t index = 0;
  int64_t score = 0;        // the weighted scores of the node alone
  int32_t owned = 0;        // pods of the same owner already there
  int64_t preferred = 0;    // the weights of the preferred node affinity terms it matches
  int64_t intolerable = 0;  // PreferNoSchedule taints the pod does not tolerate
};

candidate candidate_of(const pod_info& pod, const node_info& node, size_t index,
                       size_t owner_hash) {
  return {index,
          least_allocated_weight * score_least_allocated(pod, node) +
              balanced_weight * score_balanced_allocation(pod, node),
          owner_count(pod, node, owner_hash), preferred_node_affinity_weight(pod, node),
          intolerable_taints(pod, node)};
}

// kube-scheduler's DefaultNormalizeScore: each value as a share of the largest (0 when all
// are 0), or, `reverse`, 100 less that share (100 when all are 0).
template <class Field>
std::vector<int64_t> normalised(const std::vector<candidate>& feasible, Field field, bool reverse) {
  int64_t largest = 0;
  for (auto& c : feasible) largest = std::max(largest, c.*field);
  std::vector<int64_t> out;
  out.reserve(feasible.size());
  for (auto& c : feasible) {
    int64_t share = largest == 0 ? 0 : 100 * (c.*field) / largest;
    out.push_back(reverse ? 100 - share : share);
  }
  return out;
}

// Fewer pods of the pod's owner scores higher: troupe's stand-in for kube-scheduler's default
// spread constraints, for pods with none of their own.
std::vector<int64_t> owner_spread_scores(const std::vector<candidate>& feasible) {
  int32_t max_count = 0;
  for (auto& c : feasible) max_count = std::max(max_count, c.owned);
  std::vector<int64_t> out;
  out.reserve(feasible.size());
  for (auto& c : feasible) out.push_back(spread_score(c.owned, max_count));
  return out;
}

// kube-scheduler's PodTopologySpread score for the pod's ScheduleAnyway constraints: per
// feasible node, the matching pods in its domain of each constraint (counted over every node,
// the domains being those of the feasible nodes), weighted by the log of that constraint's
// domain count; then normalised so the emptiest scores 100. A node missing one of the keys
// scores 0.
std::vector<int64_t> soft_spread_scores(const std::vector<node_info>& nodes, const pod_info& pod,
                                        const std::vector<candidate>& feasible) {
  const auto& constraints = pod.spread_constraints;
  auto by_node = [&](const spread_constraint& c) { return c.topology_key == hostname_key; };
  std::vector<std::map<std::string, int64_t>> per_domain(constraints.size());
  std::vector<bool> ignored(feasible.size());
  size_t scored_nodes = 0;
  for (size_t i = 0; i < feasible.size(); ++i) {
    const node_info& node = nodes[feasible[i].index];
    if (!has_every_key(pod, node, false)) {
      ignored[i] = true;
      continue;
    }
    ++scored_nodes;
    for (size_t k = 0; k < constraints.size(); ++k)
      if (!constraints[k].hard && !by_node(constraints[k]))
        per_domain[k].try_emplace(*domain_of(node, constraints[k].topology_key), 0);
  }
  for (auto& node : nodes) {
    if (!has_every_key(pod, node, false)) continue;
    for (size_t k = 0; k < constraints.size(); ++k) {
      auto& c = constraints[k];
      if (c.hard || by_node(c) || !spread_counts_on(c, pod, node)) continue;
      auto at = per_domain[k].find(*domain_of(node, c.topology_key));
      if (at != per_domain[k].end()) at->second += spread_matches_on(c, pod, node);
    }
  }
  std::vector<double> weight(constraints.size());
  for (size_t k = 0; k < constraints.size(); ++k)
    weight[k] = std::log(
        static_cast<double>((by_node(constraints[k]) ? scored_nodes : per_domain[k].size()) + 2));
  std::vector<int64_t> raw(feasible.size());
  int64_t lowest = std::numeric_limits<int64_t>::max(), highest = 0;
  for (size_t i = 0; i < feasible.size(); ++i) {
    if (ignored[i]) continue;
    const node_info& node = nodes[feasible[i].index];
    double score = 0;
    for (size_t k = 0; k < constraints.size(); ++k) {
      auto& c = constraints[k];
      if (c.hard) continue;
      int64_t count = by_node(c) ? spread_matches_on(c, pod, node)
                                 : per_domain[k].at(*domain_of(node, c.topology_key));
      score += static_cast<double>(count) * weight[k] + static_cast<double>(c.max_skew - 1);
    }
    raw[i] = std::llround(score);
    lowest = std::min(lowest, raw[i]);
    highest = std::max(highest, raw[i]);
  }
  std::vector<int64_t> out(feasible.size(), 0);
  for (size_t i = 0; i < feasible.size(); ++i)
    if (!ignored[i]) out[i] = highest == 0 ? 100 : 100 * (highest + lowest - raw[i]) / highest;
  return out;
}

std::vector<int64_t> spread_scores(const std::vector<node_info>& nodes, const pod_info& pod,
                                   const std::vector<candidate>& feasible) {
  if (pod.spread_constraints.empty()) return owner_spread_scores(feasible);
  if (has_constraints(pod, false)) return soft_spread_scores(nodes, pod, feasible);
  return std::vector<int64_t>(feasible.size(), 0);  // only DoNotSchedule ones: filters alone
}

// kube-scheduler's InterPodAffinity score: per topology domain, the weights of the pod's
// preferred affinity terms (less those of its anti-affinity terms) that pods there match, and
// of existing pods' terms that the pod matches (required affinity at weight 1); a node scores
// the sum over its domains, normalised to 0..100 between the lowest and highest feasible node.
// Empty when nothing weighs (every node scores alike).
std::vector<int64_t> inter_pod_affinity_scores(const std::vector<node_info>& nodes,
                                               const pod_info& pod,
                                               const std::vector<candidate>& feasible,
                                               const affinity_state& affinity) {
  bool own_terms = !pod.preferred_affinity.empty() || !pod.preferred_anti_affinity.empty();
  std::map<std::string, std::map<std::string, int64_t>> by_domain;  // key -> domain -> weight
  auto count = [&](const pod_affinity_term& term, int64_t weight, const pod_info& owner,
                   const pod_info& selected, const node_info& node) {
    if (!in_term_namespaces(term, owner, selected) || !selects(term.selector, selected.labels))
      return;
    if (auto* domain = domain_of(node, term.topology_key))
      by_domain[term.topology_key][*domain] += weight;
  };
  if (!own_terms && affinity.scoring_nodes.empty()) return {};
  auto weigh = [&](const node_info& node) {
    for (const pod_info* other : node.pods) {
      if (same_pod(*other, pod)) continue;
      for (auto& t : pod.preferred_affinity) count(t.term, t.weight, pod, *other, node);
      for (auto& t : pod.preferred_anti_affinity) count(t.term, -t.weight, pod, *other, node);
      if (!scores_others(*other)) continue;
      for (auto& term : other->required_affinity)
        count(term, hard_affinity_weight, *other, pod, node);
      for (auto& t : other->preferred_affinity) count(t.term, t.weight, *other, pod, node);
      for (auto& t : other->preferred_anti_affinity) count(t.term, -t.weight, *other, pod, node);
    }
  };
  if (own_terms) {
    for (auto& node : nodes) weigh(node);
  } else {
    for (size_t n : affinity.scoring_nodes) weigh(nodes[n]);
  }
  if (by_domain.empty()) return {};
  std::vector<int64_t> raw(feasible.size(), 0);
  for (size_t i = 0; i < feasible.size(); ++i)
    for (auto& [key, domains] : by_domain)
      if (auto* domain = domain_of(nodes[feasible[i].index], key)) {
        auto at = domains.find(*domain);
        if (at != domains.end()) raw[i] += at->second;
      }
  auto [lowest, highest] = std::minmax_element(raw.begin(), raw.end());
  int64_t low = *lowest, spread = *highest - *lowest;
  for (auto& r : raw) r = spread > 0 ? 100 * (r - low) / spread : 0;
  return raw;
}

size_t best_of(const std::vector<candidate>& feasible, const std::vector<int64_t>& spread,
               const std::vector<int64_t>& affinity) {
  auto preferred = normalised(feasible, &candidate::preferred, false);
  auto tolerated = normalised(feasible, &candidate::intolerable, true);
  size_t best = 0;
  int64_t best_score = -1;
  for (size_t i = 0; i < feasible.size(); ++i) {
    int64_t score = feasible[i].score + spread_weight * spread[i] +
                    node_affinity_weight * preferred[i] + taint_toleration_weight * tolerated[i];
    if (!affinity.empty()) score += inter_pod_affinity_weight * affinity[i];
    if (score > best_score) best = i, best_score = score;  // strict: ties stay with the earliest
  }
  return feasible[best].index;
}

/// Counts failing verdicts by reason without spelling each one (a pod that fits nowhere is
/// checked against every node); every distinct reason is spelled once, in lines().
class reason_tally {
 public:
  void add(const verdict& v) {
    if (v.what == failure::taint) {
      ++taints_[{v.untolerated->key, v.untolerated->value}];
    } else if (v.what == failure::resources) {
      for (size_t i = 0; i < shortage_bits.size(); ++i)
        if (v.shortages & shortage_bits[i]) ++shortages_[i];
      for (size_t i = 0; v.extended && i < v.extended->size() && i < 64; ++i)
        if (v.extended_short & (uint64_t{1} << i)) ++extended_[(*v.extended)[i].first];
    } else {
      ++plain_[static_cast<size_t>(v.what)];
    }
  }

  /// "<count> <reason>" per reason, sorted as kube-scheduler's FitError sorts them: bytewise,
  /// count included.
  std::vector<std::string> lines() const {
    std::vector<std::string> out;
    auto line = [&](size_t count, const verdict& v) {
      if (count) out.push_back(std::to_string(count) + " " + reasons(v).front());
    };
    for (size_t i = 1; i < plain_.size(); ++i) line(plain_[i], failed(static_cast<failure>(i)));
    for (size_t i = 0; i < shortage_bits.size(); ++i)
      line(shortages_[i], verdict{failure::resources, shortage_bits[i], nullptr, nullptr, 0});
    for (auto& [name, count] : extended_)
      out.push_back(std::to_string(count) + " Insufficient " + name);
    for (auto& [key_value, count] : taints_) {
      taint t{std::string(key_value.first), std::string(key_value.second), ""};
      line(count, verdict{failure::taint, 0, &t, nullptr, 0});
    }
    std::sort(out.begin(), out.end());
    return out;
  }

 private:
  static constexpr std::array<uint8_t, 3> shortage_bits = {too_many_pods, short_cpu, short_memory};
  std::array<size_t, 12> plain_{};     // by failure: the reasons without details
  std::array<size_t, 3> shortages_{};  // by shortage_bits
  std::map<std::pair<std::string_view, std::string_view>, size_t> taints_;  // views into nodes
  std::map<std::string, size_t> extended_;  // extended resources short, by name
};

/// kube-scheduler's FitError text.
std::string unavailable_message(const std::vector<node_info>& nodes, const pod_info& pod,
                                const cluster_state& state) {
  reason_tally tally;
  for (auto& node : nodes) tally.add(check(pod, node, state));
  std::string out = "0/" + std::to_string(nodes.size()) + " nodes are available";
  auto parts = tally.lines();
  for (size_t i = 0; i < parts.size(); ++i) out += (i ? ", " : ": ") + parts[i];
  return out + ".";
}

}  // namespace

// ---- owner_tally ------------------------------------------------------------------------------

size_t owner_tally::find(std::string_view uid, size_t uid_hash) const {
  for (size_t i = 0; i < counts_.size(); ++i)
    if (counts_[i].hash == uid_hash && uids_[i] == uid) return i;
  return counts_.size();
}

int32_t owner_tally::count(std::string_view, size_t uid_hash) const {
  // The hash alone decides: confirming the uid costs a cache miss on its heap buffer per match
  // (a quarter of place()'s time), and a 64-bit collision would only blur a spreading score.
  for (auto& c : counts_)
    if (c.hash == uid_hash) return c.pods;
  return 0;
}

void owner_tally::add(const std::string& uid, int32_t pods) {
  size_t h = hash(uid), i = find(uid, h);
  if (i < counts_.size()) {
    counts_[i].pods += pods;
    return;
  }
  counts_.push_back({h, pods});
  uids_.push_back(uid);
}

void owner_tally::remove(const std::string& uid, int32_t pods) {
  size_t i = find(uid, hash(uid));
  if (i == counts_.size()) return;
  if ((counts_[i].pods -= pods) > 0) return;
  // Order does not matter: swap the last entry in.
  counts_[i] = counts_.back();
  uids_[i] = std::move(uids_.back());
  counts_.pop_back();
  uids_.pop_back();
}

// ---- node_info --------------------------------------------------------------------------------

affinity_state prepare_affinity(const std::vector<node_info>& nodes, const pod_info& pod) {
  affinity_state state;
  state.affinity_domains.resize(pod.required_affinity.size());
  state.anti_affinity_domains.resize(pod.required_anti_affinity.size());
  bool own_terms = !pod.required_affinity.empty() || !pod.required_anti_affinity.empty();
  for (size_t n = 0; n < nodes.size(); ++n) {
    auto& node = nodes[n];
    if (node.scoring_affinity_pods > 0) state.scoring_nodes.push_back(n);
    if (!own_terms && node.anti_affinity_pods == 0) continue;
    for (const pod_info* other : node.pods) {
      bool matches_all = !pod.required_affinity.empty() &&
                         std::all_of(pod.required_affinity.begin(), pod.required_affinity.end(),
                                     [&](auto& term) { return term_selects(term, pod, *other); });
      for (size_t k = 0; matches_all && k < pod.required_affinity.size(); ++k)
        if (auto* domain = domain_of(node, pod.required_affinity[k].topology_key))
          state.affinity_domains[k].insert(*domain);
      for (size_t k = 0; k < pod.required_anti_affinity.size(); ++k)
        if (term_selects(pod.required_anti_affinity[k], pod, *other))
          if (auto* domain = domain_of(node, pod.required_anti_affinity[k].topology_key))
            state.anti_affinity_domains[k].insert(*domain);
      for (auto& term : other->required_anti_affinity)
        if (term_selects(term, *other, pod))
          if (auto* domain = domain_of(node, term.topology_key))
            state.forbidden_by_existing[term.topology_key].insert(*domain);
    }
  }
  // The first pod of a group that must be together goes anywhere its domains exist, provided it
  // matches its own terms (kube-scheduler's rule, or such a group could never start).
  bool none_found = std::all_of(state.affinity_domains.begin(), state.affinity_domains.end(),
                                [](auto& domains) { return domains.empty(); });
  state.first_of_its_kind =
      !pod.required_affinity.empty() && none_found &&
      std::all_of(pod.required_affinity.begin(), pod.required_affinity.end(), [&](auto& term) {
        return in_term_namespaces(term, pod, pod) && selects(term.selector, pod.labels);
      });
  return state;
}

spread_state prepare_spread(const std::vector<node_info>& nodes, const pod_info& pod) {
  spread_state state;
  state.constraints.resize(pod.spread_constraints.size());
  if (!has_constraints(pod, true)) return state;
  for (auto& node : nodes) {
    if (!has_every_key(pod, node, true)) continue;  // its pods count for no constraint
    for (size_t k = 0; k < pod.spread_constraints.size(); ++k) {
      auto& c = pod.spread_constraints[k];
      if (!c.hard || !spread_counts_on(c, pod, node)) continue;
      state.constraints[k].per_domain[*domain_of(node, c.topology_key)] +=
          spread_matches_on(c, pod, node);
    }
  }
  for (size_t k = 0; k < pod.spread_constraints.size(); ++k) {
    auto& counts = state.constraints[k];
    if (counts.per_domain.empty()) continue;
    counts.fewest = std::numeric_limits<int32_t>::max();
    for (auto& [domain, n] : counts.per_domain) counts.fewest = std::min(counts.fewest, n);
    // Too few domains: the ones missing count as empty (minDomains).
    if (counts.per_domain.size() < static_cast<size_t>(pod.spread_constraints[k].min_domains))
      counts.fewest = 0;
  }
  return state;
}

// Whether one of `waiting`'s DoNotSchedule spread constraints counts `other`.
bool spread_counts(const pod_info& waiting, const pod_info& other) {
  return std::any_of(waiting.spread_constraints.begin(), waiting.spread_constraints.end(),
                     [&](auto& c) {
                       return c.hard && !c.counts_none && other.ns == waiting.ns &&
                              selects(c.selector, other.labels);
                     });
}

bool may_fit_once_placed(const pod_info& waiting, const pod_info& placed) {
  return std::any_of(waiting.required_affinity.begin(), waiting.required_affinity.end(),
                     [&](auto& term) { return term_selects(term, waiting, placed); }) ||
         spread_counts(waiting, placed);
}

bool may_fit_once_gone(const pod_info& waiting, const pod_info& gone) {
  return spread_counts(waiting, gone);
}

bool selects_namespaces_by_label(const pod_info& pod) {
  auto by_label = [](const pod_affinity_term& t) { return t.selected_namespaces; };
  return std::any_of(pod.required_affinity.begin(), pod.required_affinity.end(), by_label) ||
         std::any_of(pod.required_anti_affinity.begin(), pod.required_anti_affinity.end(),
                     by_label);
}

void node_info::add_pod(const pod_info& pod) {
  requested.milli_cpu += pod.requests.milli_cpu;
  requested.memory += pod.requests.memory;
  requested.pods += 1;  // a pod is one pod, whatever its requests say
  scored_requested.milli_cpu += pod.scored_requests.milli_cpu;
  scored_requested.memory += pod.scored_requests.memory;
  add_amounts(extended_requested, pod.extended_requests, 1);
  used_ports.insert(used_ports.end(), pod.host_ports.begin(), pod.host_ports.end());
  pods.push_back(&pod);
  if (!pod.owner_uid.empty()) owner_counts.add(pod.owner_uid);
  if (!pod.required_anti_affinity.empty()) ++anti_affinity_pods;
  if (scores_others(pod)) ++scoring_affinity_pods;
}

void node_info::remove_pod(const pod_info& pod) {
  auto at =
      std::find_if(pods.begin(), pods.end(), [&](const pod_info* p) { return same_pod(*p, pod); });
  if (at == pods.end()) return;  // never added (or already removed): nothing to undo
  pods.erase(at);
  requested.milli_cpu -= pod.requests.milli_cpu;
  requested.memory -= pod.requests.memory;
  requested.pods -= 1;
  scored_requested.milli_cpu -= pod.scored_requests.milli_cpu;
  scored_requested.memory -= pod.scored_requests.memory;
  add_amounts(extended_requested, pod.extended_requests, -1);
  for (auto& p : pod.host_ports) {
    auto used = std::find_if(used_ports.begin(), used_ports.end(),
                             [&](const host_port& u) { return same_port(u, p); });
    if (used != used_ports.end()) used_ports.erase(used);
  }
  if (!pod.owner_uid.empty()) owner_counts.remove(pod.owner_uid);
  if (!pod.required_anti_affinity.empty()) --anti_affinity_pods;
  if (scores_others(pod)) --scoring_affinity_pods;
}

// ---- filters ----------------------------------------------------------------------------------

filter_result filter_node_name(const pod_info& pod, const node_info& node) {
  return describe(check_node_name(pod, node));
}
filter_result filter_unschedulable(const pod_info& pod, const node_info& node) {
  return describe(check_unschedulable(pod, node));
}
filter_result filter_resources(const pod_info& pod, const node_info& node) {
  return describe(check_resources(pod, node));
}
filter_result filter_node_affinity(const pod_info& pod, const node_info& node) {
  return describe(check_node_affinity(pod, node));
}
filter_result filter_taints(const pod_info& pod, const node_info& node) {
  return describe(check_taints(pod, node));
}
filter_result filter_host_ports(const pod_info& pod, const node_info& node) {
  return describe(check_host_ports(pod, node));
}
filter_result filter_inter_pod_affinity(const pod_info& pod, const node_info& node) {
  return describe(check_inter_pod_affinity(pod, node, local_state(pod, node).affinity));
}
filter_result filter_topology_spread(const pod_info& pod, const node_info& node,
                                     const spread_state& state) {
  return describe(check_topology_spread(pod, node, state));
}

filter_result fits(const pod_info& pod, const node_info& node) {
  return describe(check(pod, node, local_state(pod, node)));
}

// ---- scores -----------------------------------------------------------------------------------

int64_t score_least_allocated(const pod_info& pod, const node_info& node) {
  // Requests not made count as kube-scheduler's defaults here (and only here), so a node
  // running many pods without requests does not look as free as an empty one.
  const resources& used = node.scored_requested;
  int64_t cpu =
      free_share(node.allocatable.milli_cpu, used.milli_cpu + pod.scored_requests.milli_cpu);
  int64_t memory = free_share(node.allocatable.memory, used.memory + pod.scored_requests.memory);
  return (cpu + memory) / 2;
}

int64_t score_balanced_allocation(const pod_info& pod, const node_info& node) {
  double cpu =
      used_fraction(node.allocatable.milli_cpu, node.requested.milli_cpu + pod.requests.milli_cpu);
  double memory =
      used_fraction(node.allocatable.memory, node.requested.memory + pod.requests.memory);
  // The standard deviation of the two fractions, |cpu - memory| / 2, as kube-scheduler.
  return static_cast<int64_t>((1.0 - std::abs(cpu - memory) / 2) * 100);
}

int64_t score_spread(const pod_info& pod, const node_info& node, int32_t max_count) {
  return spread_score(owner_count(pod, node, owner_tally::hash(pod.owner_uid)), max_count);
}

int64_t preferred_node_affinity_weight(const pod_info& pod, const node_info& node) {
  int64_t matched = 0;
  for (auto& term : pod.preferred_node_affinity)
    if (term.weight > 0 && term_matches(term.preference, node)) matched += term.weight;
  return matched;  // an empty preference matches no node
}

int64_t intolerable_taints(const pod_info& pod, const node_info& node) {
  // Only tolerations that can speak for PreferNoSchedule count, as in kube-scheduler.
  int64_t intolerable = 0;
  for (auto& x : node.taints) {
    if (x.effect != "PreferNoSchedule") continue;
    bool ok = std::any_of(pod.tolerations.begin(), pod.tolerations.end(), [&](const toleration& t) {
      return (t.effect.empty() || t.effect == "PreferNoSchedule") && tolerates(t, x);
    });
    if (!ok) ++intolerable;
  }
  return intolerable;
}

// ---- place ------------------------------------------------------------------------------------

placement place(const std::vector<node_info>& nodes, const pod_info& pod, place_options options) {
  placement out;
  const size_t n = nodes.size();
  if (n == 0) {
    out.message = "no nodes available to schedule pods";  // kube-scheduler's ErrNoNodesAvailable
    return out;
  }
  const size_t start = options.start % n;
  const size_t enough = options.enough_feasible == 0 ? n : std::min(options.enough_feasible, n);
  const size_t owner_hash = owner_tally::hash(pod.owner_uid);
  const cluster_state state = prepare(nodes, pod);
  std::vector<candidate> feasible;
  feasible.reserve(enough);
  size_t examined = 0;
  for (size_t i = start; examined < n && feasible.size() < enough; ++examined) {
    const node_info& node = nodes[i];
    if (check(pod, node, state).fits()) feasible.push_back(candidate_of(pod, node, i, owner_hash));
    if (++i == n) i = 0;
  }
  out.next_start = (start + examined) % n;
  if (feasible.empty()) {
    out.message = unavailable_message(nodes, pod, state);
    return out;
  }
  out.node = nodes[best_of(feasible, spread_scores(nodes, pod, feasible),
                           inter_pod_affinity_scores(nodes, pod, feasible, state.affinity))]
                 .name;
  return out;
}

}  // namespace troupe::sched
