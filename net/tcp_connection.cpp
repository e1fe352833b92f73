#include "net/tcp_connection.hpp"

#include <boost/asio/bind_allocator.hpp>
#include <boost/asio/write.hpp>

#include "net/exact_allocator.hpp"
#include "session/broker.hpp"

namespace tern::net {
namespace asio = boost::asio;
using clock = std::chrono::steady_clock;

namespace {
// Bytes asked of the socket per read; large enough to take many small
// packets per system call.
constexpr std::size_t read_chunk = 64 * 1024;
// While its input is held, a socket reports readiness only once this many
// bytes wait (SO_RCVLOWAT): Asio keeps every socket in its epoll set, so
// each packet arriving would otherwise wake the worker for nothing. A
// non-blocking read still returns whatever is there. Below the default
// receive buffer, which Linux would otherwise grow to twice this.
constexpr int held_low_watermark = static_cast<int>(read_chunk);
}  // namespace

tcp_connection::tcp_connection(socket_type socket, broker::broker& b, unsigned worker,
                               connection_set& set)
    : stream_connection(socket, b, worker, set), socket_(std::move(socket)) {
  boost::system::error_code ignored;
  socket_.set_option(asio::ip::tcp::no_delay(true), ignored);
  socket_.non_blocking(true, ignored);  // on_readable() reads until "would block"
}

void tcp_connection::start() {
  begin();
  do_read();
}

void tcp_connection::shut_down() {
  handler_->kick(mqtt::reason_code::server_shutting_down);
}

// --- reading ---------------------------------------------------------------------

void tcp_connection::do_read() {
  if (reading_ || input_held_ || closing_ || finished_ || !handler_->wants_input()) return;
  reading_ = true;
  if (low_watermark_set_) set_low_watermark(1);  // any byte wakes us again
  // Wait for readability rather than reading into a buffer of our own: the
  // bytes are then read into one buffer per worker, so an idle connection
  // holds no receive buffer (10,000 idle clients cost what their sockets do).
  // Allocated at its exact size: it stays pending while the connection is
  // idle (see exact_allocator).
  socket_.async_wait(socket_type::wait_read,
                     asio::bind_allocator(exact_allocator<void>(),
                                          [self = self()](const boost::system::error_code& ec) {
                                            self->on_readable(ec);
                                          }));
}

void tcp_connection::on_readable(const boost::system::error_code& ec) {
  reading_ = false;
  if (ec) {
    if (ec == asio::error::operation_aborted && finished_) return;
    handler_->on_peer_closed();
    finish();
    return;
  }
  read_available();
}

void tcp_connection::release_input() {
  input_held_ = false;
  // Paused meanwhile (resume_input() reads again) or closing.
  if (reading_ || closing_ || finished_ || !handler_->wants_input()) return;
  read_available();
}

void tcp_connection::read_available() {
  thread_local std::array<std::uint8_t, read_chunk> buffer;
  const auto previous = handler_->last_received();
  bool read_any = false;
  bool drained = false;
  // A few reads per wake-up at most, so one busy client cannot starve the
  // others on its worker.
  for (int round = 0; round < 4 && !finished_ && handler_->wants_input(); ++round) {
    boost::system::error_code read_ec;
    const std::size_t n = socket_.read_some(asio::buffer(buffer), read_ec);
    if (read_ec == asio::error::would_block || read_ec == asio::error::try_again) {
      drained = true;
      break;
    }
    if (read_ec) {
      handler_->on_peer_closed();
      finish();
      return;
    }
    read_any = true;
    handler_->on_bytes(std::span<const std::uint8_t>(buffer.data(), n), clock::now());
    if (n < buffer.size()) {  // drained: skip the read that would say "would block"
      drained = true;
      break;
    }
  }
  file_deadline();
  // Busy: input arrived within two windows (a client read at every flush
  // stays busy). A client flooding faster than a read per wake-up takes is
  // not held: its socket is readable whenever we look.
  const bool busy = read_any && handler_->last_received() - previous < 2 * write_coalescer::window;
  if (busy && drained && !finished_ && !closing_ && handler_->input_may_wait() &&
      handler_->wants_input()) {
    if (!low_watermark_set_) set_low_watermark(held_low_watermark);
    input_held_ = true;
    set_.coalescer(worker_).hold_input(self(), clock::now() + write_coalescer::window);
    return;
  }
  do_read();
}

void tcp_connection::set_low_watermark(int bytes) {
  boost::system::error_code ignored;  // at worst the worker wakes as before
  socket_.set_option(asio::socket_base::receive_low_watermark(bytes), ignored);
  low_watermark_set_ = bytes > 1;
}

// --- writing -----------------------------------------------------------------------

void tcp_connection::do_write() {
  if (write_in_flight_ || finished_) return;
  // A fresh vector each time: written at once as a rule, then freed, so an
  // idle connection keeps no output buffer.
  std::vector<std::uint8_t> out;
  handler_->take_output(out);
  file_deadline();  // e.g. CONNACK: the keep alive replaces the connect timeout
  if (!out.empty()) {
    last_write_ms_ = milliseconds_now();
    if (!write_directly(out)) return;
  }
  // Output held for the store is written (and the close done) once it
  // commits: the handler calls output_ready() again.
  if (closing_ && !handler_->output_held()) finish();
  do_read();  // input may have been paused while CONNECT was decided
}

bool tcp_connection::write_directly(std::vector<std::uint8_t>& out) {
  // The socket is non-blocking and usually takes everything at once; only
  // what it refuses needs an asynchronous write (and a completion to run).
  boost::system::error_code ec;
  std::size_t n = socket_.write_some(asio::buffer(out), ec);
  if (ec == asio::error::would_block || ec == asio::error::try_again) {
    n = 0;
    ec = {};
  }
  if (ec) {
    handler_->on_peer_closed();
    finish();
    return false;
  }
  broker::broker_stats::add(broker_.stats().bytes_sent, n);
  if (n == out.size()) return true;
  out.erase(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(n));
  unsent_ = std::make_unique<std::vector<std::uint8_t>>(std::move(out));
  write_in_flight_ = true;
  asio::async_write(socket_, asio::buffer(*unsent_),
                    [self = self()](const boost::system::error_code& write_ec, std::size_t sent) {
                      self->on_write(write_ec, sent);
                    });
  return false;
}

void tcp_connection::on_write(const boost::system::error_code& ec, std::size_t n) {
  write_in_flight_ = false;
  unsent_.reset();
  broker::broker_stats::add(broker_.stats().bytes_sent, n);
  if (ec) {
    handler_->on_peer_closed();
    finish();
    return;
  }
  do_write();
}

void tcp_connection::finish() {
  finish_with(socket_);
}

}  // namespace tern::net
