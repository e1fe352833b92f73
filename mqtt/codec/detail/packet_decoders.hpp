#pragma once
// One decoder per packet body, shared by decoder.cpp's dispatch. Each reads
// the whole body from `in` (trailing bytes are malformed) and answers
// success or the reason the spec prescribes.

#include <cstdint>

#include "mqtt/codec/detail/byte_reader.hpp"
#include "mqtt/codec/packets.hpp"

namespace tern::mqtt::detail {

reason_code decode_connect(byte_reader& in, connect& out);
reason_code decode_connack(byte_reader& in, protocol_version v, connack& out);

reason_code decode_subscribe(byte_reader& in, protocol_version v, subscribe& out);
reason_code decode_suback(byte_reader& in, protocol_version v, suback& out);
reason_code decode_unsubscribe(byte_reader& in, protocol_version v, unsubscribe& out);
reason_code decode_unsuback(byte_reader& in, protocol_version v, unsuback& out);

// Packet Identifiers are never zero [MQTT-2.2.1-3]: a zero one cannot name
// an outstanding packet, so acknowledgements carrying one are rejected too.
inline reason_code read_packet_id(byte_reader& in, packet_id& out) noexcept {
  if (!in.read_u16(out)) return reason_code::malformed_packet;
  return out == 0 ? reason_code::protocol_error : reason_code::success;
}

inline reason_code expect_end(const byte_reader& in) noexcept {
  return in.empty() ? reason_code::success : reason_code::malformed_packet;
}

}  // namespace tern::mqtt::detail
