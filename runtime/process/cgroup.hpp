#pragma once
// Container resource limits through cgroups, v1 (separate memory and cpu hierarchies) or v2
// (unified). Where neither is writable, the kubelet falls back to rlimits and says so in the
// node's status.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace troupe {

class cgroups {
 public:
  enum class mode { none, v1, v2 };
  /// Finds the cgroup layout under `root` (/sys/fs/cgroup) and whether it is writable; the
  /// kubelet's groups go under `<root>/.../<parent>`.
  static cgroups detect(const std::string& root = "/sys/fs/cgroup", const std::string& parent = "troupe");
  /// Throws api_error(bad_request), prefixed with `where`, unless `parent` is a name a group
  /// can have directly under the hierarchy's root: up to 200 letters, digits, '.', '_' and '-'.
  static void check_parent_name(const std::string& parent, const std::string& where);

  mode layout() const { return mode_; }
  std::string describe() const;  ///< "cgroup v1 (memory, cpu)", "none: ..."

  /// Creates the group for one container with its limits (0 = none); returns the
  /// cgroup.procs files the container's process should join. Empty when mode is none, when the
  /// memory limit could not be set (the caller falls back to rlimits), and when there is no
  /// limit to enforce: moving a process into a cgroup v1 hierarchy waits for
  /// an RCU grace period (about 10 ms here), a third of an unlimited container's start.
  std::vector<std::string> create(const std::string& name, int64_t memory_limit, int64_t milli_cpu_limit) const;
  /// The number of OOM kills in the group so far.
  uint64_t oom_kills(const std::string& name) const;
  /// Removes the group (it must be empty of processes).
  void remove(const std::string& name) const;
  /// Removes every group whose name starts with `prefix` (a pod's: "<uid>_"), and, with "",
  /// every empty one. Groups that still hold processes stay.
  void remove_all(const std::string& prefix) const;
  /// Removes the parent directory itself when it is empty (tests that made their own).
  void remove_parent() const;

 private:
  mode mode_ = mode::none;
  std::string memory_dir_, cpu_dir_;  ///< v1: <root>/memory/<parent>, <root>/cpu/<parent>; v2: both the same
  std::string why_none_;
};

}  // namespace troupe
