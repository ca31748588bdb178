// `troupe describe KIND NAME`: kubectl's describer for pods, deployments, services and nodes;
// for other kinds metadata, owner, the rest of the object as indented fields, conditions as
// a table, and the object's Events.

#include "runtime/cli/describe.hpp"

#include <kj/encoding.h>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <map>
#include <set>

#include "runtime/base/text.hpp"
#include "runtime/base/time.hpp"
#include "runtime/cli/printers.hpp"
#include "runtime/codec/object_codec.hpp"

namespace troupe::cli {

using codec::node;

std::vector<node> list_of_kind(context& ctx, const char* resource, const std::string& ns, const std::string& fields) {
  auto& kind = ctx.kind(resource);
  std::vector<node> out;
  for (auto& item : ctx.list(kind, ns, "", fields).items) out.push_back(codec::encode_object(item, kind));
  return out;
}

void write_head_lines(tab_text& w, const node& object, bool namespaced) {
  w.write(0, "Name:\t" + text_at(object, {"metadata", "name"}) + "\n");
  if (namespaced) w.write(0, "Namespace:\t" + text_at(object, {"metadata", "namespace"}) + "\n");
  write_labels(w, "", "Labels", lookup(object, {"metadata", "labels"}));
  write_annotations(w, "", "Annotations", lookup(object, {"metadata", "annotations"}));
}

std::string text_or(const node& n, std::initializer_list<std::string_view> path, const std::string& fallback) {
  auto t = text_at(n, path);
  return t.empty() ? fallback : t;
}

size_t base64_decoded_size(const std::string& text) {
  return kj::decodeBase64(kj::ArrayPtr<const char>(text.data(), text.size())).size();
}

void tab_text::write(int level, const std::string& text) {
  pending_ += std::string(static_cast<size_t>(level) * 2, ' ') + text;
}

void tab_text::flush() {
  done_ += tabbed(pending_);
  pending_.clear();
}

std::string tab_text::str() {
  flush();
  return done_;
}

std::string rfc1123z(const std::string& rfc3339, const std::string& absent) {
  auto at = parse_rfc3339(rfc3339);
  if (!at) return absent;
  std::time_t t = static_cast<std::time_t>(*at);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S +0000", &tm);
  return buf;
}

namespace {

// A map's entries in key order (kubectl's maps are Go maps, printed sorted).
std::map<std::string, std::string> sorted(const node* map) {
  std::map<std::string, std::string> out;
  if (map && map->is_map())
    for (auto& [k, v] : map->entries()) out[k] = v.is_scalar() ? v.text() : "";
  return out;
}

}  // namespace

const std::vector<codec::node>& items_of(const codec::node* list) {
  static const std::vector<codec::node> none;
  return list && list->is_list() ? list->items() : none;
}

void write_labels(tab_text& w, const std::string& indent, const std::string& title,
                  const node* labels) {
  auto entries = sorted(labels);
  w.write(0, indent + title + ":\t");
  if (entries.empty()) return w.write(0, "<none>\n");
  bool first = true;
  for (auto& [k, v] : entries) {
    w.write(0, (first ? "" : indent + "\t") + k + "=" + v + "\n");
    first = false;
  }
}

void write_annotations(tab_text& w, const std::string& indent, const std::string& title,
                       const node* annotations) {
  // kubectl's maxAnnotationLen: a longer value goes on lines of its own, each cut there.
  constexpr size_t max_len = 140;
  auto entries = sorted(annotations);
  entries.erase("kubectl.kubernetes.io/last-applied-configuration");
  w.write(0, indent + title + ":\t");
  if (entries.empty()) return w.write(0, "<none>\n");
  bool first = true;
  for (auto& [k, raw] : entries) {
    if (!first) w.write(0, indent + "\t");
    first = false;
    std::string value = raw;
    if (!value.empty() && value.back() == '\n') value.pop_back();
    if (value.size() + k.size() + 2 <= max_len && value.find('\n') == std::string::npos) {
      w.write(0, k + ": " + value + "\n");
      continue;
    }
    w.write(0, k + ":\n");
    for (auto& part : split(value, '\n'))
      w.write(0, indent + "\t  " +
                     (part.size() > max_len - 2 ? part.substr(0, max_len - 2) + "..." : part) +
                     "\n");
  }
}

void write_events(context& ctx, const kind_info& kind, const node& object, tab_text& w) {
  const kind_info& events_kind = ctx.kind("events");
  auto ns = text_at(object, {"metadata", "namespace"});
  auto uid = text_at(object, {"metadata", "uid"});
  auto name = text_at(object, {"metadata", "name"});
  std::vector<node> mine;
  for (auto& item : ctx.list(events_kind, ns.empty() ? "default" : ns).items) {
    node e = codec::encode_object(item, events_kind);
    // By uid where both have one, so a recreated object does not show its predecessor's.
    auto event_uid = text_at(e, {"involvedObject", "uid"});
    bool same_uid = !uid.empty() && event_uid == uid;
    bool same_name = text_at(e, {"involvedObject", "name"}) == name &&
                     text_at(e, {"involvedObject", "kind"}) == kind.kind;
    if (same_uid || (same_name && (uid.empty() || event_uid.empty()))) mine.push_back(std::move(e));
  }
  if (mine.empty()) return w.write(0, "Events:\t<none>\n");
  w.flush();  // kubectl's Events table aligns on its own
  sort_events(mine);
  w.write(0, "Events:\n  Type\tReason\tAge\tFrom\tMessage\n");
  w.write(1, "----\t------\t----\t----\t-------\n");
  for (auto& e : mine) {
    auto from = text_at(e, {"source", "component"});
    if (from.empty()) from = text_at(e, {"reportingComponent"});
    w.write(1, text_at(e, {"type"}) + "\t" + text_at(e, {"reason"}) + "\t" + event_interval(e, ctx.now()) + "\t" +
                   from + "\t" + std::string(trim(text_at(e, {"message"}))) + "\n");
  }
}

namespace {

// An event's time in `field`, else when the object was made.
std::optional<int64_t> event_time(const node& e, const char* field) {
  auto at = parse_rfc3339(text_at(e, {field}));
  return at ? at : parse_rfc3339(text_at(e, {"metadata", "creationTimestamp"}));
}

}  // namespace

void sort_events(std::vector<node>& events) {
  std::stable_sort(events.begin(), events.end(), [](const node& a, const node& b) {
    return event_time(a, "lastTimestamp").value_or(0) < event_time(b, "lastTimestamp").value_or(0);
  });
}

std::string event_interval(const node& e, int64_t now) {
  auto since = [&](std::initializer_list<std::string_view> path) {
    auto at = parse_rfc3339(text_at(e, path));
    return at ? human_duration(now - *at) : std::string("<unknown>");
  };
  // kubectl's getInterval: first seen at eventTime (events.k8s.io) or firstTimestamp; a
  // repeat by its series, or by count.
  auto first = text_at(e, {"eventTime"}).empty() ? since({"firstTimestamp"}) : since({"eventTime"});
  if (lookup(e, {"series"}))
    return since({"series", "lastObservedTime"}) + " (x" + text_at(e, {"series", "count"}) + " over " + first + ")";
  auto count = parse_int(text_at(e, {"count"})).value_or(1);
  return count > 1 ? since({"lastTimestamp"}) + " (x" + std::to_string(count) + " over " + first + ")" : first;
}

namespace {

// kubectl's smartLabelFor: "holderIdentity" reads "Holder Identity", "apiVersion" "API
// Version"; a field with characters other than letters and '-' stays as it is.
std::string smart_label(const std::string& field) {
  for (char c : field)
    if (!std::isalpha(static_cast<unsigned char>(c)) && c != '-') return field;
  // fatih/camelcase's Split: runs of one class (lower, upper, other), an upper run's last letter
  // starting the lower run after it ("IPAddress" is "IP", "Address").
  auto kind = [](char c) { return std::islower(static_cast<unsigned char>(c)) ? 0 : std::isupper(static_cast<unsigned char>(c)) ? 1 : 2; };
  std::vector<std::string> runs;
  for (char c : field) {
    if (runs.empty() || kind(runs.back().back()) != kind(c)) runs.emplace_back();
    runs.back() += c;
  }
  for (size_t i = 0; i + 1 < runs.size(); ++i)
    if (!runs[i].empty() && kind(runs[i].back()) == 1 && kind(runs[i + 1][0]) == 0) {
      runs[i + 1].insert(runs[i + 1].begin(), runs[i].back());
      runs[i].pop_back();
    }
  std::vector<std::string> words;
  for (auto& run : runs) {
    if (run.empty()) continue;
    std::string upper = run;
    for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (upper == "API" || upper == "URL" || upper == "UID" || upper == "OSB" || upper == "GUID") run = upper;
    else run[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(run[0])));
    words.push_back(run);
  }
  return join(words, " ");
}

// kubectl's printUnstructuredContent: every field in name order, maps and lists nested a level
// deeper (a list's maps one after another), except the paths in `skip`.
void write_unstructured(tab_text& w, int level, const node& content, const std::string& prefix,
                        const std::set<std::string>& skip) {
  std::vector<const std::pair<std::string, node>*> fields;
  for (auto& entry : content.entries()) fields.push_back(&entry);
  std::sort(fields.begin(), fields.end(), [](auto* a, auto* b) { return a->first < b->first; });
  for (auto* field : fields) {
    auto& [name, value] = *field;
    auto path = prefix + "." + name;
    if (skip.count(path)) continue;
    if (value.is_map()) {
      w.write(level, smart_label(name) + ":\n");
      write_unstructured(w, level + 1, value, path, skip);
    } else if (value.is_list()) {
      w.write(level, smart_label(name) + ":\n");
      for (auto& item : value.items()) {
        if (item.is_map()) write_unstructured(w, level + 1, item, path, skip);
        else w.write(level + 1, item.text() + "\n");
      }
    } else {
      w.write(level, smart_label(name) + ":\t" + (value.is_null() ? "<nil>" : value.text()) + "\n");
    }
  }
}

// kubectl's GenericDescriber, for the kinds it has no describer of its own for (Lease, Event).
std::string describe_generic(context& ctx, const kind_info& kind, const node& object) {
  tab_text w;
  w.write(0, "Name:\t" + text_at(object, {"metadata", "name"}) + "\n");
  w.write(0, "Namespace:\t" + text_at(object, {"metadata", "namespace"}) + "\n");
  write_labels(w, "", "Labels", lookup(object, {"metadata", "labels"}));
  write_annotations(w, "", "Annotations", lookup(object, {"metadata", "annotations"}));
  write_unstructured(w, 0, object, "",
                     {".metadata.name", ".metadata.namespace", ".metadata.labels", ".metadata.annotations"});
  write_events(ctx, kind, object, w);
  return w.str();
}

std::string describe(context& ctx, const kind_info& kind, const node& object) {
  if (kind.kind == "Pod") return describe_pod(ctx, kind, object);
  if (kind.kind == "Deployment") return describe_deployment(ctx, kind, object);
  if (kind.kind == "Service") return describe_service(ctx, kind, object);
  if (kind.kind == "Node") return describe_node(ctx, kind, object);
  if (kind.kind == "Secret" && kind.group.empty()) return describe_secret(object);
  if (auto text = describe_more(ctx, kind, object)) return *text;
  return describe_generic(ctx, kind, object);
}

}  // namespace

