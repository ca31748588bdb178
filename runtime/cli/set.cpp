// `troupe set image|env`: changes to the pod template of workloads (or to a pod), as kubectl's
// `set` commands make them. Each object is read, changed and written back with the
// resourceVersion it was read at, read again on a Conflict.

#include <algorithm>
#include <functional>
#include <optional>
#include <utility>

#include "runtime/base/text.hpp"
#include "runtime/cli/context.hpp"
#include "runtime/cli/output.hpp"
#include "runtime/cli/printers.hpp"
#include "runtime/codec/object_codec.hpp"

namespace troupe::cli {
namespace {

using codec::node;

// Where a kind keeps its pod spec; none for kinds without one.
std::optional<std::vector<std::string>> pod_spec_path(const kind_info& kind) {
  if (kind.kind == "Pod") return std::vector<std::string>{"spec"};
  if (kind.kind == "Deployment" || kind.kind == "ReplicaSet" || kind.kind == "DaemonSet" ||
      kind.kind == "StatefulSet" || kind.kind == "Job")
    return std::vector<std::string>{"spec", "template", "spec"};
  if (kind.kind == "CronJob") return std::vector<std::string>{"spec", "jobTemplate", "spec", "template", "spec"};
  return std::nullopt;
}

// The containers (init ones first) of the object's pod spec; `refusal` for a kind without one.
std::vector<node*> template_containers(const kind_info& kind, node& object, const std::string& refusal) {
  auto path = pod_spec_path(kind);
  TROUPE_REQUIRE(path, api_errc::bad_request, refusal);
  node* at = &object;
  for (auto& key : *path) {
    at = at->is_map() ? at->find(key) : nullptr;
    if (!at) return {};
  }
  return at->is_map() ? containers_of(*at) : std::vector<node*>{};
}

// Splits set's arguments into the resources and the KEY=VALUE / KEY- changes after them.
std::vector<std::string> split_changes(const std::vector<std::string>& args, std::vector<std::string>& changes) {
  std::vector<std::string> resources;
  for (auto& arg : args) {
    bool change = arg.find('=') != std::string::npos || (ends_with(arg, "-") && arg.size() > 1);
    (change ? changes : resources).push_back(arg);
  }
  return resources;
}

// Applies `change` to each chosen object (re-read on a Conflict) and prints it as -o asks, else
// `past` for it.
int change_each(context& ctx, const std::vector<std::string>& resources, const char* past,
                const std::function<bool(const kind_info&, node&)>& change) {
  TROUPE_REQUIRE(!resources.empty(), api_errc::bad_request,
                 "one or more resources must be specified as <resource> <name> or <resource>/<name>");
  auto format = output_format(ctx);
  check_object_format(format);
  bool first = true;
  auto objects = chosen_objects(ctx, parse_resource_args(ctx, resources, ""));
  if (objects.empty()) ctx.err << "No resources found\n";
  int status = 0;
  for (auto& o : objects) {
    try {
      for (int attempt = 1;; ++attempt) {
        node object = codec::encode_object(ctx.get(*o.kind, o.ns, o.name).object, *o.kind);
        bool changed = change(*o.kind, object);
        if (changed && !ctx.dry_run()) {
          api_request req;
          req.resource = o.kind->resource();
          req.ns = o.ns;
          req.name = o.name;
          req.object = codec::decode_object(object, *o.kind, o.kind->singular_resource() + "/" + o.name);
          try {
            // The resourceVersion read is the precondition.
            object = codec::encode_object(ctx.api().call(api_verb::update, req).object, *o.kind);
          } catch (const rpc::server_error& e) {
            if (e.code() == api_errc::conflict && attempt < 5) continue;
            throw;
          }
        }
        // As kubectl: an object the change leaves as it was is not reported.
        if (changed && !format.empty()) ctx.out << object_as(format, *o.kind, object, std::exchange(first, false));
        else if (changed) ctx.out << o.kind->singular_resource() << "/" << o.name << " " << past << ctx.dry_run_suffix() << "\n";
        break;
      }
    } catch (const rpc::server_error& e) {
      print_server_error(ctx.err, e);
      status = 1;
    } catch (const api_error& e) {
      ctx.err << "error: " << e.message() << "\n";
      status = 1;
    }
  }
  return status;
}

// A container name pattern: "*" matches all, as kubectl's --containers and set image's `*=`.
bool matches(const std::string& pattern, const std::string& name) {
  if (pattern == "*") return true;
  if (auto star = pattern.find('*'); star != std::string::npos)
    return starts_with(name, pattern.substr(0, star)) && ends_with(name, pattern.substr(star + 1)) &&
           name.size() + 1 >= pattern.size();
  return pattern == name;
}

int set_image(context& ctx, const std::vector<std::string>& args) {
  std::vector<std::string> changes;
  auto resources = split_changes(args, changes);
  TROUPE_REQUIRE(!changes.empty(), api_errc::bad_request, "at least one image update is required");
  std::vector<std::pair<std::string, std::string>> images;
  for (auto& c : changes) {
    auto eq = c.find('=');
    TROUPE_REQUIRE(eq != std::string::npos && eq > 0 && eq + 1 < c.size(), api_errc::bad_request,
                   "invalid image update " + quote(c) + ": expected CONTAINER=IMAGE");
    images.emplace_back(c.substr(0, eq), c.substr(eq + 1));
  }
  return change_each(ctx, resources, "image updated", [&](const kind_info& kind, node& object) {
    auto containers = template_containers(
        kind, object, "cannot set the image of " + kind.resource() + ": it has no pod template");
    bool changed = false;
    for (auto& [container, image] : images) {
      bool found = false;
      for (node* c : containers)
        if (matches(container, text_at(*c, {"name"}))) {
          found = true;
          changed = changed || text_at(*c, {"image"}) != image;
          c->set("image", node::string(image));
        }
      TROUPE_REQUIRE(found, api_errc::bad_request, "unable to find container named " + quote(container));
    }
    return changed;
  });
}

int set_env(context& ctx, const std::vector<std::string>& args) {
  std::vector<std::string> changes;
  auto resources = split_changes(args, changes);
  bool list = ctx.flags.on("list");
  TROUPE_REQUIRE(list || !changes.empty(), api_errc::bad_request,
                 "at least one environment variable must be provided (KEY=VALUE or KEY-), or --list");
  std::string pattern = ctx.flags.get("containers", "*");
  struct env_change {
    std::string name;
    std::optional<std::string> value;  ///< none: remove
  };
  std::vector<env_change> envs;
  for (auto& c : changes) {
    auto eq = c.find('=');
    std::string name = eq == std::string::npos ? c.substr(0, c.size() - 1) : c.substr(0, eq);
    TROUPE_REQUIRE(!name.empty() && name.find_first_of(" \t") == std::string::npos, api_errc::bad_request,
                   "invalid environment variable " + quote(c) + ": expected KEY=VALUE or KEY-");
    envs.push_back({name, eq == std::string::npos ? std::nullopt : std::optional<std::string>(c.substr(eq + 1))});
  }
  for (auto& removed : envs)
    TROUPE_REQUIRE(removed.value || std::none_of(envs.begin(), envs.end(),
                                                 [&](auto& e) { return e.value && e.name == removed.name; }),
                   api_errc::bad_request, "can not both modify and remove an environment variable in the same command");
  if (list) {
    // kubectl's listing: a comment line per container, then its variables.
    auto objects = chosen_objects(ctx, parse_resource_args(ctx, resources, "one or more resources must be specified"));
    for (auto& o : objects) {
      node object = codec::encode_object(ctx.get(*o.kind, o.ns, o.name).object, *o.kind);
      for (node* c : template_containers(*o.kind, object, "cannot list the environment of " + o.kind->resource())) {
        if (!matches(pattern, text_at(*c, {"name"}))) continue;
        ctx.out << "# " << o.kind->plural << "/" << o.name << ", container " << text_at(*c, {"name"}) << "\n";
        if (const node* env = c->find("env"); env && env->is_list())
          for (auto& e : env->items()) {
            if (e.find("value")) ctx.out << text_at(e, {"name"}) << "=" << text_at(e, {"value"}) << "\n";
            else ctx.out << "# " << text_at(e, {"name"}) << " from a reference\n";
          }
      }
    }
    return 0;
  }
  return change_each(ctx, resources, "env updated", [&](const kind_info& kind, node& object) {
    bool changed = false, any = false;
    for (node* c : template_containers(kind, object,
                                       "cannot set the environment of " + kind.resource() + ": it has no pod template")) {
      if (!matches(pattern, text_at(*c, {"name"}))) continue;
      any = true;
      node* env = c->find("env");
      if (!env || !env->is_list()) env = &c->set("env", node::list());
      for (auto& change : envs) {
        auto& items = env->items();
        auto at = std::find_if(items.begin(), items.end(), [&](const node& e) { return text_at(e, {"name"}) == change.name; });
        if (!change.value) {
          auto kept = std::remove_if(items.begin(), items.end(),
                                     [&](const node& e) { return text_at(e, {"name"}) == change.name; });
          changed = changed || kept != items.end();
          items.erase(kept, items.end());
          continue;
        }
        if (at != items.end() && at->find("value") && text_at(*at, {"value"}) == *change.value) continue;
        node var = node::map();
        var.set("name", node::string(change.name));
        var.set("value", node::string(*change.value));
        if (at != items.end()) *at = std::move(var);
        else items.push_back(std::move(var));
        changed = true;
      }
      if (env->size() == 0) c->erase("env");
    }
    TROUPE_REQUIRE(any, api_errc::bad_request, "no container matches " + quote(pattern));
    return changed;
  });
}

}  // namespace

int cmd_set(context& ctx) {
  auto& args = ctx.flags.positional;
  TROUPE_REQUIRE(!args.empty(), api_errc::bad_request, "set: a subcommand is required (image or env)");
  std::vector<std::string> rest(args.begin() + 1, args.end());
  if (args[0] == "image") return set_image(ctx, rest);
  if (args[0] == "env") return set_env(ctx, rest);
  throw api_error(api_errc::bad_request, "set: unknown subcommand " + quote(args[0]) + " (image or env)");
}

}  // namespace troupe::cli
