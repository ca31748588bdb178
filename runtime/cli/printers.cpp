#include "runtime/cli/printers.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <optional>
#include <sstream>

#include "runtime/base/error.hpp"
#include "runtime/base/text.hpp"
#include "runtime/base/time.hpp"
#include "runtime/cli/columns.hpp"
#include "runtime/cli/gotemplate_value.hpp"
#include "runtime/cli/output.hpp"
#include "runtime/cli/tabwriter.hpp"
#include "runtime/codec/json.hpp"
#include "runtime/codec/yaml.hpp"

namespace troupe::cli {

using codec::node;

const node* lookup(const node& root, std::initializer_list<std::string_view> path) {
  const node* at = &root;
  for (auto key : path) {
    if (!at->is_map()) return nullptr;
    at = at->find(key);
    if (!at) return nullptr;
  }
  return at;
}

std::string text_at(const node& root, std::initializer_list<std::string_view> path) {
  const node* n = lookup(root, path);
  return n && n->is_scalar() ? n->text() : "";
}

namespace {

// kubectl's printEvent: no NAME but with -o wide (last), and the wide columns among the others.
std::vector<column> event_columns(const table_options& options) {
  auto since = [now = options.now](std::optional<int64_t> at) {
    return at ? human_duration(now - *at) : std::string("<unknown>");
  };
  auto first_seen = [](const node& n) {
    auto at = parse_rfc3339(text_at(n, {"firstTimestamp"}));
    return at ? at : parse_rfc3339(text_at(n, {"eventTime"}));
  };
  auto last_seen = [first_seen](const node& n) {
    if (lookup(n, {"series"})) return parse_rfc3339(text_at(n, {"series", "lastObservedTime"}));
    auto at = parse_rfc3339(text_at(n, {"lastTimestamp"}));
    return at ? at : first_seen(n);
  };
  std::vector<column> cols = {
      {"LAST SEEN", [=](const node& n) { return since(last_seen(n)); }},
      {"TYPE", [](const node& n) { return text_at(n, {"type"}); }},
      {"REASON", [](const node& n) { return text_at(n, {"reason"}); }},
      {"OBJECT", [](const node& n) {
         auto kind = to_lower(text_at(n, {"involvedObject", "kind"}));
         auto name = text_at(n, {"involvedObject", "name"});
         return name.empty() ? kind : kind + "/" + name;
       }}};
  if (options.wide) {
    cols.push_back({"SUBOBJECT", [](const node& n) { return text_at(n, {"involvedObject", "fieldPath"}); }});
    cols.push_back({"SOURCE", [](const node& n) {
                      auto component = text_at(n, {"source", "component"});
                      auto host = text_at(n, {"source", "host"});
                      if (component.empty()) component = text_at(n, {"reportingComponent"});
                      if (host.empty()) host = text_at(n, {"reportingInstance"});
                      return host.empty() ? component : component + ", " + host;
                    }});
  }
  cols.push_back({"MESSAGE", [](const node& n) { return std::string(trim(text_at(n, {"message"}))); }});
  if (options.wide) {
    cols.push_back({"FIRST SEEN", [=](const node& n) { return since(first_seen(n)); }});
    cols.push_back({"COUNT", [](const node& n) {
                      if (lookup(n, {"series"})) {
                        auto count = text_at(n, {"series", "count"});
                        return count.empty() ? std::string("0") : count;
                      }
                      auto count = text_at(n, {"count"});  // a singleton event has none
                      return count.empty() || count == "0" ? std::string("1") : count;
                    }});
    cols.push_back({"NAME", [](const node& n) { return text_at(n, {"metadata", "name"}); }});
  }
  return cols;
}

// Rows of cells under the headers, each column as wide as its widest cell and three spaces apart.
std::string lay_out(const std::vector<column>& cols, const std::vector<node>& objects,
                    const table_options& options) {
  std::vector<std::vector<std::string>> rows;
  if (options.headers) {
    rows.emplace_back();
    for (auto& c : cols) rows.back().push_back(c.header);
  }
  for (auto& object : objects) {
    rows.emplace_back();
    for (auto& c : cols) rows.back().push_back(c.value(object));
  }
  return aligned_rows(rows, options.widths);
}

}  // namespace

std::string aligned_rows(const std::vector<std::vector<std::string>>& rows, std::vector<size_t>* kept_widths) {
  std::vector<size_t> own;
  auto& widths = kept_widths ? *kept_widths : own;
  for (auto& row : rows) {
    widths.resize(std::max(widths.size(), row.size()), 0);
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], rune_width(row[i]));
  }
  std::string out;
  for (auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(widths[i] - rune_width(row[i]) + 3, ' ');
    }
    out += line + "\n";
  }
  return out;
}

