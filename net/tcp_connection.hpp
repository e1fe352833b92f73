#pragma once
// One client over plain TCP: moves bytes between the socket and the
// client_handler, with exactly one async_write in flight (Beast's
// chat-multi send/on_write pattern) and one read outstanding.
//
// Writes are batched: output_ready() only schedules a write with a post, so
// every delivery this worker makes before it next polls I/O goes out in one
// write; QoS 0 output of a connection that has just written waits for its
// worker's write_coalescer. Deadlines are lazy: the connection is filed in its worker's
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

#include "net/connection.hpp"
#include "net/deadline_wheel.hpp"
#include "session/client_handler.hpp"

namespace tern::broker {
class broker;
}

namespace tern::net {

class connection_set;

class tcp_connection final : public connection {
 public:
  using socket_type = accepted_socket;

  tcp_connection(socket_type socket, broker::broker& b, unsigned worker, connection_set& set);
  ~tcp_connection() override;

  void start() override;
  void shut_down() override;
  void on_deadline(clock::time_point now) override;
  void release_output() override;
  void abandon() override;

  void output_ready() override;
  void resume_input() override { do_read(); }
  void close_after_output() override;
  std::size_t pending_output_bytes() const noexcept override {
    return unsent_ ? unsent_->size() : 0;
  }
  broker::client_handler& handler() noexcept override { return *handler_; }
  unsigned worker() const noexcept override { return worker_; }
  const std::string& remote_address() const noexcept override { return remote_; }

 private:
  std::shared_ptr<tcp_connection> self() {
    return std::static_pointer_cast<tcp_connection>(shared_from_this());
  }
  void do_read();
  void on_readable(const boost::system::error_code& ec);
  void post_write();
  void do_write();
  // Writes `out` straight away; true when the socket took all of it, else
  // the rest goes out asynchronously from unsent_ (or the connection failed).
  bool write_directly(std::vector<std::uint8_t>& out);
  void on_write(const boost::system::error_code& ec, std::size_t n);
  // Files the engine's deadline when it moved earlier than the filed one
  // (a later one is found when the filed one passes).
  void file_deadline();
  deadline_wheel<connection>& wheel();
  void finish();

  socket_type socket_;
  broker::broker& broker_;
  connection_set& set_;
  std::shared_ptr<broker::client_handler> handler_;
  std::shared_ptr<tcp_connection> self_;
  std::string remote_;
  // What the socket did not take at once, written asynchronously; boxed,
  // as most connections never have any.
  std::unique_ptr<std::vector<std::uint8_t>> unsent_;
  unsigned worker_;
  std::uint32_t last_write_ms_;  // steady clock, wrapping: only differences matter
  bool reading_ = false;
  bool output_held_ = false;
  bool write_in_flight_ = false;
  bool write_posted_ = false;
  bool closing_ = false;
  bool finished_ = false;
};

}  // namespace tern::net
