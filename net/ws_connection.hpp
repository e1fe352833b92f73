#pragma once
// One client over WebSocket (RFC 6455, MQTT 5.0 section 6), plain or over
// TLS: NextLayer is the stream under the WebSocket, accepted_socket or
// asio::ssl::stream<accepted_socket>; the rest is the same code. Internal to
// net/ws_*.cpp (it brings in Beast): others use ws_factory.hpp.
//
// Theory of operation.
//   1. [TLS handshake, when NextLayer has one.] Then Beast reads one HTTP
//      request, at most 8 KiB of header, and ws_policy decides: an error
//      status is answered and the connection closed; otherwise the 101
//      goes out with the chosen subprotocol. All of it must be done within
//      the policy's handshake_timeout, filed in the worker's deadline wheel
//      like any other deadline (no timer of our own).
//   2. Upgraded, the connection is a byte pipe like tcp_connection. What the
//      socket has is read at once and ws_frame_reader decodes every frame
//      in it, handing binary payload to client_handler::on_bytes as it
//      comes, whatever the frame boundaries (an MQTT packet may span frames
//      and a frame may hold several packets: the engine frames packets
//      itself). Pings are answered with pongs; a text frame, a bad frame or
//      a message above the listener's limit closes with the matching status.
//   3. Output: everything the handler has goes out as one binary frame, with
//      exactly one write in flight (on a plain socket written straight away,
//      as tcp_connection does); QoS 0 output of a connection that wrote
//      recently waits for its worker's write_coalescer, as over TCP.
//      Reading pauses while the handler does not want input (CONNECT being
//      decided, acknowledgements held for a congested subscriber).
//   4. Closing after output: a close frame after the last data, then the
//      socket, without waiting for the peer's close (as tcp_connection
//      closes without waiting for the peer's FIN).
//
// Lifetime: as tcp_connection, self_ holds it from start() to finish().
// The handler, deadline and write-batching logic are stream_connection's,
// shared with tcp_connection and tls_connection.
// Thread: its worker only.

#include <array>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>
#include <boost/asio/bind_allocator.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_suffix.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include "net/exact_allocator.hpp"
#include "net/stream_connection.hpp"
#include "net/ws_frame_reader.hpp"
#include "net/ws_policy.hpp"
#include "session/broker.hpp"
#include "session/client_handler.hpp"

namespace tern::net {

namespace ws_detail {

// Bytes asked of a TLS stream per read (plain sockets read into one buffer
// per worker, as tcp_connection does).
inline constexpr std::size_t tls_read_chunk = 16 * 1024;
// Bytes read from a plain socket per system call.
inline constexpr std::size_t read_chunk = 64 * 1024;
// The longest HTTP request header accepted.
inline constexpr std::uint32_t header_limit = 8 * 1024;
// Output buffers larger than this are not kept between writes.
inline constexpr std::size_t keep_output_capacity = 64 * 1024;

// The peer's address as 16 bytes.
std::optional<std::array<std::uint8_t, 16>> peer_ip(const accepted_socket& s);
// The fields of `request` that ws_policy reads (views into it).
upgrade_request fields_of(
    const boost::beast::http::request<boost::beast::http::empty_body>& request);
// The 101 answer to `request` (whose key ws_policy found valid).
boost::beast::http::response<boost::beast::http::empty_body> switching_protocols(
    const boost::beast::http::request<boost::beast::http::empty_body>& request,
    const std::string& subprotocol);
// A control frame (close, pong) appended to `out`.
void append_control_frame(std::vector<std::uint8_t>& out, std::uint8_t opcode,
                          std::span<const std::uint8_t> payload);
void append_close_frame(std::vector<std::uint8_t>& out, std::uint16_t code);

}  // namespace ws_detail

template <class NextLayer>
class ws_connection final : public stream_connection<ws_connection<NextLayer>> {
  using base = stream_connection<ws_connection<NextLayer>>;
  using typename base::clock;

 public:
  // `keep`: what the stream refers to and must outlive it (the TLS context);
  // `rest`: what NextLayer takes after the socket (the TLS context).
  template <class... Args>
  ws_connection(std::shared_ptr<const ws_policy> policy, std::shared_ptr<void> keep,
                broker::broker& b, unsigned worker, connection_set& set, accepted_socket socket,
                Args&&... rest)
      : base(socket, b, worker, set),
        keep_(std::move(keep)),
        stream_(std::move(socket), std::forward<Args>(rest)...),
        policy_(std::move(policy)),
        reader_(policy_->settings().max_message_size) {
    boost::system::error_code ignored;
    this->socket().set_option(boost::asio::ip::tcp::no_delay(true), ignored);
  }

