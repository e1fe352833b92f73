// CONNECT and CONNACK bodies (spec 3.1, 3.2; 3.1.1 sections 3.1, 3.2).

#include "mqtt/codec/detail/packet_decoders.hpp"
#include "mqtt/codec/detail/property_codec.hpp"
#include "mqtt/codec/detail/reason_rules.hpp"
#include "mqtt/codec/topic.hpp"

namespace tern::mqtt::detail {

namespace {

namespace connect_flag {
constexpr std::uint8_t reserved = 0x01;
constexpr std::uint8_t clean_start = 0x02;
constexpr std::uint8_t will = 0x04;
constexpr std::uint8_t will_qos_shift = 3;
constexpr std::uint8_t will_retain = 0x20;
constexpr std::uint8_t password = 0x40;
constexpr std::uint8_t username = 0x80;
}  // namespace connect_flag

// Protocol Name and Level (3.1.2.1, 3.1.2.2). A name other than "MQTT"
// (levels 4, 5) or "MQIsdp" (level 3), or a level the name does not go
// with, is unsupported_protocol_version: [MQTT-3.1.2-1] lets the server
// answer a wrong name with 0x84, [MQTT-3.1.2-2] a wrong level with 0x84 /
// return code 1. The engine may also just close. Levels 3 and 4 may carry
// mosquitto's bridge marker in their top bit.
reason_code read_protocol(byte_reader& in, protocol_version& out, bool& bridge) {
  std::string_view name;
  std::uint8_t level = 0;
  if (!in.read_utf8(name) || !in.read_u8(level)) return reason_code::malformed_packet;
  bridge = (level & 0x80) != 0 && (level & 0x7F) != 5;
  if (bridge) level &= 0x7F;
  if (name == "MQTT" && (level == 4 || level == 5)) {
    out = static_cast<protocol_version>(level);
    return reason_code::success;
  }
  if (name == "MQIsdp" && level == 3) {
    out = protocol_version::v3_1;
    return reason_code::success;
  }
  return reason_code::unsupported_protocol_version;
}

reason_code check_flags(std::uint8_t flags, protocol_version v) noexcept {
  // [MQTT-3.1.2-3] the reserved flag is zero (a Malformed Packet in v5).
  if (flags & connect_flag::reserved) return reason_code::malformed_packet;
  const auto will_qos = static_cast<std::uint8_t>((flags >> connect_flag::will_qos_shift) & 3);
  if (flags & connect_flag::will) {
    // v5 [MQTT-3.1.2-12], 3.1.1 [MQTT-3.1.2-14]: Will QoS is not 3.
    if (will_qos == 3) return reason_code::malformed_packet;
  } else if (will_qos != 0 || (flags & connect_flag::will_retain)) {
    // v5 [MQTT-3.1.2-11] [MQTT-3.1.2-13], 3.1.1 [MQTT-3.1.2-11] [MQTT-3.1.2-13]
    // [MQTT-3.1.2-15]: no will, so no Will QoS and no Will Retain.
    return reason_code::malformed_packet;
  }
  // 3.1.1 [MQTT-3.1.2-22]: a password needs a user name; v5 dropped this
  // rule (3.1.2.9).
  if (v != protocol_version::v5 && (flags & connect_flag::password) &&
      !(flags & connect_flag::username)) {
    return reason_code::malformed_packet;
  }
  return reason_code::success;
}

reason_code read_will(byte_reader& in, std::uint8_t flags, protocol_version v, will_message& will) {
  will.qos = static_cast<qos>((flags >> connect_flag::will_qos_shift) & 3);
  will.retain = (flags & connect_flag::will_retain) != 0;
  if (v == protocol_version::v5) {
    if (const auto rc = read_properties(in, will.properties); rc != reason_code::success) {
      return rc;
    }
  }
  std::string_view topic;
  std::string_view payload;
  // Will Topic is a UTF-8 Encoded String (v5 [MQTT-3.1.3-11], 3.1.1
  // [MQTT-3.1.3-10]); Will Payload is Binary Data (3.1.3.4).
  if (!in.read_utf8(topic) || !in.read_binary(payload)) return reason_code::malformed_packet;
  // The will is published like any PUBLISH, so its topic follows the same
  // rules and gets the same reasons as decode_publish: wildcards
  // [MQTT-3.3.2-2] are malformed, an empty name [MQTT-4.7.3-1] a protocol
  // error.
  if (topic.empty()) return reason_code::protocol_error;
  if (has_wildcard(topic)) return reason_code::malformed_packet;
  will.topic.assign(topic);
  will.payload = shared_bytes::copy_of(payload);
  return reason_code::success;
}

}  // namespace

reason_code decode_connect(byte_reader& in, connect& out) {
  if (const auto rc = read_protocol(in, out.version, out.bridge); rc != reason_code::success)
    return rc;
  const protocol_version v = out.version;
  std::uint8_t flags = 0;
  if (!in.read_u8(flags) || !in.read_u16(out.keep_alive)) return reason_code::malformed_packet;
  if (const auto rc = check_flags(flags, v); rc != reason_code::success) return rc;
  out.clean_start = (flags & connect_flag::clean_start) != 0;

  if (v == protocol_version::v5) {
    if (const auto rc = read_properties(in, out.properties); rc != reason_code::success) {
      return rc;
    }
    // 3.1.2.11.10: Authentication Data without a Method is a Protocol Error.
    if (out.properties.authentication_data && !out.properties.authentication_method) {
      return reason_code::protocol_error;
    }
  }

  // Payload (3.1.3). The Client Identifier's length and characters are the
  // engine's policy; here it only has to be a UTF-8 string [MQTT-3.1.3-4].
  std::string_view client_id;
  if (!in.read_utf8(client_id)) return reason_code::malformed_packet;
  out.client_id.assign(client_id);

  if (flags & connect_flag::will) {
    if (const auto rc = read_will(in, flags, v, out.will.emplace()); rc != reason_code::success) {
      return rc;
    }
  }
  if (flags & connect_flag::username) {
    std::string_view username;
    // v5 [MQTT-3.1.3-12], 3.1.1 [MQTT-3.1.3-11]: a UTF-8 Encoded String.
    if (!in.read_utf8(username)) return reason_code::malformed_packet;
    out.username.emplace(username);
  }
  if (flags & connect_flag::password) {
    std::string_view password;
    if (!in.read_binary(password)) return reason_code::malformed_packet;
    out.password.emplace(password);
  }
  return expect_end(in);
}

reason_code decode_connack(byte_reader& in, protocol_version v, connack& out) {
  std::uint8_t ack_flags = 0;
  std::uint8_t code = 0;
  if (!in.read_u8(ack_flags) || !in.read_u8(code)) return reason_code::malformed_packet;
  if (v == protocol_version::v3_1) {
    // 3.1 has no Session Present; the byte was "reserved, not used".
    out.session_present = false;
  } else {
    // 3.1.1 3.2.2.1 / v5 [MQTT-3.2.2-1]: bits 7-1 are reserved.
    if (ack_flags & 0xFE) return reason_code::malformed_packet;
    out.session_present = (ack_flags & 1) != 0;
  }
  if (v != protocol_version::v5) {
    // 3.1.1 table 3.1: return codes 6-255 are reserved.
    if (code > 5) return reason_code::malformed_packet;
    out.reason = from_connack_return_code(static_cast<connack_return_code>(code));
    return expect_end(in);
  }
  if (!is_allowed_reason(packet_type::connack, code)) return reason_code::malformed_packet;
  out.reason = static_cast<reason_code>(code);
  if (const auto rc = read_properties(in, out.properties); rc != reason_code::success) return rc;
  return expect_end(in);
}

}  // namespace tern::mqtt::detail
