// `troupe label|annotate|patch|scale`: changes to live objects, each sent as a patch.

#include <cstdlib>
#include <filesystem>
#include <map>
#include <optional>
#include <sstream>

#include "runtime/base/file.hpp"
#include "runtime/base/text.hpp"
#include "runtime/cli/context.hpp"
#include "runtime/cli/output.hpp"
#include "runtime/cli/printers.hpp"
#include "runtime/codec/json.hpp"
#include "runtime/codec/object_codec.hpp"
#include "runtime/codec/patch.hpp"
#include "runtime/codec/yaml.hpp"
#include "runtime/object/validation.hpp"

namespace troupe::cli {
namespace {

using codec::node;

struct map_change {
  std::string key;
  std::optional<std::string> value;  ///< none: remove the key
};

// label's and annotate's arguments: the resources, then the changes (`key=value`, `key-`).
std::vector<map_change> changes_of(const std::vector<std::string>& args, bool labels,
                                   std::vector<std::string>& resources) {
  std::vector<map_change> out;
  for (auto& arg : args) {
    bool is_change = arg.find('=') != std::string::npos || ends_with(arg, "-");
    TROUPE_REQUIRE(is_change || out.empty(), api_errc::bad_request,
                   "all resources must be specified before " +
                       std::string(labels ? "label" : "annotation") + " changes: " + arg);
    if (!is_change) {
      resources.push_back(arg);
    } else if (arg.find('=') == std::string::npos) {
      out.push_back({arg.substr(0, arg.size() - 1), std::nullopt});
    } else {
      auto eq = arg.find('=');
      TROUPE_REQUIRE(eq > 0, api_errc::bad_request,
                     "invalid argument " + quote(arg) + ": expected key=value or key-");
      // kubectl splits a label at every '=' (an annotation's value may hold more).
      TROUPE_REQUIRE(!labels || arg.find('=', eq + 1) == std::string::npos, api_errc::bad_request,
                     "invalid label spec: " + arg);
      // kubectl checks each label's value as it reads it, then keeps the changes in a map: a
      // key given twice takes its last value.
      auto key = arg.substr(0, eq);
      if (labels) {
        auto problems = check_label_value(arg.substr(eq + 1));
        TROUPE_REQUIRE(problems.empty(), api_errc::bad_request,
                       "invalid label value: " + quote(arg) + ": " + join(problems, ";"));
      }
      auto same = std::find_if(out.begin(), out.end(), [&](auto& c) { return c.value && c.key == key; });
      if (same != out.end()) same->value = arg.substr(eq + 1);
      else out.push_back({key, arg.substr(eq + 1)});
    }
  }
  // kubectl refuses a key both set and removed in one command.
  std::vector<std::string> both;
  for (auto& removed : out)
    if (!removed.value &&
        std::any_of(out.begin(), out.end(), [&](auto& c) { return c.value && c.key == removed.key; }))
      both.push_back(removed.key);
  TROUPE_REQUIRE(both.empty(), api_errc::bad_request,
                 labels ? "can not both modify and remove a label in the same command"
                        : "can not both modify and remove the following annotation(s) in the same command: " +
                              join(both, ", "));
  for (auto& c : out) {
    if (!labels) continue;
    auto problems = check_qualified_name(c.key);
    TROUPE_REQUIRE(problems.empty(), api_errc::bad_request,
                   "invalid label key " + quote(c.key) + ": " + join(problems, "; "));
  }
  return out;
}

// What label/annotate will do to one object.
struct map_update {
  object_key object;
  node current;                ///< the object as read
  node changes = node::map();  ///< key -> value, or null to remove
  std::string notes;           ///< kubectl's `label "x" not found.` lines
  std::vector<std::string> refusals;  ///< why it may not be made (keys set without --overwrite)
};

map_update plan_update(context& ctx, const object_key& o, const char* field,
                       const std::vector<map_change>& changes) {
  bool labels = field[0] == 'l';
  map_update u{o, codec::encode_object(ctx.get(*o.kind, o.ns, o.name).object, *o.kind), node::map(), "", {}};
  std::vector<std::string> overwrites;  // keys given a different value without --overwrite
  for (auto& c : changes) {
    const node* old = lookup(u.current, {"metadata", field, c.key});
    if (!c.value) {
      if (old)
        u.changes.set(c.key, node::null());
      else if (labels)
        u.notes += "label " + quote(c.key) + " not found.\n";
      continue;
    }
    std::string old_text = old ? old->text() : "";
    // Setting a key to the value it has is no overwrite; annotate may always overwrite
    // kubectl's change-cause annotation.
    bool exempt = !labels && c.key == "kubernetes.io/change-cause";
    if (old && old_text != *c.value && !ctx.flags.on("overwrite") && !exempt)
      overwrites.push_back("'" + c.key + "' already has a value (" + old_text + ")");
    if (!old || old_text != *c.value) u.changes.set(c.key, node::string(*c.value));
  }
  // kubectl's words: label refuses each such key on its own, annotate all of them at once.
  if (labels)
    for (auto& o : overwrites) u.refusals.push_back(o + ", and --overwrite is false");
  else if (!overwrites.empty())
    u.refusals.push_back("--overwrite is false but found the following declared annotation(s): " +
                         join(overwrites, "; "));
  return u;
}

// The patch of one update: the changes, guarded by --resource-version or else by the version
// they were computed from (so the --overwrite check holds against a concurrent change).
node patch_of(context& ctx, const map_update& u, const char* field) {
  node meta = node::map();
  meta.set(field, u.changes);
  // Only --resource-version makes the change conditional, as in kubectl: the server applies
  // a patch without one on top of whatever changed since it was read.
  if (ctx.flags.has("resource-version"))
    meta.set("resourceVersion", node::string(ctx.flags.get("resource-version")));
  node patch = node::map();
  patch.set("metadata", std::move(meta));
  return patch;
}

// kubectl's word for a change: `label` says "unlabeled" when, without --overwrite, the labels
// got shorter (kubectl compares the objects' JSON lengths; only the labels differ).
std::string change_word(context& ctx, const map_update& u, const node& after, const char* field,
                        const char* past) {
  // annotate says "annotated" whatever its patch holds; label says when it changed nothing.
  bool labels = field[0] == 'l';
  if (!labels) return past;
  if (u.changes.size() == 0) return std::string("not ") + past;
  auto size = [&](const node& o) {
    auto* map = lookup(o, {"metadata", field});
    return map ? codec::to_json(*map).size() : 0;
  };
  bool shorter = !ctx.flags.on("overwrite") && size(after) < size(u.current);
  return shorter ? "unlabeled" : past;
}

// Sends one update (unless it changes nothing or this is a client dry run) and prints it.
void run_update(context& ctx, const map_update& u, const char* field, const char* past,
                bool first) {
  ctx.out << u.notes;
  node patch = patch_of(ctx, u, field);
  node after = codec::merge_patch(u.current, patch);
  if (u.changes.size() > 0 && !ctx.dry_run())
    after = codec::encode_object(
        ctx.patch(*u.object.kind, u.object.ns, u.object.name, patch, patch_type::merge).object,
        *u.object.kind);
  auto format = output_format(ctx);
  if (!format.empty())
    ctx.out << object_as(format, *u.object.kind, after, first);
  else
    ctx.out << u.object.kind->singular_resource() << "/" << u.object.name << " "
            << change_word(ctx, u, after, field, past) << ctx.dry_run_suffix() << "\n";
}

void list_metadata_map(context& ctx, const char* field, const std::vector<std::string>& resources) {
  // kubectl's --list: KEY=VALUE lines (in key order here); under a heading per object
  // when there are several.
  auto objects = chosen_objects(ctx, parse_resource_args(ctx, resources, ""));
  for (auto& o : objects) {
    auto current = codec::encode_object(ctx.get(*o.kind, o.ns, o.name).object, *o.kind);
    std::string indent = objects.size() > 1 ? " " : "";
    if (objects.size() > 1)
      // kubectl's Kind.Group: "ConfigMap./a", "Deployment.apps/web".
      ctx.out << "Listing " << field << " for " << o.kind->kind << "." << o.kind->group << "/" << o.name << ":\n";
    std::map<std::string, std::string> sorted;
    if (auto* map = lookup(current, {"metadata", field}); map && map->is_map())
      for (auto& [k, v] : map->entries()) sorted[k] = v.text();
    for (auto& [k, v] : sorted) ctx.out << indent << k << "=" << v << "\n";
  }
}

// `key=value` sets, `key-` removes; without --overwrite a key may not change its value. Every
// object is read and checked before any is changed, so one refused change changes nothing;
// an object that is not there is reported and the others still change (exit 1), as kubectl.
int set_metadata_map(context& ctx, const char* field, const char* past) {
  bool labels = field[0] == 'l';
  std::vector<std::string> resources;
  auto changes = changes_of(ctx.flags.positional, labels, resources);
  TROUPE_REQUIRE(!resources.empty(), api_errc::bad_request,
                 "one or more resources must be specified as <resource> <name> or "
                 "<resource>/<name>");
  check_object_format(output_format(ctx));
  if (ctx.flags.on("list")) {
    TROUPE_REQUIRE(changes.empty(), api_errc::bad_request,
                   std::string("--list cannot be given with ") + (labels ? "label" : "annotation") + " changes");
    list_metadata_map(ctx, field, resources);
    return 0;
  }
  TROUPE_REQUIRE(
      !changes.empty(), api_errc::bad_request,
      std::string("at least one ") + (labels ? "label" : "annotation") + " update is required");
  auto objects = chosen_objects(ctx, parse_resource_args(ctx, resources, ""));
  TROUPE_REQUIRE(!ctx.flags.has("resource-version") || objects.size() <= 1, api_errc::bad_request,
                 "--resource-version may only be used with a single resource");
  if (objects.empty()) ctx.err << "No resources found\n";
  // As kubectl (ContinueOnError): each object is read, checked and changed in turn, one that
  // fails stops no other, and the failures are said at the end: one as an error line, several
  // one to a line as they are.
  std::vector<std::string> failures;
  bool first = true, lone_check_failure = false;
  for (auto& o : objects) {
    try {
      auto update = plan_update(ctx, o, field, changes);
      if (!update.refusals.empty()) {
        for (auto& why : update.refusals) failures.push_back(why + "\n");
        lone_check_failure = failures.size() == 1;
        continue;
      }
      run_update(ctx, update, field, past, first);
      first = false;
    } catch (const rpc::server_error& e) {
      std::ostringstream line;
      print_server_error(line, e);
      failures.push_back(line.str());
    } catch (const api_error& e) {
      failures.push_back(e.message() + "\n");
      lone_check_failure = failures.size() == 1;
    }
  }
  if (failures.size() == 1 && lone_check_failure) ctx.err << "error: ";
  for (auto& f : failures) ctx.err << f;
  return failures.empty() ? 0 : 1;
}

}  // namespace

int cmd_label(context& ctx) {
  return set_metadata_map(ctx, "labels", "labeled");
}

int cmd_annotate(context& ctx) {
  return set_metadata_map(ctx, "annotations", "annotated");
}

namespace {

// The objects a patch or scale names: TYPE NAME..., TYPE/NAME... (kubectl visits each), or
// those of -f's manifests, each in its own namespace.
std::vector<object_key> named_objects(context& ctx, const char* verb) {
  if (ctx.flags.has("filename")) {
    TROUPE_REQUIRE(ctx.flags.positional.empty(), api_errc::bad_request,
                   "Unexpected args: [" + join(ctx.flags.positional, " ") + "]");
    return file_objects(ctx);
  }
  auto args = parse_resource_args(ctx, std::string("you must specify the type of resource to ") + verb);
  TROUPE_REQUIRE(!args.named.empty(), api_errc::bad_request,
                 std::string("you must specify the name of the resource to ") + verb);
  std::vector<object_key> out;
  for (auto& [kind, name] : args.named) out.push_back({kind, ctx.ns_for(*kind), name});
  return out;
}

// Runs `one` on each object; a server error is printed and the others still go (exit 1).
int for_each_named(context& ctx, const std::vector<object_key>& named,
                   const std::function<void(const kind_info&, const std::string&, const std::string&)>& one) {
  int status = 0;
  for (auto& o : named) {
    try {
      one(*o.kind, o.ns, o.name);
    } catch (const rpc::server_error& e) {
      print_server_error(ctx.err, e);
      status = 1;
    }
  }
  return status;
}

}  // namespace

int cmd_patch(context& ctx) {
  auto format = output_format(ctx);
  check_object_format(format);
  TROUPE_REQUIRE(!ctx.flags.has("patch") || !ctx.flags.has("patch-file"), api_errc::bad_request,
                 "cannot specify --patch and --patch-file together");
  TROUPE_REQUIRE(ctx.flags.has("patch") || ctx.flags.has("patch-file"), api_errc::bad_request,
                 "must specify --patch or --patch-file containing the contents of the patch");
  auto given_type = ctx.flags.get("type", "strategic");
  auto type = to_lower(given_type);  // kubectl takes --type in any case
  TROUPE_REQUIRE(type == "strategic" || type == "merge" || type == "json", api_errc::bad_request,
                 "--type must be one of [json merge strategic], not " + quote(given_type));
  std::string text = ctx.flags.get("patch"), source = "--patch";
  if (ctx.flags.has("patch-file")) {
    source = ctx.flags.get("patch-file");
    text = read_file(source, "unable to read patch file: open " + source + ": no such file or directory");
  }
  auto docs = codec::parse_yaml(text, source);  // YAML is a superset of the JSON kubectl takes
  if (type == "json")
    TROUPE_REQUIRE(docs.size() == 1 && docs[0].root.is_list(), api_errc::bad_request,
                   "--patch: a JSON patch must be a list of operations");
  else
    TROUPE_REQUIRE(docs.size() == 1 && docs[0].root.is_map(), api_errc::bad_request,
                   "--patch: expected one JSON or YAML object");
  bool first = true;
  auto named = named_objects(ctx, "patch");
  std::vector<const kind_info*> kinds;
  for (auto& o : named) kinds.push_back(o.kind);
  bool status = ctx.status_subresource(kinds);
  auto patched_here = [&](const kind_info& kind, const rpc::call_result& read) {
    node current = codec::encode_object(read.object, kind);
    return type == "merge"  ? codec::merge_patch(current, docs[0].root)
           : type == "json" ? codec::json_patch(current, docs[0].root)
                            : codec::strategic_merge_patch(current, docs[0].root);
  };
  return for_each_named(ctx, named, [&](const kind_info& kind, const std::string& ns, const std::string& name) {
    auto before = ctx.get(kind, ns, name);
    if (ctx.dry_run()) {
      node after = patched_here(kind, before);
      codec::decode_object(after, kind, source);  // a patch the server would refuse fails here
      if (!format.empty())
        ctx.out << object_as(format, kind, after, std::exchange(first, false));
      else
        ctx.out << kind.singular_resource() << "/" << name << " patched (dry run)\n";
      return;
    }
    rpc::call_result after;
    if (status) {
      // The status subresource takes whole objects: the patch is applied here to the version
      // read and written back on that version (read again on a Conflict); the server keeps
      // everything but the status, as for kubectl's patch of /status.
      for (int attempt = 1;; ++attempt) {
        api_request req;
        req.resource = kind.resource();
        req.ns = ns;
        req.name = name;
        req.object = codec::decode_object(patched_here(kind, before), kind, source);
        try {
          after = ctx.api().call(api_verb::update_status, req);
          break;
        } catch (const rpc::server_error& e) {
          if (e.code() != api_errc::conflict || attempt == 5) throw;
          before = ctx.get(kind, ns, name);
        }
      }
    } else {
      after = ctx.patch(kind, ns, name, docs[0].root,
                        type == "merge"  ? patch_type::merge
                        : type == "json" ? patch_type::json
                                         : patch_type::strategic);
    }
    bool changed = after.object != before.object;
    if (!format.empty()) {
      ctx.out << object_as(format, kind, codec::encode_object(after.object, kind), std::exchange(first, false));
      return;
    }
    ctx.out << kind.singular_resource() << "/" << name
            << (changed ? " patched" : " patched (no change)") << ctx.dry_run_suffix() << "\n";
  });
}

}  // namespace troupe::cli

