#pragma once
// Name and label rules exactly as Kubernetes defines them (apimachinery/pkg/util/validation).
// Each check returns the failure messages; an empty vector means valid.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace troupe {

using messages = std::vector<std::string>;

/// RFC 1123 label: <= 63 chars, [a-z0-9]([-a-z0-9]*[a-z0-9])?  (namespace names, ...)
messages check_dns1123_label(std::string_view value);
/// RFC 1123 subdomain: <= 253 chars, labels joined by dots  (most object names)
messages check_dns1123_subdomain(std::string_view value);
/// RFC 1035 label: like a 1123 label but must start with a letter  (service names)
messages check_dns1035_label(std::string_view value);
/// A path segment, as RBAC names are: not "." or "..", no '/' or '%' (colons, capitals allowed).
messages check_path_segment_name(std::string_view value);
/// Label/annotation key: optional DNS subdomain prefix, '/', name of <= 63 chars.
messages check_qualified_name(std::string_view value);
/// Label value: <= 63 chars, empty or ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]
messages check_label_value(std::string_view value);
/// A node's --node-label KEY=VALUE as a key and a value; throws api_error(bad_request) naming
/// `flag` and `text`.
std::pair<std::string, std::string> parse_node_label_flag(const std::string& text,
                                                          const std::string& flag);
/// ConfigMap/Secret data key: [-._a-zA-Z0-9]+, <= 253 chars.
messages check_config_map_key(std::string_view value);
/// Environment variable name as Kubernetes 1.29 checks it: [-._a-zA-Z][-._a-zA-Z0-9]*, not
/// "." or "..", not starting with "..".
messages check_env_var_name(std::string_view value);
/// IANA service name, as container/service port names must be: <= 15 chars, [-a-z0-9],
/// at least one letter, no leading/trailing/double '-'.
messages check_port_name(std::string_view value);
/// Port number in 1..65535.
messages check_port_number(int64_t port);

/// Resource names as Kubernetes' helpers class them: native ones have no domain or a
/// kubernetes.io one; extended ones (example.com/dongle) any other, and are whole numbers that
/// nodes advertise and pods may not overcommit.
bool native_resource_name(std::string_view name);
bool extended_resource_name(std::string_view name);

}  // namespace troupe
