#pragma once
// Manifests read from -f (files, directories, `-`, comma-separated lists) and what apply and
// diff share about them: the namespace and name each goes to, the object apply sends with its
// last-applied record, and the three-way patch against the live object. Internal to the CLI.

#include <optional>
#include <string>
#include <vector>

#include "runtime/cli/context.hpp"
#include "runtime/codec/object_codec.hpp"
#include "runtime/codec/tree.hpp"

namespace troupe::cli {

/// kubectl's annotation, so a manifest applied by either tool diffs the same way.
inline constexpr const char* last_applied = "kubectl.kubernetes.io/last-applied-configuration";

/// One document of a -f file: the object decoded from it, or kubectl's one-line error for
/// a document the client cannot decode (reported in its place; the others still go).
struct document {
  codec::manifest m;
  std::string error;
  std::string source;  ///< the file as kubectl names it in errors ("cm.yaml", "STDIN")
  /// Made by a `create` subcommand rather than read from a file: kubectl's words for its
  /// failure ("failed to create configmap: "), or "" for the server's error as it is.
  std::optional<std::string> generated_failure;
};

/// Every document named by -f (files, directories, `-` for stdin), read before anything is
/// sent; throws "no objects passed to VERB" when there is none. With -l, only the documents
/// whose own labels match (one that did not decode is kept, to be reported).
std::vector<document> read_manifests(context& ctx, const char* verb);

/// The namespace a manifest goes to: its own, else -n, else "default"; a clash with -n is an
/// error, as in kubectl. "" for cluster-scoped kinds.
std::string namespace_of(context& ctx, const codec::manifest& m);

/// The manifest's metadata.name.
std::string name_of(const codec::manifest& m);

/// A request for the manifest's object in `ns`, carrying `object` (flat-array bytes).
api_request request_for(const codec::manifest& m, const std::string& ns, std::string object);

/// The manifest as apply sends it to `ns`: with its own last-applied record (never a nested
/// one).
codec::node desired_of(const codec::manifest& m, const std::string& ns);

/// The live object, or nothing when there is none yet.
std::optional<rpc::call_result> live_of(context& ctx, const codec::manifest& m, const std::string& ns);

/// The strategic patch that takes `current` to `desired`: a three-way merge against the
/// last-applied record, so fields others set are kept and fields dropped from the manifest go.
codec::node apply_patch(const codec::node& current, const codec::node& desired);

/// Deletes the object (its own grace period) and waits until it is gone (replace --force).
void delete_and_wait(context& ctx, const kind_info& kind, const std::string& ns, const std::string& name);

/// Throws kubectl's "Unexpected args: [...]" for positional words a verb reading -f does not take.
void refuse_positional(const context& ctx);

/// `apply view-last-applied|set-last-applied|edit-last-applied`: kubectl's subcommands of apply.
bool is_apply_subcommand(const std::string& word);
/// Runs the apply subcommand the first positional argument names.
int cmd_apply_subcommand(context& ctx);

/// Runs `step` for each manifest; a document that did not decode or a server error names
/// the file and stops nothing else, as kubectl goes on with the remaining objects and exits 1
/// at the end.
template <class Step>
int for_each_manifest(context& ctx, const std::vector<document>& documents, const std::string& doing,
                      Step step) {
  int status = 0;
  for (auto& [m, error, source, generated_failure] : documents) {
    if (!error.empty()) {
      ctx.err << "error: " << error << "\n";
      status = 1;
      continue;
    }
    try {
      step(m, namespace_of(ctx, m));
    } catch (const rpc::server_error& e) {
      if (e.code() == api_errc::not_found && ctx.flags.on("ignore-not-found")) continue;
      if (generated_failure && !generated_failure->empty())
        ctx.err << "error: " << *generated_failure << e.message() << "\n";
      else if (generated_failure)
        print_server_error(ctx.err, e);
      else
        print_server_error(ctx.err, e, std::string("error when ") + doing + " " + quote(source) + ": ");
      status = 1;
    } catch (const api_error& e) {
      // Found on this side (a namespace that does not match, a live object's unreadable
      // last-applied record): this document fails, the others still go.
      ctx.err << "error: " << e.message() << "\n";
      status = 1;
    }
  }
  return status;
}

}  // namespace troupe::cli
