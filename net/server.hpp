#pragma once
// The running broker: worker threads, TCP listeners, periodic work
// ($SYS, session expiry), graceful shutdown on SIGINT/SIGTERM and a reload
// of the password and ACL files on SIGHUP.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include "net/connection.hpp"
#include "net/connection_limits.hpp"
#include "net/connection_set.hpp"
#include "net/io_workers.hpp"
#include "session/broker.hpp"
#include "session/listener_security.hpp"
#include "session/sys_topics.hpp"

namespace tern::net {

// Makes the connection for a socket a listener accepted (on `worker`): how
// each listener speaks (TLS, WebSocket) is decided here.
using connection_factory = std::function<std::shared_ptr<connection>(
    accepted_socket socket, broker::broker& b, unsigned worker, connection_set& set)>;

struct listen_endpoint {
  std::string address;  // empty: every address
  std::uint16_t port = 1883;
  // Empty: plain MQTT over TCP. Whatever it makes is given `security` and
  // its connection slot by the server before start().
  connection_factory make_connection;
  std::size_t max_connections = 0;  // 0: no limit
  // per_listener_settings: this listener's allow_anonymous, password and
  // ACL files (reloaded on SIGHUP); null: the broker-wide ones.
  std::shared_ptr<const broker::listener_security> security;
};

class server {
 public:
  // Rebuilds the broker from `restored` (what `store` held at start-up;
  // `store` null: persistence off, else it must outlive the server), then
  // binds every endpoint (throws std::system_error naming the address on
  // failure, e.g. port in use).
  server(broker::broker_config config, const std::vector<listen_endpoint>& endpoints,
         unsigned threads, store::durable_store* store = nullptr,
         store::restored_state restored = {});
  ~server();

  // Serves until SIGINT or SIGTERM, then drains and returns.
  void run();
  // The ports actually bound (port 0 in the config picks a free one).
  std::vector<std::uint16_t> bound_ports() const;

  // For what runs beside the listeners (bridges): the broker core, the
  // workers, and work to start on SIGINT/SIGTERM (called on worker 0, before
  // the connections are told to close).
  broker::broker& core() noexcept { return broker_; }
  io_workers& workers() noexcept { return workers_; }
  void on_shut_down(std::function<void()> fn) { shut_down_hooks_.push_back(std::move(fn)); }
  // Work to do on SIGHUP (reload certificates, reopen log files, ...), on
  // worker 0 after the password and ACL files are reloaded.
  void on_reload(std::function<void()> fn) { reload_hooks_.push_back(std::move(fn)); }
  // global_max_connections (0: none) and max_connection_rate; before run().
  void limit_connections(std::size_t global_max, connection_rate per_host) {
    limits_.set_global(global_max, per_host);
  }
  // The $SYS figures as they are now (any thread): for /metrics.
  broker::sys_figures figures() {
    return broker::collect_figures(broker_, store_, sys_.started(),
                                   std::chrono::steady_clock::now());
  }

 private:
  void do_accept(std::size_t listener);
  // On worker 0: starts the connection on `worker`, or closes the socket
  // at once when a connection limit refuses it.
  void on_accepted(std::size_t listener, unsigned worker, accepted_socket socket);
  void log_refusal(std::size_t listener, connection_limits::verdict why, const std::string& remote);
  void start_periodic(unsigned worker);
  void start_deadline_sweep(unsigned worker);
  void start_sys_timer();
  void shut_down();
  void do_wait_reload();
  void reload_access_files();

  io_workers workers_;
  connection_set connections_;
  broker::broker broker_;
  broker::sys_topics sys_;
  const store::durable_store* store_;
  std::vector<std::unique_ptr<boost::asio::ip::tcp::acceptor>> acceptors_;
  std::vector<connection_factory> factories_;                               // per acceptor
  std::vector<std::shared_ptr<const broker::listener_security>> security_;  // per acceptor
  std::vector<std::string> listener_names_;                                 // per acceptor
  connection_limits limits_;
  // Refusals are logged at most once a second (a flood would fill the log).
  std::chrono::steady_clock::time_point last_refusal_log_{};
  std::size_t refusals_unlogged_ = 0;
  std::vector<std::unique_ptr<boost::asio::steady_timer>> sweep_timers_;
  std::vector<std::unique_ptr<boost::asio::steady_timer>> deadline_timers_;
  std::unique_ptr<boost::asio::steady_timer> sys_timer_;
  std::unique_ptr<boost::asio::signal_set> signals_;
  std::unique_ptr<boost::asio::signal_set> reload_signals_;
  std::vector<std::function<void()>> shut_down_hooks_;
  std::vector<std::function<void()>> reload_hooks_;
};

}  // namespace tern::net
