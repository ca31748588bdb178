#pragma once
// Probes and lifecycle hooks as the kubelet runs them: exec (exit code 0), tcpSocket (the
// connection opens), httpGet (a status from 200 to 399, over HTTP or HTTPS). Running one
// blocks up to its timeout, so pod workers run them on detached actors.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "schema/core.capnp.h"

namespace troupe::kubelet {

struct probe_spec {
  enum class kind { exec, http, tcp } type = kind::exec;
  std::vector<std::string> command;
  std::string host, path = "/", scheme = "HTTP";
  int32_t port = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  int64_t timeout_ms = 1000;
  /// A lifecycle hook's request: any answer is success (the kubelet's hook handler reads no
  /// status code); a probe's needs 2xx or 3xx.
  bool any_status = false;
};

struct probe_timing {
  int64_t initial_delay_ms = 0, period_ms = 10000;
  int32_t success_threshold = 1, failure_threshold = 3;
};

/// The probe's action, with named ports resolved against the container and the pod's IP as
/// the default host; nullopt (with `error`) when it cannot be run (unknown port name, grpc).
std::optional<probe_spec> probe_spec_of(k8s::Probe::Reader probe, k8s::Container::Reader c,
                                        const std::string& pod_ip, std::string& error);
/// The same for a lifecycle handler (preStop, postStart); nullopt for none/sleep.
std::optional<probe_spec> handler_spec_of(k8s::LifecycleHandler::Reader handler, k8s::Container::Reader c,
                                          const std::string& pod_ip, std::string& error);
/// Kubernetes' defaults for unset timing fields (period 10 s, timeout 1 s, thresholds 1/3).
probe_timing probe_timing_of(k8s::Probe::Reader probe);

struct probe_outcome {
  bool success = false;
  std::string message;  ///< why it failed, as kubectl describe shows it
};

/// Runs it (blocking, at most timeout_ms).
probe_outcome run_probe(const probe_spec& spec, const std::vector<std::string>& env, const std::string& workdir);

}  // namespace troupe::kubelet
