#pragma once
// Small vocabulary types shared by every MQTT packet.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace tern::mqtt {

// The protocol level byte of CONNECT: 3 is MQTT 3.1 (protocol name
// "MQIsdp"), 4 is 3.1.1 and 5 is 5.0 (both "MQTT").
enum class protocol_version : std::uint8_t { v3_1 = 3, v3_1_1 = 4, v5 = 5 };

enum class packet_type : std::uint8_t {
  connect = 1,
  connack = 2,
  publish = 3,
  puback = 4,
  pubrec = 5,
  pubrel = 6,
  pubcomp = 7,
  subscribe = 8,
  suback = 9,
  unsubscribe = 10,
  unsuback = 11,
  pingreq = 12,
  pingresp = 13,
  disconnect = 14,
  auth = 15,  // MQTT 5 only; reserved in 3.1.1
};

enum class qos : std::uint8_t { at_most_once = 0, at_least_once = 1, exactly_once = 2 };

// Name/value pairs in the order they were received; order matters
// [MQTT-3.3.2-18] and duplicates are allowed.
using user_properties = std::vector<std::pair<std::string, std::string>>;

// Largest value a Variable Byte Integer can hold (spec 1.5.5).
inline constexpr std::uint32_t max_variable_byte_integer = 268'435'455;

// Packet identifiers are non-zero [MQTT-2.2.1-3].
using packet_id = std::uint16_t;

}  // namespace tern::mqtt
