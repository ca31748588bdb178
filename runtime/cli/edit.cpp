// `troupe edit TYPE [NAME...]`: the object (several as a List) in $KUBE_EDITOR/$EDITOR/vi,
// as YAML or (-o json) JSON, then, as kubectl edit, a merge patch of what the user changed in
// each between it as opened and as saved, so a change someone else makes meanwhile is neither
// a conflict nor undone. When a change cannot be made the edited file is kept and named, so
// the user's work is not lost.

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "runtime/base/text.hpp"
#include "runtime/cli/context.hpp"
#include "runtime/cli/merge_diff.hpp"
#include "runtime/cli/printers.hpp"
#include "runtime/codec/json.hpp"
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

// A new troupe-edit-XXXXXX<suffix> in $TMPDIR (else /tmp) holding `text`; its path.
std::string temporary_file(const std::string& text, const std::string& suffix) {
  std::string path = (fs::temp_directory_path() / ("troupe-edit-XXXXXX" + suffix)).string();
  int fd = ::mkstemps(path.data(), static_cast<int>(suffix.size()));
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

// The objects edited, or an error message for a file that does not hold the objects opened
// (one, or a List of them, in the same order with the same identities) as the server could
// take them.
std::string check_edited(const std::vector<node>& originals, const node& edited, const std::vector<object_key>& keys,
                         const std::string& source, std::vector<node>& out) {
  if (originals.size() == 1) {
    out = {edited};
  } else {
    const node* items = edited.is_map() ? edited.find("items") : nullptr;
    if (!items || !items->is_list()) return "edit: expected a List of the objects opened";
    out = items->items();
  }
  if (out.size() != originals.size()) return "edit: the objects opened may not be added or removed";
  for (size_t i = 0; i < out.size(); ++i) {
    if (!out[i].is_map() || !same_identity(originals[i], out[i]))
      return "At least one of apiVersion, kind and name was changed";
    try {
      codec::decode_object(out[i], *keys[i].kind, source);  // what the server would refuse to read
    } catch (const api_error& e) {
      return e.message();
    }
  }
  return "";
}

// The objects edit opens: TYPE NAME..., TYPE/NAME..., TYPE -l SELECTOR, or every object of
// TYPE (kubectl edits them all as a List).
std::vector<object_key> edited_objects(context& ctx) {
  auto args = parse_resource_args(ctx, "You must provide one or more resources by argument or filename.");
  if (args.named.empty() && !ctx.flags.has("selector")) {
    std::vector<object_key> all;
    for (auto* kind : args.types)
      for (auto& name : ctx.selected_names(*kind)) all.push_back({kind, ctx.ns_for(*kind), name});
    return all;
  }
  return chosen_objects(ctx, args);
}

}  // namespace

int cmd_edit(context& ctx) {
  auto format = ctx.flags.get("output", "yaml");
  TROUPE_REQUIRE(format == "yaml" || format == "json", api_errc::bad_request,
                 "the flag 'output' must be one of yaml|json");
  auto keys = edited_objects(ctx);
  TROUPE_REQUIRE(!keys.empty(), api_errc::not_found, "edit cancelled, no objects found");
  std::vector<node> originals;
  for (auto& k : keys) originals.push_back(codec::encode_object(ctx.get(*k.kind, k.ns, k.name).object, *k.kind));
  node opened = originals[0];
  if (originals.size() > 1) {
    opened = node::map();
    opened.set("apiVersion", node::string("v1"));
    node items = node::list();
    for (auto& o : originals) items.push(o);
    opened.set("items", std::move(items));
    opened.set("kind", node::string("List"));
  }
  opened = codec::with_sorted_keys(opened);
  // JSON carries no comments: kubectl writes its header only into YAML.
  std::string text = format == "json" ? codec::to_json(opened, 4) + "\n" : header + codec::to_yaml(opened);
  std::string path = temporary_file(text, format == "json" ? ".json" : ".yaml");
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
  std::string source = "edited " + keys[0].kind->resource() + "/" + keys[0].name;
  std::vector<codec::yaml_document> docs;
  try {
    docs = codec::parse_yaml(saved.str(), source);  // YAML reads JSON too, and skips the comments
  } catch (const api_error& e) {
    return fail(e.message());
  }
  if (docs.size() != 1) return fail("edit: expected exactly one object");
  std::vector<node> edited;
  if (auto problem = check_edited(originals, docs[0].root, keys, source, edited); !problem.empty())
    return fail(problem);
  bool any = false;
  for (size_t i = 0; i < keys.size(); ++i) {
    if (edited[i] == originals[i]) continue;
    auto& k = keys[i];
    try {
      ctx.patch(*k.kind, k.ns, k.name, merge_diff(originals[i], edited[i]), patch_type::merge);
    } catch (const rpc::server_error& e) {
      return fail(k.kind->resource() + " " + quote(k.name) + " could not be patched: " + e.message());
    } catch (const std::exception& e) {
      return fail(e.what());  // a lost connection too: the user's changes stay in the file
    }
    ctx.out << k.kind->singular_resource() << "/" << k.name << " edited\n";
    any = true;
  }
  if (!any) ctx.out << "Edit cancelled, no changes made.\n";
  return 0;
}

}  // namespace troupe::cli
