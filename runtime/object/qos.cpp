#include "runtime/object/qos.hpp"

#include <map>
#include <string>
#include <string_view>

#include "runtime/base/text.hpp"
#include "runtime/object/object.hpp"
#include "runtime/object/quantity.hpp"

namespace troupe {
namespace {

bool counts(std::string_view resource) { return resource == "cpu" || resource == "memory"; }

}  // namespace

// Kubernetes' GetPodQOS: positive cpu and memory quantities summed over all containers.
k8s::QosClass qos_class(k8s::PodSpec::Reader spec) {
  std::map<std::string, quantity> requests, limits;
  bool guaranteed = true;
  auto add = [](std::map<std::string, quantity>& sum, const std::string& key, quantity q) {
    auto [at, fresh] = sum.emplace(key, q);
    if (!fresh) at->second = at->second + q;
  };
  auto check = [&](k8s::Container::Reader c) {
    auto r = c.getResources();
    for (auto e : r.getRequests()) {
      auto q = quantity::parse(text_view(e.getValue()));
      if (counts(text_view(e.getKey())) && q && quantity() < *q) add(requests, text_string(e.getKey()), *q);
    }
    int limited = 0;
    for (auto e : r.getLimits()) {
      auto q = quantity::parse(text_view(e.getValue()));
      if (!counts(text_view(e.getKey())) || !q || !(quantity() < *q)) continue;
      ++limited;
      add(limits, text_string(e.getKey()), *q);
    }
    if (limited < 2) guaranteed = false;
  };
  for (auto c : spec.getContainers()) check(c);
  for (auto c : spec.getInitContainers()) check(c);
  if (requests.empty() && limits.empty()) return k8s::QosClass::BEST_EFFORT;
  for (auto& [name, request] : requests) {
    auto limit = limits.find(name);
    if (limit == limits.end() || limit->second != request) guaranteed = false;
  }
  return guaranteed && requests.size() == limits.size() ? k8s::QosClass::GUARANTEED
                                                        : k8s::QosClass::BURSTABLE;
}

const char* qos_class_name(k8s::QosClass qos) {
  switch (qos) {
    case k8s::QosClass::GUARANTEED: return "Guaranteed";
    case k8s::QosClass::BURSTABLE: return "Burstable";
    default: return "BestEffort";
  }
}

}  // namespace troupe
