#pragma once
// A connection that reads ahead and gathers writes. Cap'n Proto reads each message in two or
// three small reads (its first word, the rest of its segment table, its body), and on a socket
// each is a syscall, plus one that finds nothing before the loop waits. This stream takes
// whatever the socket holds, up to its buffer, and serves those reads from memory. It also
// writes each message in its own syscall and TCP segment, even when one turn of the loop
// sends several (a Finish for the last answer, then the next call). Here the messages of one
// turn go out in one write, at the end of the turn.

#include <kj/async-io.h>

#include <vector>

namespace troupe::rpc {

class buffered_stream final : public kj::AsyncIoStream {
 public:
  /// Reads take up to `read_buffer_bytes` at a time; writes wait for the socket once more
  /// than `write_limit_bytes` are unsent, so a slow peer still holds its writer back. capnp
  /// 0.9 queues its answers without waiting on those writes, so a peer that sends calls and
  /// reads none of the answers would grow them without end: past `max_unsent_bytes` the
  /// stream fails (capnp then drops the connection) instead.
  explicit buffered_stream(kj::Own<kj::AsyncIoStream> inner, size_t read_buffer_bytes = 8 * 1024,
                           size_t write_limit_bytes = 64 * 1024,
                           size_t max_unsent_bytes = size_t{256} << 20);
  ~buffered_stream();

  kj::Promise<size_t> tryRead(void* buffer, size_t min_bytes, size_t max_bytes) override;
  kj::Promise<void> write(const void* buffer, size_t size) override;
  kj::Promise<void> write(kj::ArrayPtr<const kj::ArrayPtr<const kj::byte>> pieces) override;
  kj::Promise<void> whenWriteDisconnected() override;
  void shutdownWrite() override;
  void abortRead() override;
  void getsockopt(int level, int option, void* value, kj::uint* length) override;
  void setsockopt(int level, int option, const void* value, kj::uint length) override;
  void getsockname(struct sockaddr* addr, kj::uint* length) override;
  void getpeername(struct sockaddr* addr, kj::uint* length) override;
  kj::Maybe<int> getFd() const override;

 private:
  size_t take(kj::byte* out, size_t max_bytes);
  kj::Promise<void> flush();

  kj::Own<kj::AsyncIoStream> inner_;
  kj::Array<kj::byte> buffer_;
  size_t begin_ = 0;  ///< unread bytes are [begin_, end_)
  size_t end_ = 0;
  size_t write_limit_;
  size_t max_unsent_;
  std::vector<kj::byte> unsent_;
  bool flush_queued_ = false;
  bool writing_ = false;  ///< a write of the inner stream is under way
  bool shutdown_queued_ = false;
  kj::Maybe<kj::Exception> failed_;  ///< why the inner stream's write side broke
  /// Done when every write queued so far is on the socket; failed once one failed. Last, so
  /// it is destroyed (and its continuations cancelled) first.
  kj::ForkedPromise<void> written_;
};

}  // namespace troupe::rpc
