#pragma once
// What an object sent as Cap'n Proto must be before anything admits it: only what its schema
// declares. The codec's own objects always are; a client writing Cap'n Proto by hand can put
// bytes where no field is (which would be stored, copied and served yet never shown), text
// that is not UTF-8, a map with one key twice, or a pointer of the wrong type.

#include <capnp/dynamic.h>

#include <cstddef>

namespace troupe::codec {

/// The largest object admitted, in encoded bytes: Kubernetes' limit on a request's body
/// (3 MiB, --max-request-body-bytes' default).
constexpr size_t max_object_bytes = 3 * 1024 * 1024;

/// Throws api_error(bad_request) naming the field's path (`metadata.labels[1]`) when `object`
/// holds a non-zero word or pointer beyond its schema's, text that is not UTF-8, a map key
/// twice, or a value whose pointer is not of its field's type.
void check_wire_object(capnp::DynamicStruct::Reader object);

}  // namespace troupe::codec
