// `troupe wait KIND NAME --for=condition=C[=V] | --for=delete | --for=create |
// --for=jsonpath='{..}'[=V]` (without a value: until the path has one).
// It reads the object, then watches from the revision it read, so no change between the two
// is missed.

#include "runtime/base/text.hpp"
#include "runtime/base/time.hpp"
#include "runtime/cli/context.hpp"
#include "runtime/cli/printers.hpp"
#include "runtime/codec/object_codec.hpp"

namespace troupe::cli {
namespace {

using codec::node;

struct wait_condition {
  enum { condition, deleted, created, path } type;
  std::string subject;   ///< condition type, or the JSONPath template
  std::string expected;  ///< "True" for conditions unless given; jsonpath's value
  bool any_value = false;  ///< jsonpath without =VALUE: any non-empty value will do
};

// kubectl's split of jsonpath's input: at each single '=', a "==" kept whole.
std::vector<std::string> split_jsonpath_input(const std::string& input) {
  std::vector<std::string> parts{""};
  for (size_t i = 0; i < input.size(); ++i) {
    if (input[i] != '=') parts.back() += input[i];
    else if (i + 1 < input.size() && input[i + 1] == '=') parts.back() += "==", ++i;
    else parts.emplace_back();
  }
  return parts;
}

// kubectl's RelaxedJSONPathExpression: {.a.b}, {a.b}, .a.b or a.b, as the template {.a.b}.
std::string relaxed_jsonpath(std::string expr) {
  // A path still in the quotes a shell would have taken off is read as if they had gone.
  if (expr.size() >= 2 && expr.front() == '\'' && expr.back() == '\'') expr = expr.substr(1, expr.size() - 2);
  bool braced = expr.size() >= 2 && expr.front() == '{' && expr.back() == '}';
  std::string inner = braced ? expr.substr(1, expr.size() - 2) : expr;
  if (!inner.empty() && inner.front() == '.') inner = inner.substr(1);
  TROUPE_REQUIRE(!inner.empty() && inner.find_first_of("{}") == std::string::npos, api_errc::bad_request,
                 "unexpected path string, expected a 'name1.name2' or '.name1.name2' or '{name1.name2}' or "
                 "'{.name1.name2}'");
  return "{." + inner + "}";
}

wait_condition parse_for(const std::string& text) {
  TROUPE_REQUIRE(!text.empty(), api_errc::bad_request,
                 "--for is required: condition=NAME[=VALUE], delete, create or "
                 "jsonpath='{...}'[=VALUE]");
  if (to_lower(text) == "delete") return {wait_condition::deleted, "", ""};
  if (text == "create") return {wait_condition::created, "", ""};
  if (starts_with(text, "condition=")) {
    auto rest = text.substr(10);
    auto eq = rest.find('=');
    std::string value = eq == std::string::npos ? "True" : rest.substr(eq + 1);
    if (to_lower(value) == "true") value = "True";
    if (to_lower(value) == "false") value = "False";
    return {wait_condition::condition, rest.substr(0, eq), value};
  }
  if (starts_with(text, "jsonpath=")) {
    auto parts = split_jsonpath_input(text.substr(9));
    TROUPE_REQUIRE(parts.size() <= 2, api_errc::bad_request,
                   "jsonpath wait format must be --for=jsonpath='{.status.readyReplicas}'=3 or "
                   "--for=jsonpath='{.status.readyReplicas}'");
    std::string tmpl = relaxed_jsonpath(parts[0]);
    jsonpath(tmpl, node::map());  // a template it cannot read fails now, not at the deadline
    if (parts.size() == 1) return {wait_condition::path, tmpl, "", true};
    auto value = parts[1];
    while (!value.empty() && (value.front() == '\'' || value.front() == '"')) value.erase(0, 1);
    while (!value.empty() && (value.back() == '\'' || value.back() == '"')) value.pop_back();
    TROUPE_REQUIRE(!value.empty(), api_errc::bad_request,
                   "jsonpath wait has to have a value after equal sign, like --for=jsonpath='{.status.readyReplicas}'=3");
    return {wait_condition::path, tmpl, value};
  }
  throw api_error(api_errc::bad_request, "unrecognized condition: " + quote(text));
}

bool satisfied(const wait_condition& c, const node& object) {
  if (c.type == wait_condition::created) return true;
  if (c.type == wait_condition::path) {
    // Leniently: an index not there yet ({.status.containerStatuses[0].ready}) is waited for.
    std::string found = jsonpath(c.subject, object, false);
    return c.any_value ? !found.empty() : found == c.expected;
  }
  if (auto* conds = lookup(object, {"status", "conditions"}))
    for (auto& cond : conds->items())
      if (to_lower(text_at(cond, {"type"})) == to_lower(c.subject))
        return text_at(cond, {"status"}) == c.expected;
  return false;
}

enum class outcome { met, timed_out, absent };

// Waits for one object; `absent` when waiting for its deletion and it was never there.
outcome wait_for(context& ctx, const kind_info& kind, const std::string& name,
                 const wait_condition& c, std::chrono::milliseconds patience) {
  auto ns = ctx.ns_for(kind);
  uint64_t revision = 0;
  try {
    auto live = ctx.get(kind, ns, name);
    if (c.type != wait_condition::deleted && satisfied(c, codec::encode_object(live.object, kind)))
      return outcome::met;
    revision = live.revision;
  } catch (const rpc::server_error& e) {
    if (e.code() != api_errc::not_found) throw;
    if (c.type == wait_condition::deleted) return outcome::absent;
    if (c.type != wait_condition::created) throw;
    // Not there yet: watch from the revision it was missing at.
    revision = ctx.list(kind, ns, "", "metadata.name=" + name).revision;
  }
  bool met = false;
  ctx.watch_object(kind, ns, name, revision, [&](const rpc::event& ev) {
    if (ev.type == 3) met = c.type == wait_condition::deleted;
    else if (ev.type != 4 && c.type != wait_condition::deleted)
      met = satisfied(c, codec::encode_object(ev.object, kind));
    return !met && (ev.type != 3 || c.type == wait_condition::created);
  }, patience);
  return met ? outcome::met : outcome::timed_out;
}

}  // namespace

int cmd_wait(context& ctx) {
  auto c = parse_for(ctx.flags.get("for"));
  auto timeout = ctx.flags.get("timeout", "30s");
  auto ns = parse_go_duration_ns(timeout);
  TROUPE_REQUIRE(ns, api_errc::bad_request, "--timeout: invalid duration " + quote(timeout));
  int64_t ms = *ns < 0 ? kubectl_forever_ms : *ns / 1000000;
  auto args = parse_resource_args(ctx, "you must specify the resource to wait for");
  auto targets = args.named;
  if (!args.types.empty()) {
    bool by_selector = ctx.flags.has("selector") || ctx.flags.on("all");
    TROUPE_REQUIRE(targets.empty() || !by_selector, api_errc::bad_request,
                   "name cannot be provided when a selector or --all is specified");
    if (by_selector)
      for (auto* kind : args.types)
        for (auto& name : ctx.selected_names(*kind)) targets.emplace_back(kind, name);
    TROUPE_REQUIRE(by_selector || !targets.empty(), api_errc::bad_request,
                   "resource(s) were provided, but no name was specified");
    TROUPE_REQUIRE(!targets.empty(), api_errc::bad_request, "no matching resources found");
  }
  auto deadline = monotonic_nanos() + ms * 1000000;
  for (auto& [kind, name] : targets) {
    auto left = std::chrono::milliseconds(std::max<int64_t>(0, (deadline - monotonic_nanos()) / 1000000));
    auto result = wait_for(ctx, *kind, name, c, left);
    if (result == outcome::timed_out) throw timed_out_waiting_on(*kind, name);
    if (result == outcome::absent) continue;  // nothing to say, as kubectl
    // kubectl's printer says it of every wait, a deletion's too.
    ctx.out << kind->singular_resource() << "/" << name << " condition met\n";
    ctx.out.flush();
  }
  return 0;
}

}  // namespace troupe::cli
