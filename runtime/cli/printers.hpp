#pragma once
// How the CLI shows objects, as kubectl does: tables with per-kind columns (`get`), `-o name`,
// a kubectl-style JSONPath subset, and `kind: List` wrappers. Plain functions of document
// trees, so they are tested without a server.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/base/error.hpp"
#include "runtime/codec/tree.hpp"
#include "runtime/object/kinds.hpp"

namespace troupe::cli {

struct table_options {
  bool wide = false;            ///< -o wide: the extra columns
  bool with_namespace = false;  ///< -A: a NAMESPACE column first
  bool headers = true;
  int64_t now = 0;              ///< unix seconds, for AGE
  /// -L KEY,...: a column per label key, headed by the key's last path segment in upper case.
  std::vector<std::string> label_columns;
  bool show_labels = false;  ///< --show-labels: a last LABELS column, k=v,... sorted
  /// Before each NAME: "service/" when `get` prints several kinds, as kubectl does.
  std::string name_prefix;
  /// Column widths carried from one call to the next, so rows printed later (get --watch)
  /// line up under the header; null: each table fits itself.
  std::vector<size_t>* widths = nullptr;
};

/// Rows laid out as kubectl's printers lay out tables: each column as wide as its widest cell,
/// then three spaces. With `kept_widths` the widths carry over to later calls and only grow,
/// so rows printed one at a time (--watch) line up under the first.
std::string aligned_rows(const std::vector<std::vector<std::string>>& rows, std::vector<size_t>* kept_widths = nullptr);

/// kubectl's table for `kind` (pods: NAME READY STATUS RESTARTS AGE ...), columns aligned.
std::string print_table(const kind_info& kind, const std::vector<codec::node>& objects,
                        const table_options& options);

/// `-o custom-columns=HEADER:PATH,...`: a column per pair, each cell the path's values
/// joined with "," or "<none>"; a PATH is `.a.b`, `a.b` or `{.a.b}`. Only `headers` and `widths`
/// of `options` apply. Throws api_error(bad_request) for a spec or path it cannot read.
std::string print_custom_columns(std::string_view spec, const std::vector<codec::node>& objects,
                                 const table_options& options);

/// kubectl's natural order for text: digit runs by value ("web-9" < "web-10").
bool natural_less(std::string_view a, std::string_view b);

/// `--sort-by=PATH`: orders `objects` by the value at PATH (numbers by value, the rest in
/// natural order, objects without it first), keeping the order of equals. Throws api_error(bad_request)
/// for a path it cannot read, or one no object has.
void sort_by(std::vector<codec::node>& objects, std::string_view path);

/// "deployment.apps/web", as `-o name` and apply/delete messages print it.
std::string object_ref(const kind_info& kind, const codec::node& object);

/// -o for verbs that print the objects they wrote (create, apply, label, patch ...): "" (their
/// own line), name, yaml, json or a template (as output_format resolves it); throws
/// api_error(bad_request) for any other, with kubectl's words.
void check_object_format(const std::string& format);
/// One object as -o `format` (name|yaml|json) prints it, keys sorted as kubectl's; `first` is
/// false for every later one, so YAML documents are separated by "---" and JSON objects follow
/// one another.
std::string object_as(const std::string& format, const kind_info& kind, const codec::node& object,
                      bool first);
/// As object_as, printing `document`'s keys in the order they are in.
std::string document_as(const std::string& format, const codec::node& document, bool first);

/// Evaluates a kubectl JSONPath template: `{.metadata.name}`, `{.items[*].metadata.name}`,
/// `{.status.conditions[0].type}`, `[1:3]`, `{..image}`, `[0,2]`, `{.data.tls\.crt}`,
/// `{.data['tls\.crt']}`, `{"\n"}`, `{range .items[*]}..{end}`, filters
/// `{.items[?(@.metadata.name=='x')]}` (==, !=, <, >, <=, >=, `?(@.x)` exists), with literal
/// text between. Throws api_error(bad_request) for a template it cannot read, and when
/// `strict` template_failure (kubectl's error and dump) for an index out of a list's bounds;
/// otherwise such an index selects nothing.
std::string jsonpath(std::string_view tmpl, const codec::node& root, bool strict = true);
/// As jsonpath, for -o jsonpath-as-json: each piece of the template (a path, a literal) prints
/// what it gives as an indented JSON list, as kubectl's printer does.
std::string jsonpath_as_json(std::string_view tmpl, const codec::node& root);

/// A template that failed while it ran. As kubectl, what it wrote before failing and a dump for
/// debugging it (the template, the object's JSON, the object as Go prints it) go to stdout
/// (`printed`); the error itself is the message.
class template_failure : public api_error {
 public:
  template_failure(std::string message, std::string printed)
      : api_error(api_errc::bad_request, std::move(message)), printed(std::move(printed)) {}
  std::string printed;
};

/// Runs a Go text/template as kubectl's -o go-template does: `{{.metadata.name}}`,
/// `{{range .items}}...{{end}}`, `{{if}}`, `{{with}}`, variables, pipelines, printf/index/len/eq
/// and kubectl's `base64decode` and `exists`. Throws api_error(bad_request) naming the template
/// for one it cannot parse, template_failure for one that fails as it runs.
std::string go_template(std::string_view tmpl, const codec::node& root);
/// Parses a Go template without running it, so a bad one fails before anything is fetched.
void check_go_template(std::string_view tmpl);

/// The values one JSONPath expression selects (`.a.b`, `a.b`, `{.a.b}`, `{.items[*].x}`), in
/// order. Throws api_error(bad_request) for an expression it cannot read, and when `strict`
/// for an index out of a list's bounds (kubectl's "array index out of bounds: ...").
std::vector<const codec::node*> jsonpath_nodes(std::string_view expr, const codec::node& root,
                                               bool strict = true);

/// A `kind: List` holding `items`, as `get -o yaml` prints several objects.
codec::node list_of(std::vector<codec::node> items);

/// Follows map keys; nullptr where one is missing.
const codec::node* lookup(const codec::node& root, std::initializer_list<std::string_view> path);
/// The text of a scalar at `path`, or "".
std::string text_at(const codec::node& root, std::initializer_list<std::string_view> path);

/// The init containers, then the containers, of a pod spec (`Node` is node or const node).
template <class Node>
std::vector<Node*> containers_of(Node& pod_spec) {
  std::vector<Node*> out;
  for (const char* list : {"initContainers", "containers"})
    if (Node* items = pod_spec.find(list); items && items->is_list())
      for (auto& c : items->items()) out.push_back(&c);
  return out;
}

}  // namespace troupe::cli
