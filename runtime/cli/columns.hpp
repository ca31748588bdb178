#pragma once
// The columns of kubectl's table for each kind (kubectl's internalversion printers): what
// print_table lays out. Internal to the CLI.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "runtime/codec/tree.hpp"
#include "runtime/object/kinds.hpp"

namespace troupe::cli {

/// One column: its header and how a cell is made from an object.
struct column {
  std::string header;
  std::function<std::string(const codec::node&)> value;
  bool wide_only = false;  ///< shown only with -o wide, after the others
};

/// The columns of `kind` after NAME, AGE included where kubectl places it (roles have CREATED
/// AT instead); `now` (unix seconds) is what ages are counted to.
std::vector<column> columns_for(const kind_info& kind, int64_t now);

/// "2m30s" since metadata.creationTimestamp, or "<unknown>".
std::string age(const codec::node& object, int64_t now);
/// Access modes as kubectl abbreviates them ("RWO,ROX"), each once, in the order given.
std::string access_modes(const codec::node* modes);
/// k=v,... in key order, or "<none>".
std::string labels_text(const codec::node* labels);
/// A label selector as kubectl prints it: "app=web,tier in (a,b),!x", or "<none>".
std::string label_selector_text(const codec::node* selector);
/// A quantity map's `storage`, cpu ...: the text at `key`, or "" when absent.
std::string quantity_of(const codec::node* quantities, const std::string& key);
/// kubectl's node roles: the <role> of each node-role.kubernetes.io/<role> label and the value
/// of kubernetes.io/role, sorted, or "<none>".
std::string node_roles(const codec::node& node);
/// A Service's or Ingress's load-balancer addresses, joined by ','; cut to 13 characters and
/// "..." past 16 unless `wide` (kubectl's loadBalancerStatusStringer).
std::string load_balancer_text(const codec::node& object, bool wide);

}  // namespace troupe::cli
