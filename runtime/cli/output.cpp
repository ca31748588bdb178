#include "runtime/cli/output.hpp"

#include <sstream>

#include "runtime/base/file.hpp"
#include "runtime/base/text.hpp"
#include "runtime/cli/context.hpp"
#include "runtime/cli/printers.hpp"
#include "runtime/cli/tabwriter.hpp"

namespace troupe::cli {

using codec::node;

std::string output_format(const context& ctx) {
  auto format = ctx.flags.get("output");
  // kubectl's other names for the Go template printer.
  if (starts_with(format, "templatefile"))
    format = "go-template-file" + format.substr(12);
  else if (starts_with(format, "template") && (format.size() == 8 || format[8] == '='))
    format = "go-" + format;
  auto from_file = [](const std::string& path) {
    return read_file(path, "error reading --template " + path + ", open " + path + ": no such file or directory");
  };
  // With -o yaml, json, name or a table, kubectl leaves --template unused.
  bool takes_template = format.empty() || format == "go-template" || format == "jsonpath" ||
                        format == "jsonpath-as-json" || format == "go-template-file" || format == "jsonpath-file";
  if (ctx.flags.has("template") && takes_template) {
    auto tmpl = ctx.flags.get("template");
    if (format.empty() || format == "go-template") return "go-template=" + tmpl;
    if (format == "jsonpath") return "jsonpath=" + tmpl;
    if (format == "jsonpath-as-json") return "jsonpath-as-json=" + tmpl;
    if (format == "go-template-file") return "go-template=" + from_file(tmpl);
    return "jsonpath=" + from_file(tmpl);
  }
  if (starts_with(format, "go-template-file=")) return "go-template=" + from_file(format.substr(17));
  if (starts_with(format, "jsonpath-file=")) return "jsonpath=" + from_file(format.substr(14));
  return format;
}

bool is_template(const std::string& format) {
  return starts_with(format, "jsonpath=") || starts_with(format, "jsonpath-as-json=") ||
         starts_with(format, "go-template=");
}

void write_templated(std::ostream& out, const std::string& format, const node& doc) {
  try {
    if (starts_with(format, "jsonpath="))
      out << jsonpath(format.substr(9), doc);
    else if (starts_with(format, "jsonpath-as-json="))
      out << jsonpath_as_json(format.substr(17), doc);
    else
      out << go_template(format.substr(12), doc);
  } catch (const template_failure& failure) {
    out << failure.printed << std::flush;
    throw;
  }
}

bool is_table(const std::string& format) {
  return format.empty() || format == "wide" || starts_with(format, "custom-columns=") ||
         starts_with(format, "custom-columns-file=");
}

void check_template_given(const std::string& format) {
  TROUPE_REQUIRE(format != "jsonpath=" && format != "go-template=" && format != "jsonpath" &&
                     format != "go-template" && format != "go-template-file" && format != "jsonpath-file" &&
                     format != "jsonpath-as-json" && format != "jsonpath-as-json=",
                 api_errc::bad_request, "template format specified but no template given");
}

void check_format(const std::string& format) {
  bool known = is_table(format) || format == "yaml" || format == "json" || format == "name" ||
               is_template(format);
  check_template_given(format);
  TROUPE_REQUIRE(known, api_errc::bad_request,
                 "unable to match a printer suitable for the output format " + quote(format) +
                     ", allowed formats are: custom-columns,custom-columns-file,go-template,go-template-file,json,"
                     "jsonpath,jsonpath-as-json,jsonpath-file,name,template,templatefile,wide,yaml");
}

void write_tabbed(std::ostream& out, const std::function<void(std::ostream&)>& print) {
  std::ostringstream printed;
  try {
    print(printed);
  } catch (const template_failure&) {
    out << tabbed(printed.str(), kubectl_tab_writer) << std::flush;
    throw;
  }
  out << tabbed(printed.str(), kubectl_tab_writer) << std::flush;
}

}  // namespace troupe::cli
