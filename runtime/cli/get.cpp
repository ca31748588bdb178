// `troupe get`: tables (one per kind), -o yaml|json|name|wide|jsonpath=...|custom-columns=...,
// --sort-by, selectors, -A, --watch.

#include <algorithm>
#include <fstream>
#include <iterator>
#include <optional>
#include <sstream>

#include "runtime/base/file.hpp"
#include "runtime/base/text.hpp"
#include "runtime/base/time.hpp"
#include "runtime/cli/context.hpp"
#include "runtime/cli/output.hpp"
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
  std::optional<std::string> ns;  ///< a manifest's (get -f), else -n's
};

// `get pods a b`, `get pod/a deploy/b`, `get pods,services`, `get -f FILE`.
std::vector<target> targets_of(context& ctx) {
  if (ctx.flags.has("filename")) {
    TROUPE_REQUIRE(ctx.flags.positional.empty(), api_errc::bad_request,
                   "Unexpected args: [" + join(ctx.flags.positional, " ") + "]");
    std::vector<target> out;
    for (auto& o : file_objects(ctx)) {
      if (out.empty() || out.back().kind != o.kind || out.back().ns != o.ns)
        out.push_back({o.kind, {}, o.ns});
      out.back().names.push_back(o.name);
    }
    return out;
  }
  auto args = parse_resource_args(ctx, "you must specify the type of resource to get (see `troupe api-resources`)");
  std::vector<target> out;
  for (auto* kind : args.types)
    if (args.named.empty()) out.push_back({kind, {}, {}});
  for (auto& [kind, name] : args.named) {
    if (out.empty() || out.back().kind != kind) out.push_back({kind, {}, {}});
    out.back().names.push_back(name);
  }
  return out;
}

// kubectl's custom-columns file: a line of headers over a line of paths, as many of each.
std::string custom_columns_from_file(const std::string& path) {
  std::ifstream file(path);
  TROUPE_REQUIRE(file.good(), api_errc::bad_request,
                 "--output: custom-columns-file " + quote(path) + " cannot be read");
  std::string header_line, path_line;
  std::getline(file, header_line);
  std::getline(file, path_line);
  std::istringstream hs(header_line), ps(path_line);
  std::vector<std::string> headers{std::istream_iterator<std::string>(hs), {}};
  std::vector<std::string> paths{std::istream_iterator<std::string>(ps), {}};
  TROUPE_REQUIRE(headers.size() == paths.size(), api_errc::bad_request,
                 "--output: custom-columns-file " + quote(path) + ": expected " +
                     std::to_string(headers.size()) + " paths, found " +
                     std::to_string(paths.size()));
  std::vector<std::string> spec;
  for (size_t i = 0; i < headers.size(); ++i) spec.push_back(headers[i] + ":" + paths[i]);
  return join(spec, ",");
}

// -o FORMAT's custom columns spec (read once, so a bad file fails before anything is fetched).
std::string custom_columns_spec(const std::string& format) {
  std::string spec;
  if (starts_with(format, "custom-columns="))
    spec = format.substr(15);
  else if (starts_with(format, "custom-columns-file="))
    spec = custom_columns_from_file(format.substr(20));
  else
    return "";
  TROUPE_REQUIRE(!trim(spec).empty(), api_errc::bad_request,
                 "custom-columns format specified but no custom columns given");
  return spec;
}

table_options table_options_for(context& ctx, const kind_info& kind, bool headers) {
  table_options options;
  options.wide = output_format(ctx) == "wide";
  options.with_namespace = ctx.all_namespaces() && kind.namespaced;
  options.headers = headers && !ctx.flags.on("no-headers");
  options.now = ctx.now();
  options.label_columns = comma_values(ctx.flags, "label-columns");
  options.show_labels = ctx.flags.on("show-labels");
  return options;
}

