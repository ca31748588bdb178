// `troupe apply|create|run|expose|replace|delete`: manifests from files, directories, stdin or
// generators.

#include <algorithm>
#include <filesystem>
#include <sstream>

#include "runtime/base/file.hpp"
#include "runtime/base/text.hpp"
#include "runtime/cli/context.hpp"
#include "runtime/cli/output.hpp"
#include "runtime/cli/generate.hpp"
#include "runtime/cli/manifests.hpp"
#include "runtime/cli/printers.hpp"
#include "runtime/codec/json.hpp"
#include "runtime/codec/object_codec.hpp"
#include "runtime/codec/patch.hpp"
#include "runtime/codec/yaml.hpp"
#include "runtime/object/selector.hpp"

namespace troupe::cli {
namespace {

using codec::node;
namespace fs = std::filesystem;

std::string read_manifest_file(const std::string& path) {
  return read_file(path, "the path " + quote(path) + " does not exist");
}

bool is_manifest_file(const fs::path& p) {
  auto ext = p.extension().string();
  return ext == ".yaml" || ext == ".yml" || ext == ".json";
}

// A codec error's message without the file name it starts with (the error line names it).
std::string without_source(const std::string& message, const std::string& source) {
  std::string_view why = message;
  if (starts_with(why, source)) why = trim(why.substr(source.size()));
  if (starts_with(why, ":")) why = trim(why.substr(1));
  return std::string(why);
}

// The error line for a document of `source` that does not decode, as kubectl words it: an
// unknown kind has no resource mapping, anything else fails validation. The message's own
// prefix (`origin`: "cm.yaml doc 2") goes: kubectl names the file, and the line is given.
std::string decode_error(const codec::node& doc, const std::string& source, const std::string& origin,
                         const kind_registry& kinds, const api_error& e) {
  auto kind = text_at(doc, {"kind"}), version = text_at(doc, {"apiVersion"});
  if (doc.is_map() && !kind.empty() && !version.empty() && kind != "List" &&
      !kinds.find(version, kind))
    return "resource mapping not found for name: " + quote(text_at(doc, {"metadata", "name"})) +
           " namespace: " + quote(text_at(doc, {"metadata", "namespace"})) + " from " +
           quote(source) + ": no matches for kind " + quote(kind) + " in version " + quote(version);
  // kubectl's schema check of a document without its type.
  if (doc.is_map() && (kind.empty() || version.empty())) {
    std::string missing = version.empty() && kind.empty() ? "[apiVersion not set, kind not set]"
                          : version.empty()                ? "apiVersion not set"
                                                           : "kind not set";
    return "error validating " + quote(source) + ": error validating data: " + missing +
           "; if you choose to ignore these errors, turn validation off with --validate=false";
  }
  return "error validating " + quote(source) + ": " + without_source(e.message(), origin);
}

// The documents of one file's text. Text that does not parse stops the whole file before
// anything of it is sent; a document that does not decode stops only itself.
// Unknown fields in the documents a user wrote: --validate's strict (an error), warn (each
// dropped with a warning on `warnings`) or ignore (dropped), as the API server's fieldValidation
// treats them for kubectl.
struct unknown_fields {
  bool drop = false;
  std::ostream* warnings = nullptr;
};

void add_documents(const std::string& text, const std::string& source, const kind_registry& kinds,
                   std::vector<document>& out, unknown_fields unknown = {}) {
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
    out.push_back({{}, "error parsing " + source + ": " + without_source(e.message(), source), source, std::nullopt});
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
    if (const kind_info* kind = doc.is_map() ? kinds.find(text_at(doc, {"apiVersion"}), text_at(doc, {"kind"})) : nullptr;
        kind && unknown.drop)
      for (auto& path : codec::drop_unknown_fields(doc, *kind))
        if (unknown.warnings) *unknown.warnings << "Warning: unknown field " << quote(path) << "\n";
    try {
      for (auto& m : codec::decode_manifest_document(doc, origin, kinds))
        out.push_back({std::move(m), "", source, std::nullopt});
    } catch (const api_error& e) {
      out.push_back({{}, decode_error(doc, source, origin, kinds, e), source, std::nullopt});
    }
  }
}

}  // namespace

