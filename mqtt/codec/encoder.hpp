#pragma once
// Encoding: packet values -> bytes on the wire for a given protocol version.
//
// The caller asks for encoded_size() and provides a buffer at least that
// large; encode() writes into it with no allocation. Fields the version
// lacks (v5 properties and reason codes in 3.1.1) are left out. The packet
// is assumed valid (the broker builds it); encode asserts on what it cannot
// represent, such as a string longer than 65,535 bytes.

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "mqtt/codec/packets.hpp"

namespace tern::mqtt {

std::size_t encoded_size(const packet& p, protocol_version version);
std::size_t encode(const packet& p, protocol_version version, std::span<std::uint8_t> out);

// The hot path: a PUBLISH without the std::variant. The payload is written
// after the header; with encode_publish_header() the caller can instead send
// the payload as a separate (shared) buffer of a scatter-gather write.
std::size_t encoded_size(const publish& p, protocol_version version);
std::size_t encode(const publish& p, protocol_version version, std::span<std::uint8_t> out);
std::size_t encoded_header_size(const publish& p, protocol_version version);
std::size_t encode_publish_header(const publish& p, protocol_version version,
                                  std::span<std::uint8_t> out);

// One delivery of a stored message: `base`'s topic and payload with this
// receiver's packet id, QoS, flags and v5 properties, encoded without
// copying `base` (the broker's fan-out path).
struct publish_delivery {
  packet_id id = 0;
  mqtt::qos qos = qos::at_most_once;
  bool retain = false;
  bool dup = false;
  const publish_properties* properties = nullptr;  // v5; nullptr: base's own
  // v5: the topic is sent as a zero-length string because `properties`
  // carries a topic alias the receiver already knows (spec 3.3.2.3.4).
  bool omit_topic = false;
};
std::size_t encoded_size(const publish& base, const publish_delivery& d, protocol_version version);
void encode_append(const publish& base, const publish_delivery& d, protocol_version version,
                   std::vector<std::uint8_t>& out);

// Appends the encoding of `p` to `out` (grows it once).
void encode_append(const packet& p, protocol_version version, std::vector<std::uint8_t>& out);
void encode_append(const publish& p, protocol_version version, std::vector<std::uint8_t>& out);

}  // namespace tern::mqtt
