// `troupe logs|exec` (reaching a pod's node) and `token create`.

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <thread>
#include <tuple>
#include <vector>

#include "actors/cluster/token.hpp"
#include "runtime/base/text.hpp"
#include "runtime/base/time.hpp"
#include "runtime/cli/columns.hpp"
#include "runtime/cli/context.hpp"
#include "runtime/cli/describe.hpp"
#include "runtime/cli/printers.hpp"
#include "runtime/cli/tabwriter.hpp"
#include "runtime/codec/object_codec.hpp"
#include "runtime/object/object.hpp"
#include "runtime/process/launcher.hpp"

namespace troupe::cli {
namespace {

using codec::node;

// kubectl's preference when one pod of many is taken (podutils.ByLogging): scheduled first,
// then Running, then ready, then the older.
bool better_for_logs(const node& a, const node& b) {
  auto rank = [](const node& pod) {
    bool scheduled = !text_at(pod, {"spec", "nodeName"}).empty();
    auto phase = text_at(pod, {"status", "phase"});
    int phase_rank = phase == "Running" ? 2 : phase == "Pending" ? 0 : 1;
    bool ready = false;
    if (auto* conds = lookup(pod, {"status", "conditions"}); conds && conds->is_list())
      for (auto& c : conds->items())
        ready |= text_at(c, {"type"}) == "Ready" && text_at(c, {"status"}) == "True";
    return std::make_tuple(scheduled, phase_rank, ready);
  };
  auto ra = rank(a), rb = rank(b);
  if (ra != rb) return ra > rb;
  return text_at(a, {"metadata", "creationTimestamp"}) < text_at(b, {"metadata", "creationTimestamp"});
}

// The pod `logs` or `exec` addresses, read: POD, pod/POD, or TYPE/NAME of something that selects
// pods (a workload or a Service), whose best pod is taken as kubectl takes it, saying so when
// there were several.
node pod_argument(context& ctx, const char* verb) {
  auto& args = ctx.flags.positional;
  TROUPE_REQUIRE(!args.empty(), api_errc::bad_request,
                 std::string(verb) == "exec"
                     ? "pod, type/name or --filename must be specified"
                     : "expected 'logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]'.\nPOD or TYPE/NAME is a required "
                       "argument for the logs command");
  const std::string& arg = args[0];
  auto slash = arg.find('/');
  auto& pod_kind = ctx.kind("pods");
  auto& kind = slash == std::string::npos ? pod_kind : ctx.kind(arg.substr(0, slash));
  std::string name = slash == std::string::npos ? arg : arg.substr(slash + 1);
  if (kind.kind == "Pod") return codec::encode_object(ctx.get(pod_kind, ctx.ns(), name).object, pod_kind);
  auto object = codec::encode_object(ctx.get(kind, ctx.ns(), name).object, kind);
  // A Service selects by a plain map, workloads by a LabelSelector.
  const node* selects = lookup(object, {"spec", "selector"});
  std::string selector = kind.kind == "Service" ? labels_text(selects) : label_selector_text(selects);
  TROUPE_REQUIRE(selector != "<none>", api_errc::bad_request,
                 "cannot find the pods of " + kind.singular_resource() + "/" + name + ": it selects none");
  // As kubectl's GetFirstPod: no pod yet is waited for, up to --pod-running-timeout.
  auto patience = ctx.flags.get("pod-running-timeout", "20s");
  auto patience_ms = parse_duration_ms(patience);
  TROUPE_REQUIRE(patience_ms && *patience_ms > 0, api_errc::bad_request,
                 "--pod-running-timeout must be higher than zero, got " + quote(patience));
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(*patience_ms);
  std::vector<node> pods;
  for (;;) {
    for (auto& item : ctx.list(pod_kind, ctx.ns(), selector).items)
      pods.push_back(codec::encode_object(item, pod_kind));
    if (!pods.empty()) break;
    TROUPE_REQUIRE(std::chrono::steady_clock::now() < deadline, api_errc::timeout,
                   "timed out waiting for the condition");
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  std::stable_sort(pods.begin(), pods.end(), better_for_logs);
  if (pods.size() > 1) ctx.err << "Found " << pods.size() << " pods, using pod/" << text_at(pods[0], {"metadata", "name"}) << "\n";
  return std::move(pods[0]);
}

// The container `logs` or `exec` reaches when no -c names one, as kubectl picks it: the one the
// pod's kubectl.kubernetes.io/default-container annotation names, else the first; when the pod
// has others, kubectl says so on stderr, or on `notes` (unless `quiet`).
std::string default_container(context& ctx, const node& pod, bool quiet, std::ostream* notes = nullptr) {
  std::vector<std::string> shown, names;
  for (auto [field, suffix] : {std::pair{"containers", ""}, {"initContainers", " (init)"}, {"ephemeralContainers", " (ephem)"}})
    if (auto* list = lookup(pod, {"spec", field}); list && list->is_list())
      for (auto& c : list->items()) {
        names.push_back(text_at(c, {"name"}));
        shown.push_back(names.back() + suffix);
      }
  auto* containers = lookup(pod, {"spec", "containers"});
  TROUPE_REQUIRE(containers && containers->is_list() && containers->size() > 0, api_errc::bad_request,
                 "pod " + text_at(pod, {"metadata", "namespace"}) + "/" + text_at(pod, {"metadata", "name"}) +
                     " does not have any containers");
  auto annotated = text_at(pod, {"metadata", "annotations", "kubectl.kubernetes.io/default-container"});
  if (!annotated.empty() && std::find(names.begin(), names.end(), annotated) != names.end()) return annotated;
  auto first = text_at(containers->items()[0], {"name"});
  if (!quiet && shown.size() > 1)
    (notes ? *notes : ctx.err) << "Defaulted container " << quote(first) << " out of: " << join(shown, ", ") << "\n";
  return first;
}

}  // namespace

std::string exec_container(context& ctx, const node& pod, std::ostream* notes) {
  auto phase = text_at(pod, {"status", "phase"});
  TROUPE_REQUIRE(phase != "Succeeded" && phase != "Failed", api_errc::bad_request,
                 "cannot exec into a container in a completed pod; current phase is " + phase);
  auto named = ctx.flags.get("container");
  return named.empty() ? default_container(ctx, pod, ctx.flags.on("quiet"), notes) : named;
}

namespace {

// One log a `logs` call reads: a container of a pod, and where its next read continues.
struct log_source {
  logs_request req;
  bool at_line_start = true;
  bool done = false;
  bool followed = false;    ///< read once already: only more of it is asked for now
  int64_t bytes_left = -1;  ///< --limit-bytes still to print; -1 without a limit
};

// Writes `text`, each line behind `prefix` when there is one ("[pod/web-1/nginx] ").
void write_log(std::ostream& out, log_source& source, const std::string& text, const std::string& prefix) {
  if (prefix.empty()) {
    out << text;
    return;
  }
  for (char c : text) {
    if (source.at_line_start) out << prefix;
    out << c;
    source.at_line_start = c == '\n';
  }
}

}  // namespace

// The reason a container that has never run is waiting (PodInitializing, ContainerCreating ...),
// from the pod's status; nothing once it has started, or when the status does not say.
std::optional<std::string> waiting_to_start(const node& pod, const std::string& container) {
  for (const char* field : {"initContainerStatuses", "containerStatuses"})
    if (auto* statuses = lookup(pod, {"status", field}); statuses && statuses->is_list())
      for (auto& status : statuses->items()) {
        if (text_at(status, {"name"}) != container) continue;
        if (!lookup(status, {"state", "waiting"}) || lookup(status, {"lastState", "terminated"}))
          return std::nullopt;
        auto reason = text_at(status, {"state", "waiting", "reason"});
        return reason.empty() ? std::string("ContainerCreating") : reason;
      }
  return std::nullopt;
}

int cmd_logs(context& ctx) {
  logs_request base;
  base.ns = ctx.ns();
  base.previous = ctx.flags.on("previous");
  bool by_selector = ctx.flags.has("selector");
  TROUPE_REQUIRE(!by_selector || ctx.flags.positional.empty(), api_errc::bad_request,
                 "only one of a selector or a pod name may be given");
  // As kubectl: the last 10 lines of each pod a selector picks, all lines of one named pod.
  auto tail = parse_int(ctx.flags.get("tail", by_selector ? "10" : "-1"));
  TROUPE_REQUIRE(tail && *tail >= -1, api_errc::bad_request, "--tail: invalid value " + quote(ctx.flags.get("tail")));
  base.tail = *tail;
  TROUPE_REQUIRE(!ctx.flags.has("since") || !ctx.flags.has("since-time"), api_errc::bad_request,
                 "at most one of `sinceTime` or `sinceSeconds` may be specified");
  if (ctx.flags.has("since-time")) {
    // An RFC 3339 time: the seconds since it, as the API server turns sinceTime into a start.
    auto at = parse_rfc3339(ctx.flags.get("since-time"));
    TROUPE_REQUIRE(at, api_errc::bad_request,
                   "--since-time: " + quote(ctx.flags.get("since-time")) + " is not an RFC3339 time");
    // A time still to come: nothing written so far is after it (a follow shows what comes).
    if (*at > unix_seconds()) base.tail = 0;
    else base.since_seconds = std::max<int64_t>(1, unix_seconds() - *at);
  }
  int64_t limit_bytes = -1;
  if (ctx.flags.has("limit-bytes")) {
    auto n = parse_int(ctx.flags.get("limit-bytes"));
    TROUPE_REQUIRE(n && *n > 0, api_errc::bad_request, "--limit-bytes: must be greater than 0");
    limit_bytes = *n;
  }
  if (ctx.flags.has("since")) {
    auto text = ctx.flags.get("since");
    auto ns = parse_go_duration_ns(text);
    TROUPE_REQUIRE(ns, api_errc::bad_request,
                   "invalid argument " + quote(text) + " for \"--since\" flag: time: invalid duration " + quote(text));
    TROUPE_REQUIRE(*ns >= 0, api_errc::bad_request, "--since must be greater than 0");
    // As kubectl: 0 is no limit; anything else is rounded to seconds, and the server refuses 0.
    if (*ns > 0) {
      base.since_seconds = (*ns + 500000000) / 1000000000;
      TROUPE_REQUIRE(base.since_seconds > 0, api_errc::bad_request,
                     "sinceSeconds: Invalid value: 0: must be greater than 0");
    }
  }
  base.timestamps = ctx.flags.on("timestamps");
  bool all_containers = ctx.flags.on("all-containers");
  // `logs POD CONTAINER`: kubectl's inline form of -c.
  std::string container = ctx.flags.get("container");
  auto& args = ctx.flags.positional;
  TROUPE_REQUIRE(args.size() <= 2, api_errc::bad_request,
                 "expected 'logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]'.\nPOD or TYPE/NAME is a "
                 "required argument for the logs command");
  if (args.size() == 2) {
    TROUPE_REQUIRE(!ctx.flags.has("container"), api_errc::bad_request,
                   "only one of -c or an inline [CONTAINER] arg is allowed");
    container = args[1];
  }
  TROUPE_REQUIRE(!all_containers || container.empty(), api_errc::bad_request,
                 "--all-containers=true should not be specified with container name " + container);

  // The pods themselves: their containers decide what is read.
  auto& pod_kind = ctx.kind("pods");
  std::vector<node> pods;
  if (by_selector) {
    for (auto& item : ctx.list(pod_kind, ctx.ns(), ctx.flags.get("selector")).items)
      pods.push_back(codec::encode_object(item, pod_kind));
    if (pods.empty()) {
      ctx.err << "No resources found in " << ctx.ns() << " namespace.\n";
      return 0;
    }
  } else {
    pods.push_back(pod_argument(ctx, "logs"));
  }
  std::vector<log_source> sources;
  for (auto& pod : pods) {
    // A pod no node runs yet has written nothing: the API server answers its log empty.
    if (text_at(pod, {"spec", "nodeName"}).empty()) continue;
    std::vector<std::string> containers{container};
    if (all_containers) {
      containers.clear();
      if (const node* spec = lookup(pod, {"spec"}); spec && spec->is_map())
        for (const node* c : containers_of(*spec)) containers.push_back(text_at(*c, {"name"}));
    } else if (containers[0].empty()) {
      containers[0] = default_container(ctx, pod, false);
    }
    for (auto& container : containers) {
      // As the kubelet answers: a container that has never run has no log yet.
      if (auto reason = waiting_to_start(pod, container); reason && !base.previous)
        throw rpc::server_error(api_error(api_errc::bad_request,
                                "container " + quote(container) + " in pod " +
                                    quote(text_at(pod, {"metadata", "name"})) +
                                    " is waiting to start: " + *reason));
      log_source source{base};
      source.bytes_left = limit_bytes;
      source.req.pod = text_at(pod, {"metadata", "name"});
      source.req.container = container;
      sources.push_back(std::move(source));
    }
  }
  bool prefix = ctx.flags.on("prefix");
  bool follow = ctx.flags.on("follow");
  for (;;) {
    bool any_left = false;
    for (auto& source : sources) {
      if (source.done) continue;
      logs_reply reply;
      try {
        reply = ctx.api().logs(source.req);
      } catch (const rpc::server_error& e) {
        // A followed pod deleted (or its container gone): its stream ends there, as kubectl's
        // does when the kubelet closes it, and the others go on.
        if (!source.followed || (e.code() != api_errc::not_found && e.code() != api_errc::bad_request)) throw;
        source.done = true;
        continue;
      }
      source.followed = true;
      std::string label = prefix ? "[pod/" + source.req.pod + "/" +
                                       (source.req.container.empty() ? std::string("-") : source.req.container) + "] "
                                 : "";
      // --limit-bytes bounds what each container's stream prints, as the kubelet bounds it.
      bool limited = source.bytes_left >= 0 && static_cast<int64_t>(reply.text.size()) >= source.bytes_left;
      if (limited) reply.text.resize(static_cast<size_t>(source.bytes_left));
      if (source.bytes_left >= 0) source.bytes_left -= static_cast<int64_t>(reply.text.size());
      write_log(ctx.out, source, reply.text, label);
      ctx.out << std::flush;
      source.done = !follow || !reply.running || limited;
      // Later reads continue where this one ended, whole.
      source.req.offset = reply.offset;
      source.req.tail = -1;
      source.req.since_seconds = 0;
      any_left = any_left || !source.done;
    }
    if (!any_left) return 0;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

int cmd_exec(context& ctx) {
  exec_request req;
  req.ns = ctx.ns();
  auto& args = ctx.flags.positional;
  TROUPE_REQUIRE(!args.empty(), api_errc::bad_request, "pod, type/name or --filename must be specified");
  req.command = ctx.flags.after_dashes;
  if (req.command.empty() && args.size() > 1) {
    // kubectl 1.29 still runs `exec POD COMMAND`, with its warning.
    req.command.assign(args.begin() + 1, args.end());
    ctx.err << "troupe exec [POD] [COMMAND] is DEPRECATED and will be removed in a future version. Use troupe exec "
               "[POD] -- [COMMAND] instead.\n";
  }
  TROUPE_REQUIRE(!req.command.empty(), api_errc::bad_request,
                 "you must specify at least one command for the container");
  auto pod = pod_argument(ctx, "exec");
  req.pod = text_at(pod, {"metadata", "name"});
  req.container = exec_container(ctx, pod);
  if (ctx.flags.on("stdin")) {
    if (ctx.flags.on("tty")) {
      // The command runs to completion with its output returned at the end: there is no
      // terminal to give it. Without one to read from, kubectl itself goes on without a TTY
      // (and -t without -i it drops silently).
      TROUPE_REQUIRE(!isatty(STDIN_FILENO), api_errc::bad_request,
                     "-t/--tty is not supported: troupe exec runs the command to completion and returns its "
                     "output, with no terminal (-i alone gives it this terminal's input up to end of file)");
      if (!ctx.flags.on("quiet")) ctx.err << "Unable to use a TTY - input is not a terminal or the right kind of file\n";
    }
    req.with_stdin = true;
    char chunk[65536];
    while (req.input.size() <= exec_max_bytes && ctx.in.read(chunk, sizeof chunk).gcount() > 0)
      req.input.append(chunk, static_cast<size_t>(ctx.in.gcount()));
    TROUPE_REQUIRE(req.input.size() <= exec_max_bytes, api_errc::bad_request,
                   "exec -i: stdin holds more than the 32 MiB an exec takes");
  }
  if (ctx.flags.has("timeout")) {
    auto ms = parse_duration_ms(ctx.flags.get("timeout"));
    TROUPE_REQUIRE(ms && *ms > 0, api_errc::bad_request, "--timeout: invalid duration");
    req.timeout_ms = *ms;
  }
  auto reply = ctx.api().exec(req);
  // The node keeps a byte past what it returns, so output it cut is told, not passed off whole.
  bool cut = reply.out.size() > exec_max_bytes || reply.err.size() > max_error_output;
  if (reply.out.size() > exec_max_bytes) reply.out.resize(exec_max_bytes);
  if (reply.err.size() > max_error_output) reply.err.resize(max_error_output);
  ctx.out << reply.out << std::flush;
  ctx.err << reply.err;
  if (cut) {
    ctx.err << "error: the command's output was cut: troupe exec returns it when the command ends, "
               "at most 32 MiB of stdout and 1 MiB of stderr\n";
    return 1;
  }
  if (reply.exit_code != 0) ctx.err << "command terminated with exit code " << reply.exit_code << "\n";
  return reply.exit_code;
}

// Go's duration.ShortHumanDuration, as kubeadm's TTL column prints it.
std::string short_human_duration(int64_t seconds) {
  if (seconds < -1) return "<invalid>";
  if (seconds < 0) return "0s";
  if (seconds < 60) return std::to_string(seconds) + "s";
  if (seconds < 3600) return std::to_string(seconds / 60) + "m";
  if (seconds < 86400) return std::to_string(seconds / 3600) + "h";
  if (seconds < 86400 * 365) return std::to_string(seconds / 86400) + "d";
  return std::to_string(seconds / (86400 * 365)) + "y";
}

// `token list`: the join tokens as kubeadm's `token list` prints bootstrap tokens.
int token_list(context& ctx) {
  auto& secrets = *ctx.kinds.find_by_resource("secrets");
  auto listed = ctx.list(secrets, "kube-system", "", "type=bootstrap.kubernetes.io/token");
  std::string table = "TOKEN\tTTL\tEXPIRES\tUSAGES\tDESCRIPTION\tEXTRA GROUPS\n";
  int64_t now = unix_seconds();
  for (auto& item : listed.items) {
    auto token = read_token_secret(item);
    std::string ttl = "<forever>", expires = "<never>";
    if (!token.expiration.empty()) {
      auto until = parse_rfc3339(token.expiration);
      ttl = until ? short_human_duration(*until - now) : "<invalid>";
      expires = token.expiration;
    }
    table += token.token + "\t" + ttl + "\t" + expires + "\t" +
             (token.usages.empty() ? "<none>" : join(token.usages, ",")) + "\t" +
             token.description + "\t<none>\n";
  }
  if (listed.items.empty()) return 0;
  ctx.out << tabbed(table, tab_settings{10, 4, 3, false});  // kubeadm's tabwriter
  return 0;
}

// `token delete TOKEN-ID|TOKEN...`: the tokens' Secrets go, and agents can no longer join with
// them.
int token_delete(context& ctx) {
  auto& args = ctx.flags.positional;
  TROUPE_REQUIRE(args.size() >= 2, api_errc::bad_request,
                 "missing argument; 'token delete' is missing token of form \"[a-z0-9]{6}\" or "
                 "\"[a-z0-9]{6}\\.[a-z0-9]{16}\"");
  for (size_t i = 1; i < args.size(); ++i) {
    std::string id = args[i].substr(0, args[i].find('.'));
    TROUPE_REQUIRE(parse_token(args[i]) || token_id_valid(args[i]), api_errc::bad_request,
                   "given token didn't match pattern \"^([a-z0-9]{6})$\" or "
                   "\"^([a-z0-9]{6})\\.([a-z0-9]{16})$\"");
    ctx.api().call(api_verb::remove, make_request(api_verb::remove, "secrets", "kube-system",
                                                  "bootstrap-token-" + id));
    ctx.out << "bootstrap token \"" << id << "\" deleted\n";
  }
  return 0;
}

// `token create [--description D] [--ttl DURATION]`: a new join token, kept as a
// bootstrap-token Secret; as kubeadm's and k3s' it expires after a day unless told otherwise
// (`--ttl 0`: never). `token list`, `token delete`.
int cmd_token(context& ctx) {
  auto& args = ctx.flags.positional;
  if (!args.empty() && args[0] == "list" && args.size() == 1) return token_list(ctx);
  if (!args.empty() && args[0] == "delete") return token_delete(ctx);
  TROUPE_REQUIRE(args.size() == 1 && args[0] == "create", api_errc::bad_request,
                 "usage: troupe token create [--description TEXT] [--ttl DURATION] | token list | "
                 "token delete TOKEN...");
  std::string error;
  auto ttl = parse_go_duration_ns(ctx.flags.get("ttl", "24h0m0s"), &error);
  TROUPE_REQUIRE(ttl && *ttl >= 0, api_errc::bad_request,
                 "invalid argument " + quote(ctx.flags.get("ttl")) +
                     " for \"--ttl\" flag: " + (ttl ? std::string("a negative duration") : error));
  int64_t expires = *ttl == 0 ? 0 : unix_seconds() + std::max<int64_t>(1, *ttl / 1000000000);
  auto token = make_token();
  auto req = make_request(
      api_verb::create, "secrets", "kube-system", "",
      token_secret(token, ctx.flags.get("description", "made by troupe token create"), expires));
  ctx.api().call(api_verb::create, req);
  ctx.out << token.text() << "\n";
  return 0;
}

}  // namespace troupe::cli
