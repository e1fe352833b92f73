#pragma once
// The server side of one MQTT connection, as a state machine without I/O.
//
// Theory of operation
// -------------------
// The network layer feeds received bytes (on_bytes()), timer expiries (on_timer) and the peer's
// close (on_peer closed) in; the engine appends encoded packets to its output buffer (take_output)
// and raises events (take_events) for the layer above to act on. That layer answers through plain
// calls: accept()/reject() a CONNECT, acknowledge_publish() once a message is routed (and, with
// persistence, stored: the PUBACK/PUBREC waits for it), send_suback(), send_publish()...
//
// States:  awaiting_connect --CONNECT--> authorizing --accept()--> connected
//                 |                   continue_ |  ^ AUTH                 |
//                 |              authentication v  |                      |
//                 |                         authenticating                |
//                 |                          |reject()                    |
//                 +------ protocol error ----+---------------------> closed <-+
//
// - awaiting_connect: the first packet must be CONNECT [MQTT-3.1.0-1];
//   anything else closes the connection. A CONNECT that fails to decode is
//   answered with a CONNACK carrying the reason when the version is known.
// - authorizing: the CONNECT was raised as connect_requested; further
//   input is buffered, not parsed, until accept() (pipelining clients send
//   SUBSCRIBE right behind CONNECT) or reject().
// - authenticating (MQTT 5 enhanced authentication, spec 4.12): the broker
//   answered the CONNECT's Authentication Method with AUTH 0x18; input is
//   decoded again, and only AUTH 0x18 (raised as auth_received, back to
//   authorizing) or DISCONNECT may come [MQTT-3.1.2-30]. Once connected,
//   AUTH 0x19 starts a re-authentication the same way (raised, answered with
//   continue_authentication() and finally finish_reauthentication(), or a
//   DISCONNECT [MQTT-4.12.1-2]) while other packets go on. An AUTH from a
//   client that named no method, or another method, is a protocol error.
// - connected: packets are decoded as they complete. A second CONNECT is a
//   protocol error [MQTT-3.1.0-2]. Any decode error closes the connection,
//   after a DISCONNECT with the reason for v5 clients [MQTT-4.13.1-1].
// - closed: nothing is read or written any more; the close_requested event
//   says why and whether the will must be published.
//
// The session_state given to accept() belongs to the session (it outlives
// this connection): the engine keeps its QoS 1/2 windows there, so when the
// connection ends the session keeps exactly what is unacknowledged.
//
// Thread: an engine is used by one thread at a time (its connection's).

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

#include "mqtt/codec/decoder.hpp"
#include "mqtt/codec/encoder.hpp"
#include "mqtt/codec/packets.hpp"
#include "mqtt/engine/publish_rate.hpp"
#include "mqtt/engine/session_state.hpp"
#include "mqtt/engine/topic_alias_map.hpp"

