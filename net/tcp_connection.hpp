#pragma once
// One client over plain TCP: moves bytes between the socket and the
// client_handler, with exactly one async_write in flight (Beast's
// chat-multi send/on_write pattern) and one read outstanding.
//
// Writes are batched (stream_connection, shared with tls_connection):
// output_ready() only schedules a write with a post, so
// every delivery this worker makes before it next polls I/O goes out in one
// write; QoS 0 output of a connection that has just written waits for its
// worker's write_coalescer, and so does the input of a client that keeps
// sending QoS 0 and nothing else. Deadlines are lazy: the connection is filed in its worker's
// deadline_wheel under the engine's next deadline, and when visited the
// engine decides whether anything is due.
//
// Lifetime: the connection holds itself (self_) from start() until it
// finishes, since an idle or paused connection has no operation pending
// that would; pending async operations hold it too until they complete.
//
// Thread: its worker only.

#include <array>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "net/stream_connection.hpp"

namespace tern::net {

class tcp_connection final : public stream_connection<tcp_connection> {
 public:
  using socket_type = accepted_socket;

  tcp_connection(socket_type socket, broker::broker& b, unsigned worker, connection_set& set);

  void start() override;
  void shut_down() override;

  void resume_input() override { do_read(); }
  void release_input() override;
  std::size_t pending_output_bytes() const noexcept override {
    return unsent_ ? unsent_->size() : 0;
  }

 private:
  friend class stream_connection<tcp_connection>;
  auto executor() { return socket_.get_executor(); }
  void do_read();
  void on_readable(const boost::system::error_code& ec);
  // Reads what the socket has, then waits for more: for readiness, or
  // until the worker's next flush (a busy client sending only QoS 0).
  void read_available();
  void set_low_watermark(int bytes);
  void do_write();
  // Writes `out` straight away; true when the socket took all of it, else
  // the rest goes out asynchronously from unsent_ (or the connection failed).
  bool write_directly(std::vector<std::uint8_t>& out);
  void on_write(const boost::system::error_code& ec, std::size_t n);
  void finish();

  socket_type socket_;
  // What the socket did not take at once, written asynchronously; boxed,
  // as most connections never have any.
  std::unique_ptr<std::vector<std::uint8_t>> unsent_;
};

}  // namespace tern::net
