#include "runtime/cli/cli.hpp"

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include "runtime/base/text.hpp"
#include "runtime/base/time.hpp"
#include "runtime/cli/context.hpp"
#include "runtime/codec/json.hpp"
#include "runtime/codec/yaml.hpp"
#include "runtime/object/object.hpp"
#include "runtime/server/options.hpp"

namespace troupe::cli {

std::vector<flag_spec> cli_flags(const std::string& command) {
  std::vector<flag_spec> specs = {
      {"server", 's'},           {"client-config"},         {"namespace", 'n'},
      {"all-namespaces", 'A', false},                       {"selector", 'l'},
      {"field-selector"},        {"output", 'o'},           {"watch", 'w', false},
      {"recursive", 'R', false}, {"all", 0, false},         {"wait", 0, false},
      {"for"},                   {"timeout"},               {"overwrite", 0, false},
      {"type"},                  {"dry-run"},               {"no-headers", 0, false},
      {"grace-period"},          {"show-labels", 0, false}, {"force", 0, false},
      {"now", 0, false},         {"help", 'h', false},      {"container", 'c'},
      {"tail"},                  {"since"},                 {"timestamps", 0, false},
      {"ignore-daemonsets", 0, false},                      {"delete-emptydir-data", 0, false},
      {"description"}};
  // kubectl's short flags mean different things to different verbs.
  if (command == "logs") {
    specs.push_back({"follow", 'f', false});
    specs.push_back({"previous", 'p', false});
  } else {
    specs.push_back({"filename", 'f'});
    specs.push_back({"patch", 'p'});
  }
  return specs;
}

context::context(const kind_registry& kinds, parsed_flags flags, std::istream& in,
                 std::ostream& out, std::ostream& err)
    : kinds(kinds), flags(std::move(flags)), in(in), out(out), err(err) {}

context::~context() = default;

namespace {

std::string address_from_config(const std::string& path) {
  std::ifstream file(path);
  TROUPE_REQUIRE(file.good(), api_errc::bad_request,
                 "no server to talk to: pass --server HOST:PORT, set TROUPE_SERVER, or start "
                 "`troupe server` (it writes " + path + ")");
  std::stringstream text;
  text << file.rdbuf();
  auto docs = codec::parse_yaml(text.str(), path);
  const codec::node* server = docs.empty() ? nullptr : docs[0].root.find("server");
  TROUPE_REQUIRE(server && server->is_scalar(), api_errc::bad_request,
                 path + ": no `server: HOST:PORT` entry");
  return server->text();
}

}  // namespace

rpc::client& context::api() {
  if (!client_) {
    std::string address = flags.get("server");
    if (address.empty())
      if (const char* env = std::getenv("TROUPE_SERVER"); env && *env) address = env;
    if (address.empty()) address = address_from_config(flags.get("client-config", default_client_config()));
    client_ = std::make_unique<rpc::client>(address);
  }
  return *client_;
}

std::string context::ns() const { return flags.get("namespace", "default"); }

int64_t context::now() const { return unix_seconds(); }

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

resource_args parse_resource_args(context& ctx, const std::string& missing) {
  auto& args = ctx.flags.positional;
  TROUPE_REQUIRE(!args.empty(), api_errc::bad_request, missing);
  resource_args out;
  if (args[0].find('/') != std::string::npos) {
    for (auto& arg : args) {
      auto slash = arg.find('/');
      TROUPE_REQUIRE(slash != std::string::npos, api_errc::bad_request,
                     "there is no need to specify a resource type as a separate argument when "
                     "passing arguments in resource/name form");
      TROUPE_REQUIRE(slash + 1 < arg.size(), api_errc::bad_request,
                     "arguments in resource/name form must have a single resource and name, got " + quote(arg));
      out.named.emplace_back(&ctx.kind(arg.substr(0, slash)), arg.substr(slash + 1));
    }
    return out;
  }
  for (auto& type : split(args[0], ',')) out.types.push_back(&ctx.kind(type));
  for (auto* kind : out.types)
    for (size_t i = 1; i < args.size(); ++i) out.named.emplace_back(kind, args[i]);
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
  err << "Error from server (" << to_string(e.code()) << "): " << doing << e.message() << "\n";
}

int cmd_api_resources(context& ctx) {
  std::vector<std::vector<std::string>> rows = {{"NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"}};
  for (auto& k : ctx.kinds.all())
    rows.push_back({k->plural, join(k->short_names, ","), k->api_version(),
                    k->namespaced ? "true" : "false", k->kind});
  std::vector<size_t> widths(5, 0);
  for (auto& r : rows)
    for (size_t i = 0; i < r.size(); ++i) widths[i] = std::max(widths[i], r[i].size());
  for (auto& r : rows) {
    std::string line;
    for (size_t i = 0; i < r.size(); ++i)
      line += i + 1 < r.size() ? r[i] + std::string(widths[i] - r[i].size() + 3, ' ') : r[i];
    ctx.out << line << "\n";
  }
  return 0;
}

namespace {

int cmd_version(context& ctx) {
  ctx.out << "Client Version: " << TROUPE_VERSION << "\n";
  ctx.out << "Server Version: " << ctx.api().server_version() << "\n";
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
  static const std::map<std::string, command_fn> table = {
      // NOLINT: a constant table
      {"get", cmd_get},         {"apply", cmd_apply},
      {"create", cmd_create},   {"replace", cmd_replace},
      {"delete", cmd_delete},   {"describe", cmd_describe},
      {"label", cmd_label},     {"annotate", cmd_annotate},
      {"patch", cmd_patch},     {"edit", cmd_edit},
      {"wait", cmd_wait},       {"api-resources", cmd_api_resources},
      {"version", cmd_version}, {"completion", cmd_completion},
      {"logs", cmd_logs},       {"exec", cmd_exec},
      {"cordon", cmd_cordon},   {"uncordon", cmd_uncordon},
      {"drain", cmd_drain},     {"taint", cmd_taint},
      {"token", cmd_token}};
  return table;
}

}  // namespace

bool is_cli_command(const std::string& command) { return commands().count(command) > 0; }

std::string bash_completion() {
  std::string verbs, resources;
  for (auto& [name, fn] : commands()) verbs += name + " ";
  kind_registry kinds = builtin_kinds();
  for (auto& k : kinds.all()) {
    resources += k->plural + " ";
    for (auto& s : k->short_names) resources += s + " ";
  }
  return "# bash completion for troupe: source <(troupe completion bash)\n"
         "_troupe() {\n"
         "  local cur=\"${COMP_WORDS[COMP_CWORD]}\"\n"
         "  if [ \"$COMP_CWORD\" -eq 1 ]; then\n"
         "    COMPREPLY=( $(compgen -W \"server " + verbs + "\" -- \"$cur\") )\n"
         "  elif [ \"$COMP_CWORD\" -eq 2 ]; then\n"
         "    COMPREPLY=( $(compgen -W \"" + resources + "\" -- \"$cur\") )\n"
         "  elif [ \"$COMP_CWORD\" -ge 3 ]; then\n"
         "    COMPREPLY=( $(compgen -W \"$(troupe get \"${COMP_WORDS[2]}\" -o name 2>/dev/null | sed 's|.*/||')\" -- \"$cur\") )\n"
         "  fi\n"
         "}\n"
         "complete -F _troupe troupe\n";
}

int run_cli(const std::string& command, const std::vector<std::string>& args, std::istream& in,
            std::ostream& out, std::ostream& err) {
  auto kinds = builtin_kinds();
  try {
    context ctx(kinds, parse_flags(args, cli_flags(command)), in, out, err);
    return commands().at(command)(ctx);
  } catch (const rpc::server_error& e) {
    print_server_error(err, e);
  } catch (const api_error& e) {
    err << "error: " << e.message() << "\n";
  }
  return 1;
}

}  // namespace troupe::cli
