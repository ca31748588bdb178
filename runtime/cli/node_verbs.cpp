// `troupe cordon|uncordon|drain|taint`: the verbs that act on nodes, as kubectl's.

#include <algorithm>
#include <chrono>
#include <exception>
#include <optional>
#include <thread>
#include <vector>

#include "runtime/base/text.hpp"
#include "runtime/base/time.hpp"
#include "runtime/cli/context.hpp"
#include "runtime/cli/describe.hpp"
#include "runtime/cli/printers.hpp"
#include "runtime/codec/object_codec.hpp"
#include "runtime/object/object.hpp"
#include "runtime/object/selector.hpp"
#include "runtime/object/taints.hpp"

namespace troupe::cli {
namespace {

using codec::node;

// kubectl drain's verdict on one pod. Its filters run in order (DaemonSet, local storage, no
// controller): the first refusal or skip decides, else the last warning stands; a finished
// pod passes them all.
struct drain_verdict {
  bool evict = true;
  std::string refusal, warning;
};

drain_verdict drain_verdict_of(const node& pod, bool ignore_daemonsets, bool delete_emptydir_data, bool force) {
  auto phase = text_at(pod, {"status", "phase"});
  bool finished = phase == "Succeeded" || phase == "Failed";
  std::string owner;
  for (auto& r : items_of(lookup(pod, {"metadata", "ownerReferences"})))
    if (text_at(r, {"controller"}) == "true") owner = text_at(r, {"kind"});
  drain_verdict v;
  if (finished) return v;
  if (owner == "DaemonSet") {
    v.evict = false;
    if (ignore_daemonsets) v.warning = "ignoring DaemonSet-managed Pods";
    else v.refusal = "DaemonSet-managed Pods (use --ignore-daemonsets to ignore)";
    return v;
  }
  bool empty_dir = false;
  for (auto& volume : items_of(lookup(pod, {"spec", "volumes"}))) empty_dir = empty_dir || volume.find("emptyDir");
  if (empty_dir) {
    if (!delete_emptydir_data) return {false, "Pods with local storage (use --delete-emptydir-data to override)", ""};
    v.warning = "deleting Pods with local storage";
  }
  // The last filter's word stands: with a controller it says nothing, and the local storage
  // warning goes (kubectl drops it the same way).
  if (owner.empty() && !force) return {false, "Pods declare no controller (use --force to override)", ""};  // sic
  v.warning = owner.empty() ? "deleting Pods that declare no controller" : "";
  return v;
}

// The nodes `cordon`, `uncordon` and `drain` act on, as kubectl picks them: names, or every
// node a label selector (-l) matches, never both.
std::vector<node> node_arguments(context& ctx, const char* verb) {
  std::vector<node> nodes;
  auto& kind = ctx.kind("nodes");
  if (ctx.flags.has("selector")) {
    TROUPE_REQUIRE(ctx.flags.positional.empty(), api_errc::bad_request,
                   "cannot specify both a node name and a --selector option");
    auto selector = ctx.flags.get("selector");
    TROUPE_REQUIRE(!selector.empty(), api_errc::bad_request,
                   "You must provide one or more resources by argument or filename.");
    for (auto& item : ctx.list(kind, "", selector).items) nodes.push_back(codec::encode_object(item, kind));
    return nodes;
  }
  TROUPE_REQUIRE(!ctx.flags.positional.empty(), api_errc::bad_request, std::string("USAGE: ") + verb + " NODE [flags]");
  for (auto name : ctx.flags.positional) {
    if (auto slash = name.find('/'); slash != std::string::npos) name = name.substr(slash + 1);
    // Every node looked up before any is changed, as kubectl does.
    nodes.push_back(codec::encode_object(ctx.get(kind, "", name).object, kind));
  }
  return nodes;
}

std::string name_of(const node& object) { return text_at(object, {"metadata", "name"}); }

// False when the node (as read) already was so. A client dry run changes nothing; a server dry
// run sends the change for the server to admit and not store.
bool set_unschedulable(context& ctx, const node& current, bool value) {
  bool now = text_at(current, {"spec", "unschedulable"}) == "true";
  if (now == value) return false;
  if (ctx.dry_run()) return true;
  node patch = node::map(), spec = node::map();
  spec.set("unschedulable", value ? node::plain("true") : node::null());
  patch.set("spec", std::move(spec));
  ctx.patch(ctx.kind("nodes"), "", name_of(current), patch, patch_type::merge);
  return true;
}

std::string field(const node& taint, std::string_view name) {
  const node* f = taint.find(name);
  return f && f->is_scalar() ? f->text() : "";
}

// Cordons (or uncordons) each node; one that fails is reported and the others still go, as
// kubectl does. False when any failed.
bool set_each_unschedulable(context& ctx, const std::vector<node>& nodes, bool value) {
  const char* verb = value ? "cordon" : "uncordon";
  bool all = true;
  for (auto& current : nodes) {
    auto name = name_of(current);
    try {
      bool changed = set_unschedulable(ctx, current, value);
      ctx.out << "node/" << name << (changed ? " " : " already ") << verb << "ed" << ctx.dry_run_suffix() << "\n"
              << std::flush;
    } catch (const api_error& e) {
      ctx.err << "error: unable to " << verb << " node " << quote(name) << ": " << e.message() << "\n";
      all = false;
    }
  }
  return all;
}

int cordon_or_uncordon(context& ctx, bool value) {
  const char* verb = value ? "cordon" : "uncordon";
  TROUPE_REQUIRE(set_each_unschedulable(ctx, node_arguments(ctx, verb), value), api_errc::bad_request,
                 std::string("unable to ") + verb + " at least one node");
  return 0;
}

}  // namespace

int cmd_cordon(context& ctx) { return cordon_or_uncordon(ctx, true); }

int cmd_uncordon(context& ctx) { return cordon_or_uncordon(ctx, false); }

namespace {

// One node's taints changed as kubectl taint changes them: a taint with an existing key and
// effect needs --overwrite; removing one that is not there is an error.
void taint_node(context& ctx, const kind_info& kind, const std::string& name,
                const std::vector<taint_spec>& changes) {
  auto current = codec::encode_object(ctx.get(kind, "", name).object, kind);
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
                   "node " + name + " already has " + change.key +
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
  if (!ctx.dry_run()) ctx.patch(kind, "", name, patch, patch_type::merge);
  // kubectl's words: "modified" with --overwrite or adds and removals together.
  const char* what = ctx.flags.on("overwrite") || (added && removed) ? "modified"
                     : added                                         ? "tainted"
                                                                     : "untainted";
  ctx.out << "node/" << name << " " << what << ctx.dry_run_suffix() << "\n";
}

}  // namespace

// `troupe taint node NAME|-l SEL|--all KEY[=VALUE]:EFFECT... KEY[:EFFECT]-...` as kubectl.
int cmd_taint(context& ctx) {
  auto& kind = ctx.kind("nodes");
  auto& args = ctx.flags.positional;
  auto selector = ctx.flags.get("selector");
  bool many = !selector.empty() || ctx.flags.on("all");  // an empty -l is no selector, as in kubectl
  TROUPE_REQUIRE(selector.empty() || !ctx.flags.on("all"), api_errc::bad_request,
                 "setting 'all' parameter with a non empty selector is prohibited");
  // kubectl's split: the resources (TYPE NAME... or TYPE/NAME...), then the taint changes.
  auto is_taint = [](const std::string& arg) {
    return arg.find_first_of(":=") != std::string::npos || (!arg.empty() && arg.back() == '-');
  };
  std::vector<std::string> resources, updates;
  for (auto& arg : args) {
    TROUPE_REQUIRE(updates.empty() || is_taint(arg), api_errc::bad_request,
                   "all resources must be specified before taint changes: " + arg);
    (is_taint(arg) ? updates : resources).push_back(arg);
  }
  TROUPE_REQUIRE(!resources.empty(), api_errc::bad_request, "you must specify the type of resource to taint");
  bool typed_names = resources[0].find('/') != std::string::npos;
  // With -l or --all the nodes are chosen, so only the type may be named.
  TROUPE_REQUIRE(!many || (!typed_names && resources.size() == 1), api_errc::bad_request,
                 "resource names cannot be given with --all or a selector");
  TROUPE_REQUIRE(many || typed_names || resources.size() > 1, api_errc::bad_request,
                 "at least one resource name must be specified since 'all' parameter is not set");
  auto check_type = [&](const std::string& type) {
    auto& named = ctx.kind(type);
    TROUPE_REQUIRE(&named == &kind, api_errc::bad_request, "taint works on nodes, not " + named.resource());
  };
  std::vector<std::string> names;
  for (size_t i = typed_names ? 0 : 1; i < resources.size(); ++i) {
    auto slash = resources[i].find('/');
    TROUPE_REQUIRE(typed_names == (slash != std::string::npos), api_errc::bad_request,
                   "there is no need to specify a resource type as a separate argument when passing arguments in "
                   "resource/name form (e.g. 'troupe taint node/a1 KEY=VALUE:EFFECT' instead of 'troupe taint "
                   "node node/a1 KEY=VALUE:EFFECT')");
    check_type(typed_names ? resources[i].substr(0, slash) : resources[0]);
    names.push_back(typed_names ? resources[i].substr(slash + 1) : resources[i]);
  }
  if (many) check_type(resources[0]);  // the type alone: no name above checked it
  TROUPE_REQUIRE(!updates.empty(), api_errc::bad_request,
                 "at least one taint update is required: KEY[=VALUE]:EFFECT or KEY[:EFFECT]-");
  std::vector<taint_spec> changes;
  for (auto& arg : updates) {
    auto change = parse_taint_spec(arg);
    for (auto& earlier : changes)
      TROUPE_REQUIRE(earlier.key != change.key || earlier.effect != change.effect || earlier.remove != change.remove,
                     api_errc::bad_request,
                     "taint " + quote(change.key + ":" + change.effect) + " is named twice");
    changes.push_back(std::move(change));
  }
  // kubectl's check: a taint added and removed in one command (a removal without an effect
  // takes every effect of its key).
  std::vector<std::string> conflicts;
  for (auto& added : changes)
    for (auto& removed : changes)
      if (removed.remove && !added.remove && added.key == removed.key &&
          (removed.effect.empty() || removed.effect == added.effect))
        conflicts.push_back(removed.key + "=" + removed.effect);
  TROUPE_REQUIRE(conflicts.empty(), api_errc::bad_request,
                 "can not both modify and remove the following taint(s) in the same command: " + join(conflicts, ", "));
  if (many)
    for (auto& item : ctx.list(kind, "", selector).items)
      names.push_back(text_at(codec::encode_object(item, kind), {"metadata", "name"}));
  // As kubectl: a node that fails does not stop the others; the errors come together at the end.
  std::vector<api_error> failures;
  std::exception_ptr first;  // one failure is rethrown as it was: the server's stays the server's
  for (auto& name : names) {
    try {
      taint_node(ctx, kind, name, changes);
    } catch (const api_error& e) {
      failures.push_back(e);
      if (!first) first = std::current_exception();
    }
  }
  if (failures.size() == 1) std::rethrow_exception(first);
  if (!failures.empty()) {
    std::vector<std::string> messages;
    for (auto& f : failures) messages.push_back(f.message());
    throw api_error(failures[0].code(), "[" + join(messages, ", ") + "]");
  }
  return 0;
}

namespace {

struct drain_settings {
  int64_t grace = -1;
  int64_t timeout_ms = 0;
  std::string timeout_text;
  std::string pod_selector;
};

// Why a node could not be drained: kubectl's error, and the lines that detail it.
struct drain_failure {
  std::string why;
  std::vector<std::string> details;
};

// Evicts a cordoned node's pods (deletes them with their grace period) and waits until they
// are gone. DaemonSet pods stay (with --ignore-daemonsets), mirror pods stay. A dry run says
// what it would evict and waits for nothing.
std::optional<drain_failure> drain_node(context& ctx, const std::string& name, const drain_settings& settings) {
  auto suffix = ctx.dry_run_suffix();
  auto& pods = ctx.kind("pods");
  std::vector<node> victims;
  // Pods grouped by the message kubectl gives them, in the order messages first appear.
  std::vector<std::pair<std::string, std::vector<std::string>>> refusals, notices;
  auto add = [](auto& groups, const std::string& message, const std::string& ref) {
    auto at = std::find_if(groups.begin(), groups.end(), [&](auto& g) { return g.first == message; });
    if (at == groups.end()) at = groups.insert(groups.end(), {message, {}});
    at->second.push_back(ref);
  };
  for (auto& item : ctx.list(pods, "", settings.pod_selector, "spec.nodeName=" + name).items) {
    auto pod = codec::encode_object(item, pods);
    if (!text_at(pod, {"metadata", "annotations", "kubernetes.io/config.mirror"}).empty()) continue;
    auto ref = text_at(pod, {"metadata", "namespace"}) + "/" + text_at(pod, {"metadata", "name"});
    auto verdict = drain_verdict_of(pod, ctx.flags.on("ignore-daemonsets"), ctx.flags.on("delete-emptydir-data"),
                                    ctx.flags.on("force"));
    if (!verdict.refusal.empty()) add(refusals, verdict.refusal, ref);
    if (!verdict.warning.empty()) add(notices, verdict.warning, ref);
    if (verdict.evict) victims.push_back(std::move(pod));
  }
  if (!refusals.empty()) {
    // kubectl's wording: the error (a Go list when several), then each alone.
    std::vector<std::string> errors;
    for (auto& [message, refs] : refusals) errors.push_back("cannot delete " + message + ": " + join(refs, ", "));
    return drain_failure{errors.size() == 1 ? errors[0] : "[" + join(errors, ", ") + "]", errors};
  }
  std::vector<std::string> warnings;
  for (auto& [message, refs] : notices) warnings.push_back(message + ": " + join(refs, ", "));
  if (!warnings.empty()) ctx.err << "Warning: " << join(warnings, "; ") << "\n";
  for (auto& pod : victims) {
    auto ns = text_at(pod, {"metadata", "namespace"}), pod_name = text_at(pod, {"metadata", "name"});
    ctx.out << "evicting pod " << ns << "/" << pod_name << suffix << "\n" << std::flush;
    if (ctx.dry_run()) continue;
    auto req = make_request(api_verb::remove, "pods", ns, pod_name);
    req.grace_period = settings.grace;
    try {
      ctx.api().call(api_verb::remove, req);
    } catch (const rpc::server_error& e) {
      if (e.code() != api_errc::not_found) throw;
    }
  }
  if (!suffix.empty()) return std::nullopt;
  // Every pod is waited for at once, as kubectl waits for each on its own: one that takes its
  // time does not hold back the news of the others.
  auto gone = [&](const node& pod) {
    try {
      auto live = ctx.get(pods, text_at(pod, {"metadata", "namespace"}), text_at(pod, {"metadata", "name"}));
      // A new pod by that name is not the one evicted.
      return text_at(codec::encode_object(live.object, pods), {"metadata", "uid"}) != text_at(pod, {"metadata", "uid"});
    } catch (const rpc::server_error& e) {
      if (e.code() != api_errc::not_found) throw;
      return true;
    }
  };
  // 0 (the default) waits for as long as it takes, as kubectl's drain.
  auto deadline = settings.timeout_ms == 0 ? INT64_MAX : monotonic_nanos() + settings.timeout_ms * 1000000;
  std::vector<const node*> pending;
  for (auto& pod : victims) pending.push_back(&pod);
  while (!pending.empty()) {
    std::vector<const node*> still;
    for (auto* pod : pending) {
      if (gone(*pod))
        ctx.out << "pod/" << text_at(*pod, {"metadata", "name"}) << " evicted\n" << std::flush;
      else
        still.push_back(pod);
    }
    pending = std::move(still);
    if (pending.empty()) break;
    if (monotonic_nanos() >= deadline) {
      auto why = "drain did not complete within " + settings.timeout_text + ": pod " +
                 text_at(*pending[0], {"metadata", "namespace"}) + "/" + text_at(*pending[0], {"metadata", "name"}) +
                 " is still there";
      return drain_failure{why, {why}};
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return std::nullopt;
}

}  // namespace

int cmd_drain(context& ctx) {
  auto nodes = node_arguments(ctx, "drain");
  std::vector<std::string> names;
  for (auto& n : nodes) names.push_back(name_of(n));
  drain_settings settings;
  auto grace = parse_int(ctx.flags.get("grace-period", "-1"));
  TROUPE_REQUIRE(grace && *grace >= -1, api_errc::bad_request, "--grace-period: invalid value");
  settings.grace = *grace;
  settings.timeout_text = ctx.flags.get("timeout", "0s");
  auto timeout = parse_duration_ms(settings.timeout_text);
  TROUPE_REQUIRE(timeout, api_errc::bad_request, "--timeout: invalid duration");
  settings.timeout_ms = *timeout;
  settings.pod_selector = ctx.flags.get("pod-selector");
  try {
    label_selector::parse(settings.pod_selector);
  } catch (const api_error&) {
    throw api_error(api_errc::bad_request, "--pod-selector=<pod_selector> must be a valid label selector");
  }
  // As kubectl: every node cordoned first, so pods evicted from one cannot land on the next;
  // then drained one by one, stopping at the first that cannot be, which names those left.
  TROUPE_REQUIRE(set_each_unschedulable(ctx, nodes, true), api_errc::bad_request, "unable to cordon at least one node");
  for (size_t i = 0; i < names.size(); ++i) {
    if (auto failure = drain_node(ctx, names[i], settings)) {
      ctx.err << "error: unable to drain node " << quote(names[i]) << " due to error: " << failure->why
              << ", continuing command...\nThere are pending nodes to be drained:\n";
      for (size_t j = i; j < names.size(); ++j) ctx.err << " " << names[j] << "\n";
      ctx.err << join(failure->details, "\n") << "\n";
      return 1;
    }
    ctx.out << "node/" << names[i] << " drained" << ctx.dry_run_suffix() << "\n" << std::flush;
  }
  return 0;
}

}  // namespace troupe::cli
