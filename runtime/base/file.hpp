#pragma once
// Whole files as text, for the CLI's -f, --from-file and --patch-file.

#include <string>

namespace troupe {

/// The bytes of the file at `path`; throws api_error(bad_request) with `missing` (the caller's
/// wording of the error, as kubectl's differs by flag) when it cannot be opened.
std::string read_file(const std::string& path, const std::string& missing);

}  // namespace troupe
