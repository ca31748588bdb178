#pragma once
// Whole files as text: for the CLI's -f, --from-file and --patch-file, for /proc, and small
// files replaced whole (configs, tokens, marks).

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>

namespace troupe {

/// The bytes of the file at `path`; throws api_error(bad_request) with `missing` (the caller's
/// wording of the error, as kubectl's differs by flag) when it cannot be opened.
std::string read_file(const std::string& path, const std::string& missing);

/// The bytes of the file at `path`, or nothing when it cannot be opened or read. Never throws:
/// reading /proc/PID/... of a process that ends meanwhile fails with ESRCH, which libstdc++'s
/// stream buffers turn into an exception even with the stream's exceptions off.
std::optional<std::string> read_file_if_readable(const std::string& path);

/// Replaces the file at `path` with `text` so that a reader, or a crash, finds the old bytes or
/// the new and never part of them: written to a fresh temporary beside it (`path`.XXXXXX.tmp,
/// created with `mode` and close-on-exec, never through a link planted there), synced, renamed
/// over `path`, its directory synced. "" when done, else what failed (errno's words); the temporary
/// never stays.
std::string replace_file_durably(const std::string& path, std::string_view text,
                                 mode_t mode = 0600);

}  // namespace troupe
