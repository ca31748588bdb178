// `troupe describe KIND NAME`: metadata, owner, the rest of the object as indented fields,
// conditions as a table, and the object's Events.

#include <algorithm>

#include "runtime/base/text.hpp"
#include "runtime/base/time.hpp"
#include "runtime/cli/context.hpp"
#include "runtime/cli/printers.hpp"
#include "runtime/codec/object_codec.hpp"

namespace troupe::cli {
namespace {

using codec::node;

std::string pad(const std::string& label, size_t width = 14) {
  return label.size() >= width ? label + " " : label + std::string(width - label.size(), ' ');
}

std::string map_lines(const node* map, size_t width) {
  if (!map || !map->is_map() || map->size() == 0) return "<none>\n";
  std::string out;
  bool first = true;
  for (auto& [k, v] : map->entries()) {
    // A copy of the whole manifest: kubectl leaves it out too.
    if (k == "kubectl.kubernetes.io/last-applied-configuration") continue;
    out += (first ? "" : std::string(width, ' ')) + k + "=" + v.text() + "\n";
    first = false;
  }
  return out.empty() ? "<none>\n" : out;
}

// Everything but metadata, in kubectl's "Key:  value" outline.
void outline(std::string& out, const node& n, int depth) {
  std::string indent(static_cast<size_t>(depth) * 2, ' ');
  for (auto& [key, value] : n.entries()) {
    if (depth == 0 && (key == "apiVersion" || key == "kind" || key == "metadata")) continue;
    if (value.is_scalar()) {
      out += indent + pad(key + ":", 16) + value.text() + "\n";
    } else if (value.is_map()) {
      out += indent + key + ":\n";
      outline(out, value, depth + 1);
    } else if (value.is_list()) {
      out += indent + key + ":\n";
      for (auto& item : value.items()) {
        if (item.is_map()) {
          out += indent + "  -\n";
          outline(out, item, depth + 2);
        } else {
          out += indent + "  " + item.text() + "\n";
        }
      }
    }
  }
}

std::string conditions_table(const node& object) {
  auto* conds = lookup(object, {"status", "conditions"});
  if (!conds || !conds->is_list() || conds->size() == 0) return "";
  std::string out = "Conditions:\n  Type              Status  Reason\n  ----              ------  ------\n";
  for (auto& c : conds->items())
    out += "  " + pad(text_at(c, {"type"}), 18) + pad(text_at(c, {"status"}), 8) +
           text_at(c, {"reason"}) + "\n";
  return out;
}

std::string events_for(context& ctx, const kind_info& kind, const node& object) {
  const kind_info& events_kind = ctx.kind("events");
  auto ns = text_at(object, {"metadata", "namespace"});
  auto uid = text_at(object, {"metadata", "uid"});
  auto name = text_at(object, {"metadata", "name"});
  std::vector<node> mine;
  for (auto& item : ctx.list(events_kind, ns.empty() ? "default" : ns).items) {
    node e = codec::encode_object(item, events_kind);
    bool same_uid = !uid.empty() && text_at(e, {"involvedObject", "uid"}) == uid;
    bool same_name = text_at(e, {"involvedObject", "name"}) == name &&
                     text_at(e, {"involvedObject", "kind"}) == kind.kind;
    if (same_uid || same_name) mine.push_back(std::move(e));
  }
  if (mine.empty()) return "Events:           <none>\n";
  std::string out = "Events:\n  Type     Reason            Age    From              Message\n"
                    "  ----     ------            ----   ----              -------\n";
  for (auto& e : mine) {
    auto when = parse_rfc3339(text_at(e, {"lastTimestamp"}));
    if (!when) when = parse_rfc3339(text_at(e, {"metadata", "creationTimestamp"}));
    std::string age = when ? human_duration(std::max<int64_t>(0, ctx.now() - *when)) : "<unknown>";
    out += "  " + pad(text_at(e, {"type"}), 9) + pad(text_at(e, {"reason"}), 18) + pad(age, 7) +
           pad(text_at(e, {"source", "component"}), 18) + text_at(e, {"message"}) + "\n";
  }
  return out;
}

std::string describe(context& ctx, const kind_info& kind, const node& object) {
  std::string out;
  out += pad("Name:") + text_at(object, {"metadata", "name"}) + "\n";
  if (kind.namespaced) out += pad("Namespace:") + text_at(object, {"metadata", "namespace"}) + "\n";
  out += pad("Labels:") + map_lines(lookup(object, {"metadata", "labels"}), 14);
  out += pad("Annotations:") + map_lines(lookup(object, {"metadata", "annotations"}), 14);
  out += pad("API Version:") + kind.api_version() + "\n";
  out += pad("Kind:") + kind.kind + "\n";
  out += pad("UID:") + text_at(object, {"metadata", "uid"}) + "\n";
  out += pad("Created:") + text_at(object, {"metadata", "creationTimestamp"}) + "\n";
  if (auto del = text_at(object, {"metadata", "deletionTimestamp"}); !del.empty())
    out += pad("Deleting:") + del + "\n";
  if (auto* owners = lookup(object, {"metadata", "ownerReferences"}))
    for (auto& o : owners->items())
      if (text_at(o, {"controller"}) == "true")
        out += pad("Controlled By:") + text_at(o, {"kind"}) + "/" + text_at(o, {"name"}) + "\n";
  outline(out, object, 0);
  out += conditions_table(object);
  out += events_for(ctx, kind, object);
  return out;
}

}  // namespace

int cmd_describe(context& ctx) {
  auto args = parse_resource_args(ctx, "you must specify the type of resource to describe");
  std::vector<std::pair<const kind_info*, node>> objects;
  for (auto* kind : args.types) {
    if (!args.named.empty()) break;
    auto ns = ctx.all_namespaces() ? "" : ctx.ns_for(*kind);
    for (auto& item : ctx.list(*kind, ns, ctx.flags.get("selector")).items)
      objects.emplace_back(kind, codec::encode_object(item, *kind));
  }
  for (auto& [kind, name] : args.named)
    objects.emplace_back(kind, codec::encode_object(ctx.get(*kind, ctx.ns_for(*kind), name).object, *kind));
  for (size_t i = 0; i < objects.size(); ++i)
    ctx.out << (i ? "\n\n" : "") << describe(ctx, *objects[i].first, objects[i].second);
  return 0;
}

}  // namespace troupe::cli
