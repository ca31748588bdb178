#pragma once
// YAML text <-> document tree. Reading goes through yaml-cpp; writing is our own block-style
// emitter, so output reads like kubectl's and strings that would re-read as numbers or
// booleans stay quoted.

#include <string>
#include <string_view>
#include <vector>

#include "runtime/codec/tree.hpp"

namespace troupe::codec {

struct yaml_document {
  node root;
  int index = 0;  ///< 1-based position in the stream ("doc 2")
  int line = 0;   ///< first line of the document
};

/// Parses a (multi-document) YAML stream. Throws api_error(bad_request):
/// "<source>: invalid YAML at line 4, column 1: end of map flow not found".
std::vector<yaml_document> parse_yaml(std::string_view text, std::string_view source);

/// Block-style YAML of one document (no leading "---").
std::string to_yaml(const node& root);

}  // namespace troupe::codec
