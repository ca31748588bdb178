// `troupe get`: tables, -o yaml|json|name|wide|jsonpath=..., selectors, -A, --watch.

#include "runtime/base/text.hpp"
#include "runtime/base/time.hpp"
#include "runtime/cli/context.hpp"
#include "runtime/cli/printers.hpp"
#include "runtime/codec/json.hpp"
#include "runtime/codec/object_codec.hpp"
#include "runtime/codec/yaml.hpp"

namespace troupe::cli {
namespace {

using codec::node;

struct target {
  const kind_info* kind = nullptr;
  std::vector<std::string> names;
};

// `get pods a b`, `get pod/a deploy/b`, `get pods,services`.
std::vector<target> targets_of(context& ctx) {
  auto args = parse_resource_args(ctx, "you must specify the type of resource to get (see `troupe api-resources`)");
  std::vector<target> out;
  for (auto* kind : args.types)
    if (args.named.empty()) out.push_back({kind, {}});
  for (auto& [kind, name] : args.named) {
    if (out.empty() || out.back().kind != kind) out.push_back({kind, {}});
    out.back().names.push_back(name);
  }
  return out;
}

std::string output_format(const context& ctx) { return ctx.flags.get("output"); }

void check_format(const std::string& format) {
  bool known = format.empty() || format == "wide" || format == "yaml" || format == "json" ||
               format == "name" || starts_with(format, "jsonpath=");
  TROUPE_REQUIRE(known, api_errc::bad_request,
                 "--output: unknown format " + quote(format) +
                     " (choose wide, yaml, json, name or jsonpath=TEMPLATE)");
}

void print(context& ctx, const kind_info& kind, std::vector<node> objects, bool single,
           bool headers = true, std::vector<size_t>* widths = nullptr) {
  auto format = output_format(ctx);
  if (format == "yaml" || format == "json") {
    node doc = single && objects.size() == 1 ? std::move(objects[0]) : list_of(std::move(objects));
    ctx.out << (format == "yaml" ? codec::to_yaml(doc) : codec::to_json(doc, 4) + "\n");
  } else if (format == "name") {
    for (auto& o : objects) ctx.out << object_ref(kind, o) << "\n";
  } else if (starts_with(format, "jsonpath=")) {
    node doc = single && objects.size() == 1 ? std::move(objects[0]) : list_of(std::move(objects));
    ctx.out << jsonpath(format.substr(9), doc) << "\n";
  } else {
    table_options options;
    options.wide = format == "wide";
    options.with_namespace = ctx.all_namespaces() && kind.namespaced;
    options.headers = headers && !ctx.flags.on("no-headers");
    options.now = ctx.now();
    options.widths = widths;
    for (auto& keys : ctx.flags.all("label-columns"))
      for (auto& key : split(keys, ','))
        if (!key.empty()) options.label_columns.push_back(key);
    options.show_labels = ctx.flags.on("show-labels");
    ctx.out << print_table(kind, objects, options);
  }
}

void no_resources(context& ctx, const kind_info& kind) {
  if (!kind.namespaced || ctx.all_namespaces())
    ctx.err << "No resources found\n";
  else
    ctx.err << "No resources found in " << ctx.ns() << " namespace.\n";
}

// Prints one row (or document) per change, starting after `revision`, until interrupted.
int watch(context& ctx, const kind_info& kind, uint64_t revision, const std::string& name,
          std::vector<size_t>& widths) {
  api_request req;
  req.resource = kind.resource();
  req.ns = ctx.all_namespaces() ? "" : ctx.ns_for(kind);
  req.label_selector = ctx.flags.get("selector");
  req.field_selector = ctx.flags.get("field-selector");
  if (!name.empty()) req.field_selector = "metadata.name=" + name;
  req.resource_version = revision;
  auto patience = std::chrono::milliseconds(
      parse_duration_ms(ctx.flags.get("timeout", "8760h")).value_or(0));
  ctx.api().watch(req, false, [&](const rpc::event& ev) {
    if (ev.object.empty()) return true;
    print(ctx, kind, {codec::encode_object(ev.object, kind)}, true, false, &widths);
    ctx.out.flush();
    return true;
  }, patience);
  return 0;
}

}  // namespace

int cmd_get(context& ctx) {
  check_format(output_format(ctx));
  auto targets = targets_of(ctx);
  for (auto& t : targets)
    TROUPE_REQUIRE(t.names.empty() || !ctx.flags.has("selector"), api_errc::bad_request,
                   "name cannot be provided when a selector is specified");
  bool ignore_not_found = ctx.flags.on("ignore-not-found");
  bool watching = ctx.flags.on("watch");
  std::vector<size_t> widths;
  int status = 0;
  for (auto& t : targets) {
    auto& kind = *t.kind;
    widths.clear();
    std::string ns = ctx.all_namespaces() ? "" : ctx.ns_for(kind);
    std::vector<node> objects;
    uint64_t revision = 0;
    if (t.names.empty()) {
      auto result = ctx.list(kind, ns, ctx.flags.get("selector"), ctx.flags.get("field-selector"));
      for (auto& item : result.items) objects.push_back(codec::encode_object(item, kind));
      revision = result.revision;
      if (objects.empty() && !watching && output_format(ctx).empty()) {
        if (!ignore_not_found) no_resources(ctx, kind);
      } else
        print(ctx, kind, std::move(objects), false, true, &widths);
    } else {
      TROUPE_REQUIRE(!ctx.all_namespaces(), api_errc::bad_request,
                     "a resource cannot be retrieved by name across all namespaces");
      for (auto& name : t.names) {
        try {
          auto result = ctx.get(kind, ns, name);
          objects.push_back(codec::encode_object(result.object, kind));
          revision = std::max(revision, result.revision);
        } catch (const rpc::server_error& e) {
          if (ignore_not_found && e.code() == api_errc::not_found) continue;
          print_server_error(ctx.err, e);
          status = 1;
        }
      }
      if (!objects.empty())
        print(ctx, kind, std::move(objects), t.names.size() == 1, true, &widths);
    }
    ctx.out.flush();
    if (watching) {
      TROUPE_REQUIRE(targets.size() == 1 && t.names.size() <= 1, api_errc::bad_request,
                     "--watch takes one resource type and at most one name");
      return watch(ctx, kind, revision, t.names.empty() ? "" : t.names[0], widths);
    }
  }
  return status;
}

}  // namespace troupe::cli
