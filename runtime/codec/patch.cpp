#include "runtime/codec/patch.hpp"

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "runtime/base/error.hpp"
#include "runtime/base/text.hpp"

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