namespace troupe::cli {

// kubectl scale: spec.replicas of deployments, replica sets and stateful sets, with
// --current-replicas as a precondition.
int cmd_scale(context& ctx) {
  auto format = output_format(ctx);
  check_object_format(format);
  bool first = true;
  TROUPE_REQUIRE(ctx.flags.has("replicas"), api_errc::bad_request,
                 "required flag(s) \"replicas\" not set");
  auto wanted = parse_int(ctx.flags.get("replicas"));
  TROUPE_REQUIRE(
      wanted && *wanted >= 0 && *wanted <= INT32_MAX, api_errc::bad_request,
      "The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0");
  std::vector<object_key> named;
  if (!ctx.flags.has("filename") && (ctx.flags.has("selector") || ctx.flags.on("all")))
    named = chosen_objects(ctx, parse_resource_args(ctx, "you must specify the type of resource to scale"));
  else
    named = named_objects(ctx, "scale");
  TROUPE_REQUIRE(!ctx.flags.has("resource-version") || named.size() <= 1, api_errc::bad_request,
                 "cannot use --resource-version with multiple resources");
  // Each object in turn, as kubectl walks them: a Deployment before a Service in one file is
  // scaled, and the Service then fails.
  return for_each_named(ctx, named, [&](const kind_info& kind, const std::string& ns, const std::string& name) {
    TROUPE_REQUIRE(kind.kind == "Deployment" || kind.kind == "ReplicaSet" || kind.kind == "StatefulSet",
                   api_errc::bad_request,
                   "cannot scale " + kind.resource() + ": only deployments, replicasets and statefulsets have replicas");
    auto current = ctx.get(kind, ns, name);
    node object = codec::encode_object(current.object, kind);
    if (ctx.flags.has("current-replicas")) {
      std::string now = text_at(object, {"spec", "replicas"});
      TROUPE_REQUIRE(now == ctx.flags.get("current-replicas"), api_errc::conflict,
                     "Expected replicas to be " + ctx.flags.get("current-replicas") + ", was " + now);
    }
    if (ctx.flags.has("resource-version")) {  // kubectl's ScalePrecondition
      std::string now = text_at(object, {"metadata", "resourceVersion"});
      TROUPE_REQUIRE(now == ctx.flags.get("resource-version"), api_errc::conflict,
                     "Expected resource version to be " + ctx.flags.get("resource-version") + ", was " + now);
    }
    node spec = node::map();
    spec.set("replicas", node::plain(std::to_string(*wanted)));
    node patch = node::map();
    patch.set("spec", std::move(spec));
    if (ctx.flags.has("current-replicas") || ctx.flags.has("resource-version")) {
      // The count or version checked above must still be the one replaced.
      node meta = node::map();
      meta.set("resourceVersion", node::string(text_at(object, {"metadata", "resourceVersion"})));
      patch.set("metadata", std::move(meta));
    }
    node scaled = object;
    if (!ctx.dry_run())
      scaled = codec::encode_object(ctx.patch(kind, ns, name, patch, patch_type::merge).object, kind);
    else if (node* s = scaled.find("spec"))
      s->set("replicas", node::plain(std::to_string(*wanted)));
    if (!format.empty())
      ctx.out << object_as(format, kind, scaled, std::exchange(first, false));
    else
      ctx.out << kind.singular_resource() << "/" << name << " scaled" << ctx.dry_run_suffix() << "\n";
  });
}

}  // namespace troupe::cli
