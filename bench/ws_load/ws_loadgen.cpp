// tern_ws_loadgen: QoS 1 load over WebSocket or plain TCP with the same
// client code, so that bench/ws_compare.py can set the two transports side
// by side on one broker in one run. The clients differ only in their link:
// a TCP socket, or a Beast WebSocket client over one (masking its frames,
// as RFC 6455 requires of clients).
//
//   tern_ws_loadgen --port PORT [--websocket] --scenario pairs-qos1|fanin-qos1
//                   [--duration S] [--clients N] [--window N] [--payload BYTES]
//
// Scenarios, as bench/compare.py's: pairs-qos1 (N publishers, each to its
// own subscriber; N = 50 by default) and fanin-qos1 (4 publishers to one
// subscriber). Every publisher keeps `window` QoS 1 messages in flight.
// Prints one JSON line: transport, scenario, messages received by the
// subscribers during the timed run, seconds, msg/s.
//
// One thread, one io_context: nothing is locked.

#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include "mqtt/codec/decoder.hpp"
#include "mqtt/codec/encoder.hpp"

namespace {
namespace mqtt = tern::mqtt;

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;
using done = std::function<void(const error_code&)>;
using read_done = std::function<void(const error_code&, std::size_t)>;

// How bytes reach the broker.
class byte_link {
 public:
  virtual ~byte_link() = default;
  virtual void connect(const tcp::endpoint& broker, done then) = 0;
  virtual void write(const std::vector<std::uint8_t>& bytes, done then) = 0;
  virtual void read_some(asio::mutable_buffer into, read_done then) = 0;
};

class tcp_link final : public byte_link {
 public:
  explicit tcp_link(asio::io_context& io) : socket_(io) {}
  void connect(const tcp::endpoint& broker, done then) override {
    socket_.async_connect(broker, [this, then](const error_code& ec) {
      error_code ignored;
      if (!ec) socket_.set_option(tcp::no_delay(true), ignored);
      then(ec);
    });
  }
  void write(const std::vector<std::uint8_t>& bytes, done then) override {
    asio::async_write(socket_, asio::buffer(bytes),
                      [then](const error_code& ec, std::size_t) { then(ec); });
  }
  void read_some(asio::mutable_buffer into, read_done then) override {
    socket_.async_read_some(into, then);
  }

 private:
  tcp::socket socket_;
};

// Each write is one binary message, as MQTT.js and paho send them.
class ws_link final : public byte_link {
 public:
  explicit ws_link(asio::io_context& io) : ws_(io) {}
  void connect(const tcp::endpoint& broker, done then) override {
    beast::get_lowest_layer(ws_).async_connect(broker, [this, then](const error_code& ec) {
      if (ec) return then(ec);
      error_code ignored;
      beast::get_lowest_layer(ws_).set_option(tcp::no_delay(true), ignored);
      ws_.set_option(websocket::stream_base::decorator([](websocket::request_type& req) {
        req.set(beast::http::field::sec_websocket_protocol, "mqtt");
      }));
      ws_.async_handshake("127.0.0.1", "/mqtt", [this, then](const error_code& hs_ec) {
        ws_.binary(true);
        ws_.auto_fragment(false);
        then(hs_ec);
      });
    });
  }
  void write(const std::vector<std::uint8_t>& bytes, done then) override {
    ws_.async_write(asio::buffer(bytes), [then](const error_code& ec, std::size_t) { then(ec); });
  }
  void read_some(asio::mutable_buffer into, read_done then) override {
    ws_.async_read_some(into, then);
  }

 private:
  websocket::stream<tcp::socket> ws_;
};

struct totals {
  std::uint64_t received = 0;  // by subscribers while counting
  bool counting = false;
  std::size_t ready = 0;
  std::size_t failed = 0;
};

// A publisher (topic set, filter empty) or a subscriber (filter set).
class client {
 public:
  client(std::unique_ptr<byte_link> l, std::string id, std::string topic, std::string filter,
         std::uint32_t window, std::size_t payload, totals& t)
      : link_(std::move(l)),
        id_(std::move(id)),
        filter_(std::move(filter)),
        window_(window),
        totals_(t),
        in_(256 * 1024) {
    template_.topic = std::move(topic);
    template_.qos = mqtt::qos::at_least_once;
    template_.payload = mqtt::shared_bytes::copy_of(std::vector<std::uint8_t>(payload, 'x'));
  }

