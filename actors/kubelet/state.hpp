#pragma once
// What a kubelet keeps on disk per pod (<data>/pods/<uid>/state), so that a restarted agent
// adopts the containers still running instead of starting them twice.

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace troupe::kubelet {

struct container_record {
  std::string name;
  bool init = false;
  int32_t instance = 0;
  int32_t restart_count = 0;
  pid_t shim = -1, pid = -1;
  uint64_t shim_start = 0;  ///< /proc start time of the shim, against pid reuse
  int64_t started_at = 0;   ///< unix seconds
  std::string exit_file;
  std::string image;  ///< what it runs, against a change while no worker watched ("": not known)
};

struct pod_record {
  std::string uid, ns, name;
  std::string ip;
  std::vector<container_record> containers;  ///< the latest instance of each
};

std::string pod_dir(const std::string& data_dir, const std::string& uid);
/// Writes it (whole file, then rename).
void save_pod_record(const std::string& data_dir, const pod_record& r);
/// The record of pod `uid`, if there is one.
std::optional<pod_record> load_pod_record(const std::string& data_dir, const std::string& uid);
/// Every pod record under <data>/pods, by uid.
std::map<std::string, pod_record> load_pod_records(const std::string& data_dir);
/// What a launcher learnt of one container instance, kept beside its exit record as soon as the
/// shim runs: a worker that ends before it hears of the launch leaves its successor a trace.
struct launch_trace {
  pid_t shim = -1, pid = -1;
  uint64_t shim_start = 0;  ///< /proc start time of the shim
  int64_t started_at = 0;   ///< unix seconds
};
/// Writes the trace of the instance whose exit record is `exit_file` ("<dir>/<name>-<n>.exit").
void save_launch_trace(const std::string& exit_file, const launch_trace& trace);
std::optional<launch_trace> load_launch_trace(const std::string& exit_file);

/// Removes the pod's directory.
void forget_pod(const std::string& data_dir, const std::string& uid);

}  // namespace troupe::kubelet
