#pragma once
// One bridge (`connection NAME`): the TCP (or TLS) connection to the remote broker,
// reconnection with backoff across the configured addresses, the in-process
// link to our broker and the `$SYS/broker/connection/ID/state` notices.
// The protocol rules are in relay.hpp and when to connect in
// start_policy.hpp; this class moves bytes and time.
//
// A lazy bridge reads its local session's queue length through the
// broker (count_waiting, on the session's owner worker, posted back here)
// every queue_poll while it waits for the threshold.
//
// Thread: everything runs on the bridge's worker (the io_context given);
// start() and stop() may be called from any thread (they post). Async
// operations hold a shared_ptr, and each remote connection has a number
// so late completions of an old one are ignored.

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#ifdef TERN_WITH_TLS
#include <boost/asio/ssl/stream.hpp>
#endif
#include <boost/asio/steady_timer.hpp>

#include "bridge/backoff.hpp"
#include "bridge/bridge_options.hpp"
#include "bridge/local_link.hpp"
#include "bridge/relay.hpp"
#include "bridge/start_policy.hpp"

namespace tern::broker {
class broker;
}

namespace tern::bridge {

class bridge : public std::enable_shared_from_this<bridge> {
 public:
  bridge(bridge_options options, broker::broker& b, boost::asio::io_context& context,
         unsigned worker);

  void start();
  // Broker shutdown: DISCONNECT both sides, no reconnection.
  void stop();
  // SIGHUP: reads the bridge's certificate files again for the next
  // connection; a file that fails is logged and the previous ones stay.
  void reload_tls();

 private:
  void connect_next();
  void on_resolved(std::uint64_t generation, const boost::system::error_code& ec,
                   const boost::asio::ip::tcp::resolver::results_type& results);
  void on_connected(std::uint64_t generation, const boost::system::error_code& ec);
  // Wakes the worker every few milliseconds while a resolve is pending; see
  // connect_next().
  void poke_while_resolving();
  void start_tls(std::uint64_t generation);
  void on_handshake(std::uint64_t generation, const boost::system::error_code& ec);
  void remote_up();
  // Calls f with the stream of the remote connection: TLS or the socket.
  template <class F>
  void with_stream(F&& f) {
#ifdef TERN_WITH_TLS
    if (options_.tls_context) return f(*tls_);
#endif
    f(socket_);
  }
  void do_read();
  void on_read(std::uint64_t generation, const boost::system::error_code& ec, std::size_t n);
  void do_write();
  void on_write(std::uint64_t generation, const boost::system::error_code& ec);
  void on_local_output();
  // Moves what the relay produced to the socket and the local link, and
  // acts on its events.
  void pump();
  void hand_over_output();
  void arm_timer();
  void link_down();
  // After a failure or a drop: the next attempt (automatic), or the next
  // look at the queue (lazy), after `delay`.
  void schedule_restart(std::chrono::milliseconds delay);
  // Lazy: asks the broker how many messages wait for the local session.
  void look_at_queue();
  void on_queue_count(std::uint64_t generation, std::uint64_t waiting);
  void arm_idle_timer();
  void on_idle_timer(std::uint64_t generation);
  void notify_locally(bool up);
  const remote_address& address() const {
    return options_.addresses[address_index_];
  }

  const bridge_options options_;
  broker::broker& broker_;
  boost::asio::io_context& context_;
  unsigned worker_;
  relay relay_;
  start_policy policy_;
  backoff backoff_;
  boost::asio::ip::tcp::resolver resolver_;
  boost::asio::ip::tcp::socket socket_;
#ifdef TERN_WITH_TLS
  // TLS over socket_, one per connection (options_.tls_context set).
  std::unique_ptr<boost::asio::ssl::stream<boost::asio::ip::tcp::socket&>> tls_;
  // The last SIGHUP's context (null: options_.tls_context), and the one
  // tls_ was made from, kept while tls_ lives whatever a reload brings.
  std::shared_ptr<boost::asio::ssl::context> reloaded_tls_context_, tls_context_in_use_;
  std::string tls_refusal_;  // why the remote's certificate failed verification
#endif
  boost::asio::steady_timer timer_;
  boost::asio::steady_timer restart_timer_;  // next attempt, or next look at the queue
  boost::asio::steady_timer idle_timer_;     // lazy: idle_timeout
  boost::asio::steady_timer resolve_poke_;   // see poke_while_resolving()
  std::shared_ptr<local_link> link_;
  std::array<std::uint8_t, 64 * 1024> read_buffer_{};
  std::vector<std::uint8_t> pending_;  // relay output not yet handed to a write
  std::vector<std::uint8_t> writing_;  // the one write in flight
  std::vector<std::uint8_t> scratch_;
  std::uint64_t generation_ = 0;  // of the current remote connection
  std::size_t address_index_ = 0;
  bool socket_open_ = false;
  bool reading_ = false;
  bool read_paused_ = false;
  bool writing_now_ = false;
  bool was_up_ = false;
  bool idle_closing_ = false;  // lazy: the bridge itself is closing an idle link
  bool stopped_ = false;
  bool resolving_ = false;
};

}  // namespace tern::bridge
