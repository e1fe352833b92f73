#include "mqtt/codec/utf8.hpp"

#include <cstdint>
#include <cstring>

namespace tern::mqtt {

namespace {

constexpr std::uint64_t high_bits = 0x8080'8080'8080'8080ull;
constexpr std::uint64_t low_bits = 0x0101'0101'0101'0101ull;

// True when one of the eight bytes is zero (the classic "haszero" test; it
// has no false positives when only asked whether any byte is zero).
constexpr bool has_zero_byte(std::uint64_t w) noexcept {
  return ((w - low_bits) & ~w & high_bits) != 0;
}

}  // namespace

bool is_valid_mqtt_utf8(std::string_view text) noexcept {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const auto* const end = p + text.size();
  while (p != end) {
    // Topics and client ids are almost always ASCII: eight bytes a step.
    while (end - p >= 8) {
      std::uint64_t w;
      std::memcpy(&w, p, sizeof w);
      if ((w & high_bits) != 0) break;
      if (has_zero_byte(w)) return false;  // [MQTT-1.5.4-2]
      p += 8;
    }
    if (p == end) break;

    const unsigned char lead = *p;
    if (lead < 0x80) {
      if (lead == 0) return false;  // U+0000 [MQTT-1.5.4-2]
      ++p;
      continue;
    }
    std::uint32_t code_point = 0;
    std::ptrdiff_t trailing = 0;
    if (lead >= 0xC2 && lead <= 0xDF) {  // 0xC0/0xC1 could only start overlong forms
      code_point = lead & 0x1F;
      trailing = 1;
    } else if ((lead & 0xF0) == 0xE0) {
      code_point = lead & 0x0F;
      trailing = 2;
    } else if (lead >= 0xF0 && lead <= 0xF4) {  // above 0xF4 is beyond U+10FFFF
      code_point = lead & 0x07;
      trailing = 3;
    } else {
      return false;  // a stray continuation byte or an invalid lead byte
    }
    if (end - p <= trailing) return false;
    for (std::ptrdiff_t i = 1; i <= trailing; ++i) {
      const unsigned char c = p[i];
      if ((c & 0xC0) != 0x80) return false;
      code_point = (code_point << 6) | (c & 0x3F);
    }
    if (trailing == 2) {
      if (code_point < 0x800) return false;                            // overlong
      if (code_point >= 0xD800 && code_point <= 0xDFFF) return false;  // [MQTT-1.5.4-1]
    } else if (trailing == 3) {
      if (code_point < 0x1'0000 || code_point > 0x10'FFFF) return false;
    }
    // U+FEFF (a BOM) is an ordinary character here and stays [MQTT-1.5.4-3].
    p += trailing + 1;
  }
  return true;
}

}  // namespace tern::mqtt
