#pragma once
// Patches on document trees, as Kubernetes applies them: JSON merge patch (RFC 7386), a
// strategic merge that merges lists of named items by their key instead of replacing them,
// and the three-way patch `apply` sends (what the user wrote now, plus deletions of what they
// wrote last time and dropped). Plain functions of data.

#include <string_view>

#include "runtime/codec/tree.hpp"

namespace troupe::codec {

/// RFC 7386: maps merge key by key, a null deletes, anything else replaces.
node merge_patch(node target, const node& patch);

/// Kubernetes' strategic merge patch: as merge_patch, but lists Kubernetes tags with a merge
/// key (containers, env, volumes, imagePullSecrets by name; container ports by containerPort,
/// a Service's by port; volumeMounts by mountPath; ownerReferences by uid; status conditions
/// by type ...) merge item by item, keeping the target's order and appending new items;
/// metadata.finalizers merge as a set; every other list replaces. Directives: an item
/// `{name: x, $patch: delete}` removes x, an item `{$patch: replace}` makes the list replace,
/// `$patch: replace|delete` in a map replaces or removes it, `$retainKeys` drops the keys of
/// its map it does not name, `$deleteFromPrimitiveList/f` removes values from list f and
/// `$setElementOrder/f` orders list f. Throws api_error(bad_request) for an unknown `$patch`
/// or a `$retainKeys` that leaves out a key its map sets.
node strategic_merge_patch(node target, const node& patch);

/// The patch that turns what the user last applied into what they apply now: `desired`,
/// with a null for every map key and a `$patch: delete` item for every keyed list item that
/// `last_applied` had and `desired` no longer has, `$deleteFromPrimitiveList` for values
/// dropped from a set (finalizers), `$retainKeys` on union maps the user changed (a
/// Deployment's strategy, volumes) and `$setElementOrder` for keyed lists the user reordered,
/// as kubectl sends them. Apply it with strategic_merge_patch.
node three_way_patch(const node& last_applied, const node& desired);

/// RFC 6902 JSON Patch: `ops` is a list of {op, path, value, from} applied in order (add,
/// remove, replace, move, copy, test; paths are JSON pointers, "-" appends to a list). Throws
/// api_error(bad_request) naming the operation's index, op and path when one cannot apply;
/// nothing is applied then.
node json_patch(node target, const node& ops);

}  // namespace troupe::codec
