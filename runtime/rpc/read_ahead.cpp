#include "runtime/rpc/read_ahead.hpp"

#include <algorithm>
#include <cstring>

namespace troupe::rpc {

read_ahead_stream::read_ahead_stream(kj::Own<kj::AsyncIoStream> inner, size_t buffer_bytes)
    : inner_(kj::mv(inner)), buffer_(kj::heapArray<kj::byte>(buffer_bytes)) {}

size_t read_ahead_stream::take(kj::byte* out, size_t max_bytes) {
  size_t n = std::min(max_bytes, end_ - begin_);
  std::memcpy(out, buffer_.begin() + begin_, n);
  begin_ += n;
  if (begin_ == end_) begin_ = end_ = 0;
  return n;
}

kj::Promise<size_t> read_ahead_stream::tryRead(void* buffer, size_t min_bytes, size_t max_bytes) {
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

kj::Promise<void> read_ahead_stream::write(const void* buffer, size_t size) {
  return inner_->write(buffer, size);
}

kj::Promise<void> read_ahead_stream::write(kj::ArrayPtr<const kj::ArrayPtr<const kj::byte>> pieces) {
  return inner_->write(pieces);
}

kj::Promise<void> read_ahead_stream::whenWriteDisconnected() { return inner_->whenWriteDisconnected(); }
void read_ahead_stream::shutdownWrite() { inner_->shutdownWrite(); }
void read_ahead_stream::abortRead() { inner_->abortRead(); }

void read_ahead_stream::getsockopt(int level, int option, void* value, kj::uint* length) {
  inner_->getsockopt(level, option, value, length);
}
void read_ahead_stream::setsockopt(int level, int option, const void* value, kj::uint length) {
  inner_->setsockopt(level, option, value, length);
}
void read_ahead_stream::getsockname(struct sockaddr* addr, kj::uint* length) {
  inner_->getsockname(addr, length);
}
void read_ahead_stream::getpeername(struct sockaddr* addr, kj::uint* length) {
  inner_->getpeername(addr, length);
}
kj::Maybe<int> read_ahead_stream::getFd() const { return inner_->getFd(); }

}  // namespace troupe::rpc
