#pragma once
// One MQTT client connection of the load generator.
//
// The socket side is built so the generator is not what limits the broker:
// one large read buffer per connection, every packet in a read decoded in
// one go, and writes batched: packets are appended to `out_` and flush()
// swaps it with the buffer being written, so at most one async_write is in
// flight and everything produced while it runs goes out in the next one.
//
// Subclasses (publisher, subscriber) add the MQTT roles through the on_x
// hooks. The whole generator runs on one io_context thread, so nothing here
// is locked. Thread: the io_context's only.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>

#include "mqtt/codec/packets.hpp"

namespace tern::bench {

class bench_client;

// The scenario runner hears about connection milestones through this.
class client_observer {
 public:
  virtual void client_ready(bench_client& c) = 0;
  virtual void client_failed(bench_client& c) = 0;

 protected:
  ~client_observer() = default;
};

struct client_options {
  std::string client_id;
  mqtt::protocol_version version = mqtt::protocol_version::v3_1_1;
  std::uint16_t keep_alive = 600;
  // Clean start 0 (and, for v5, a Session Expiry of an hour): what a broker
  // with persistence must store.
  bool persistent = false;
  // Large for busy clients so one read drains many packets; small for the
  // thousands of idle ones (it grows when a packet needs more).
  std::size_t read_buffer = 64 * 1024;
  // Set: MQTT over TLS with this context (shared by all clients).
  boost::asio::ssl::context* tls = nullptr;
};

class bench_client {
 public:
  bench_client(boost::asio::io_context& io, client_options options, client_observer& observer);
  virtual ~bench_client() = default;
  bench_client(const bench_client&) = delete;
  bench_client& operator=(const bench_client&) = delete;

  // TCP connect, CONNECT, wait for CONNACK, then on_connected(); the
  // subclass calls mark_ready() when it is set up (e.g. after SUBACK).
  void start(const boost::asio::ip::tcp::endpoint& broker);
  // Sends DISCONNECT and closes once it is written.
  void disconnect();
  // Closes the socket now.
  void close();

  bool ready() const noexcept { return ready_; }
  bool failed() const noexcept { return failed_; }
  const std::string& error() const noexcept { return error_; }
  const client_options& options() const noexcept { return options_; }
  // Receive Maximum from a v5 CONNACK (65,535 when absent).
  std::uint16_t server_receive_maximum() const noexcept { return server_receive_maximum_; }

 protected:
  virtual void on_connected() { mark_ready(); }
  virtual void on_publish(mqtt::publish& p, std::uint64_t now_ns) = 0;
  // PUBACK, PUBREC, PUBREL, PUBCOMP, SUBACK and anything else after CONNACK.
  virtual void on_packet(mqtt::packet& p) = 0;
  // Called when a write has completed and nothing else is queued.
  virtual void on_output_drained() {}

  void mark_ready();
  void fail(std::string why);
  void send(const mqtt::packet& p);
  // Direct access for hot paths that encode in place; call flush() later.
  std::vector<std::uint8_t>& output() noexcept { return out_; }
  std::size_t pending_output_bytes() const noexcept { return out_.size() + writing_.size(); }
  void flush();

 private:
  void send_connect();
  // Calls f with the connection's stream: TLS or the socket.
  template <class F>
  void with_stream(F&& f) {
    if (tls_) return f(*tls_);
    f(socket_);
  }
  void do_read();
  void on_read(const boost::system::error_code& ec, std::size_t n);
  bool dispatch(mqtt::packet& p, std::uint64_t now_ns);
  void on_write(const boost::system::error_code& ec);

  boost::asio::ip::tcp::socket socket_;
  std::unique_ptr<boost::asio::ssl::stream<boost::asio::ip::tcp::socket&>> tls_;
  client_options options_;
  client_observer& observer_;
  std::vector<std::uint8_t> in_;
  std::size_t in_used_ = 0;
  std::vector<std::uint8_t> out_;
  std::vector<std::uint8_t> writing_;
  bool connected_ = false;  // CONNACK accepted
  bool ready_ = false;
  bool failed_ = false;
  bool closing_ = false;
  std::string error_;
  std::uint16_t server_receive_maximum_ = 65535;
};

// Monotonic clock in nanoseconds; publishers stamp it into the payload and
// subscribers subtract it (same process, same clock).
std::uint64_t now_ns() noexcept;

}  // namespace tern::bench