  // Secure WebSocket with use_identity_as_username / use_subject_as_username:
  // reads the user name from the TLS session once the handshake is done.
  void name_from_certificate(std::function<std::string(NextLayer&)> read) {
    name_from_certificate_ = std::move(read);
  }
  std::optional<std::string> tls_username() const override { return tls_username_; }

  void start() override {
    self_ = self();
    handshake_deadline_ = clock::now() + policy_->settings().handshake_timeout;
    wheel().file(*this, handshake_deadline_);
    if constexpr (secure) {
      stream_.async_handshake(NextLayer::server,
                              [self = self()](const boost::system::error_code& ec) {
                                if (ec) return self->fail_handshake("TLS handshake", ec);
                                if (self->name_from_certificate_)
                                  self->tls_username_ = self->name_from_certificate_(self->stream_);
                                self->do_read_request();
                              });
    } else {
      do_read_request();
    }
  }

  void shut_down() override {
    if (upgraded_)
      handler_->kick(mqtt::reason_code::server_shutting_down);
    else
      finish();
  }

  void on_deadline(typename clock::time_point now) override {
    if (finished_) return;
    if (upgraded_) return base::on_deadline(now);
    const auto keep = self();
    if (now >= handshake_deadline_) {
      spdlog::debug("WebSocket client {} did not complete its upgrade in time", remote_);
      finish();
    } else {
      wheel().file(*this, handshake_deadline_);
    }
  }

  void output_ready() override {
    if (upgraded_) base::output_ready();
  }

  void resume_input() override { do_read(); }

  void close_after_output() override {
    if (upgraded_) return base::close_after_output();
    closing_ = true;
    finish();
  }

  std::size_t pending_output_bytes() const noexcept override {
    return write_in_flight_ ? unsent_size_ : 0;
  }

 private:
  friend base;
  using base::broker_;
  using base::closing_;
  using base::file_deadline;
  using base::finished_;
  using base::handler_;
  using base::last_write_ms_;
  using base::post_write;
  using base::reading_;
  using base::remote_;
  using base::self;
  using base::self_;
  using base::wheel;
  using base::write_in_flight_;

  static constexpr bool secure = requires(NextLayer & n) {
    n.async_handshake(NextLayer::server, [](auto) {});
  };
  using request_parser = boost::beast::http::request_parser<boost::beast::http::empty_body>;
  using error_response = boost::beast::http::response<boost::beast::http::string_body>;
  using upgrade_response = boost::beast::http::response<boost::beast::http::empty_body>;

  auto executor() { return socket().get_executor(); }
  accepted_socket& socket() {
    if constexpr (secure)
      return stream_.next_layer();
    else
      return stream_;
  }
  // --- the upgrade -----------------------------------------------------------

  void do_read_request() {
    upgrade_ = std::make_unique<upgrade_state>();
    upgrade_->parser.header_limit(ws_detail::header_limit);
    boost::beast::http::async_read(stream_, upgrade_->buffer, upgrade_->parser,
                                   [self = self()](const boost::system::error_code& ec,
                                                   std::size_t) { self->on_request(ec); });
  }

  void on_request(const boost::system::error_code& ec) {
    if (finished_) return;
    if (ec) return fail_handshake("HTTP upgrade request", ec);
    const auto& request = upgrade_->parser.get();
    remote_ =
        policy_->client_address(remote_, ws_detail::peer_ip(socket()), request["X-Forwarded-For"]);
    const upgrade_decision decision = policy_->decide(ws_detail::fields_of(request));
    if (decision.status != 101) return refuse(decision);
    upgrade_->response = ws_detail::switching_protocols(request, decision.subprotocol);
    boost::beast::http::async_write(stream_, upgrade_->response,
                                    [self = self()](const boost::system::error_code& write_ec,
                                                    std::size_t) { self->on_upgraded(write_ec); });
  }

  void refuse(const upgrade_decision& decision) {
    spdlog::info("WebSocket upgrade from {} refused: {} {}", remote_, decision.status,
                 decision.reason);
    auto res = std::make_shared<error_response>(
        static_cast<boost::beast::http::status>(decision.status), 11);
    res->set(boost::beast::http::field::server, "tern");
    res->set(boost::beast::http::field::content_type, "text/plain");
    if (!decision.extra_header.empty()) res->set(decision.extra_header, decision.extra_value);
    res->body() = decision.reason + "\n";
    res->keep_alive(false);
    res->prepare_payload();
    boost::beast::http::async_write(
        stream_, *res,
        [self = self(), res](const boost::system::error_code&, std::size_t) { self->finish(); });
  }

