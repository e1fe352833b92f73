#include "net/tls_connection.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/write.hpp>

#include "session/broker.hpp"
#include "tls/peer_identity.hpp"

namespace tern::net {
namespace asio = boost::asio;
using clock = std::chrono::steady_clock;

tls_connection::tls_connection(accepted_socket socket, std::shared_ptr<asio::ssl::context> context,
                               tls::username_source username, broker::broker& b, unsigned worker,
                               connection_set& set)
    : stream_connection(socket, b, worker, set),
      context_(std::move(context)),
      stream_(std::move(socket), *context_),
      username_source_(username) {
  boost::system::error_code ignored;
  stream_.next_layer().set_option(asio::ip::tcp::no_delay(true), ignored);
}

void tls_connection::start() {
  begin();  // the handshake counts against the engine's connect timeout
  if (SSL_get_verify_mode(stream_.native_handle()) != SSL_VERIFY_NONE) {
    stream_.set_verify_callback([this](bool preverified, asio::ssl::verify_context& ctx) {
      if (!preverified && refusal_.empty())
        refusal_ = tls::describe_verify_failure(ctx.native_handle());
      return preverified;
    });
  }
  stream_.async_handshake(
      asio::ssl::stream_base::server,
      [self = self()](const boost::system::error_code& ec) { self->on_handshake(ec); });
}

void tls_connection::on_handshake(const boost::system::error_code& ec) {
  if (finished_) return;
  if (ec) {
    spdlog::info("TLS client from {} refused: {}", remote_,
                 refusal_.empty() ? tls::describe_handshake_failure(ec)
                                  : "certificate verify failed: " + refusal_);
    handler_->on_peer_closed();
    finish();
    return;
  }
  handshake_done_ = true;
  SSL* ssl = stream_.native_handle();
  if (username_source_ != tls::username_source::connect)
    tls_username_ = tls::username_from(ssl, username_source_);
  spdlog::debug("TLS client from {}: {} {}", remote_, SSL_get_version(ssl),
                SSL_get_cipher_name(ssl));
  read_buffer_ = std::make_unique<std::array<std::uint8_t, 16 * 1024>>();
  do_read();
}

void tls_connection::shut_down() {
  if (!handshake_done_) return finish();
  handler_->kick(mqtt::reason_code::server_shutting_down);
}

// --- reading ---------------------------------------------------------------------

void tls_connection::do_read() {
  if (reading_ || closing_ || finished_ || !handshake_done_ || !handler_->wants_input()) return;
  reading_ = true;
  stream_.async_read_some(asio::buffer(*read_buffer_),
                          [self = self()](const boost::system::error_code& ec, std::size_t n) {
                            self->on_read(ec, n);
                          });
}

void tls_connection::on_read(const boost::system::error_code& ec, std::size_t n) {
  reading_ = false;
  if (finished_) return;
  if (n > 0)
    handler_->on_bytes(std::span<const std::uint8_t>(read_buffer_->data(), n), clock::now());
  if (ec) {
    handler_->on_peer_closed();
    finish();
    return;
  }
  file_deadline();
  do_read();
}

// --- writing -----------------------------------------------------------------------

void tls_connection::do_write() {
  if (write_in_flight_ || finished_ || !handshake_done_) return;
  writing_.clear();
  handler_->take_output(writing_);
  file_deadline();  // e.g. CONNACK: the keep alive replaces the connect timeout
  if (!writing_.empty()) {
    last_write_ms_ = milliseconds_now();
    write_in_flight_ = true;
    asio::async_write(stream_, asio::buffer(writing_),
                      [self = self()](const boost::system::error_code& ec, std::size_t n) {
                        self->on_write(ec, n);
                      });
    return;
  }
  // Output held for the store is written (and the close done) once it
  // commits: the handler calls output_ready() again.
  if (closing_ && !handler_->output_held()) finish();
  do_read();  // input may have been paused while CONNECT was decided
}

void tls_connection::on_write(const boost::system::error_code& ec, std::size_t n) {
  write_in_flight_ = false;
  writing_.clear();
  if (finished_) return;
  broker::broker_stats::add(broker_.stats().bytes_sent, n);
  if (ec) {
    handler_->on_peer_closed();
    finish();
    return;
  }
  do_write();
}

void tls_connection::finish() {
  // No close_notify: the MQTT exchange has ended (DISCONNECT or a close the
  // client must treat as one), and waiting for the peer's reply would hold
  // the connection on a client that stopped reading.
  finish_with(stream_.next_layer());
}

// --- deadlines -------------------------------------------------------------------------

void tls_connection::on_deadline(clock::time_point now) {
  const auto keep = self();
  if (!finished_ && !handshake_done_) {
    if (const auto deadline = handler_->next_deadline(); deadline && *deadline <= now) {
      spdlog::info("TLS client from {} refused: no TLS handshake within the connect timeout",
                   remote_);
      handler_->on_peer_closed();
      finish();
      return;
    }
  }
  stream_connection::on_deadline(now);
}

}  // namespace tern::net