  void start(const tcp::endpoint& broker) {
    link_->connect(broker, [this](const error_code& ec) {
      if (ec) return fail("connect", ec);
      mqtt::connect c;
      c.client_id = id_;
      c.keep_alive = 600;
      send(c);
      flush();
      do_read();
    });
  }

  // Publishers: fill the window.
  void begin() {
    if (filter_.empty()) {
      for (std::uint32_t i = 0; i < window_; ++i)
        publish_one();
      flush();
    }
  }

 private:
  void publish_one() {
    template_.id = next_id_;
    next_id_ = next_id_ == 65535 ? 1 : next_id_ + 1;
    mqtt::encode_append(template_, mqtt::protocol_version::v3_1_1, out_);
  }
  void send(const mqtt::packet& p) { mqtt::encode_append(p, mqtt::protocol_version::v3_1_1, out_); }
  void flush() {
    if (!writing_.empty() || out_.empty()) return;
    std::swap(writing_, out_);
    link_->write(writing_, [this](const error_code& ec) {
      writing_.clear();
      if (ec) return fail("write", ec);
      flush();
    });
  }
  void do_read() {
    link_->read_some(asio::buffer(in_.data() + used_, in_.size() - used_),
                     [this](const error_code& ec, std::size_t n) { on_read(ec, n); });
  }
  void on_read(const error_code& ec, std::size_t n) {
    if (ec) return fail("read", ec);
    used_ += n;
    std::size_t pos = 0;
    for (;;) {
      const auto view = std::span<const std::uint8_t>(in_.data() + pos, used_ - pos);
      auto header = mqtt::parse_fixed_header(view, 1 << 20, mqtt::protocol_version::v3_1_1);
      if (!header || !*header || view.size() < (**header).packet_size()) break;
      const auto& h = **header;
      auto p =
          mqtt::decode(h, view.subspan(h.size, h.remaining_length), mqtt::protocol_version::v3_1_1);
      if (!p) return fail("decode", {});
      pos += h.packet_size();
      dispatch(*p);
    }
    std::memmove(in_.data(), in_.data() + pos, used_ - pos);
    used_ -= pos;
    flush();
    do_read();
  }
  void dispatch(mqtt::packet& p) {
    if (std::holds_alternative<mqtt::connack>(p)) {
      if (filter_.empty()) return ready();
      mqtt::subscribe s;
      s.id = 1;
      mqtt::subscription entry;
      entry.filter = filter_;
      entry.options.max_qos = mqtt::qos::at_least_once;
      s.entries.push_back(entry);
      send(s);
    } else if (std::holds_alternative<mqtt::suback>(p)) {
      ready();
    } else if (auto* pub = std::get_if<mqtt::publish>(&p)) {
      if (totals_.counting) ++totals_.received;
      mqtt::puback ack;
      ack.id = pub->id;
      send(ack);
    } else if (std::holds_alternative<mqtt::puback>(p)) {
      if (totals_.counting) publish_one();
    }
  }
  void ready() { ++totals_.ready; }
  void fail(const char* what, const error_code& ec) {
    if (failed_) return;
    failed_ = true;
    ++totals_.failed;
    std::cerr << id_ << ": " << what << " failed: " << ec.message() << "\n";
  }

