// `troupe apply|create|replace|delete`: manifests from files, directories or stdin.

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "runtime/base/text.hpp"
#include "runtime/cli/context.hpp"
#include "runtime/cli/generate.hpp"
#include "runtime/cli/printers.hpp"
#include "runtime/codec/json.hpp"
#include "runtime/codec/object_codec.hpp"
#include "runtime/codec/patch.hpp"
#include "runtime/codec/yaml.hpp"

namespace troupe::cli {
namespace {

using codec::node;
namespace fs = std::filesystem;

/// kubectl's annotation, so a manifest applied by either tool diffs the same way.
constexpr const char* last_applied = "kubectl.kubernetes.io/last-applied-configuration";

std::string read_file(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  TROUPE_REQUIRE(file.good(), api_errc::bad_request, "the path " + quote(path) + " does not exist");
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

bool is_manifest_file(const fs::path& p) {
  auto ext = p.extension().string();
  return ext == ".yaml" || ext == ".yml" || ext == ".json";
}

// One document of a -f file: the object decoded from it, or kubectl's one-line error for
// a document the client cannot decode (reported in its place; the others still go).
struct document {
  codec::manifest m;
  std::string error;
};

// A codec error's message without the file name it starts with (the error line names it).
std::string without_source(const std::string& message, const std::string& source) {
  std::string_view why = message;
  if (starts_with(why, source)) why = trim(why.substr(source.size()));
  if (starts_with(why, ":")) why = trim(why.substr(1));
  return std::string(why);
}

// The error line for a document of `source` that does not decode, as kubectl words it: an
// unknown kind has no resource mapping, anything else fails validation.
std::string decode_error(const codec::node& doc, const std::string& source,
                         const kind_registry& kinds, const api_error& e) {
  auto kind = text_at(doc, {"kind"}), version = text_at(doc, {"apiVersion"});
  if (doc.is_map() && !kind.empty() && !version.empty() && kind != "List" &&
      !kinds.find(version, kind))
    return "resource mapping not found for name: " + quote(text_at(doc, {"metadata", "name"})) +
           " namespace: " + quote(text_at(doc, {"metadata", "namespace"})) + " from " +
           quote(source) + ": no matches for kind " + quote(kind) + " in version " + quote(version);
  return "error validating " + quote(source) + ": " + without_source(e.message(), source);
}

// The documents of one file's text. Text that does not parse stops the whole file before
// anything of it is sent; a document that does not decode stops only itself.
void add_documents(const std::string& text, const std::string& source, const kind_registry& kinds,
                   std::vector<document>& out) {
  std::vector<std::pair<codec::node, std::string>> docs;
  try {
    auto t = trim(text);
    if (!t.empty() && (t.front() == '{' || t.front() == '[')) {
      auto values = codec::parse_json_stream(text, source);
      for (size_t i = 0; i < values.size(); ++i)
        docs.emplace_back(std::move(values[i]), values.size() == 1 ? source : source + " doc " + std::to_string(i + 1));
    } else {
      for (auto& d : codec::parse_yaml(text, source))
        docs.emplace_back(std::move(d.root), source + " doc " + std::to_string(d.index));
    }
  } catch (const api_error& e) {
    out.push_back({{}, "error parsing " + source + ": " + without_source(e.message(), source)});
    return;
  }
  // The items of a List go one by one, so one bad item does not hold back the others.
  for (size_t i = 0; i < docs.size(); ++i) {
    auto& [doc, origin] = docs[i];
    auto* items = doc.is_map() ? doc.find("items") : nullptr;
    if (text_at(doc, {"kind"}) != "List" || text_at(doc, {"apiVersion"}) != "v1" || !items || !items->is_list())
      continue;
    std::vector<std::pair<codec::node, std::string>> expanded;
    for (size_t j = 0; j < items->items().size(); ++j)
      expanded.emplace_back(items->items()[j], origin + " items[" + std::to_string(j) + "]");
    docs.erase(docs.begin() + static_cast<std::ptrdiff_t>(i));
    docs.insert(docs.begin() + static_cast<std::ptrdiff_t>(i), expanded.begin(), expanded.end());
    --i;  // a List inside a List is expanded in turn
  }
  for (auto& [doc, origin] : docs) {
    try {
      for (auto& m : codec::decode_manifest_document(doc, origin, kinds))
        out.push_back({std::move(m), ""});
    } catch (const api_error& e) {
      out.push_back({{}, decode_error(doc, source, kinds, e)});
    }
  }
}

// Every document named by -f (files, directories, `-` for stdin), read before anything is sent.
std::vector<document> read_manifests(context& ctx) {
  std::vector<std::string> paths;  // -f a.yaml,b.yaml is two files, as in kubectl
  for (auto& given : ctx.flags.all("filename"))
    for (auto& path : split(given, ','))
      if (!path.empty()) paths.push_back(path);
  TROUPE_REQUIRE(!paths.empty(), api_errc::bad_request, "must specify one of -f and -k");
  std::vector<document> out;
  auto add = [&](const std::string& text, const std::string& source) {
    add_documents(text, source, ctx.kinds, out);
  };
  for (auto& path : paths) {
    if (path == "-") {
      std::stringstream text;
      text << ctx.in.rdbuf();
      add(text.str(), "stdin");
    } else if (fs::is_directory(path)) {
      std::vector<fs::path> files;
      if (ctx.flags.on("recursive")) {
        for (auto& e : fs::recursive_directory_iterator(path))
          if (e.is_regular_file() && is_manifest_file(e.path())) files.push_back(e.path());
      } else {
        for (auto& e : fs::directory_iterator(path))
          if (e.is_regular_file() && is_manifest_file(e.path())) files.push_back(e.path());
      }
      std::sort(files.begin(), files.end());
      for (auto& f : files) add(read_file(f.string()), f.string());
    } else {
      add(read_file(path), path);
    }
  }
  TROUPE_REQUIRE(!out.empty(), api_errc::bad_request, "no objects passed to apply");
  return out;
}

// The namespace a manifest goes to: its own, else -n, else "default"; a clash with -n is an
// error, as in kubectl.
std::string namespace_of(context& ctx, const codec::manifest& m) {
  if (!m.kind->namespaced) return "";
  std::string own = text_at(m.tree, {"metadata", "namespace"});
  if (ctx.flags.has("namespace") && !own.empty() && own != ctx.ns())
    throw api_error(api_errc::bad_request,
                    "the namespace from the provided object " + quote(own) +
                        " does not match the namespace " + quote(ctx.ns()) +
                        ". You must pass '--namespace=" + own + "' to perform this operation.");
  return own.empty() ? ctx.ns() : own;
}

std::string name_of(const codec::manifest& m) { return text_at(m.tree, {"metadata", "name"}); }

// Runs `step` for each manifest; a document that did not decode or a server error names
// the file and stops nothing else, as kubectl goes on with the remaining objects and exits 1
// at the end.
template <class Step>
int for_each_manifest(context& ctx, const std::vector<document>& documents, const char* doing,
                      Step step) {
  int status = 0;
  for (auto& [m, error] : documents) {
    if (!error.empty()) {
      ctx.err << "error: " << error << "\n";
      status = 1;
      continue;
    }
    try {
      step(m, namespace_of(ctx, m));
    } catch (const rpc::server_error& e) {
      if (e.code() == api_errc::not_found && ctx.flags.on("ignore-not-found")) continue;
      print_server_error(ctx.err, e, std::string("error when ") + doing + " " + quote(m.origin) + ": ");
      status = 1;
    } catch (const api_error& e) {
      // Found on this side (a namespace that does not match, a live object's unreadable
      // last-applied record): this document fails, the others still go.
      ctx.err << "error: " << e.message() << "\n";
      status = 1;
    }
  }
  return status;
}

// What apply records as the last-applied configuration: the manifest without that
// annotation (as kubectl does), so applying a dump of a live object does not nest the old
// record inside the new one.
node without_last_applied(node tree) {
  node* meta = tree.find("metadata");
  node* annotations = meta && meta->is_map() ? meta->find("annotations") : nullptr;
  if (!annotations || !annotations->is_map()) return tree;
  annotations->erase(last_applied);
  if (annotations->size() == 0) meta->erase("annotations");
  return tree;
}

node with_annotation(node tree, const std::string& key, const std::string& value) {
  node* meta = tree.find("metadata");
  node* annotations = meta->find("annotations");
  if (!annotations || !annotations->is_map()) annotations = &meta->set("annotations", node::map());
  annotations->set(key, node::string(value));
  return tree;
}

api_request request_for(const codec::manifest& m, const std::string& ns, std::string object) {
  api_request req;
  req.resource = m.kind->resource();
  req.ns = ns;
  req.name = name_of(m);
  req.object = std::move(object);
  return req;
}

// The manifest as apply sends it: with its own last-applied record.
node desired_of(const codec::manifest& m) {
  node recorded = without_last_applied(m.tree);
  return with_annotation(recorded, last_applied, codec::to_json(recorded));
}

// The live object, or nothing when there is none yet.
std::optional<rpc::call_result> live_of(context& ctx, const codec::manifest& m, const std::string& ns) {
  try {
    if (!name_of(m).empty()) return ctx.get(*m.kind, ns, name_of(m));
  } catch (const rpc::server_error& e) {
    if (e.code() != api_errc::not_found) throw;
  }
  return std::nullopt;
}

// The strategic patch that takes `current` to `desired`: a three-way merge against the
// last-applied record, so fields others set are kept and fields dropped from the manifest go.
node apply_patch(const node& current, const node& desired) {
  node previous = node::map();
  if (auto text = text_at(current, {"metadata", "annotations", last_applied}); !text.empty())
    previous = codec::parse_json(text, last_applied);
  return codec::three_way_patch(previous, desired);
}

// What a user manages of an object: all but its status and the fields the server keeps.
node managed_part(node object) {
  object.erase("status");
  if (node* meta = object.find("metadata"); meta && meta->is_map())
    for (const char* field : {"resourceVersion", "managedFields", "generation"}) meta->erase(field);
  return object;
}

// Whether apply's patch changes the object as the user manages it: decided on this side from
// the object it was computed against, as kubectl decides "unchanged" from an empty patch, so
// what others write meanwhile (a status, an annotation) does not count. Where the server's
// answer is known, a patch that only differs in what the server normalizes (stringData into
// data, a quantity's spelling) and so changed nothing there is not a change either.
bool patch_changes(const node& current, const node& patch, const node* answer) {
  node before = managed_part(current);
  return managed_part(codec::strategic_merge_patch(current, patch)) != before &&
         (!answer || managed_part(*answer) != before);
}

// What apply did to one object: the object as it now is (or, in a client dry run, would
// be) and kubectl's word for it.
struct applied {
  node object;
  const char* word;
};

applied apply_one(context& ctx, const codec::manifest& m, const std::string& ns) {
  auto& kind = *m.kind;
  node desired = desired_of(m);
  auto live = live_of(ctx, m, ns);
  if (!live && ctx.dry_run()) return {desired, "created"};
  if (!live) {
    auto req = request_for(m, ns, codec::decode_object(desired, kind, m.origin));
    return {codec::encode_object(ctx.api().call(api_verb::create, req).object, kind), "created"};
  }
  node current = codec::encode_object(live->object, kind);
  if (!lookup(current, {"metadata", "annotations", last_applied}))
    // kubectl's warning, its binary's name where kubectl puts its own.
    ctx.err << "Warning: resource " << kind.plural << "/" << name_of(m) << " is missing the "
            << last_applied << " annotation which is required by troupe apply. troupe apply "
               "should only be used on resources created declaratively by either troupe create "
               "--save-config or troupe apply. The missing annotation will be patched "
               "automatically.\n";
  node patch = apply_patch(current, desired);
  if (ctx.dry_run()) {
    const char* word = patch_changes(current, patch, nullptr) ? "configured" : "unchanged";
    return {codec::strategic_merge_patch(current, patch), word};
  }
  auto result = ctx.patch(kind, ns, name_of(m), patch, patch_type::strategic);
  node after = codec::encode_object(result.object, kind);
  return {after, patch_changes(current, patch, &after) ? "configured" : "unchanged"};
}

// --validate[=true|strict|warn|false|ignore], kubectl's values. Accepted and otherwise unused:
// the server always validates what it is sent.
void check_validate(const context& ctx) {
  auto v = ctx.flags.get("validate", "strict");
  TROUPE_REQUIRE(v == "true" || v == "strict" || v == "warn" || v == "false" || v == "ignore",
                 api_errc::bad_request,
                 "invalid - validate option " + quote(v) +
                     "; must be one of: strict (or true), warn, ignore (or false)");
}

}  // namespace

int cmd_apply(context& ctx) {
  check_validate(ctx);
  auto format = ctx.flags.get("output");
  check_object_format(format);
  auto manifests = read_manifests(ctx);
  // A generated name would create a new object on every apply; refused before anything is sent.
  for (auto& [m, error] : manifests) {
    if (!error.empty()) continue;
    auto generate = text_at(m.tree, {"metadata", "generateName"});
    TROUPE_REQUIRE(!name_of(m).empty() || generate.empty(), api_errc::bad_request,
                   "from " + generate + ": cannot use generate name with apply");
  }
  bool first = true;
  return for_each_manifest(
      ctx, manifests, "applying", [&](const codec::manifest& m, const std::string& ns) {
        auto [object, word] = apply_one(ctx, m, ns);
        if (format.empty())
          ctx.out << object_ref(*m.kind, object) << " " << word << ctx.dry_run_suffix() << "\n";
        else
          ctx.out << object_as(format, *m.kind, object, first);
        first = false;
      });
}

namespace {

// Creates each document, printing what -o asks for (`pod/x created` by default).
int create_all(context& ctx, const std::vector<document>& documents, const char* done = "created",
               std::ostream* to = nullptr) {
  std::ostream& out = to ? *to : ctx.out;
  auto format = ctx.flags.get("output");
  check_object_format(format);
  bool first = true;
  return for_each_manifest(
      ctx, documents, "creating", [&](const codec::manifest& m, const std::string& ns) {
        // --save-config: the last-applied record apply would keep, so a later apply merges
        // against it.
        bool save = ctx.flags.on("save-config");
        node object = save ? desired_of(m) : m.tree;
        if (!ctx.dry_run()) {
          auto bytes = save ? codec::decode_object(object, *m.kind, m.origin) : m.bytes;
          object = codec::encode_object(
              ctx.api().call(api_verb::create, request_for(m, ns, bytes)).object, *m.kind);
        }
        if (format.empty())
          out << object_ref(*m.kind, object) << " " << done << ctx.dry_run_suffix() << "\n";
        else
          out << object_as(format, *m.kind, object, first);
        first = false;
      });
}

}  // namespace

int cmd_create(context& ctx) {
  check_validate(ctx);
  std::vector<document> documents;
  auto& args = ctx.flags.positional;
  if (!ctx.flags.has("filename") && !args.empty() && args[0] == "job" && ctx.flags.has("from")) {
    // --from=cronjob/NAME: the job the cron job would start, started now.
    auto from = ctx.flags.get("from");
    auto slash = from.find('/');
    const kind_info* from_kind = slash == std::string::npos ? nullptr : ctx.kinds.find_resource(from.substr(0, slash));
    TROUPE_REQUIRE(from_kind && from_kind->kind == "CronJob" && slash + 1 < from.size(), api_errc::bad_request,
                   "--from: from must be an existing cronjob, as cronjob/NAME, got " + quote(from));
    TROUPE_REQUIRE(args.size() == 2, api_errc::bad_request, "NAME is required for create job");
    TROUPE_REQUIRE(!ctx.flags.has("image"), api_errc::bad_request, "--image and --from cannot be given together");
    TROUPE_REQUIRE(ctx.flags.after_dashes.empty(), api_errc::bad_request, "cannot specify --from and command");
    auto cron_job = codec::encode_object(ctx.get(*from_kind, ctx.ns(), from.substr(slash + 1)).object, *from_kind);
    add_documents(job_from_cron_job(args[1], cron_job), "create job", ctx.kinds, documents);
  } else if (!ctx.flags.has("filename") && !args.empty()) {
    add_documents(generated_manifest(args, ctx.flags, ctx.kinds), "create " + args[0], ctx.kinds, documents);
  } else
    documents = read_manifests(ctx);
  return create_all(ctx, documents);
}

int cmd_run(context& ctx) {
  auto manifests = run_manifests(ctx.flags.positional, ctx.flags.after_dashes, ctx.flags);
  std::vector<document> pod, service;
  add_documents(manifests[0], "run " + ctx.flags.positional[0], ctx.kinds, pod);
  // As kubectl: the pod first, and its Service only once the pod is there; the Service's
  // line still comes first.
  std::ostringstream pod_line;
  int status = create_all(ctx, pod, "created", &pod_line);
  bool service_printed = false;
  if (status == 0 && manifests.size() > 1) {
    add_documents(manifests[1], "run " + ctx.flags.positional[0], ctx.kinds, service);
    status = create_all(ctx, service);
    service_printed = status == 0;
  }
  if (service_printed && ctx.flags.get("output") == "yaml") ctx.out << "---\n";  // two documents
  ctx.out << pod_line.str();
  return status;
}

int cmd_expose(context& ctx) {
  auto args = parse_resource_args(ctx, "you must provide one or more resources by argument or filename");
  TROUPE_REQUIRE(args.named.size() == 1, api_errc::bad_request,
                 "expose takes one object, as TYPE NAME or TYPE/NAME");
  auto& [kind, name] = args.named[0];
  auto object = codec::encode_object(ctx.get(*kind, ctx.ns_for(*kind), name).object, *kind);
  std::vector<document> documents;
  add_documents(exposed_service(*kind, object, ctx.flags), "expose " + name, ctx.kinds, documents);
  return create_all(ctx, documents, "exposed");
}

namespace {

void delete_one(context& ctx, const kind_info& kind, const std::string& ns, const std::string& name,
                int64_t grace);

// replace --force: the object deleted (waiting until it is gone), then created anew from the
// manifest, as kubectl's forceReplace does; the manifest's resourceVersion and uid, which
// named the old object, are dropped.
void recreate(context& ctx, const codec::manifest& m, const std::string& ns) {
  delete_one(ctx, *m.kind, ns, name_of(m), -1);
  node fresh = m.tree;
  if (node* meta = fresh.find("metadata"); meta && meta->is_map()) {
    meta->erase("resourceVersion");
    meta->erase("uid");
  }
  if (!ctx.dry_run())
    ctx.api().call(api_verb::create, request_for(m, ns, codec::decode_object(fresh, *m.kind, m.origin)));
  ctx.out << m.kind->singular_resource() << "/" << name_of(m) << " replaced" << ctx.dry_run_suffix()
          << "\n";
}

}  // namespace

int cmd_replace(context& ctx) {
  check_validate(ctx);
  return for_each_manifest(ctx, read_manifests(ctx), "replacing",
                           [&](const codec::manifest& m, const std::string& ns) {
                             if (ctx.flags.on("force")) return recreate(ctx, m, ns);
                             if (!ctx.dry_run())
                               ctx.api().call(api_verb::update, request_for(m, ns, m.bytes));
                             ctx.out << m.kind->singular_resource() << "/" << name_of(m)
                                     << " replaced" << ctx.dry_run_suffix() << "\n";
                           });
}

namespace {

// The grace period as kubectl's delete settles it: --grace-period N (negative: the object's
// own, -1), --now (1 s; not with --grace-period), 0 only with --force (a bare 0 is 1, as
// kubectl guards against it), and --force alone is 0.
int64_t grace_period(const context& ctx) {
  auto text = ctx.flags.get("grace-period", "-1");
  auto n = parse_int(text);
  TROUPE_REQUIRE(n, api_errc::bad_request, "--grace-period: invalid value " + quote(text));
  int64_t grace = std::max<int64_t>(*n, -1);
  if (ctx.flags.on("now")) {
    TROUPE_REQUIRE(grace == -1, api_errc::bad_request,
                   "--now and --grace-period cannot be specified together");
    grace = 1;
  }
  bool force = ctx.flags.on("force");
  if (grace == 0 && !force) grace = 1;
  if (force && grace < 0) grace = 0;
  return grace;
}

// --cascade=background|foreground|orphan (true and false are kubectl's old spellings of
// background and orphan): what happens to the object's dependents.
propagation cascade(const context& ctx) {
  auto text = ctx.flags.get("cascade", "background");
  if (text == "background" || text == "true") return propagation::background;
  if (text == "foreground") return propagation::foreground;
  if (text == "orphan" || text == "false") return propagation::orphan;
  throw api_error(api_errc::bad_request,
                  "invalid cascade value (" + text +
                      "). Must be \"background\", \"foreground\", or \"orphan\".");
}

// Deletes one object and, with --wait (the default), waits until it is gone: an object held
// by finalizers or a graceful pod deletion outlives the call.
void delete_one(context& ctx, const kind_info& kind, const std::string& ns, const std::string& name,
                int64_t grace) {
  api_request req;
  req.resource = kind.resource();
  req.ns = ns;
  req.name = name;
  req.grace_period = grace;
  req.propagation = static_cast<uint8_t>(cascade(ctx));
  if (ctx.dry_run()) {
    ctx.get(kind, ns, name);  // a missing object is an error, as without --dry-run
    ctx.out << kind.singular_resource() << " " << quote(name)
            << (req.grace_period == 0 ? " force deleted" : " deleted") << " (dry run)\n";
    return;
  }
  ctx.api().call(api_verb::remove, req);
  ctx.out << kind.singular_resource() << " " << quote(name)
          << (req.grace_period == 0 ? " force deleted" : " deleted") << ctx.dry_run_suffix() << "\n";
  ctx.out.flush();
  if (!ctx.flags.on("wait", true) || ctx.server_dry_run()) return;
  try {
    auto still = ctx.get(kind, ns, name);
    req.field_selector = "metadata.name=" + name;
    req.name.clear();
    req.resource_version = still.revision;
    ctx.api().watch(req, false, [](const rpc::event& ev) { return ev.type != 3; });
  } catch (const rpc::server_error& e) {
    if (e.code() != api_errc::not_found) throw;
  }
}

}  // namespace

std::vector<object_key> file_objects(context& ctx) {
  std::vector<object_key> out;
  for (auto& [m, error] : read_manifests(ctx)) {
    TROUPE_REQUIRE(error.empty(), api_errc::bad_request, error);
    out.push_back({m.kind, namespace_of(ctx, m), name_of(m)});
  }
  return out;
}

int cmd_delete(context& ctx) {
  auto& extra = ctx.flags.positional;
  TROUPE_REQUIRE(!ctx.flags.has("filename") || extra.empty(), api_errc::bad_request,
                 "Unexpected args: [" + join(extra, " ") + "]");
  if (grace_period(ctx) == 0)  // checks the flags before anything is sent, too
    ctx.err << "Warning: Immediate deletion does not wait for confirmation that the running "
               "resource has been terminated. The resource may continue to run on the cluster "
               "indefinitely.\n";
  if (ctx.flags.has("filename"))
    return for_each_manifest(ctx, read_manifests(ctx), "deleting",
                             [&](const codec::manifest& m, const std::string& ns) {
                               delete_one(ctx, *m.kind, ns, name_of(m), grace_period(ctx));
                             });
  auto args = parse_resource_args(ctx, "you must provide one or more resources by argument or filename");
  auto victims = chosen_objects(ctx, args);
  if (victims.empty()) ctx.err << "No resources found\n";
  int status = 0;
  for (auto& v : victims) {
    try {
      delete_one(ctx, *v.kind, v.ns, v.name, grace_period(ctx));
    } catch (const rpc::server_error& e) {
      if (e.code() == api_errc::not_found && ctx.flags.on("ignore-not-found")) continue;
      print_server_error(ctx.err, e);
      status = 1;
    }
  }
  return status;
}

namespace {

// kubectl diff's masking of Secret values: "***", or "*** (before)" / "*** (after)" where a
// value changes, so a diff shows which keys change without showing what they hold. Unlike
// kubectl, the last-applied record (which holds the manifest's values) is masked too.
void mask_secret(node* live, node* merged) {
  auto record = [](node* secret) -> node* {
    node* annotations = secret ? secret->find("metadata") : nullptr;
    annotations = annotations && annotations->is_map() ? annotations->find("annotations") : nullptr;
    node* value = annotations && annotations->is_map() ? annotations->find(last_applied) : nullptr;
    return value && value->is_scalar() ? value : nullptr;
  };
  node *record_before = record(live), *record_after = record(merged);
  bool record_changed = record_before && record_after && !(*record_before == *record_after);
  if (record_before) *record_before = node::string(record_changed ? "*** (before)" : "***");
  if (record_after) *record_after = node::string(record_changed ? "*** (after)" : "***");
  for (const char* field : {"data", "stringData"}) {
    node* before = live && live->find(field) && live->find(field)->is_map() ? live->find(field) : nullptr;
    node* after = merged && merged->find(field) && merged->find(field)->is_map() ? merged->find(field) : nullptr;
    if (before && after)
      for (auto& [key, value] : after->entries())
        if (node* old = before->find(key); old && !(*old == value)) {
          *old = node::string("*** (before)");
          value = node::string("*** (after)");
        }
    for (node* side : {before, after})
      if (side)
        for (auto& [key, value] : side->entries())
          if (!starts_with(value.text(), "*** (")) value = node::string("***");
  }
}

// A file name as kubectl diff gives each object: group.version.Kind.namespace.name.
std::string diff_file_name(const kind_info& kind, const std::string& ns, const std::string& name) {
  std::string version = kind.api_version();
  std::replace(version.begin(), version.end(), '/', '.');
  return version + "." + kind.kind + "." + (ns.empty() ? "" : ns + ".") + name;
}

// `diff -u -N FROM TO`, or as kubectl runs $KUBECTL_EXTERNAL_DIFF: split at spaces, the
// program, FROM, TO, then its flags that are plain ([a-zA-Z0-9-=]; others are dropped).
std::vector<std::string> diff_command(const std::string& from, const std::string& to) {
  const char* external = std::getenv("KUBECTL_EXTERNAL_DIFF");
  if (!external || !*external) return {"diff", "-u", "-N", from, to};
  std::vector<std::string> words;
  for (auto& word : split(external, ' ')) {
    if (word.empty()) continue;
    bool plain = std::all_of(word.begin(), word.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '=';
    });
    if (words.empty()) words.insert(words.end(), {word, from, to});
    else if (plain) words.push_back(word);
  }
  return words;
}

// Runs `argv` (no shell) with its output on `out`: the process's own stdout when `out` is
// std::cout (so a tool that colours for a terminal still can), else through a pipe. Its exit
// code, 2 if a signal ended it.
int run_into(const std::vector<std::string>& argv, std::ostream& out) {
  bool direct = &out == &std::cout;
  out.flush();
  int fds[2] = {-1, -1};
  if (!direct)
    TROUPE_REQUIRE(::pipe2(fds, O_CLOEXEC) == 0, api_errc::internal,
                   "diff: cannot make a pipe: " + std::string(std::strerror(errno)));
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (!direct) posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (!direct) ::close(fds[1]);
  if (rc != 0) {
    if (!direct) ::close(fds[0]);
    throw api_error(api_errc::internal, "diff: cannot run " + quote(argv[0]) + ": " + std::strerror(rc));
  }
  char buffer[4096];
  for (ssize_t n; !direct && (n = ::read(fds[0], buffer, sizeof buffer)) != 0;) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    out.write(buffer, n);
  }
  if (!direct) ::close(fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 2;
}

}  // namespace

namespace {

int diff_documents(context& ctx) {
  auto documents = read_manifests(ctx);
  ctx.flags.add("dry-run", "server");  // the merged side is what the server would store
  std::string pattern = (fs::temp_directory_path() / "troupe-diff-XXXXXX").string();
  TROUPE_REQUIRE(::mkdtemp(pattern.data()), api_errc::internal,
                 "diff: cannot make a temporary directory: " + std::string(std::strerror(errno)));
  fs::path base = pattern;
  struct cleanup {
    fs::path dir;
    ~cleanup() {
      std::error_code ignored;
      fs::remove_all(dir, ignored);
    }
  } remove_later{base};
  auto live_dir = base / "LIVE", merged_dir = base / "MERGED";
  fs::create_directories(live_dir);
  fs::create_directories(merged_dir);
  int status = for_each_manifest(ctx, documents, "diffing", [&](const codec::manifest& m, const std::string& ns) {
    auto& kind = *m.kind;
    node desired = desired_of(m);
    auto live = live_of(ctx, m, ns);
    std::optional<node> before;
    node after;
    if (!live) {
      auto req = request_for(m, ns, codec::decode_object(desired, kind, m.origin));
      after = codec::encode_object(ctx.api().call(api_verb::create, req).object, kind);
    } else {
      before = codec::encode_object(live->object, kind);
      after = codec::encode_object(
          ctx.patch(kind, ns, name_of(m), apply_patch(*before, desired), patch_type::strategic).object, kind);
    }
    if (kind.kind == "Secret") mask_secret(before ? &*before : nullptr, &after);
    if (auto* meta = after.find("metadata"); meta && text_at(*meta, {"resourceVersion"}).empty())
      meta->erase("resourceVersion");  // a new object has none yet
    auto file = diff_file_name(kind, ns, text_at(after, {"metadata", "name"}));
    if (before) std::ofstream(live_dir / file) << codec::to_yaml(*before);
    std::ofstream(merged_dir / file) << codec::to_yaml(after);
  });
  // Exit codes as kubectl diff: 0 no differences, 1 differences, above 1 an error.
  int diff_status = run_into(diff_command(live_dir.string(), merged_dir.string()), ctx.out);
  if (status != 0) return std::max(diff_status, 2);  // an object could not be diffed
  return diff_status;
}

}  // namespace

int cmd_diff(context& ctx) {
  // 1 means "differences", so an error is 2 here, as in kubectl diff.
  try {
    return diff_documents(ctx);
  } catch (const rpc::server_error& e) {
    print_server_error(ctx.err, e);
  } catch (const api_error& e) {
    ctx.err << "error: " << e.message() << "\n";
  } catch (const std::exception& e) {  // the temporary files could not be written
    ctx.err << "error: diff: " << e.what() << "\n";
  }
  return 2;
}

}  // namespace troupe::cli
