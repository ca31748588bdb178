#pragma once
// The kubelet: one per node. It watches the pods bound to its node, runs each through a pod
// worker actor (containers as processes under shims, probes, restarts, status), and answers
// `exec` and `logs` for them. See README.md for the message flow.

#include <caf/fwd.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "actors/apiserver/apiserver.hpp"
#include "actors/store/store.hpp"
#include "runtime/caf/atoms.hpp"

namespace troupe {

struct exec_request {
  std::string ns, pod, container;  ///< container "" = the first
  std::vector<std::string> command;
  int64_t timeout_ms = 60000;
  bool with_stdin = false;  ///< the command reads `input` then end of file; else /dev/null
  std::string input;
};

struct exec_reply {
  int32_t exit_code = 0;
  std::string out, err;
};

/// What an exec carries each way at most: its stdin, and its stdout, of which the node keeps
/// one byte more so a caller can tell it was cut (stderr: the launcher's max_error_output).
/// `troupe cp` moves its archives through this.
constexpr size_t exec_max_bytes = size_t{32} << 20;

struct logs_request {
  std::string ns, pod, container;
  bool previous = false;      ///< the last terminated instance
  int64_t tail = -1;          ///< last N lines; -1 all
  int64_t since_seconds = 0;  ///< only lines newer than this many seconds; 0 all
  bool timestamps = false;
  uint64_t offset = 0;        ///< follow: continue after this byte of the log
};

struct logs_reply {
  std::string text;
  uint64_t offset = 0;  ///< where a follow-up call continues
  bool running = false; ///< the container is still running (follow goes on)
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, exec_request& x) {
  return f(caf::meta::type_name("exec_request"), x.ns, x.pod, x.container, x.command, x.timeout_ms, x.with_stdin,
           x.input);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, exec_reply& x) {
  return f(caf::meta::type_name("exec_reply"), x.exit_code, x.out, x.err);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, logs_request& x) {
  return f(caf::meta::type_name("logs_request"), x.ns, x.pod, x.container, x.previous, x.tail,
           x.since_seconds, x.timestamps, x.offset);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, logs_reply& x) {
  return f(caf::meta::type_name("logs_reply"), x.text, x.offset, x.running);
}

using kubelet_actor = caf::typed_actor<
    caf::replies_to<exec_atom, exec_request>::with<exec_reply>,
    caf::replies_to<logs_atom, logs_request>::with<logs_reply>,
    /// The (new) connection to the control plane: the API router, the store and the node's
    /// pod address range.
    caf::reacts_to<connected_atom, resource_actor, store_actor, std::string>>;

class kind_registry;
class exit_watcher;
class shim_spawner;
class cgroups;

struct kubelet_knobs {
  int64_t status_interval_ms = 10000;  ///< resync of every pod worker's status
  int64_t log_max_bytes = 10 << 20;    ///< a container log is rotated past this size
  int log_max_files = 5;
};

struct kubelet_deps {
  std::string node;
  std::string host_ip;           ///< the node's address (status.hostIP)
  std::string data_dir;          ///< pods/<uid>/ (state, exit files), logs/
  std::string shim_binary;       ///< the troupe binary
  std::string pod_manifest_path; ///< static pods ("" none)
  /// How often the manifests are read again (the kubelet's --file-check-frequency).
  std::chrono::milliseconds file_check_frequency{20000};
  bool hollow = false;           ///< pretend: pods run at once, nothing is started
  std::shared_ptr<const kind_registry> kinds;
  std::shared_ptr<exit_watcher> exits;
  std::shared_ptr<shim_spawner> spawner;  ///< forks shims (null: each is exec'd)
  std::shared_ptr<const cgroups> groups;
  /// The node's allocatable CPU (milli) and memory (bytes): what resourceFieldRef gives for a
  /// limit a container does not set, as the kubelet's downward API does.
  int64_t allocatable_milli_cpu = 0, allocatable_memory = 0;
  kubelet_knobs knobs;
};

kubelet_actor spawn_kubelet(caf::actor_system& sys, kubelet_deps deps);

void add_kubelet_types(caf::actor_system_config& cfg);

}  // namespace troupe
