// `troupe label|annotate|patch|edit`: changes to one live object, each sent as a patch (edit
// as a full replacement guarded by the resourceVersion it was read at).

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "runtime/base/text.hpp"
#include "runtime/cli/context.hpp"
#include "runtime/cli/printers.hpp"
#include "runtime/codec/json.hpp"
#include "runtime/codec/object_codec.hpp"
#include "runtime/codec/yaml.hpp"
#include "runtime/object/validation.hpp"

namespace troupe::cli {
namespace {

using codec::node;

}  // namespace

addressed address_of(context& ctx, const char* verb) {
  auto& args = ctx.flags.positional;
  TROUPE_REQUIRE(!args.empty(), api_errc::bad_request,
                 std::string("you must specify the type of resource to ") + verb);
  addressed a;
  size_t next = 1;
  if (auto slash = args[0].find('/'); slash != std::string::npos) {
    a.kind = &ctx.kind(args[0].substr(0, slash));
    a.name = args[0].substr(slash + 1);
  } else {
    a.kind = &ctx.kind(args[0]);
    TROUPE_REQUIRE(args.size() > 1, api_errc::bad_request,
                   std::string("you must specify the name of the resource to ") + verb);
    a.name = args[1];
    next = 2;
  }
  a.rest.assign(args.begin() + static_cast<long>(next), args.end());
  return a;
}

namespace {

// `key=value` sets, `key-` removes; without --overwrite a key may not change its value.
int set_metadata_map(context& ctx, const char* verb, const char* field, const char* past) {
  auto a = address_of(ctx, verb);
  TROUPE_REQUIRE(!a.rest.empty(), api_errc::bad_request,
                 std::string("at least one ") + (field[0] == 'l' ? "label" : "annotation") +
                     " update is required");
  auto ns = ctx.ns_for(*a.kind);
  node current = codec::encode_object(ctx.get(*a.kind, ns, a.name).object, *a.kind);
  node changes = node::map();
  for (auto& arg : a.rest) {
    if (ends_with(arg, "-") && arg.find('=') == std::string::npos) {
      changes.set(arg.substr(0, arg.size() - 1), node::null());
      continue;
    }
    auto eq = arg.find('=');
    TROUPE_REQUIRE(eq != std::string::npos && eq > 0, api_errc::bad_request,
                   "invalid argument " + quote(arg) + ": expected key=value or key-");
    std::string key = arg.substr(0, eq), value = arg.substr(eq + 1);
    if (field[0] == 'l') {
      auto problems = check_qualified_name(key);
      TROUPE_REQUIRE(problems.empty(), api_errc::bad_request,
                     "invalid label key " + quote(key) + ": " + join(problems, "; "));
      problems = check_label_value(value);
      TROUPE_REQUIRE(problems.empty(), api_errc::bad_request,
                     "invalid label value " + quote(value) + ": " + join(problems, "; "));
    }
    auto old = text_at(current, {"metadata", field, key});
    TROUPE_REQUIRE(old.empty() || old == value || ctx.flags.on("overwrite"), api_errc::bad_request,
                   "'" + key + "' already has a value (" + old + "), and --overwrite is false");
    changes.set(key, node::string(value));
  }
  node patch = node::map();
  node meta = node::map();
  meta.set(field, std::move(changes));
  // The version read above guards the --overwrite check against a concurrent change.
  meta.set("resourceVersion", node::string(text_at(current, {"metadata", "resourceVersion"})));
  patch.set("metadata", std::move(meta));
  ctx.patch(*a.kind, ns, a.name, patch, patch_type::merge);
  ctx.out << a.kind->singular_resource() << "/" << a.name << " " << past << "\n";
  return 0;
}

}  // namespace

int cmd_label(context& ctx) { return set_metadata_map(ctx, "label", "labels", "labeled"); }

int cmd_annotate(context& ctx) {
  return set_metadata_map(ctx, "annotate", "annotations", "annotated");
}

int cmd_patch(context& ctx) {
  auto a = address_of(ctx, "patch");
  TROUPE_REQUIRE(ctx.flags.has("patch"), api_errc::bad_request, "--patch (-p) is required");
  auto type = ctx.flags.get("type", "strategic");
  TROUPE_REQUIRE(type == "strategic" || type == "merge", api_errc::bad_request,
                 "--type: " + quote(type) + " is not supported (choose strategic or merge)");
  auto text = ctx.flags.get("patch");
  auto docs = codec::parse_yaml(text, "--patch");  // YAML is a superset of the JSON kubectl takes
  TROUPE_REQUIRE(docs.size() == 1 && docs[0].root.is_map(), api_errc::bad_request,
                 "--patch: expected one JSON or YAML object");
  auto ns = ctx.ns_for(*a.kind);
  auto before = ctx.get(*a.kind, ns, a.name);
  auto after = ctx.patch(*a.kind, ns, a.name, docs[0].root,
                         type == "merge" ? patch_type::merge : patch_type::strategic);
  bool changed = after.object != before.object;
  ctx.out << a.kind->singular_resource() << "/" << a.name << (changed ? " patched" : " patched (no change)") << "\n";
  return 0;
}

int cmd_edit(context& ctx) {
  auto a = address_of(ctx, "edit");
  auto ns = ctx.ns_for(*a.kind);
  auto live = ctx.get(*a.kind, ns, a.name);
  std::string original = codec::to_yaml(codec::encode_object(live.object, *a.kind));
  char path[] = "/tmp/troupe-edit-XXXXXX.yaml";
  int fd = mkstemps(path, 5);
  TROUPE_REQUIRE(fd >= 0, api_errc::internal, "edit: cannot create a temporary file");
  close(fd);
  struct remove_file {
    const char* p;
    ~remove_file() { std::filesystem::remove(p); }
  } cleanup{path};
  std::ofstream(path) << "# Edit the object below; save and quit to apply it, or leave it\n"
                         "# unchanged to cancel.\n"
                      << original;
  const char* editor = std::getenv("EDITOR");
  std::string command = std::string(editor && *editor ? editor : "vi") + " '" + path + "'";
  TROUPE_REQUIRE(std::system(command.c_str()) == 0, api_errc::bad_request,
                 "edit: the editor (" + command + ") failed; nothing was changed");
  std::stringstream edited;
  edited << std::ifstream(path).rdbuf();
  auto manifests = codec::decode_manifests(edited.str(), "edited " + a.name, ctx.kinds);
  TROUPE_REQUIRE(manifests.size() == 1, api_errc::bad_request, "edit: expected exactly one object");
  if (manifests[0].tree == codec::parse_yaml(original, "original")[0].root) {
    ctx.out << "Edit cancelled, no changes made.\n";
    return 0;
  }
  api_request req;
  req.resource = a.kind->resource();
  req.ns = ns;
  req.name = a.name;
  req.object = manifests[0].bytes;  // carries the resourceVersion it was read at: a precondition
  ctx.api().call(api_verb::update, req);
  ctx.out << a.kind->singular_resource() << "/" << a.name << " edited\n";
  return 0;
}

}  // namespace troupe::cli
