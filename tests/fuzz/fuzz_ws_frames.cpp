// libFuzzer target for the WebSocket framing of net/ (ws_frame_reader and
// ws_frame_header). Beast only does the HTTP upgrade; after the 101 every
// byte a client sends goes through ws_frame_reader, so it is the part a
// hostile client reaches.
//
// Input: the first byte picks how the bytes are cut into reads (bits 0..5:
// the read size, 0 meaning all at once) and the message limit (bits 6..7:
// 1 MiB, 64, 16 or 0 bytes); the rest is what the client sent. It is fed
// the way ws_connection feeds it (parse() on what one read brought, until
// it is used up), and checked:
// - parse() consumes no more than it is given, and makes progress: only
//   an error consumes nothing;
// - after an error or a close, ws_connection stops reading; after an error
//   every later call repeats it;
// - data events are not empty and carry no more than was sent, control
//   payloads at most 125 bytes;
// - the same bytes cut at every read size give the same data and the same
//   events (the reader keeps split headers and control payloads itself);
// - each ping's payload, framed again with ws_frame_header (as a masked
//   client frame), reads back as the same ping.

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <vector>

#include "net/ws_frame_reader.hpp"

namespace {

using tern::net::ws_event;
using tern::net::ws_frame_reader;
using bytes = std::vector<std::uint8_t>;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "fuzz_ws_frames: %s\n", what);
  std::abort();
}

struct outcome {
  bytes data;
  std::vector<ws_event::kind> events;  // other than none and data
  std::vector<std::uint16_t> codes;    // of close and error
  std::vector<bytes> pings;            // their payloads
  bytes close_reason;
  bool operator==(const outcome&) const = default;
};

outcome feed(bytes wire, std::size_t piece, std::uint64_t max) {
  ws_frame_reader reader(max);
  outcome out;
  std::span<std::uint8_t> all(wire);
  bool stopped = false;
  while (!all.empty() && !stopped) {
    const std::size_t n = piece == 0 ? all.size() : std::min(piece, all.size());
    std::span<std::uint8_t> read = all.first(n);
    all = all.subspan(n);
    while (!read.empty() && !stopped) {
      ws_event e;
      const std::size_t used = reader.parse(read, e);
      if (used > read.size()) fail("parse() consumed more than it was given");
      if (used == 0 && e.what != ws_event::kind::error) fail("parse() made no progress");
      read = read.subspan(used);
      switch (e.what) {
        case ws_event::kind::none:  // need more, or a frame with nothing to say
          break;
        case ws_event::kind::data:
          if (e.bytes.empty()) fail("an empty data event");
          out.data.insert(out.data.end(), e.bytes.begin(), e.bytes.end());
          break;
        case ws_event::kind::ping:
          if (e.bytes.size() > 125) fail("a ping payload above 125 bytes");
          out.events.push_back(e.what);
          out.pings.emplace_back(e.bytes.begin(), e.bytes.end());
          break;
        case ws_event::kind::pong:
          out.events.push_back(e.what);
          break;
        case ws_event::kind::close:
          if (e.bytes.size() > 123) fail("a close reason above 123 bytes");
          out.events.push_back(e.what);
          out.codes.push_back(e.code);
          out.close_reason.assign(e.bytes.begin(), e.bytes.end());
          stopped = true;  // ws_connection closes: nothing more is read
          break;
        case ws_event::kind::error: {
          out.events.push_back(e.what);
          out.codes.push_back(e.code);
          ws_event again;
          std::array<std::uint8_t, 3> more{0x82, 0x80, 0};
          if (reader.parse(more, again) != 0 || again.what != ws_event::kind::error)
            fail("the reader went on after an error");
          stopped = true;
          break;
        }
      }
    }
  }
  return out;
}

void check_ping_round_trip(const bytes& payload) {
  std::array<std::uint8_t, 10> header{};
  const std::size_t size =
      tern::net::ws_frame_header(tern::net::ws_opcode::ping, payload.size(), header);
  bytes frame(header.begin(), header.begin() + static_cast<std::ptrdiff_t>(size));
  frame[1] |= 0x80;  // as a client would send it: masked
  const std::array<std::uint8_t, 4> key{0x12, 0x34, 0x56, 0x78};
  frame.insert(frame.end(), key.begin(), key.end());
  for (std::size_t i = 0; i < payload.size(); ++i)
    frame.push_back(payload[i] ^ key[i % 4]);
  const outcome o = feed(frame, 0, 1 << 20);
  if (o.events.size() != 1 || o.events[0] != ws_event::kind::ping || o.pings.size() != 1 ||
      o.pings[0] != payload)
    fail("a ping framed by ws_frame_header does not read back");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t piece = data[0] & 0x3F;
  static constexpr std::uint64_t limits[] = {1u << 20, 64, 16, 0};
  const std::uint64_t max = limits[data[0] >> 6];
  const bytes wire(data + 1, data + size);

  const outcome at_once = feed(wire, 0, max);
  if (at_once.data.size() > wire.size()) fail("more data out than bytes in");
  const outcome in_pieces = feed(wire, piece, max);
  if (!(at_once == in_pieces)) fail("cutting the bytes differently changed the outcome");
  for (const bytes& ping : at_once.pings)
    check_ping_round_trip(ping);
  return 0;
}
