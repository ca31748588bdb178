#include "runtime/codec/patch.hpp"

#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "runtime/base/error.hpp"
#include "runtime/base/text.hpp"
#include "runtime/codec/json.hpp"

namespace troupe::codec {
namespace {

constexpr std::string_view directive = "$patch";
constexpr std::string_view retain_keys = "$retainKeys";
constexpr std::string_view delete_from_list = "$deleteFromPrimitiveList/";
constexpr std::string_view element_order = "$setElementOrder/";

// How a list merges under a strategic patch: Kubernetes' patchStrategy and patchMergeKey
// struct tags, for the fields troupe's schemas carry. `parent` is the field that holds the
// list's map (for a map that is a list item, the list's field); "*" is any. A list with no
// rule replaces as a whole; an empty key merges a list of scalars as a set.
struct list_rule {
  std::string_view parent, field, key;
};
constexpr list_rule list_rules[] = {
    {"metadata", "finalizers", ""},
    {"metadata", "ownerReferences", "uid"},
    {"*", "containers", "name"},
    {"*", "initContainers", "name"},
    {"*", "ephemeralContainers", "name"},
    {"*", "volumes", "name"},
    {"*", "imagePullSecrets", "name"},
    {"*", "hostAliases", "ip"},
    {"*", "topologySpreadConstraints", "topologyKey"},
    {"*", "schedulingGates", "name"},
    {"*", "env", "name"},
    {"*", "volumeMounts", "mountPath"},
    {"*", "volumeDevices", "devicePath"},
    {"containers", "ports", "containerPort"},
    {"initContainers", "ports", "containerPort"},
    {"ephemeralContainers", "ports", "containerPort"},
    {"spec", "ports", "port"},  // a Service's
    {"status", "conditions", "type"},
    {"status", "addresses", "type"},  // a Node's
    {"status", "podIPs", "ip"},
    {"status", "hostIPs", "ip"},
    {"spec", "podCIDRs", ""},
};

// Maps whose patch lists the keys to keep (patchStrategy retainKeys): the keys of a union,
// such as a Deployment's strategy or a volume's source, that the patch does not name go.
bool retains_keys(std::string_view parent, std::string_view field) {
  return (parent == "spec" && field == "strategy") || field == "volumes";
}

struct list_strategy {
  enum class how { replace, by_key, set } merge = how::replace;
  std::string_view key;
};

list_strategy strategy_of(std::string_view parent, std::string_view field) {
  for (auto& rule : list_rules)
    if (rule.field == field && (rule.parent == "*" || rule.parent == parent))
      return {rule.key.empty() ? list_strategy::how::set : list_strategy::how::by_key, rule.key};
  return {};
}

bool has_directive(const node& item, std::string_view value) {
  auto* d = item.is_map() ? item.find(directive) : nullptr;
  return d && d->is_scalar() && d->text() == value;
}

// Every item a map with a scalar `key`; a patch's `{$patch: replace}` marker is no item.
bool all_have_key(const node& list, std::string_view key) {
  for (auto& item : list.items())
    if (!has_directive(item, "replace") &&
        (!item.is_map() || !item.find(key) || !item.find(key)->is_scalar()))
      return false;
  return true;
}

// Go's %v of a JSON value, as Kubernetes' merge errors print the map at fault: map[k:v],
// [a b], <nil>; keys sorted.
std::string go_value(const node& n) {
  if (n.is_null()) return "<nil>";
  if (n.is_scalar()) return n.text();
  std::string out = n.is_map() ? "map[" : "[";
  if (n.is_map()) {
    auto entries = n.entries();
    std::sort(entries.begin(), entries.end(), [](auto& a, auto& b) { return a.first < b.first; });
    for (size_t i = 0; i < entries.size(); ++i) out += (i ? " " : "") + entries[i].first + ":" + go_value(entries[i].second);
  } else {
    for (size_t i = 0; i < n.items().size(); ++i) out += (i ? " " : "") + go_value(n.items()[i]);
  }
  return out + "]";
}

// A patch's item of a list merged by key must name its key (Kubernetes' ErrNoMergeKey), unless
// a {$patch: replace} item makes the patch's items the whole list.
void check_merge_keys(const node& patch_list, std::string_view key) {
  for (auto& item : patch_list.items())
    if (has_directive(item, "replace")) return;
  for (auto& item : patch_list.items())
    TROUPE_REQUIRE(!item.is_map() || item.find(key), api_errc::bad_request,
                   "map: " + go_value(item) + " does not contain declared merge key: " + std::string(key));
}

bool is_directive_key(std::string_view key) {
  return key == directive || key == retain_keys || starts_with(key, delete_from_list) ||
         starts_with(key, element_order);
}

const node* find_item(const node& list, std::string_view key, const std::string& value) {
  for (auto& item : list.items()) {
    auto* id = item.is_map() ? item.find(key) : nullptr;
    if (id && id->text() == value) return &item;
  }
  return nullptr;
}
node* find_item(node& list, std::string_view key, const std::string& value) {
  return const_cast<node*>(find_item(std::as_const(list), key, value));
}

node strip_directives(node n) {
  if (n.is_map()) {
    auto& entries = n.entries();
    entries.erase(std::remove_if(entries.begin(), entries.end(),
                                 [](auto& e) { return is_directive_key(e.first); }),
                  entries.end());
    for (auto& [k, v] : entries) v = strip_directives(std::move(v));
  } else if (n.is_list()) {
    auto& items = n.items();
    items.erase(std::remove_if(items.begin(), items.end(),
                               [](const node& item) { return has_directive(item, "replace"); }),
                items.end());
    for (auto& item : items) item = strip_directives(std::move(item));
  }
  return n;
}

node merge(node target, const node& patch, bool strategic, std::string_view parent);

node merge_keyed_list(node target, const node& patch, std::string_view key, std::string_view field) {
  for (auto& item : patch.items())
    if (has_directive(item, "replace")) return strip_directives(patch);
  for (auto& item : patch.items()) {
    const node id = *item.find(key);
    node* existing = find_item(target, key, id.text());
    if (has_directive(item, "delete")) {
      if (existing) {
        auto& items = target.items();
        items.erase(items.begin() + (existing - items.data()));
      }
      continue;
    }
    node merged = merge(existing ? std::move(*existing) : node(), item, true, field);
    merged.set(std::string(key), id);  // an item keeps its key, whatever $retainKeys says
    if (existing) *existing = std::move(merged);
    else target.push(std::move(merged));
  }
  return target;
}

// Kubernetes refuses what it cannot apply: an unknown $patch, and a $retainKeys that leaves
// out a key its own map sets to a value.
void check_directives(const node& patch) {
  if (patch.is_list()) {
    for (auto& item : patch.items()) check_directives(item);
    return;
  }
  if (!patch.is_map()) return;
  if (auto* d = patch.find(directive)) {
    std::string value = d->is_scalar() ? d->text() : "";
    TROUPE_REQUIRE(value == "replace" || value == "delete" || value == "merge", api_errc::bad_request,
                   "unknown patch type: " + quote(value) + " in " + std::string(directive));
  }
  if (auto* keep = patch.find(retain_keys)) {
    TROUPE_REQUIRE(keep->is_list(), api_errc::bad_request, "$retainKeys must be a list");
    for (auto& [key, value] : patch.entries()) {
      if (is_directive_key(key) || value.is_null()) continue;  // a null removes it anyway
      bool kept = false;
      for (auto& k : keep->items()) kept = kept || k.text() == key;
      TROUPE_REQUIRE(kept, api_errc::bad_request,
                     "$retainKeys: " + quote(key) + " is set by the patch but not retained");
    }
  }
  for (auto& [key, value] : patch.entries()) check_directives(value);
}

node merge_set(node target, const node& patch) {
  for (auto& item : patch.items())
    if (std::find(target.items().begin(), target.items().end(), item) == target.items().end())
      target.push(item);
  return target;
}

// `$setElementOrder/field`: the items it names first, in its order, then the others as they were.
void reorder(node& list, const node& order, std::string_view key) {
  if (!list.is_list() || !order.is_list()) return;
  std::vector<node> sorted, rest = std::move(list.items());
  for (auto& wanted : order.items()) {
    auto same = [&](const node& item) {
      if (key.empty()) return item == wanted;
      auto* a = item.is_map() ? item.find(key) : nullptr;
      auto* b = wanted.is_map() ? wanted.find(key) : nullptr;
      return a && b && a->text() == b->text();
    };
    auto found = std::find_if(rest.begin(), rest.end(), same);
    if (found == rest.end()) continue;
    sorted.push_back(std::move(*found));
    rest.erase(found);
  }
  for (auto& item : rest) sorted.push_back(std::move(item));
  list.items() = std::move(sorted);
}

node merge(node target, const node& patch, bool strategic, std::string_view parent) {
  if (!patch.is_map()) return strategic ? strip_directives(patch) : patch;
  if (strategic && has_directive(patch, "replace")) return strip_directives(patch);
  if (!target.is_map()) target = node::map(patch.line());
  if (strategic) {
    for (auto& [key, value] : patch.entries()) {
      if (!starts_with(key, delete_from_list) || !value.is_list()) continue;
      node* list = target.find(key.substr(delete_from_list.size()));
      if (!list || !list->is_list()) continue;
      auto& items = list->items();
      for (auto& gone : value.items())
        items.erase(std::remove(items.begin(), items.end(), gone), items.end());
    }
  }
  for (auto& [key, value] : patch.entries()) {
    if (strategic && is_directive_key(key)) continue;
    if (value.is_null() || (strategic && has_directive(value, "delete") && value.is_map())) {
      target.erase(key);
      continue;
    }
    node* current = target.find(key);
    if (strategic && value.is_list() && current && current->is_list()) {
      auto how = strategy_of(parent, key);
      if (how.merge == list_strategy::how::set) {
        *current = merge_set(std::move(*current), value);
        continue;
      }
      if (how.merge == list_strategy::how::by_key) check_merge_keys(value, how.key);
      if (how.merge == list_strategy::how::by_key && all_have_key(*current, how.key) &&
          all_have_key(value, how.key)) {
        *current = merge_keyed_list(std::move(*current), value, how.key, key);
        continue;
      }
    }
    if (strategic && value.is_list()) {
      // A new list, or one that replaces: its items' own directives are no part of it.
      node items = node::list(value.line());
      for (auto& item : value.items())
        if (!has_directive(item, "replace") && !has_directive(item, "delete"))
          items.push(merge(node(), item, true, key));
      target.set(key, std::move(items));
      continue;
    }
    target.set(key, merge(current ? std::move(*current) : node(), value, strategic, key));
  }
  if (strategic) {
    for (auto& [key, value] : patch.entries()) {
      if (!starts_with(key, element_order)) continue;
      std::string field = key.substr(element_order.size());
      if (node* list = target.find(field)) reorder(*list, value, strategy_of(parent, field).key);
    }
    if (auto* keep = patch.find(retain_keys); keep && keep->is_list()) {
      std::vector<std::string> names;
      for (auto& k : keep->items()) names.push_back(k.text());
      auto& entries = target.entries();
      entries.erase(std::remove_if(entries.begin(), entries.end(),
                                   [&](auto& e) {
                                     return std::find(names.begin(), names.end(), e.first) ==
                                            names.end();
                                   }),
                    entries.end());
    }
  }
  return target;
}

node deletion_of(const node& item, std::string_view key) {
  node d = node::map();
  d.set(std::string(key), *item.find(key));
  d.set(std::string(directive), node::string("delete"));
  return d;
}

// What `desired` holds at a retainKeys map: its keys, sorted, as kubectl sends them.
node retained_keys(const node& desired) {
  std::vector<std::string> keys;
  for (auto& [k, v] : desired.entries())
    if (!is_directive_key(k)) keys.push_back(k);
  std::sort(keys.begin(), keys.end());
  node list = node::list();
  for (auto& k : keys) list.push(node::string(k));
  return list;
}

node three_way(const node& last_applied, const node& desired, std::string_view parent,
               std::string_view field);

// A desired item of keyed list `field`, against its last-applied self if it had one.
node three_way_item(const node* before, const node& item, std::string_view field) {
  return three_way(before ? *before : node(), item, "", field);
}

node three_way(const node& last_applied, const node& desired, std::string_view parent,
               std::string_view field) {
  if (!desired.is_map()) return desired;
  node patch = desired;
  // Only where the user changed the union, as kubectl only sends maps that changed: an
  // unchanged one must not drop the keys the server filled in.
  if (retains_keys(parent, field) && last_applied != desired)
    patch.set(std::string(retain_keys), retained_keys(desired));
  static const node nothing = node::map();
  const node& last = last_applied.is_map() ? last_applied : nothing;
  for (auto& [key, old_value] : last.entries()) {
    const node* now = desired.find(key);
    if (!now) {
      patch.set(key, node::null());
    } else if (old_value.is_map() && now->is_map()) {
      patch.set(key, three_way(old_value, *now, field, key));
    } else if (old_value.is_list() && now->is_list()) {
      auto how = strategy_of(field, key);
      if (how.merge == list_strategy::how::set) {
        node gone = node::list();
        for (auto& item : old_value.items())
          if (std::find(now->items().begin(), now->items().end(), item) == now->items().end())
            gone.push(item);
        if (gone.size()) patch.set(std::string(delete_from_list) + key, std::move(gone));
        continue;
      }
      if (how.merge != list_strategy::how::by_key || !all_have_key(*now, how.key) ||
          !all_have_key(old_value, how.key))
        continue;
      node list = node::list();
      for (auto& item : now->items())
        list.push(three_way_item(find_item(old_value, how.key, item.find(how.key)->text()), item, key));
      for (auto& item : old_value.items())
        if (!find_item(*now, how.key, item.find(how.key)->text()))
          list.push(deletion_of(item, how.key));
      patch.set(key, std::move(list));
      // The user's order, where it changed (env order matters to $(VAR) references).
      std::vector<std::string> before_order, now_order;
      for (auto& item : old_value.items()) before_order.push_back(item.find(how.key)->text());
      for (auto& item : now->items()) now_order.push_back(item.find(how.key)->text());
      if (before_order != now_order) {
        node order = node::list();
        for (auto& item : now->items()) {
          node id = node::map();
          id.set(std::string(how.key), *item.find(how.key));
          order.push(std::move(id));
        }
        patch.set(std::string(element_order) + key, std::move(order));
      }
    }
  }
  // Maps and keyed lists the user adds now still get their retainKeys.
  for (auto& [key, value] : patch.entries()) {
    if (last.find(key)) continue;
    if (value.is_map()) {
      value = three_way(node(), value, field, key);
    } else if (value.is_list() && strategy_of(field, key).merge == list_strategy::how::by_key) {
      for (auto& item : value.items()) item = three_way_item(nullptr, item, key);
    }
  }
  return patch;
}

}  // namespace

node merge_patch(node target, const node& patch) {
  return merge(std::move(target), patch, false, "");
}

node strategic_merge_patch(node target, const node& patch) {
  check_directives(patch);
  return merge(std::move(target), patch, true, "");
}

node three_way_patch(const node& last_applied, const node& desired) {
  return three_way(last_applied, desired, "", "");
}

}  // namespace troupe::codec

