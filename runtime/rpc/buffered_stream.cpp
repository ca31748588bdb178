#include "runtime/rpc/buffered_stream.hpp"

#include <algorithm>
#include <cstring>

#include <kj/debug.h>

namespace troupe::rpc {

buffered_stream::buffered_stream(kj::Own<kj::AsyncIoStream> inner, size_t buffer_bytes)
    : inner_(kj::mv(inner)), buffer_(kj::heapArray<kj::byte>(buffer_bytes)),
      written_(kj::Promise<void>(kj::READY_NOW).fork()) {}

size_t buffered_stream::take(kj::byte* out, size_t max_bytes) {
  size_t n = std::min(max_bytes, end_ - begin_);
  std::memcpy(out, buffer_.begin() + begin_, n);
  begin_ += n;
  if (begin_ == end_) begin_ = end_ = 0;
  return n;
}

kj::Promise<size_t> buffered_stream::tryRead(void* buffer, size_t min_bytes, size_t max_bytes) {
  auto* out = static_cast<kj::byte*>(buffer);
  size_t have = take(out, max_bytes);
  if (have >= min_bytes) return have;
  // The buffer is empty now. A read as large as the buffer goes straight to the caller's
  // memory; copying it through the buffer would gain nothing.
  if (max_bytes - have >= buffer_.size())
    return inner_->tryRead(out + have, min_bytes - have, max_bytes - have)
        .then([have](size_t n) { return have + n; });
  return inner_->tryRead(buffer_.begin(), min_bytes - have, buffer_.size())
      .then([this, out, have, max_bytes](size_t n) {
        end_ = n;
        return have + take(out + have, max_bytes - have);
      });
}

kj::Promise<void> buffered_stream::write(const void* buffer, size_t size) {
  kj::ArrayPtr<const kj::byte> piece(static_cast<const kj::byte*>(buffer), size);
  return write(kj::arrayPtr(&piece, 1));
}

kj::Promise<void> buffered_stream::write(kj::ArrayPtr<const kj::ArrayPtr<const kj::byte>> pieces) {
  KJ_REQUIRE(!shutdown_queued_, "write after shutdownWrite");
  for (auto piece : pieces) unsent_.insert(unsent_.end(), piece.begin(), piece.end());
  if (!flush_queued_) {
    flush_queued_ = true;
    // After the write before it, and after every other event this turn has queued.
    written_ = written_.addBranch()
                   .then([this]() { return kj::evalLast([this]() { return flush(); }); })
                   .fork();
  }
  if (unsent_.size() <= buffer_.size()) return kj::READY_NOW;
  return written_.addBranch();
}

kj::Promise<void> buffered_stream::flush() {
  flush_queued_ = false;
  auto data = kj::heapArray<kj::byte>(unsent_.data(), unsent_.size());
  unsent_.clear();
  auto done = inner_->write(data.begin(), data.size());
  return done.attach(kj::mv(data));
}

kj::Promise<void> buffered_stream::whenWriteDisconnected() { return inner_->whenWriteDisconnected(); }
void buffered_stream::shutdownWrite() {
  if (shutdown_queued_) return;
  shutdown_queued_ = true;
  // Behind the writes still queued, so they reach the peer first.
  written_ = written_.addBranch().then([this]() { inner_->shutdownWrite(); }).fork();
}
void buffered_stream::abortRead() { inner_->abortRead(); }

void buffered_stream::getsockopt(int level, int option, void* value, kj::uint* length) {
  inner_->getsockopt(level, option, value, length);
}
void buffered_stream::setsockopt(int level, int option, const void* value, kj::uint length) {
  inner_->setsockopt(level, option, value, length);
}
void buffered_stream::getsockname(struct sockaddr* addr, kj::uint* length) {
  inner_->getsockname(addr, length);
}
void buffered_stream::getpeername(struct sockaddr* addr, kj::uint* length) {
  inner_->getpeername(addr, length);
}
kj::Maybe<int> buffered_stream::getFd() const { return inner_->getFd(); }

}  // namespace troupe::rpc
