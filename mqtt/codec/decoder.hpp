#pragma once
// Decoding: bytes from the network -> packet values.
//
// Framing is incremental: parse_fixed_header() looks at whatever bytes have
// arrived and answers "need more" (an empty optional) until the whole fixed
// header is there, so the caller can check the packet's full size against
// its maximum *before* buffering the body (Beast's basic_parser does the
// same for HTTP). Once `header.size + header.remaining_length` bytes are
// present, decode() turns the body into a packet.
//
// No exceptions and no I/O: every failure is an error_code in
// reason_category() carrying the reason the spec prescribes, e.g.
// malformed_packet (0x81), protocol_error (0x82), packet_too_large (0x95).

#include <cstdint>
#include <optional>
#include <span>

#include <boost/system/result.hpp>

#include "mqtt/codec/packets.hpp"

namespace tern::mqtt {

template <class T>
using result = boost::system::result<T, boost::system::error_code>;

struct fixed_header {
  packet_type type = packet_type::connect;
  std::uint8_t flags = 0;              // low nibble of the first byte
  std::uint32_t remaining_length = 0;  // bytes after the fixed header
  std::uint8_t size = 0;               // bytes of the fixed header itself (2..5)

  std::uint32_t packet_size() const noexcept { return size + remaining_length; }
};

// A PUBLISH's QoS in its fixed header's flags.
constexpr std::uint8_t publish_qos_bits = 0b0110;

// Reads the fixed header at the start of `data`.
// - empty optional: fewer bytes than a complete fixed header (need more);
// - malformed_packet: packet type 0, reserved flag bits wrong
//   [MQTT-2.1.3-1], PUBLISH QoS 3 [MQTT-3.3.1-4], a Remaining Length longer
//   than four bytes [MQTT-1.5.5-1]; AUTH (type 15) before 5.0;
// - packet_too_large: the whole packet would exceed `maximum_packet_size`
//   (pass max_variable_byte_integer + 5 for "no limit").
// `version` matters only for AUTH; pass v5 before CONNECT is decoded.
result<std::optional<fixed_header>> parse_fixed_header(std::span<const std::uint8_t> data,
                                                       std::uint32_t maximum_packet_size,
                                                       protocol_version version) noexcept;

// Decodes the body (exactly `header.remaining_length` bytes) of a packet.
// `version` is the protocol version agreed in CONNECT; a CONNECT body is
// decoded by the version it announces itself (an unsupported level or an
// unknown protocol name gives unsupported_protocol_version, which
// [MQTT-3.1.2-1] and [MQTT-3.1.2-2] let the server answer with 0x84).
result<packet> decode(const fixed_header& header, std::span<const std::uint8_t> body,
                      protocol_version version);

// Convenience for tests and tools: one whole packet (fixed header + body)
// that must be exactly `bytes`.
result<packet> decode_whole(std::span<const std::uint8_t> bytes, protocol_version version);

}  // namespace tern::mqtt
