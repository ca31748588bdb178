#pragma once
// Whether two objects say the same thing, whatever their layout in memory.

#include <capnp/dynamic.h>

namespace troupe {

/// True when `a` and `b` hold the same values field by field. An unset text or list equals an
/// empty one, as in their YAML form, but an unset struct differs from one set to defaults (an
/// empty labelSelector selects all); lists compare in order. Walks
/// the schema once, without building documents: the API server asks this on every update.
bool same_content(capnp::DynamicStruct::Reader a, capnp::DynamicStruct::Reader b);

}  // namespace troupe