std::vector<document> read_manifests(context& ctx, const char* verb) {
  auto paths = comma_values(ctx.flags, "filename");  // -f a.yaml,b.yaml is two files, as in kubectl
  TROUPE_REQUIRE(!paths.empty(), api_errc::bad_request, "must specify one of -f and -k");
  std::vector<document> out;
  auto validate = ctx.flags.get("validate", "strict");
  unknown_fields unknown{validate == "warn" || validate == "false" || validate == "ignore",
                         validate == "warn" ? &ctx.err : nullptr};
  auto add = [&](const std::string& text, const std::string& source) {
    add_documents(text, source, ctx.kinds, out, unknown);
  };
  for (auto& path : paths) {
    if (path == "-") {
      std::stringstream text;
      text << ctx.in.rdbuf();
      add(text.str(), "STDIN");  // kubectl's name for it in messages
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
      for (auto& f : files) add(read_manifest_file(f.string()), f.string());
    } else {
      add(read_manifest_file(path), path);
    }
  }
  TROUPE_REQUIRE(!out.empty(), api_errc::bad_request, std::string("no objects passed to ") + verb);
  if (ctx.flags.has("selector")) {
    // kubectl's FilteredVisitor: only the documents whose own labels match (get, describe and
    // delete -f take -l); one that did not decode is still reported.
    auto selector = label_selector::parse(ctx.flags.get("selector"));
    out.erase(std::remove_if(out.begin(), out.end(),
                             [&](const document& d) {
                               std::map<std::string, std::string> labels;
                               if (const node* l = lookup(d.m.tree, {"metadata", "labels"}); l && l->is_map())
                                 for (auto& [k, v] : l->entries())
                                   if (v.is_scalar()) labels[k] = v.text();
                               return d.error.empty() && !selector.matches(labels);
                             }),
              out.end());
  }
  return out;
}

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

namespace {

// What apply records as the last-applied configuration: the manifest without that
// annotation (as kubectl does), so applying a dump of a live object does not nest the old
// record inside the new one. kubectl sets the annotations it encodes the record from, so its
// records always carry `"annotations":{}` at least; the same here keeps the two tools' records
// alike.
node without_last_applied(node tree) {
  node* meta = tree.find("metadata");
  if (!meta || !meta->is_map()) return tree;
  node* annotations = meta->find("annotations");
  if (!annotations || !annotations->is_map()) annotations = &meta->set("annotations", node::map());
  annotations->erase(last_applied);
  return tree;
}

node with_annotation(node tree, const std::string& key, const std::string& value) {
  node* meta = tree.find("metadata");
  node* annotations = meta->find("annotations");
  if (!annotations || !annotations->is_map()) annotations = &meta->set("annotations", node::map());
  annotations->set(key, node::string(value));
  return tree;
}

}  // namespace

api_request request_for(const codec::manifest& m, const std::string& ns, std::string object) {
  api_request req;
  req.resource = m.kind->resource();
  req.ns = ns;
  req.name = name_of(m);
  req.object = std::move(object);
  return req;
}


node desired_of(const codec::manifest& m, const std::string& ns) {
  node recorded = without_last_applied(m.tree);
  node* meta = recorded.find("metadata");
  if (!meta || !meta->is_map()) meta = &recorded.set("metadata", node::map());
  // As kubectl records it: with the namespace applied to, keys sorted, a closing newline.
  if (m.kind->namespaced && text_at(recorded, {"metadata", "namespace"}).empty())
    meta->set("namespace", node::string(ns));
  return with_annotation(recorded, last_applied, codec::to_go_json(recorded) + "\n");
}

std::optional<rpc::call_result> live_of(context& ctx, const codec::manifest& m, const std::string& ns) {
  try {
    if (!name_of(m).empty()) return ctx.get(*m.kind, ns, name_of(m));
  } catch (const rpc::server_error& e) {
    if (e.code() != api_errc::not_found) throw;
  }
  return std::nullopt;
}

node apply_patch(const node& current, const node& desired) {
  node previous = node::map();
  if (auto text = text_at(current, {"metadata", "annotations", last_applied}); !text.empty())
    previous = codec::parse_json(text, last_applied);
  return codec::three_way_patch(previous, desired);
}

