// Which flags each verb takes, as kubectl gives each command its own: a flag a verb does not
// implement is refused ("unknown flag: --x") rather than silently ignored.

#include <algorithm>
#include <map>

#include "runtime/cli/cli.hpp"
#include "runtime/cli/context.hpp"

namespace troupe::cli {
namespace {

// kubectl's global flags, which every verb takes (also before the verb).
const std::vector<flag_spec>& global_flags() {
  static const std::vector<flag_spec> flags = {{"server", 's'},     {"client-config"},
                                               {"namespace", 'n'},  {"help", 'h', false},
                                               {"request-timeout"}, {"context"}};
  return flags;
}

const flag_spec all_namespaces{"all-namespaces", 'A', false};
const flag_spec selector{"selector", 'l'};
const flag_spec all{"all", 0, false};
const flag_spec filename{"filename", 'f'};
const flag_spec recursive{"recursive", 'R', false};
const flag_spec output{"output", 'o'};
const flag_spec template_text{"template"};
const flag_spec timeout{"timeout"};
const flag_spec field_selector{"field-selector"};
const flag_spec subresource{"subresource"};
const flag_spec overwrite{"overwrite", 0, false};
const flag_spec force{"force", 0, false};
const flag_spec grace_period{"grace-period"};
const flag_spec no_headers{"no-headers", 0, false};
const flag_spec ignore_not_found{"ignore-not-found", 0, false};
// --dry-run alone means client, so a value is only taken as --dry-run=VALUE (as in kubectl).
const flag_spec dry_run{"dry-run", 0, false};
// --validate alone is strict; a value only as --validate=VALUE (as in kubectl).
const flag_spec validate{"validate", 0, false};

// What apply and create take for the manifests they read and print.
const std::vector<flag_spec> manifest_flags = {filename, recursive,     dry_run,
                                               output,   template_text, validate};

std::vector<flag_spec> with(std::vector<flag_spec> base, std::initializer_list<flag_spec> more) {
  base.insert(base.end(), more);
  return base;
}

// label and annotate take the same flags, as kubectl's.
const std::vector<flag_spec> metadata_flags = {
    selector, field_selector, all,           all_namespaces,     overwrite,
    dry_run,  output,         template_text, {"list", 0, false}, {"resource-version"}};

const std::map<std::string, std::vector<flag_spec>>& verb_flags() {
  static const std::map<std::string, std::vector<flag_spec>> table = {
      {"get",
       {filename,
        recursive,
        all_namespaces,
        selector,
        output,
        no_headers,
        ignore_not_found,
        timeout,
        field_selector,
        subresource,
        {"chunk-size"},
        {"show-managed-fields", 0, false},
        {"raw"},
        {"watch", 'w', false},
        {"watch-only", 0, false},
        {"output-watch-events", 0, false},
        {"show-labels", 0, false},
        {"show-kind", 0, false},
        {"template"},
        {"label-columns", 'L'},
        {"sort-by"}}},
      {"apply", with(manifest_flags, {selector, {"create-annotation", 0, false}})},
      {"create", with(manifest_flags, {{"save-config", 0, false},
                                       {"from-literal"},
                                       {"from-file"},
                                       {"from-env-file"},
                                       {"image"},
                                       {"replicas", 'r'},
                                       {"port"},
                                       {"type"},
                                       {"tcp"},
                                       {"node-port"},
                                       {"clusterip"},
                                       {"external-name"},
                                       {"schedule"},
                                       {"restart"},
                                       {"from"},
                                       {"verb"},
                                       {"resource"},
                                       {"resource-name"},
                                       {"non-resource-url"},
                                       {"aggregation-rule"},
                                       {"role"},
                                       {"clusterrole"},
                                       {"user"},
                                       {"group"},
                                       {"serviceaccount"},
                                       {"cert"},
                                       {"key"},
                                       {"docker-server"},
                                       {"docker-username"},
                                       {"docker-password"},
                                       {"docker-email"},
                                       {"rule"},
                                       {"class"},
                                       {"default-backend"},
                                       {"annotation"},
                                       {"value"},
                                       {"global-default", 0, false},
                                       {"description"},
                                       {"preemption-policy"}})},
      {"run",
       {dry_run,
        output,
        template_text,
        {"image"},
        {"env"},
        {"port"},
        {"labels", 'l'},
        {"annotations"},
        {"restart"},
        {"image-pull-policy"},
        {"overrides"},
        {"command", 0, false},
        {"expose", 0, false},
        {"stdin", 'i', false},
        {"tty", 't', false},
        {"attach", 0, false},
        {"rm", 0, false}}},
      {"expose",
       {dry_run,
        output,
        template_text,
        {"port"},
        {"target-port"},
        {"protocol"},
        {"name"},
        {"type"},
        {"selector"},
        {"cluster-ip"},
        {"external-ip"},
        {"labels", 'l'},
        {"session-affinity"},
        {"load-balancer-ip"}}},
      {"config", {output, no_headers, {"current", 0, false}, {"minify", 0, false}}},
      {"api-versions", {}},
      {"explain", {{"recursive", 0, false}, {"api-version"}, output}},
      {"cluster-info", {}},
      {"set",
       {selector,
        all,
        all_namespaces,
        dry_run,
        output,
        template_text,
        {"containers", 'c'},
        {"list", 0, false}}},
      {"replace",
       {filename,
        recursive,
        dry_run,
        validate,
        force,
        output,
        template_text,
        subresource,
        {"save-config", 0, false}}},
      {"diff", {filename, recursive}},
      {"delete",
       {filename,
        recursive,
        selector,
        field_selector,
        timeout,
        output,
        all,
        all_namespaces,
        dry_run,
        grace_period,
        force,
        {"cascade", 0, false},  // a value only as --cascade=VALUE, as in kubectl
        ignore_not_found,
        {"now", 0, false},
        {"wait", 0, false}}},
      {"describe", {all_namespaces, selector, filename, recursive}},
      {"label", metadata_flags},
      {"annotate", metadata_flags},
      {"patch",
       {filename,
        recursive,
        dry_run,
        output,
        template_text,
        subresource,
        {"patch", 'p'},
        {"patch-file"},
        {"type"}}},
      {"edit", {output, selector}},
      {"scale",
       {filename,
        recursive,
        dry_run,
        output,
        template_text,
        selector,
        all,
        {"replicas"},
        {"current-replicas"},
        {"resource-version"}}},
      {"wait", {selector, all, timeout, {"for"}}},
      {"api-resources",
       {output,
        no_headers,
        {"namespaced"},
        {"api-group"},
        {"sort-by"},
        {"verbs"},
        {"cached", 0, false},
        {"categories"}}},
      {"version", {output, {"client", 0, false}}},
      {"completion", {}},
      {"logs",
       {{"container", 'c'},
        {"follow", 'f', false},
        {"previous", 'p', false},
        {"tail"},
        {"since"},
        {"since-time"},
        {"limit-bytes"},
        {"timestamps", 0, false},
        selector,
        {"all-containers", 0, false},
        {"prefix", 0, false},
        {"max-log-requests"},
        {"pod-running-timeout"}}},
      {"exec",
       {{"container", 'c'},
        {"quiet", 'q', false},
        {"stdin", 'i', false},
        {"tty", 't', false},
        timeout,
        {"pod-running-timeout"}}},
      {"cp", {{"container", 'c'}, {"no-preserve", 0, false}}},
      {"events",
       {all_namespaces,
        no_headers,
        output,
        {"template"},
        {"for"},
        {"types"},
        {"watch", 'w', false}}},
      {"cordon", {selector, dry_run}},
      {"uncordon", {selector, dry_run}},
      {"drain",
       {force,
        grace_period,
        timeout,
        selector,
        dry_run,
        {"pod-selector"},
        {"ignore-daemonsets", 0, false},
        {"delete-emptydir-data", 0, false}}},
      {"taint", {overwrite, selector, all, dry_run}},
      {"token", {{"description"}, {"ttl"}}}};
  return table;
}

}  // namespace

std::vector<flag_spec> cli_flags(const std::string& command) {
  std::vector<flag_spec> specs = global_flags();
  if (auto i = verb_flags().find(command); i != verb_flags().end())
    specs.insert(specs.end(), i->second.begin(), i->second.end());
  return specs;
}

size_t verb_position(const std::vector<std::string>& args) {
  size_t i = 0;
  while (i < args.size() && args[i].size() > 1 && args[i][0] == '-' && args[i] != "--") {
    const std::string& arg = args[i];
    bool long_form = arg[1] == '-';
    auto eq = arg.find('=');
    std::string name = long_form ? arg.substr(2, eq == std::string::npos ? eq : eq - 2) : "";
    bool has_value = long_form ? eq != std::string::npos : arg.size() > 2;
    bool takes_value = false;
    for (auto& spec : global_flags())
      if (long_form ? spec.name == name : spec.short_name == arg[1]) takes_value = spec.takes_value;
    i += takes_value && !has_value ? 2 : 1;
  }
  return std::min(i, args.size());
}

}  // namespace troupe::cli