  std::unique_ptr<byte_link> link_;
  std::string id_;
  std::string filter_;
  std::uint32_t window_;
  totals& totals_;
  mqtt::publish template_;
  std::uint16_t next_id_ = 1;
  std::vector<std::uint8_t> in_;
  std::size_t used_ = 0;
  std::vector<std::uint8_t> out_, writing_;
  bool failed_ = false;
};

bool run_until(asio::io_context& io, std::chrono::steady_clock::time_point deadline,
               const std::function<bool()>& done_when) {
  while (!done_when()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    io.run_one_for(std::chrono::milliseconds(50));
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  unsigned port = 0, duration = 10, clients = 0, window = 20;
  std::size_t payload = 64;
  bool ws = false;
  std::string scenario = "pairs-qos1";
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const auto value = [&] { return i + 1 < argc ? std::string(argv[++i]) : std::string(); };
    if (a == "--port")
      port = std::stoul(value());
    else if (a == "--websocket")
      ws = true;
    else if (a == "--scenario")
      scenario = value();
    else if (a == "--duration")
      duration = std::stoul(value());
    else if (a == "--clients")
      clients = std::stoul(value());
    else if (a == "--window")
      window = std::stoul(value());
    else if (a == "--payload")
      payload = std::stoul(value());
    else {
      std::cerr << "tern_ws_loadgen: unknown argument " << a << "\n";
      return 2;
    }
  }
  if (port == 0 || (scenario != "pairs-qos1" && scenario != "fanin-qos1")) {
    std::cerr << "usage: tern_ws_loadgen --port PORT [--websocket] --scenario "
                 "pairs-qos1|fanin-qos1 [--duration S] [--clients N] [--window N]\n";
    return 2;
  }
  asio::io_context io;
  totals t;
  std::vector<std::unique_ptr<client>> subs, pubs;
  const auto make = [&](std::string id, std::string topic, std::string filter) {
    std::unique_ptr<byte_link> l;
    if (ws)
      l = std::make_unique<ws_link>(io);
    else
      l = std::make_unique<tcp_link>(io);
    return std::make_unique<client>(std::move(l), std::move(id), std::move(topic),
                                    std::move(filter), window, payload, t);
  };
  if (scenario == "pairs-qos1") {
    const unsigned n = clients ? clients : 50;
    for (unsigned i = 0; i < n; ++i) {
      const std::string topic = "bench/pair/" + std::to_string(i);
      subs.push_back(make("s" + std::to_string(i), "", topic));
      pubs.push_back(make("p" + std::to_string(i), topic, ""));
    }
  } else {
    const unsigned n = clients ? clients : 4;
    subs.push_back(make("s0", "", "bench/fanin/#"));
    for (unsigned i = 0; i < n; ++i)
      pubs.push_back(make("p" + std::to_string(i), "bench/fanin/" + std::to_string(i), ""));
  }
  const tcp::endpoint broker(asio::ip::make_address("127.0.0.1"), static_cast<std::uint16_t>(port));
  const auto start = std::chrono::steady_clock::now();
  for (auto& s : subs)
    s->start(broker);
  if (!run_until(io, start + std::chrono::seconds(20), [&] { return t.ready == subs.size(); }) ||
      t.failed) {
    std::cerr << "tern_ws_loadgen: subscribers not ready\n";
    return 1;
  }
  for (auto& p : pubs)
    p->start(broker);
  if (!run_until(io, start + std::chrono::seconds(40),
                 [&] { return t.ready == subs.size() + pubs.size(); }) ||
      t.failed) {
    std::cerr << "tern_ws_loadgen: publishers not ready\n";
    return 1;
  }
  t.counting = true;
  const auto t0 = std::chrono::steady_clock::now();
  for (auto& p : pubs)
    p->begin();
  run_until(io, t0 + std::chrono::seconds(duration), [&] { return t.failed != 0; });
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const std::uint64_t received = t.received;
  std::printf(
      "{\"transport\": \"%s\", \"scenario\": \"%s\", \"messages\": %llu, \"seconds\": %.3f, "
      "\"rate\": %.0f, \"failures\": %zu}\n",
      ws ? "websocket" : "tcp", scenario.c_str(), static_cast<unsigned long long>(received),
      seconds, static_cast<double>(received) / seconds, t.failed);
  std::fflush(stdout);
  std::_Exit(t.failed ? 1 : 0);  // no orderly close: the broker's side is not measured
}