namespace {

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
// `merged`: the patch applied to `current` here.
bool patch_changes(const node& current, const node& merged, const node* answer) {
  node before = managed_part(current);
  return managed_part(merged) != before && (!answer || managed_part(*answer) != before);
}

// What apply did to one object: the object as it now is (or, in a client dry run, would
// be) and kubectl's word for it.
struct applied {
  node object;
  const char* word;
};

// `doing`: what a server error is said to have happened in, as kubectl words it.
applied apply_one(context& ctx, const codec::manifest& m, const std::string& ns, std::string& doing) {
  auto& kind = *m.kind;
  node desired = desired_of(m, ns);
  auto live = live_of(ctx, m, ns);
  if (!live && ctx.dry_run()) return {desired, "created"};
  if (!live) {
    doing = "creating";
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
  node merged = codec::strategic_merge_patch(current, patch);
  if (ctx.dry_run()) {
    // Compared as the server would store it: `labels: {}` is no labels.
    node stored = codec::encode_object(codec::decode_object(merged, kind, m.origin), kind);
    return {merged, patch_changes(current, stored, nullptr) ? "configured" : "unchanged"};
  }
  auto result = ctx.patch(kind, ns, name_of(m), patch, patch_type::strategic);
  node after = codec::encode_object(result.object, kind);
  return {after, patch_changes(current, merged, &after) ? "configured" : "unchanged"};
}

// --validate[=true|strict|warn|false|ignore], kubectl's values: what becomes of fields the
// schema does not have (read_manifests); the server checks everything else whatever it says.
void check_validate(const context& ctx) {
  auto v = ctx.flags.get("validate", "strict");
  TROUPE_REQUIRE(v == "true" || v == "strict" || v == "warn" || v == "false" || v == "ignore",
                 api_errc::bad_request,
                 "invalid - validate option " + quote(v) +
                     "; must be one of: strict (or true), warn, ignore (or false)");
}

}  // namespace

void refuse_positional(const context& ctx) {
  auto& extra = ctx.flags.positional;
  TROUPE_REQUIRE(extra.empty(), api_errc::bad_request, "Unexpected args: [" + join(extra, " ") + "]");
}

int cmd_apply(context& ctx) {
  if (!ctx.flags.positional.empty() && is_apply_subcommand(ctx.flags.positional[0]))
    return cmd_apply_subcommand(ctx);
  TROUPE_REQUIRE(!ctx.flags.has("create-annotation"), api_errc::bad_request,
                 "--create-annotation is a flag of apply set-last-applied");
  refuse_positional(ctx);
  check_validate(ctx);
  auto format = output_format(ctx);
  check_object_format(format);
  auto manifests = read_manifests(ctx, "apply");
  // -l applies only the documents whose labels match, and none is kubectl's error.
  TROUPE_REQUIRE(!manifests.empty(), api_errc::bad_request, "no objects passed to apply");
  // A generated name would create a new object on every apply; refused before anything is sent.
  for (auto& [m, error, source, generated] : manifests) {
    if (!error.empty()) continue;
    auto generate = text_at(m.tree, {"metadata", "generateName"});
    TROUPE_REQUIRE(!name_of(m).empty() || generate.empty(), api_errc::bad_request,
                   "from " + generate + ": cannot use generate name with apply");
    // No name at all: kubectl's words when it cannot read the live object (the others go on).
    if (name_of(m).empty()) {
      auto& k = *m.kind;
      std::string gv = k.group + "/" + k.version;
      error = "error when retrieving current configuration of:\nResource: " + quote(gv + ", Resource=" + k.plural) +
              ", GroupVersionKind: " + quote(gv + ", Kind=" + k.kind) + "\nName: \"\", Namespace: " +
              quote(k.namespaced ? namespace_of(ctx, m) : "") + "\nfrom server for: " + quote(source) +
              ": resource name may not be empty";
    }
  }
  // -o yaml|json prints once at the end, as kubectl's apply: one object, or a List of them.
  std::vector<std::pair<const kind_info*, node>> applied_objects;
  std::string doing;
  int status = for_each_manifest(
      ctx, manifests, doing, [&](const codec::manifest& m, const std::string& ns) {
        doing = "applying";
        auto [object, word] = apply_one(ctx, m, ns, doing);
        if (format.empty())
          ctx.out << object_ref(*m.kind, object) << " " << word << ctx.dry_run_suffix() << "\n";
        else if (format == "name")
          ctx.out << object_as(format, *m.kind, object, true);
        else
          applied_objects.emplace_back(m.kind, std::move(object));
      });
  if (applied_objects.size() == 1) {
    ctx.out << object_as(format, *applied_objects[0].first, applied_objects[0].second, true);
  } else if (applied_objects.size() > 1) {
    std::vector<node> items;
    for (auto& [kind, object] : applied_objects) items.push_back(std::move(object));
    node list = list_of(std::move(items));
    list.set("metadata", node::map());  // kubectl's corev1.List with an empty ListMeta
    ctx.out << document_as(format, codec::with_sorted_keys(list), true);
  }
  return status;
}

namespace {

// What create and replace send instead of the manifest, if anything: with --save-config, or
// when the manifest carries a last-applied record already (a copy of a live object), the
// record apply would keep, so a later apply merges against this object and not the one
// copied (kubectl's CreateOrUpdateAnnotation).
std::optional<node> recorded_for(context& ctx, const codec::manifest& m, const std::string& ns) {
  if (ctx.flags.on("save-config") || lookup(m.tree, {"metadata", "annotations", last_applied}))
    return desired_of(m, ns);
  return std::nullopt;
}

// The object to send and its bytes: the manifest's own, or `instead`.
std::pair<node, std::string> to_send(const codec::manifest& m, std::optional<node> instead) {
  if (!instead) return {m.tree, m.bytes};
  auto bytes = codec::decode_object(*instead, *m.kind, m.origin);
  return {std::move(*instead), std::move(bytes)};
}

// Creates each document, printing what -o asks for (`pod/x created` by default).
int create_all(context& ctx, const std::vector<document>& documents, const char* done = "created",
               std::ostream* to = nullptr) {
  std::ostream& out = to ? *to : ctx.out;
  auto format = output_format(ctx);
  check_object_format(format);
  bool first = true;
  return for_each_manifest(
      ctx, documents, "creating", [&](const codec::manifest& m, const std::string& ns) {
        auto [object, bytes] = to_send(m, recorded_for(ctx, m, ns));
        if (!ctx.dry_run())
          object = codec::encode_object(ctx.api().call(api_verb::create, request_for(m, ns, bytes)).object, *m.kind);
        if (format.empty())
          out << object_ref(*m.kind, object) << " " << done << ctx.dry_run_suffix() << "\n";
        else
          out << object_as(format, *m.kind, object, first);
        first = false;
      });
}

}  // namespace

namespace {

// How kubectl's `create` subcommands word a failed create: most wrap the server's error, a
// few pass it on as it is ("").
std::string generator_failure(const std::vector<std::string>& args) {
  static const std::map<std::string, std::string> wrapped = {
      {"configmap", "failed to create configmap: "},
      {"cm", "failed to create configmap: "},
      {"deployment", "failed to create deployment: "},
      {"deploy", "failed to create deployment: "},
      {"job", "failed to create job: "},
      {"cronjob", "failed to create cronjob: "},
      {"cj", "failed to create cronjob: "},
      {"secret", "failed to create secret "},
      {"ingress", "failed to create ingress: "},
      {"ing", "failed to create ingress: "}};
  if ((args[0] == "service" || args[0] == "svc") && args.size() > 1) {
    static const std::map<std::string, std::string> types = {
        {"clusterip", "ClusterIP"}, {"nodeport", "NodePort"}, {"loadbalancer", "LoadBalancer"}, {"externalname", "ExternalName"}};
    auto type = types.find(args[1]);
    return "failed to create " + (type == types.end() ? args[1] : type->second) + " service: ";
  }
  auto it = wrapped.find(args[0]);
  return it == wrapped.end() ? "" : it->second;
}

}  // namespace

int cmd_create(context& ctx) {
  check_validate(ctx);
  std::vector<document> documents;
  auto& args = ctx.flags.positional;
  check_create_flags(args, ctx.flags);
  if (!ctx.flags.has("filename") && !args.empty() && args[0] == "job" && ctx.flags.has("from")) {
    // --from=cronjob/NAME: the job the cron job would start, started now.
    // kubectl's order: the NAME, the flags, then what --from names.
    TROUPE_REQUIRE(args.size() == 2, api_errc::bad_request,
                   "exactly one NAME is required, got " + std::to_string(args.size() - 1));
    TROUPE_REQUIRE(!ctx.flags.has("image"), api_errc::bad_request,
                   "either --image or --from must be specified");
    TROUPE_REQUIRE(ctx.flags.after_dashes.empty(), api_errc::bad_request,
                   "cannot specify --from and command");
    auto from = ctx.flags.get("from");
    auto slash = from.find('/');
    std::string type = from.substr(0, slash);
    const kind_info* from_kind = ctx.kinds.find_resource(type);
    TROUPE_REQUIRE(from_kind, api_errc::bad_request,
                   "the server doesn't have a resource type " + quote(type));
    TROUPE_REQUIRE(slash != std::string::npos && slash + 1 < from.size(), api_errc::bad_request,
                   "from must be an existing cronjob");
    auto named = ctx.get(*from_kind, ctx.ns_for(*from_kind), from.substr(slash + 1));
    // Any other kind is the typed object kubectl's switch does not know.
    TROUPE_REQUIRE(from_kind->kind == "CronJob", api_errc::bad_request,
                   "unknown object type *" + from_kind->version + "." + from_kind->kind);
    auto cron_job = codec::encode_object(named.object, *from_kind);
    add_documents(job_from_cron_job(args[1], cron_job, ctx.flags.get("namespace")), "create job", ctx.kinds, documents);
    for (auto& d : documents) d.generated_failure = "failed to create job: ";
  } else if (!ctx.flags.has("filename") && !args.empty()) {
    add_documents(generated_manifest(args, ctx.flags, ctx.kinds, ctx.err), "create " + args[0],
                  ctx.kinds, documents);
    for (auto& d : documents) d.generated_failure = generator_failure(args);
  } else {
    refuse_positional(ctx);
    documents = read_manifests(ctx, "create");
  }
  return create_all(ctx, documents);
}

int cmd_run(context& ctx) {
  auto manifests = run_manifests(ctx.flags.positional, ctx.flags.after_dashes, ctx.flags);
  std::vector<document> pod, service;
  add_documents(manifests[0], "run " + ctx.flags.positional[0], ctx.kinds, pod);
  for (auto& d : pod) d.generated_failure = "";  // kubectl's run names no file in its errors
  // As kubectl: the pod first, and its Service only once the pod is there; the Service's
  // line still comes first.
  std::ostringstream pod_line;
  int status = create_all(ctx, pod, "created", &pod_line);
  bool service_printed = false;
  if (status == 0 && manifests.size() > 1) {
    add_documents(manifests[1], "run " + ctx.flags.positional[0], ctx.kinds, service);
    for (auto& d : service) d.generated_failure = "";
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
  for (auto& d : documents)
    d.generated_failure = "";  // kubectl's expose names no file in its errors
  return create_all(ctx, documents, "exposed");
}

namespace {

// replace --force: the object deleted (waiting until it is gone), then created anew from the
// manifest, as kubectl's forceReplace does (which creates one that was not there); the
// manifest's resourceVersion and uid, which named the old object, are dropped.
void recreate(context& ctx, const codec::manifest& m, const std::string& ns) {
  try {
    delete_and_wait(ctx, *m.kind, ns, name_of(m));
  } catch (const rpc::server_error& e) {
    if (e.code() != api_errc::not_found) throw;
  }
  node fresh = recorded_for(ctx, m, ns).value_or(m.tree);
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
  refuse_positional(ctx);
  check_validate(ctx);
  auto format = output_format(ctx);
  check_object_format(format);
  bool first = true;
  auto documents = read_manifests(ctx, "replace");
  std::vector<const kind_info*> kinds;
  for (auto& d : documents)
    if (d.m.kind) kinds.push_back(d.m.kind);
  bool status = ctx.status_subresource(kinds);
  TROUPE_REQUIRE(!status || !ctx.flags.on("force"), api_errc::bad_request,
                 "--force cannot be used with --subresource");
  return for_each_manifest(ctx, documents, "replacing",
                           [&](const codec::manifest& m, const std::string& ns) {
                             if (ctx.flags.on("force")) return recreate(ctx, m, ns);
                             auto verb = status ? api_verb::update_status : api_verb::update;
                             auto [replaced, bytes] = to_send(m, status ? std::nullopt : recorded_for(ctx, m, ns));
                             if (!ctx.dry_run())
                               replaced = codec::encode_object(
                                   ctx.api().call(verb, request_for(m, ns, bytes)).object, *m.kind);
                             if (!format.empty())
                               ctx.out << object_as(format, *m.kind, replaced, std::exchange(first, false));
                             else
                               ctx.out << m.kind->singular_resource() << "/" << name_of(m) << " replaced"
                                       << ctx.dry_run_suffix() << "\n";
                           });
}

std::vector<object_key> file_objects(context& ctx) {
  std::vector<object_key> out;
  for (auto& [m, error, source, generated] : read_manifests(ctx, "get")) {
    TROUPE_REQUIRE(error.empty(), api_errc::bad_request, error);
    out.push_back({m.kind, namespace_of(ctx, m), name_of(m)});
  }
  return out;
}

}  // namespace troupe::cli
