#pragma once
// The server's side of WebSocket framing (RFC 6455 section 5), sans-I/O:
// bytes from the client in, events out. Beast does the HTTP upgrade; the
// frames are read here because MQTT wants a byte stream, not messages:
// every data frame's payload is handed on as soon as it arrives, and all
// the frames of one socket read are decoded in one go, so a read carrying
// many small frames (MQTT.js sends one per packet) costs one pass through
// the broker and one write back, as over TCP. (Beast's read_some stops at
// each frame's end, which cost a write per frame.)
//
// Theory of operation. parse() consumes a prefix of its input and reports
// at most one event:
//   none     it needs more bytes (everything given was consumed);
//   data     payload bytes of a binary message, unmasked in place;
//   ping     a complete ping, its payload (answer with a pong carrying it);
//   pong     ignored by the caller;
//   close    the client's close frame: `code` is its status (1005: none);
//   error    a protocol violation: `code` is the close status to send
//            (1002 protocol error, 1003 a text frame [MQTT-6.0.0-1], 1009
//            a message above the limit); nothing more may be parsed.
// A frame header split across reads is kept (14 bytes at most), and so is
// a control frame's payload (125 bytes at most): nothing else is buffered.
//
// Thread: one connection's, like the connection itself.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace tern::net {

struct ws_event {
  enum class kind { none, data, ping, pong, close, error };
  kind what = kind::none;
  std::span<const std::uint8_t> bytes;  // data, ping (payload), close (reason)
  std::uint16_t code = 0;               // close, error
};

namespace ws_close {
inline constexpr std::uint16_t normal = 1000;
inline constexpr std::uint16_t protocol_error = 1002;
inline constexpr std::uint16_t unsupported_data = 1003;
inline constexpr std::uint16_t no_status = 1005;
inline constexpr std::uint16_t too_big = 1009;
}  // namespace ws_close

class ws_frame_reader {
 public:
  explicit ws_frame_reader(std::uint64_t max_message_size) : max_message_(max_message_size) {}

  // Consumes a prefix of `in` (unmasking payload bytes in place) and says
  // what it found; see above. Call again with the rest.
  std::size_t parse(std::span<std::uint8_t> in, ws_event& event);

 private:
  std::size_t parse_header(std::span<std::uint8_t> in, ws_event& event);
  void start_frame(ws_event& event);
  void unmask(std::span<std::uint8_t> bytes) noexcept;
  ws_event control_event() const;

  std::uint64_t max_message_;
  std::array<std::uint8_t, 14> header_{};
  std::size_t header_size_ = 0;  // header bytes held so far
  std::uint64_t remaining_ = 0;  // payload bytes of the current frame still to come
  bool in_payload_ = false;
  std::array<std::uint8_t, 4> mask_{};
  std::size_t mask_offset_ = 0;
  std::uint8_t opcode_ = 0;
  bool fin_ = false;
  bool in_message_ = false;  // a binary message whose final frame has not come
  std::uint64_t message_size_ = 0;
  std::array<std::uint8_t, 125> control_{};
  std::size_t control_size_ = 0;
  bool failed_ = false;
};

// The header of an unmasked server frame (FIN set) carrying `payload_size`
// bytes: written to `out`, its length returned (2, 4 or 10).
std::size_t ws_frame_header(std::uint8_t opcode, std::uint64_t payload_size,
                            std::array<std::uint8_t, 10>& out) noexcept;

namespace ws_opcode {
inline constexpr std::uint8_t continuation = 0x0, text = 0x1, binary = 0x2, close = 0x8, ping = 0x9,
                              pong = 0xA;
}

}  // namespace tern::net
