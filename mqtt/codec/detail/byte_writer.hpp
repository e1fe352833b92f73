#pragma once
// Unchecked writes of the MQTT data representations (spec 1.5). The encoder
// sizes the packet first and checks the caller's buffer once, so the
// writer itself only moves a pointer.

#include <cassert>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>

namespace tern::mqtt::detail {

class byte_writer {
 public:
  explicit byte_writer(std::uint8_t* out) noexcept : p_{out} {}

  std::uint8_t* position() const noexcept { return p_; }

  void u8(std::uint8_t v) noexcept { *p_++ = v; }

  void u16(std::uint16_t v) noexcept {
    p_[0] = static_cast<std::uint8_t>(v >> 8);
    p_[1] = static_cast<std::uint8_t>(v);
    p_ += 2;
  }

  void u32(std::uint32_t v) noexcept {
    p_[0] = static_cast<std::uint8_t>(v >> 24);
    p_[1] = static_cast<std::uint8_t>(v >> 16);
    p_[2] = static_cast<std::uint8_t>(v >> 8);
    p_[3] = static_cast<std::uint8_t>(v);
    p_ += 4;
  }

  void varint(std::uint32_t v) noexcept {
    assert(v <= 268'435'455);
    do {
      std::uint8_t byte = v & 0x7F;
      v >>= 7;
      if (v != 0) byte |= 0x80;
      *p_++ = byte;
    } while (v != 0);
  }

  void bytes(std::span<const std::uint8_t> data) noexcept {
    if (!data.empty()) std::memcpy(p_, data.data(), data.size());
    p_ += data.size();
  }

  // A UTF-8 Encoded String or Binary Data: two byte length, then the bytes.
  void string(std::string_view text) noexcept {
    assert(text.size() <= 0xFFFF && "MQTT strings are at most 65,535 bytes");
    u16(static_cast<std::uint16_t>(text.size()));
    if (!text.empty()) std::memcpy(p_, text.data(), text.size());
    p_ += text.size();
  }

 private:
  std::uint8_t* p_;
};

// Size of a length-prefixed string on the wire.
constexpr std::size_t string_size(std::string_view text) noexcept {
  return 2 + text.size();
}

}  // namespace tern::mqtt::detail