// ---- RFC 6902 ----------------------------------------------------------------------------

namespace troupe::codec {
namespace {

// A JSON pointer (RFC 6901) split into its unescaped tokens.
std::vector<std::string> pointer_tokens(const std::string& pointer, const std::string& where) {
  std::vector<std::string> tokens;
  if (pointer.empty()) return tokens;
  TROUPE_REQUIRE(pointer[0] == '/', api_errc::bad_request,
                 where + ": path " + quote(pointer) + " must start with /");
  size_t at = 1;
  for (;;) {
    size_t end = pointer.find('/', at);
    std::string raw = pointer.substr(at, end == std::string::npos ? std::string::npos : end - at);
    std::string token;
    for (size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] == '~' && i + 1 < raw.size() && (raw[i + 1] == '0' || raw[i + 1] == '1')) {
        token += raw[i + 1] == '0' ? '~' : '/';
        ++i;
      } else {
        TROUPE_REQUIRE(raw[i] != '~', api_errc::bad_request,
                       where + ": path " + quote(pointer) + " has a bad ~ escape");
        token += raw[i];
      }
    }
    tokens.push_back(std::move(token));
    if (end == std::string::npos) break;
    at = end + 1;
  }
  return tokens;
}

std::optional<size_t> list_index(const std::string& token, size_t size, bool append_ok) {
  if (append_ok && token == "-") return size;
  if (token.empty() || token.find_first_not_of("0123456789") != std::string::npos)
    return std::nullopt;
  if (token.size() > 1 && token[0] == '0') return std::nullopt;
  if (token.size() > 9) return std::nullopt;  // beyond any list, and beyond what stoul takes
  size_t index = std::stoul(token);
  if (index > size || (!append_ok && index == size)) return std::nullopt;
  return index;
}

