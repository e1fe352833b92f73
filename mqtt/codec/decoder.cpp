// Framing and dispatch, plus the bodies of PUBLISH, its acknowledgements,
// PINGREQ/PINGRESP, DISCONNECT and AUTH. CONNECT/CONNACK live in
// connect_decoder.cpp and the subscription packets in
// subscribe_decoder.cpp.
//
// What is validated here and what is left to the engine:
// - here: everything that needs only the packet's own bytes and the
//   protocol version (syntax, flags, UTF-8, property admissibility and
//   value rules, an empty topic without alias, wildcards in a topic name,
//   zero packet identifiers);
// - the engine: everything that needs connection state or direction
//   (topic alias lookup and its maximum, receive maximum, packet
//   identifiers in use, a Subscription Identifier sent by a client
//   [MQTT-3.3.4-6], which side may send which reason code, DISCONNECT's
//   Session Expiry after a zero one in CONNECT, client id policy, payload
//   UTF-8 when the Payload Format Indicator is 1, and topic filter syntax,
//   which v5 answers per entry with 0x8F).
//
// Everything here is stateless: callable from any thread.

#include "mqtt/codec/decoder.hpp"

#include "mqtt/codec/detail/packet_decoders.hpp"
#include "mqtt/codec/detail/property_codec.hpp"
#include "mqtt/codec/detail/reason_rules.hpp"
#include "mqtt/codec/detail/varint.hpp"
#include "mqtt/codec/topic.hpp"

