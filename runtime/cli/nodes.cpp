// `troupe logs|exec` (reaching a pod's node) and `cordon|uncordon|drain|taint|token create`.

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <thread>
#include <vector>

#include "actors/cluster/token.hpp"
#include "runtime/base/text.hpp"
#include "runtime/base/time.hpp"
#include "runtime/cli/context.hpp"
#include "runtime/cli/printers.hpp"
#include "runtime/codec/object_codec.hpp"
#include "runtime/object/validation.hpp"

namespace troupe::cli {
namespace {

using codec::node;

std::string pod_argument(context& ctx, const char* verb) {
  auto& args = ctx.flags.positional;
  TROUPE_REQUIRE(!args.empty(), api_errc::bad_request, std::string(verb) + " requires a pod name");
  std::string pod = args[0];
  if (starts_with(pod, "pod/") || starts_with(pod, "pods/") || starts_with(pod, "po/")) pod = pod.substr(pod.find('/') + 1);
  return pod;
}

// The node name from `troupe cordon NODE` / `node/NODE`.
std::string node_argument(context& ctx, const char* verb) {
  auto& args = ctx.flags.positional;
  TROUPE_REQUIRE(args.size() == 1, api_errc::bad_request, std::string(verb) + " takes one node name");
  auto name = args[0];
  if (auto slash = name.find('/'); slash != std::string::npos) name = name.substr(slash + 1);
  return name;
}

bool set_unschedulable(context& ctx, const std::string& name, bool value) {
  auto& kind = ctx.kind("nodes");
  auto current = codec::encode_object(ctx.get(kind, "", name).object, kind);
  bool now = text_at(current, {"spec", "unschedulable"}) == "true";
  if (now == value) return false;
  node patch = node::map(), spec = node::map();
  spec.set("unschedulable", value ? node::plain("true") : node::null());
  patch.set("spec", std::move(spec));
  ctx.patch(kind, "", name, patch, patch_type::merge);
  return true;
}

// One `KEY[=VALUE]:EFFECT` to add, or `KEY[:EFFECT]-` to remove, as kubectl taint reads them
// (a removal may name a value, which is ignored).
struct taint_change {
  std::string key, value, effect;  ///< effect "" on a removal: every effect of the key
  bool remove = false;
};

taint_change parse_taint(const std::string& text) {
  taint_change t;
  std::string spec = text;
  if (!spec.empty() && spec.back() == '-') {
    t.remove = true;
    spec.pop_back();
  }
  auto invalid = [&](const std::string& why) {
    return "invalid taint spec " + quote(text) + ": " + why;
  };
  auto colon = spec.find(':');
  TROUPE_REQUIRE(t.remove || colon != std::string::npos, api_errc::bad_request,
                 invalid("expected KEY[=VALUE]:EFFECT, or KEY[:EFFECT]- to remove"));
  if (colon != std::string::npos) {
    t.effect = spec.substr(colon + 1);
    spec.resize(colon);
    TROUPE_REQUIRE(
        t.effect == "NoSchedule" || t.effect == "PreferNoSchedule" || t.effect == "NoExecute",
        api_errc::bad_request,
        invalid("unsupported taint effect " + quote(t.effect) +
                " (choose NoSchedule, PreferNoSchedule or NoExecute)"));
  }
  auto eq = spec.find('=');
  t.key = spec.substr(0, eq);
  if (eq != std::string::npos && !t.remove) t.value = spec.substr(eq + 1);
  auto problems = check_qualified_name(t.key);
  TROUPE_REQUIRE(problems.empty(), api_errc::bad_request,
                 invalid("key " + quote(t.key) + ": " + join(problems, "; ")));
  problems = check_label_value(t.value);
  TROUPE_REQUIRE(problems.empty(), api_errc::bad_request,
                 invalid("value " + quote(t.value) + ": " + join(problems, "; ")));
  return t;
}

std::string field(const node& taint, std::string_view name) {
  const node* f = taint.find(name);
  return f && f->is_scalar() ? f->text() : "";
}

}  // namespace

int cmd_logs(context& ctx) {
  logs_request req;
  req.ns = ctx.ns();
  req.pod = pod_argument(ctx, "logs");
  req.container = ctx.flags.get("container");
  req.previous = ctx.flags.on("previous");
  auto tail = parse_int(ctx.flags.get("tail", "-1"));
  TROUPE_REQUIRE(tail && *tail >= -1, api_errc::bad_request, "--tail: invalid value " + quote(ctx.flags.get("tail")));
  req.tail = *tail;
  if (ctx.flags.has("since")) {
    auto ms = parse_duration_ms(ctx.flags.get("since"));
    TROUPE_REQUIRE(ms && *ms > 0, api_errc::bad_request, "--since: invalid duration " + quote(ctx.flags.get("since")));
    req.since_seconds = (*ms + 999) / 1000;
  }
  req.timestamps = ctx.flags.on("timestamps");
  bool follow = ctx.flags.on("follow");
  for (;;) {
    auto reply = ctx.api().logs(req);
    ctx.out << reply.text << std::flush;
    if (!follow || !reply.running) return 0;
    // Later reads continue where this one ended, whole.
    req.offset = reply.offset;
    req.tail = -1;
    req.since_seconds = 0;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

int cmd_exec(context& ctx) {
  exec_request req;
  req.ns = ctx.ns();
  req.pod = pod_argument(ctx, "exec");
  req.container = ctx.flags.get("container");
  req.command = ctx.flags.after_dashes;
  TROUPE_REQUIRE(!req.command.empty(), api_errc::bad_request, "you must specify at least one command for the container (after --)");
  if (ctx.flags.has("timeout")) {
    auto ms = parse_duration_ms(ctx.flags.get("timeout"));
    TROUPE_REQUIRE(ms && *ms > 0, api_errc::bad_request, "--timeout: invalid duration");
    req.timeout_ms = *ms;
  }
  auto reply = ctx.api().exec(req);
  ctx.out << reply.out << std::flush;
  ctx.err << reply.err;
  if (reply.exit_code != 0) ctx.err << "command terminated with exit code " << reply.exit_code << "\n";
  return reply.exit_code;
}

int cmd_cordon(context& ctx) {
  auto name = node_argument(ctx, "cordon");
  ctx.out << "node/" << name << (set_unschedulable(ctx, name, true) ? " cordoned" : " already cordoned") << "\n";
  return 0;
}

int cmd_uncordon(context& ctx) {
  auto name = node_argument(ctx, "uncordon");
  ctx.out << "node/" << name << (set_unschedulable(ctx, name, false) ? " uncordoned" : " already uncordoned") << "\n";
  return 0;
}

// `troupe taint node NAME KEY[=VALUE]:EFFECT... KEY[:EFFECT]-...` as kubectl: a taint with an
// existing key and effect needs --overwrite; removing one that is not there is an error.
int cmd_taint(context& ctx) {
  auto a = address_of(ctx, "taint");
  auto& kind = ctx.kind("nodes");
  TROUPE_REQUIRE(a.kind == &kind, api_errc::bad_request,
                 "taint works on nodes, not " + a.kind->resource());
  TROUPE_REQUIRE(!a.rest.empty(), api_errc::bad_request,
                 "at least one taint update is required: KEY[=VALUE]:EFFECT or KEY[:EFFECT]-");
  std::vector<taint_change> changes;
  for (auto& arg : a.rest) {
    auto change = parse_taint(arg);
    for (auto& earlier : changes)
      TROUPE_REQUIRE(earlier.key != change.key || earlier.effect != change.effect,
                     api_errc::bad_request,
                     "taint " + quote(change.key + ":" + change.effect) + " is named twice");
    changes.push_back(std::move(change));
  }

  auto current = codec::encode_object(ctx.get(kind, "", a.name).object, kind);
  std::vector<node> taints;
  if (const node* spec = current.find("spec"))
    if (const node* list = spec->find("taints"); list && list->is_list()) taints = list->items();
  bool added = false, removed = false;
  for (auto& change : changes) {
    auto same = [&](const node& t) {
      return field(t, "key") == change.key &&
             (change.effect.empty() || field(t, "effect") == change.effect);
    };
    if (change.remove) {
      auto kept = std::remove_if(taints.begin(), taints.end(), same);
      TROUPE_REQUIRE(kept != taints.end(), api_errc::not_found,
                     "taint " +
                         quote(change.key + (change.effect.empty() ? "" : ":" + change.effect)) +
                         " not found");
      taints.erase(kept, taints.end());
      removed = true;
      continue;
    }
    auto existing = std::find_if(taints.begin(), taints.end(), same);
    TROUPE_REQUIRE(existing == taints.end() || ctx.flags.on("overwrite"), api_errc::already_exists,
                   "node " + a.name + " already has " + change.key +
                       " taint(s) with same effect(s) and --overwrite is false");
    node taint = node::map();
    taint.set("key", node::string(change.key));
    if (!change.value.empty()) taint.set("value", node::string(change.value));
    taint.set("effect", node::string(change.effect));
    // As kubectl does; the eviction clock also waits for the controller to see the pod.
    if (change.effect == "NoExecute")
      taint.set("timeAdded", node::string(format_rfc3339(ctx.now())));
    if (existing != taints.end())
      *existing = std::move(taint);
    else
      taints.push_back(std::move(taint));
    added = true;
  }
  node list = node::list();
  for (auto& t : taints) list.push(t);
  node patch = node::map(), spec = node::map(), meta = node::map();
  spec.set("taints", taints.empty() ? node::null() : std::move(list));
  patch.set("spec", std::move(spec));
  // The whole list is written back: the version read above makes a concurrent change (the
  // node lifecycle controller's taints) a Conflict instead of a lost update.
  meta.set("resourceVersion", node::string(text_at(current, {"metadata", "resourceVersion"})));
  patch.set("metadata", std::move(meta));
  ctx.patch(kind, "", a.name, patch, patch_type::merge);
  // kubectl's words: "modified" with --overwrite or adds and removals together.
  const char* what = ctx.flags.on("overwrite") || (added && removed) ? "modified"
                     : added                                         ? "tainted"
                                                                     : "untainted";
  ctx.out << "node/" << a.name << " " << what << "\n";
  return 0;
}

// Cordons the node, then evicts its pods (deletes them with their grace period) and waits
// until they are gone. DaemonSet pods stay (with --ignore-daemonsets), mirror pods stay.
int cmd_drain(context& ctx) {
  auto name = node_argument(ctx, "drain");
  set_unschedulable(ctx, name, true);
  ctx.out << "node/" << name << " cordoned\n" << std::flush;
  auto& pods = ctx.kind("pods");
  std::vector<node> victims;
  std::vector<std::string> daemon, unmanaged;
  for (auto& item : ctx.list(pods, "", "", "spec.nodeName=" + name).items) {
    auto pod = codec::encode_object(item, pods);
    if (!text_at(pod, {"metadata", "annotations", "kubernetes.io/config.mirror"}).empty()) continue;
    std::string owner;
    if (auto* refs = lookup(pod, {"metadata", "ownerReferences"}))
      for (auto& r : refs->items())
        if (text_at(r, {"controller"}) == "true") owner = text_at(r, {"kind"});
    auto ref = text_at(pod, {"metadata", "namespace"}) + "/" + text_at(pod, {"metadata", "name"});
    if (owner == "DaemonSet") {
      daemon.push_back(ref);
      continue;
    }
    if (owner.empty()) unmanaged.push_back(ref);
    victims.push_back(std::move(pod));
  }
  TROUPE_REQUIRE(daemon.empty() || ctx.flags.on("ignore-daemonsets"), api_errc::bad_request,
                 "cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): " + join(daemon, ", "));
  TROUPE_REQUIRE(unmanaged.empty() || ctx.flags.on("force"), api_errc::bad_request,
                 "cannot delete Pods that declare no controller (use --force to override): " + join(unmanaged, ", "));
  if (!daemon.empty()) ctx.err << "Warning: ignoring DaemonSet-managed Pods: " << join(daemon, ", ") << "\n";
  auto grace = parse_int(ctx.flags.get("grace-period", "-1"));
  TROUPE_REQUIRE(grace && *grace >= -1, api_errc::bad_request, "--grace-period: invalid value");
  for (auto& pod : victims) {
    auto ns = text_at(pod, {"metadata", "namespace"}), pod_name = text_at(pod, {"metadata", "name"});
    ctx.out << "evicting pod " << ns << "/" << pod_name << "\n" << std::flush;
    auto req = make_request(api_verb::remove, "pods", ns, pod_name);
    req.grace_period = *grace;
    try {
      ctx.api().call(api_verb::remove, req);
    } catch (const rpc::server_error& e) {
      if (e.code() != api_errc::not_found) throw;
    }
  }
  auto timeout = parse_duration_ms(ctx.flags.get("timeout", "5m"));
  TROUPE_REQUIRE(timeout, api_errc::bad_request, "--timeout: invalid duration");
  auto deadline = monotonic_nanos() + *timeout * 1000000;
  for (auto& pod : victims) {
    auto ns = text_at(pod, {"metadata", "namespace"}), pod_name = text_at(pod, {"metadata", "name"});
    for (;;) {
      try {
        auto live = ctx.get(pods, ns, pod_name);
        if (text_at(codec::encode_object(live.object, pods), {"metadata", "uid"}) != text_at(pod, {"metadata", "uid"}))
          break;  // a new pod by that name
      } catch (const rpc::server_error& e) {
        if (e.code() != api_errc::not_found) throw;
        break;
      }
      TROUPE_REQUIRE(monotonic_nanos() < deadline, api_errc::timeout,
                     "drain did not complete within " + ctx.flags.get("timeout", "5m") + ": pod " + ns + "/" + pod_name + " is still there");
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ctx.out << "pod/" << pod_name << " evicted\n" << std::flush;
  }
  ctx.out << "node/" << name << " drained\n";
  return 0;
}

// `token create [--description D]`: a new join token, kept as a bootstrap-token Secret.
int cmd_token(context& ctx) {
  auto& args = ctx.flags.positional;
  TROUPE_REQUIRE(args.size() == 1 && args[0] == "create", api_errc::bad_request, "usage: troupe token create [--description TEXT]");
  auto token = make_token();
  auto req = make_request(api_verb::create, "secrets", "kube-system", "",
                          token_secret(token, ctx.flags.get("description", "made by troupe token create")));
  ctx.api().call(api_verb::create, req);
  ctx.out << token.text() << "\n";
  return 0;
}

}  // namespace troupe::cli
