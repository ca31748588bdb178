#pragma once
// Waiting in tests for something another thread or process makes true.

#include <chrono>
#include <thread>

namespace troupe::testing {

/// Polls `condition` every 10 ms until it holds (true) or `patience` has passed (false).
template <class Condition>
bool eventually(Condition condition, std::chrono::milliseconds patience = std::chrono::seconds(5)) {
  auto deadline = std::chrono::steady_clock::now() + patience;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

}  // namespace troupe::testing
