#pragma once
// What a pod asks for, as Kubernetes' computePodResourceRequest (the scheduler) and
// PodRequests/PodLimits (kubectl describe node) count it, over any kind of amounts and any
// reading of the pod: containers summed; init containers one at a time, each beside the
// sidecars (restartPolicy Always) started before it, which keep running and add up; the larger
// of the two per resource.

namespace troupe {

/// `of(c)`: a container's amounts; `sidecar(c)`: whether an init container keeps running;
/// `add(a, b)` adds b to a; `raise(a, b)` raises a to b per resource.
template <class Amounts, class Containers, class InitContainers, class Of, class Sidecar, class Add,
          class Raise>
Amounts peak_of_pod(const Containers& containers, const InitContainers& init_containers, Of of,
                    Sidecar sidecar, Add add, Raise raise) {
  Amounts sum, init_peak, sidecars;
  for (auto&& c : containers) add(sum, of(c));
  for (auto&& c : init_containers) {
    Amounts here = of(c);
    if (sidecar(c)) {
      add(sidecars, here);
      raise(init_peak, sidecars);
    } else {
      add(here, sidecars);
      raise(init_peak, here);
    }
  }
  add(sum, sidecars);
  raise(sum, init_peak);
  return sum;
}

}  // namespace troupe
