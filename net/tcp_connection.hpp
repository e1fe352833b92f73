#pragma once
// One client over plain TCP: moves bytes between the socket and the
// client_handler. The socket is taken out of Asio once accepted and
// watched by its worker's readiness_poller (edge-triggered): on an input
// edge it is read until drained, and what a write could not hand over at
// once goes out on the output edges that follow, one write in flight.
//
// Writes are batched (stream_connection, shared with tls_connection):
// output_ready() only schedules a write with a post, so every delivery this
// worker makes before it next polls I/O goes out in one write; QoS 0
// output of a connection that has just written waits for its worker's
// write_coalescer, and so does the input of a client that keeps sending
// QoS 0 and nothing else. Deadlines are lazy: the connection is filed in
// its worker's deadline_wheel under the engine's next deadline, and when
// visited the engine decides whether anything is due.
//
// Lifetime: the connection holds itself (self_) from start() until it
// finishes, since an idle or paused connection has no operation pending
// that would; posted work holds it too until it runs.
//
// Thread: its worker only.

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "net/stream_connection.hpp"

namespace tern::net {

class tcp_connection final : public stream_connection<tcp_connection> {
 public:
  using socket_type = accepted_socket;

  tcp_connection(socket_type socket, broker::broker& b, unsigned worker, connection_set& set);
  ~tcp_connection() override;

  void start() override;
  void shut_down() override;

  void resume_input() override;
  void release_input() override;
  void on_ready(std::uint32_t events) override;
  std::size_t pending_output_bytes() const noexcept override {
    return unsent_ ? unsent_->bytes.size() - unsent_->written : 0;
  }

 private:
  friend class stream_connection<tcp_connection>;
  boost::asio::io_context::executor_type executor() const { return executor_; }
  // Reads unless it already waits for an input edge (or may not read now).
  void do_read();
  // Reads what the socket has, then waits for more: for the next input
  // edge, or until the worker's next flush (a busy client sending only
  // QoS 0).
  void read_available();
  void set_low_watermark(int bytes);
  void do_write();
  // Writes `out` straight away; true when the socket took all of it, else
  // the rest waits in unsent_ for output edges (or the connection failed).
  bool write_directly(std::vector<std::uint8_t>& out);
  // An output edge: writes more of unsent_; when all is out, the next batch.
  void write_unsent();
  // The socket failed or the peer closed it.
  void lost();
  void finish();

  int fd_ = -1;  // first: it may share a word with the base's last fields
  boost::asio::io_context::executor_type executor_;
  // What the socket did not take at once; boxed, as most connections never
  // have any.
  struct pending_write {
    std::vector<std::uint8_t> bytes;
    std::size_t written = 0;
  };
  std::unique_ptr<pending_write> unsent_;
};

// An idle connection's cost is mostly this object, its client_handler and
// its session (README, "idle connection"). At this size, make_shared's
// block (with its 16-byte count) fills a 192-byte allocator class.
static_assert(sizeof(tcp_connection) <= 176, "a tcp_connection outgrew its allocation class");

}  // namespace tern::net
