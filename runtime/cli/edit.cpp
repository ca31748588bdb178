// `troupe edit KIND NAME`: the object in $KUBE_EDITOR/$EDITOR/vi, then, as kubectl edit, a
// merge patch of what the user changed between the object as opened and as saved, so a
// change someone else makes meanwhile is neither a conflict nor undone. When the change
// cannot be made the edited file is kept and named, so the user's work is not lost.

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "runtime/base/text.hpp"
#include "runtime/cli/context.hpp"
#include "runtime/cli/merge_diff.hpp"
#include "runtime/cli/printers.hpp"
#include "runtime/codec/object_codec.hpp"
#include "runtime/codec/yaml.hpp"

namespace troupe::cli {
namespace {

using codec::node;
namespace fs = std::filesystem;

// kubectl's order: $KUBE_EDITOR, then $EDITOR, then vi.
std::string editor() {
  for (const char* name : {"KUBE_EDITOR", "EDITOR"})
    if (const char* value = std::getenv(name); value && *value) return value;
  return "vi";
}

const char* header =
    "# Please edit the object below. Lines beginning with a '#' will be ignored,\n"
    "# and an empty file will abort the edit. If the change cannot be made, this file is\n"
    "# kept and its name printed.\n"
    "#\n";

// A new troupe-edit-XXXXXX.yaml in $TMPDIR (else /tmp) holding `text`; its path.
std::string temporary_file(const std::string& text) {
  std::string path = (fs::temp_directory_path() / "troupe-edit-XXXXXX.yaml").string();
  int fd = ::mkstemps(path.data(), 5);
  TROUPE_REQUIRE(fd >= 0, api_errc::internal, "edit: cannot create a temporary file in " +
                                                  fs::temp_directory_path().string());
  ::close(fd);
  std::ofstream(path) << text;
  return path;
}

// The edited text without its comment lines; blank when the user emptied it.
std::string without_comments(const std::string& text) {
  std::string out;
  for (auto& line : split(text, '\n'))
    if (!starts_with(trim(line), "#")) out += line + "\n";
  return out;
}

// What the user may not change: the object edit opened is the one it patches.
bool same_identity(const node& a, const node& b) {
  return text_at(a, {"apiVersion"}) == text_at(b, {"apiVersion"}) &&
         text_at(a, {"kind"}) == text_at(b, {"kind"}) &&
         text_at(a, {"metadata", "name"}) == text_at(b, {"metadata", "name"});
}

// The edited object, or an error message for a file that is not one object of the same
// identity the server could take.
std::string check_edited(const node& original, const std::vector<codec::yaml_document>& docs,
                         const kind_info& kind, const std::string& source) {
  if (docs.size() != 1 || !docs[0].root.is_map()) return "edit: expected exactly one object";
  if (!same_identity(original, docs[0].root))
    return "At least one of apiVersion, kind and name was changed";
  try {
    codec::decode_object(docs[0].root, kind, source);  // what the server would refuse to read
  } catch (const api_error& e) {
    return e.message();
  }
  return "";
}

}  // namespace

int cmd_edit(context& ctx) {
  auto a = address_of(ctx, "edit");
  auto ns = ctx.ns_for(*a.kind);
  node original = codec::encode_object(ctx.get(*a.kind, ns, a.name).object, *a.kind);
  std::string path = temporary_file(header + codec::to_yaml(codec::with_sorted_keys(original)));
  bool keep = false;
  struct remove_file {
    const std::string& path;
    const bool& keep;
    ~remove_file() {
      std::error_code ignored;
      if (!keep) fs::remove(path, ignored);
    }
  } cleanup{path, keep};
  // The failure and where the edited file stays, as kubectl words them.
  auto fail = [&](const std::string& message) {
    keep = true;
    ctx.err << "error: " << message << "\n"
            << "A copy of your changes has been stored to " << quote(path) << "\n";
    return 1;
  };

  std::string command = editor() + " '" + path + "'";
  TROUPE_REQUIRE(std::system(command.c_str()) == 0, api_errc::bad_request,
                 "edit: the editor (" + command + ") failed; nothing was changed");
  std::stringstream saved;
  saved << std::ifstream(path).rdbuf();
  if (trim(without_comments(saved.str())).empty()) {
    ctx.out << "Edit cancelled, no changes made.\n";
    return 0;
  }
  std::string source = "edited " + a.kind->resource() + "/" + a.name;
  std::vector<codec::yaml_document> docs;
  try {
    docs = codec::parse_yaml(saved.str(), source);  // YAML reads JSON too, and skips the comments
  } catch (const api_error& e) {
    return fail(e.message());
  }
  if (docs.size() == 1 && docs[0].root == original) {
    ctx.out << "Edit cancelled, no changes made.\n";
    return 0;
  }
  if (auto problem = check_edited(original, docs, *a.kind, source); !problem.empty())
    return fail(problem);
  try {
    ctx.patch(*a.kind, ns, a.name, merge_diff(original, docs[0].root), patch_type::merge);
  } catch (const rpc::server_error& e) {
    return fail(a.kind->resource() + " " + quote(a.name) + " could not be patched: " + e.message());
  } catch (const std::exception& e) {
    return fail(e.what());  // a lost connection too: the user's changes stay in the file
  }
  ctx.out << a.kind->singular_resource() << "/" << a.name << " edited\n";
  return 0;
}

}  // namespace troupe::cli
