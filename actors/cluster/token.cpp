#include "actors/cluster/token.hpp"

#include <capnp/message.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <vector>

#include "runtime/base/error.hpp"
#include "runtime/base/time.hpp"
#include "runtime/object/object.hpp"
#include "runtime/store/engine.hpp"
#include "schema/core.capnp.h"

namespace troupe {
namespace {

constexpr std::string_view alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";

std::string random_text(size_t n) {
  std::string out(n, ' ');
  unsigned char bytes[64];
  TROUPE_ASSERT(n <= sizeof bytes && RAND_bytes(bytes, static_cast<int>(n)) == 1,
                "no random bytes for a token");
  // 256 % 36 = 4: the first characters are a hair likelier, as in kubeadm; fine for tokens.
  for (size_t i = 0; i < n; ++i) out[i] = alphabet[bytes[i] % alphabet.size()];
  return out;
}

bool token_chars(std::string_view s, size_t n) {
  return s.size() == n && s.find_first_not_of(alphabet) == std::string_view::npos;
}

std::string_view data_value(capnp::List<k8s::BytesEntry>::Reader data, std::string_view key) {
  for (auto e : data)
    if (text_view(e.getKey()) == key)
      return {reinterpret_cast<const char*>(e.getValue().begin()), e.getValue().size()};
  return {};
}

}  // namespace

join_token make_token() { return {random_text(6), random_text(16)}; }

bool token_id_valid(std::string_view id) {
  return token_chars(id, 6);
}

std::optional<join_token> parse_token(std::string_view text) {
  auto dot = text.find('.');
  if (dot == std::string_view::npos) return std::nullopt;
  // Built in place: moving a join_token into the optional trips GCC 12's -Warray-bounds
  // (a false positive on std::string's moves).
  std::optional<join_token> token(std::in_place);
  token->id = text.substr(0, dot);
  token->secret = text.substr(dot + 1);
  if (!token_chars(token->id, 6) || !token_chars(token->secret, 16)) return std::nullopt;
  return token;
}

std::string token_secret(const join_token& token, std::string_view description,
                         int64_t expires_unix) {
  capnp::MallocMessageBuilder m;
  auto s = m.initRoot<k8s::Secret>();
  s.setApiVersion("v1");
  s.setKind("Secret");
  auto meta = s.initMetadata();
  meta.setName("bootstrap-token-" + token.id);
  meta.setNamespace("kube-system");
  s.setType("bootstrap.kubernetes.io/token");
  std::vector<std::pair<std::string, std::string>> entries = {
      {"description", std::string(description)}};
  if (expires_unix > 0) entries.emplace_back("expiration", format_rfc3339(expires_unix));
  entries.insert(entries.end(), {{"token-id", token.id},
                                 {"token-secret", token.secret},
                                 {"usage-bootstrap-authentication", "true"}});
  auto data = s.initData(static_cast<unsigned>(entries.size()));
  for (unsigned i = 0; i < entries.size(); ++i) {
    data[i].setKey(entries[i].first);
    data[i].setValue(kj::arrayPtr(reinterpret_cast<const kj::byte*>(entries[i].second.data()),
                                  entries[i].second.size()));
  }
  return to_bytes(m);
}

bool token_valid(const store::snapshot& snap, std::string_view text, int64_t now_unix) {
  auto token = parse_token(text);
  if (!token) return false;
  auto stored = snap.get(object_key("secrets", "kube-system", "bootstrap-token-" + token->id));
  if (!stored) return false;
  object_reader r(stored->object);
  auto secret = r.as<k8s::Secret>();
  if (text_view(secret.getType()) != "bootstrap.kubernetes.io/token") return false;
  if (data_value(secret.getData(), "usage-bootstrap-authentication") != "true") return false;
  if (data_value(secret.getData(), "token-id") != token->id ||
      secret.getMetadata().getDeletionTimestamp() != 0)
    return false;
  if (bootstrap_token_expiry(stored->object, now_unix).expired) return false;
  auto want = data_value(secret.getData(), "token-secret");
  return want.size() == token->secret.size() &&
         CRYPTO_memcmp(want.data(), token->secret.data(), want.size()) == 0;
}

token_expiry bootstrap_token_expiry(std::string_view bytes, int64_t now_unix) {
  object_reader r(bytes);
  auto secret = r.as<k8s::Secret>();
  if (text_view(secret.getType()) != "bootstrap.kubernetes.io/token" ||
      text_view(r.meta().getNamespace()) != "kube-system")
    return {};
  auto expiration = data_value(secret.getData(), "expiration");
  if (expiration.empty()) return {};
  // One that does not parse is no promise of validity: expired, as Kubernetes counts it.
  auto until = parse_rfc3339(expiration);
  if (!until || *until <= now_unix) return {true, std::nullopt};
  return {false, *until - now_unix};
}

token_listing read_token_secret(std::string_view bytes) {
  object_reader r(bytes);
  auto data = r.as<k8s::Secret>().getData();
  token_listing out;
  out.token = std::string(data_value(data, "token-id")) + "." +
              std::string(data_value(data, "token-secret"));
  out.description = data_value(data, "description");
  out.expiration = data_value(data, "expiration");
  for (const char* usage : {"authentication", "signing"})
    if (data_value(data, std::string("usage-bootstrap-") + usage) == "true")
      out.usages.push_back(usage);
  return out;
}

}  // namespace troupe
