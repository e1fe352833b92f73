// ws_frame_reader: client frames (RFC 6455 section 5) in, payload and
// control events out, whatever way the bytes are cut; every violation
// answered with its close status.

#include "net/ws_frame_reader.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

namespace tern::net {
namespace {

using bytes = std::vector<std::uint8_t>;

// A client frame: masked with `key` unless mask is false.
bytes frame(std::uint8_t first_byte, const bytes& payload, bool mask = true,
            std::array<std::uint8_t, 4> key = {0x37, 0xfa, 0x21, 0x3d}) {
  bytes out{first_byte};
  const std::uint8_t m = mask ? 0x80 : 0;
  if (payload.size() < 126) {
    out.push_back(static_cast<std::uint8_t>(m | payload.size()));
  } else if (payload.size() <= 0xFFFF) {
    out.push_back(m | 126);
    out.push_back(static_cast<std::uint8_t>(payload.size() >> 8));
    out.push_back(static_cast<std::uint8_t>(payload.size()));
  } else {
    out.push_back(m | 127);
    for (int i = 7; i >= 0; --i)
      out.push_back(static_cast<std::uint8_t>(payload.size() >> (8 * i)));
  }
  if (mask) out.insert(out.end(), key.begin(), key.end());
  for (std::size_t i = 0; i < payload.size(); ++i)
    out.push_back(mask ? payload[i] ^ key[i % 4] : payload[i]);
  return out;
}

bytes text(const std::string& s) {
  return bytes(s.begin(), s.end());
}

bytes operator+(bytes a, const bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// What the reader makes of `wire` fed in pieces of `piece` bytes (0: all
// at once): the data concatenated, and the other events in order.
struct outcome {
  bytes data;
  std::vector<ws_event::kind> events;  // other than none and data
  std::vector<std::uint16_t> codes;
  bytes ping_payload;
};

outcome feed(bytes wire, std::size_t piece = 0, std::uint64_t max = 1 << 20) {
  ws_frame_reader reader(max);
  outcome out;
  std::size_t pos = 0;
  while (pos < wire.size()) {
    const std::size_t end = piece == 0 ? wire.size() : std::min(wire.size(), pos + piece);
    std::span<std::uint8_t> chunk(wire.data() + pos, end - pos);
    pos = end;
    while (!chunk.empty()) {
      ws_event e;
      const std::size_t used = reader.parse(chunk, e);
      chunk = chunk.subspan(used);
      if (e.what == ws_event::kind::data) {
        out.data.insert(out.data.end(), e.bytes.begin(), e.bytes.end());
      } else if (e.what != ws_event::kind::none) {
        out.events.push_back(e.what);
        out.codes.push_back(e.code);
        if (e.what == ws_event::kind::ping) out.ping_payload.assign(e.bytes.begin(), e.bytes.end());
        if (e.what == ws_event::kind::error) return out;
      }
      if (used == 0 && e.what == ws_event::kind::none) break;
    }
  }
  return out;
}

constexpr std::uint8_t binary_fin = 0x82, binary_more = 0x02, cont_more = 0x00, cont_fin = 0x80,
                       text_fin = 0x81, close_fin = 0x88, ping_fin = 0x89, pong_fin = 0x8A;

TEST(ws_frame_reader, unmasks_a_binary_frame) {
  const auto got = feed(frame(binary_fin, text("\x10\x0c\x00\x04MQTT")));
  EXPECT_EQ(got.data, text("\x10\x0c\x00\x04MQTT"));
  EXPECT_TRUE(got.events.empty());
}

TEST(ws_frame_reader, any_cut_of_the_bytes_gives_the_same_stream) {
  bytes payload;
  for (int i = 0; i < 300; ++i)  // 16-bit length, and unmasking across word boundaries
    payload.push_back(static_cast<std::uint8_t>(i * 7));
  const bytes small = text("abc");
  const bytes wire = frame(binary_fin, payload) + frame(ping_fin, text("hi")) +
                     frame(binary_more, small) + frame(cont_more, {}) + frame(cont_fin, small);
  for (std::size_t piece : {0, 1, 2, 3, 5, 7, 13, 64}) {
    const auto got = feed(wire, piece);
    EXPECT_EQ(got.data, payload + small + small) << "pieces of " << piece;
    ASSERT_EQ(got.events.size(), 1u) << piece;
    EXPECT_EQ(got.events[0], ws_event::kind::ping);
    EXPECT_EQ(got.ping_payload, text("hi"));
  }
}

TEST(ws_frame_reader, reads_64_bit_lengths) {
  const bytes payload(70'000, 0x5a);
  EXPECT_EQ(feed(frame(binary_fin, payload), 4096).data, payload);
}

TEST(ws_frame_reader, close_carries_its_status) {
  auto got = feed(frame(close_fin, {0x03, 0xe8, 'b', 'y', 'e'}));
  ASSERT_EQ(got.events, std::vector<ws_event::kind>{ws_event::kind::close});
  EXPECT_EQ(got.codes[0], 1000);
  got = feed(frame(close_fin, {}));
  EXPECT_EQ(got.codes[0], ws_close::no_status);
}

TEST(ws_frame_reader, pong_is_reported_and_empty_frames_are_fine) {
  const auto got = feed(frame(pong_fin, {}) + frame(binary_fin, {}) + frame(binary_fin, text("x")));
  EXPECT_EQ(got.events, std::vector<ws_event::kind>{ws_event::kind::pong});
  EXPECT_EQ(got.data, text("x"));
}

TEST(ws_frame_reader, violations_close_with_their_status) {
  struct bad {
    const char* what;
    bytes wire;
    std::uint16_t code;
  };
  const bad cases[] = {
      {"text frame [MQTT-6.0.0-1]", frame(text_fin, text("hi")), ws_close::unsupported_data},
      {"unmasked frame", frame(binary_fin, text("hi"), false), ws_close::protocol_error},
      {"reserved bit", frame(0xC2, text("hi")), ws_close::protocol_error},
      {"unknown opcode", frame(0x83, text("hi")), ws_close::protocol_error},
      {"continuation first", frame(cont_fin, text("hi")), ws_close::protocol_error},
      {"new message inside one", frame(binary_more, text("a")) + frame(binary_fin, text("b")),
       ws_close::protocol_error},
      {"fragmented ping", frame(0x09, text("a")), ws_close::protocol_error},
      {"long ping", frame(ping_fin, bytes(126, 1)), ws_close::protocol_error},
      {"message above the limit", frame(binary_fin, bytes(101, 1)), ws_close::too_big},
      {"fragments above the limit",
       frame(binary_more, bytes(60, 1)) + frame(cont_fin, bytes(60, 1)), ws_close::too_big},
  };
  for (const bad& b : cases) {
    const auto got = feed(b.wire, 0, 100);
    ASSERT_FALSE(got.events.empty()) << b.what;
    EXPECT_EQ(got.events.back(), ws_event::kind::error) << b.what;
    EXPECT_EQ(got.codes.back(), b.code) << b.what;
  }
  // Nothing is read after a violation.
  ws_frame_reader reader(100);
  bytes wire = frame(text_fin, text("hi")) + frame(binary_fin, text("x"));
  ws_event e;
  std::span<std::uint8_t> rest(wire);
  rest = rest.subspan(reader.parse(rest, e));
  ASSERT_EQ(e.what, ws_event::kind::error);
  reader.parse(rest, e);
  EXPECT_EQ(e.what, ws_event::kind::error);
}

TEST(ws_frame_reader, server_frame_headers) {
  std::array<std::uint8_t, 10> h{};
  EXPECT_EQ(ws_frame_header(ws_opcode::binary, 5, h), 2u);
  EXPECT_EQ(h[0], 0x82);
  EXPECT_EQ(h[1], 5);
  EXPECT_EQ(ws_frame_header(ws_opcode::binary, 300, h), 4u);
  EXPECT_EQ(h[1], 126);
  EXPECT_EQ((h[2] << 8) | h[3], 300);
  EXPECT_EQ(ws_frame_header(ws_opcode::pong, 70'000, h), 10u);
  EXPECT_EQ(h[0], 0x8A);
  EXPECT_EQ(h[1], 127);
  EXPECT_EQ((h[7] << 16) | (h[8] << 8) | h[9], 70'000);
}

}  // namespace
}  // namespace tern::net