// One kind's objects as a table (kubectl's columns, or the custom ones).
std::string table_text(context& ctx, const kind_info& kind, const std::vector<node>& objects,
                       const std::string& custom, bool headers = true,
                       std::vector<size_t>* widths = nullptr, const std::string& name_prefix = "") {
  auto options = table_options_for(ctx, kind, headers);
  options.widths = widths;
  options.name_prefix = name_prefix;
  return custom.empty() ? print_table(kind, objects, options)
                        : print_custom_columns(custom, objects, options);
}

void print_table_of(context& ctx, const kind_info& kind, const std::vector<node>& objects,
                    const std::string& custom, bool headers = true,
                    std::vector<size_t>* widths = nullptr, const std::string& name_prefix = "") {
  ctx.out << table_text(ctx, kind, objects, custom, headers, widths, name_prefix);
}

// Objects as a document (-o yaml|json|jsonpath|go-template; `format` as output_format gives it):
// one object when one was asked for by name, else a List of all of them.
void print_documents(context& ctx, const std::string& format, std::vector<node> objects, bool single) {
  node doc = single && objects.size() == 1 ? std::move(objects[0]) : list_of(std::move(objects));
  if (format == "yaml" || format == "json") doc = codec::with_sorted_keys(std::move(doc));
  if (format == "yaml")
    ctx.out << codec::to_yaml(doc);
  else if (format == "json")
    ctx.out << codec::to_json_escaped(doc, 4) + "\n";
  else
    write_templated(ctx.out, format, doc);
}

void no_resources(context& ctx, const std::vector<target>& targets) {
  bool namespaced = std::any_of(targets.begin(), targets.end(),
                                [](const target& t) { return t.kind->namespaced; });
  if (!namespaced || ctx.all_namespaces())
    ctx.err << "No resources found\n";
  else
    ctx.err << "No resources found in " << ctx.ns() << " namespace.\n";
}

// What get --watch prints: each object as its own row or document, as kubectl's watch does
// (YAML documents separated by "---", JSON objects one after another, never a List), with
// --output-watch-events the event's type before each row (an EVENT column) or around each
// document ({type, object}).
class watch_printer {
 public:
  watch_printer(context& ctx, const kind_info& kind, const std::string& format, const std::string& custom)
      : ctx_(ctx), kind_(kind), custom_(custom), format_(format),
        events_(ctx.flags.on("output-watch-events")), header_done_(ctx.flags.on("no-headers")) {}

  /// One event: 1 ADDED, 2 MODIFIED, 3 DELETED (the initial objects are ADDED).
  void print(const std::vector<node>& objects, uint8_t type) {
    static const char* names[] = {"", "ADDED", "MODIFIED", "DELETED", "BOOKMARK"};
    std::string event = type < 5 ? names[type] : "";
    if (is_table(format_)) {
      auto text = table_text(ctx_, kind_, objects, custom_, !header_done_, &widths_,
                             ctx_.flags.on("show-kind") ? kind_.singular_resource() + "/" : "");
      for (auto& line : split(text, '\n')) {
        if (line.empty()) continue;
        std::string column = header_done_ ? event : "EVENT";
        header_done_ = true;
        ctx_.out << (events_ ? column + std::string(11 - column.size(), ' ') : "") << line << "\n";
      }
    }
    // kubectl's watch writes documents too through a tabwriter (the objects there first are
    // one event).
    write_tabbed(ctx_.out, [&](std::ostream& printed) {
      for (auto& object : is_table(format_) ? std::vector<node>{} : objects) {
        if (is_template(format_)) {
          write_templated(printed, format_, object);
        } else if (events_ && format_ != "name") {
          // kubectl's WatchEvent: type, then object, in JSON as the struct declares them; its
          // YAML printer goes through a map, which sorts them (object, then type).
          node wrapped = node::map();
          if (format_ == "yaml") wrapped.set("object", codec::with_sorted_keys(object));
          wrapped.set("type", node::string(event));
          if (format_ != "yaml") wrapped.set("object", codec::with_sorted_keys(object));
          printed << document_as(format_, wrapped, printed_++ == 0);
        } else {
          printed << object_as(format_, kind_, object, printed_++ == 0);
        }
      }
    });
  }

