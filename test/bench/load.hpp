#pragma once
// A create load for benchmarks: many RPC connections driven from one kj event loop, each
// with one create in flight at a time. A thread per client would spend a 2-core machine on
// the clients instead of the server.

#include <capnp/rpc-twoparty.h>
#include <kj/async-io.h>

#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "runtime/rpc/buffered_stream.hpp"
#include "schema/api.capnp.h"
#include "test/bench/figures.hpp"

namespace troupe::bench {

class create_load {
 public:
  /// Fills the request for create number `i` of connection `c`.
  using builder = std::function<void(size_t c, size_t i, rpc::Request::Builder)>;

  create_load(kj::AsyncIoContext& io, const std::string& address, int clients, builder build)
      : io_(io), build_(std::move(build)) {
    auto colon = address.rfind(':');
    auto addr = io.provider->getNetwork()
                    .parseAddress(address.substr(0, colon), static_cast<uint>(std::stoi(address.substr(colon + 1))))
                    .wait(io.waitScope);
    for (int c = 0; c < clients; ++c) {
      kj::Own<kj::AsyncIoStream> stream = kj::heap<rpc::buffered_stream>(addr->connect().wait(io.waitScope));
      auto client = kj::heap<capnp::TwoPartyClient>(*stream);
      conns_.push_back({kj::mv(stream), kj::mv(client), nullptr});
      conns_.back().api = conns_.back().client->bootstrap().castAs<rpc::Api>();
    }
  }

  /// Creates until `seconds` pass; the latency of each create, in ns.
  std::vector<int64_t> run_for(double seconds) {
    until_ = now_ns() + static_cast<int64_t>(seconds * 1e9);
    return run();
  }
  /// Creates `total` objects in all; the latency of each.
  std::vector<int64_t> run_count(size_t total) {
    total_ = total;
    return run();
  }

 private:
  struct connection {
    kj::Own<kj::AsyncIoStream> stream;
    kj::Own<capnp::TwoPartyClient> client;
    rpc::Api::Client api;
  };

  std::vector<int64_t> run() {
    auto promises = kj::heapArrayBuilder<kj::Promise<void>>(conns_.size());
    for (size_t c = 0; c < conns_.size(); ++c) promises.add(next(c, 0));
    kj::joinPromises(promises.finish()).wait(io_.waitScope);
    return std::move(latencies_);
  }

  bool done() const { return total_ ? issued_ >= total_ : now_ns() >= until_; }

  kj::Promise<void> next(size_t c, size_t i) {
    if (done()) return kj::READY_NOW;
    ++issued_;
    auto req = conns_[c].api.createRequest();
    build_(c, i, req.initRequest());
    int64_t start = now_ns();
    return req.send().then([this, c, i, start](auto&& response) {
      if (response.getResult().getStatus().getReason().size() != 0)
        throw std::runtime_error(response.getResult().getStatus().getMessage().cStr());
      latencies_.push_back(now_ns() - start);
      return next(c, i + 1);
    });
  }

  kj::AsyncIoContext& io_;
  builder build_;
  int64_t until_ = 0;
  size_t total_ = 0, issued_ = 0;
  std::vector<connection> conns_;
  std::vector<int64_t> latencies_;
};

}  // namespace troupe::bench