// The node the tokens lead to, or nullptr.
node* resolve(node& root, const std::vector<std::string>& tokens, size_t count) {
  node* at = &root;
  for (size_t i = 0; i < count && at; ++i) {
    if (at->is_map()) {
      at = at->find(tokens[i]);
    } else if (at->is_list()) {
      auto index = list_index(tokens[i], at->items().size(), false);
      at = index ? &at->items()[*index] : nullptr;
    } else {
      at = nullptr;
    }
  }
  return at;
}

node take(node& root, const std::vector<std::string>& tokens, const std::string& where) {
  TROUPE_REQUIRE(!tokens.empty(), api_errc::bad_request,
                 where + ": cannot remove the whole document");
  node* parent = resolve(root, tokens, tokens.size() - 1);
  const std::string& last = tokens.back();
  if (parent && parent->is_map()) {
    if (node* found = parent->find(last)) {
      node out = std::move(*found);
      parent->erase(last);
      return out;
    }
  } else if (parent && parent->is_list()) {
    if (auto index = list_index(last, parent->items().size(), false)) {
      node out = std::move(parent->items()[*index]);
      parent->items().erase(parent->items().begin() + static_cast<std::ptrdiff_t>(*index));
      return out;
    }
  }
  throw api_error(api_errc::bad_request, where + ": path not found");
}

