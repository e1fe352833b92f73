// parse_fixed_header(): incremental framing, the maximum packet size
// checked before the body is needed, and the fixed header rules
// [MQTT-2.1.3-1] [MQTT-3.3.1-4] [MQTT-1.5.5-1].

#include <algorithm>
#include <optional>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "tests/unit/codec/codec_test_support.hpp"

namespace {

using namespace tern::mqtt;
using namespace tern::mqtt::codec_test;

constexpr auto v31 = protocol_version::v3_1;
constexpr auto v311 = protocol_version::v3_1_1;
constexpr auto v5 = protocol_version::v5;

reason_code header_reason(const bytes& b, protocol_version v, std::uint32_t max = no_limit) {
  const auto h = parse_fixed_header(b, max, v);
  return h ? reason_code::success : to_reason_code(h.error());
}

// A few packets whose fixed headers take 2, 3, 4 and 5 bytes.
std::vector<bytes> sample_packets() {
  std::vector<bytes> out;
  out.push_back(encode_to_bytes(pingreq{}, v5));
  publish small;
  small.topic = "t";
  small.payload = shared_bytes::copy_of("hello");
  out.push_back(encode_to_bytes(small, v5));
  for (const std::size_t n : {200u, 20'000u, 2'100'000u}) {
    publish big;
    big.topic = "big";
    big.qos = qos::at_least_once;
    big.id = 1;
    big.payload = shared_bytes::copy_of(std::string(n, 'p'));
    out.push_back(encode_to_bytes(big, v5));
  }
  subscribe s;
  s.id = 3;
  s.entries = {{"a/#", {qos::exactly_once}}};
  out.push_back(encode_to_bytes(s, v5));
  return out;
}

disconnect full_disconnect() {
  disconnect d;
  d.reason = reason_code::administrative_action;
  d.properties.reason_string = "r";
  d.properties.session_expiry_interval = 1;
  return d;
}

TEST(FramingFixedHeader, EveryPrefixNeedsMoreUntilTheHeaderIsComplete) {
  for (const bytes& packet : sample_packets()) {
    const auto whole = parse_fixed_header(packet, no_limit, v5);
    ASSERT_TRUE(whole && *whole);
    const fixed_header expected = **whole;
    EXPECT_EQ(expected.packet_size(), packet.size());
    for (std::size_t k = 0; k <= std::min<std::size_t>(packet.size(), 16); ++k) {
      const bytes prefix(packet.begin(), packet.begin() + static_cast<std::ptrdiff_t>(k));
      const auto h = parse_fixed_header(prefix, no_limit, v5);
      ASSERT_TRUE(h) << "prefix " << k;
      if (k < expected.size) {
        EXPECT_FALSE(*h) << "prefix " << k << " of a " << int{expected.size} << "-byte header";
      } else {
        ASSERT_TRUE(*h) << "prefix " << k;
        EXPECT_EQ((*h)->type, expected.type);
        EXPECT_EQ((*h)->flags, expected.flags);
        EXPECT_EQ((*h)->remaining_length, expected.remaining_length);
        EXPECT_EQ((*h)->size, expected.size);
      }
    }
  }
}

// A byte stream cut at every position: the reassembled packets are the
// ones sent, whatever the chunk size.
TEST(FramingFixedHeader, StreamSplitAtEveryPosition) {
  std::vector<packet> sent;
  sent.push_back(pingreq{});
  publish p;
  p.topic = "a/b";
  p.qos = qos::exactly_once;
  p.id = 77;
  p.payload = shared_bytes::copy_of(std::string(300, 'x'));
  p.properties.user = {{"k", "v"}};
  sent.push_back(p);
  sent.push_back(puback{5, reason_code::success, {}});
  disconnect d;
  d.reason = reason_code::server_busy;
  sent.push_back(d);
  sent.push_back(auth{});
  bytes stream;
  for (const packet& q : sent)
    encode_append(q, v5, stream);

  for (std::size_t chunk = 1; chunk <= stream.size(); ++chunk) {
    bytes buffer;
    std::vector<packet> received;
    for (std::size_t at = 0; at < stream.size(); at += chunk) {
      const std::size_t end = std::min(stream.size(), at + chunk);
      buffer.insert(buffer.end(), stream.begin() + static_cast<std::ptrdiff_t>(at),
                    stream.begin() + static_cast<std::ptrdiff_t>(end));
      for (;;) {
        const auto h = parse_fixed_header(buffer, no_limit, v5);
        ASSERT_TRUE(h);
        if (!*h || buffer.size() < (*h)->packet_size()) break;
        const auto body =
            std::span<const std::uint8_t>(buffer).subspan((*h)->size, (*h)->remaining_length);
        auto decoded = decode(**h, body, v5);
        ASSERT_TRUE(decoded) << decoded.error().message();
        received.push_back(std::move(*decoded));
        buffer.erase(buffer.begin(), buffer.begin() + (*h)->packet_size());
      }
    }
    EXPECT_TRUE(buffer.empty()) << "chunk " << chunk;
    ASSERT_EQ(received.size(), sent.size()) << "chunk " << chunk;
    for (std::size_t i = 0; i < sent.size(); ++i)
      EXPECT_EQ(received[i], sent[i]);
  }
}

TEST(FramingFixedHeader, MaximumPacketSizeCheckedBeforeTheBody) {
  // PUBLISH with Remaining Length 1000 (0xE8 0x07): only the header is here.
  const bytes header{0x30, 0xE8, 0x07};
  EXPECT_EQ(header_reason(header, v5, 1002), reason_code::packet_too_large);
  EXPECT_EQ(header_reason(header, v311, 500), reason_code::packet_too_large);
  // The limit counts the whole packet, fixed header included (3.1.2.11.4).
  const auto exact = parse_fixed_header(header, 1003, v5);
  ASSERT_TRUE(exact && *exact);
  EXPECT_EQ((*exact)->packet_size(), 1003u);
  // The largest Remaining Length with "no limit".
  const bytes largest{0x30, 0xFF, 0xFF, 0xFF, 0x7F};
  EXPECT_EQ(header_reason(largest, v5, no_limit), reason_code::success);
  EXPECT_EQ(header_reason(largest, v5, no_limit - 1), reason_code::packet_too_large);
}

TEST(FramingFixedHeader, ReservedPacketTypeIsMalformed) {
  EXPECT_EQ(header_reason({0x00, 0x00}, v5), reason_code::malformed_packet);
  EXPECT_EQ(header_reason({0x00}, v5), reason_code::malformed_packet);  // seen at byte one
}

TEST(FramingFixedHeader, AuthOnlyInVersion5) {
  EXPECT_EQ(header_reason({0xF0, 0x00}, v5), reason_code::success);
  EXPECT_EQ(header_reason({0xF0, 0x00}, v311), reason_code::malformed_packet);
  EXPECT_EQ(header_reason({0xF0, 0x00}, v31), reason_code::malformed_packet);
}

// [MQTT-2.1.3-1] every flags value of every packet type, 3.1.1 and 5.0.
TEST(FramingFixedHeader, ReservedFlags_MQTT_2_1_3_1) {
  for (const protocol_version v : {v311, v5}) {
    for (int type = 1; type <= 15; ++type) {
      if (type == 15 && v != v5) continue;
      for (int flags = 0; flags < 16; ++flags) {
        const auto t = static_cast<packet_type>(type);
        bool ok = false;
        if (t == packet_type::publish) {
          ok = ((flags >> 1) & 3) != 3;  // [MQTT-3.3.1-4]
        } else if (t == packet_type::pubrel || t == packet_type::subscribe ||
                   t == packet_type::unsubscribe) {
          ok = flags == 0b0010;
        } else {
          ok = flags == 0;
        }
        const bytes b{static_cast<std::uint8_t>((type << 4) | flags)};
        EXPECT_EQ(header_reason(b, v), ok ? reason_code::success : reason_code::malformed_packet)
            << "type " << type << " flags " << flags;
      }
    }
  }
}

TEST(FramingFixedHeader, Version3_1AllowsDupOnPubrelSubscribeUnsubscribe) {
  // 3.1 set DUP on resent PUBREL/SUBSCRIBE/UNSUBSCRIBE; the reserved-flags
  // rule starts with 3.1.1.
  EXPECT_EQ(header_reason({0x6A, 0x02}, v31), reason_code::success);
  EXPECT_EQ(header_reason({0x8A, 0x02}, v31), reason_code::success);
  EXPECT_EQ(header_reason({0xAA, 0x02}, v31), reason_code::success);
  EXPECT_EQ(header_reason({0x6A, 0x02}, v311), reason_code::malformed_packet);
  // PUBLISH QoS 3 is malformed in every version.
  EXPECT_EQ(header_reason({0x36, 0x02}, v31), reason_code::malformed_packet);
}

TEST(FramingFixedHeader, PublishQos3IsMalformed_MQTT_3_3_1_4) {
  EXPECT_EQ(header_reason({0x36}, v5), reason_code::malformed_packet);
  EXPECT_EQ(header_reason({0x3F, 0x00}, v311), reason_code::malformed_packet);
}

TEST(FramingFixedHeader, RemainingLengthOverFourBytes_MQTT_1_5_5_1) {
  EXPECT_EQ(header_reason({0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F}, v5), reason_code::malformed_packet);
  // Known malformed as soon as the fourth length byte has a continuation bit.
  EXPECT_EQ(header_reason({0x30, 0x80, 0x80, 0x80, 0x80}, v5), reason_code::malformed_packet);
}

TEST(FramingFixedHeader, RemainingLengthNotMinimal_MQTT_1_5_5_1) {
  EXPECT_EQ(header_reason({0xC0, 0x80, 0x00}, v5), reason_code::malformed_packet);
  EXPECT_EQ(header_reason({0x30, 0x85, 0x80, 0x00}, v311), reason_code::malformed_packet);
}

TEST(FramingDecode, BodyLengthMustMatchHeader) {
  const auto h = parse_fixed_header(bytes{0x40, 0x02}, no_limit, v311);
  ASSERT_TRUE(h && *h);
  const bytes three{0x00, 0x01, 0x00};
  EXPECT_EQ(to_reason_code(decode(**h, three, v311).error()), reason_code::malformed_packet);
}

TEST(FramingDecode, DecodeWholeRejectsIncompleteOrExtraBytes) {
  EXPECT_EQ(decode_reason({0x40, 0x02, 0x00}, v311), reason_code::malformed_packet);
  EXPECT_EQ(decode_reason({0x40}, v311), reason_code::malformed_packet);
  EXPECT_EQ(decode_reason({0x40, 0x02, 0x00, 0x01, 0x00}, v311), reason_code::malformed_packet);
  EXPECT_EQ(decode_reason({}, v311), reason_code::malformed_packet);
}

// Mutated packets: the decoder never reads out of bounds (run under the
// sanitizers), and whatever it accepts encodes back to the same value.
TEST(FramingDecode, MutatedPacketsDecodeSafelyAndReencode) {
  std::vector<bytes> seeds = sample_packets();
  seeds.resize(2);  // the small ones; mutations of big payloads say nothing new
  publish p;
  p.topic = "a";
  p.qos = qos::at_least_once;
  p.id = 1;
  p.properties.topic_alias = 1;
  p.properties.user = {{"k", "v"}};
  p.properties.subscription_identifiers = {5};
  seeds.push_back(encode_to_bytes(p, v5));
  connect c;
  c.version = v5;
  c.client_id = "c";
  c.will.emplace();
  c.will->topic = "w";
  c.will->properties.will_delay_interval = 1;
  c.username = "u";
  c.password = "p";
  c.properties.receive_maximum = 5;
  seeds.push_back(encode_to_bytes(c, v5));
  subscribe s;
  s.id = 2;
  s.properties.subscription_identifier = 9;
  s.entries = {{"x/+", {qos::at_least_once, true, false, 1}}};
  seeds.push_back(encode_to_bytes(s, v5));
  seeds.push_back(encode_to_bytes(full_disconnect(), v5));

  std::mt19937 rng(12345);
  int accepted = 0;
  for (int i = 0; i < 20'000; ++i) {
    bytes b = seeds[static_cast<std::size_t>(i) % seeds.size()];
    const int flips = 1 + static_cast<int>(rng() % 3);
    for (int f = 0; f < flips; ++f) {
      b[rng() % b.size()] = static_cast<std::uint8_t>(rng());
    }
    if (rng() % 4 == 0) b.resize(rng() % (b.size() + 1));
    for (const protocol_version v : {v31, v311, v5}) {
      const auto r = decode_whole(b, v);
      if (!r) continue;
      ++accepted;
      const auto again = decode_whole(encode_to_bytes(*r, v), v);
      ASSERT_TRUE(again) << "re-encoding an accepted packet fails: " << again.error().message();
      EXPECT_EQ(*again, *r);
    }
  }
  EXPECT_GT(accepted, 0);
}

}  // namespace
