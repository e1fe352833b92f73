#include "net/tcp_connection.hpp"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fcntl.h>
#include <array>
#include <cerrno>

#include <boost/asio/post.hpp>

#include "net/readiness_poller.hpp"
#include "session/broker.hpp"

namespace tern::net {
namespace asio = boost::asio;
using clock = std::chrono::steady_clock;

namespace {
// Bytes asked of the socket per read; large enough to take many small
// packets per system call.
constexpr std::size_t read_chunk = 64 * 1024;
// While its input is held, a socket reports readiness only once this many
// bytes wait (SO_RCVLOWAT): each packet arriving would otherwise raise an
// input edge and wake the worker for nothing. A read still returns
// whatever is there. Below the default receive buffer, which Linux would
// otherwise grow to twice this.
constexpr int held_low_watermark = static_cast<int>(read_chunk);

bool would_block(int error) {
  return error == EAGAIN || error == EWOULDBLOCK;
}
}  // namespace

tcp_connection::tcp_connection(socket_type socket, broker::broker& b, unsigned worker,
                               connection_set& set)
    : stream_connection(socket, b, worker, set), executor_(socket.get_executor()) {
  boost::system::error_code ignored;
  socket.set_option(asio::ip::tcp::no_delay(true), ignored);
  // Asio lets go of the socket (and of its state for it): from start() on,
  // the worker's readiness_poller watches it.
  fd_ = socket.release(ignored);
  if (fd_ >= 0) ::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) | O_NONBLOCK);
}

tcp_connection::~tcp_connection() {
  if (fd_ >= 0) ::close(fd_);  // never started
}

void tcp_connection::start() {
  begin();
  if (fd_ < 0 || !set_.poller(worker_).add(fd_, *this)) {
    lost();
    return;
  }
  do_read();
}

void tcp_connection::shut_down() {
  handler_->kick(mqtt::reason_code::server_shutting_down);
}

void tcp_connection::on_ready(std::uint32_t events) {
  if (finished_) return;  // closed after the poller's batch was taken
  if ((events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) && unsent_) write_unsent();
  if ((events & (EPOLLIN | EPOLLRDHUP | EPOLLERR | EPOLLHUP)) && reading_ && !finished_) {
    reading_ = false;
    read_available();
  }
}

// --- reading ---------------------------------------------------------------------

void tcp_connection::resume_input() {
  // Called from the handler's own code: read once it has returned.
  asio::post(executor_, [self = self()] { self->do_read(); });
}

void tcp_connection::do_read() {
  if (reading_ || input_held_ || closing_ || finished_ || !handler_->wants_input()) return;
  read_available();
}

void tcp_connection::release_input() {
  input_held_ = false;
  do_read();  // unless paused meanwhile (resume_input() reads then) or closing
}

void tcp_connection::read_available() {
  // One buffer per worker: an idle connection holds no receive buffer
  // (10,000 idle clients cost what their sockets do).
  thread_local std::array<std::uint8_t, read_chunk> buffer;
  const auto previous = handler_->last_received();
  bool read_any = false;
  bool drained = false;
  // A few reads per turn at most, so one busy client cannot starve the
  // others on its worker.
  for (int round = 0; round < 4 && !finished_ && handler_->wants_input(); ++round) {
    const ssize_t n = ::recv(fd_, buffer.data(), buffer.size(), 0);
    if (n < 0 && would_block(errno)) {
      drained = true;
      break;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {  // failed, or the peer closed its side
      lost();
      return;
    }
    read_any = true;
    const auto size = static_cast<std::size_t>(n);
    handler_->on_bytes(std::span<const std::uint8_t>(buffer.data(), size), clock::now());
    // Drained: skip the read that would say "would block". Bytes arriving
    // after this read raise an input edge of their own.
    if (size < buffer.size()) {
      drained = true;
      break;
    }
  }
  file_deadline();
  if (finished_ || closing_ || !handler_->wants_input()) return;  // paused: resume_input() reads on
  if (!drained) {  // more than a turn's worth waits: read on after the others
    asio::post(executor_, [self = self()] { self->do_read(); });
    return;
  }
  // Busy: input arrived within two windows (a client read at every flush
  // stays busy). A client flooding faster than a turn takes is not held:
  // its socket is never drained.
  const bool busy = read_any && handler_->last_received() - previous < 2 * write_coalescer::window;
  if (busy && handler_->input_may_wait()) {
    if (!low_watermark_set_) set_low_watermark(held_low_watermark);
    input_held_ = true;
    set_.coalescer(worker_).hold_input(self(), clock::now() + write_coalescer::window);
    return;
  }
  reading_ = true;  // until the next input edge
  // Any byte raises an edge again; Linux raises one at once for bytes
  // already waiting.
  if (low_watermark_set_) set_low_watermark(1);
}

void tcp_connection::set_low_watermark(int bytes) {
  // At worst the worker wakes as before.
  ::setsockopt(fd_, SOL_SOCKET, SO_RCVLOWAT, &bytes, sizeof bytes);
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
  // The socket usually takes everything at once; only what it refuses
  // waits for output edges.
  ssize_t n = ::send(fd_, out.data(), out.size(), MSG_NOSIGNAL);
  if (n < 0 && would_block(errno)) n = 0;
  if (n < 0) {
    lost();
    return false;
  }
  const auto sent = static_cast<std::size_t>(n);
  broker::broker_stats::add(broker_.stats().bytes_sent, sent);
  if (sent == out.size()) return true;
  unsent_ = std::make_unique<pending_write>(pending_write{std::move(out), sent});
  write_in_flight_ = true;
  return false;
}

void tcp_connection::write_unsent() {
  auto& w = *unsent_;
  while (w.written < w.bytes.size()) {
    const ssize_t n =
        ::send(fd_, w.bytes.data() + w.written, w.bytes.size() - w.written, MSG_NOSIGNAL);
    if (n < 0 && would_block(errno)) return;  // the next output edge
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      lost();
      return;
    }
    w.written += static_cast<std::size_t>(n);
    broker::broker_stats::add(broker_.stats().bytes_sent, static_cast<std::size_t>(n));
  }
  unsent_.reset();
  write_in_flight_ = false;
  do_write();
}

// --- closing -----------------------------------------------------------------------

void tcp_connection::lost() {
  handler_->on_peer_closed();
  finish();
}

void tcp_connection::finish() {
  // Closing the socket takes it out of the poller's set.
  if (finished_) return;
  finished_ = true;
  if (fd_ >= 0) {
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    fd_ = -1;
  }
  self_.reset();  // may destroy this
}

}  // namespace tern::net