void put(node& root, const std::vector<std::string>& tokens, node value, const std::string& where) {
  if (tokens.empty()) {
    root = std::move(value);
    return;
  }
  node* parent = resolve(root, tokens, tokens.size() - 1);
  const std::string& last = tokens.back();
  if (parent && parent->is_map()) {
    parent->set(last, std::move(value));
    return;
  }
  if (parent && parent->is_list()) {
    auto index = list_index(last, parent->items().size(), true);
    TROUPE_REQUIRE(index, api_errc::bad_request,
                   where + ": index " + quote(last) + " is out of range");
    parent->items().insert(parent->items().begin() + static_cast<std::ptrdiff_t>(*index),
                           std::move(value));
    return;
  }
  throw api_error(api_errc::bad_request, where + ": the parent of the path does not exist");
}

const node& field(const node& op, std::string_view name, const std::string& where) {
  const node* found = op.find(name);
  TROUPE_REQUIRE(found, api_errc::bad_request, where + ": missing " + std::string(name));
  return *found;
}

}  // namespace

node json_patch(node target, const node& ops) {
  TROUPE_REQUIRE(ops.is_list(), api_errc::bad_request, "a JSON patch must be a list of operations");
  // Kubernetes' apiserver limits: without them a few dozen copy operations, each doubling a
  // list, make a request of a kilobyte cost minutes of CPU and gigabytes of memory.
  constexpr size_t max_operations = 10000;
  constexpr size_t max_copied_bytes = 3 * 1024 * 1024;  // its JSONPatchMaxCopyBytes
  TROUPE_REQUIRE(ops.items().size() <= max_operations, api_errc::request_entity_too_large,
                 "The allowed maximum operations in a JSON patch is " +
                     std::to_string(max_operations) + ", got " +
                     std::to_string(ops.items().size()));
  size_t copied = 0;
  for (size_t i = 0; i < ops.items().size(); ++i) {
    const node& op = ops.items()[i];
    std::string where = "json patch operation " + std::to_string(i);
    TROUPE_REQUIRE(op.is_map(), api_errc::bad_request, where + ": must be an object");
    std::string name = field(op, "op", where).text();
    std::string path = field(op, "path", where).text();
    where += " (" + name + " " + path + ")";
    auto tokens = pointer_tokens(path, where);
    if (name == "add") {
      put(target, tokens, field(op, "value", where), where);
    } else if (name == "remove") {
      take(target, tokens, where);
    } else if (name == "replace") {
      node* at = resolve(target, tokens, tokens.size());
      TROUPE_REQUIRE(at, api_errc::bad_request, where + ": path not found");
      *at = field(op, "value", where);
    } else if (name == "move" || name == "copy") {
      std::string from = field(op, "from", where).text();
      auto from_tokens = pointer_tokens(from, where);
      if (name == "move") {
        TROUPE_REQUIRE(path.compare(0, from.size() + 1, from + "/") != 0, api_errc::bad_request,
                       where + ": cannot move " + quote(from) + " into itself");
        put(target, tokens, take(target, from_tokens, where + " from " + from), where);
      } else {
        node* source = resolve(target, from_tokens, from_tokens.size());
        TROUPE_REQUIRE(source, api_errc::bad_request,
                       where + ": from " + quote(from) + " not found");
        copied += to_json(*source).size();  // what evanphx/json-patch counts: the copy's JSON
        TROUPE_REQUIRE(copied <= max_copied_bytes, api_errc::bad_request,
                       "Unable to complete the copy, the accumulated size increase of copy is " +
                           std::to_string(copied) + ", exceeding the limit " +
                           std::to_string(max_copied_bytes));
        put(target, tokens, node(*source), where);
      }
    } else if (name == "test") {
      node* at = resolve(target, tokens, tokens.size());
      TROUPE_REQUIRE(at && *at == field(op, "value", where), api_errc::invalid,
                     where + ": testing value " + path + " failed");
    } else {
      throw api_error(api_errc::bad_request, where + ": unknown op " + quote(name) +
                                                 " (add, remove, replace, move, copy or test)");
    }
  }
  return target;
}

}  // namespace troupe::codec
