#pragma once
// Events about objects, as the Kubernetes components record them.

#include <cstdint>
#include <string>
#include <string_view>

namespace troupe {

struct event_fields {
  std::string type;    ///< "Normal" or "Warning"
  std::string reason;  ///< "Unhealthy", "FailedScheduling", ...
  std::string message;
  std::string component;   ///< source.component and reportingComponent: "kubelet"
  std::string host;        ///< source.host: the node, for a kubelet's events
  std::string field_path;  ///< involvedObject.fieldPath: "spec.containers{web}"
};

/// "<object name>.<hex nanoseconds>", as client-go's recorder names Events.
std::string event_name(std::string_view object_name, int64_t nanos);

/// A v1 Event about `object` (the stored bytes of a `kind` such as "Pod"), named
/// "<object>.<hex nanoseconds>" as client-go's recorder names them, seen `count` times from
/// `first_micros` to `last_micros`.
std::string new_event(std::string_view object, std::string_view kind, const event_fields& fields,
                      int64_t first_micros, int64_t last_micros, int32_t count = 1,
                      std::string_view name = {});

/// A Normal event about a Node whose status is now `status` ("NodeReady", "NodeNotReady",
/// "NodeNotSchedulable", ...): "Node NAME status is now: STATUS", as both the kubelet and the
/// node lifecycle controller record one (`component` and `host` as in event_fields).
std::string node_status_event(std::string_view node, std::string_view status, std::string_view component,
                              std::string_view host, int64_t micros, std::string_view name = {});

}  // namespace troupe
