#pragma once
// Variable Byte Integers (spec 1.5.5): the Remaining Length, property
// lengths and a few property values.

#include <cstddef>
#include <cstdint>

namespace tern::mqtt::detail {

enum class varint_status : std::uint8_t { ok, need_more, malformed };

// Decodes the integer starting at `p`. At most four bytes, and the encoding
// must be the shortest one [MQTT-1.5.5-1]: a final byte of 0x00 after a
// continuation byte only adds a zero group, so it is rejected.
inline varint_status decode_varint(const std::uint8_t* p, const std::uint8_t* end,
                                   std::uint32_t& value, std::size_t& length) noexcept {
  std::uint32_t v = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    if (p + i == end) return varint_status::need_more;
    const std::uint8_t byte = p[i];
    v |= static_cast<std::uint32_t>(byte & 0x7F) << (7 * i);
    if ((byte & 0x80) == 0) {
      if (byte == 0 && i > 0) return varint_status::malformed;
      value = v;
      length = i + 1;
      return varint_status::ok;
    }
  }
  return varint_status::malformed;
}

constexpr std::size_t varint_size(std::uint32_t v) noexcept {
  return v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x20'0000 ? 3 : 4;
}

}  // namespace tern::mqtt::detail
