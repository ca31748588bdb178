#pragma once
// kubectl's imperative generators: `create namespace|configmap|secret generic|serviceaccount|
// deployment NAME [flags]` and `run NAME --image=I` turned into the manifest `create -f` would take. Plain functions of
// the arguments and flags (files are read for --from-file).

#include <iosfwd>
#include <string>
#include <vector>

#include "runtime/cli/flags.hpp"
#include "runtime/codec/tree.hpp"
#include "runtime/object/kinds.hpp"

namespace troupe::cli {

/// kubectl gives each `create` subcommand its own flags: one that belongs to another
/// subcommand (`create configmap --tcp`), or to any with -f, is "unknown flag: --tcp".
void check_create_flags(const std::vector<std::string>& args, const parsed_flags& flags);

/// The manifest (JSON text) for `create KIND NAME ...`; throws api_error(bad_request) with
/// kubectl's words for a kind it cannot generate, a missing name or a bad flag value, and
/// writes kubectl's warnings (a verb that is not standard) to `warnings`.
std::string generated_manifest(const std::vector<std::string>& args, const parsed_flags& flags,
                               const kind_registry& kinds, std::ostream& warnings);

/// `create job NAME --from=cronjob/CJ`: a Job from the cron job's jobTemplate, owned by it and
/// annotated `cronjob.kubernetes.io/instantiate: manual`, as kubectl makes it.
/// `explicit_ns` (an -n given) is written into it, as into every generated object.
std::string job_from_cron_job(const std::string& name, const codec::node& cron_job, const std::string& explicit_ns);

/// `expose KIND NAME`: a Service selecting what the pod, Service, Deployment or ReplicaSet
/// selects, on --port or the ports it has (kubectl's introspection), with its labels.
std::string exposed_service(const kind_info& kind, const codec::node& object, const parsed_flags& flags);

/// The manifests (JSON texts) for `run NAME --image=I [flags] [ARGS...] [-- COMMAND/ARGS...]`:
/// a pod labelled run=NAME (or --labels), then a Service for --expose. Throws
/// api_error(bad_request) naming the flag for a bad value.
std::vector<std::string> run_manifests(const std::vector<std::string>& args,
                                       const std::vector<std::string>& after_dashes,
                                       const parsed_flags& flags);

}  // namespace troupe::cli
