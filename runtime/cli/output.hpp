#pragma once
// -o for the verbs that print objects as documents or tables (get, events): the format as the
// printers take it, its check, and templates applied to a document.

#include <functional>
#include <ostream>
#include <string>

#include "runtime/codec/tree.hpp"

namespace troupe::cli {

class context;

/// -o as the printers take it: a template read from its file or from --template is folded in,
/// so only `jsonpath=T`, `jsonpath-as-json=T` and `go-template=T` remain; kubectl's other
/// names for them are mapped.
std::string output_format(const context& ctx);
/// jsonpath=T, jsonpath-as-json=T or go-template=T.
bool is_template(const std::string& format);
/// The default table, wide, or custom columns.
bool is_table(const std::string& format);
/// Throws api_error(bad_request) for a template format with no template (`-o jsonpath`).
void check_template_given(const std::string& format);
/// Throws api_error(bad_request) for a format `get` cannot print, or a template format with no
/// template.
void check_format(const std::string& format);
/// One document through one of those templates, with no newline of its own, as
/// kubectl. A Go template failing as it runs leaves kubectl's debugging dump on `out`.
void write_templated(std::ostream& out, const std::string& format, const codec::node& doc);
/// Writes what `print` writes through kubectl's tabwriter and flushes, as kubectl's printers,
/// flushed after each event, do: a template's '\t's line up its columns. A template that fails
/// midway still has what it wrote before go out, and its failure goes on.
void write_tabbed(std::ostream& out, const std::function<void(std::ostream&)>& print);

}  // namespace troupe::cli
