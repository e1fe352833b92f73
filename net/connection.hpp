#pragma once
// What the server, its workers' deadline wheels and write coalescers need
// from one client connection, whatever carries it (plain TCP, TLS,
// WebSocket). Each transport implements the session layer's
// client_transport as well.
//
// Thread: its worker only, except abandon() (main thread, workers stopped).

#include <chrono>
#include <cstdint>
#include <memory>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "net/connection_limits.hpp"
#include "net/deadline_wheel.hpp"
#include "session/client_transport.hpp"

namespace tern::net {

// A socket accepted by a listener, bound to the context of the worker that
// will own the connection (io_context's executor rather than
// any_io_executor: smaller sockets and operations, posts without type
// erasure).
using accepted_socket =
    boost::asio::basic_stream_socket<boost::asio::ip::tcp, boost::asio::io_context::executor_type>;

class connection : public broker::client_transport, public wheel_member {
 public:
  using clock = std::chrono::steady_clock;

  // Starts reading (and any handshake the transport has); the connection
  // files itself in its worker's connection_set.
  virtual void start() = 0;
  // Server shutdown: v5 clients get DISCONNECT 0x8B, then the connection closes.
  virtual void shut_down() = 0;
  // The deadline it was filed under passed (called by its worker's sweep).
  virtual void on_deadline(clock::time_point now) = 0;
  // The write_coalescer's flush: write what was held.
  virtual void release_output() = 0;
  // The write_coalescer's flush: read what arrived while input was held
  // (write_coalescer::hold_input()). Transports that never hold input keep
  // this default.
  virtual void release_input() {}
  // Its socket's readiness changed (epoll event bits), for transports
  // watched by their worker's readiness_poller.
  virtual void on_ready(std::uint32_t /*events*/) {}
  // Server teardown, workers stopped: closes the socket and lets go of
  // itself, so it is destroyed with the last handler that holds it.
  virtual void abandon() = 0;

  std::shared_ptr<connection> shared_connection() {
    return std::static_pointer_cast<connection>(shared_from_this());
  }

  // The connection's place in its listener's max_connections, held until
  // it is destroyed (the server gives it before start()).
  void hold_slot(connection_slot slot) noexcept { slot_ = std::move(slot); }

 private:
  connection_slot slot_;
};

}  // namespace tern::net