namespace tern::mqtt {

namespace {

using detail::byte_reader;

boost::system::error_code fail(reason_code rc) noexcept {
  return make_error_code(rc);
}

// [MQTT-2.1.3-1] the flags every packet but PUBLISH must carry.
constexpr std::uint8_t required_flags(packet_type type) noexcept {
  switch (type) {
    case packet_type::pubrel:
    case packet_type::subscribe:
    case packet_type::unsubscribe:
      return 0b0010;
    default:
      return 0;
  }
}

bool flags_valid(packet_type type, std::uint8_t flags, protocol_version v) noexcept {
  if (type == packet_type::publish) return ((flags >> 1) & 3) != 3;  // [MQTT-3.3.1-4]
  // MQTT 3.1 put DUP/QoS/RETAIN bits on every packet (a resent SUBSCRIBE
  // carried DUP); the reserved-flags rule starts with 3.1.1, as in
  // mosquitto.
  if (v == protocol_version::v3_1) return true;
  return flags == required_flags(type);
}

reason_code decode_publish(byte_reader& in, std::uint8_t flags, protocol_version v, publish& out) {
  out.dup = (flags & 0b1000) != 0;
  out.qos = static_cast<qos>((flags >> 1) & 3);
  out.retain = (flags & 1) != 0;
  if (out.qos == qos{3}) return reason_code::malformed_packet;  // [MQTT-3.3.1-4]
  if (out.qos == qos::at_most_once && out.dup) {
    return reason_code::malformed_packet;  // [MQTT-3.3.1-2]
  }
  std::string_view topic;
  if (!in.read_utf8(topic)) return reason_code::malformed_packet;  // [MQTT-3.3.2-1]
  if (out.qos != qos::at_most_once) {
    if (const auto rc = detail::read_packet_id(in, out.id); rc != reason_code::success) return rc;
  }
  if (v == protocol_version::v5) {
    if (const auto rc = detail::read_properties(in, out.properties); rc != reason_code::success) {
      return rc;
    }
  }
  if (topic.empty()) {
    // v5 3.3.2.1: an empty topic without a Topic Alias is a Protocol Error;
    // resolving the alias is the engine's job. Before v5 a topic has at
    // least one character [MQTT-4.7.3-1], classified the same way.
    if (v != protocol_version::v5 || !out.properties.topic_alias) {
      return reason_code::protocol_error;
    }
  } else if (has_wildcard(topic)) {
    // [MQTT-3.3.2-2]. Malformed rather than 0x90, which table 2-6 keeps for
    // a name that "is not malformed, but is not accepted".
    return reason_code::malformed_packet;
  }
  out.topic.assign(topic);
  out.payload = shared_bytes::copy_of(in.rest());
  return reason_code::success;
}

// PUBACK, PUBREC, PUBREL and PUBCOMP (3.4 - 3.7).
template <packet_type Type>
reason_code decode_publish_response(byte_reader& in, protocol_version v,
                                    publish_response<Type>& out) {
  if (const auto rc = detail::read_packet_id(in, out.id); rc != reason_code::success) return rc;
  if (v != protocol_version::v5 || in.empty()) return detail::expect_end(in);
  // v5: a Remaining Length of 2 means success, 3 means no properties
  // (3.4.2.1, 3.4.2.2.1).
  std::uint8_t reason = 0;
  (void)in.read_u8(reason);
  if (!detail::is_allowed_reason(Type, reason)) return reason_code::malformed_packet;
  out.reason = static_cast<reason_code>(reason);
  if (in.empty()) return reason_code::success;
  if (const auto rc = detail::read_properties(in, out.properties); rc != reason_code::success) {
    return rc;
  }
  return detail::expect_end(in);
}

reason_code decode_disconnect(byte_reader& in, protocol_version v, disconnect& out) {
  // 3.1.1 DISCONNECT has no variable header; v5 with Remaining Length 0
  // means Normal disconnection and with 1 no properties (3.14.2.1).
  if (v != protocol_version::v5 || in.empty()) return detail::expect_end(in);
  std::uint8_t reason = 0;
  (void)in.read_u8(reason);
  if (!detail::is_allowed_reason(packet_type::disconnect, reason)) {
    return reason_code::malformed_packet;
  }
  out.reason = static_cast<reason_code>(reason);
  if (in.empty()) return reason_code::success;
  if (const auto rc = detail::read_properties(in, out.properties); rc != reason_code::success) {
    return rc;
  }
  return detail::expect_end(in);
}

reason_code decode_auth(byte_reader& in, protocol_version v, auth& out) {
  if (v != protocol_version::v5) return reason_code::malformed_packet;  // no AUTH before 5.0
  if (in.empty()) return reason_code::success;  // Remaining Length 0: Success (3.15.2.1)
  std::uint8_t reason = 0;
  (void)in.read_u8(reason);
  if (!detail::is_allowed_reason(packet_type::auth, reason)) return reason_code::malformed_packet;
  out.reason = static_cast<reason_code>(reason);
  if (!in.empty()) {
    if (const auto rc = detail::read_properties(in, out.properties); rc != reason_code::success) {
      return rc;
    }
    if (const auto rc = detail::expect_end(in); rc != reason_code::success) return rc;
  }
  // 3.15.2.2.2: omitting the Authentication Method is a Protocol Error.
  if (!out.properties.authentication_method) return reason_code::protocol_error;
  return reason_code::success;
}

reason_code decode_empty(const byte_reader& in) noexcept {
  return detail::expect_end(in);
}

// Decodes into a packet that already holds a T, so the fields are built in
// place and moved once into the result.
template <class T, class Fn>
result<packet> decode_as(Fn&& fn) {
  packet out{std::in_place_type<T>};
  if (const reason_code rc = fn(std::get<T>(out)); rc != reason_code::success) return fail(rc);
  return out;
}

}  // namespace

result<std::optional<fixed_header>> parse_fixed_header(std::span<const std::uint8_t> data,
                                                       std::uint32_t maximum_packet_size,
                                                       protocol_version version) noexcept {
  if (data.empty()) return std::optional<fixed_header>{};
  const std::uint8_t first = data[0];
  const auto type_bits = static_cast<std::uint8_t>(first >> 4);
  const auto flags = static_cast<std::uint8_t>(first & 0x0F);
  if (type_bits == 0) return fail(reason_code::malformed_packet);  // reserved type (2.1.2)
  const auto type = static_cast<packet_type>(type_bits);
  if (type == packet_type::auth && version != protocol_version::v5) {
    return fail(reason_code::malformed_packet);  // 15 is reserved in 3.1.1 (2.2.1)
  }
  if (!flags_valid(type, flags, version)) return fail(reason_code::malformed_packet);

  std::uint32_t remaining = 0;
  std::size_t length = 0;
  switch (detail::decode_varint(data.data() + 1, data.data() + data.size(), remaining, length)) {
    case detail::varint_status::need_more:
      return std::optional<fixed_header>{};
    case detail::varint_status::malformed:
      return fail(reason_code::malformed_packet);  // [MQTT-1.5.5-1]
    case detail::varint_status::ok:
      break;
  }
  fixed_header header;
  header.type = type;
  header.flags = flags;
  header.remaining_length = remaining;
  header.size = static_cast<std::uint8_t>(1 + length);
  if (std::uint64_t{header.size} + remaining > maximum_packet_size) {
    return fail(reason_code::packet_too_large);
  }
  return std::optional<fixed_header>{header};
}

result<packet> decode(const fixed_header& header, std::span<const std::uint8_t> body,
                      protocol_version version) {
  if (body.size() != header.remaining_length) return fail(reason_code::malformed_packet);
  if (!flags_valid(header.type, header.flags, version)) return fail(reason_code::malformed_packet);
  byte_reader in{body};
  const protocol_version v = version;
  switch (header.type) {
    case packet_type::connect:
      return decode_as<connect>([&](connect& p) { return detail::decode_connect(in, p); });
    case packet_type::connack:
      return decode_as<connack>([&](connack& p) { return detail::decode_connack(in, v, p); });
    case packet_type::publish:
      return decode_as<publish>([&](publish& p) { return decode_publish(in, header.flags, v, p); });
    case packet_type::puback:
      return decode_as<puback>([&](puback& p) { return decode_publish_response(in, v, p); });
    case packet_type::pubrec:
      return decode_as<pubrec>([&](pubrec& p) { return decode_publish_response(in, v, p); });
    case packet_type::pubrel:
      return decode_as<pubrel>([&](pubrel& p) { return decode_publish_response(in, v, p); });
    case packet_type::pubcomp:
      return decode_as<pubcomp>([&](pubcomp& p) { return decode_publish_response(in, v, p); });
    case packet_type::subscribe:
      return decode_as<subscribe>([&](subscribe& p) { return detail::decode_subscribe(in, v, p); });
    case packet_type::suback:
      return decode_as<suback>([&](suback& p) { return detail::decode_suback(in, v, p); });
    case packet_type::unsubscribe:
      return decode_as<unsubscribe>(
          [&](unsubscribe& p) { return detail::decode_unsubscribe(in, v, p); });
    case packet_type::unsuback:
      return decode_as<unsuback>([&](unsuback& p) { return detail::decode_unsuback(in, v, p); });
    case packet_type::pingreq:
      return decode_as<pingreq>([&](pingreq&) { return decode_empty(in); });
    case packet_type::pingresp:
      return decode_as<pingresp>([&](pingresp&) { return decode_empty(in); });
    case packet_type::disconnect:
      return decode_as<disconnect>([&](disconnect& p) { return decode_disconnect(in, v, p); });
    case packet_type::auth:
      return decode_as<auth>([&](auth& p) { return decode_auth(in, v, p); });
  }
  return fail(reason_code::malformed_packet);
}

result<packet> decode_whole(std::span<const std::uint8_t> bytes, protocol_version version) {
  auto header = parse_fixed_header(bytes, max_variable_byte_integer + 5, version);
  if (!header) return header.error();
  if (!*header || (*header)->packet_size() != bytes.size()) {
    return fail(reason_code::malformed_packet);
  }
  return decode(**header, bytes.subspan((*header)->size), version);
}

}  // namespace tern::mqtt
