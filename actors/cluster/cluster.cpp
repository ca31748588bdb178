#include "actors/cluster/cluster.hpp"

#include <caf/all.hpp>
#include <map>
#include <set>

#include "actors/cluster/token.hpp"
#include "runtime/base/text.hpp"
#include "runtime/base/time.hpp"
#include "runtime/caf/errors.hpp"
#include "runtime/object/cidr.hpp"
#include "runtime/object/object.hpp"
#include "runtime/object/validation.hpp"
#include "runtime/store/engine.hpp"
#include "schema/core.capnp.h"

namespace troupe {
namespace {

struct member {
  kubelet_actor kubelet;
  std::string pod_cidr;
  std::string identity;
};

struct cluster_state {
  cluster_deps deps;
  ipv4_range range;
  std::map<std::string, member> nodes;  // joined nodes, by name
  std::map<std::string, std::string> cidr_of;  // every node's range, known or handed out
  std::set<std::string> used;
  uint32_t next_block = 0;  // no free /24 below this one
  static inline const char* name = "cluster";
};

using self_ptr = cluster_actor::stateful_pointer<cluster_state>;

// Every range handed out so far: those on Node objects (they survive restarts) are read once;
// later joins only look in memory, so thousands of nodes joining at once stay cheap.
void load_ranges(self_ptr self) {
  auto& st = self->state;
  st.deps.engine->read().list(list_prefix("nodes", ""), [&](std::string_view, store::stored_view v) {
    object_reader r(v.object);
    auto n = r.as<k8s::Node>();
    std::string cidr = text_string(n.getSpec().getPodCIDR());
    if (!cidr.empty()) {
      st.cidr_of[text_string(n.getMetadata().getName())] = cidr;
      st.used.insert(cidr);
    }
    return true;
  });
}

// The range a node had, else the first one free.
std::string pod_cidr_for(self_ptr self, const std::string& node) {
  auto& st = self->state;
  if (auto it = st.cidr_of.find(node); it != st.cidr_of.end()) return it->second;
  auto cidr = allocate_node_cidr(st.range, st.used, st.next_block);
  TROUPE_REQUIRE(cidr, api_errc::unavailable,
                 "no pod address range left in " + st.range.text() + " for node " + quote(node));
  st.next_block = (parse_cidr(*cidr)->base - st.range.base) / 256 + 1;
  st.cidr_of[node] = *cidr;
  st.used.insert(*cidr);
  return *cidr;
}

join_reply admit_node(self_ptr self, join_request& req) {
  TROUPE_REQUIRE(token_valid(self->state.deps.engine->read(), req.token, unix_seconds()),
                 api_errc::unauthorized,
                 "node " + quote(req.node) + " presented an invalid join token");
  auto problems = check_dns1123_subdomain(req.node);
  TROUPE_REQUIRE(problems.empty(), api_errc::bad_request,
                 "node name " + quote(req.node) + ": " + join(problems, "; "));
  TROUPE_REQUIRE(req.node.size() <= 63, api_errc::bad_request,
                 "node name " + quote(req.node) +
                     ": must be no more than 63 characters (it is the node's " +
                     "kubernetes.io/hostname label)");
  TROUPE_REQUIRE(req.kubelet, api_errc::bad_request, "a join needs the node's kubelet");
  // Two agents running one node would run its pods twice, and the first to go would take the
  // node's exec and logs with it.
  auto joined = self->state.nodes.find(req.node);
  TROUPE_REQUIRE(joined == self->state.nodes.end() || joined->second.identity == req.identity,
                 api_errc::already_exists,
                 "node " + quote(req.node) +
                     " is already joined by another agent (another --data-dir); " +
                     "stop that agent or choose another --name");
  auto cidr = pod_cidr_for(self, req.node);
  self->monitor(req.kubelet);
  self->state.nodes[req.node] = {req.kubelet, cidr, req.identity};
  return {self->state.deps.api, self->state.deps.store, cidr};
}

void kubelet_down(self_ptr self, const caf::down_msg& msg) {
  for (auto it = self->state.nodes.begin(); it != self->state.nodes.end(); ++it) {
    if (it->second.kubelet.address() != msg.source) continue;
    std::string node = it->first;
    self->state.nodes.erase(it);
    if (self->state.deps.lifecycle) self->send(self->state.deps.lifecycle, node_lost_atom::value, node);
    return;
  }
}

// The kubelet that runs a pod, for exec and logs.
kubelet_actor kubelet_of(self_ptr self, const std::string& ns, const std::string& pod) {
  auto reading = self->state.deps.engine->read();  // the view below lives as long as it
  auto stored = reading.get(object_key("pods", ns, pod));
  TROUPE_REQUIRE(stored, api_errc::not_found, "pods " + quote(pod) + " not found");
  object_reader r(stored->object);
  std::string node = text_string(r.as<k8s::Pod>().getSpec().getNodeName());
  // The API server's words for a pod no node runs yet.
  TROUPE_REQUIRE(!node.empty(), api_errc::bad_request, "pod " + pod + " does not have a host assigned");
  auto it = self->state.nodes.find(node);
  TROUPE_REQUIRE(it != self->state.nodes.end(), api_errc::unavailable,
                 "node " + quote(node) + " of pod " + quote(pod) + " is not connected");
  return it->second.kubelet;
}

template <class F>
auto guarded(F f) -> decltype(f()) {
  try {
    return f();
  } catch (const api_error& e) {
    return make_error(e);
  }
}

cluster_actor::behavior_type cluster_behavior(self_ptr self, cluster_deps deps) {
  auto range = parse_cidr(deps.cluster_cidr);
  TROUPE_REQUIRE(range && range->prefix <= 24, api_errc::bad_request,
                 "--cluster-cidr: " + quote(deps.cluster_cidr) + " is not an IPv4 range of /24 or larger");
  self->state.range = *range;
  self->state.deps = std::move(deps);
  load_ranges(self);
  self->set_down_handler([=](caf::down_msg& msg) { kubelet_down(self, msg); });
  return {
      [=](join_atom, join_request& req) -> caf::result<join_reply> {
        return guarded([&]() -> caf::result<join_reply> { return admit_node(self, req); });
      },
      [=](exec_atom, exec_request& req) -> caf::result<exec_reply> {
        return guarded([&]() -> caf::result<exec_reply> {
          return self->delegate(kubelet_of(self, req.ns, req.pod), exec_atom::value, std::move(req));
        });
      },
      [=](logs_atom, logs_request& req) -> caf::result<logs_reply> {
        return guarded([&]() -> caf::result<logs_reply> {
          return self->delegate(kubelet_of(self, req.ns, req.pod), logs_atom::value, std::move(req));
        });
      },
  };
}

}  // namespace

cluster_actor spawn_cluster(caf::actor_system& sys, cluster_deps deps) {
  return sys.spawn(cluster_behavior, std::move(deps));
}

void add_cluster_types(caf::actor_system_config& cfg) {
  cfg.add_message_type<join_request>("troupe.join_request");
  cfg.add_message_type<join_reply>("troupe.join_reply");
  cfg.add_message_type<cluster_actor>("troupe.cluster_actor");
  cfg.add_message_type<kubelet_actor>("troupe.kubelet_actor");
}

}  // namespace troupe
