#include "net/server.hpp"

#include <algorithm>
#include <csignal>
#include <future>
#include <system_error>

#include <spdlog/spdlog.h>
#include <boost/asio/post.hpp>

#include "net/open_listener.hpp"
#include "net/tcp_connection.hpp"

namespace tern::net {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

std::shared_ptr<connection> make_tcp_connection(accepted_socket socket, broker::broker& b,
                                                unsigned worker, connection_set& set) {
  return std::make_shared<tcp_connection>(std::move(socket), b, worker, set);
}

}  // namespace

server::server(broker::broker_config config, const std::vector<listen_endpoint>& endpoints,
               unsigned threads, store::durable_store* store, store::restored_state restored)
    : workers_(threads),
      connections_(workers_, std::chrono::steady_clock::now()),
      broker_(std::move(config), workers_, store),
      sys_(broker_, store),
      store_(store),
      sys_timer_(std::make_unique<asio::steady_timer>(workers_.context(0))),
      signals_(std::make_unique<asio::signal_set>(workers_.context(0), SIGINT, SIGTERM)),
      reload_signals_(std::make_unique<asio::signal_set>(workers_.context(0), SIGHUP)) {
  // Before the listeners: no client sees the broker half restored.
  if (store != nullptr) broker_.restore(std::move(restored), std::chrono::steady_clock::now());
  for (const auto& ep : endpoints) {
    auto acceptor = std::make_unique<tcp::acceptor>(workers_.context(0));
    open_listener(*acceptor, ep.address, ep.port);
    acceptors_.push_back(std::move(acceptor));
    factories_.push_back(ep.make_connection ? ep.make_connection : make_tcp_connection);
    security_.push_back(ep.security);
    listener_names_.push_back((ep.address.empty() ? std::string("*") : ep.address) + ":" +
                              std::to_string(acceptors_.back()->local_endpoint().port()));
    limits_.add_listener(ep.max_connections);
  }
}

server::~server() {
  // Asio objects go before their contexts, and the contexts (with any
  // connection still held by a pending handler) before the broker and the
  // connection set those connections refer to.
  workers_.stop();
  for (unsigned w = 0; w < workers_.size(); ++w) {
    for (const auto& c : connections_.all(w))
      c->abandon();
  }
  acceptors_.clear();
  sweep_timers_.clear();
  deadline_timers_.clear();
  sys_timer_.reset();
  signals_.reset();
  reload_signals_.reset();
  workers_.destroy_contexts();
}

std::vector<std::uint16_t> server::bound_ports() const {
  std::vector<std::uint16_t> ports;
  for (const auto& a : acceptors_)
    ports.push_back(a->local_endpoint().port());
  return ports;
}

void server::run() {
  for (std::size_t i = 0; i < acceptors_.size(); ++i) {
    spdlog::info("listening on {}:{}", acceptors_[i]->local_endpoint().address().to_string(),
                 acceptors_[i]->local_endpoint().port());
    do_accept(i);
  }
  for (unsigned w = 0; w < workers_.size(); ++w) {
    start_periodic(w);
    start_deadline_sweep(w);
  }
  start_sys_timer();
  do_wait_reload();

  std::promise<void> stopped;
  signals_->async_wait([this, &stopped](const boost::system::error_code& ec, int signal) {
    if (ec) return;
    spdlog::info("signal {} received, shutting down", signal);
    shut_down();
    stopped.set_value();
  });
  workers_.start();
  stopped.get_future().wait();
  // Give closing connections a moment to flush their DISCONNECTs.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  workers_.stop();
  spdlog::info("stopped");
}

void server::do_accept(std::size_t listener) {
  const unsigned worker = workers_.next_for_connection();
  acceptors_[listener]->async_accept(
      workers_.context(worker),
      [this, listener, worker](const boost::system::error_code& ec, accepted_socket socket) {
        if (ec == asio::error::operation_aborted) return;
        if (!ec) {
          on_accepted(listener, worker, std::move(socket));
        } else {
          // Typically out of file descriptors: retrying at once would spin
          // on the same error, so pause the listener briefly.
          spdlog::warn("accept failed: {}; retrying in 100 ms", ec.message());
          auto pause = std::make_shared<asio::steady_timer>(workers_.context(0),
                                                            std::chrono::milliseconds(100));
          pause->async_wait([this, listener, pause](const boost::system::error_code& wait_ec) {
            if (!wait_ec && acceptors_[listener]->is_open()) do_accept(listener);
          });
          return;
        }
        do_accept(listener);
      });
}

void server::on_accepted(std::size_t listener, unsigned worker, accepted_socket socket) {
  boost::system::error_code ec;
  std::string host;
  if (limits_.rate().count != 0) host = socket.remote_endpoint(ec).address().to_string();
  auto admission = limits_.admit(listener, host, std::chrono::steady_clock::now());
  if (admission.outcome != connection_limits::verdict::admitted) {
    // Closed before a byte is read, as mosquitto does: a client over a
    // limit costs us nothing more.
    const auto remote = socket.remote_endpoint(ec);
    log_refusal(listener, admission.outcome,
                ec ? std::string("unknown")
                   : remote.address().to_string() + ":" + std::to_string(remote.port()));
    socket.close(ec);
    return;
  }
  struct accepted {
    accepted_socket socket;
    connection_slot slot;
  };
  // The socket belongs to `worker`'s context: start it there.
  auto a = std::make_shared<accepted>(accepted{std::move(socket), std::move(admission.slot)});
  workers_.post(worker, [this, listener, worker, a] {
    auto c = factories_[listener](std::move(a->socket), broker_, worker, connections_);
    if (security_[listener]) c->handler().use_listener_security(security_[listener]);
    c->hold_slot(std::move(a->slot));
    c->start();
  });
}

