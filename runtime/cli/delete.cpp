// `troupe delete`: objects named, selected or read from -f are deleted one after another, each
// reported as it goes, and then (--wait, the default) waited for until they are all gone or
// --timeout passes, as kubectl deletes and then waits.

#include <algorithm>
#include <chrono>
#include <optional>
#include <vector>

#include "runtime/base/text.hpp"
#include "runtime/base/time.hpp"
#include "runtime/cli/context.hpp"
#include "runtime/cli/manifests.hpp"
#include "runtime/object/object.hpp"

namespace troupe::cli {
namespace {

using clock = std::chrono::steady_clock;

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
  TROUPE_REQUIRE(!force || grace <= 0, api_errc::bad_request,
                 "--force and --grace-period greater than 0 cannot be specified together");
  if (grace == 0 && !force) grace = 1;
  if (force && grace < 0) grace = 0;
  return grace;
}

// --cascade=background|foreground|orphan (a boolean is kubectl's old spelling of background
// or orphan, `warnings` then gets kubectl's deprecation line): what happens to the object's
// dependents.
propagation cascade(const context& ctx, std::ostream* warnings = nullptr) {
  auto text = ctx.flags.get("cascade", "background");
  if (text == "background") return propagation::background;
  if (text == "foreground") return propagation::foreground;
  if (text == "orphan") return propagation::orphan;
  auto old = go_parse_bool(text);  // kubectl's old boolean values go through Go's ParseBool
  TROUPE_REQUIRE(old, api_errc::bad_request,
                 "invalid cascade value (" + text + "). Must be \"background\", \"foreground\", or \"orphan\"");
  if (warnings)
    *warnings << "warning: --cascade=" << text << " is deprecated (boolean value) and can be replaced with --cascade="
              << (*old ? "background" : "orphan") << ".\n";
  return *old ? propagation::background : propagation::orphan;
}

// --timeout: how long delete waits for its objects to be gone, all of them together; 0 (the
// default) is a week, as kubectl takes it.
clock::time_point deadline_of(const context& ctx) {
  auto text = ctx.flags.get("timeout", "0s");
  auto ms = parse_duration_ms(text);
  TROUPE_REQUIRE(ms && *ms >= 0, api_errc::bad_request, "--timeout: invalid duration " + quote(text));
  return clock::now() + std::chrono::milliseconds(*ms > 0 ? *ms : kubectl_forever_ms);
}

// kubectl's line for a deletion, or with -o name its resource/name.
void say_deleted(context& ctx, const kind_info& kind, const std::string& name, bool forced,
                 const std::string& suffix) {
  if (ctx.flags.get("output") == "name")
    ctx.out << kind.singular_resource() << "/" << name << "\n";
  else
    ctx.out << kind.singular_resource() << " " << quote(name) << (forced ? " force deleted" : " deleted") << suffix
            << "\n";
  ctx.out.flush();
}

// An object whose deletion the server took: with --wait, delete waits until it is gone. Its
// uid tells it from one made again under its name (a controller's), which counts as gone.
struct deleted {
  const kind_info* kind;
  std::string ns, name, uid;
};

std::string uid_of(const std::string& object) {
  return object.empty() ? std::string() : text_string(object_reader(object).meta().getUid());
}

// Sends one deletion and reports it; what to wait for, unless nothing is to be waited for.
std::optional<deleted> delete_one(context& ctx, const kind_info& kind, const std::string& ns,
                                  const std::string& name, int64_t grace) {
  api_request req;
  req.resource = kind.resource();
  req.ns = ns;
  req.name = name;
  req.grace_period = grace;
  req.propagation = static_cast<uint8_t>(cascade(ctx));
  if (ctx.dry_run()) {
    ctx.get(kind, ns, name);  // a missing object is an error, as without --dry-run
    say_deleted(ctx, kind, name, grace == 0, " (dry run)");
    return std::nullopt;
  }
  auto answer = ctx.api().call(api_verb::remove, req);
  say_deleted(ctx, kind, name, grace == 0, ctx.dry_run_suffix());
  if (!ctx.flags.on("wait", true) || ctx.server_dry_run()) return std::nullopt;
  return deleted{&kind, ns, name, uid_of(answer.object)};
}

// Waits until each object is gone (an object held by finalizers or a pod stopping gracefully
// outlives its deletion), all before `deadline`; then kubectl's timeout error for the first
// one still there.
void wait_gone(context& ctx, const std::vector<deleted>& objects, clock::time_point deadline) {
  for (auto& d : objects) {
    try {
      auto still = ctx.get(*d.kind, d.ns, d.name);
      auto same = [&](const std::string& object) { return d.uid.empty() || uid_of(object) == d.uid; };
      if (!same(still.object)) continue;
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
      if (!ctx.watch_object(*d.kind, d.ns, d.name, still.revision,
                            [&](const rpc::event& ev) { return ev.type != 3 && same(ev.object); }, left))
        throw timed_out_waiting_on(*d.kind, d.name);
    } catch (const rpc::server_error& e) {
      if (e.code() != api_errc::not_found) throw;
    }
  }
}

}  // namespace

void delete_and_wait(context& ctx, const kind_info& kind, const std::string& ns, const std::string& name) {
  if (auto d = delete_one(ctx, kind, ns, name, -1)) wait_gone(ctx, {*d}, deadline_of(ctx));
}

int cmd_delete(context& ctx) {
  auto& extra = ctx.flags.positional;
  TROUPE_REQUIRE(!ctx.flags.has("filename") || extra.empty(), api_errc::bad_request,
                 "Unexpected args: [" + join(extra, " ") + "]");
  int64_t grace = grace_period(ctx);  // checks the flags before anything is sent
  cascade(ctx, &ctx.err);
  auto deadline = deadline_of(ctx);
  auto format = ctx.flags.get("output");
  TROUPE_REQUIRE(format.empty() || format == "name", api_errc::bad_request,
                 "unexpected -o output mode: " + format + ". We only support '-o name'");
  if (grace == 0)
    ctx.err << "Warning: Immediate deletion does not wait for confirmation that the running "
               "resource has been terminated. The resource may continue to run on the cluster "
               "indefinitely.\n";
  std::vector<deleted> pending;
  int status = 0;
  if (ctx.flags.has("filename")) {
    auto documents = read_manifests(ctx, "delete");
    if (documents.empty()) ctx.out << "No resources found\n";  // kubectl's delete says it on stdout
    status = for_each_manifest(ctx, std::move(documents), "deleting",
                               [&](const codec::manifest& m, const std::string& ns) {
                                 if (auto d = delete_one(ctx, *m.kind, ns, name_of(m), grace)) pending.push_back(*d);
                               });
  } else {
    auto args = parse_resource_args(ctx, "you must provide one or more resources by argument or filename");
    auto victims = chosen_objects(ctx, args);
    if (victims.empty()) ctx.out << "No resources found\n";
    for (auto& v : victims) {
      try {
        if (auto d = delete_one(ctx, *v.kind, v.ns, v.name, grace)) pending.push_back(*d);
      } catch (const rpc::server_error& e) {
        if (e.code() == api_errc::not_found && ctx.flags.on("ignore-not-found")) continue;
        print_server_error(ctx.err, e);
        status = 1;
      }
    }
  }
  wait_gone(ctx, pending, deadline);
  return status;
}

}  // namespace troupe::cli