  void on_upgraded(const boost::system::error_code& ec) {
    if (finished_) return;
    if (ec) return fail_handshake("WebSocket upgrade answer", ec);
    upgraded_ = true;
    spdlog::debug("WebSocket client {} upgraded", remote_);
    wheel().file(*this, handler_->next_deadline());
    if constexpr (!secure) {
      boost::system::error_code ignored;
      socket().non_blocking(true, ignored);  // on_readable() reads until "would block"
    }
    // Frames the client sent right behind its request (it should have
    // waited for the 101, RFC 6455 4.1, but nothing is lost if it did not).
    const auto early = upgrade_->buffer.cdata();
    std::vector<std::uint8_t> bytes(early.size());
    boost::asio::buffer_copy(boost::asio::buffer(bytes), early);
    upgrade_.reset();
    if (!bytes.empty() && !received(bytes)) return;
    do_read();
  }

  void fail_handshake(const char* step, const boost::system::error_code& ec) {
    if (finished_) return;
    spdlog::debug("WebSocket client {}: {} failed: {}", remote_, step, ec.message());
    if (ec == boost::beast::http::error::header_limit) {
      refuse({431, {}, "request header too large", {}, {}});
      return;
    }
    const auto& http_category =
        boost::beast::http::make_error_code(boost::beast::http::error::bad_method).category();
    if (ec.category() == http_category && ec != boost::beast::http::error::end_of_stream &&
        ec != boost::beast::http::error::partial_message) {
      refuse({400, {}, "malformed HTTP request", {}, {}});
      return;
    }
    finish();
  }

  // --- reading ---------------------------------------------------------------

  void do_read() {
    if (reading_ || closing_ || finished_ || !upgraded_ || !handler_->wants_input()) return;
    reading_ = true;
    if constexpr (secure) {
      if (tls_in_.empty()) tls_in_.resize(ws_detail::tls_read_chunk);
      stream_.async_read_some(
          boost::asio::buffer(tls_in_),
          [self = self()](const boost::system::error_code& ec, std::size_t n) {
            self->reading_ = false;
            if (self->finished_) return;
            if (ec) return self->peer_gone();
            if (self->received(std::span<std::uint8_t>(self->tls_in_.data(), n))) self->do_read();
          });
    } else {
      // As tcp_connection: wait for readability, then read into one buffer
      // per worker, so an idle connection holds no receive buffer.
      socket().async_wait(
          accepted_socket::wait_read,
          boost::asio::bind_allocator(
              exact_allocator<void>(),
              [self = self()](const boost::system::error_code& ec) { self->on_readable(ec); }));
    }
  }

  void on_readable(const boost::system::error_code& ec) {
    reading_ = false;
    if (finished_) return;
    if (ec) return peer_gone();
    thread_local std::array<std::uint8_t, ws_detail::read_chunk> buffer;
    // A few reads per wake-up at most, so one busy client cannot starve the
    // others on its worker.
    for (int round = 0; round < 4 && !finished_ && !closing_ && handler_->wants_input(); ++round) {
      boost::system::error_code read_ec;
      const std::size_t n = socket().read_some(boost::asio::buffer(buffer), read_ec);
      if (read_ec == boost::asio::error::would_block || read_ec == boost::asio::error::try_again)
        break;
      if (read_ec) return peer_gone();
      if (!received(std::span<std::uint8_t>(buffer.data(), n))) return;
      if (n < buffer.size()) break;  // drained
    }
    do_read();
  }

  // Decodes the frames in `bytes`; false when the connection is closing.
  bool received(std::span<std::uint8_t> bytes) {
    const auto now = clock::now();
    while (!bytes.empty() && !finished_) {
      ws_event event;
      const std::size_t used = reader_.parse(bytes, event);
      bytes = bytes.subspan(used);
      switch (event.what) {
        case ws_event::kind::none:
        case ws_event::kind::pong:
          break;
        case ws_event::kind::data:
          handler_->on_bytes(event.bytes, now);
          break;
        case ws_event::kind::ping:
          ws_detail::append_control_frame(control_out_, ws_opcode::pong, event.bytes);
          post_write();
          break;
        case ws_event::kind::close:
          // A close without DISCONNECT is an abnormal end for MQTT (wills).
          handler_->on_peer_closed();
          close_with(ws_close::normal);
          return false;
        case ws_event::kind::error:
          if (event.code == ws_close::too_big)
            spdlog::info("WebSocket client {} sent a message above the limit; closed", remote_);
          else if (event.code == ws_close::unsupported_data)
            spdlog::info("WebSocket client {} sent a text frame; MQTT needs binary ones; closed",
                         remote_);
          else
            spdlog::info("WebSocket client {} broke the framing rules; closed", remote_);
          handler_->on_peer_closed();
          close_with(event.code);
          return false;
      }
    }
    file_deadline();
    return !finished_ && !closing_;
  }

