#include "runtime/cli/merge_diff.hpp"

namespace troupe::cli {

using codec::node;

node merge_diff(const node& from, const node& to) {
  if (!from.is_map() || !to.is_map()) return to;
  node patch = node::map();
  for (auto& [key, value] : from.entries())
    if (!to.find(key)) patch.set(key, node::null());
  for (auto& [key, value] : to.entries()) {
    const node* old = from.find(key);
    if (!old) {
      patch.set(key, value);
    } else if (old->is_map() && value.is_map()) {
      node inner = merge_diff(*old, value);
      if (inner.size() > 0) patch.set(key, std::move(inner));
    } else if (*old != value) {
      patch.set(key, value);
    }
  }
  return patch;
}

}  // namespace troupe::cli