namespace tern::mqtt {

using steady_time = std::chrono::steady_clock::time_point;

struct engine_limits {
  // Largest packet we accept (fixed header included); announced to v5
  // clients as Maximum Packet Size.
  std::uint32_t maximum_packet_size = 268'435'460;
  // QoS 1/2 publications a client may have unacknowledged towards us;
  // announced as Receive Maximum, 0x93 when exceeded [MQTT-3.3.4-9].
  std::uint16_t receive_maximum = 65'535;
  // Our own cap on QoS 1/2 messages in flight to a client; the client's
  // Receive Maximum lowers it further [MQTT-3.3.4-7].
  std::uint16_t max_inflight = 20;
  // Topic aliases a v5 client may use towards us.
  std::uint16_t topic_alias_maximum = 10;
  // Topic aliases we set up towards a v5 client, at most as many as its
  // own Topic Alias Maximum allows; 0 never sends aliases.
  std::uint16_t outbound_topic_aliases = 10;
  // Time a new connection gets to send CONNECT.
  std::chrono::milliseconds connect_timeout{10'000};
  // Highest QoS accepted in PUBLISH and granted in SUBACK (max_qos); below 2
  // it is announced as Maximum QoS [MQTT-3.2.2-9].
  qos maximum_qos = qos::exactly_once;
  // Features a v5 client is told about in CONNACK when they are off (absent
  // means available, spec 3.2.2.3.5 and 3.2.2.3.11-13); using one that is
  // off is a protocol error with the feature's reason code.
  bool retain_available = true;
  bool wildcard_subscription_available = true;
  bool subscription_identifier_available = true;
  bool shared_subscription_available = true;
  // PUBLISH packets per second a client may send (max_publish_rate); past
  // it the rest of its input waits unparsed (see publish_rate.hpp). 0: none.
  std::uint32_t max_publish_rate = 0;
  // Levels a topic name or filter may have (max_topic_levels, tern): a
  // deeper PUBLISH gets DISCONNECT 0x90 (3.1.1: closed), a deeper will
  // CONNACK 0x90 (3.1.1: closed), a deeper filter SUBACK 0x8F (3.1.1:
  // 0x80). The trie has a node per level: this bounds the work and memory
  // one topic can cost. 0: no limit.
  std::uint32_t max_topic_levels = 200;
};

// Events raised for the layer above, in the order they happened.
struct connect_requested {
  // Boxed: a CONNECT is twice the size of any other event, and every event
  // takes the variant's size in the buffers a read fills.
  std::unique_ptr<mqtt::connect> packet;
};
struct publish_received {
  mqtt::publish packet;  // topic alias already resolved; QoS > 0 awaits acknowledge_publish()
};
struct subscribe_requested {
  mqtt::subscribe packet;  // answer with send_suback()
  // Per entry, a failure the SUBACK must carry: a feature that is off (3.1.1
  // only; a v5 client is disconnected instead) or a filter deeper than
  // max_topic_levels (both versions); empty when none.
  std::vector<reason_code> refused;
};
struct unsubscribe_requested {
  mqtt::unsubscribe packet;  // answer with send_unsuback()
};
// A QoS 1/2 message to the client finished (PUBACK or PUBCOMP received, or
// PUBREC with a failure reason): the window has room again.
struct delivery_completed {
  mqtt::delivery delivery;
};
// The client has a QoS 2 message we sent (PUBREC) and PUBREL is written:
// from here on only PUBREL may be resent, never the PUBLISH (spec 4.3.3).
// A durable session records the change before the PUBREL leaves.
struct delivery_received {
  packet_id id = 0;
  std::uint64_t store_seq = 0;
};
// The client released a QoS 2 message (PUBREL) and PUBCOMP is written:
// its packet id may carry a new message now [MQTT-4.3.3-10].
struct release_received {
  packet_id id = 0;
};
// MQTT 5 enhanced authentication: the client's next step (AUTH 0x18, or
// 0x19 to re-authenticate), its method already checked against CONNECT's.
struct auth_received {
  mqtt::auth packet;
};
struct disconnect_received {
  mqtt::disconnect packet;
};
struct close_requested {
  reason_code reason = reason_code::normal_disconnection;
  bool publish_will = false;  // false only after a DISCONNECT without will [MQTT-3.1.2-10]
};
using engine_event =
    std::variant<connect_requested, publish_received, subscribe_requested, unsubscribe_requested,
                 delivery_completed, delivery_received, release_received, auth_received,
                 disconnect_received, close_requested>;

class server_engine {
 public:
  // `limits` are borrowed, not copied (every connection of a broker shares
  // one set; 40 bytes each otherwise): they must outlive the engine.
  server_engine(const engine_limits& limits, steady_time now);
  server_engine(engine_limits&&, steady_time) = delete;

  // --- input from the network -------------------------------------------
  // Processes received bytes in place; only an incomplete trailing packet
  // is copied into the engine's own buffer (the usual path: the network
  // layer reads into one buffer per worker, shared by its connections).
  void on_bytes(std::span<const std::uint8_t> bytes, steady_time now);
  // Keep alive and connect timeout; call at or after next_deadline().
  void on_timer(steady_time now);
  void on_peer_closed();

