#pragma once
// One client over TLS (a listener with certfile or psk_hint): the TLS
// handshake, then the same client_handler flow as tcp_connection, with
// exactly one async_write in flight and one read outstanding.
//
// Unlike tcp_connection, it reads and writes asynchronously only: OpenSSL
// may hold decrypted bytes the socket no longer signals, and a record is
// written whole, so neither "wait for readable, then read" nor "write what
// the socket takes now" applies. Reads go to a 16 KiB buffer of the
// connection's own (one TLS record), allocated once the handshake is done.
// Writes are batched and coalesced like tcp_connection's.
//
// The handshake must finish before the engine's connect timeout (checked
// from the worker's deadline wheel, like keep alive). Every refused
// handshake is logged with why: the verify error with depth and subject, a
// missing client certificate, a client that does not speak TLS, a timeout.
//
// The context it was accepted with stays with it for life: a SIGHUP reload
// affects new connections only.
//
// Thread: its worker only.

#include <array>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>

#include "net/connection.hpp"
#include "net/deadline_wheel.hpp"
#include "session/client_handler.hpp"
#include "tls/settings.hpp"

namespace tern::broker {
class broker;
}

namespace tern::net {

class connection_set;

class tls_connection final : public connection {
 public:
  using stream_type = boost::asio::ssl::stream<accepted_socket>;

  tls_connection(accepted_socket socket, std::shared_ptr<boost::asio::ssl::context> context,
                 tls::username_source username, broker::broker& b, unsigned worker,
                 connection_set& set);
  ~tls_connection() override;

  void start() override;
  void shut_down() override;
  void on_deadline(clock::time_point now) override;
  void release_output() override;
  void abandon() override;

  void output_ready() override;
  void resume_input() override { do_read(); }
  void close_after_output() override;
  std::size_t pending_output_bytes() const noexcept override { return writing_.size(); }
  broker::client_handler& handler() noexcept override { return *handler_; }
  unsigned worker() const noexcept override { return worker_; }
  const std::string& remote_address() const noexcept override { return remote_; }
  std::optional<std::string> tls_username() const override { return tls_username_; }

 private:
  std::shared_ptr<tls_connection> self() {
    return std::static_pointer_cast<tls_connection>(shared_from_this());
  }
  void on_handshake(const boost::system::error_code& ec);
  void do_read();
  void on_read(const boost::system::error_code& ec, std::size_t n);
  void post_write();
  void do_write();
  void on_write(const boost::system::error_code& ec, std::size_t n);
  void file_deadline();
  deadline_wheel<connection>& wheel();
  void finish();

  // Declared before the stream: the SSL object refers to it.
  std::shared_ptr<boost::asio::ssl::context> context_;
  stream_type stream_;
  broker::broker& broker_;
  connection_set& set_;
  std::shared_ptr<broker::client_handler> handler_;
  std::shared_ptr<tls_connection> self_;
  std::string remote_;
  std::unique_ptr<std::array<std::uint8_t, 16 * 1024>> read_buffer_;
  std::vector<std::uint8_t> writing_;  // the one write in flight
  std::string refusal_;                // why the client's certificate failed verification
  std::optional<std::string> tls_username_;
  tls::username_source username_source_;
  unsigned worker_;
  std::uint32_t last_write_ms_;  // steady clock, wrapping: only differences matter
  bool handshake_done_ = false;
  bool reading_ = false;
  bool output_held_ = false;
  bool write_in_flight_ = false;
  bool write_posted_ = false;
  bool closing_ = false;
  bool finished_ = false;
};

}  // namespace tern::net
