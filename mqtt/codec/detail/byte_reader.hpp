#pragma once
// Bounds-checked reads of the MQTT data representations (spec 1.5) from a
// packet body. Every read returns false when the bytes are missing or not
// well formed; for the decoder that always means a Malformed Packet.
// Strings are returned as views into the body, so nothing is allocated
// until a field is stored.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "mqtt/codec/detail/varint.hpp"
#include "mqtt/codec/utf8.hpp"

namespace tern::mqtt::detail {

class byte_reader {
 public:
  byte_reader() = default;
  explicit byte_reader(std::span<const std::uint8_t> data) noexcept
      : p_{data.data()}, end_{data.data() + data.size()} {}

  std::size_t remaining() const noexcept { return static_cast<std::size_t>(end_ - p_); }
  bool empty() const noexcept { return p_ == end_; }

  [[nodiscard]] bool read_u8(std::uint8_t& v) noexcept {
    if (p_ == end_) return false;
    v = *p_++;
    return true;
  }

  [[nodiscard]] bool read_u16(std::uint16_t& v) noexcept {
    if (remaining() < 2) return false;
    v = static_cast<std::uint16_t>((p_[0] << 8) | p_[1]);
    p_ += 2;
    return true;
  }

  [[nodiscard]] bool read_u32(std::uint32_t& v) noexcept {
    if (remaining() < 4) return false;
    v = (std::uint32_t{p_[0]} << 24) | (std::uint32_t{p_[1]} << 16) | (std::uint32_t{p_[2]} << 8) |
        std::uint32_t{p_[3]};
    p_ += 4;
    return true;
  }

  // A truncated integer inside a body is malformed, not "need more".
  [[nodiscard]] bool read_varint(std::uint32_t& v) noexcept {
    std::size_t length = 0;
    if (decode_varint(p_, end_, v, length) != varint_status::ok) return false;
    p_ += length;
    return true;
  }

  // Binary Data (1.5.6): a two byte length, then that many bytes.
  [[nodiscard]] bool read_binary(std::string_view& out) noexcept {
    std::uint16_t length = 0;
    if (!read_u16(length) || remaining() < length) return false;
    out = {reinterpret_cast<const char*>(p_), length};
    p_ += length;
    return true;
  }

  // UTF-8 Encoded String (1.5.4): Binary Data that must also be well-formed
  // UTF-8 without surrogates or U+0000 [MQTT-1.5.4-1] [MQTT-1.5.4-2].
  [[nodiscard]] bool read_utf8(std::string_view& out) noexcept {
    return read_binary(out) && is_valid_mqtt_utf8(out);
  }

  // Splits the next `n` bytes off into their own reader.
  [[nodiscard]] bool take(std::size_t n, byte_reader& out) noexcept {
    if (remaining() < n) return false;
    out.p_ = p_;
    out.end_ = p_ + n;
    p_ += n;
    return true;
  }

  std::span<const std::uint8_t> rest() noexcept {
    std::span<const std::uint8_t> all{p_, remaining()};
    p_ = end_;
    return all;
  }

 private:
  const std::uint8_t* p_ = nullptr;
  const std::uint8_t* end_ = nullptr;
};

}  // namespace tern::mqtt::detail