  // --- answers and requests from the broker -------------------------------
  // Completes the CONNECT: writes CONNACK (with `properties` for v5) and
  // resends what `state` holds unacknowledged. `state` must outlive the
  // engine or be released by detach_session() first.
  void accept(session_state& state, bool session_present, connack_properties properties);
  // Enhanced authentication: AUTH 0x18 with the CONNECT's method and
  // `data`; during CONNECT the engine then waits for the client's AUTH.
  void continue_authentication(std::string data);
  // A re-authentication succeeded: AUTH 0x00 with `data`.
  void finish_reauthentication(std::string data);
  // The CONNECT's Authentication Method (v5), or null.
  const std::string* authentication_method() const noexcept {
    return occasional_ && !occasional_->auth_method.empty() ? &occasional_->auth_method : nullptr;
  }
  // Refuses the CONNECT with `reason` (mapped for 3.1.1) and closes.
  void reject(reason_code reason, connack_properties properties = {});
  // `why` becomes the v5 Reason String of a failure (see write()).
  void acknowledge_publish(packet_id id, qos q, reason_code reason = reason_code::success,
                           std::string why = {});
  void send_suback(suback packet);
  void send_unsuback(unsuback packet);
  // Sends a delivery. QoS 0 always goes out; QoS 1/2 need can_send_qos()
  // (the caller queues otherwise). Returns false when the message is larger
  // than the client's Maximum Packet Size and was dropped [MQTT-3.1.2-25].
  bool send_publish(delivery d);
  bool can_send_qos() const noexcept;
  // Server-initiated close: a DISCONNECT with `reason` (and `why` as its
  // Reason String) for v5 clients.
  void disconnect(reason_code reason, std::string why = {});
  // Forgets the session_state (the connection is going away or the session
  // was taken over); inflight entries stay in it for the next connection.
  void detach_session() noexcept {
    state_ = nullptr;
    phase_ = phase::closed;
  }

  // --- output -------------------------------------------------------------
  // Swaps the pending output into `out` (which should be empty).
  void take_output(std::vector<std::uint8_t>& out);
  std::size_t output_size() const noexcept { return out_.size(); }
  // Whether the pending output holds more than QoS 0 PUBLISHes: anything a
  // client waits for (CONNACK, acknowledgements, QoS 1/2 messages, whose
  // windows pace the traffic) must go out at once, while QoS 0 messages
  // may wait a moment to share a write with the next ones.
  bool output_urgent() const noexcept { return urgent_output_; }
  // True when the last on_bytes() handled only QoS 0 PUBLISHes (at least
  // one): nothing in it awaits an answer, so the network layer may let this
  // client's next input wait a moment to share a wake-up with others'.
  bool input_may_wait() const noexcept {
    return phase_ == phase::connected && input_seen_.qos0_publish && !input_seen_.other;
  }
  // When input last arrived (on_bytes()).
  steady_time last_received() const noexcept { return last_received_; }
  // Swaps the pending events into `out` (cleared first); false, and no
  // swap, when there are none.
  bool take_events(std::vector<engine_event>& out);
  // Hands `events`, taken with take_events() and handled, back for reuse:
  // the next on_bytes() on this thread raises its events into that storage,
  // so a busy worker neither allocates nor regrows an event buffer for
  // every read, while a connection between reads still keeps none.
  static void recycle_events(std::vector<engine_event>&& events);
  std::optional<steady_time> next_deadline() const noexcept;

  // --- state --------------------------------------------------------------
  bool is_connected() const noexcept { return phase_ == phase::connected; }
  bool is_closed() const noexcept { return phase_ == phase::closed; }
  // Over max_publish_rate: input waits until next_deadline(); the network
  // layer should stop reading meanwhile (TCP backpressure).
  bool input_throttled() const noexcept { return occasional_ && occasional_->throttled; }
  protocol_version version() const noexcept { return version_; }
  std::uint16_t keep_alive() const noexcept { return keep_alive_; }
  // The broker imposes its own keep alive (v5 Server Keep Alive, which the
  // broker announces in CONNACK [MQTT-3.2.2-21]); call before accept().
  void set_keep_alive(std::uint16_t seconds) noexcept { keep_alive_ = seconds; }

 private:
  enum class phase : std::uint8_t {
    awaiting_connect,
    authorizing,
    authenticating,
    connected,
    closed
  };

