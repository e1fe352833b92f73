#pragma once
// One bridge's protocol logic without I/O: two client engines, one towards
// the remote broker and one towards our own broker, and the rules that
// pass messages and acknowledgements between them.
//
// Theory of operation
// -------------------
// The bridge is an ordinary client of both brokers. Its local session is
// persistent, so while the remote is away our broker queues what the
// bridge subscribed to, in its session queue and (with persistence) in the
// SQLite store: that queue is the store-and-forward queue, and the bridge
// keeps nothing of its own that a crash could lose.
//
// A message is acknowledged on the hop it came from only once the next hop
// has acknowledged it, and it keeps its packet id across the bridge: a
// message the local broker sent as id 7 goes to the remote as id 7, and
// the other way round. Both sessions then hold the same QoS 2 state under
// the same id, so whatever side restarts resends what is unfinished
// (PUBLISH with DUP, or PUBREL) and the other side recognises it:
//
//   local PUBLISH 7 -> remote PUBLISH 7 ; remote PUBREC 7 -> local PUBREC 7
//   local PUBREL 7  -> remote PUBREL 7  ; remote PUBCOMP 7 -> local PUBCOMP 7
//
// The remote link comes first: on its CONNACK the local session connects,
// announcing the remote's Receive Maximum and Maximum Packet Size as its
// own, so our broker never sends the bridge more than the remote accepts
// and keeps the rest queued. When either link ends, both end; the session
// on each side keeps what is unfinished for the next connection.
//
// A lazy bridge (start_type lazy) primes its local session at start-up,
// before any remote connection: CONNECT (persistent), SUBSCRIBE, and on
// the SUBACK a DISCONNECT, so our broker queues for the offline session
// from then on; the queue's length is what later starts the bridge. While
// priming, whatever our broker sends is neither acknowledged nor passed
// on: it stays in the session for the first real connection.
//
// Loops: local subscriptions use No Local (the bridge's own publications
// never come back to it); remote v5 subscriptions too; 3.1.1 remotes get
// mosquitto's bridge marker (try_private).
//
// Thread: its bridge's worker only.

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "bridge/bridge_options.hpp"
#include "bridge/topic_map.hpp"
#include "mqtt/engine/client_engine.hpp"

namespace tern::bridge {

using steady_time = std::chrono::steady_clock::time_point;

enum class relay_event : std::uint8_t {
  open_local,  // the local session's CONNECT is waiting: connect the local link
  up,          // both links are set up
  down,        // the bridge is down (both links must close); see last_reason()
  primed,      // prime_local() is done: the local session is subscribed; close the link
};

class relay {
 public:
  // `local_receive_maximum`: what our broker accepts in flight from one
  // client, announced to the remote as the bridge's Receive Maximum.
  relay(const bridge_options& options, std::uint16_t local_receive_maximum);

  // --- remote side ---------------------------------------------------------
  // A TCP connection to the remote is open: writes CONNECT.
  void remote_opened(steady_time now);
  void on_remote_bytes(std::span<const std::uint8_t> bytes, steady_time now);
  void on_remote_closed();
  void take_remote_output(std::vector<std::uint8_t>& out) { take(remote_, out); }

  // --- local side ----------------------------------------------------------
  // Lazy start: sets up the persistent local session and its subscriptions
  // with no remote (open_local, then primed once it is done).
  void prime_local(steady_time now);
  void on_local_bytes(std::span<const std::uint8_t> bytes, steady_time now);
  void on_local_closed();
  void take_local_output(std::vector<std::uint8_t>& out) { take(local_, out); }

  // --- both ------------------------------------------------------------------
  void on_timer(steady_time now);
  std::optional<steady_time> next_deadline() const;
  // Ends both links (shutdown): DISCONNECT on each.
  void shut_down();
  // Lazy's idle close: the remote first gets the state notice 0 (a clean
  // DISCONNECT discards the will that would say so), then shut_down().
  void go_idle();
  bool take_events(std::vector<relay_event>& out);
  mqtt::reason_code last_reason() const noexcept { return last_reason_; }
  bool is_up() const noexcept { return up_; }
  // When a message last crossed either way (or the remote connection
  // opened): lazy's idle_timeout counts from here.
  steady_time last_message_at() const noexcept { return last_message_at_; }
  // The connection that just ended was refused for the bridge marker: the
  // next one goes without it (a bridge that starts once still tries that).
  bool marker_just_refused() const noexcept { return tried_private_ && private_refused_; }

 private:
  void process();
  void process_remote(mqtt::client_event& e);
  void process_local(mqtt::client_event& e);
  void process_priming(mqtt::client_event& e);
  void remote_connected(const mqtt::connack& c, steady_time now);
  void from_remote(mqtt::publish&& p);
  void from_local(mqtt::publish&& p);
  bool forward_out(mqtt::publish& p);  // false: the remote window is full
  void flush_outbound();
  void went_down(mqtt::reason_code reason);
  static void take(std::optional<mqtt::client_engine>& e, std::vector<std::uint8_t>& out);
  mqtt::connect remote_connect() const;
  mqtt::publish state_notice(bool up) const;
  mqtt::connect local_connect() const;
  mqtt::connect local_connect(const mqtt::client_engine& remote) const;
  void subscribe_locally();

  const bridge_options& options_;
  topic_map topics_;
  std::uint16_t local_receive_maximum_;
  std::optional<mqtt::client_engine> remote_;
  std::optional<mqtt::client_engine> local_;
  steady_time now_{};
  steady_time last_message_at_{};
  bool up_ = false;
  bool priming_ = false;
  bool down_reported_ = true;
  // The remote refused mosquitto's bridge marker once: not tried again.
  bool private_refused_ = false;
  bool tried_private_ = false;
  // Local messages held while the remote window is full, or until the
  // remote's SUBACK frees the packet id our SUBSCRIBE used.
  std::deque<mqtt::publish> outbound_;
  std::optional<mqtt::packet_id> remote_subscribe_id_;
  // Remote QoS 2 ids passed to our broker and not yet completed there; if
  // the remote forgets its session they are released locally, or our
  // broker would take the remote's next message under such an id for a
  // resend. In memory only (see README, bridges).
  std::vector<mqtt::packet_id> inbound_open_;
  std::vector<mqtt::packet_id> orphans_;
  std::vector<relay_event> events_;
  mqtt::reason_code last_reason_ = mqtt::reason_code::success;
};

}  // namespace tern::bridge
