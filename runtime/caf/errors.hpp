#pragma once
// API errors across actor boundaries: an api_errc travels as a caf::error of category "troupe"
// with the message as its context, locally and over the network.

#include <caf/error.hpp>
#include <caf/fwd.hpp>

#include <string>

#include "runtime/base/error.hpp"

namespace troupe {

caf::error make_error(api_errc code, std::string message);
caf::error make_error(const api_error& e);
/// Back to an api_error; CAF's own errors (timeouts, dead receivers) map to Timeout/Unavailable.
api_error to_api_error(const caf::error& e);
/// Lets `sys.render(err)` print "NotFound: pods \"x\" not found".
void add_error_category(caf::actor_system_config& cfg);

}  // namespace troupe
