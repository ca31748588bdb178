#include "runtime/rpc/buffered_stream.hpp"

#include <kj/debug.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>

namespace troupe::rpc {

buffered_stream::buffered_stream(kj::Own<kj::AsyncIoStream> inner, size_t read_buffer_bytes,
                                 size_t write_limit_bytes, size_t max_unsent_bytes)
    : inner_(kj::mv(inner)),
      buffer_(kj::heapArray<kj::byte>(read_buffer_bytes)),
      write_limit_(write_limit_bytes),
      max_unsent_(max_unsent_bytes),
      written_(kj::Promise<void>(kj::READY_NOW).fork()) {}

buffered_stream::~buffered_stream() {
  // capnp destroys a connection as soon as its shutdown returns, and with writes gathered
  // that is before the last turn's bytes went out (an Abort's reason, the last answers). They
  // go now if the socket takes them; a peer that does not read loses them, as at any close.
  if (unsent_.empty() || writing_ || failed_ != nullptr) return;
  KJ_IF_MAYBE (fd, inner_->getFd())
    (void)::send(*fd, unsent_.data(), unsent_.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
}

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
    return inner_->tryRead(out + have, min_bytes - have, max_bytes - have).then([have](size_t n) {
      return have + n;
    });
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
  KJ_IF_MAYBE (e, failed_) return kj::cp(*e);
  KJ_REQUIRE(!shutdown_queued_, "write after shutdownWrite");
  for (auto piece : pieces) unsent_.insert(unsent_.end(), piece.begin(), piece.end());
  if (unsent_.size() > max_unsent_) {
    auto e = KJ_EXCEPTION(DISCONNECTED, "the peer reads none of the answers it asks for",
                          unsent_.size());
    failed_ = kj::cp(e);
    unsent_ = {};  // its memory back now, not when capnp gets round to the connection
    inner_->abortRead();
    return kj::mv(e);
  }
  if (!flush_queued_) {
    flush_queued_ = true;
    // After the write before it, and after every other event this turn has queued.
    written_ = written_.addBranch()
                   .then([this]() { return kj::evalLast([this]() { return flush(); }); })
                   .fork();
  }
  if (unsent_.size() <= write_limit_) return kj::READY_NOW;
  return written_.addBranch();
}

kj::Promise<void> buffered_stream::flush() {
  flush_queued_ = false;
  // Moved, not copied: a connection that once sent a large list does not keep its size.
  auto data = kj::heap<std::vector<kj::byte>>(std::move(unsent_));
  unsent_ = {};
  writing_ = true;
  auto done = inner_->write(data->data(), data->size());
  return done
      .then([this]() { writing_ = false; },
            [this](kj::Exception&& e) {
              // Writes said done were lost: later ones fail at once, and the read side ends
              // too, so capnp sees the connection go whichever side it watches.
              writing_ = false;
              failed_ = kj::cp(e);
              inner_->abortRead();
              kj::throwFatalException(kj::mv(e));
            })
      .attach(kj::mv(data));
}

kj::Promise<void> buffered_stream::whenWriteDisconnected() {
  return inner_->whenWriteDisconnected();
}
void buffered_stream::shutdownWrite() {
  if (shutdown_queued_) return;
  shutdown_queued_ = true;
  // Behind the writes still queued, so they reach the peer first.
  written_ = written_.addBranch().then([this]() { inner_->shutdownWrite(); }).fork();
}
void buffered_stream::abortRead() {
  inner_->abortRead();
}

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
kj::Maybe<int> buffered_stream::getFd() const {
  return inner_->getFd();
}

}  // namespace troupe::rpc
