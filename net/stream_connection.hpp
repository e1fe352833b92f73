#pragma once
// What tcp_connection and tls_connection share: the client_handler, the
// connection's place in its worker's deadline wheel, and when output goes
// out (batched with a post; QoS 0 of a connection that wrote less than a
// write_coalescer window ago waits for the window's end). The transport
// (Derived) reads and writes: it provides do_write(), finish() and
// executor(), and keeps its socket.
//
// A template over the transport (CRTP) rather than virtual hooks: the
// write path stays direct calls, and the base adds no member a plain
// connection did not already have.
//
// Thread: its worker only.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include <boost/asio/post.hpp>

#include "net/connection.hpp"
#include "net/connection_set.hpp"
#include "net/write_coalescer.hpp"
#include "session/client_handler.hpp"

namespace tern::broker {
class broker;
}

namespace tern::net {

// Steady clock in milliseconds, wrapping: only differences matter.
inline std::uint32_t milliseconds_now() {
  return static_cast<std::uint32_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::steady_clock::now().time_since_epoch())
                                        .count());
}

// "ADDRESS:PORT" of the peer, or "unknown".
inline std::string describe_peer(const accepted_socket& s) {
  boost::system::error_code ec;
  auto ep = s.remote_endpoint(ec);
  if (ec) return "unknown";
  return ep.address().to_string() + ":" + std::to_string(ep.port());
}

template <class Derived>
class stream_connection : public connection {
 public:
  void output_ready() override {
    if (write_in_flight_ || write_posted_ || finished_) return;
    if (!handler_->output_urgent() && !write_coalescer::in_flush()) {
      if (output_held_) return;
      const std::uint32_t since = milliseconds_now() - last_write_ms_;
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

  void release_output() override {
    output_held_ = false;
    if (!write_posted_) derived().do_write();
  }

  void close_after_output() override {
    closing_ = true;
    if (!write_in_flight_) post_write();
  }

  void abandon() override {
    derived().finish();
    self_.reset();
  }

  void on_deadline(clock::time_point now) override {
    if (finished_) return;  // out of the wheel now, until destroyed
    const auto keep = self();
    if (auto deadline = handler_->next_deadline(); deadline && *deadline <= now)
      handler_->on_timer(now);
    if (!finished_) wheel().file(*this, handler_->next_deadline());
  }

  broker::client_handler& handler() noexcept override { return *handler_; }
  unsigned worker() const noexcept override { return worker_; }
  const std::string& remote_address() const noexcept override { return remote_; }

 protected:
  // `peer` is the accepted socket, read before Derived moves it.
  stream_connection(const accepted_socket& peer, broker::broker& b, unsigned worker,
                    connection_set& set)
      : broker_(b),
        set_(set),
        handler_(std::make_shared<broker::client_handler>(b, *this, clock::now())),
        remote_(describe_peer(peer)),
        worker_(worker),
        last_write_ms_(milliseconds_now() - write_coalescer::window.count()) {}

  ~stream_connection() override {
    handler_->transport_gone();
    wheel().remove(*this);
  }

  std::shared_ptr<Derived> self() { return std::static_pointer_cast<Derived>(shared_from_this()); }
  Derived& derived() { return static_cast<Derived&>(*this); }
  deadline_wheel<connection>& wheel() { return set_.of(worker_); }

  // From start(): the connection holds itself and files its first deadline.
  void begin() {
    self_ = self();
    wheel().file(*this, handler_->next_deadline());
  }

  void post_write() {
    if (write_in_flight_ || write_posted_ || finished_) return;
    write_posted_ = true;
    boost::asio::post(derived().executor(), [self = self()] {
      self->write_posted_ = false;
      self->do_write();
    });
  }

  // Files the engine's deadline when it moved earlier than the filed one
  // (a later one is found when the filed one passes).
  void file_deadline() {
    if (finished_) return;
    auto deadline = handler_->next_deadline();
    if (deadline && *deadline < filed_deadline()) wheel().file(*this, deadline);
  }

  // The end of a close: the socket shut and closed, it lets go of itself;
  // pending operations hold it until they complete (cancelled by the close).
  void finish_with(accepted_socket& socket) {
    if (finished_) return;
    finished_ = true;
    boost::system::error_code ignored;
    socket.shutdown(accepted_socket::shutdown_both, ignored);
    socket.close(ignored);
    self_.reset();
  }

  broker::broker& broker_;
  connection_set& set_;
  std::shared_ptr<broker::client_handler> handler_;
  std::shared_ptr<Derived> self_;
  std::string remote_;
  unsigned worker_;
  std::uint32_t last_write_ms_;  // milliseconds_now() of the last write
  // Bits rather than bools: they share a word with the fields above (and
  // a derived class's first field may follow in the same word).
  // A read is pending (tcp_connection: drained, waiting for an input edge).
  bool reading_ : 1 = false;
  bool input_held_ : 1 = false;         // tcp_connection: waiting for the flush to read
  bool low_watermark_set_ : 1 = false;  // tcp_connection: see held_low_watermark
  bool output_held_ : 1 = false;
  bool write_in_flight_ : 1 = false;
  bool write_posted_ : 1 = false;
  bool closing_ : 1 = false;
  bool finished_ : 1 = false;
};

}  // namespace tern::net
