// PodGC's decision for pods bound to a node that is not there (Kubernetes' gcOrphaned).

#include "actors/nodelifecycle/nodelifecycle.hpp"

namespace troupe {

std::set<std::string> orphaned_nodes(const std::set<std::string>& nodes, const std::set<std::string>& pod_nodes,
                                     std::map<std::string, int64_t>& missing_since, int64_t now_ms,
                                     int64_t quarantine_ms) {
  std::set<std::string> due;
  for (auto it = missing_since.begin(); it != missing_since.end();)
    it = nodes.count(it->first) || !pod_nodes.count(it->first) ? missing_since.erase(it) : std::next(it);
  for (auto& node : pod_nodes) {
    if (nodes.count(node)) continue;
    auto since = missing_since.emplace(node, now_ms).first->second;
    if (now_ms - since >= quarantine_ms) due.insert(node);
  }
  return due;
}

}  // namespace troupe
