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
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>

#include "net/stream_connection.hpp"
#include "tls/settings.hpp"

namespace tern::net {

class tls_connection final : public stream_connection<tls_connection> {
 public:
  using stream_type = boost::asio::ssl::stream<accepted_socket>;

  tls_connection(accepted_socket socket, std::shared_ptr<boost::asio::ssl::context> context,
                 tls::username_source username, broker::broker& b, unsigned worker,
                 connection_set& set);

  void start() override;
  void shut_down() override;
  void on_deadline(clock::time_point now) override;

  void resume_input() override { do_read(); }
  std::size_t pending_output_bytes() const noexcept override { return writing_.size(); }
  std::optional<std::string> tls_username() const override { return tls_username_; }

 private:
  friend class stream_connection<tls_connection>;
  auto executor() { return stream_.get_executor(); }
  void on_handshake(const boost::system::error_code& ec);
  void do_read();
  void on_read(const boost::system::error_code& ec, std::size_t n);
  void do_write();
  void on_write(const boost::system::error_code& ec, std::size_t n);
  void finish();

  // Declared before the stream: the SSL object refers to it.
  std::shared_ptr<boost::asio::ssl::context> context_;
  stream_type stream_;
  std::unique_ptr<std::array<std::uint8_t, 16 * 1024>> read_buffer_;
  std::vector<std::uint8_t> writing_;  // the one write in flight
  std::string refusal_;                // why the client's certificate failed verification
  std::optional<std::string> tls_username_;
  tls::username_source username_source_;
  bool handshake_done_ = false;
};

}  // namespace tern::net
