#include "runtime/cli/cli.hpp"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <tuple>

#include "runtime/base/text.hpp"
#include "runtime/base/time.hpp"
#include "runtime/cli/context.hpp"
#include "runtime/cli/help.hpp"
#include "runtime/cli/printers.hpp"
#include "runtime/codec/json.hpp"
#include "runtime/codec/yaml.hpp"
#include "runtime/object/object.hpp"
#include "runtime/server/options.hpp"

namespace troupe::cli {

context::context(const kind_registry& kinds, parsed_flags flags, std::istream& in,
                 std::ostream& out, std::ostream& err)
    : kinds(kinds), flags(std::move(flags)), in(in), out(out), err(err) {}

context::~context() = default;

std::string context::server_address() const {
  std::string address = flags.get("server");
  if (address.empty())
    if (const char* env = std::getenv("TROUPE_SERVER"); env && *env) address = env;
  if (address.empty()) {
    auto path = config_path();
    TROUPE_REQUIRE(std::ifstream(path).good(), api_errc::bad_request,
                   "no server to talk to: pass --server HOST:PORT, set TROUPE_SERVER, or start "
                   "`troupe server` (it writes " + path + ")");
    address = config().server;
    TROUPE_REQUIRE(!address.empty(), api_errc::bad_request, path + ": no `server: HOST:PORT` entry");
  }
  // kubectl's habit, a URL (`-s https://host:6443`): the API speaks one protocol on HOST:PORT,
  // so the scheme and a closing slash say nothing more.
  for (const char* scheme : {"https://", "http://"})
    if (starts_with(address, scheme)) address = address.substr(std::string(scheme).size());
  if (ends_with(address, "/")) address.pop_back();
  TROUPE_REQUIRE(address.find('/') == std::string::npos, api_errc::bad_request,
                 "server address " + quote(address) + ": expected HOST:PORT (a path is not taken)");
  return address;
}

// kubectl's --request-timeout: a bare number is seconds, else a duration; 0 is no limit.
std::chrono::milliseconds request_timeout(const context& ctx) {
  auto text = ctx.flags.get("request-timeout", "0");
  auto seconds = parse_int(text);
  if (seconds && (*seconds < 0 || *seconds > INT64_MAX / 1000000000)) seconds.reset(), text = "?";
  auto ns = seconds ? std::optional<int64_t>(*seconds * 1000000000) : parse_go_duration_ns(text);
  TROUPE_REQUIRE(ns && *ns >= 0, api_errc::bad_request,
                 "invalid timeout value. Timeout must be a single integer in seconds, or an integer followed by a "
                 "corresponding time unit (e.g. 1s | 2m | 3h)");
  return std::chrono::milliseconds(*ns / 1000000);
}

rpc::client& context::api() {
  if (!client_) {
    auto timeout = request_timeout(*this);  // a bad value fails before anything is sent
    client_ = std::make_unique<rpc::client>(server_address(), timeout);
    client_->set_dry_run(server_dry_run());
  }
  return *client_;
}

std::string context::config_path() const { return flags.get("client-config", default_client_config()); }

const client_config& context::config() const {
  if (!config_) config_ = read_client_config(config_path());
  return *config_;
}

std::string context::ns() const {
  if (flags.has("namespace")) return flags.get("namespace");
  // The namespace `troupe config set-context --current --namespace=NS` chose, as kubectl's
  // context namespace; a config that cannot be read only matters to commands that need it.
  try {
    if (!config().ns.empty()) return config().ns;
  } catch (const api_error&) {
  }
  return "default";
}

namespace {

std::string dry_run_mode(const parsed_flags& flags) {
  if (!flags.has("dry-run")) return "none";
  auto mode = flags.get("dry-run");
  TROUPE_REQUIRE(
      mode == "client" || mode == "server" || mode == "none" || mode == "true" || mode == "false",
      api_errc::bad_request,
      "Invalid dry-run value (" + mode + R"(). Must be "none", "server", or "client".)");
  return mode == "true" ? "client" : mode == "false" ? "none" : mode;
}

}  // namespace

bool context::dry_run() const {
  return dry_run_mode(flags) == "client";
}

bool context::server_dry_run() const {
  return dry_run_mode(flags) == "server";
}

int64_t context::now() const { return unix_seconds(); }

bool context::status_subresource(const std::vector<const kind_info*>& kinds) const {
  if (!flags.has("subresource")) return false;
  auto value = flags.get("subresource");
  TROUPE_REQUIRE(value == "status" || value == "scale", api_errc::bad_request,
                 "invalid subresource value: " + quote(value) + ". Must be one of [status scale]");
  TROUPE_REQUIRE(value == "status", api_errc::bad_request,
                 "--subresource=scale is not served by troupe: use troupe scale, or --subresource=status");
  for (auto* kind : kinds)
    if (!kind->has_status)
      throw rpc::server_error(api_error(api_errc::not_found, "the server could not find the requested resource"));
  return true;
}

const kind_info& context::kind(const std::string& text) const {
  const kind_info* k = kinds.find_resource(text);
  TROUPE_REQUIRE(k, api_errc::bad_request,
                 "the server doesn't have a resource type " + quote(text));
  return *k;
}

std::vector<std::string> context::selected_names(const kind_info& kind) {
  std::vector<std::string> names;
  for (auto& item : list(kind, ns_for(kind), flags.get("selector")).items) {
    object_reader r(item);
    names.push_back(text_string(r.meta().getName()));
  }
  return names;
}

namespace {

// The kinds of kubectl's `all` category in the order kubectl lists them: the API groups in
// discovery order (core, apps, batch), each group's resources alphabetically.
std::vector<const kind_info*> kinds_in_all(const kind_registry& kinds) {
  std::vector<const kind_info*> out;
  for (auto& k : kinds.all())
    if (std::count(k->categories.begin(), k->categories.end(), "all")) out.push_back(k.get());
  auto group_rank = [](const kind_info* k) {
    return k->group.empty() ? 0 : k->group == "apps" ? 1 : k->group == "batch" ? 3 : 2;
  };
  std::sort(out.begin(), out.end(), [&](const kind_info* a, const kind_info* b) {
    return std::make_pair(group_rank(a), a->plural) < std::make_pair(group_rank(b), b->plural);
  });
  return out;
}

}  // namespace

resource_args parse_resource_args(context& ctx, const std::string& missing) {
  return parse_resource_args(ctx, ctx.flags.positional, missing);
}

resource_args parse_resource_args(context& ctx, const std::vector<std::string>& args,
                                  const std::string& missing) {
  TROUPE_REQUIRE(!args.empty(), api_errc::bad_request, missing);
  resource_args out;
  auto slashed = std::count_if(args.begin(), args.end(), [](const std::string& arg) {
    return arg.find('/') != std::string::npos;
  });
  // Either form, never both (kubectl's hasCombinedTypeArgs, its binary's name in the example).
  TROUPE_REQUIRE(slashed == 0 || slashed == static_cast<long>(args.size()), api_errc::bad_request,
                 "there is no need to specify a resource type as a separate argument when passing "
                 "arguments in resource/name form (e.g. 'troupe get resource/<resource_name>' "
                 "instead of 'troupe get resource resource/<resource_name>'");
  if (slashed > 0) {
    for (auto& arg : args) {
      auto slash = arg.find('/');
      TROUPE_REQUIRE(arg.find('/', slash + 1) == std::string::npos, api_errc::bad_request,
                     "arguments in resource/name form may not have more than one slash, got " + quote(arg));
      TROUPE_REQUIRE(slash > 0 && slash + 1 < arg.size() && arg.find(',') > slash, api_errc::bad_request,
                     "arguments in resource/name form must have a single resource and name, got " + quote(arg));
      out.named.emplace_back(&ctx.kind(arg.substr(0, slash)), arg.substr(slash + 1));
    }
    return out;
  }
  for (auto& type : split(args[0], ',')) {
    if (type == "all") {
      for (auto* kind : kinds_in_all(ctx.kinds)) out.types.push_back(kind);
      continue;
    }
    out.types.push_back(&ctx.kind(type));
  }
  for (auto* kind : out.types)
    for (size_t i = 1; i < args.size(); ++i) out.named.emplace_back(kind, args[i]);
  return out;
}

std::vector<object_key> chosen_objects(context& ctx, const resource_args& args) {
  std::vector<object_key> out;
  for (auto& [kind, name] : args.named) out.push_back({kind, ctx.ns_for(*kind), name});
  if (args.types.empty()) return out;
  TROUPE_REQUIRE(!ctx.flags.on("all") || !ctx.flags.has("selector"), api_errc::bad_request,
                 "cannot set --all and --selector at the same time");
  TROUPE_REQUIRE(!ctx.flags.on("all") || !ctx.flags.has("field-selector"), api_errc::bad_request,
                 "cannot set --all and --field-selector at the same time");
  bool by_selector = ctx.flags.has("selector") || ctx.flags.has("field-selector") || ctx.flags.on("all");
  TROUPE_REQUIRE(out.empty() || !by_selector, api_errc::bad_request,
                 "name cannot be provided when a selector or --all is specified");
  TROUPE_REQUIRE(!out.empty() || by_selector, api_errc::bad_request,
                 "resource(s) were provided, but no name was specified");
  for (auto* kind : by_selector ? args.types : std::vector<const kind_info*>{}) {
    std::string ns = ctx.all_namespaces() ? "" : ctx.ns_for(*kind);
    for (auto& item : ctx.list(*kind, ns, ctx.flags.get("selector"), ctx.flags.get("field-selector")).items) {
      auto meta = object_reader(item).meta();
      out.push_back({kind, text_string(meta.getNamespace()), text_string(meta.getName())});
    }
  }
  return out;
}

rpc::call_result context::get(const kind_info& kind, const std::string& ns, const std::string& name) {
  api_request req;
  req.resource = kind.resource();
  req.ns = ns;
  req.name = name;
  return api().call(api_verb::get, req);
}

rpc::call_result context::list(const kind_info& kind, const std::string& ns,
                               const std::string& labels, const std::string& fields) {
  api_request req;
  req.resource = kind.resource();
  req.ns = ns;
  req.label_selector = labels;
  req.field_selector = fields;
  return api().call(api_verb::list, req);
}

bool context::watch_object(const kind_info& kind, const std::string& ns, const std::string& name,
                           uint64_t revision, const std::function<bool(const rpc::event&)>& on_event,
                           std::chrono::milliseconds patience) {
  if (patience.count() <= 0) return false;
  api_request req;
  req.resource = kind.resource();
  req.ns = ns;
  req.field_selector = "metadata.name=" + name;
  req.resource_version = revision;
  return api().watch(req, false, on_event, patience);
}

api_error timed_out_waiting_on(const kind_info& kind, const std::string& name) {
  return api_error(api_errc::timeout, "timed out waiting for the condition on " + kind.plural + "/" + name);
}

rpc::call_result context::patch(const kind_info& kind, const std::string& ns,
                                const std::string& name, const codec::node& patch,
                                patch_type type) {
  api_request req;
  req.resource = kind.resource();
  req.ns = ns;
  req.name = name;
  req.patch = codec::to_json(patch);
  req.patch_type = static_cast<uint8_t>(type);
  return api().call(api_verb::patch, req);
}

void print_server_error(std::ostream& err, const api_error& e, const std::string& doing) {
  // kubectl prints an Invalid error by its causes alone: `The Pod "x" is invalid: ...`, one
  // cause on the line, several as a `* ` list below it.
  // The server names the kind with its group (`Deployment.apps "x" is invalid`); kubectl's line
  // names the kind alone.
  auto invalid_at = e.message().find(" is invalid: ");
  if (e.code() == api_errc::invalid && !e.causes().empty() && invalid_at != std::string::npos) {
    std::string subject = e.message().substr(0, invalid_at);
    auto kind_end = subject.find(' ');
    auto group_at = subject.find('.');
    if (group_at < kind_end) subject.erase(group_at, kind_end - group_at);
    err << "The " << subject << " is invalid: ";
    if (e.causes().size() == 1) {
      err << e.causes()[0].path << ": " << e.causes()[0].message;
    } else {
      for (auto& cause : e.causes()) err << "\n* " << cause.path << ": " << cause.message;
    }
    err << "\n";
    return;
  }
  err << "Error from server (" << to_string(e.code()) << "): " << doing << e.message() << "\n";
}

namespace {

// Columns aligned as kubectl aligns them: three spaces between, the last one unpadded.
void print_rows(std::ostream& out, const std::vector<std::vector<std::string>>& rows) {
  out << aligned_rows(rows, nullptr);
}

}  // namespace

int cmd_api_resources(context& ctx) {
  TROUPE_REQUIRE(ctx.flags.positional.empty(), api_errc::bad_request,
                 "unexpected arguments: [" + join(ctx.flags.positional, " ") + "]");
  auto format = ctx.flags.get("output");
  TROUPE_REQUIRE(format.empty() || format == "wide" || format == "name", api_errc::bad_request,
                 "--output " + format + " is not available");
  auto sort_by = ctx.flags.get("sort-by");
  TROUPE_REQUIRE(sort_by.empty() || sort_by == "name" || sort_by == "kind", api_errc::bad_request,
                 "--sort-by accepts only name or kind");
  // --verbs: every resource serves the same ones, so a verb they do not serve leaves none.
  bool verbs_served = true;
  auto& served = served_verbs();
  for (auto& verb : comma_values(ctx.flags, "verbs"))
    verbs_served = verbs_served && std::find(served.begin(), served.end(), verb) != served.end();
  // --categories: the resources in every category named.
  auto categories = comma_values(ctx.flags, "categories");
  auto in_categories = [&](const kind_info& k) {
    for (auto& category : categories)
      if (std::find(k.categories.begin(), k.categories.end(), category) == k.categories.end()) return false;
    return true;
  };
  std::vector<const kind_info*> kinds;
  for (auto& k : ctx.kinds.all())
    if (verbs_served && (!ctx.flags.has("namespaced") || k->namespaced == ctx.flags.on("namespaced")) &&
        (!ctx.flags.has("api-group") || k->group == ctx.flags.get("api-group")) && in_categories(*k))
      kinds.push_back(k.get());
  // kubectl's order: by group (the core group first), each group's resources by name as
  // discovery lists them; or by name or kind across groups.
  std::stable_sort(kinds.begin(), kinds.end(), [&](const kind_info* a, const kind_info* b) {
    if (sort_by == "name") return a->plural < b->plural;
    if (sort_by == "kind") return a->kind < b->kind;
    return std::tie(a->group, a->plural) < std::tie(b->group, b->plural);
  });
  if (format == "name") {
    for (auto* k : kinds) ctx.out << k->resource() << "\n";
    return 0;
  }
  bool wide = format == "wide";
  std::vector<std::vector<std::string>> rows;
  if (!ctx.flags.on("no-headers")) {
    rows.push_back({"NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"});
    if (wide) rows.back().insert(rows.back().end(), {"VERBS", "CATEGORIES"});
  }
  for (auto* k : kinds) {
    rows.push_back({k->plural, join(k->short_names, ","), k->api_version(),
                    k->namespaced ? "true" : "false", k->kind});
    // Every resource actor serves the same verbs (kubectl prints them so).
    if (wide)
      rows.back().insert(rows.back().end(),
                         {"[" + join(served_verbs(), " ") + "]", join(k->categories, ",")});
  }
  print_rows(ctx.out, rows);
  return 0;
}

namespace {
// Kubernetes writes versions "v1.29.0" (its gitVersion), as troupe's nodes report theirs.
std::string git_version(const std::string& version) {
  return version.empty() || version[0] == 'v' ? version : "v" + version;
}
}  // namespace

codec::node version_info(const std::string& version, bool client) {
  auto parts = split(version, '.');
  codec::node info = codec::node::map();
  info.set("major", codec::node::string(parts.size() > 0 ? parts[0] : ""));
  info.set("minor", codec::node::string(parts.size() > 1 ? parts[1] : ""));
  info.set("gitVersion", codec::node::string(git_version(version)));
  // This binary's platform; the server's is not in its answer, so it is only the client's.
#if defined(__x86_64__)
  if (client) info.set("platform", codec::node::string("linux/amd64"));
#elif defined(__aarch64__)
  if (client) info.set("platform", codec::node::string("linux/arm64"));
#endif
  return info;
}

const std::vector<std::string>& served_verbs() {
  static const std::vector<std::string> verbs = {"create", "delete", "get", "list", "patch", "update", "watch"};
  return verbs;
}

namespace {

int cmd_version(context& ctx) {
  auto format = ctx.flags.get("output");
  TROUPE_REQUIRE(format.empty() || format == "yaml" || format == "json", api_errc::bad_request,
                 "--output must be 'yaml' or 'json'");
  bool client_only = ctx.flags.on("client");
  if (format.empty()) {
    // The client's line first, as kubectl: it is printed even when no server answers.
    ctx.out << "Client Version: " << git_version(TROUPE_VERSION) << "\n" << std::flush;
    if (client_only) return 0;
    auto server = ctx.api().server_version();
    ctx.out << "Server Version: " << git_version(server) << "\n";
    return 0;
  }
  std::string server = client_only ? "" : ctx.api().server_version();
  codec::node doc = codec::node::map();
  doc.set("clientVersion", version_info(TROUPE_VERSION, true));
  if (!client_only) doc.set("serverVersion", version_info(server, false));
  // YAML goes through a map, so its keys are sorted, as kubectl's.
  ctx.out << (format == "yaml" ? codec::to_yaml(codec::with_sorted_keys(doc)) : codec::to_json_escaped(doc, 2) + "\n");
  return 0;
}

// The API group versions served, one per line in order, as `kubectl api-versions` prints them.
int cmd_api_versions(context& ctx) {
  TROUPE_REQUIRE(ctx.flags.positional.empty(), api_errc::bad_request,
                 "api-versions takes no arguments, got " + quote(ctx.flags.positional[0]));
  ctx.api().server_version();  // served by the server, so it must be there
  std::set<std::string> versions;
  for (auto& k : ctx.kinds.all()) versions.insert(k->api_version());
  for (auto& v : versions) ctx.out << v << "\n";
  return 0;
}

int cmd_cluster_info(context& ctx) {
  TROUPE_REQUIRE(ctx.flags.positional.empty(), api_errc::bad_request,
                 "cluster-info takes no arguments, got " + quote(ctx.flags.positional[0]));
  auto address = ctx.server_address();
  ctx.api().server_version();  // fails with the reason when nothing answers there
  ctx.out << "troupe control plane is running at " << address << "\n\n"
          << "To further debug and diagnose cluster problems, use 'troupe get nodes', "
             "'troupe get events -A' and 'troupe describe'.\n";
  return 0;
}

int cmd_completion(context& ctx) {
  TROUPE_REQUIRE(ctx.flags.positional.size() == 1 && ctx.flags.positional[0] == "bash",
                 api_errc::bad_request, "completion: the only shell supported is bash");
  ctx.out << bash_completion();
  return 0;
}

using command_fn = int (*)(context&);

const std::map<std::string, command_fn>& commands() {
  static const std::map<std::string, command_fn> table = {// NOLINT: a constant table
                                                          {"get", cmd_get},
                                                          {"apply", cmd_apply},
                                                          {"create", cmd_create},
                                                          {"run", cmd_run},
                                                          {"expose", cmd_expose},
                                                          {"config", cmd_config},
                                                          {"api-versions", cmd_api_versions},
                                                          {"cluster-info", cmd_cluster_info},
                                                          {"set", cmd_set},
                                                          {"explain", cmd_explain},
                                                          {"diff", cmd_diff},
                                                          {"replace", cmd_replace},
                                                          {"delete", cmd_delete},
                                                          {"describe", cmd_describe},
                                                          {"label", cmd_label},
                                                          {"annotate", cmd_annotate},
                                                          {"patch", cmd_patch},
                                                          {"edit", cmd_edit},
                                                          {"scale", cmd_scale},
                                                          {"wait", cmd_wait},
                                                          {"api-resources", cmd_api_resources},
                                                          {"version", cmd_version},
                                                          {"completion", cmd_completion},
                                                          {"logs", cmd_logs},
                                                          {"exec", cmd_exec},
                                                          {"cp", cmd_cp},
                                                          {"events", cmd_events},
                                                          {"cordon", cmd_cordon},
                                                          {"uncordon", cmd_uncordon},
                                                          {"drain", cmd_drain},
                                                          {"taint", cmd_taint},
                                                          {"token", cmd_token}};
  return table;
}

}  // namespace

bool is_cli_command(const std::string& command) { return commands().count(command) > 0; }

std::vector<std::string> cli_commands() {
  std::vector<std::string> out;
  for (auto& [name, fn] : commands()) out.push_back(name);
  return out;
}

std::string bash_completion() {
  std::string verbs, resources;
  for (auto& name : cli_commands()) verbs += name + " ";
  kind_registry kinds = builtin_kinds();
  for (auto& k : kinds.all()) {
    resources += k->plural + " ";
    for (auto& s : k->short_names) resources += s + " ";
  }
  // The flags that take a value, before the verb (the global ones) and after it (the verb's:
  // -f is a file for most, a switch for logs), so their values are not read as words.
  auto valued = [](const std::vector<flag_spec>& specs) {
    std::string out = " ";
    for (auto& spec : specs) {
      if (!spec.takes_value) continue;
      out += "--" + spec.name + " ";
      if (spec.short_name) out += std::string("-") + spec.short_name + " ";
    }
    return out;
  };
  std::string values = "    case \"$1\" in\n";
  for (auto& name : cli_commands()) values += "      " + name + ") echo \"" + valued(cli_flags(name)) + "\" ;;\n";
  values += "      *) echo \"" + valued(cli_flags("")) + "\" ;;\n    esac\n";
  // The first word that is not a flag is the verb, the second a resource type or a subcommand;
  // names of that type come after, from the namespace -n or -A chose.
  const char* typed = "get|describe|delete|edit|label|annotate|patch|scale|wait|expose";
  // Words are split from the line on blanks, not taken from COMP_WORDS, which bash also splits
  // at '=' and ':' (--namespace=x, -s host:port).
  return "# bash completion for troupe: source <(troupe completion bash)\n"
         "_troupe_valued() {\n" +
         values +
         "}\n"
         "_troupe() {\n"
         "  local cur=\"${COMP_WORDS[COMP_CWORD]}\" verb=\"\" type=\"\" words=\"\" skip=0 count=0 "
         "i w prev=\"\"\n"
         "  local valued line typed=()\n"
         "  local -a ns=() link=()\n"
         "  line=\"${COMP_LINE:0:COMP_POINT}\"\n"
         "  read -r -a typed <<< \"$line\"\n"
         "  [[ \"$line\" == *[[:blank:]] ]] || unset 'typed[${#typed[@]}-1]'  # the word being "
         "completed\n"
         "  valued=\"$(_troupe_valued)\"\n"
         "  for ((i = 1; i < ${#typed[@]}; i++)); do\n"
         "    w=\"${typed[i]}\"\n"
         "    if [ \"$skip\" -eq 1 ]; then\n"
         "      skip=0\n"
         "      case \"$prev\" in\n"
         "        -n|--namespace) ns=(-n \"$w\") ;;\n"
         "        -s|--server|--client-config) link+=(\"$prev\" \"$w\") ;;\n"
         "      esac\n"
         "      continue\n"
         "    fi\n"
         "    prev=\"$w\"\n"
         "    case \"$w\" in\n"
         "      --namespace=*) ns=(-n \"${w#*=}\") ;;\n"
         "      -n=*) ns=(-n \"${w#-n=}\") ;;\n"
         "      -A|--all-namespaces) ns=(-A) ;;\n"
         "      -n?*) ns=(-n \"${w#-n}\") ;;\n"
         "      --server=*|--client-config=*|-s=*) link+=(\"$w\") ;;\n"
         "      --*=*) ;;\n"
         "      -*) case \"$valued\" in *\" $w \"*) skip=1 ;; esac ;;\n"
         "      *)\n"
         "        count=$((count + 1))\n"
         "        if [ \"$count\" -eq 1 ]; then verb=\"$w\"; valued=\"$(_troupe_valued \"$w\")\"; "
         "fi\n"
         "        if [ \"$count\" -eq 2 ]; then type=\"$w\"; fi ;;\n"
         "    esac\n"
         "  done\n"
         "  if [ \"$skip\" -eq 1 ] || [[ \"$cur\" == -* ]]; then\n"
         "    COMPREPLY=()\n"
         "    return\n"
         "  fi\n"
         "  if [ \"$count\" -eq 0 ]; then\n"
         "    words=\"server agent help " +
         verbs +
         "\"\n"
         "  elif [ \"$count\" -eq 1 ]; then\n"
         "    case \"$verb\" in\n"
         "      " +
         typed + "|explain) words=\"" + resources +
         "\" ;;\n"
         "      config) words=\"view current-context get-contexts use-context set-context\" ;;\n"
         "      completion) words=\"bash\" ;;\n"
         "      set) words=\"image env\" ;;\n"
         "      token) words=\"create list delete\" ;;\n"
         "      taint) words=\"nodes\" ;;\n"
         "      create) words=\"namespace serviceaccount configmap secret service deployment job "
         "cronjob "
         "role clusterrole rolebinding clusterrolebinding ingress priorityclass\" ;;\n"
         "      help) words=\"server agent " +
         verbs +
         "\" ;;\n"
         "      logs|exec|cp) words=\"$(troupe ${link[@]+\"${link[@]}\"} get pods "
         "${ns[@]+\"${ns[@]}\"} -o name "
         "2>/dev/null | sed 's|.*/||')\" ;;\n"
         "      cordon|uncordon|drain) words=\"$(troupe ${link[@]+\"${link[@]}\"} get nodes -o "
         "name 2>/dev/null | "
         "sed 's|.*/||')\" ;;\n"
         "    esac\n"
         "  else\n"
         "    case \"$verb\" in\n"
         "      " +
         typed +
         "|taint) [[ \"$type\" == */* ]] || words=\"$(troupe ${link[@]+\"${link[@]}\"} get "
         "\"$type\" "
         "${ns[@]+\"${ns[@]}\"} -o name 2>/dev/null | sed 's|.*/||')\" ;;\n"
         "    esac\n"
         "  fi\n"
         "  COMPREPLY=( $(compgen -W \"$words\" -- \"$cur\") )\n"
         "}\n"
         "complete -F _troupe troupe\n";
}

int run_cli(const std::string& command, const std::vector<std::string>& args, std::istream& in,
            std::ostream& out, std::ostream& err) {
  auto kinds = builtin_kinds();
  try {
    parsed_flags flags;
    try {
      flags = parse_flags(args, cli_flags(command));
    } catch (const api_error& e) {
      // kubectl's usage errors point to the command's help.
      err << "error: " << e.message() << "\nSee 'troupe " << command << " --help' for usage.\n";
      return 1;
    }
    // A blank selector is no selector, as kubectl's builder trims it: `-l "$UNSET"` must not
    // select every object.
    for (const char* selector : {"selector", "field-selector"})
      if (flags.has(selector) && trim(flags.get(selector)).empty()) flags.erase(selector);
    if (flags.on("help")) {  // kubectl prints the verb's help and does nothing else
      out << verb_help(command);
      return 0;
    }
    context ctx(kinds, std::move(flags), in, out, err);
    ctx.dry_run();  // a bad --dry-run fails before anything is read or sent
    // kubectl's scripts name their context; troupe's client config has only its own.
    if (!ctx.flags.get("context").empty() && ctx.flags.get("context") != client_context_name)
      throw api_error(api_errc::bad_request,
                      "context was not found for specified context: " + ctx.flags.get("context"));
    return commands().at(command)(ctx);
  } catch (const rpc::server_error& e) {
    print_server_error(err, e);
  } catch (const api_error& e) {
    err << "error: " << e.message() << "\n";
  } catch (const rpc::connection_error& e) {
    err << e.what() << "\n";
  }
  return 1;
}

}  // namespace troupe::cli
