// `troupe apply view-last-applied` and `apply set-last-applied`: the last-applied record apply
// keeps on each object (kubectl's annotation), shown as YAML or JSON, or rewritten from a
// manifest without changing anything else of the object, as kubectl's commands do.

#include <string>
#include <utility>
#include <vector>

#include "runtime/base/text.hpp"
#include "runtime/cli/context.hpp"
#include "runtime/cli/manifests.hpp"
#include "runtime/cli/output.hpp"
#include "runtime/cli/printers.hpp"
#include "runtime/codec/json.hpp"
#include "runtime/codec/patch.hpp"
#include "runtime/codec/yaml.hpp"

namespace troupe::cli {
namespace {

using codec::node;

std::string missing_record(const std::string& name) {
  return "no last-applied-configuration annotation found on resource: " + name;
}

int view_last_applied(context& ctx, const std::vector<std::string>& args) {
  auto format = ctx.flags.get("output", "yaml");
  TROUPE_REQUIRE(format == "yaml" || format == "json", api_errc::bad_request,
                 "unexpected -o output mode: " + format + ", the flag 'output' must be one of yaml|json");
  std::vector<object_key> objects;
  if (ctx.flags.has("filename")) {
    TROUPE_REQUIRE(args.empty(), api_errc::bad_request, "Unexpected args: [" + join(args, " ") + "]");
    objects = file_objects(ctx);
  } else {
    objects = chosen_objects(
        ctx, parse_resource_args(ctx, args, "you must specify the type of resource to view the last applied "
                                             "configuration of, or -f"));
  }
  // Every record is read before any is printed: one object without a record prints nothing.
  std::vector<std::string> records;
  for (auto& o : objects) {
    auto live = codec::encode_object(ctx.get(*o.kind, o.ns, o.name).object, *o.kind);
    auto record = text_at(live, {"metadata", "annotations", last_applied});
    TROUPE_REQUIRE(!record.empty(), api_errc::bad_request, missing_record(o.name));
    records.push_back(record);
  }
  for (auto& record : records) {
    node tree = codec::parse_json(record, last_applied);
    // kubectl indents the JSON as it was written (its keys sorted by apply) and converts it to
    // YAML through a map, which sorts the keys.
    if (format == "json") ctx.out << codec::to_json(tree, 2) << "\n";
    else ctx.out << codec::to_yaml(codec::with_sorted_keys(tree));
  }
  return 0;
}

// Sets each -f object's record to what apply would record for its manifest; the object
// itself is not changed. A live object without a record gets one only with
// --create-annotation.
int set_last_applied(context& ctx, const std::vector<std::string>& args) {
  TROUPE_REQUIRE(args.empty(), api_errc::bad_request, "Unexpected args: [" + join(args, " ") + "]");
  auto format = output_format(ctx);
  check_object_format(format);
  bool first = true;
  return for_each_manifest(ctx, read_manifests(ctx, "apply set-last-applied"), "setting",
                           [&](const codec::manifest& m, const std::string& ns) {
                             auto live = ctx.get(*m.kind, ns, name_of(m));
                             node current = codec::encode_object(live.object, *m.kind);
                             bool had = lookup(current, {"metadata", "annotations", last_applied});
                             TROUPE_REQUIRE(had || ctx.flags.on("create-annotation"), api_errc::bad_request,
                                            missing_record(name_of(m)) +
                                                ", to create the annotation, run the command with "
                                                "--create-annotation");
                             node record = node::map();
                             record.set(last_applied, *lookup(desired_of(m, ns), {"metadata", "annotations", last_applied}));
                             node meta = node::map();
                             meta.set("annotations", std::move(record));
                             node patch = node::map();
                             patch.set("metadata", std::move(meta));
                             node after = codec::merge_patch(current, patch);
                             if (!ctx.dry_run())
                               after = codec::encode_object(
                                   ctx.patch(*m.kind, ns, name_of(m), patch, patch_type::merge).object, *m.kind);
                             if (!format.empty())
                               ctx.out << object_as(format, *m.kind, after, std::exchange(first, false));
                             else
                               ctx.out << object_ref(*m.kind, after) << " configured" << ctx.dry_run_suffix() << "\n";
                           });
}

}  // namespace

bool is_apply_subcommand(const std::string& word) {
  return word == "view-last-applied" || word == "set-last-applied" || word == "edit-last-applied";
}

int cmd_apply_subcommand(context& ctx) {
  auto& positional = ctx.flags.positional;
  std::vector<std::string> args(positional.begin() + 1, positional.end());
  if (positional[0] == "view-last-applied") return view_last_applied(ctx, args);
  if (positional[0] == "set-last-applied") return set_last_applied(ctx, args);
  throw api_error(api_errc::bad_request,
                  "apply edit-last-applied is not supported by troupe: use apply view-last-applied to read the "
                  "record and apply set-last-applied -f to write it");
}

}  // namespace troupe::cli