  void append_input(std::span<const std::uint8_t> bytes);
  void process_buffered(steady_time now);
  // Decodes and handles the complete packets at the start of `data`;
  // returns how many bytes it used.
  std::size_t parse(std::span<const std::uint8_t> data, steady_time now);
  // max_publish_rate: false when this PUBLISH must wait (input throttled).
  bool publish_allowed(steady_time now);
  void refuse_connect(reason_code reason, std::span<const std::uint8_t> body);
  void handle_packet(packet&& p);
  void handle_connect(connect&& c);
  void handle_publish(publish&& p);
  void handle_puback(packet_id id);
  void handle_pubrec(const pubrec& p);
  void handle_pubrel(packet_id id);
  void handle_pubcomp(packet_id id);
  void handle_subscribe(subscribe&& s);
  void handle_unsubscribe(unsubscribe&& u);
  void handle_disconnect(mqtt::disconnect&& d);
  void handle_auth(mqtt::auth&& a);
  // A SUBSCRIBE entry that uses a feature we do not offer: its reason code.
  std::optional<reason_code> unavailable_feature(const subscription& entry) const;
  // Deeper than max_topic_levels; `filter` without its `$share/{group}/`.
  bool too_deep(std::string_view topic) const noexcept;
  std::string too_deep_text(std::string_view what) const;
  void protocol_violation(reason_code reason, std::string why = {});
  void close(reason_code reason, bool publish_will);
  void resend_inflight();
  bool write_publish(const outbound_inflight& entry, bool dup);
  // False, writing nothing, when it exceeds the client's Maximum Packet Size.
  bool write_within_client_limit(const publish& base, const publish_delivery& how);
  packet_id allocate_packet_id();
  std::vector<outbound_inflight>::iterator find_outbound(packet_id id);

  void write(packet&& p);
  void reserve_output();
  // Drops Reason String and User Properties the client must not get.
  void limit_diagnostics(packet& p) const;

  // Receive Maximum and the inflight cap, 0 read as 65,535 (no limit).
  std::uint16_t receive_maximum() const noexcept {
    return limits_->receive_maximum != 0 ? limits_->receive_maximum : 65'535;
  }
  std::uint16_t max_inflight() const noexcept {
    return limits_->max_inflight != 0 ? limits_->max_inflight : 65'535;
  }

  // Small fields first and grouped, so they pack without padding (an
  // engine lives as long as its connection, idle or not).
  const engine_limits* limits_;
  phase phase_ = phase::awaiting_connect;
  protocol_version version_ = protocol_version::v5;
  std::uint16_t keep_alive_ = 0;
  // The client's limits on what we send (v5 CONNECT properties).
  std::uint16_t client_receive_maximum_ = 65'535;
  // Aliases we give topics on this connection (v5), never more than this
  // many; first come, first served, kept for the connection's life.
  std::uint16_t outbound_alias_limit_ = 0;
  std::uint32_t client_maximum_packet_size_ = 0;  // 0: no limit
  std::uint32_t inbound_unacknowledged_ = 0;      // QoS 1/2 received, not yet answered
  // v5 Request Problem Information: 0 means no Reason String or User
  // Property on anything but PUBLISH, CONNACK and DISCONNECT [MQTT-3.1.2-29].
  bool problem_information_ = true;
  bool session_expiry_was_zero_ = true;
  bool urgent_output_ = false;
  // What the last on_bytes() handled, for input_may_wait().
  struct {
    bool qos0_publish = false;
    bool other = false;
  } input_seen_;
  steady_time last_received_;
  steady_time connected_at_;

  session_state* state_ = nullptr;

  // What many connections never need, boxed so that an idle connection
  // (most of them, on a gateway) does not carry it: created on first use
  // and kept for the connection's life.
  struct occasional_state {
    std::unordered_map<std::string, std::uint16_t> outbound_aliases;
    topic_alias_map inbound_aliases;
    std::vector<packet_id> pending_qos2;  // QoS 2 received, PUBREC not yet decided
    // Arrived while their id was pending: a copy of the PUBLISH (each gets
    // its PUBREC), or the PUBREL (answered after the PUBREC, not before).
    std::vector<packet_id> repeated_qos2;
    std::vector<packet_id> released_early;
    std::vector<std::uint8_t> in;      // an incomplete packet (or pipelined input)
    std::size_t in_begin = 0;          // first unparsed byte of in
    std::string auth_method;           // the CONNECT's Authentication Method
    bool reauthenticating = false;     // AUTH 0x19 received, not yet finished
    std::optional<publish_rate> rate;  // max_publish_rate, from the first PUBLISH
    steady_time throttled_until{};
    bool throttled = false;
  };
  occasional_state& occasional();
  bool has_buffered_input() const noexcept {
    return occasional_ && occasional_->in_begin != occasional_->in.size();
  }
  std::unique_ptr<occasional_state> occasional_;

  std::vector<std::uint8_t> out_;
  std::vector<engine_event> events_;
  // This thread's storage for recycle_events().
  static std::vector<engine_event>& spare_events();
};

}  // namespace tern::mqtt
