#include "runtime/codec/patch.hpp"

#include <string>
#include <utility>

namespace troupe::codec {
namespace {

constexpr std::string_view directive = "$patch";

bool all_have_key(const node& list, std::string_view key) {
  for (auto& item : list.items())
    if (!item.is_map() || !item.find(key) || !item.find(key)->is_scalar()) return false;
  return true;
}

bool is_delete_directive(const node& item) {
  auto* d = item.find(directive);
  return d && d->is_scalar() && d->text() == "delete";
}

const node* find_item(const node& list, std::string_view key, const std::string& value) {
  for (auto& item : list.items())
    if (item.find(key)->text() == value) return &item;
  return nullptr;
}
node* find_item(node& list, std::string_view key, const std::string& value) {
  return const_cast<node*>(find_item(std::as_const(list), key, value));
}

node strip_directives(node n) {
  if (n.is_map()) {
    n.erase(directive);
    for (auto& [k, v] : n.entries()) v = strip_directives(std::move(v));
  } else if (n.is_list()) {
    for (auto& item : n.items()) item = strip_directives(std::move(item));
  }
  return n;
}

node merge(node target, const node& patch, bool strategic);

node merge_list(node target, const node& patch, std::string_view key) {
  for (auto& item : patch.items()) {
    const std::string& id = item.find(key)->text();
    node* existing = find_item(target, key, id);
    if (is_delete_directive(item)) {
      if (existing) {
        auto& items = target.items();
        items.erase(items.begin() + (existing - items.data()));
      }
    } else if (existing) {
      *existing = merge(std::move(*existing), item, true);
    } else {
      target.push(strip_directives(item));
    }
  }
  return target;
}

node merge(node target, const node& patch, bool strategic) {
  if (!patch.is_map()) return strategic ? strip_directives(patch) : patch;
  if (!target.is_map()) target = node::map(patch.line());
  for (auto& [key, value] : patch.entries()) {
    if (strategic && key == directive) continue;
    if (value.is_null()) {
      target.erase(key);
      continue;
    }
    node* current = target.find(key);
    if (strategic && value.is_list() && current && current->is_list()) {
      auto k = merge_key(key, value);
      if (!k.empty() && all_have_key(*current, k)) {
        *current = merge_list(std::move(*current), value, k);
        continue;
      }
    }
    target.set(key, merge(current ? std::move(*current) : node(), value, strategic));
  }
  return target;
}

node deletion_of(const node& item, std::string_view key) {
  node d = node::map();
  d.set(std::string(key), *item.find(key));
  d.set(std::string(directive), node::string("delete"));
  return d;
}

}  // namespace

std::string_view merge_key(std::string_view field, const node& list) {
  if (!list.is_list()) return "";
  std::string_view key = "name";
  if (field == "ports") key = all_have_key(list, "containerPort") ? "containerPort" : "port";
  else if (field == "volumeMounts") key = "mountPath";
  else if (field == "volumeDevices") key = "devicePath";
  return all_have_key(list, key) ? key : "";
}

node merge_patch(node target, const node& patch) { return merge(std::move(target), patch, false); }

node strategic_merge_patch(node target, const node& patch) {
  return merge(std::move(target), patch, true);
}

node three_way_patch(const node& last_applied, const node& desired) {
  if (!last_applied.is_map() || !desired.is_map()) return desired;
  node patch = desired;
  for (auto& [key, old_value] : last_applied.entries()) {
    const node* now = desired.find(key);
    if (!now) {
      patch.set(key, node::null());
    } else if (old_value.is_map() && now->is_map()) {
      patch.set(key, three_way_patch(old_value, *now));
    } else if (old_value.is_list() && now->is_list()) {
      auto k = merge_key(key, *now);
      if (k.empty() || merge_key(key, old_value) != k) continue;
      node list = node::list();
      for (auto& item : now->items()) {
        const node* before = find_item(old_value, k, item.find(k)->text());
        list.push(before ? three_way_patch(*before, item) : item);
      }
      for (auto& item : old_value.items())
        if (!find_item(*now, k, item.find(k)->text()))
          list.push(deletion_of(item, k));
      patch.set(key, std::move(list));
    }
  }
  return patch;
}

}  // namespace troupe::codec
