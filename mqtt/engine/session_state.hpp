#pragma once
// The part of an MQTT session that the protocol engine works on, as plain
// values so the session layer can keep it across connections and the store
// can persist it (spec 4.1: the session state in the server).

#include <cstdint>
#include <vector>

#include "mqtt/engine/message.hpp"

namespace tern::mqtt {

// A QoS 1 or 2 message sent to the client and not yet completed.
struct outbound_inflight {
  enum class phase : std::uint8_t {
    awaiting_puback,   // QoS 1 PUBLISH sent
    awaiting_pubrec,   // QoS 2 PUBLISH sent
    awaiting_pubcomp,  // QoS 2 PUBREL sent
  };
  packet_id id = 0;
  phase state = phase::awaiting_puback;
  mqtt::delivery delivery;
};

struct session_state {
  // In the order they were first sent; resent in that order with DUP set
  // when the session resumes [MQTT-4.4.0-1], [MQTT-4.6.0-1].
  std::vector<outbound_inflight> outbound;
  // QoS 2 packet ids received and answered with PUBREC, waiting for PUBREL:
  // a PUBLISH with one of these ids is not delivered again [MQTT-4.3.3-10].
  std::vector<packet_id> inbound_qos2;
  packet_id last_id = 0;  // the last packet id handed out for outbound
};

}  // namespace tern::mqtt
