#pragma once
// One client over WebSocket (RFC 6455, MQTT 5.0 section 6), plain or over
// TLS: NextLayer is the stream under the WebSocket, accepted_socket or
// asio::ssl::stream<accepted_socket>; the rest is the same code. Internal to
// net/ws_*.cpp (it brings in Beast): others use ws_factory.hpp.
//
// Theory of operation.
//   1. [TLS handshake, when NextLayer has one.] Then one HTTP request is
//      read, at most 8 KiB of header, and ws_policy decides: an error status
//      is answered and the connection closed; otherwise Beast writes the
//      101 with the chosen subprotocol. All of it must be done within the
//      policy's handshake_timeout, filed in the worker's deadline wheel like
//      any other deadline (no timer of our own).
//   2. Upgraded, the connection is a byte pipe like tcp_connection: message
//      data is handed to client_handler::on_bytes as it arrives, whatever
//      the frame boundaries (an MQTT packet may span messages and a message
//      may hold several packets: the engine frames packets itself). Text
//      frames close the connection ([MQTT-6.0.0-1]). Beast answers pings
//      and enforces read_message_max (the listener's limit).
//   3. Output: everything the handler has goes out as one binary message,
//      with exactly one write in flight; QoS 0 output of a connection that
//      wrote recently waits for its worker's write_coalescer, as over TCP.
//      Reading pauses while the handler does not want input (CONNECT being
//      decided, acknowledgements held for a congested subscriber).
//   4. Closing after output: a close frame (1000), then the socket; Beast's
//      close timeout bounds the wait for the peer's answer.
//
// Lifetime: as tcp_connection, self_ holds it from start() to finish().
// Thread: its worker only.

#include <array>
#include <chrono>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include "net/connection.hpp"
#include "net/connection_set.hpp"
#include "net/write_coalescer.hpp"
#include "net/ws_policy.hpp"
#include "session/broker.hpp"
#include "session/client_handler.hpp"

namespace tern::net {

namespace ws_detail {

// Bytes asked of the WebSocket per read.
inline constexpr std::size_t read_chunk = 16 * 1024;
// The longest HTTP request header accepted.
inline constexpr std::uint32_t header_limit = 8 * 1024;
// Output buffers larger than this are not kept between writes.
inline constexpr std::size_t keep_output_capacity = 64 * 1024;

std::uint32_t milliseconds_now();
// "ADDRESS:PORT" of the peer and its address as 16 bytes.
std::string describe(const accepted_socket& s);
std::optional<std::array<std::uint8_t, 16>> peer_ip(const accepted_socket& s);
// The fields of `request` that ws_policy reads (views into it).
upgrade_request fields_of(
    const boost::beast::http::request<boost::beast::http::empty_body>& request);

}  // namespace ws_detail

template <class NextLayer>
class ws_connection final : public connection {
 public:
  template <class... Args>
  ws_connection(std::shared_ptr<const ws_policy> policy, broker::broker& b, unsigned worker,
                connection_set& set, Args&&... next_layer)
      : ws_(std::forward<Args>(next_layer)...),
        policy_(std::move(policy)),
        broker_(b),
        set_(set),
        handler_(std::make_shared<broker::client_handler>(b, *this, clock::now())),
        remote_(ws_detail::describe(socket())),
        worker_(worker),
        last_write_ms_(ws_detail::milliseconds_now() -
                       static_cast<std::uint32_t>(write_coalescer::window.count())) {
    boost::system::error_code ignored;
    socket().set_option(boost::asio::ip::tcp::no_delay(true), ignored);
  }

  ~ws_connection() override {
    handler_->transport_gone();
    wheel().remove(*this);
  }

