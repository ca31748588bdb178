#pragma once
// JSON text <-> document tree.

#include <string>
#include <string_view>
#include <vector>

#include "runtime/codec/tree.hpp"

namespace troupe::codec {

/// Parses one JSON value. Throws api_error(bad_request) naming line and column.
node parse_json(std::string_view text, std::string_view source = "json");

/// Parses a stream of JSON values, one after another with optional whitespace between (as
/// `kubectl apply -f` reads a file of concatenated objects). Throws as parse_json.
std::vector<node> parse_json_stream(std::string_view text, std::string_view source = "json");

/// JSON text; `indent` 0 is compact, otherwise pretty-printed with that many spaces per level.
std::string to_json(const node& root, int indent = 0);
/// JSON as Go's encoding/json writes a map[string]interface{} (as kubectl's unstructured
/// objects are): compact, keys sorted, and <, >, & (and U+2028/U+2029) escaped.
std::string to_go_json(const node& root);
/// JSON as Go's encoding/json escapes it (<, >, & and U+2028/U+2029 as \uXXXX), keys in the
/// order they are: what kubectl's -o json and JSONPath print.
std::string to_json_escaped(const node& root, int indent = 0);

}  // namespace troupe::codec
