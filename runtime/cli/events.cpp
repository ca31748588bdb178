// `troupe events`: kubectl events' table of what happened, oldest first, and with --watch
// what happens next; or with -o the events as kubectl's typed EventList prints them.

#include <algorithm>
#include <string>
#include <vector>

#include "runtime/base/text.hpp"
#include "runtime/base/time.hpp"
#include "runtime/cli/context.hpp"
#include "runtime/cli/describe.hpp"
#include "runtime/cli/output.hpp"
#include "runtime/cli/printers.hpp"
#include "runtime/codec/json.hpp"
#include "runtime/codec/object_codec.hpp"
#include "runtime/codec/yaml.hpp"

namespace troupe::cli {
namespace {

using codec::node;

struct event_filter {
  std::vector<std::string> types;  ///< lower case; empty: all
  std::string kind, name;          ///< --for TYPE/NAME; empty: all

  bool keeps(const node& e) const {
    if (!types.empty() && std::find(types.begin(), types.end(), to_lower(text_at(e, {"type"}))) == types.end())
      return false;
    return kind.empty() ||
           (text_at(e, {"involvedObject", "kind"}) == kind && text_at(e, {"involvedObject", "name"}) == name);
  }
};

event_filter filter_of(context& ctx) {
  event_filter f;
  for (auto& t : comma_values(ctx.flags, "types")) {  // repeatable and comma-separated, as kubectl's
    auto type = to_lower(trim(t));
    if (type.empty()) continue;
    TROUPE_REQUIRE(type == "normal" || type == "warning", api_errc::bad_request, "valid --types are Normal or Warning");
    f.types.push_back(type);
  }
  if (ctx.flags.has("for")) {
    auto spec = ctx.flags.get("for");
    auto slash = spec.find('/');
    TROUPE_REQUIRE(slash != std::string::npos && slash > 0, api_errc::bad_request, "--for must be in resource/name form");
    TROUPE_REQUIRE(spec.find('/', slash + 1) == std::string::npos, api_errc::bad_request,
                   "arguments in resource/name form may not have more than one slash");
    auto& kind = ctx.kind(spec.substr(0, slash));
    f.name = spec.substr(slash + 1);
    if (!f.name.empty()) f.kind = kind.kind;  // "pod/" names no object: every event, as kubectl
  }
  return f;
}

// One row, as kubectl's event printer writes it.
std::vector<std::string> row(context& ctx, const node& e) {
  std::vector<std::string> cells;
  if (ctx.all_namespaces()) cells.push_back(text_at(e, {"metadata", "namespace"}));
  for (auto cell : {event_interval(e, ctx.now()), text_at(e, {"type"}), text_at(e, {"reason"}),
                    text_at(e, {"involvedObject", "kind"}) + "/" + text_at(e, {"involvedObject", "name"}),
                    std::string(trim(text_at(e, {"message"})))})
    cells.push_back(cell);
  return cells;
}

// kubectl events' order: by the series' last sighting, else lastTimestamp, else eventTime.
int64_t last_seen(const node& e) {
  for (auto path : {std::initializer_list<std::string_view>{"series", "lastObservedTime"}, {"lastTimestamp"}, {"eventTime"}})
    if (auto at = parse_rfc3339(text_at(e, path))) return *at;
  return 0;
}

// ---- -o: kubectl prints the typed corev1.EventList, so JSON keys come in the Go structs' order,
// and fields without omitempty are there even when empty (null times, "" strings, {}).

enum class when_absent { omit, null, empty_string, empty_map };

struct go_field {
  std::string_view name;
  when_absent absent = when_absent::omit;
  const std::vector<go_field>* fields = nullptr;  ///< a struct: its own fields, in order
};

const std::vector<go_field> object_meta = {
    {"name"}, {"generateName"}, {"namespace"}, {"selfLink"}, {"uid"}, {"resourceVersion"}, {"generation"},
    {"creationTimestamp", when_absent::null}, {"deletionTimestamp"}, {"deletionGracePeriodSeconds"},
    {"labels"}, {"annotations"}, {"ownerReferences"}, {"finalizers"}, {"managedFields"}};
const std::vector<go_field> object_reference = {{"kind"}, {"namespace"}, {"name"}, {"uid"},
                                                {"apiVersion"}, {"resourceVersion"}, {"fieldPath"}};
const std::vector<go_field> event_source = {{"component"}, {"host"}};
const std::vector<go_field> event_series = {{"count"}, {"lastObservedTime", when_absent::null}};
const std::vector<go_field> event_fields = {
    {"kind"}, {"apiVersion"}, {"metadata", when_absent::empty_map, &object_meta},
    {"involvedObject", when_absent::empty_map, &object_reference}, {"reason"}, {"message"},
    {"source", when_absent::empty_map, &event_source}, {"firstTimestamp", when_absent::null},
    {"lastTimestamp", when_absent::null}, {"count"}, {"type"}, {"eventTime", when_absent::null},
    {"series", when_absent::omit, &event_series}, {"action"}, {"related", when_absent::omit, &object_reference},
    {"reportingComponent", when_absent::empty_string}, {"reportingInstance", when_absent::empty_string}};

// What omitempty leaves out: "", 0, false, and empty maps and lists.
bool go_empty(const node& value) {
  if (value.is_null()) return true;
  if (!value.is_scalar()) return value.size() == 0;
  switch (value.resolve()) {
    case node::scalar_type::string: return value.text().empty();
    case node::scalar_type::integer: return value.as_integer() == std::optional<int64_t>(0);
    case node::scalar_type::boolean: return value.as_bool() == std::optional<bool>(false);
    default: return false;
  }
}

// `source`'s keys in `fields`' order, absent or empty ones as Go would print them; keys the
// struct does not name follow, sorted (maps such as labels are sorted by Go's encoder too).
node as_go_struct(const node& source, const std::vector<go_field>& fields) {
  node out = node::map();
  for (auto& f : fields) {
    const node* value = source.is_map() ? source.find(f.name) : nullptr;
    if (value && f.absent == when_absent::omit && go_empty(*value)) continue;
    if (value && !value->is_null()) {
      out.set(std::string(f.name), f.fields && value->is_map() ? as_go_struct(*value, *f.fields)
                                                               : codec::with_sorted_keys(*value));
      continue;
    }
    switch (f.absent) {
      case when_absent::omit: break;
      case when_absent::null: out.set(std::string(f.name), node::null()); break;
      case when_absent::empty_string: out.set(std::string(f.name), node::string("")); break;
      case when_absent::empty_map: out.set(std::string(f.name), node::map()); break;
    }
  }
  if (!source.is_map()) return out;
  node rest = node::map();
  for (auto& [key, value] : source.entries())
    if (std::none_of(fields.begin(), fields.end(), [&](const go_field& f) { return f.name == key; }))
      rest.set(key, value);
  rest = codec::with_sorted_keys(std::move(rest));
  for (auto& [key, value] : rest.entries()) out.set(key, std::move(value));
  return out;
}

node typed_event(node e) {
  e.set("apiVersion", node::string("v1"));
  e.set("kind", node::string("Event"));
  return as_go_struct(e, event_fields);
}

bool prints_documents(const std::string& format) {
  return format == "yaml" || format == "json" || format == "name" || is_template(format);
}

void check_events_format(context& ctx, const std::string& format) {
  if (format.empty()) return;
  check_template_given(format);
  TROUPE_REQUIRE(prints_documents(format), api_errc::bad_request,
                 "unable to match a printer suitable for the output format " + quote(ctx.flags.get("output")) +
                     ", allowed formats are: go-template,go-template-file,json,jsonpath,jsonpath-as-json,jsonpath-file,name,"
                     "template,templatefile,yaml");
  if (starts_with(format, "go-template=")) check_go_template(format.substr(12));
}

// One event as kubectl's printers write a single object: YAML documents after the first begin
// with "---", JSON objects follow one another, templates add no newline. kubectl events writes
// them through a tabwriter too.
void print_event(context& ctx, const kind_info& kind, const std::string& format, const node& event, bool first) {
  write_tabbed(ctx.out, [&](std::ostream& printed) {
    if (format == "name")
      printed << object_ref(kind, event) << "\n";
    else if (is_template(format))
      write_templated(printed, format, event);
    else
      printed << document_as(format, format == "yaml" ? codec::with_sorted_keys(event) : event, first);
  });
}

void print_event_list(context& ctx, const kind_info& kind, const std::string& format, std::vector<node> events) {
  if (format == "name") {
    for (auto& e : events) print_event(ctx, kind, format, e, false);
    return;
  }
  node list = node::map();
  list.set("kind", node::string("EventList"));
  list.set("apiVersion", node::string("v1"));
  list.set("metadata", node::map());  // kubectl builds the list itself: no resourceVersion
  node items = node::list();
  for (auto& e : events) items.push(std::move(e));
  list.set("items", std::move(items));
  print_event(ctx, kind, format, list, true);
}

// Calls `print` for each event made or seen again after `revision` that `filter` keeps, until
// interrupted; deletions are not shown, as kubectl's.
template <class Print>
void watch_events(context& ctx, const kind_info& kind, const std::string& ns, uint64_t revision,
                  const event_filter& filter, Print print) {
  api_request req;
  req.resource = kind.resource();
  req.ns = ns;
  req.resource_version = revision;
  ctx.api().watch(req, false, [&](const rpc::event& ev) {
    if (ev.object.empty() || ev.type == 3) return true;
    auto e = codec::encode_object(ev.object, kind);
    if (filter.keeps(e)) {
      print(e);
      ctx.out << std::flush;
    }
    return true;
  });
}

}  // namespace

int cmd_events(context& ctx) {
  TROUPE_REQUIRE(ctx.flags.positional.empty(), api_errc::bad_request,
                 "unknown command " + quote(ctx.flags.positional.empty() ? "" : ctx.flags.positional[0]) +
                     " for \"events\": use --for TYPE/NAME for the events of one object");
  // As kubectl events, only -o picks a printer: --template alone leaves the table.
  auto format = ctx.flags.get("output").empty() ? std::string() : output_format(ctx);
  check_events_format(ctx, format);
  auto filter = filter_of(ctx);
  auto& kind = ctx.kind("events");
  auto ns = ctx.all_namespaces() ? "" : ctx.ns();
  auto listed = ctx.list(kind, ns);
  std::vector<node> events;
  for (auto& item : listed.items) {
    auto e = codec::encode_object(item, kind);
    if (filter.keeps(e)) events.push_back(std::move(e));
  }
  bool watching = ctx.flags.on("watch");
  if (events.empty() && !watching) {
    ctx.err << (ctx.all_namespaces() ? "No events found.\n" : "No events found in " + ns + " namespace.\n");
    return 0;
  }
  // Oldest first; a watch prints those already there as the store lists them, as kubectl's
  // watch is sent them.
  if (!watching)
    std::stable_sort(events.begin(), events.end(), [](const node& a, const node& b) { return last_seen(a) < last_seen(b); });
  if (!format.empty()) {
    for (auto& e : events) e = typed_event(std::move(e));
    if (!watching) {
      try {
        print_event_list(ctx, kind, format, std::move(events));
      } catch (const template_failure&) {  // kubectl events ignores its printer's error
      }
      return 0;
    }
    // As kubectl's watch, which is sent the events there are first: each printed on its own.
    size_t printed = 0;
    auto print = [&](const node& e) {
      try {
        print_event(ctx, kind, format, e, printed++ == 0);
      } catch (const template_failure&) {  // and goes on watching
      }
    };
    for (auto& e : events) print(e);
    ctx.out << std::flush;
    watch_events(ctx, kind, ns, listed.revision, filter, [&](const node& e) {
      print(typed_event(e));
    });
    return 0;
  }
  std::vector<std::string> header;
  if (ctx.all_namespaces()) header.push_back("NAMESPACE");
  for (auto column : {"LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"}) header.push_back(column);
  bool headed = ctx.flags.on("no-headers");
  std::vector<size_t> widths;  // kept, so rows that come later line up under the first
  std::vector<std::vector<std::string>> rows;
  if (!events.empty() && !headed) rows.push_back(header), headed = true;
  for (auto& e : events) rows.push_back(row(ctx, e));
  ctx.out << aligned_rows(rows, &widths) << std::flush;
  if (!watching) return 0;
  // Then each event as it is made or seen again, a row at a time as kubectl's watch prints them.
  watch_events(ctx, kind, ns, listed.revision, filter, [&](const node& e) {
    std::vector<std::vector<std::string>> lines;
    if (!headed) lines.push_back(header), headed = true;
    lines.push_back(row(ctx, e));
    ctx.out << aligned_rows(lines, &widths);
  });
  return 0;
}

}  // namespace troupe::cli
