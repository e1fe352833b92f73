#pragma once
// MQTT 5 properties (spec 2.2.2), one struct per packet family.
//
// Each packet type admits only some property identifiers; a struct per
// family makes an inadmissible property unrepresentable and keeps a stored
// message small (a PUBLISH carries only publish_properties). Absent
// properties are empty optionals. In 3.1/3.1.1 every struct stays empty.

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "mqtt/codec/types.hpp"

namespace tern::mqtt {

// Property identifiers (spec 2.2.2.2, table 2-4).
enum class property_id : std::uint8_t {
  payload_format_indicator = 0x01,
  message_expiry_interval = 0x02,
  content_type = 0x03,
  response_topic = 0x08,
  correlation_data = 0x09,
  subscription_identifier = 0x0B,
  session_expiry_interval = 0x11,
  assigned_client_identifier = 0x12,
  server_keep_alive = 0x13,
  authentication_method = 0x15,
  authentication_data = 0x16,
  request_problem_information = 0x17,
  will_delay_interval = 0x18,
  request_response_information = 0x19,
  response_information = 0x1A,
  server_reference = 0x1C,
  reason_string = 0x1F,
  receive_maximum = 0x21,
  topic_alias_maximum = 0x22,
  topic_alias = 0x23,
  maximum_qos = 0x24,
  retain_available = 0x25,
  user_property = 0x26,
  maximum_packet_size = 0x27,
  wildcard_subscription_available = 0x28,
  subscription_identifier_available = 0x29,
  shared_subscription_available = 0x2A,
};

// Binary Data properties (correlation data, authentication data) are kept
// in std::string: it is binary-safe and small strings stay inline.

struct publish_properties {
  std::optional<std::uint8_t> payload_format_indicator;  // 0 bytes, 1 UTF-8
  std::optional<std::uint32_t> message_expiry_interval;  // seconds
  std::optional<std::uint16_t> topic_alias;
  std::optional<std::string> response_topic;
  std::optional<std::string> correlation_data;
  std::optional<std::string> content_type;
  std::vector<std::uint32_t> subscription_identifiers;  // several on delivery
  user_properties user;

  bool operator==(const publish_properties&) const = default;
};

struct will_properties {
  std::optional<std::uint32_t> will_delay_interval;
  std::optional<std::uint8_t> payload_format_indicator;
  std::optional<std::uint32_t> message_expiry_interval;
  std::optional<std::string> content_type;
  std::optional<std::string> response_topic;
  std::optional<std::string> correlation_data;
  user_properties user;

  bool operator==(const will_properties&) const = default;
};

struct connect_properties {
  std::optional<std::uint32_t> session_expiry_interval;
  std::optional<std::uint16_t> receive_maximum;
  std::optional<std::uint32_t> maximum_packet_size;
  std::optional<std::uint16_t> topic_alias_maximum;
  std::optional<std::uint8_t> request_response_information;
  std::optional<std::uint8_t> request_problem_information;
  std::optional<std::string> authentication_method;
  std::optional<std::string> authentication_data;
  user_properties user;

  bool operator==(const connect_properties&) const = default;
};

struct connack_properties {
  std::optional<std::uint32_t> session_expiry_interval;
  std::optional<std::uint16_t> receive_maximum;
  std::optional<std::uint8_t> maximum_qos;
  std::optional<std::uint8_t> retain_available;
  std::optional<std::uint32_t> maximum_packet_size;
  std::optional<std::string> assigned_client_identifier;
  std::optional<std::uint16_t> topic_alias_maximum;
  std::optional<std::string> reason_string;
  user_properties user;
  std::optional<std::uint8_t> wildcard_subscription_available;
  std::optional<std::uint8_t> subscription_identifier_available;
  std::optional<std::uint8_t> shared_subscription_available;
  std::optional<std::uint16_t> server_keep_alive;
  std::optional<std::string> response_information;
  std::optional<std::string> server_reference;
  std::optional<std::string> authentication_method;
  std::optional<std::string> authentication_data;

  bool operator==(const connack_properties&) const = default;
};

// PUBACK, PUBREC, PUBREL, PUBCOMP, SUBACK and UNSUBACK.
struct ack_properties {
  std::optional<std::string> reason_string;
  user_properties user;

  bool operator==(const ack_properties&) const = default;
};

struct subscribe_properties {
  std::optional<std::uint32_t> subscription_identifier;  // 1..268,435,455
  user_properties user;

  bool operator==(const subscribe_properties&) const = default;
};

struct unsubscribe_properties {
  user_properties user;

  bool operator==(const unsubscribe_properties&) const = default;
};

struct disconnect_properties {
  std::optional<std::uint32_t> session_expiry_interval;
  std::optional<std::string> reason_string;
  user_properties user;
  std::optional<std::string> server_reference;

  bool operator==(const disconnect_properties&) const = default;
};

struct auth_properties {
  std::optional<std::string> authentication_method;
  std::optional<std::string> authentication_data;
  std::optional<std::string> reason_string;
  user_properties user;

  bool operator==(const auth_properties&) const = default;
};

}  // namespace tern::mqtt
