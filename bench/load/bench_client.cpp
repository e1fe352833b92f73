#include "bench/load/bench_client.hpp"

#include <cstring>
#include <ctime>
#include <utility>

#include <boost/asio/write.hpp>

#include "mqtt/codec/decoder.hpp"
#include "mqtt/codec/encoder.hpp"

namespace tern::bench {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {
constexpr std::uint32_t no_size_limit = mqtt::max_variable_byte_integer + 5;
}  // namespace

std::uint64_t now_ns() noexcept {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000u +
         static_cast<std::uint64_t>(ts.tv_nsec);
}

bench_client::bench_client(asio::io_context& io, client_options options, client_observer& observer)
    : socket_(io), options_(std::move(options)), observer_(observer) {}

void bench_client::start(const tcp::endpoint& broker) {
  socket_.async_connect(broker, [this](const boost::system::error_code& ec) {
    if (ec) return fail("connect: " + ec.message());
    boost::system::error_code ignored;
    socket_.set_option(tcp::no_delay(true), ignored);
    in_.resize(options_.read_buffer);
    if (options_.tls == nullptr) return send_connect();
    tls_ = std::make_unique<asio::ssl::stream<tcp::socket&>>(socket_, *options_.tls);
    tls_->async_handshake(asio::ssl::stream_base::client,
                          [this](const boost::system::error_code& e) {
                            if (e) return fail("TLS handshake: " + e.message());
                            send_connect();
                          });
  });
}

void bench_client::send_connect() {
  mqtt::connect c;
  c.version = options_.version;
  c.clean_start = !options_.persistent;
  if (options_.persistent && c.version == mqtt::protocol_version::v5)
    c.properties.session_expiry_interval = 3600;
  c.keep_alive = options_.keep_alive;
  c.client_id = options_.client_id;
  send(c);
  flush();
  do_read();
}

void bench_client::disconnect() {
  if (failed_ || closing_ || !socket_.is_open()) return;
  send(mqtt::disconnect{});
  closing_ = true;
  flush();
}

void bench_client::close() {
  closing_ = true;
  boost::system::error_code ignored;
  socket_.close(ignored);
}

void bench_client::mark_ready() {
  if (ready_) return;
  ready_ = true;
  observer_.client_ready(*this);
}

void bench_client::fail(std::string why) {
  if (failed_ || closing_) return;
  failed_ = true;
  error_ = options_.client_id + ": " + std::move(why);
  boost::system::error_code ignored;
  socket_.close(ignored);
  observer_.client_failed(*this);
}

void bench_client::send(const mqtt::packet& p) {
  mqtt::encode_append(p, options_.version, out_);
}

void bench_client::flush() {
  if (!writing_.empty() || out_.empty() || !socket_.is_open()) return;
  std::swap(writing_, out_);
  with_stream([this](auto& stream) {
    asio::async_write(stream, asio::buffer(writing_),
                      [this](const boost::system::error_code& ec, std::size_t) { on_write(ec); });
  });
}

void bench_client::on_write(const boost::system::error_code& ec) {
  writing_.clear();
  if (ec) return fail("write: " + ec.message());
  if (!out_.empty()) return flush();
  if (closing_) {
    boost::system::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_send, ignored);
    return;
  }
  on_output_drained();
  flush();
}

void bench_client::do_read() {
  with_stream([this](auto& stream) {
    stream.async_read_some(
        asio::buffer(in_.data() + in_used_, in_.size() - in_used_),
        [this](const boost::system::error_code& ec, std::size_t n) { on_read(ec, n); });
  });
}

void bench_client::on_read(const boost::system::error_code& ec, std::size_t n) {
  if (ec) {
    if (!closing_) fail("read: " + ec.message() + " (broker closed the connection?)");
    if (closing_) close();
    return;
  }
  in_used_ += n;
  const std::uint64_t now = now_ns();
  std::size_t pos = 0;
  for (;;) {
    const auto view = std::span<const std::uint8_t>(in_.data() + pos, in_used_ - pos);
    auto header = mqtt::parse_fixed_header(view, no_size_limit, options_.version);
    if (!header) return fail("bad fixed header from broker: " + header.error().message());
    if (!*header) break;
    const mqtt::fixed_header& h = **header;
    if (view.size() < h.packet_size()) {
      if (h.packet_size() > in_.size()) {
        // A packet larger than the buffer: move it to the front and grow.
        std::memmove(in_.data(), in_.data() + pos, in_used_ - pos);
        in_used_ -= pos;
        pos = 0;
        in_.resize(h.packet_size());
      }
      break;
    }
    auto p = mqtt::decode(h, view.subspan(h.size, h.remaining_length), options_.version);
    if (!p) return fail("undecodable packet from broker: " + p.error().message());
    pos += h.packet_size();
    if (!dispatch(*p, now)) return;
  }
  if (pos != 0) {
    std::memmove(in_.data(), in_.data() + pos, in_used_ - pos);
    in_used_ -= pos;
  }
  flush();
  do_read();
}

bool bench_client::dispatch(mqtt::packet& p, std::uint64_t now) {
  if (!connected_) {
    auto* ack = std::get_if<mqtt::connack>(&p);
    if (ack == nullptr) {
      fail("expected CONNACK first");
      return false;
    }
    if (ack->reason != mqtt::reason_code::success) {
      fail("CONNACK refused: " + std::string(mqtt::reason_name(ack->reason)));
      return false;
    }
    connected_ = true;
    if (ack->properties.receive_maximum) server_receive_maximum_ = *ack->properties.receive_maximum;
    on_connected();
  } else if (auto* pub = std::get_if<mqtt::publish>(&p)) {
    on_publish(*pub, now);
  } else if (auto* d = std::get_if<mqtt::disconnect>(&p)) {
    fail("DISCONNECT from broker: " + std::string(mqtt::reason_name(d->reason)));
  } else {
    on_packet(p);
  }
  return !failed_;
}

}  // namespace tern::bench