std::string print_table(const kind_info& kind, const std::vector<node>& objects,
                        const table_options& options) {
  std::vector<column> cols;
  if (options.with_namespace)
    cols.push_back({"NAMESPACE", [](const node& n) { return text_at(n, {"metadata", "namespace"}); }});
  if (kind.kind == "Event") {
    for (auto& c : event_columns(options)) cols.push_back(c);
  } else {
    cols.push_back({"NAME", [prefix = options.name_prefix](const node& n) {
                      return prefix + text_at(n, {"metadata", "name"});
                    }});
    for (auto& c : columns_for(kind, options.now))
      if (!c.wide_only) cols.push_back(c);
  }
  if (options.wide)
    for (auto& c : columns_for(kind, options.now))
      if (c.wide_only) cols.push_back(c);
  for (auto& key : options.label_columns) {
    auto header = key.substr(key.rfind('/') + 1);
    for (auto& c : header) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    cols.push_back({header, [key](const node& n) {
                      return text_at(n, {"metadata", "labels", key});
                    }});
  }
  if (options.show_labels)
    cols.push_back({"LABELS", [](const node& n) {
                      return labels_text(lookup(n, {"metadata", "labels"}));
                    }});

  return lay_out(cols, objects, options);
}

std::string print_custom_columns(std::string_view spec, const std::vector<node>& objects,
                                 const table_options& options) {
  std::vector<column> cols;
  for (auto& part : split(spec, ',')) {
    auto colon = part.find(':');
    TROUPE_REQUIRE(
        colon != std::string::npos && colon > 0 && colon + 1 < part.size(), api_errc::bad_request,
        "custom-columns: unexpected spec " + quote(part) + ", expected <header>:<json-path-expr>");
    auto path = part.substr(colon + 1);
    jsonpath_nodes(path, node::map());  // a path it cannot read fails before any row
    cols.push_back({part.substr(0, colon), [path](const node& n) {
                      std::vector<std::string> values;
                      // kubectl prints each value with Go's fmt.Sprint: map[k:v], [a b].
                      for (auto* v : jsonpath_nodes(path, n))
                        values.push_back(v->is_scalar() ? v->text() : gotmpl::print(gotmpl::value::of(v)));
                      return values.empty() ? "<none>" : join(values, ",");
                    }});
  }
  TROUPE_REQUIRE(!cols.empty(), api_errc::bad_request,
                 "custom-columns format specified but no custom columns given");
  return lay_out(cols, objects, options);
}

namespace {
bool is_digit(char c) { return c >= '0' && c <= '9'; }
}  // namespace

