#pragma once
// Between the RPC schema (schema/api.capnp) and the API server's messages and errors. Used by
// both ends: the gateway reads requests and writes results, the client the other way round.

#include <optional>
#include <string>

#include "actors/apiserver/apiserver.hpp"
#include "runtime/base/error.hpp"
#include "schema/api.capnp.h"

namespace troupe::rpc {

/// The request as the resource actors take it (objects copied out as flat arrays).
api_request from_rpc(troupe::rpc::Request::Reader in, api_verb verb);
void to_rpc(const api_request& in, troupe::rpc::Request::Builder out);

void to_rpc(const api_error& e, troupe::rpc::Status::Builder out);
/// nullopt when the status is a success.
std::optional<api_error> from_rpc(troupe::rpc::Status::Reader in);

/// Copies a flat-array object into an AnyPointer field.
void set_object(capnp::AnyPointer::Builder field, const std::string& bytes);
/// A flat-array copy of an AnyPointer field holding a struct ("" when null).
std::string object_bytes(capnp::AnyPointer::Reader field);

}  // namespace troupe::rpc
