#pragma once
// Pieces kubectl's generators share (generate.cpp: `create ...`; generate_run.cpp: `run` and
// `expose`). Internal to the CLI.

#include <string>
#include <vector>

#include "runtime/cli/flags.hpp"
#include "runtime/codec/tree.hpp"

namespace troupe::cli {

/// {apiVersion, kind, metadata: {name}}.
codec::node manifest_object(const char* api_version, const char* kind, const std::string& name);
/// Adds the empty fields kubectl's generators print because they print Go structs
/// (`creationTimestamp: null`, `resources: {}`, `status: {}`, ...), so a dry run reads line
/// for line as kubectl's. The server ignores or defaults each of them.
void with_kubectl_scaffold(codec::node& object);
/// --FLAG as a count (0 to 2^30), `fallback` when absent; throws naming the flag.
int positive_flag(const parsed_flags& flags, const std::string& flag, int fallback);
/// `create ingress NAME` from --rule, --default-backend, --class and --annotation
/// (generate_ingress.cpp); throws kubectl's errors for a rule or annotation it cannot read.
codec::node ingress(const std::string& name, const parsed_flags& flags);
/// A list of strings.
codec::node string_list(const std::vector<std::string>& items);

}  // namespace troupe::cli