void server::log_refusal(std::size_t listener, connection_limits::verdict why,
                         const std::string& remote) {
  const auto now = std::chrono::steady_clock::now();
  if (now - last_refusal_log_ < std::chrono::seconds(1)) {
    ++refusals_unlogged_;
    return;
  }
  last_refusal_log_ = now;
  std::string reason;
  switch (why) {
    case connection_limits::verdict::listener_full:
      reason = fmt::format("max_connections {} reached", limits_.listener_max(listener));
      break;
    case connection_limits::verdict::global_full:
      reason = fmt::format("global_max_connections {} reached", limits_.global_max());
      break;
    case connection_limits::verdict::rate_exceeded:
      reason = fmt::format("more than max_connection_rate {}/{}s from this address",
                           limits_.rate().count, limits_.rate().per.count());
      break;
    case connection_limits::verdict::admitted:
      return;
  }
  spdlog::warn(
      "Connection from {} on listener {} refused: {}{}", remote, listener_names_[listener], reason,
      refusals_unlogged_ == 0
          ? std::string()
          : fmt::format(" ({} more refused in the last second, not logged)", refusals_unlogged_));
  refusals_unlogged_ = 0;
}

void server::start_periodic(unsigned worker) {
  // Session expiry, once a second on every worker for the sessions it owns.
  auto& timer =
      *sweep_timers_.emplace_back(std::make_unique<asio::steady_timer>(workers_.context(worker)));
  struct tick {
    server* self;
    asio::steady_timer* timer;
    void operator()(const boost::system::error_code& ec) const {
      if (ec) return;
      self->broker_.expire_sessions(std::chrono::steady_clock::now());
      timer->expires_after(std::chrono::seconds(1));
      timer->async_wait(*this);
    }
  };
  timer.expires_after(std::chrono::seconds(1));
  timer.async_wait(tick{this, &timer});
}

void server::start_deadline_sweep(unsigned worker) {
  // Keep alive and connect timeouts of the worker's connections: one timer
  // per worker, turning the wheel every tick.
  auto& timer = *deadline_timers_.emplace_back(
      std::make_unique<asio::steady_timer>(workers_.context(worker)));
  struct tick {
    server* self;
    asio::steady_timer* timer;
    unsigned worker;
    void operator()(const boost::system::error_code& ec) const {
      if (ec) return;
      self->connections_.advance(worker, std::chrono::steady_clock::now());
      timer->expires_after(connection_set::tick);
      timer->async_wait(*this);
    }
  };
  timer.expires_after(connection_set::tick);
  timer.async_wait(tick{this, &timer, worker});
}

void server::start_sys_timer() {
  const auto interval = broker_.config().sys_interval;
  if (interval.count() <= 0) return;
  struct tick {
    server* self;
    void operator()(const boost::system::error_code& ec) const {
      if (ec) return;
      self->sys_.publish(std::chrono::steady_clock::now());
      self->sys_timer_->expires_after(self->broker_.config().sys_interval);
      self->sys_timer_->async_wait(*this);
    }
  };
  // First publication right away so $SYS exists from the start.
  sys_timer_->expires_after(std::chrono::milliseconds(0));
  sys_timer_->async_wait(tick{this});
}

void server::do_wait_reload() {
  reload_signals_->async_wait([this](const boost::system::error_code& ec, int) {
    if (ec) return;
    reload_access_files();
    for (auto& hook : reload_hooks_)
      hook();
    do_wait_reload();
  });
}

void server::reload_access_files() {
  // On worker 0, which stalls for the few milliseconds the files take to
  // read; connections on it wait that long, the others not at all.
  std::vector<broker::access_control*> all;
  if (const auto& access = broker_.config().access) all.push_back(access.get());
  for (const auto& security : security_) {
    if (security && security->access &&
        std::find(all.begin(), all.end(), security->access.get()) == all.end())
      all.push_back(security->access.get());
  }
  if (all.empty()) {
    spdlog::info("SIGHUP: no password_file or acl_file to reload");
    return;
  }
  std::size_t reloaded = 0;
  for (auto* access : all) {
    try {
      access->reload();
      ++reloaded;
    } catch (const std::exception& e) {
      spdlog::error("SIGHUP: {}; the previous password and ACL rules stay in force", e.what());
    }
  }
  if (reloaded == 0) return;
  spdlog::info(
      "SIGHUP: password and ACL files reloaded; clients whose password no longer holds are "
      "disconnected, the others follow the new rules from their next packet or delivery");
  // Each connection is checked on its own worker.
  for (unsigned w = 0; w < workers_.size(); ++w) {
    workers_.post(w, [this, w] {
      for (const auto& c : connections_.all(w))
        c->handler().recheck_credentials();
    });
  }
}

void server::shut_down() {
  for (auto& hook : shut_down_hooks_)
    hook();
  for (auto& a : acceptors_) {
    boost::system::error_code ignored;
    a->close(ignored);
  }
  sys_timer_->cancel();
  reload_signals_->cancel();
  for (unsigned w = 0; w < workers_.size(); ++w) {
    workers_.post(w, [this, w] {
      sweep_timers_[w]->cancel();
      for (const auto& c : connections_.all(w))
        c->shut_down();
    });
  }
}

}  // namespace tern::net
