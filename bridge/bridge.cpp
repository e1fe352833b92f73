#include "bridge/bridge.hpp"

#include <utility>

#include <spdlog/spdlog.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/write.hpp>

#include "session/broker.hpp"
#ifdef TERN_WITH_TLS
#include "tls/client_context.hpp"
#include "tls/peer_identity.hpp"
#endif

namespace tern::bridge {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using clock = std::chrono::steady_clock;

namespace {
// Bytes held for our broker before the bridge stops reading the remote.
constexpr std::size_t max_held_input = 4u << 20;
}  // namespace

bridge::bridge(bridge_options options, broker::broker& b, asio::io_context& context,
               unsigned worker)
    : options_(std::move(options)),
      broker_(b),
      context_(context),
      worker_(worker),
      relay_(options_, b.config().limits.receive_maximum),
      policy_(options_),
      backoff_(options_.restart_base, options_.restart_cap),
      resolver_(context),
      socket_(context),
      timer_(context),
      restart_timer_(context),
      idle_timer_(context),
      resolve_poke_(context) {}

void bridge::start() {
  broker_.workers().post(worker_, [self = shared_from_this()] {
    if (self->options_.notifications) self->notify_locally(false);
    if (!self->policy_.waits_for_queue()) return self->connect_next();
    // Lazy: the local session must exist and be subscribed before the
    // first connection, or nothing would queue to start it.
    self->relay_.prime_local(clock::now());
    self->pump();
  });
}

void bridge::stop() {
  broker_.workers().post(worker_, [self = shared_from_this()] {
    self->stopped_ = true;
    self->restart_timer_.cancel();
    self->idle_timer_.cancel();
    self->relay_.shut_down();
    self->pump();
  });
}

void bridge::reload_tls() {
#ifdef TERN_WITH_TLS
  if (!options_.tls) return;
  broker_.workers().post(worker_, [self = shared_from_this()] {
    try {
      self->reloaded_tls_context_ = tls::build_client_context(*self->options_.tls);
      spdlog::info(
          "SIGHUP: bridge {}: certificate files read again (used from the next connection)",
          self->options_.name);
    } catch (const std::exception& e) {
      spdlog::error("SIGHUP: bridge {}: {}; the previous certificates stay", self->options_.name,
                    e.what());
    }
  });
#endif
}

// --- connecting ---------------------------------------------------------------

void bridge::connect_next() {
  if (stopped_) return;
  const std::uint64_t generation = ++generation_;
  spdlog::info("bridge {}: connecting to {}:{}", options_.name, address().host, address().port);
  resolving_ = true;
  poke_while_resolving();
  resolver_.async_resolve(
      address().host, std::to_string(address().port),
      [self = shared_from_this(), generation](const boost::system::error_code& ec,
                                              const tcp::resolver::results_type& results) {
        self->resolving_ = false;
        self->on_resolved(generation, ec, results);
      });
}

// Asio resolves on a thread of its own and posts the completion to the
// worker's io_context from there, which does not wake the worker: it
// blocks in its readiness_poller, not inside Asio (net/readiness_poller.hpp).
// A timer does, and the worker then runs the completion; resolves are rare
// (one per connection attempt), so the wake-ups cost nothing that matters.
void bridge::poke_while_resolving() {
  resolve_poke_.expires_after(std::chrono::milliseconds(5));
  resolve_poke_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (!ec && self->resolving_) self->poke_while_resolving();
  });
}

void bridge::on_resolved(std::uint64_t generation, const boost::system::error_code& ec,
                         const tcp::resolver::results_type& results) {
  if (generation != generation_ || stopped_) return;
  if (ec) {
    spdlog::warn("bridge {}: cannot resolve {}: {}", options_.name, address().host, ec.message());
    return link_down();
  }
  asio::async_connect(socket_, results,
                      [self = shared_from_this(), generation](const boost::system::error_code& e,
                                                              const tcp::endpoint&) {
                        self->on_connected(generation, e);
                      });
}

void bridge::on_connected(std::uint64_t generation, const boost::system::error_code& ec) {
  if (generation != generation_ || stopped_) return;
  if (ec) {
    spdlog::warn("bridge {}: cannot connect to {}:{}: {}", options_.name, address().host,
                 address().port, ec.message());
    return link_down();
  }
  boost::system::error_code ignored;
  socket_.set_option(tcp::no_delay(true), ignored);
  if (options_.tls_context) return start_tls(generation);
  remote_up();
}

