#pragma once
// The client side of one MQTT connection, as a state machine without I/O
// (the counterpart of server_engine, used by bridges).
//
// Theory of operation
// -------------------
// The layer above opens the connection with start(CONNECT), feeds received
// bytes (on_bytes), timer expiries (on_timer) and the peer's close in, and
// takes encoded packets (take_output) and events (take_events) out.
//
// States:  idle --start()--> awaiting_connack --CONNACK 0--> connected
//                                   |  refused / error           |
//                                   +-------------------> closed <+
//
// Packets may be written right behind CONNECT (the server buffers them,
// spec 3.1.4), so publishing and subscribing are allowed from start() on.
//
// Acknowledgements are never automatic: the layer above decides when
// PUBACK/PUBREC (acknowledge_publish), PUBREL (release) and PUBCOMP
// (complete_release) leave. A bridge forwards a message to another broker
// first and acknowledges it only once that broker has it, so nothing it
// acknowledged is lost. For the same reason the caller may choose packet
// ids: a bridge reuses the id the message carried on the other hop, which
// keeps the two sessions' QoS 2 state in step across restarts.
//
// Flow control: QoS 1/2 PUBLISH and PUBREL need can_send_qos(): fewer than
// min(our cap, the server's Receive Maximum) messages in flight
// [MQTT-3.3.4-7]; a PUBLISH above the server's Maximum Packet Size is
// refused [MQTT-3.1.2-24]. Keep alive: a PINGREQ every keep_alive seconds
// [MQTT-3.1.2-23]; no packet from the server within keep_alive after one
// closes the connection (spec 3.1.2.10).
//
// The state (inflight messages, QoS 2 ids received) is a plain value
// (client_session_state): export it when the connection ends and hand it to
// the next engine, which resends it with DUP set once the server says the
// session is present [MQTT-4.4.0-1].
//
// Thread: one thread at a time (its connection's).

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <variant>
#include <vector>

#include "mqtt/codec/packets.hpp"
#include "mqtt/engine/server_engine.hpp"

namespace tern::mqtt {

struct client_inflight {
  enum class phase : std::uint8_t {
    awaiting_puback,   // QoS 1 PUBLISH sent
    awaiting_pubrec,   // QoS 2 PUBLISH sent
    awaiting_release,  // PUBREC received; release() not called yet
    awaiting_pubcomp,  // PUBREL sent
  };
  packet_id id = 0;
  phase state = phase::awaiting_puback;
  publish packet;  // empty payload once PUBREC arrived (spec 4.3.3)
};

struct client_session_state {
  std::vector<client_inflight> outbound;  // in the order first sent
  std::vector<packet_id> inbound_qos2;    // PUBLISH QoS 2 received, PUBCOMP not yet sent
  packet_id last_id = 0;
};

struct client_limits {
  // Largest packet we accept from the server; announced (v5).
  std::uint32_t maximum_packet_size = max_variable_byte_integer + 5;
  // QoS 1/2 messages the server may have unacknowledged towards us (v5).
  std::uint16_t receive_maximum = 65'535;
  // Our own cap on QoS 1/2 messages in flight to the server.
  std::uint16_t max_inflight = 65'535;
  // Time the server gets to answer CONNECT.
  std::chrono::milliseconds connack_timeout{10'000};
};

// Events for the layer above, in order. publish_received (QoS > 0 awaits
// acknowledge_publish), release_received (PUBREL, also for an id this
// engine does not know: awaits complete_release), disconnect_received and close_requested are the
// server engine's types.
struct connack_received {
  connack packet;  // success only; a refusal is a close_requested with its reason
};
// PUBACK, PUBREC or PUBCOMP for a message we sent. After PUBREC with a
// success reason the message awaits release().
struct ack_received {
  packet_type type = packet_type::puback;
  packet_id id = 0;
  reason_code reason = reason_code::success;
};
struct suback_received {
  suback packet;
};
using client_event =
    std::variant<connack_received, publish_received, ack_received, release_received,
                 suback_received, disconnect_received, close_requested>;

enum class send_result : std::uint8_t { sent, window_full, too_large, id_in_use, not_connected };

class client_engine {
 public:
  client_engine(client_limits limits, steady_time now, client_session_state state = {});

  // Writes CONNECT. `private_bridge` sets the top bit of the protocol level
  // (mosquitto's bridge marker, `try_private`), which tells a mosquitto
  // remote not to send our own messages back to us.
  void start(const connect& c, bool private_bridge = false);

  // --- input from the network -------------------------------------------
  void on_bytes(std::span<const std::uint8_t> bytes, steady_time now);
  void on_timer(steady_time now);
  void on_peer_closed();

  // --- requests from the layer above --------------------------------------
  // QoS 1/2: p.id 0 picks a free id; a given id must not be in flight.
  send_result send_publish(publish p);
  bool can_send_qos() const noexcept;
  void subscribe(subscribe s);
  void acknowledge_publish(packet_id id, qos q, reason_code reason = reason_code::success);
  // PUBREL for a QoS 2 message the server acknowledged with PUBREC, or
  // (an id unknown here) one a previous connection got that far with.
  void release(packet_id id);
  // PUBCOMP for a PUBREL the server sent.
  void complete_release(packet_id id);
  void disconnect(reason_code reason = reason_code::normal_disconnection);

  // --- output -------------------------------------------------------------
  void take_output(std::vector<std::uint8_t>& out);
  std::size_t output_size() const noexcept { return out_.size(); }
  bool take_events(std::vector<client_event>& out);
  std::optional<steady_time> next_deadline() const noexcept;

  // --- state --------------------------------------------------------------
  bool is_connected() const noexcept { return phase_ == phase::connected; }
  bool is_closed() const noexcept { return phase_ == phase::closed; }
  protocol_version version() const noexcept { return version_; }
  // The server's limits on what we send (from its v5 CONNACK).
  std::uint16_t server_receive_maximum() const noexcept { return server_receive_maximum_; }
  std::uint32_t server_maximum_packet_size() const noexcept { return server_max_packet_; }
  const client_session_state& state() const noexcept { return state_; }
  client_session_state export_state() && { return std::move(state_); }

 private:
  enum class phase : std::uint8_t { idle, awaiting_connack, connected, closed };

  std::size_t parse(std::span<const std::uint8_t> data);
  void handle_packet(packet&& p);
  void handle_connack(connack&& c);
  void handle_publish(publish&& p);
  void handle_ack(packet_type type, packet_id id, reason_code reason);
  void handle_pubrel(packet_id id);
  void resend_inflight();
  void protocol_violation(reason_code reason);
  void close(reason_code reason);
  void write(const packet& p);
  packet_id allocate_packet_id();
  std::vector<client_inflight>::iterator find_outbound(packet_id id);

  client_limits limits_;
  client_session_state state_;
  phase phase_ = phase::idle;
  protocol_version version_ = protocol_version::v3_1_1;
  std::uint16_t keep_alive_ = 0;
  steady_time started_;
  steady_time now_;  // of the bytes being processed
  steady_time next_ping_;
  std::optional<steady_time> ping_sent_;
  std::uint16_t server_receive_maximum_ = 65'535;
  std::uint32_t server_max_packet_ = 0;  // 0: no limit
  std::vector<packet_id> pending_qos2_;  // QoS 2 received, PUBREC not yet decided
  std::vector<std::uint8_t> in_;
  std::vector<std::uint8_t> out_;
  std::vector<client_event> events_;
};

}  // namespace tern::mqtt
