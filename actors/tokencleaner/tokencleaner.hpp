#pragma once
// Kubernetes' token cleaner: bootstrap token Secrets (kube-system, type
// bootstrap.kubernetes.io/token) are deleted once their expiration has passed, so expired
// join tokens do not pile up in `token list` and `get secrets`.

#include <caf/fwd.hpp>
#include <memory>

#include "actors/apiserver/apiserver.hpp"
#include "actors/store/store.hpp"

namespace troupe {

struct token_cleaner_deps {
  std::shared_ptr<store::engine> engine;
  resource_actor api;
  store_actor store;
};

caf::actor spawn_token_cleaner(caf::actor_system& sys, token_cleaner_deps deps);

}  // namespace troupe
