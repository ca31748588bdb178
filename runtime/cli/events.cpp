// `troupe events`: kubectl events' table of what happened, oldest first, and with --watch
// what happens next.

#include <algorithm>
#include <string>
#include <vector>

#include "runtime/base/text.hpp"
#include "runtime/base/time.hpp"
#include "runtime/cli/context.hpp"
#include "runtime/cli/describe.hpp"
#include "runtime/cli/printers.hpp"
#include "runtime/codec/object_codec.hpp"

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
  for (auto& given : ctx.flags.all("types"))  // repeatable and comma-separated, as kubectl's
    for (auto& t : split(given, ',')) {
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

}  // namespace

int cmd_events(context& ctx) {
  TROUPE_REQUIRE(ctx.flags.positional.empty(), api_errc::bad_request,
                 "unknown command " + quote(ctx.flags.positional.empty() ? "" : ctx.flags.positional[0]) +
                     " for \"events\": use --for TYPE/NAME for the events of one object");
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
  std::stable_sort(events.begin(), events.end(), [](const node& a, const node& b) { return last_seen(a) < last_seen(b); });
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
  api_request req;
  req.resource = kind.resource();
  req.ns = ns;
  req.resource_version = listed.revision;
  ctx.api().watch(req, false, [&](const rpc::event& ev) {
    if (ev.object.empty() || ev.type == 3) return true;  // deletions are not shown
    auto e = codec::encode_object(ev.object, kind);
    if (!filter.keeps(e)) return true;
    std::vector<std::vector<std::string>> lines;
    if (!headed) lines.push_back(header), headed = true;
    lines.push_back(row(ctx, e));
    ctx.out << aligned_rows(lines, &widths) << std::flush;
    return true;
  });
  return 0;
}

}  // namespace troupe::cli
