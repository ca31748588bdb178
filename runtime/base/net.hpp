#pragma once
// What a failed listen means, in words: the libraries that listen (kj, CAF's middleman) report
// it in their own terms, and CAF's leaves out the reason.

#include <cstdint>
#include <string>

namespace troupe {

/// Why `host:port` cannot be bound right now ("Address already in use", "Cannot assign
/// requested address", ...), found by binding a socket there as a server would; "" when it can,
/// or when the host does not resolve.
std::string bind_failure(const std::string& host, uint16_t port);

}  // namespace troupe
