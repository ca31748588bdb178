#pragma once
// A container's environment and command line as Kubernetes builds them: envFrom first, then
// env (later entries win), values from the pod's own fields, ConfigMaps and Secrets, and
// $(VAR) references expanded in values, command and args. Plain functions of data.

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "schema/core.capnp.h"

namespace troupe::kubelet {

using key_values = std::map<std::string, std::string>;

/// ConfigMaps and Secrets a pod's containers read (only those that exist are present), and
/// the variables of the Services in its namespace (under the container's own).
struct env_sources {
  std::map<std::string, key_values> config_maps;
  std::map<std::string, key_values> secrets;
  key_values services;
};

/// The kubelet's variables for a Service with a cluster IP (none for a headless or
/// ExternalName one): WEB_SERVICE_HOST, WEB_SERVICE_PORT(_NAME), and Docker's link variables
/// WEB_PORT, WEB_PORT_80_TCP(_PROTO|_PORT|_ADDR).
void add_service_env(k8s::Service::Reader service, key_values& out);

/// The pod fields a fieldRef may name, and what a resourceFieldRef reads.
struct pod_fields {
  std::string name, ns, uid, node_name, pod_ip, host_ip, service_account;
  /// The pod's host name, as the kubelet's GeneratePodHostNameAndDomain gives it: spec.hostname,
  /// else the pod's name, cut to 63 characters ("" counts as the name).
  std::string hostname;
  key_values labels, annotations;
  capnp::List<k8s::Container>::Reader containers, init_containers;  ///< for a resourceFieldRef's containerName
  int64_t node_milli_cpu = 0, node_memory = 0;     ///< the default for a limit not set
};

/// Kubernetes' ExtractContainerResourceValue: limits.cpu, requests.memory ... of `c` in units
/// of `divisor` (default 1), rounded up; an unset limit is the node's allocatable. Empty with
/// `error` set for a resource it does not know.
std::string container_resource_value(k8s::ResourceFieldSelector::Reader selector, k8s::Container::Reader c,
                                     const pod_fields& pod, std::string& error);

/// The ConfigMap and Secret names `c` refers to.
void referenced_sources(k8s::Container::Reader c, std::set<std::string>& config_maps,
                        std::set<std::string>& secrets);

struct resolved_env {
  std::vector<std::string> env;  ///< "NAME=value": what the process gets
  /// The variables the kubelet makes (troupe's POD_IP, Services', envFrom, env), without what
  /// the runtime adds (PATH, HOME, HOSTNAME): all that $(VAR) in the command and args may name,
  /// as in Kubernetes.
  std::vector<std::string> declared;
  std::string error;             ///< set when a required source or key is missing
  /// envFrom keys skipped as no variable names, as the kubelet's Warning
  /// InvalidEnvironmentVariableNames events say them (one per source).
  std::vector<std::string> skipped;
};

/// The kubelet's GeneratePodHostNameAndDomain: `spec_hostname`, else the pod's name, cut to
/// 63 characters with no '-' or '.' left at the end (TruncatePodHostnameIfNeeded).
std::string pod_hostname(std::string_view spec_hostname, std::string_view pod_name);

/// The full environment: a base (PATH, HOSTNAME, HOME, POD_IP) under the container's own.
resolved_env resolve_env(k8s::Container::Reader c, const pod_fields& pod, const env_sources& sources);

/// Expands $(NAME) from `env` ("NAME=value" entries); $$ is a literal $; unknown names stay.
std::string expand(const std::string& text, const std::vector<std::string>& env);

/// command + args, expanded; an empty command runs args as the command line. Empty when the
/// container names nothing to run.
std::vector<std::string> command_line(k8s::Container::Reader c, const std::vector<std::string>& env);

}  // namespace troupe::kubelet
