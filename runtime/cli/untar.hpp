#pragma once
// Reading a tar archive that came from a container (`troupe cp POD:PATH LOCAL`), so that what
// lands on this machine is decided here, not by the archive: regular files and directories
// only, under the destination, with this user's ownership and default modes, as kubectl cp
// writes them.

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace troupe::cli {

struct tar_entry {
  enum class kind { file, directory, symlink, hardlink, other };
  kind type = kind::file;
  std::string name;      ///< as archived (GNU long names and pax paths applied)
  std::string link;      ///< symlink or hard link target
  std::string_view data; ///< a file's bytes, inside the archive
};

/// The entries of a POSIX ustar, GNU or pax archive. Throws api_error(bad_request) "tar
/// contents corrupted" for a bad checksum, a size past the end or an unreadable header.
std::vector<tar_entry> read_tar(std::string_view archive);

/// Writes the entries named `top` or `top/...` to `dest` (the top entry) and below it, as
/// kubectl cp does: entries elsewhere make the archive corrupted; a name that cleans to a place
/// outside `dest` is skipped, and so are symlinks (kubectl's warning, `symlink_hint` after the
/// first), hard links and special files (troupe's own warnings: kubectl writes them as empty
/// files). Directories get mode 0755 and files 0666, less the umask. Throws api_error naming
/// the path it could not write.
void unpack_under(const std::vector<tar_entry>& entries, const std::string& top, const std::string& dest,
                  const std::function<void(const std::string&)>& warn, const std::string& symlink_hint = "");

}  // namespace troupe::cli
