#pragma once
// kubectl's imperative generators: `create namespace|configmap|secret generic|serviceaccount|
// deployment NAME [flags]` turned into the manifest `create -f` would take. Plain functions of
// the arguments and flags (files are read for --from-file).

#include <string>
#include <vector>

#include "runtime/cli/flags.hpp"

namespace troupe::cli {

/// The manifest (JSON text) for `create KIND NAME ...`; throws api_error(bad_request) with
/// kubectl's words for a kind it cannot generate, a missing name or a bad flag value.
std::string generated_manifest(const std::vector<std::string>& args, const parsed_flags& flags);

}  // namespace troupe::cli
