#pragma once
// The pieces of `describe` that kubectl's per-kind describers share: text laid out as Go's
// tabwriter lays out kubectl's (cells end at '\t', each column block as wide as its widest
// cell plus two), label and annotation blocks, RFC 1123 times, and the Events table.
// Internal to the CLI.

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "runtime/cli/context.hpp"
#include "runtime/cli/tabwriter.hpp"
#include "runtime/codec/tree.hpp"

namespace troupe::cli {

/// kubectl's PrefixWriter over a tabwriter: lines at a level (two spaces each) collected until
/// flush() lays them out; str() flushes and returns all.
class tab_text {
 public:
  /// Appends "  " * level + text (which carries its own '\t's and '\n').
  void write(int level, const std::string& text);
  /// Lays out what was written since the last flush, so later columns align on their own.
  void flush();
  std::string str();

 private:
  std::string done_, pending_;
};

/// "Mon, 01 Dec 2026 11:57:30 +0000" (Go's RFC1123Z, in UTC) for an RFC 3339 time; `absent`
/// when there is none.
std::string rfc1123z(const std::string& rfc3339, const std::string& absent = "");

/// The text at `path`, or `fallback` when there is none.
std::string text_or(const codec::node& n, std::initializer_list<std::string_view> path, const std::string& fallback);
/// "Kind/name" of the object's controller, "" when none.
std::string controller_of(const codec::node& object);
/// The length of what base64 `text` decodes to.
size_t base64_decoded_size(const std::string& text);

/// The items of a list node; none when it is missing or not a list.
const std::vector<codec::node>& items_of(const codec::node* list);

/// "Title:\tk=v\n\tk2=v2\n" in key order, "<none>" when empty; `indent` before each line.
void write_labels(tab_text& w, const std::string& indent, const std::string& title,
                  const codec::node* labels);
/// kubectl's annotations block: "key: value" in key order without last-applied, a long or
/// multi-line value on indented lines of its own.
void write_annotations(tab_text& w, const std::string& indent, const std::string& title,
                       const codec::node* annotations);
/// The objects of `resource` ("pods") in `ns` ("" for all), optionally by field selector.
std::vector<codec::node> list_of_kind(context& ctx, const char* resource, const std::string& ns,
                                      const std::string& fields = "");
/// Name, Namespace (when `namespaced`), Labels and Annotations: how most describers begin.
void write_head_lines(tab_text& w, const codec::node& object, bool namespaced);
/// The Events of `object` (by uid, or by kind and name), kubectl's table, or "<none>".
void write_events(context& ctx, const kind_info& kind, const codec::node& object, tab_text& w);
/// The endpoints of the port named `port_name`: "ip:port,..." (three, then "+ N more..."), or
/// "<none>" (kubectl's formatEndpoints).
std::string endpoints_of(const codec::node* endpoints, const std::string& port_name);
/// Events oldest first, by when they were last seen, as kubectl orders them.
void sort_events(std::vector<codec::node>& events);
/// When an event was seen, as kubectl shows it: "5s", or "5s (x3 over 2m)" for a repeat.
std::string event_interval(const codec::node& event, int64_t now);

/// kubectl's describers for these kinds; each ends with the Events.
std::string describe_pod(context& ctx, const kind_info& kind, const codec::node& pod);
std::string describe_deployment(context& ctx, const kind_info& kind, const codec::node& deploy);
std::string describe_service(context& ctx, const kind_info& kind, const codec::node& svc);
std::string describe_node(context& ctx, const kind_info& kind, const codec::node& node);

/// kubectl's Secret describer: metadata, Type, and each key's size in bytes, never its value.
std::string describe_secret(const codec::node& secret);

/// kubectl's describers for namespaces, config maps, service accounts, RBAC roles and
/// bindings, replica sets, jobs, cron jobs, claims and volumes; nothing for other kinds.
std::optional<std::string> describe_more(context& ctx, const kind_info& kind, const codec::node& object);

/// "Pod Template:" and what follows, as the workload describers print it.
void write_pod_template(tab_text& w, const codec::node* pod_template);

}  // namespace troupe::cli
