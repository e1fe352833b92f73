#pragma once
// Test vectors written as hex text: "10 0c 00 04 ..." -> bytes.
//
// Whitespace is ignored and every two hex digits make one byte, so a vector
// can be laid out as adjacent string literals, one field per line with its
// comment; the compiler joins "10 0c" "00 04" into "10 0c00 04", which still
// reads as 10 0c 00 04. A digit count that is odd, or any other character,
// throws: a typo in a vector fails its test instead of shifting every byte.

#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace tern::mqtt::test_vectors {

using bytes = std::vector<std::uint8_t>;

inline bytes hex(std::string_view text) {
  bytes out;
  out.reserve(text.size() / 2);
  int high = -1;
  for (const char c : text) {
    int nibble = 0;
    if (c >= '0' && c <= '9') {
      nibble = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      nibble = c - 'a' + 10;
    } else if (c >= 'A' && c <= 'F') {
      nibble = c - 'A' + 10;
    } else if (c == ' ' || c == '\n' || c == '\t') {
      continue;
    } else {
      throw std::invalid_argument("hex(): unexpected character '" + std::string(1, c) + "'");
    }
    if (high < 0) {
      high = nibble;
    } else {
      out.push_back(static_cast<std::uint8_t>((high << 4) | nibble));
      high = -1;
    }
  }
  if (high >= 0) throw std::invalid_argument("hex(): odd number of hex digits");
  return out;
}

// The bytes of `text` as they are (for payloads and long strings).
inline bytes ascii(std::string_view text) {
  return bytes(text.begin(), text.end());
}

inline bytes concat(bytes a, const bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// "10 0c 00 04": the form hex() reads, for failure messages.
inline std::string to_hex(std::span<const std::uint8_t> data) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(data.size() * 3);
  for (std::size_t i = 0; i < data.size(); ++i) {
    if (i != 0) out += ' ';
    out += digits[data[i] >> 4];
    out += digits[data[i] & 0x0f];
  }
  return out;
}

}  // namespace tern::mqtt::test_vectors
