#include "tls/psk_file.hpp"

#include <fstream>
#include <sstream>

#include "tls/setup_error.hpp"

namespace tern::tls {
namespace {

// OpenSSL's PSK_MAX_PSK_LEN: the longest key a PSK callback may return.
constexpr std::size_t max_key_bytes = 512;

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

[[noreturn]] void fail(std::string_view source, std::size_t line, const std::string& what) {
  throw setup_error(std::string(source) + ":" + std::to_string(line) + ": " + what);
}

}  // namespace

psk_table parse_psk_text(std::string_view text, std::string_view source) {
  psk_table out;
  std::size_t number = 0;
  while (!text.empty()) {
    const auto end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    ++number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line.front() == '#') continue;
    const auto colon = line.rfind(':');
    if (colon == std::string_view::npos || colon == 0) {
      fail(source, number, "expected `identity:hexkey`, e.g. `sensor1:0123abcd`");
    }
    const std::string identity(line.substr(0, colon));
    const std::string_view hex = line.substr(colon + 1);
    if (hex.empty() || hex.size() % 2 != 0) {
      fail(source, number,
           "the key of '" + identity + "' must be an even number of hex digits (two per byte)");
    }
    std::vector<std::uint8_t> key;
    for (std::size_t i = 0; i < hex.size(); i += 2) {
      const int hi = hex_digit(hex[i]), lo = hex_digit(hex[i + 1]);
      if (hi < 0 || lo < 0) {
        fail(source, number,
             "the key of '" + identity +
                 "' has a character that is not a hex digit; write it "
                 "as hex, e.g. `" +
                 identity + ":0123abcd`");
      }
      key.push_back(static_cast<std::uint8_t>(hi * 16 + lo));
    }
    if (key.size() > max_key_bytes) {
      fail(source, number,
           "the key of '" + identity + "' is longer than " + std::to_string(max_key_bytes) +
               " bytes; use a shorter key");
    }
    if (!out.emplace(identity, std::move(key)).second) {
      fail(source, number, "identity '" + identity + "' is listed twice; keep one line");
    }
  }
  return out;
}

psk_table read_psk_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    throw setup_error("cannot read psk_file '" + file.string() +
                      "'; check that it exists and tern may read it");
  }
  std::ostringstream text;
  text << in.rdbuf();
  return parse_psk_text(text.str(), file.string());
}

}  // namespace tern::tls
