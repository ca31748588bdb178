#pragma once
// Whole files as text: for the CLI's -f, --from-file and --patch-file, and for /proc.

#include <optional>
#include <string>

namespace troupe {

/// The bytes of the file at `path`; throws api_error(bad_request) with `missing` (the caller's
/// wording of the error, as kubectl's differs by flag) when it cannot be opened.
std::string read_file(const std::string& path, const std::string& missing);

/// The bytes of the file at `path`, or nothing when it cannot be opened or read. Never throws:
/// reading /proc/PID/... of a process that ends meanwhile fails with ESRCH, which libstdc++'s
/// stream buffers turn into an exception even with the stream's exceptions off.
std::optional<std::string> read_file_if_readable(const std::string& path);

}  // namespace troupe
