#include "runtime/rpc/buffered_stream.hpp"

#include <kj/debug.h>

#include <catch2/catch.hpp>
#include <string>

using troupe::rpc::buffered_stream;

namespace {

std::string pattern(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + i % 23);
  return s;
}

// Counts the writes that reach it and keeps their bytes; fails them when broken.
class recording_stream final : public kj::AsyncIoStream {
 public:
  int writes = 0;
  std::string bytes;
  bool broken = false;
  bool read_aborted = false;

  kj::Promise<size_t> tryRead(void*, size_t, size_t) override { return kj::NEVER_DONE; }
  kj::Promise<void> write(const void* buffer, size_t size) override {
    ++writes;
    if (broken) return KJ_EXCEPTION(DISCONNECTED, "connection reset");
    bytes.append(static_cast<const char*>(buffer), size);
    return kj::READY_NOW;
  }
  kj::Promise<void> write(kj::ArrayPtr<const kj::ArrayPtr<const kj::byte>> pieces) override {
    std::string all;
    for (auto piece : pieces)
      all.append(reinterpret_cast<const char*>(piece.begin()), piece.size());
    return write(all.data(), all.size());
  }
  kj::Promise<void> whenWriteDisconnected() override { return kj::NEVER_DONE; }
  void shutdownWrite() override {}
  void abortRead() override { read_aborted = true; }
};

}  // namespace

TEST_CASE("a buffered stream returns every byte in order whatever the read sizes", "[rpc]") {
  auto io = kj::setupAsyncIo();
  auto pipe = io.provider->newTwoWayPipe();  // a socket pair: writes complete before reads
  buffered_stream in(kj::mv(pipe.ends[0]), 16);
  auto sent = pattern(200);
  pipe.ends[1]->write(sent.data(), sent.size()).wait(io.waitScope);
  pipe.ends[1]->shutdownWrite();

  std::string got;
  char buf[64];
  // Small exact reads (served from the buffer), reads of at least the buffer's size (straight
  // to the caller) and reads with min < max, as capnp's message reader mixes them.
  for (auto [min, max] :
       {std::pair<size_t, size_t>{8, 8}, {3, 5}, {1, 64}, {20, 20}, {8, 8}, {16, 40}}) {
    size_t n = in.tryRead(buf, min, max).wait(io.waitScope);
    REQUIRE(n >= min);
    REQUIRE(n <= max);
    got.append(buf, n);
  }
  while (size_t n = in.tryRead(buf, 1, sizeof buf).wait(io.waitScope)) got.append(buf, n);
  CHECK(got == sent);
}

TEST_CASE("a buffered stream reports a short read at the end of the stream", "[rpc]") {
  auto io = kj::setupAsyncIo();
  auto pipe = io.provider->newTwoWayPipe();  // a socket pair: writes complete before reads
  buffered_stream in(kj::mv(pipe.ends[0]), 16);
  pipe.ends[1]->write("abcde", 5).wait(io.waitScope);
  pipe.ends[1]->shutdownWrite();
  char buf[8];
  CHECK(in.tryRead(buf, 8, 8).wait(io.waitScope) == 5);
  CHECK(std::string(buf, 5) == "abcde");
  CHECK(in.tryRead(buf, 1, 8).wait(io.waitScope) == 0);
}

TEST_CASE("a buffered stream sends the writes of one turn in one write", "[rpc]") {
  auto io = kj::setupAsyncIo();
  auto sink = kj::heap<recording_stream>();
  auto& seen = *sink;
  buffered_stream out(kj::mv(sink));
  // Neither waits: both are only queued until the turn ends.
  CHECK(out.write("abc", 3).poll(io.waitScope));
  CHECK(out.write("def", 3).poll(io.waitScope));
  io.waitScope.poll();
  CHECK(seen.writes == 1);
  CHECK(seen.bytes == "abcdef");
}

TEST_CASE("a buffered stream fails later writes and ends its reads once a write failed", "[rpc]") {
  auto io = kj::setupAsyncIo();
  auto sink = kj::heap<recording_stream>();
  auto& seen = *sink;
  seen.broken = true;
  buffered_stream out(kj::mv(sink));
  CHECK(out.write("lost", 4).poll(io.waitScope));  // said done; the failure comes with the flush
  io.waitScope.poll();
  CHECK(seen.read_aborted);
  CHECK_THROWS_WITH(out.write("next", 4).wait(io.waitScope), Catch::Contains("connection reset"));
}

TEST_CASE("a buffered stream holds a writer back once its buffer is full", "[rpc]") {
  auto io = kj::setupAsyncIo();
  auto pipe = kj::newTwoWayPipe();  // in memory: a write completes only as the peer reads
  buffered_stream out(kj::mv(pipe.ends[0]), 16, 16);
  auto small = out.write("0123456789", 10);
  CHECK(small.poll(io.waitScope));
  auto large = pattern(100);
  auto held = out.write(large.data(), large.size());
  CHECK_FALSE(held.poll(io.waitScope));
  std::string got(110, '\0');
  pipe.ends[1]->read(got.data(), got.size()).wait(io.waitScope);
  held.wait(io.waitScope);
  CHECK(got == "0123456789" + large);
}

TEST_CASE("a buffered stream shuts down only after the writes before it", "[rpc]") {
  auto io = kj::setupAsyncIo();
  auto pipe = io.provider->newTwoWayPipe();
  auto out = kj::heap<buffered_stream>(kj::mv(pipe.ends[0]));
  out->write("last words", 10).wait(io.waitScope);
  out->shutdownWrite();
  // What capnp does when it ends a connection: the Abort, shutdownWrite, then the stream goes.
  SECTION("the stream kept") {}
  SECTION("the stream destroyed at once") {
    out = nullptr;
  }
  char buf[32];
  size_t n = pipe.ends[1]->tryRead(buf, sizeof buf, sizeof buf).wait(io.waitScope);  // to EOF
  CHECK(std::string(buf, n) == "last words");
}

TEST_CASE("a buffered stream passes writes through", "[rpc]") {
  auto io = kj::setupAsyncIo();
  auto pipe = io.provider->newTwoWayPipe();  // a socket pair: writes complete before reads
  buffered_stream out(kj::mv(pipe.ends[0]));
  out.write("hello", 5).wait(io.waitScope);
  char buf[5];
  pipe.ends[1]->read(buf, 5).wait(io.waitScope);
  CHECK(std::string(buf, 5) == "hello");
}

TEST_CASE("a buffered stream gives up on a peer that reads none of what it is sent", "[rpc]") {
  auto io = kj::setupAsyncIo();
  auto pipe = io.provider->newTwoWayPipe();  // the other end never reads
  buffered_stream out(kj::mv(pipe.ends[0]), 16, 1024, size_t{1} << 20);
  std::string chunk(64 * 1024, 'x');
  std::string refused;
  for (int i = 0; i < 64 && refused.empty(); ++i) {
    auto written = out.write(chunk.data(), chunk.size());
    io.waitScope.poll();
    if (written.poll(io.waitScope)) {
      try {
        written.wait(io.waitScope);
      } catch (const kj::Exception& e) {
        refused = e.getDescription().cStr();
      }
    }
  }
  // The socket's buffers took some; the megabyte beyond them fails the stream.
  CHECK_THAT(refused, Catch::Contains("the peer reads none of the answers it asks for"));
  CHECK_THROWS_WITH(out.write("next", 4).wait(io.waitScope),
                    Catch::Contains("the peer reads none"));
}