#ifdef TERN_WITH_TLS
void bridge::start_tls(std::uint64_t generation) {
  // A fresh TLS session per connection; the previous stream's operations
  // completed (cancelled) when its socket closed, well before this retry.
  tls_.reset();
  tls_context_in_use_ = reloaded_tls_context_ ? reloaded_tls_context_ : options_.tls_context;
  tls_ = std::make_unique<asio::ssl::stream<tcp::socket&>>(socket_, *tls_context_in_use_);
  tls::prepare_client_session(tls_->native_handle(), address().host, options_.tls->insecure);
  tls_refusal_.clear();
  tls_->set_verify_callback([this](bool preverified, asio::ssl::verify_context& ctx) {
    if (!preverified && tls_refusal_.empty())
      tls_refusal_ = tls::describe_verify_failure(ctx.native_handle());
    return preverified;
  });
  tls_->async_handshake(asio::ssl::stream_base::client, [self = shared_from_this(), generation](
                                                            const boost::system::error_code& e) {
    self->on_handshake(generation, e);
  });
}

void bridge::on_handshake(std::uint64_t generation, const boost::system::error_code& ec) {
  if (generation != generation_ || stopped_) return;
  if (ec) {
    spdlog::warn("bridge {}: TLS handshake with {}:{} failed: {}", options_.name, address().host,
                 address().port,
                 tls_refusal_.empty() ? tls::describe_handshake_failure(ec)
                                      : "the remote's certificate: " + tls_refusal_);
    return link_down();
  }
  remote_up();
}
#else
void bridge::start_tls(std::uint64_t) {
  link_down();  // app/ refuses bridge TLS settings in a build without TLS
}
#endif

void bridge::remote_up() {
  socket_open_ = true;
  relay_.remote_opened(clock::now());
  pump();
  do_read();
}

// --- remote I/O ---------------------------------------------------------------------

void bridge::do_read() {
  if (reading_ || !socket_open_) return;
  if (link_ && link_->held_input() > max_held_input) {
    read_paused_ = true;  // our broker is slower than the remote: let TCP hold it back
    return;
  }
  reading_ = true;
  auto on_read = [self = shared_from_this(), generation = generation_](
                     const boost::system::error_code& ec, std::size_t n) {
    self->on_read(generation, ec, n);
  };
  with_stream([&](auto& stream) { stream.async_read_some(asio::buffer(read_buffer_), on_read); });
}

void bridge::on_read(std::uint64_t generation, const boost::system::error_code& ec, std::size_t n) {
  if (generation != generation_) return;
  reading_ = false;
  if (ec) {
    spdlog::debug("bridge {}: read: {}", options_.name, ec.message());
    relay_.on_remote_closed();
  } else {
    relay_.on_remote_bytes(std::span<const std::uint8_t>(read_buffer_.data(), n), clock::now());
  }
  pump();
  do_read();
}

void bridge::do_write() {
  if (writing_now_ || pending_.empty() || !socket_open_) return;
  writing_now_ = true;
  writing_.swap(pending_);
  auto on_write = [self = shared_from_this(), generation = generation_](
                      const boost::system::error_code& ec, std::size_t) {
    self->on_write(generation, ec);
  };
  with_stream([&](auto& stream) { asio::async_write(stream, asio::buffer(writing_), on_write); });
}

void bridge::on_write(std::uint64_t generation, const boost::system::error_code& ec) {
  if (generation != generation_) return;
  writing_now_ = false;
  writing_.clear();
  if (ec) {
    spdlog::debug("bridge {}: write: {}", options_.name, ec.message());
    relay_.on_remote_closed();
    return pump();
  }
  do_write();
}

// --- local link ---------------------------------------------------------------------

void bridge::on_local_output() {
  if (!link_) return;
  link_->take_output(scratch_);
  const bool closed = link_->closed();
  if (!scratch_.empty()) relay_.on_local_bytes(scratch_, clock::now());
  if (closed) relay_.on_local_closed();
  pump();
  if (read_paused_ && link_ && link_->held_input() <= max_held_input) {
    read_paused_ = false;
    do_read();
  }
}

// --- the relay's output and events ------------------------------------------------

