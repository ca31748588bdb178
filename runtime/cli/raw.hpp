#pragma once
// `troupe get --raw PATH`: a URL path of Kubernetes' REST API read as the API server routes
// it, so scripts written against `kubectl get --raw` work.

#include <optional>
#include <string>

#include "runtime/object/kinds.hpp"

namespace troupe::cli {

struct raw_path {
  enum class what {
    health,     ///< /healthz, /livez, /readyz
    version,    ///< /version
    core,       ///< /api: the core group's versions
    groups,     ///< /apis: every named group
    group,      ///< /apis/GROUP
    resources,  ///< /api/v1, /apis/GROUP/VERSION: the resources a group version serves
    collection, ///< a kind's objects, in one namespace or all
    object,     ///< one object (or its status, which reads the same)
  } target = what::health;
  const kind_info* kind = nullptr;
  std::string group, version;  ///< for group and resources
  std::string ns, name;
  // The query's parameters the API server reads for a get, a list or a watch.
  std::string label_selector, field_selector, continue_after, resource_version;
  uint32_t limit = 0;
  bool watch = false;
  int64_t timeout_seconds = 0;  ///< a watch's timeoutSeconds; 0: until interrupted
};

/// Routes `url` ("/api/v1/namespaces/default/pods?labelSelector=app%3Dweb") as the API server
/// does; nullopt for a path it serves nothing at (the server's NotFound). Throws kubectl's
/// BadRequest for text that is not a URL path, and one naming a query parameter whose value
/// does not read.
std::optional<raw_path> route_raw_path(const kind_registry& kinds, const std::string& url);

}  // namespace troupe::cli
