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
  if (ctx.flags.has("types"))
    for (auto& t : split(ctx.flags.get("types"), ',')) {
      auto type = to_lower(trim(t));
      TROUPE_REQUIRE(type == "normal" || type == "warning", api_errc::bad_request, "valid --types are Normal or Warning");
      f.types.push_back(type);
    }
  if (ctx.flags.has("for")) {
    auto spec = ctx.flags.get("for");
    auto slash = spec.find('/');
    TROUPE_REQUIRE(slash != std::string::npos && slash > 0 && slash + 1 < spec.size(), api_errc::bad_request,
                   "--for must be in resource/name form");
    f.kind = ctx.kind(spec.substr(0, slash)).kind;
    f.name = spec.substr(slash + 1);
  }
  return f;
}

// One row, as kubectl's event printer writes it.
std::string row(context& ctx, const node& e) {
  std::string out = ctx.all_namespaces() ? text_at(e, {"metadata", "namespace"}) + "\t" : "";
  return out + event_interval(e, ctx.now()) + "\t" + text_at(e, {"type"}) + "\t" + text_at(e, {"reason"}) + "\t" +
         text_at(e, {"involvedObject", "kind"}) + "/" + text_at(e, {"involvedObject", "name"}) + "\t" +
         std::string(trim(text_at(e, {"message"}))) + "\n";
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
  sort_events(events);
  std::string header = std::string(ctx.all_namespaces() ? "NAMESPACE\t" : "") + "LAST SEEN\tTYPE\tREASON\tOBJECT\tMESSAGE\n";
  bool headed = ctx.flags.on("no-headers");
  tab_text table;
  if (!events.empty() && !headed) table.write(0, header), headed = true;
  for (auto& e : events) table.write(0, row(ctx, e));
  ctx.out << table.str() << std::flush;
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
    tab_text line;
    if (!headed) line.write(0, header), headed = true;
    line.write(0, row(ctx, e));
    ctx.out << line.str() << std::flush;
    return true;
  });
  return 0;
}

}  // namespace troupe::cli