// kubectl's order for text (sortorder.NaturalLess): runs of digits compare by value, so
// "web-9" comes before "web-10"; digits sort before other characters.
bool natural_less(std::string_view a, std::string_view b) {
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    bool digit_a = is_digit(a[i]), digit_b = is_digit(b[j]);
    if (digit_a != digit_b) return digit_a;
    if (!digit_a) {
      if (a[i] != b[j]) return static_cast<unsigned char>(a[i]) < static_cast<unsigned char>(b[j]);
      ++i, ++j;
      continue;
    }
    size_t zeros_end_a = i, zeros_end_b = j;
    while (zeros_end_a < a.size() && a[zeros_end_a] == '0') ++zeros_end_a;
    while (zeros_end_b < b.size() && b[zeros_end_b] == '0') ++zeros_end_b;
    size_t end_a = zeros_end_a, end_b = zeros_end_b;
    while (end_a < a.size() && is_digit(a[end_a])) ++end_a;
    while (end_b < b.size() && is_digit(b[end_b])) ++end_b;
    auto number_a = a.substr(zeros_end_a, end_a - zeros_end_a);
    auto number_b = b.substr(zeros_end_b, end_b - zeros_end_b);
    if (number_a.size() != number_b.size()) return number_a.size() < number_b.size();
    if (number_a != number_b) return number_a < number_b;
    if (zeros_end_a - i != zeros_end_b - j) return zeros_end_a - i < zeros_end_b - j;  // fewer zeros first
    i = end_a, j = end_b;
  }
  return a.size() - i < b.size() - j;
}

void sort_by(std::vector<node>& objects, std::string_view path) {
  struct keyed {
    std::optional<std::string> key;
    node object;
  };
  std::vector<keyed> rows;
  bool numeric = true, any = false;
  for (auto& o : objects) {
    auto found = jsonpath_nodes(path, o, false);
    keyed row{std::nullopt, std::move(o)};
    if (!found.empty()) {
      row.key = found[0]->is_scalar() ? found[0]->text() : codec::to_json(*found[0]);
      // By value only for numbers (kubectl sorts strings such as "1.10" naturally).
      auto type = found[0]->is_scalar() ? found[0]->resolve() : node::scalar_type::string;
      numeric = numeric && (type == node::scalar_type::integer || type == node::scalar_type::number) &&
                parse_double(*row.key).has_value();
      any = true;
    }
    rows.push_back(std::move(row));
  }
  TROUPE_REQUIRE(any || rows.empty(), api_errc::bad_request,
                 "couldn't find any field with path " + quote(path) + " in the list of objects");
  std::stable_sort(rows.begin(), rows.end(), [numeric](const keyed& a, const keyed& b) {
    if (!a.key || !b.key) return !a.key && b.key;
    return numeric ? *parse_double(*a.key) < *parse_double(*b.key) : natural_less(*a.key, *b.key);
  });
  objects.clear();
  for (auto& r : rows) objects.push_back(std::move(r.object));
}

std::string object_ref(const kind_info& kind, const node& object) {
  return kind.singular_resource() + "/" + text_at(object, {"metadata", "name"});
}

node list_of(std::vector<node> items) {
  node list = node::map();
  list.set("apiVersion", node::string("v1"));
  node array = node::list();
  for (auto& item : items) array.push(std::move(item));
  list.set("items", std::move(array));
  list.set("kind", node::string("List"));
  // kubectl's List carries an empty resourceVersion.
  node meta = node::map();
  meta.set("resourceVersion", node::string(""));
  list.set("metadata", std::move(meta));
  return list;
}

void check_object_format(const std::string& format) {
  check_template_given(format);
  TROUPE_REQUIRE(format.empty() || format == "name" || format == "yaml" || format == "json" || is_template(format),
                 api_errc::bad_request,
                 "unable to match a printer suitable for the output format " + quote(format) +
                     ", allowed formats are: go-template,go-template-file,json,jsonpath,jsonpath-as-json,"
                     "jsonpath-file,name,template,templatefile,yaml");
}

std::string object_as(const std::string& format, const kind_info& kind, const node& object,
                      bool first) {
  if (format == "name") return object_ref(kind, object) + "\n";
  if (is_template(format)) {
    std::ostringstream printed;
    write_templated(printed, format, object);
    return printed.str();
  }
  return document_as(format, codec::with_sorted_keys(object), first);
}

std::string document_as(const std::string& format, const node& document, bool first) {
  if (format == "yaml") return (first ? "" : "---\n") + codec::to_yaml(document);
  return codec::to_json_escaped(document, 4) + "\n";
}

}  // namespace troupe::cli
