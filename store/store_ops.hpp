#pragma once
// What the broker tells its store, one event at a time (STYLE.md section 5),
// and what the store gives back at start-up.
//
// Sessions are keyed by the broker's session number, deliveries by that
// number and the session's delivery sequence, messages by
// application_message::id. Numbers are unique among what is stored; after a
// restart the broker continues above the highest one still stored (rows of
// removed sessions and messages are gone by then, so nothing refers to a
// number that is handed out again). Only persistent sessions
// are stored: one that ends with its connection has nothing to resume.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "mqtt/codec/packets.hpp"
#include "mqtt/engine/message.hpp"

namespace tern::store {

using wall_time = std::chrono::system_clock::time_point;

struct session_record {
  std::uint64_t id = 0;
  std::string client_id;
  mqtt::protocol_version version = mqtt::protocol_version::v3_1_1;
  std::uint32_t expiry_interval = 0;  // seconds; 0xFFFFFFFF never
  // When its last connection closed; empty while connected (a crash then
  // counts the expiry from the restart).
  std::optional<wall_time> disconnected_at;
};

struct put_session {
  session_record session;
};
// Removes the session with its subscriptions, deliveries, QoS 2 ids and will.
struct remove_session {
  std::uint64_t session_id = 0;
};

struct put_subscription {
  std::uint64_t session_id = 0;
  std::string filter;
  mqtt::subscription_options options;
  std::uint32_t identifier = 0;
};
struct remove_subscription {
  std::uint64_t session_id = 0;
  std::string filter;
};

// A QoS 1/2 delivery the session holds: queued, or sent and not completed.
// The message is written once, with its first reference.
struct put_delivery {
  std::uint64_t session_id = 0;
  mqtt::delivery delivery;  // store_seq set, message id set
};
// A QoS 2 delivery went out under `packet_id` (PUBLISH sent) or the client
// acknowledged it with PUBREC (`released`): after a restart it is resent
// under the same id, as PUBLISH with DUP or as PUBREL [MQTT-4.4.0-1].
struct mark_delivery_sent {
  std::uint64_t session_id = 0;
  std::uint64_t seq = 0;
  mqtt::packet_id packet_id = 0;
  bool released = false;
};
struct remove_delivery {
  std::uint64_t session_id = 0;
  std::uint64_t seq = 0;
};

// QoS 2 packet ids received (PUBREC sent) and not yet released by PUBREL.
struct put_inbound_qos2 {
  std::uint64_t session_id = 0;
  mqtt::packet_id packet_id = 0;
};
struct remove_inbound_qos2 {
  std::uint64_t session_id = 0;
  mqtt::packet_id packet_id = 0;
};

struct put_retained {
  mqtt::message_ptr message;  // topic from the message; id set
};
struct remove_retained {
  std::string topic;
};

// A will waiting for its Will Delay Interval after the connection closed.
struct put_will {
  std::uint64_t session_id = 0;
  mqtt::will_message will;
  wall_time due;
};
struct remove_will {
  std::uint64_t session_id = 0;
};

// --- reading back ----------------------------------------------------------------

struct restored_delivery {
  std::uint64_t session_id = 0;
  mqtt::delivery delivery;        // store_seq set
  mqtt::packet_id packet_id = 0;  // 0: queued, not sent (or QoS 1: sent anew)
  bool released = false;          // PUBREC received: resend PUBREL
};

// Reads up to `limit` of a session's deliveries waiting to be sent, from
// sequence `from_seq` on, once every event submitted before has been
// written; `done` runs on the store's thread with them in order (fewer
// than `limit`: there are no more).
struct load_deliveries {
  std::uint64_t session_id = 0;
  std::uint64_t from_seq = 0;
  std::uint32_t limit = 0;
  std::function<void(std::vector<restored_delivery>&&)> done;
};

// Reads messages by id (retained ones a subscription matched), once every
// event submitted before has been written; `done` runs on the store's
// thread with one entry per id, in order, null where the store has none.
struct load_messages {
  std::vector<std::uint64_t> ids;
  std::function<void(std::vector<mqtt::message_ptr>&&)> done;
};

using store_op = std::variant<put_session, remove_session, put_subscription, remove_subscription,
                              put_delivery, mark_delivery_sent, remove_delivery, put_inbound_qos2,
                              remove_inbound_qos2, put_retained, remove_retained, put_will,
                              remove_will, load_deliveries, load_messages>;

// --- restore ---------------------------------------------------------------------

// A session's deliveries waiting to be sent: they stay on disk until the
// session is resumed (load_deliveries).
struct queued_count {
  std::uint64_t session_id = 0;
  std::uint64_t count = 0;
  std::uint64_t bytes = 0;    // of their stored encoding: close to the payload bytes
  std::uint64_t max_seq = 0;  // the session numbers new deliveries above it
};

// A retained message by topic and id: its body stays on disk until a
// subscription matches it (load_messages).
struct retained_ref {
  std::string topic;
  std::uint64_t message_id = 0;
};

struct restored_will {
  std::uint64_t session_id = 0;
  mqtt::will_message will;
  wall_time due;
};

// Everything the store holds, in the order the broker rebuilds it.
struct restored_state {
  std::vector<session_record> sessions;
  std::vector<put_subscription> subscriptions;
  // Sent under a packet id (QoS 2 inflight), per session in delivery order.
  std::vector<restored_delivery> deliveries;
  std::vector<queued_count> queued;
  std::vector<put_inbound_qos2> inbound_qos2;
  std::vector<retained_ref> retained;
  std::vector<restored_will> wills;
  std::uint64_t max_session_id = 0;
  std::uint64_t max_message_id = 0;
};

}  // namespace tern::store
