#pragma once
// The syntax of a Go text/template as kubectl's -o go-template reads it: text, actions with
// pipelines, if/else if/else, range (with `$i, $e :=`, break, continue), with; parsed by
// parse_go_template, run by go_template (gotemplate.cpp). Internal to the CLI.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace troupe::cli::gotmpl {

struct pipeline;

struct operand {
  enum class type { dot, field, variable, string, integer, floating, boolean, nil, function, group } t = type::dot;
  std::string name;                 ///< variable ("$x", "$"), function, or string value
  std::vector<std::string> fields;  ///< `.a.b` after the operand (for `field`: the whole chain)
  int64_t integer = 0;
  double floating = 0;
  bool boolean = false;
  std::shared_ptr<pipeline> group;  ///< `( ... )`
  size_t at = 0;                    ///< offset in the template, for messages
  std::string text;                 ///< as written, for messages
};

struct command {
  std::vector<operand> args;
  std::string text;  ///< as Go names it in errors
};

struct pipeline {
  std::vector<std::string> variables;  ///< declared (`:=`) or assigned (`=`)
  bool assign = false;
  std::vector<command> commands;
};

struct tnode {
  enum class type { text, action, if_, range, with, break_, continue_ } t = type::text;
  std::string text;
  pipeline pipe;
  std::vector<tnode> body, otherwise;
};

/// The template's nodes; throws api_error(bad_request) naming the template and the cause as
/// Go words it ("template: output:1: unclosed action").
std::vector<tnode> parse_go_template(const std::string& tmpl);

}  // namespace troupe::cli::gotmpl
