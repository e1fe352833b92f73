#pragma once
// Helpers for primitives_test, round_trip_test, framing_test and
// validation_test: bytes in, packets out, and the reason of a failure.

#include <cstdint>
#include <initializer_list>
#include <string_view>
#include <vector>

#include "mqtt/codec/decoder.hpp"
#include "mqtt/codec/encoder.hpp"

namespace tern::mqtt::codec_test {

using bytes = std::vector<std::uint8_t>;

inline constexpr std::uint32_t no_limit = max_variable_byte_integer + 5;

inline bytes encode_to_bytes(const packet& p, protocol_version v) {
  bytes out(encoded_size(p, v));
  out.resize(encode(p, v, out));
  return out;
}

// The reason decode_whole() gives for `b`, or success when it decodes.
inline reason_code decode_reason(const bytes& b, protocol_version v) {
  const auto r = decode_whole(b, v);
  return r ? reason_code::success : to_reason_code(r.error());
}

// A packet from its fixed header byte and body; the Remaining Length is
// computed, so malformed bodies can be written without counting bytes.
inline bytes frame(std::uint8_t first, const bytes& body) {
  bytes out{first};
  std::uint32_t n = static_cast<std::uint32_t>(body.size());
  do {
    std::uint8_t b = n & 0x7F;
    n >>= 7;
    if (n != 0) b |= 0x80;
    out.push_back(b);
  } while (n != 0);
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

// Two byte length + text.
inline bytes str(std::string_view text) {
  bytes out{static_cast<std::uint8_t>(text.size() >> 8), static_cast<std::uint8_t>(text.size())};
  out.insert(out.end(), text.begin(), text.end());
  return out;
}

inline bytes cat(std::initializer_list<bytes> parts) {
  bytes out;
  for (const bytes& p : parts)
    out.insert(out.end(), p.begin(), p.end());
  return out;
}

}  // namespace tern::mqtt::codec_test