  void peer_gone() {
    handler_->on_peer_closed();
    finish();
  }

  // --- writing ---------------------------------------------------------------

  void close_with(std::uint16_t code) {
    close_code_ = code;
    closing_ = true;
    post_write();
  }

  void do_write() {
    if (write_in_flight_ || finished_ || !upgraded_) return;
    handler_->take_output(out_);
    file_deadline();  // e.g. CONNACK: the keep alive replaces the connect timeout
    const std::size_t header_size =
        out_.empty() ? 0 : ws_frame_header(ws_opcode::binary, out_.size(), frame_header_);
    // Output held for the store is written (and the close done) once it
    // commits: the handler calls output_ready() again.
    const bool last = closing_ && !handler_->output_held();
    if (last) ws_detail::append_close_frame(close_out_, close_code_);
    const std::array<boost::asio::const_buffer, 4> parts{
        boost::asio::buffer(control_out_), boost::asio::buffer(frame_header_, header_size),
        boost::asio::buffer(out_), boost::asio::buffer(close_out_)};
    const std::size_t total = boost::asio::buffer_size(parts);
    if (total == 0) return do_read();  // input may have been paused while CONNECT was decided
    last_write_ms_ = milliseconds_now();
    closing_written_ = last;
    write_in_flight_ = true;
    unsent_size_ = total;
    if constexpr (!secure) {
      // Straight to the non-blocking socket, which usually takes it all.
      boost::system::error_code ec;
      std::size_t n = socket().write_some(parts, ec);
      if (ec == boost::asio::error::would_block || ec == boost::asio::error::try_again) {
        n = 0;
        ec = {};
      }
      if (ec || n == total) return on_write(ec, n);
      // The rest, copied once, goes out asynchronously.
      std::vector<std::uint8_t> rest(total - n);
      boost::beast::buffers_suffix<decltype(parts)> left(parts);
      left.consume(n);
      boost::asio::buffer_copy(boost::asio::buffer(rest), left);
      broker::broker_stats::add(broker_.stats().bytes_sent, n);
      unsent_ = std::move(rest);
      boost::asio::async_write(
          socket(), boost::asio::buffer(unsent_),
          [self = self()](const boost::system::error_code& write_ec, std::size_t sent) {
            self->on_write(write_ec, sent);
          });
    } else {
      boost::asio::async_write(
          stream_, parts,
          [self = self()](const boost::system::error_code& write_ec, std::size_t sent) {
            self->on_write(write_ec, sent);
          });
    }
  }

  void on_write(const boost::system::error_code& ec, std::size_t n) {
    write_in_flight_ = false;
    unsent_size_ = 0;
    broker::broker_stats::add(broker_.stats().bytes_sent, n);
    control_out_.clear();
    close_out_.clear();
    unsent_ = {};
    if (out_.capacity() > ws_detail::keep_output_capacity)
      out_ = {};
    else
      out_.clear();
    if (finished_) return;
    if (ec) return peer_gone();
    if (closing_written_) return finish();
    do_write();
  }

  // --- the end ---------------------------------------------------------------

  void finish() { this->finish_with(socket()); }

  // Only while upgrading: the parser, what it read, the answer.
  struct upgrade_state {
    boost::beast::flat_buffer buffer;
    request_parser parser;
    upgrade_response response;
  };

  std::shared_ptr<void> keep_;  // before the stream, which refers to it
  NextLayer stream_;
  std::function<std::string(NextLayer&)> name_from_certificate_;
  std::optional<std::string> tls_username_;
  std::shared_ptr<const ws_policy> policy_;
  std::unique_ptr<upgrade_state> upgrade_;
  ws_frame_reader reader_;
  std::vector<std::uint8_t> tls_in_;       // TLS only: what one read returned
  std::vector<std::uint8_t> control_out_;  // pongs, written before the data
  std::vector<std::uint8_t> out_;          // the handler's output: one binary frame
  std::vector<std::uint8_t> close_out_;    // the close frame, after the data
  std::vector<std::uint8_t> unsent_;       // plain sockets: what write_some did not take
  std::array<std::uint8_t, 10> frame_header_{};
  std::size_t unsent_size_ = 0;
  typename clock::time_point handshake_deadline_;
  std::uint16_t close_code_ = ws_close::normal;
  bool upgraded_ = false;
  bool closing_written_ = false;
};

}  // namespace tern::net