void bridge::pump() {
  std::vector<relay_event> events;
  while (relay_.take_events(events)) {
    for (auto e : events) {
      switch (e) {
        case relay_event::open_local: {
          std::weak_ptr<bridge> weak = shared_from_this();
          link_ = std::make_shared<local_link>(broker_, worker_, "bridge:" + options_.name, [weak] {
            if (auto self = weak.lock()) self->on_local_output();
          });
          break;
        }
        case relay_event::up:
          spdlog::info("bridge {}: connected to {}:{}", options_.name, address().host,
                       address().port);
          was_up_ = true;
          backoff_.reset();
          if (options_.notifications) notify_locally(true);
          arm_idle_timer();
          break;
        case relay_event::primed:
          hand_over_output();  // the local DISCONNECT; the session stays, offline
          if (link_) {
            link_->close();
            link_.reset();
          }
          spdlog::info("bridge {}: start_type lazy: connecting once more than {} messages wait",
                       options_.name, options_.threshold);
          look_at_queue();
          return;
        case relay_event::down:
          // The engines wrote their DISCONNECTs: hand them over, then close.
          hand_over_output();
          link_down();
          return;
      }
    }
  }
  hand_over_output();
  do_write();
  arm_timer();
}

void bridge::hand_over_output() {
  relay_.take_remote_output(scratch_);
  if (socket_open_) pending_.insert(pending_.end(), scratch_.begin(), scratch_.end());
  relay_.take_local_output(scratch_);
  if (link_) link_->send(scratch_);
}

void bridge::link_down() {
  if (link_) {
    link_->close();
    link_.reset();
  }
  if (socket_open_) {
    // Best effort for the DISCONNECT (a few bytes): written now if the
    // socket takes them, never waiting for a remote that stopped reading.
    boost::system::error_code ignored;
    socket_.non_blocking(true, ignored);
    // (Over TLS the records would need the stream: the remote sees the close.)
    if (!pending_.empty() && !writing_now_ && !options_.tls_context)
      socket_.write_some(asio::buffer(pending_), ignored);
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
  }
  boost::system::error_code ignored;
  socket_.close(ignored);
  socket_open_ = false;
  ++generation_;  // completions of this connection are stale from now on
  reading_ = writing_now_ = read_paused_ = false;
  pending_.clear();
  writing_.clear();
  timer_.cancel();
  idle_timer_.cancel();
  const bool idle = std::exchange(idle_closing_, false);
  if (was_up_) {
    if (!idle)
      spdlog::info("bridge {}: connection lost ({})", options_.name,
                   mqtt::reason_name(relay_.last_reason()));
    if (options_.notifications) notify_locally(false);
  } else if (relay_.last_reason() != mqtt::reason_code::success) {
    spdlog::warn("bridge {}: {}:{} closed the connection ({})", options_.name, address().host,
                 address().port, mqtt::reason_name(relay_.last_reason()));
  }
  // Failover: the next address, or back to the main one after a
  // connection that worked (unless round_robin).
  if (was_up_ && !options_.round_robin) {
    address_index_ = 0;
  } else {
    address_index_ = (address_index_ + 1) % options_.addresses.size();
  }
  was_up_ = false;
  if (stopped_) return;
  if (idle) return look_at_queue();  // lazy: wait for the queue again
  if (!policy_.restarts(relay_.marker_just_refused())) {
    spdlog::info("bridge {}: start_type once: not restarted", options_.name);
    return;
  }
  schedule_restart(backoff_.next());
}

void bridge::schedule_restart(std::chrono::milliseconds delay) {
  spdlog::info("bridge {}: next attempt in {} ms{}", options_.name, delay.count(),
               policy_.waits_for_queue() ? " if enough messages wait" : "");
  restart_timer_.expires_after(delay);
  restart_timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (ec) return;
    if (self->policy_.waits_for_queue()) return self->look_at_queue();
    self->connect_next();
  });
}

void bridge::arm_timer() {
  const auto deadline = relay_.next_deadline();
  if (!deadline) return;
  timer_.expires_at(*deadline);
  timer_.async_wait(
      [self = shared_from_this(), generation = generation_](const boost::system::error_code& ec) {
        if (ec || generation != self->generation_) return;
        self->relay_.on_timer(clock::now());
        self->pump();
      });
}

void bridge::notify_locally(bool up) {
  // Published by the broker itself: clients may not write $SYS, and the
  // local link is down when the state is 0.
  mqtt::publish p;
  p.topic = options_.notification_topic();
  p.payload = mqtt::shared_bytes::copy_of(up ? "1" : "0");
  p.qos = mqtt::qos::at_least_once;
  p.retain = true;
  broker_.publish(broker_.make_message(std::move(p), 0));
}

}  // namespace tern::bridge
