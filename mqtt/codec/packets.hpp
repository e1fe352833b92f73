#pragma once
// The fifteen MQTT control packets as plain values (spec chapter 3).
//
// One struct per packet type; PUBACK/PUBREC/PUBREL/PUBCOMP share a layout
// but are distinct types so a std::variant can tell them apart. Fields that
// a protocol version lacks keep their defaults (e.g. reason codes are
// success and properties empty in 3.1.1), and the encoder leaves them out.

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "mqtt/codec/properties.hpp"
#include "mqtt/codec/reason_code.hpp"
#include "mqtt/codec/shared_bytes.hpp"
#include "mqtt/codec/types.hpp"

namespace tern::mqtt {

struct will_message {
  std::string topic;
  shared_bytes payload;
  mqtt::qos qos = qos::at_most_once;
  bool retain = false;
  will_properties properties;

  bool operator==(const will_message&) const = default;
};

struct connect {
  protocol_version version = protocol_version::v3_1_1;
  bool clean_start = true;  // "clean session" before 5.0
  std::uint16_t keep_alive = 0;
  std::string client_id;
  std::optional<will_message> will;
  std::optional<std::string> username;
  std::optional<std::string> password;  // binary data
  connect_properties properties;
  // mosquitto's bridge marker (its bridges' `try_private`): the top bit of
  // a 3.1 / 3.1.1 protocol level, saying the client is another broker.
  bool bridge = false;

  bool operator==(const connect&) const = default;
};

struct connack {
  bool session_present = false;
  // v5 reason code; for 3.1/3.1.1 it is mapped to a return code on encode
  // (to_connack_return_code) and back on decode.
  reason_code reason = reason_code::success;
  connack_properties properties;

  bool operator==(const connack&) const = default;
};

struct publish {
  std::string topic;  // may be empty in v5 when a topic alias is set
  packet_id id = 0;   // present only for QoS 1 and 2
  mqtt::qos qos = qos::at_most_once;
  bool retain = false;
  bool dup = false;
  shared_bytes payload;
  publish_properties properties;

  bool operator==(const publish&) const = default;
};

// PUBACK, PUBREC, PUBREL and PUBCOMP (spec 3.4 - 3.7). In v5 the reason
// code and properties may be omitted on the wire when they are success and
// empty; the encoder does so.
template <packet_type Type>
struct publish_response {
  static constexpr packet_type type = Type;
  packet_id id = 0;
  reason_code reason = reason_code::success;
  ack_properties properties;

  bool operator==(const publish_response&) const = default;
};
using puback = publish_response<packet_type::puback>;
using pubrec = publish_response<packet_type::pubrec>;
using pubrel = publish_response<packet_type::pubrel>;
using pubcomp = publish_response<packet_type::pubcomp>;

struct subscription_options {
  mqtt::qos max_qos = qos::at_most_once;
  bool no_local = false;             // v5
  bool retain_as_published = false;  // v5
  std::uint8_t retain_handling = 0;  // v5: 0 send, 1 send if new, 2 don't send

  bool operator==(const subscription_options&) const = default;
};

struct subscription {
  std::string filter;
  subscription_options options;

  bool operator==(const subscription&) const = default;
};

struct subscribe {
  packet_id id = 0;
  std::vector<subscription> entries;  // at least one [MQTT-3.8.3-3]
  subscribe_properties properties;

  bool operator==(const subscribe&) const = default;
};

struct suback {
  packet_id id = 0;
  // One per requested filter; in 3.1.1 only granted QoS 0/1/2 and 0x80.
  std::vector<reason_code> reasons;
  ack_properties properties;

  bool operator==(const suback&) const = default;
};

struct unsubscribe {
  packet_id id = 0;
  std::vector<std::string> filters;  // at least one [MQTT-3.10.3-2]
  unsubscribe_properties properties;

  bool operator==(const unsubscribe&) const = default;
};

struct unsuback {
  packet_id id = 0;
  std::vector<reason_code> reasons;  // v5 only; empty in 3.1.1
  ack_properties properties;

  bool operator==(const unsuback&) const = default;
};

struct pingreq {
  bool operator==(const pingreq&) const = default;
};
struct pingresp {
  bool operator==(const pingresp&) const = default;
};

struct disconnect {
  reason_code reason = reason_code::normal_disconnection;
  disconnect_properties properties;

  bool operator==(const disconnect&) const = default;
};

struct auth {
  reason_code reason = reason_code::success;
  auth_properties properties;

  bool operator==(const auth&) const = default;
};

using packet = std::variant<connect, connack, publish, puback, pubrec, pubrel, pubcomp, subscribe,
                            suback, unsubscribe, unsuback, pingreq, pingresp, disconnect, auth>;

packet_type type_of(const packet& p) noexcept;

// A will as the PUBLISH it becomes [MQTT-3.1.2-8] (Will Delay Interval,
// which only says when, is left out), and back (the store keeps delayed
// wills in PUBLISH form).
publish will_to_publish(will_message&& will);
will_message publish_to_will(publish&& p);

}  // namespace tern::mqtt
