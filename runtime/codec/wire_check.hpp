#pragma once
// What an object sent as Cap'n Proto must be before anything admits it: only what its schema
// declares. The codec's own objects always are; a client writing Cap'n Proto by hand can put
// bytes where no field is (which would be stored, copied and served yet never shown), text
// that is not UTF-8, a map with one key twice, or a pointer of the wrong type.

#include <capnp/any.h>
#include <capnp/schema.h>

#include <cstddef>
#include <map>
#include <memory>

namespace troupe::codec {

/// The largest object admitted, in Cap'n Proto's bytes. Kubernetes refuses a request body over
/// 3 MiB of JSON (--max-request-body-bytes) and etcd an object over 1.5 MiB; Cap'n Proto spends
/// up to about three times JSON's bytes on small map entries, so that every object Kubernetes
/// takes fits, the bound is 8 MiB.
constexpr size_t max_object_bytes = 8 * 1024 * 1024;

/// A kind's schema laid out once for checking objects on the wire: which pointer of each
/// struct (and of each union member) holds text, data, a struct or a list, so that checking an object reads its words directly
/// (through the reflection API it cost 5-8 µs per small object, a tenth of a create).
class wire_shape {
 public:
  explicit wire_shape(capnp::StructSchema root);
  ~wire_shape();
  wire_shape(const wire_shape&) = delete;
  wire_shape& operator=(const wire_shape&) = delete;

  /// Throws api_error(bad_request) naming the field's path (`metadata.labels[1]`) when
  /// `object` holds a non-zero word or pointer beyond its schema's, a pointer in a union member
  /// not selected or a union member its schema lacks, a list encoded otherwise than declared,
  /// text that is not UTF-8, a map key twice, or a value whose pointer is not of its field's type.
  void check(capnp::AnyStruct::Reader object) const;

  struct node;

 private:
  const node* shape_of(capnp::StructSchema schema);
  std::map<uint64_t, std::unique_ptr<node>> nodes_;
  const node* root_ = nullptr;
};

}  // namespace troupe::codec
