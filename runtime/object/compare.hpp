#pragma once
// Whether two objects say the same thing, whatever their layout in memory.

#include <capnp/dynamic.h>

namespace troupe {

/// True when `a` and `b` hold the same values field by field. An unset pointer equals an empty
/// text, list or a struct of defaults, as in their YAML form; lists compare in order. Walks
/// the schema once, without building documents: the API server asks this on every update.
bool same_content(capnp::DynamicStruct::Reader a, capnp::DynamicStruct::Reader b);

}  // namespace troupe