 private:
  context& ctx_;
  const kind_info& kind_;
  const std::string& custom_;
  std::string format_;
  bool events_;
  bool header_done_;
  size_t printed_ = 0;
  std::vector<size_t> widths_;
};

// Prints each change, starting after `revision`, until interrupted.
// --timeout: how long --watch goes on (by default until interrupted).
std::chrono::milliseconds watch_timeout(const context& ctx) {
  auto timeout = ctx.flags.get("timeout", "8760h");
  auto ms = parse_duration_ms(timeout);
  TROUPE_REQUIRE(ms && *ms > 0, api_errc::bad_request,
                 "--timeout: invalid duration " + quote(timeout) + " (a positive one such as 30s)");
  return std::chrono::milliseconds(*ms);
}

int watch(context& ctx, const kind_info& kind, uint64_t revision, const std::string& name,
          watch_printer& printer) {
  api_request req;
  req.resource = kind.resource();
  req.ns = ctx.all_namespaces() ? "" : ctx.ns_for(kind);
  req.label_selector = ctx.flags.get("selector");
  req.field_selector = ctx.flags.get("field-selector");
  if (!name.empty()) req.field_selector = "metadata.name=" + name;
  req.resource_version = revision;
  auto patience = watch_timeout(ctx);
  ctx.api().watch(req, false, [&](const rpc::event& ev) {
    try {
      if (!ev.object.empty()) printer.print({codec::encode_object(ev.object, kind)}, ev.type);
    } catch (const api_error&) {
      // A template or column that fails (a go-template's dump is out): kubectl's watch ends
      // there and, ignoring the error, exits 0.
      return false;
    }
    return true;
  }, patience);
  return 0;
}

// What one TYPE (or its NAMEs) found; server errors for names are printed and counted.
struct found {
  const kind_info* kind = nullptr;
  std::vector<node> objects;
  uint64_t revision = 0;
};

found fetch(context& ctx, const target& t, int& status) {
  auto& kind = *t.kind;
  found out{&kind, {}, 0};
  std::string ns = t.ns ? *t.ns : ctx.all_namespaces() ? "" : ctx.ns_for(kind);
  if (t.names.empty()) {
    auto result = ctx.list(kind, ns, ctx.flags.get("selector"), ctx.flags.get("field-selector"));
    for (auto& item : result.items) out.objects.push_back(codec::encode_object(item, kind));
    out.revision = result.revision;
    return out;
  }
  TROUPE_REQUIRE(t.ns || !ctx.all_namespaces(), api_errc::bad_request,
                 "a resource cannot be retrieved by name across all namespaces");
  for (auto& name : t.names) {
    try {
      auto result = ctx.get(kind, ns, name);
      out.objects.push_back(codec::encode_object(result.object, kind));
      out.revision = std::max(out.revision, result.revision);
    } catch (const rpc::server_error& e) {
      if (ctx.flags.on("ignore-not-found") && e.code() == api_errc::not_found) continue;
      print_server_error(ctx.err, e);
      status = 1;
    }
  }
  return out;
}

// Tables one kind after another, a blank line between (none without headers); when they show more than one kind,
// each name carries its kind ("service/api"), as kubectl prints them.
// Names carry their kind ("deployment.apps/web") as kubectl prints them: when several types
// were asked for (`all`, `deploy,cm`, `deploy/a cm/b`), even if one of them has objects, or
// with --show-kind.
void print_tables(context& ctx, const std::vector<found>& results, const std::string& custom) {
  bool with_kind = ctx.flags.on("show-kind") ||
                   std::any_of(results.begin(), results.end(),
                               [&](const found& f) { return f.kind != results.front().kind; });
  bool first = true;
  for (auto& f : results) {
    if (f.objects.empty()) continue;
    if (!first && !ctx.flags.on("no-headers")) ctx.out << "\n";
    first = false;
    print_table_of(ctx, *f.kind, f.objects, custom, true, nullptr,
                   with_kind ? f.kind->singular_resource() + "/" : "");
  }
}

}  // namespace

