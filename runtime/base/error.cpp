#include "runtime/base/error.hpp"

#include <array>
#include <utility>

namespace troupe {
namespace {

constexpr std::array<std::pair<api_errc, std::string_view>, 15> names{{
    {api_errc::none, "Success"},
    {api_errc::not_found, "NotFound"},
    {api_errc::already_exists, "AlreadyExists"},
    {api_errc::conflict, "Conflict"},
    {api_errc::invalid, "Invalid"},
    {api_errc::forbidden, "Forbidden"},
    {api_errc::gone, "Gone"},
    {api_errc::bad_request, "BadRequest"},
    {api_errc::internal, "InternalError"},
    {api_errc::unauthorized, "Unauthorized"},
    {api_errc::timeout, "Timeout"},
    {api_errc::too_many_requests, "TooManyRequests"},
    {api_errc::unavailable, "ServiceUnavailable"},
    {api_errc::method_not_allowed, "MethodNotAllowed"},
    {api_errc::request_entity_too_large, "RequestEntityTooLarge"},
}};

}  // namespace

std::string_view to_string(api_errc code) {
  for (auto& [c, name] : names)
    if (c == code) return name;
  return "Unknown";
}

api_errc api_errc_from_string(std::string_view text) {
  for (auto& [c, name] : names)
    if (name == text) return c;
  return api_errc::internal;
}

api_error::api_error(api_errc code, std::string message)
    : code_(code), message_(std::move(message)) {}

api_error::api_error(api_errc code, std::string message, std::vector<field_error> causes)
    : code_(code), message_(std::move(message)), causes_(std::move(causes)) {}

api_error api_error::invalid(std::string_view kind, std::string_view name,
                             std::vector<field_error> causes) {
  std::string text = std::string(kind) + " \"" + std::string(name) + "\" is invalid: ";
  if (causes.size() != 1) text += "[";
  for (size_t i = 0; i < causes.size(); ++i) {
    if (i > 0) text += ", ";
    text += causes[i].path + ": " + causes[i].message;
  }
  if (causes.size() != 1) text += "]";
  api_error e(api_errc::invalid, std::move(text));
  e.causes_ = std::move(causes);
  return e;
}

namespace detail {

void throw_required(api_errc code, const char*, int, std::string message) {
  throw api_error(code, std::move(message));
}

void throw_assert(const char* expr, const char* file, int line, std::string message) {
  throw api_error(api_errc::internal, std::string("internal error: ") + message + " (" + expr +
                                          " failed at " + file + ":" + std::to_string(line) +
                                          ")");
}

}  // namespace detail
}  // namespace troupe
