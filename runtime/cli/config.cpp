// `troupe config`: kubectl's config verbs over troupe's client config, which holds one
// context (named "troupe"): the server the CLI talks to and the namespace it works in.

#include <algorithm>

#include "runtime/base/text.hpp"
#include "runtime/cli/context.hpp"
#include "runtime/cli/printers.hpp"
#include "runtime/codec/json.hpp"
#include "runtime/codec/yaml.hpp"
#include "runtime/object/validation.hpp"

namespace troupe::cli {
namespace {

codec::node config_tree(const client_config& config) {
  auto tree = codec::node::map();
  tree.set("server", codec::node::string(config.server));
  tree.set("namespace", codec::node::string(config.ns.empty() ? "default" : config.ns));
  tree.set("current-context", codec::node::string(client_context_name));
  return tree;
}

void require_our_context(const std::string& name) {
  TROUPE_REQUIRE(name == client_context_name, api_errc::bad_request,
                 "no context exists with the name: " + quote(name) +
                     " (troupe's client config has one, " + quote(client_context_name) + ")");
}

}  // namespace

int cmd_config(context& ctx) {
  auto& args = ctx.flags.positional;
  TROUPE_REQUIRE(!args.empty(), api_errc::bad_request,
                 "config: a subcommand is required (view, current-context, get-contexts, use-context, "
                 "set-context)");
  const std::string& sub = args[0];
  auto no_more = [&](size_t allowed) {
    TROUPE_REQUIRE(args.size() <= allowed, api_errc::bad_request,
                   "config " + sub + ": unexpected argument " + quote(args[allowed]));
  };
  if (sub == "view") {
    no_more(1);
    auto tree = config_tree(ctx.config());
    auto format = ctx.flags.get("output", "yaml");
    if (format == "yaml") ctx.out << codec::to_yaml(tree);
    else if (format == "json") ctx.out << codec::to_json_escaped(tree, 4) << "\n";
    else if (starts_with(format, "jsonpath=")) ctx.out << jsonpath(format.substr(9), tree);
    else throw api_error(api_errc::bad_request, "--output: unknown format " + quote(format) + " (choose yaml, json or jsonpath=...)");
    return 0;
  }
  if (sub == "current-context") {
    no_more(1);
    ctx.out << client_context_name << "\n";
    return 0;
  }
  if (sub == "get-contexts") {
    no_more(2);
    if (args.size() == 2) require_our_context(args[1]);
    if (ctx.flags.get("output") == "name") {
      ctx.out << client_context_name << "\n";
      return 0;
    }
    TROUPE_REQUIRE(!ctx.flags.has("output"), api_errc::bad_request, "--output: only name is supported here");
    // kubectl's table: columns three spaces apart.
    std::vector<std::vector<std::string>> rows;
    if (!ctx.flags.on("no-headers")) rows.push_back({"CURRENT", "NAME", "CLUSTER", "AUTHINFO", "NAMESPACE"});
    rows.push_back(
        {"*", client_context_name, client_context_name, client_context_name, ctx.config().ns});
    std::vector<size_t> widths(rows[0].size(), 0);
    for (auto& row : rows)
      for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
    for (auto& row : rows) {
      std::string line;
      for (size_t i = 0; i < row.size(); ++i)
        line += i + 1 < row.size() ? row[i] + std::string(widths[i] - row[i].size() + 3, ' ') : row[i];
      ctx.out << line.substr(0, line.find_last_not_of(' ') + 1) << "\n";
    }
    return 0;
  }
  if (sub == "use-context") {
    TROUPE_REQUIRE(args.size() == 2, api_errc::bad_request, "config use-context: a context name is required");
    require_our_context(args[1]);
    ctx.out << "Switched to context " << quote(client_context_name) << ".\n";
    return 0;
  }
  if (sub == "set-context") {
    no_more(2);
    TROUPE_REQUIRE(ctx.flags.on("current") != (args.size() == 2), api_errc::bad_request,
                   args.size() == 2 ? "config set-context: name the context or pass --current, not both"
                                    : "you must specify a non-empty context name or --current");
    if (args.size() == 2) require_our_context(args[1]);
    auto config = ctx.config();
    if (ctx.flags.has("namespace")) {
      auto ns = ctx.flags.get("namespace");
      if (!ns.empty()) {
        auto problems = check_dns1123_label(ns);
        TROUPE_REQUIRE(problems.empty(), api_errc::bad_request,
                       "--namespace: invalid namespace " + quote(ns) + ": " + join(problems, "; "));
      }
      config.ns = ns == "default" ? "" : ns;
    }
    write_client_config(ctx.config_path(), config);
    ctx.out << "Context " << quote(client_context_name) << " modified.\n";
    return 0;
  }
  throw api_error(api_errc::bad_request,
                  "config: unknown subcommand " + quote(sub) +
                      " (view, current-context, get-contexts, use-context, set-context)");
}

}  // namespace troupe::cli