int cmd_get(context& ctx) {
  if (ctx.flags.has("raw")) return get_raw(ctx);
  auto format = output_format(ctx);
  check_format(format);
  // kubectl pages a list by --chunk-size; troupe's server answers a list in one message, so the
  // size only has to be one kubectl takes.
  auto chunk = ctx.flags.get("chunk-size", "500");
  TROUPE_REQUIRE(parse_int(chunk) && *parse_int(chunk) >= 0, api_errc::bad_request,
                 "invalid argument " + quote(chunk) + " for \"--chunk-size\" flag: a whole number of 0 or more");
  auto custom = custom_columns_spec(format);
  auto sort_path = ctx.flags.get("sort-by");
  TROUPE_REQUIRE(!ctx.flags.has("sort-by") || !sort_path.empty(), api_errc::bad_request,
                 "--sort-by: a JSONPath is required");
  // A spec or path it cannot read fails here, before anything is fetched.
  try {
    if (!custom.empty()) print_custom_columns(custom, {}, {});
  } catch (const api_error& e) {
    throw api_error(e.code(), "--output: " + e.message());
  }
  try {
    if (!sort_path.empty()) jsonpath_nodes(sort_path, node::map());
  } catch (const api_error& e) {
    throw api_error(e.code(), "--sort-by: " + e.message());
  }
  // As kubectl builds its printer first: a template that does not parse fails before a fetch.
  if (starts_with(format, "go-template=")) check_go_template(format.substr(12));
  auto targets = targets_of(ctx);
  // --subresource=status reads the same objects (their status is part of them).
  std::vector<const kind_info*> kinds;
  for (auto& t : targets) kinds.push_back(t.kind);
  ctx.status_subresource(kinds);
  if (targets.empty()) {  // -f's objects, none of them matching -l
    ctx.err << "No resources found in " << ctx.ns() << " namespace.\n";
    return 0;
  }
  bool watching = ctx.flags.on("watch") || ctx.flags.on("watch-only");
  for (auto& t : targets)  // with -f, -l has already chosen among the file's objects
    TROUPE_REQUIRE(t.names.empty() || !ctx.flags.has("selector") || ctx.flags.has("filename"),
                   api_errc::bad_request,
                   "name cannot be provided when a selector is specified");
  TROUPE_REQUIRE(!watching || (targets.size() == 1 && targets[0].names.size() <= 1),
                 api_errc::bad_request, "--watch takes one resource type and at most one name");
  if (watching) watch_timeout(ctx);  // a bad --timeout fails before the list
  int status = 0;
  std::vector<found> results;
  bool listed = false;
  for (auto& t : targets) {
    listed = listed || t.names.empty();
    results.push_back(fetch(ctx, t, status));
    try {
      if (!sort_path.empty()) sort_by(results.back().objects, sort_path);
    } catch (const api_error& e) {
      throw api_error(e.code(), "--sort-by: " + e.message());
    }
  }
  size_t total = 0;
  for (auto& f : results) total += f.objects.size();

  if (watching) {
    if (status != 0) return status;  // a name that is not there is not watched for, as kubectl
    auto& f = results[0];
    watch_printer printer(ctx, *f.kind, format, custom);
    if (!ctx.flags.on("watch-only") && !f.objects.empty()) printer.print(f.objects, 1);
    return watch(ctx, *f.kind, f.revision, targets[0].names.empty() ? "" : targets[0].names[0],
                 printer);
  }
  if (total == 0 && listed && is_table(format)) {
    if (!ctx.flags.on("ignore-not-found")) no_resources(ctx, targets);
  } else if (is_table(format)) {
    print_tables(ctx, results, custom);
  } else if (format == "name") {
    for (auto& f : results)
      for (auto& o : f.objects) ctx.out << object_ref(*f.kind, o) << "\n";
  } else if (total > 0 || listed) {
    std::vector<node> all;
    for (auto& f : results)
      for (auto& o : f.objects) all.push_back(std::move(o));
    bool single = targets.size() == 1 && targets[0].names.size() == 1;
    print_documents(ctx, format, std::move(all), single);
  }
  return status;
}

}  // namespace troupe::cli
