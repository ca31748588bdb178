#pragma once
// Namespaces' labels, which affinity terms' namespaceSelectors select namespaces by. Cached
// pods point at their namespace's labels, so an entry lives while the namespace exists or a
// cached pod still holds it, and no longer: a cluster whose namespaces come and go keeps only
// those it has.

#include <cstddef>
#include <map>
#include <string>

namespace troupe::sched {

class namespace_labels {
 public:
  using labels = std::map<std::string, std::string>;

  /// A cached pod of `ns`: its labels (none until the namespace is seen), stable until the
  /// pod releases them.
  const labels* hold(const std::string& ns);
  void release(const std::string& ns);
  /// The namespace as it is now (`gone`: deleted, no labels); whether its labels changed.
  bool update(const std::string& ns, labels now, bool gone);
  size_t size() const { return entries_.size(); }

 private:
  struct entry {
    labels now;
    size_t holders = 0;
    bool exists = false;
  };
  void forget_if_unused(std::map<std::string, entry>::iterator it);
  std::map<std::string, entry> entries_;
};

}  // namespace troupe::sched
