#include "runtime/caf/errors.hpp"

#include <caf/actor_system_config.hpp>
#include <caf/atom.hpp>
#include <caf/message.hpp>
#include <caf/sec.hpp>

#include <vector>

namespace troupe {
namespace {
constexpr caf::atom_value category = caf::atom("troupe");
}

caf::error make_error(api_errc code, std::string message) {
  return caf::error(static_cast<uint8_t>(code), category, caf::make_message(std::move(message)));
}

caf::error make_error(const api_error& e) {
  if (e.causes().empty()) return make_error(e.code(), e.message());
  // Causes travel as alternating path, message strings after the message.
  std::vector<std::string> causes;
  for (auto& c : e.causes()) {
    causes.push_back(c.path);
    causes.push_back(c.message);
  }
  return caf::error(static_cast<uint8_t>(e.code()), category,
                    caf::make_message(e.message(), std::move(causes)));
}

api_error to_api_error(const caf::error& e) {
  if (e.category() == category) {
    auto code = static_cast<api_errc>(e.code());
    const auto& ctx = e.context();
    if (ctx.match_elements<std::string, std::vector<std::string>>()) {
      auto& flat = ctx.get_as<std::vector<std::string>>(1);
      std::vector<field_error> causes;
      for (size_t i = 0; i + 1 < flat.size(); i += 2) causes.push_back({flat[i], flat[i + 1]});
      return api_error(code, ctx.get_as<std::string>(0), std::move(causes));
    }
    std::string message;
    if (ctx.match_elements<std::string>()) message = ctx.get_as<std::string>(0);
    return api_error(code, message);
  }
  if (e.category() == caf::atom("system")) {
    auto code = static_cast<caf::sec>(e.code());
    if (code == caf::sec::request_timeout)
      return api_error(api_errc::timeout, "the request timed out");
    if (code == caf::sec::request_receiver_down || code == caf::sec::no_route_to_receiving_node ||
        code == caf::sec::cannot_connect_to_node)
      return api_error(api_errc::unavailable, "the component serving the request is gone");
  }
  return api_error(api_errc::internal, "internal error: " + caf::to_string(e));
}

void add_error_category(caf::actor_system_config& cfg) {
  cfg.add_error_category(category, [](uint8_t code, caf::atom_value, const caf::message& ctx) {
    std::string text(to_string(static_cast<api_errc>(code)));
    if (ctx.match_elements<std::string>() || ctx.match_elements<std::string, std::vector<std::string>>())
      text += ": " + ctx.get_as<std::string>(0);
    return text;
  });
}

}  // namespace troupe
