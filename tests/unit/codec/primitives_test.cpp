// Data representations (spec 1.5), topic names and filters (4.7, 4.8) and
// reason codes (2.4).

#include <array>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "mqtt/codec/detail/byte_reader.hpp"
#include "mqtt/codec/detail/byte_writer.hpp"
#include "mqtt/codec/detail/varint.hpp"
#include "mqtt/codec/reason_code.hpp"
#include "mqtt/codec/topic.hpp"
#include "mqtt/codec/utf8.hpp"
#include "tests/unit/codec/codec_test_support.hpp"

namespace {

using namespace tern::mqtt;
using namespace tern::mqtt::codec_test;
using detail::varint_status;

varint_status decode(const bytes& b, std::uint32_t& value, std::size_t& length) {
  return detail::decode_varint(b.data(), b.data() + b.size(), value, length);
}

// ---- Variable Byte Integer (1.5.5) ----

TEST(PrimitivesVarint, BoundariesOfTable1_1) {
  struct row {
    std::uint32_t value;
    bytes wire;
  };
  const std::array<row, 9> rows{{
      {0, {0x00}},
      {127, {0x7F}},
      {128, {0x80, 0x01}},
      {16'383, {0xFF, 0x7F}},
      {16'384, {0x80, 0x80, 0x01}},
      {2'097'151, {0xFF, 0xFF, 0x7F}},
      {2'097'152, {0x80, 0x80, 0x80, 0x01}},
      {268'435'455, {0xFF, 0xFF, 0xFF, 0x7F}},
      {321, {0xC1, 0x02}},
  }};
  for (const row& r : rows) {
    std::uint32_t value = 0;
    std::size_t length = 0;
    ASSERT_EQ(decode(r.wire, value, length), varint_status::ok) << r.value;
    EXPECT_EQ(value, r.value);
    EXPECT_EQ(length, r.wire.size());
    EXPECT_EQ(detail::varint_size(r.value), r.wire.size());

    bytes out(4, 0xEE);
    detail::byte_writer w{out.data()};
    w.varint(r.value);
    out.resize(static_cast<std::size_t>(w.position() - out.data()));
    EXPECT_EQ(out, r.wire) << r.value;
  }
}

TEST(PrimitivesVarint, FifthByteIsMalformed_MQTT_1_5_5_1) {
  std::uint32_t value = 0;
  std::size_t length = 0;
  EXPECT_EQ(decode({0xFF, 0xFF, 0xFF, 0xFF, 0x7F}, value, length), varint_status::malformed);
  EXPECT_EQ(decode({0x80, 0x80, 0x80, 0x80}, value, length), varint_status::malformed);
}

TEST(PrimitivesVarint, NonMinimalEncodingIsMalformed_MQTT_1_5_5_1) {
  // [MQTT-1.5.5-1] the encoded value MUST use the minimum number of bytes.
  std::uint32_t value = 0;
  std::size_t length = 0;
  EXPECT_EQ(decode({0x80, 0x00}, value, length), varint_status::malformed);
  EXPECT_EQ(decode({0xFF, 0x80, 0x00}, value, length), varint_status::malformed);
  EXPECT_EQ(decode({0x80, 0x80, 0x80, 0x00}, value, length), varint_status::malformed);
}

TEST(PrimitivesVarint, TruncatedNeedsMore) {
  std::uint32_t value = 0;
  std::size_t length = 0;
  EXPECT_EQ(decode({}, value, length), varint_status::need_more);
  EXPECT_EQ(decode({0x80}, value, length), varint_status::need_more);
  EXPECT_EQ(decode({0xFF, 0xFF, 0xFF}, value, length), varint_status::need_more);
}

TEST(PrimitivesReader, TruncatedFieldsFail) {
  const bytes b{0x00, 0x05, 'a', 'b'};
  detail::byte_reader r{b};
  std::string_view s;
  EXPECT_FALSE(r.read_binary(s));

  const bytes one{0x01};
  detail::byte_reader r2{one};
  std::uint16_t v16 = 0;
  EXPECT_FALSE(r2.read_u16(v16));
  std::uint32_t v32 = 0;
  detail::byte_reader r3{one};
  EXPECT_FALSE(r3.read_u32(v32));
}

// ---- UTF-8 Encoded Strings (1.5.4) ----

bool valid(std::string_view s) {
  return is_valid_mqtt_utf8(s);
}

TEST(PrimitivesUtf8, WellFormed) {
  EXPECT_TRUE(valid(""));
  EXPECT_TRUE(valid("sensors/temperature/kitchen"));
  EXPECT_TRUE(valid("\xC3\xA9t\xC3\xA9"));  // é: two bytes
  EXPECT_TRUE(valid("\xE2\x82\xAC"));       // €: three bytes
  EXPECT_TRUE(valid("\xF0\x9F\x98\x80"));   // U+1F600: four bytes
  EXPECT_TRUE(valid("\xF4\x8F\xBF\xBF"));   // U+10FFFF, the last code point
  EXPECT_TRUE(valid("\xED\x9F\xBF"));       // U+D7FF, just below surrogates
  EXPECT_TRUE(valid("\xEE\x80\x80"));       // U+E000, just above them
  EXPECT_TRUE(valid("\x01\x1F\x7F"));       // control characters are allowed
  EXPECT_TRUE(valid("\xEF\xBF\xBF"));       // U+FFFF, a non-character
  EXPECT_TRUE(
      valid("abcdefgh\xC3\xA9"
            "abcdefghijklmnop"));  // across the 8-byte steps
}

TEST(PrimitivesUtf8, NullCharacterIsMalformed_MQTT_1_5_4_2) {
  using namespace std::string_view_literals;
  EXPECT_FALSE(valid("\0"sv));
  EXPECT_FALSE(valid("a\0b"sv));
  // At every position of a long ASCII string (fast and slow paths).
  for (std::size_t i = 0; i < 20; ++i) {
    std::string s(20, 'x');
    s[i] = '\0';
    EXPECT_FALSE(valid(s)) << "NUL at " << i;
  }
  // The overlong two-byte form of U+0000 is rejected too.
  EXPECT_FALSE(valid("\xC0\x80"));
}

TEST(PrimitivesUtf8, SurrogatesAreMalformed_MQTT_1_5_4_1) {
  EXPECT_FALSE(valid("\xED\xA0\x80"));              // U+D800
  EXPECT_FALSE(valid("\xED\xBF\xBF"));              // U+DFFF
  EXPECT_FALSE(valid("\xED\xA0\xBD\xED\xB8\x80"));  // a CESU-8 surrogate pair
  EXPECT_FALSE(valid("abcdefgh\xED\xB0\x80"));
}

TEST(PrimitivesUtf8, OverlongFormsAreMalformed_MQTT_1_5_4_1) {
  EXPECT_FALSE(valid("\xC0\xAF"));  // '/' in two bytes
  EXPECT_FALSE(valid("\xC1\xBF"));
  EXPECT_FALSE(valid("\xE0\x80\xAF"));      // '/' in three bytes
  EXPECT_FALSE(valid("\xE0\x9F\xBF"));      // U+07FF in three bytes
  EXPECT_FALSE(valid("\xF0\x80\x80\xAF"));  // '/' in four bytes
  EXPECT_FALSE(valid("\xF0\x8F\xBF\xBF"));  // U+FFFF in four bytes
}

TEST(PrimitivesUtf8, IllFormedSequencesAreMalformed_MQTT_1_5_4_1) {
  EXPECT_FALSE(valid("\x80"));  // stray continuation byte
  EXPECT_FALSE(valid("a\xBF"));
  EXPECT_FALSE(valid("\xC3"));              // truncated two-byte sequence
  EXPECT_FALSE(valid("\xE2\x82"));          // truncated three-byte sequence
  EXPECT_FALSE(valid("\xF0\x9F\x98"));      // truncated four-byte sequence
  EXPECT_FALSE(valid("\xC3\x28"));          // continuation byte missing
  EXPECT_FALSE(valid("\xF4\x90\x80\x80"));  // U+110000, beyond Unicode
  EXPECT_FALSE(valid("\xF5\x80\x80\x80"));
  EXPECT_FALSE(valid("\xF8\x88\x80\x80\x80"));  // old five-byte form
  EXPECT_FALSE(valid("\xFE"));
  EXPECT_FALSE(valid("\xFF"));
}

TEST(PrimitivesUtf8, ByteOrderMarkIsKept_MQTT_1_5_4_3) {
  EXPECT_TRUE(valid("\xEF\xBB\xBF"));
  EXPECT_TRUE(valid("\xEF\xBB\xBFtopic"));
  // A decoded topic keeps it: the receiver must not strip U+FEFF.
  publish p;
  p.topic =
      "\xEF\xBB\xBF"
      "a/b";
  const auto back =
      decode_whole(encode_to_bytes(p, protocol_version::v3_1_1), protocol_version::v3_1_1);
  ASSERT_TRUE(back);
  EXPECT_EQ(std::get<publish>(*back).topic,
            "\xEF\xBB\xBF"
            "a/b");
}

// ---- Topic names and filters (4.7) ----

TEST(PrimitivesTopic, ValidTopicNames) {
  EXPECT_TRUE(is_valid_topic_name("a"));
  EXPECT_TRUE(is_valid_topic_name("/"));
  EXPECT_TRUE(is_valid_topic_name("a//b/"));
  EXPECT_TRUE(is_valid_topic_name("$SYS/broker/load"));
  EXPECT_TRUE(is_valid_topic_name("sport/tennis/player1"));
  EXPECT_TRUE(is_valid_topic_name(" "));
}

TEST(PrimitivesTopic, InvalidTopicNames) {
  using namespace std::string_view_literals;
  EXPECT_FALSE(is_valid_topic_name(""));     // [MQTT-4.7.3-1]
  EXPECT_FALSE(is_valid_topic_name("a/+"));  // [MQTT-3.3.2-2]
  EXPECT_FALSE(is_valid_topic_name("#"));
  EXPECT_FALSE(is_valid_topic_name("a/b#"));
  EXPECT_FALSE(is_valid_topic_name("a\0b"sv));  // [MQTT-4.7.3-2]
}

TEST(PrimitivesTopic, ValidTopicFilters) {
  for (const char* f : {"#", "+", "sport/#", "sport/tennis/#", "+/tennis/#", "sport/+/player1",
                        "+/+", "/+", "a//b", "/a", "a/", "/", "$SYS/#", "$share", "$sharex/a",
                        "$share/group/a/b", "$share/g/#", "$share/g/+/x", "$share/g//"}) {
    EXPECT_TRUE(is_valid_topic_filter(f)) << f;
  }
}

TEST(PrimitivesTopic, InvalidTopicFilters) {
  using namespace std::string_view_literals;
  for (const char* f : {"",               // [MQTT-4.7.3-1]
                        "sport/tennis#",  // [MQTT-4.7.1-2]
                        "sport/tennis/#/ranking", "#/a", "##", "a/#b",
                        "sport+",  // [MQTT-4.7.1-3]
                        "sport/+x", "+a", "a/++/b",
                        "$share/",          // [MQTT-4.8.2-1] no ShareName
                        "$share//a",        // [MQTT-4.8.2-1] empty ShareName
                        "$share/group",     // [MQTT-4.8.2-2] no '/' and filter
                        "$share/group/",    // [MQTT-4.8.2-2] empty filter
                        "$share/gr+oup/a",  // [MQTT-4.8.2-2] wildcard in ShareName
                        "$share/gr#/a", "$share/g/a#"}) {
    EXPECT_FALSE(is_valid_topic_filter(f)) << f;
  }
  EXPECT_FALSE(is_valid_topic_filter("a\0"sv));
}

TEST(PrimitivesTopic, HasWildcard) {
  EXPECT_TRUE(has_wildcard("a/+"));
  EXPECT_TRUE(has_wildcard("#"));
  EXPECT_FALSE(has_wildcard("a/b"));
  EXPECT_FALSE(has_wildcard(""));
}

TEST(PrimitivesTopic, ParseSharedFilter) {
  const auto s = parse_shared_filter("$share/consumers/sport/+/player1");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->group, "consumers");
  EXPECT_EQ(s->filter, "sport/+/player1");

  const auto root = parse_shared_filter("$share/g//");
  ASSERT_TRUE(root);
  EXPECT_EQ(root->group, "g");
  EXPECT_EQ(root->filter, "/");

  EXPECT_FALSE(parse_shared_filter("sport/#"));
  EXPECT_FALSE(parse_shared_filter("$share"));
  EXPECT_FALSE(parse_shared_filter("$SHARE/g/a"));
  EXPECT_FALSE(parse_shared_filter("$share//a"));
  EXPECT_FALSE(parse_shared_filter("$share/g"));
  EXPECT_FALSE(parse_shared_filter("$share/g/"));
  EXPECT_FALSE(parse_shared_filter("$share/+/a"));
  EXPECT_FALSE(parse_shared_filter("$share/g/a/#/b"));
}

struct match_case {
  const char* filter;
  const char* topic;
  bool matches;
};

TEST(PrimitivesTopic, TopicMatchesExamplesOfSection4_7) {
  const match_case cases[] = {
      // 4.7.1.2 multi-level wildcard
      {"sport/tennis/player1/#", "sport/tennis/player1", true},
      {"sport/tennis/player1/#", "sport/tennis/player1/ranking", true},
      {"sport/tennis/player1/#", "sport/tennis/player1/score/wimbledon", true},
      {"sport/#", "sport", true},
      {"#", "a/b/c", true},
      {"#", "/", true},
      {"a/#", "a/", true},
      {"a/#", "ab", false},
      // 4.7.1.3 single-level wildcard
      {"sport/tennis/+", "sport/tennis/player1", true},
      {"sport/tennis/+", "sport/tennis/player2", true},
      {"sport/tennis/+", "sport/tennis/player1/ranking", false},
      {"sport/+", "sport", false},
      {"sport/+", "sport/", true},
      {"+", "a", true},
      {"+", "a/b", false},
      {"+/+", "/finance", true},
      {"/+", "/finance", true},
      {"+", "/finance", false},
      {"+/tennis/#", "sport/tennis", true},
      {"+/#", "a", true},
      // exact matches and empty levels
      {"a/b", "a/b", true},
      {"a/b", "a/b/", false},
      {"a//b", "a//b", true},
      {"a/+/b", "a//b", true},
      {"a/b", "a/bc", false},
      {"a/bc", "a/b", false},
      {"a/b/c", "a/b", false},
      {"A", "a", false},  // case-sensitive (4.7.3)
  };
  for (const match_case& c : cases) {
    EXPECT_EQ(topic_matches(c.filter, c.topic), c.matches) << c.filter << " vs " << c.topic;
  }
}

TEST(PrimitivesTopic, DollarTopicsNotMatchedByLeadingWildcard_MQTT_4_7_2_1) {
  EXPECT_FALSE(topic_matches("#", "$SYS/broker/clients"));
  EXPECT_FALSE(topic_matches("+/monitor/Clients", "$SYS/monitor/Clients"));
  EXPECT_FALSE(topic_matches("+", "$SYS"));
  EXPECT_TRUE(topic_matches("$SYS/#", "$SYS/broker/clients"));
  EXPECT_TRUE(topic_matches("$SYS/monitor/+", "$SYS/monitor/Clients"));
  EXPECT_TRUE(topic_matches("$SYS/#", "$SYS"));
  // Only a '$' at the start of the topic matters.
  EXPECT_TRUE(topic_matches("+/$x", "a/$x"));
  EXPECT_TRUE(topic_matches("#", "a/$SYS"));
}

// ---- Reason codes (2.4) ----

TEST(PrimitivesReasonCode, SuccessCodesAreNotFailures) {
  EXPECT_FALSE(make_error_code(reason_code::success).failed());
  EXPECT_FALSE(make_error_code(reason_code::granted_qos_2).failed());
  EXPECT_FALSE(make_error_code(reason_code::no_matching_subscribers).failed());
  EXPECT_FALSE(make_error_code(reason_code::re_authenticate));
  EXPECT_TRUE(make_error_code(reason_code::unspecified_error).failed());
  EXPECT_TRUE(make_error_code(reason_code::malformed_packet));
  const boost::system::error_code ec = reason_code::packet_too_large;
  EXPECT_EQ(ec.category(), reason_category());
  EXPECT_EQ(to_reason_code(ec), reason_code::packet_too_large);
  EXPECT_EQ(ec.message(), "Packet too large");
  EXPECT_STREQ(reason_category().name(), "mqtt");
  char buffer[8];
  EXPECT_STREQ(ec.category().message(ec.value(), buffer, sizeof buffer), "Packet too large");
}

TEST(PrimitivesReasonCode, OtherCategories) {
  EXPECT_EQ(to_reason_code(boost::system::error_code{}), reason_code::success);
  EXPECT_EQ(to_reason_code(make_error_code(boost::system::errc::connection_reset)),
            reason_code::unspecified_error);
}

TEST(PrimitivesReasonCode, NamesAndKnownCodes) {
  EXPECT_EQ(reason_name(reason_code::success), "Success");
  EXPECT_EQ(reason_name(reason_code::malformed_packet), "Malformed Packet");
  EXPECT_EQ(reason_name(reason_code::wildcard_subscriptions_not_supported),
            "Wildcard Subscriptions not supported");
  EXPECT_EQ(reason_name(static_cast<reason_code>(0x03)), "Unknown");
  int known = 0;
  for (int v = 0; v < 256; ++v) {
    const bool k = is_known_reason_code(static_cast<std::uint8_t>(v));
    known += k ? 1 : 0;
    EXPECT_EQ(k, reason_name(static_cast<reason_code>(v)) != "Unknown") << v;
  }
  EXPECT_EQ(known, 43);  // table 2-6 without the aliases of 0x00
  EXPECT_FALSE(is_known_reason_code(0x03));
  EXPECT_FALSE(is_known_reason_code(0xA3));
  EXPECT_FALSE(is_known_reason_code(0xFF));
}

TEST(PrimitivesReasonCode, ConnackReturnCodeMapping) {
  EXPECT_EQ(to_connack_return_code(reason_code::success), connack_return_code::accepted);
  EXPECT_EQ(to_connack_return_code(reason_code::unsupported_protocol_version),
            connack_return_code::unacceptable_protocol_version);
  EXPECT_EQ(to_connack_return_code(reason_code::client_identifier_not_valid),
            connack_return_code::identifier_rejected);
  EXPECT_EQ(to_connack_return_code(reason_code::server_unavailable),
            connack_return_code::server_unavailable);
  EXPECT_EQ(to_connack_return_code(reason_code::server_busy),
            connack_return_code::server_unavailable);
  EXPECT_EQ(to_connack_return_code(reason_code::bad_user_name_or_password),
            connack_return_code::bad_user_name_or_password);
  EXPECT_EQ(to_connack_return_code(reason_code::not_authorized),
            connack_return_code::not_authorized);
  EXPECT_EQ(to_connack_return_code(reason_code::banned), connack_return_code::not_authorized);
  EXPECT_EQ(to_connack_return_code(reason_code::protocol_error),
            connack_return_code::server_unavailable);
  for (std::uint8_t rc = 0; rc <= 5; ++rc) {
    const auto code = static_cast<connack_return_code>(rc);
    EXPECT_EQ(to_connack_return_code(from_connack_return_code(code)), code);
  }
}

}  // namespace
