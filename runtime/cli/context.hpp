#pragma once
// What every CLI command works with: its flags, the kinds, the output streams and a lazily
// opened connection to the server (--server, $TROUPE_SERVER, or the client config file).

#include <chrono>
#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "runtime/cli/flags.hpp"
#include "runtime/codec/tree.hpp"
#include "runtime/object/kinds.hpp"
#include "runtime/rpc/client.hpp"
#include "runtime/server/options.hpp"

namespace troupe::cli {

/// The one context a client config holds, as kubectl names its contexts (`--context`, `config`).
constexpr const char* client_context_name = "troupe";

class context {
 public:
  context(const kind_registry& kinds, parsed_flags flags, std::istream& in, std::ostream& out,
          std::ostream& err);
  ~context();

  const kind_registry& kinds;
  parsed_flags flags;
  std::istream& in;
  std::ostream& out;
  std::ostream& err;

  rpc::client& api();
  /// --server, else $TROUPE_SERVER, else the client config's; throws saying where to get one.
  std::string server_address() const;
  /// -n, else the client config's namespace, else "default".
  std::string ns() const;
  /// --client-config, else $TROUPE_CONFIG, else ~/.troupe/config.
  std::string config_path() const;
  /// The client config, read once (empty when there is no file).
  const client_config& config() const;
  bool all_namespaces() const { return flags.on("all-namespaces"); }
  /// --dry-run[=client|none|server]: true (client) when nothing may be sent that changes state.
  /// A bare --dry-run (or =true) is client, =false is none, as in kubectl; any other value is
  /// kubectl's error.
  bool dry_run() const;
  /// --dry-run=server: writes are sent as the server's dry run (admitted, answered, never
  /// stored); api() sets that up.
  bool server_dry_run() const;
  /// " (dry run)" or " (server dry run)", else "": the tail of every line that reports a change.
  std::string dry_run_suffix() const {
    return dry_run() ? " (dry run)" : server_dry_run() ? " (server dry run)" : "";
  }
  int64_t now() const;
  /// --subresource: true for "status" (get, patch and replace then read and write an object
  /// through its status, which only `kinds` that have one do; any other such kind is kubectl's
  /// NotFound); false when not given. Throws kubectl's error for another value.
  bool status_subresource(const std::vector<const kind_info*>& kinds) const;

  /// The kind a user typed ("po", "deployments.apps", "Deployment"); throws a clear error.
  const kind_info& kind(const std::string& text) const;
  /// The namespace to address `kind` in ("" for cluster-scoped kinds).
  std::string ns_for(const kind_info& kind) const { return kind.namespaced ? ns() : ""; }

  // Calls that fill in resource and namespace.
  rpc::call_result get(const kind_info& kind, const std::string& ns, const std::string& name);
  rpc::call_result list(const kind_info& kind, const std::string& ns,
                        const std::string& labels = "", const std::string& fields = "");
  rpc::call_result patch(const kind_info& kind, const std::string& ns, const std::string& name,
                         const codec::node& patch, patch_type type);
  /// Watches the one object `name` from `revision`, passing each event to `on_event` until it
  /// returns false (then true) or `patience` passes (then false); `get` then this misses no
  /// change in between.
  bool watch_object(const kind_info& kind, const std::string& ns, const std::string& name,
                    uint64_t revision, const std::function<bool(const rpc::event&)>& on_event,
                    std::chrono::milliseconds patience);

  /// Objects of `kind` selected by -l (all of them with --all).
  std::vector<std::string> selected_names(const kind_info& kind);

 private:
  std::unique_ptr<rpc::client> client_;
  mutable std::optional<client_config> config_;
};

/// A version's {major, minor, gitVersion} (and the `client`'s platform), as `version -o json`
/// and the server's /version show it.
codec::node version_info(const std::string& version, bool client);
/// The verbs every resource serves (discovery and `api-resources -o wide` name them).
const std::vector<std::string>& served_verbs();

/// kubectl's error when a wait (wait, delete --wait) runs out of time; it names the resource
/// without its group: deployments/web.
api_error timed_out_waiting_on(const kind_info& kind, const std::string& name);

/// Resources named on the command line, in kubectl's two forms: `TYPE/NAME ...` (each with
/// its own type) or `TYPE[,TYPE...] [NAME ...]`.
struct resource_args {
  std::vector<std::pair<const kind_info*, std::string>> named;  ///< in the order given
  std::vector<const kind_info*> types;  ///< the TYPEs of the second form (empty in the first)
};
/// Throws kubectl's errors for a malformed TYPE/NAME; `missing` is the error for no arguments.
resource_args parse_resource_args(context& ctx, const std::string& missing);
/// As above, for arguments other than the positional ones (label's, before its changes).
resource_args parse_resource_args(context& ctx, const std::vector<std::string>& args,
                                  const std::string& missing);

/// One object a verb acts on.
struct object_key {
  const kind_info* kind = nullptr;
  std::string ns;
  std::string name;
};
/// The objects `args` name, or for TYPEs without names those -l selects (every one with
/// --all), in -n's namespace or, under -A, in all of them. Throws kubectl's errors for names
/// given with a selector, and for neither.
std::vector<object_key> chosen_objects(context& ctx, const resource_args& args);

/// The objects the manifests of -f name (files, directories, `-`, comma-separated lists),
/// each in its own namespace or -n's; throws for a document that does not decode.
std::vector<object_key> file_objects(context& ctx);

/// kubectl's line for an error the server answered: "Error from server (NotFound): <doing>msg".
void print_server_error(std::ostream& err, const api_error& e, const std::string& doing = "");

/// Each command: returns the exit code; throws api_error for the error line.
int cmd_get(context& ctx);
/// `get --raw PATH` (raw.cpp).
int get_raw(context& ctx);
int cmd_api_resources(context& ctx);
int cmd_apply(context& ctx);
int cmd_create(context& ctx);
int cmd_run(context& ctx);
int cmd_expose(context& ctx);
int cmd_config(context& ctx);
int cmd_set(context& ctx);
int cmd_explain(context& ctx);
int cmd_diff(context& ctx);
int cmd_replace(context& ctx);
int cmd_delete(context& ctx);
int cmd_describe(context& ctx);
int cmd_label(context& ctx);
int cmd_annotate(context& ctx);
int cmd_patch(context& ctx);
int cmd_scale(context& ctx);
int cmd_edit(context& ctx);
int cmd_wait(context& ctx);
int cmd_logs(context& ctx);
int cmd_exec(context& ctx);
int cmd_cp(context& ctx);
int cmd_events(context& ctx);
/// The container `exec` or `cp` runs in: -c, else kubectl's default (the pod's
/// kubectl.kubernetes.io/default-container, else its first; when it has others, kubectl's note
/// on stderr or `notes`, unless -q). Refuses a pod that has finished, as kubectl does.
std::string exec_container(context& ctx, const codec::node& pod, std::ostream* notes = nullptr);
int cmd_cordon(context& ctx);
int cmd_uncordon(context& ctx);

int cmd_drain(context& ctx);
int cmd_taint(context& ctx);
int cmd_token(context& ctx);

/// The flags `command` takes: kubectl's global flags and the verb's own (short flags differ
/// by verb: -f is --follow for logs, --filename elsewhere).
std::vector<flag_spec> cli_flags(const std::string& command);

}  // namespace troupe::cli