namespace {

// describe -f FILE: the objects its manifests name, each missing one an error line.
int describe_files(context& ctx) {
  int status = 0;
  bool first = true;
  auto objects = file_objects(ctx);
  if (objects.empty()) ctx.err << "No resources found in " << ctx.ns() << " namespace.\n";
  for (auto& o : objects) {
    try {
      auto object = codec::encode_object(ctx.get(*o.kind, o.ns, o.name).object, *o.kind);
      ctx.out << (first ? "" : "\n\n") << describe(ctx, *o.kind, object);
      first = false;
    } catch (const rpc::server_error& e) {
      print_server_error(ctx.err, e);
      status = 1;
    }
  }
  return status;
}

}  // namespace

int cmd_describe(context& ctx) {
  if (ctx.flags.has("filename")) return describe_files(ctx);
  auto args = parse_resource_args(ctx, "You must specify the type of resource to describe. Use \"troupe "
                                       "api-resources\" for a complete list of supported resources.");
  TROUPE_REQUIRE(args.named.empty() || !ctx.all_namespaces(), api_errc::bad_request,
                 "a resource cannot be retrieved by name across all namespaces");
  std::vector<std::pair<const kind_info*, node>> objects;
  for (auto* kind : args.types) {
    if (!args.named.empty()) break;
    auto ns = ctx.all_namespaces() ? "" : ctx.ns_for(*kind);
    for (auto& item : ctx.list(*kind, ns, ctx.flags.get("selector")).items)
      objects.emplace_back(kind, codec::encode_object(item, *kind));
  }
  // As kubectl: the objects found are described, each one missing gets its error line.
  int status = 0;
  // `describe TYPE NAME` with a name that is not there describes those it begins, as kubectl's
  // DescribeMatchingResources does.
  bool prefix_allowed = args.named.size() == 1 && ctx.flags.positional.size() == 2;
  for (auto& [kind, name] : args.named) {
    try {
      objects.emplace_back(kind, codec::encode_object(ctx.get(*kind, ctx.ns_for(*kind), name).object, *kind));
    } catch (const rpc::server_error& e) {
      if (e.code() == api_errc::not_found && prefix_allowed) {
        for (auto& item : ctx.list(*kind, ctx.ns_for(*kind)).items) {
          auto object = codec::encode_object(item, *kind);
          if (starts_with(text_at(object, {"metadata", "name"}), name)) objects.emplace_back(kind, std::move(object));
        }
        if (!objects.empty()) continue;
      }
      print_server_error(ctx.err, e);
      status = 1;
    }
  }
  if (objects.empty() && args.named.empty()) {
    // kubectl's describe names the namespace whatever the kind, unless -A.
    if (!ctx.all_namespaces()) ctx.err << "No resources found in " << ctx.ns() << " namespace.\n";
    else ctx.err << "No resources found\n";
  }
  for (size_t i = 0; i < objects.size(); ++i)
    ctx.out << (i ? "\n\n" : "") << describe(ctx, *objects[i].first, objects[i].second);
  return status;
}

}  // namespace troupe::cli
