#pragma once
// API errors: a Kubernetes-style code plus a message that names the object and the field.
// TROUPE_REQUIRE reports a caller's mistake, TROUPE_ASSERT one of ours. Both throw api_error;
// actors catch it at their boundary and reply with a caf::error (see runtime/caf/errors.hpp).

#include <cstdint>
#include <exception>
#include <string>
#include <string_view>
#include <vector>

namespace troupe {

/// The status reasons clients see (Kubernetes' metav1.StatusReason spellings).
enum class api_errc : uint8_t {
  none = 0,
  not_found = 1,
  already_exists,
  conflict,
  invalid,
  forbidden,
  gone,
  bad_request,
  internal,
  unauthorized,
  timeout,
  too_many_requests,
  unavailable,
  method_not_allowed,
  request_entity_too_large,
};

/// "NotFound", "AlreadyExists", ...
std::string_view to_string(api_errc code);
/// Inverse of to_string; api_errc::internal for an unknown spelling.
api_errc api_errc_from_string(std::string_view text);

/// One failing field of an Invalid error, e.g. {"spec.replicas", "must be >= 0"}.
struct field_error {
  std::string path;
  std::string message;
};

/// Thrown inside plain functions; never crosses an actor boundary.
class api_error : public std::exception {
 public:
  api_error(api_errc code, std::string message);
  /// With the failing fields (an Invalid error rebuilt from its parts).
  api_error(api_errc code, std::string message, std::vector<field_error> causes);
  /// An Invalid error that lists every failing field, as Kubernetes words it:
  /// `Deployment.apps "web" is invalid: [spec.replicas: ..., spec.selector: ...]`.
  static api_error invalid(std::string_view kind, std::string_view name,
                           std::vector<field_error> causes);

  api_errc code() const noexcept { return code_; }
  const std::string& message() const noexcept { return message_; }
  const std::vector<field_error>& causes() const noexcept { return causes_; }
  const char* what() const noexcept override { return message_.c_str(); }

 private:
  api_errc code_;
  std::string message_;
  std::vector<field_error> causes_;
};

namespace detail {
[[noreturn]] void throw_required(api_errc code, const char* file, int line, std::string message);
[[noreturn]] void throw_assert(const char* expr, const char* file, int line, std::string message);
}  // namespace detail

}  // namespace troupe

/// The caller broke a precondition: throws api_error(code, message).
#define TROUPE_REQUIRE(cond, code, message)                                         \
  do {                                                                              \
    if (!(cond)) ::troupe::detail::throw_required((code), __FILE__, __LINE__, (message)); \
  } while (false)

/// Our own invariant broke: throws api_error(internal) naming the expression.
#define TROUPE_ASSERT(cond, message)                                                \
  do {                                                                              \
    if (!(cond)) ::troupe::detail::throw_assert(#cond, __FILE__, __LINE__, (message)); \
  } while (false)
