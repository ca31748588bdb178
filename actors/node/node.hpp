#pragma once
// The node agent: registers its Node (capacity, allocatable, labels, addresses, podCIDR,
// conditions), renews its Lease in kube-node-lease every 10 s, and writes the Node's status
// only when it changes or every 5 minutes, as the kubelet does.

#include <caf/fwd.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>
#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "actors/apiserver/apiserver.hpp"
#include "actors/store/store.hpp"
#include "runtime/caf/atoms.hpp"
#include "runtime/object/taints.hpp"

namespace troupe {

/// Connected: the API router, the store, and the node's pod address range.
using node_actor = caf::typed_actor<caf::reacts_to<connected_atom, resource_actor, store_actor, std::string>>;

/// What the node is, read once from the host (or made up for a hollow node).
struct host_facts {
  int64_t milli_cpu = 0;
  int64_t memory = 0;  ///< bytes
  int64_t max_pods = 110;
  std::string hostname, os = "linux", arch = "amd64", kernel, os_image;
  std::string address;      ///< InternalIP
  std::string limits_note;  ///< how container limits are enforced (cgroups or the fallback)
  /// Labels the node registers with besides its own (the kubelet's --node-labels).
  std::vector<std::pair<std::string, std::string>> labels;
  /// Taints a new Node starts with (the kubelet's --register-with-taints): on registration
  /// only, so taints removed later stay removed.
  std::vector<taint_spec> taints;
  /// /etc/machine-id, the board's product UUID (root reads it) and this boot's id.
  std::string machine_id, system_uuid, boot_id;
};

/// Reads cpu count, memory, hostname, kernel, OS image and architecture from the host.
host_facts read_host_facts();

/// Live pressure signals (plain data so the decision is testable).
struct host_pressure {
  int64_t memory_available = 0;  ///< bytes (MemAvailable)
  double disk_free_fraction = 1;  ///< of the filesystem holding the node's data
  int64_t pids = 0, pid_max = 1;
};
host_pressure read_host_pressure(const std::string& data_dir);

struct node_condition {
  std::string type, status, reason, message;
  bool operator==(const node_condition& o) const {
    return type == o.type && status == o.status && reason == o.reason && message == o.message;
  }
};
/// Ready, MemoryPressure, DiskPressure and PIDPressure with the kubelet's reasons and its
/// default eviction thresholds (memory.available < 100Mi, nodefs.available < 10%, pids > 90%).
std::vector<node_condition> node_conditions(const host_pressure& p, const std::string& limits_note);

struct node_knobs {
  /// Lease renewal, and how often status is checked for changes.
  std::chrono::milliseconds lease_interval{10000};
  /// The Lease's spec.leaseDurationSeconds; the kubelet renews at a quarter of it.
  int lease_duration_seconds = 40;
  /// An unchanged status is still written this often.
  std::chrono::milliseconds status_report_interval{5 * 60 * 1000};
};

struct node_deps {
  std::string name;
  std::string data_dir;
  host_facts facts;
  bool hollow = false;  ///< no host pressure checks: always healthy
  node_knobs knobs;
};

node_actor spawn_node(caf::actor_system& sys, node_deps deps);

}  // namespace troupe
