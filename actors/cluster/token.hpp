#pragma once
// Join tokens, as kubeadm's bootstrap tokens: "<id>.<secret>" (6 and 16 characters of
// [a-z0-9]), each kept as a Secret `bootstrap-token-<id>` in kube-system of type
// bootstrap.kubernetes.io/token. Plain functions of data.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace troupe {

namespace store {
class snapshot;
}

struct join_token {
  std::string id, secret;
  std::string text() const { return id + "." + secret; }
};

/// A fresh token from the system's random source.
join_token make_token();
/// Splits "<id>.<secret>"; nullopt when it is not of that form.
std::optional<join_token> parse_token(std::string_view text);
/// A token's id alone ("<id>", 6 characters of [a-z0-9]), as `token delete` takes it.
bool token_id_valid(std::string_view id);
/// The Secret that holds `token` (flat-array object, ready to create in kube-system); it
/// expires at `expires_unix` (RFC 3339 in its `expiration`, as kubeadm's) unless that is 0.
std::string token_secret(const join_token& token, std::string_view description,
                         int64_t expires_unix = 0);
/// True when the store holds a Secret for this token with the same secret, marked for
/// authentication (`usage-bootstrap-authentication: "true"`) and not expired at `now_unix`,
/// as Kubernetes' bootstrap token authenticator checks them.
bool token_valid(const store::snapshot& snap, std::string_view text, int64_t now_unix);

/// Kubernetes' GetExpiration, as its token cleaner reads a Secret: expired at `now_unix` (an
/// expiration that does not parse counts as expired), or the seconds left until it is
/// (nullopt: it never expires, or it is no bootstrap token Secret in kube-system).
struct token_expiry {
  bool expired = false;
  std::optional<int64_t> seconds_left;
};
token_expiry bootstrap_token_expiry(std::string_view secret, int64_t now_unix);

/// A token's Secret read back, as `token list` prints it.
struct token_listing {
  std::string token;  ///< "<id>.<secret>"
  std::string description;
  std::string expiration;           ///< RFC 3339; "" when it never expires
  std::vector<std::string> usages;  ///< "authentication", "signing"
};
token_listing read_token_secret(std::string_view secret);

}  // namespace troupe
