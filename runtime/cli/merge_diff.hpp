#pragma once
// The two-way JSON merge patch between two versions of an object, as `edit` sends it: only
// what the user changed, so what others change meanwhile is left alone. Plain functions of
// document trees; internal to the CLI.

#include "runtime/codec/tree.hpp"

namespace troupe::cli {

/// The RFC 7386 merge patch that takes `from` to `to`: changed and added keys with their new
/// values, removed keys as null, maps compared key by key and anything else (lists, scalars)
/// replaced whole. merge_patch(from, merge_diff(from, to)) == to when `to` holds no nulls;
/// an empty map when nothing changed.
codec::node merge_diff(const codec::node& from, const codec::node& to);

}  // namespace troupe::cli