  void start() override {
    self_ = self();
    handshake_deadline_ = clock::now() + policy_->settings().handshake_timeout;
    wheel().file(*this, handshake_deadline_);
    if constexpr (has_handshake) {
      ws_.next_layer().async_handshake(NextLayer::server,
                                       [self = self()](const boost::system::error_code& ec) {
                                         if (ec) return self->fail_handshake("TLS handshake", ec);
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

  void on_deadline(clock::time_point now) override {
    if (finished_) return;
    const auto keep = self();
    if (!upgraded_) {
      if (now >= handshake_deadline_) {
        spdlog::debug("WebSocket client {} did not complete its upgrade in time", remote_);
        finish();
      } else {
        wheel().file(*this, handshake_deadline_);
      }
      return;
    }
    if (auto deadline = handler_->next_deadline(); deadline && *deadline <= now)
      handler_->on_timer(now);
    if (!finished_) wheel().file(*this, handler_->next_deadline());
  }

  void release_output() override {
    output_held_ = false;
    if (!write_posted_) do_write();
  }

  void abandon() override {
    finish();
    self_.reset();
  }

  void output_ready() override {
    if (write_in_flight_ || write_posted_ || finished_ || !upgraded_) return;
    if (!handler_->output_urgent() && !write_coalescer::in_flush()) {
      if (output_held_) return;
      const std::uint32_t since = ws_detail::milliseconds_now() - last_write_ms_;
      const auto window = static_cast<std::uint32_t>(write_coalescer::window.count());
      if (since < window) {  // wrote recently: wait for company until the window ends
        output_held_ = true;
        set_.coalescer(worker_).hold(self(),
                                     clock::now() + std::chrono::milliseconds(window - since));
        return;
      }
    }
    post_write();
  }

  void resume_input() override { do_read(); }

  void close_after_output() override {
    closing_ = true;
    if (!upgraded_) return finish();
    if (!write_in_flight_) post_write();
  }

  std::size_t pending_output_bytes() const noexcept override {
    return write_in_flight_ ? out_.size() : 0;
  }
  broker::client_handler& handler() noexcept override { return *handler_; }
  unsigned worker() const noexcept override { return worker_; }
  const std::string& remote_address() const noexcept override { return remote_; }

 private:
  static constexpr bool has_handshake = requires(NextLayer & n) {
    n.async_handshake(NextLayer::server, [](auto) {});
  };
  using request_parser = boost::beast::http::request_parser<boost::beast::http::empty_body>;
  using response = boost::beast::http::response<boost::beast::http::string_body>;

  std::shared_ptr<ws_connection> self() {
    return std::static_pointer_cast<ws_connection>(shared_from_this());
  }
  accepted_socket& socket() { return boost::beast::get_lowest_layer(ws_); }
  deadline_wheel<connection>& wheel() { return set_.of(worker_); }

  // --- the upgrade -----------------------------------------------------------

  void do_read_request() {
    upgrade_ = std::make_unique<upgrade_state>();
    upgrade_->parser.header_limit(ws_detail::header_limit);
    boost::beast::http::async_read(ws_.next_layer(), upgrade_->buffer, upgrade_->parser,
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
    namespace websocket = boost::beast::websocket;
    ws_.set_option(websocket::stream_base::decorator(
        [subprotocol = decision.subprotocol](websocket::response_type& res) {
          res.set(boost::beast::http::field::server, "tern");
          if (!subprotocol.empty())
            res.set(boost::beast::http::field::sec_websocket_protocol, subprotocol);
        }));
    // Bounds the accept's write and, later, the wait for the peer's close.
    ws_.set_option(websocket::stream_base::timeout{
        std::chrono::duration_cast<std::chrono::steady_clock::duration>(
            policy_->settings().handshake_timeout),
        websocket::stream_base::none(), false});
    ws_.read_message_max(policy_->settings().max_message_size);
    ws_.async_accept(request, [self = self()](const boost::system::error_code& accept_ec) {
      self->on_accept(accept_ec);
    });
  }

  void refuse(const upgrade_decision& decision) {
    spdlog::info("WebSocket upgrade from {} refused: {} {}", remote_, decision.status,
                 decision.reason);
    auto res =
        std::make_shared<response>(static_cast<boost::beast::http::status>(decision.status), 11);
    res->set(boost::beast::http::field::server, "tern");
    res->set(boost::beast::http::field::content_type, "text/plain");
    if (!decision.extra_header.empty()) res->set(decision.extra_header, decision.extra_value);
    res->body() = decision.reason + "\n";
    res->keep_alive(false);
    res->prepare_payload();
    boost::beast::http::async_write(
        ws_.next_layer(), *res,
        [self = self(), res](const boost::system::error_code&, std::size_t) { self->finish(); });
  }

  void on_accept(const boost::system::error_code& ec) {
    if (finished_) return;
    if (ec) return fail_handshake("WebSocket accept", ec);
    upgrade_.reset();
    upgraded_ = true;
    ws_.binary(true);
    ws_.auto_fragment(false);  // one frame per write: MQTT frames packets itself
    spdlog::debug("WebSocket client {} upgraded", remote_);
    wheel().file(*this, handler_->next_deadline());
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
    if (in_.empty()) in_.resize(ws_detail::read_chunk);
    ws_.async_read_some(boost::asio::buffer(in_),
                        [self = self()](const boost::system::error_code& ec, std::size_t n) {
                          self->on_read(ec, n);
                        });
  }

  void on_read(const boost::system::error_code& ec, std::size_t n) {
    reading_ = false;
    if (finished_) return;
    if (ec) {
      if (ec == boost::beast::websocket::error::message_too_big)
        spdlog::info("WebSocket client {} sent a message above the limit; closed", remote_);
      handler_->on_peer_closed();
      finish();
      return;
    }
    if (ws_.got_text()) {  // [MQTT-6.0.0-1]: binary frames only
      spdlog::info("WebSocket client {} sent a text frame; MQTT needs binary frames; closed",
                   remote_);
      handler_->on_peer_closed();
      finish();
      return;
    }
    handler_->on_bytes(std::span<const std::uint8_t>(in_.data(), n), clock::now());
    file_deadline();
    do_read();
  }

  // --- writing ---------------------------------------------------------------

  void post_write() {
    if (write_in_flight_ || write_posted_ || finished_) return;
    write_posted_ = true;
    boost::asio::post(socket().get_executor(), [self = self()] {
      self->write_posted_ = false;
      self->do_write();
    });
  }

  void do_write() {
    if (write_in_flight_ || finished_ || !upgraded_ || close_started_) return;
    handler_->take_output(out_);
    file_deadline();  // e.g. CONNACK: the keep alive replaces the connect timeout
    if (!out_.empty()) {
      last_write_ms_ = ws_detail::milliseconds_now();
      write_in_flight_ = true;
      ws_.async_write(boost::asio::buffer(out_),
                      [self = self()](const boost::system::error_code& ec, std::size_t n) {
                        self->on_write(ec, n);
                      });
      return;
    }
    // Output held for the store is written (and the close done) once it
    // commits: the handler calls output_ready() again.
    if (closing_ && !handler_->output_held()) return start_close();
    do_read();  // input may have been paused while CONNECT was decided
  }

  void on_write(const boost::system::error_code& ec, std::size_t n) {
    write_in_flight_ = false;
    broker::broker_stats::add(broker_.stats().bytes_sent, n);
    if (out_.capacity() > ws_detail::keep_output_capacity)
      out_ = {};
    else
      out_.clear();
    if (finished_) return;
    if (ec) {
      handler_->on_peer_closed();
      finish();
      return;
    }
    do_write();
  }

  void start_close() {
    close_started_ = true;
    ws_.async_close(boost::beast::websocket::close_code::normal,
                    [self = self()](const boost::system::error_code&) { self->finish(); });
  }

  // --- the end ---------------------------------------------------------------

  void file_deadline() {
    if (finished_ || !upgraded_) return;
    auto deadline = handler_->next_deadline();
    if (deadline && *deadline < filed_deadline()) wheel().file(*this, deadline);
  }

  void finish() {
    if (finished_) return;
    finished_ = true;
    boost::system::error_code ignored;
    socket().shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
    socket().close(ignored);
    // Pending operations hold it until they complete (cancelled by the close).
    self_.reset();
  }

  // Only while upgrading: the parser and what it read.
  struct upgrade_state {
    boost::beast::flat_buffer buffer;
    request_parser parser;
  };

  boost::beast::websocket::stream<NextLayer> ws_;
  std::shared_ptr<const ws_policy> policy_;
  broker::broker& broker_;
  connection_set& set_;
  std::shared_ptr<broker::client_handler> handler_;
  std::shared_ptr<ws_connection> self_;
  std::unique_ptr<upgrade_state> upgrade_;
  std::string remote_;
  std::vector<std::uint8_t> in_;   // message data as read
  std::vector<std::uint8_t> out_;  // the message being written
  clock::time_point handshake_deadline_;
  unsigned worker_;
  std::uint32_t last_write_ms_;  // steady clock, wrapping: only differences matter
  bool upgraded_ = false;
  bool reading_ = false;
  bool output_held_ = false;
  bool write_in_flight_ = false;
  bool write_posted_ = false;
  bool closing_ = false;
  bool close_started_ = false;
  bool finished_ = false;
};

}  // namespace tern::net
