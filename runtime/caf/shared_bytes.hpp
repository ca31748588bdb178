#pragma once
// Immutable bytes shared by every local receiver of a message (watch fan-out sends one object
// to many watchers without copying it); serialised as a plain string when it crosses nodes.

#include <memory>
#include <string>
#include <string_view>
#include <type_traits>

namespace troupe {

struct shared_bytes {
  std::shared_ptr<const std::string> ptr;

  shared_bytes() = default;
  explicit shared_bytes(std::shared_ptr<const std::string> p) : ptr(std::move(p)) {}
  explicit shared_bytes(std::string s) : ptr(std::make_shared<const std::string>(std::move(s))) {}

  const std::string& str() const {
    static const std::string empty;  // NOLINT: an immutable constant, not shared state
    return ptr ? *ptr : empty;
  }
  bool empty() const { return !ptr || ptr->empty(); }
};

template <class Inspector>
typename std::enable_if<Inspector::reads_state, typename Inspector::result_type>::type inspect(
    Inspector& f, const shared_bytes& x) {
  return f(x.str());
}

template <class Inspector>
typename std::enable_if<Inspector::writes_state, typename Inspector::result_type>::type inspect(
    Inspector& f, shared_bytes& x) {
  auto s = std::make_shared<std::string>();
  auto result = f(*s);
  x.ptr = std::move(s);
  return result;
}

}  // namespace troupe
