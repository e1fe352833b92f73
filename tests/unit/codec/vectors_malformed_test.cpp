// Malformed packets and protocol errors: each test names the normative
// statement it checks and expects the exact reason code of the error.
//
// Reason codes follow MQTT 5.0 (which 3.1.1 lacks; there the same faults
// close the connection, [MQTT-4.8.0-1] of 3.1.1). Where 5.0 states the code
// ("it is a Malformed Packet", "it is a Protocol Error") that statement is
// cited. Where it does not, the choice and the section it rests on are given
// in a comment; the general rule is section 1.2: a Malformed Packet "cannot be
// parsed according to this specification", a Protocol Error is "detected
// after the packet has been parsed and found to contain data that is not
// allowed by the protocol".
//
// Property errors and UTF-8 errors are in vectors_malformed_properties_test.cpp.

#include <initializer_list>

#include <gtest/gtest.h>

#include "mqtt/codec/decoder.hpp"
#include "tests/unit/codec/hex.hpp"
#include "tests/unit/codec/vector_check.hpp"

namespace {

namespace mqtt = tern::mqtt;
using mqtt::protocol_version;
using mqtt::reason_code;
using namespace mqtt::test_vectors;

constexpr auto v31 = protocol_version::v3_1;
constexpr auto v311 = protocol_version::v3_1_1;
constexpr auto v5 = protocol_version::v5;

struct bad_vector {
  const char* what;  // the fault, for the failure message
  protocol_version version;
  const char* wire;
};

void expect_all_fail_with(std::initializer_list<bad_vector> cases, reason_code expected) {
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    EXPECT_TRUE(fails_with(hex(c.wire), c.version, expected));
  }
}

// ------------------------------------------------------------ fixed header

// [MQTT-2.1.3-1] (5.0; [MQTT-2.2.2-1] in 3.1.1): reserved flag bits "MUST be
// set to the value listed"; "If invalid flags are received it is a Malformed
// Packet". Table 2-2: 0010 for PUBREL [MQTT-3.6.1-1], SUBSCRIBE
// [MQTT-3.8.1-1] and UNSUBSCRIBE [MQTT-3.10.1-1], 0000 for the others
// (DISCONNECT [MQTT-3.14.1-1], AUTH [MQTT-3.15.1-1]).
TEST(MalformedFixedHeader, ReservedFlagBits) {
  expect_all_fail_with(
      {
          {"CONNECT 0001", v5, "11 0d 00 04 4d 51 54 54 05 02 00 3c 00 00 00"},
          {"CONNACK 1000", v5, "28 03 00 00 00"},
          {"PUBACK 0010", v5, "42 02 00 0a"},
          {"PUBREC 0001", v5, "51 02 00 0a"},
          {"PUBREL 0000", v5, "60 02 00 0a"},
          {"PUBREL 0100", v5, "64 02 00 0a"},
          {"PUBREL 1010", v5, "6a 02 00 0a"},
          {"PUBCOMP 1000", v5, "78 02 00 0a"},
          {"SUBSCRIBE 0000", v5, "80 09 00 0a 00 00 03 61 2f 62 01"},
          {"SUBSCRIBE 0011", v5, "83 09 00 0a 00 00 03 61 2f 62 01"},
          {"SUBSCRIBE 1010", v5, "8a 09 00 0a 00 00 03 61 2f 62 01"},
          {"SUBACK 0001", v5, "91 04 00 0a 00 00"},
          {"UNSUBSCRIBE 0000", v5, "a0 08 00 0b 00 00 03 61 2f 62"},
          {"UNSUBSCRIBE 0110", v5, "a6 08 00 0b 00 00 03 61 2f 62"},
          {"UNSUBACK 0010", v5, "b2 04 00 0b 00 00"},
          {"PINGREQ 0001", v5, "c1 00"},
          {"PINGREQ 1000", v5, "c8 00"},
          {"PINGRESP 0010", v5, "d2 00"},
          {"DISCONNECT 0001", v5, "e1 00"},
          {"AUTH 0100", v5, "f4 00"},
          {"3.1.1 CONNECT 0010", v311, "12 0c 00 04 4d 51 54 54 04 02 00 3c 00 00"},
          {"3.1.1 CONNACK 0001", v311, "21 02 00 00"},
          {"3.1.1 PUBACK 0001", v311, "41 02 00 0a"},
          {"3.1.1 PUBREC 0010", v311, "52 02 00 0a"},
          {"3.1.1 PUBREL 0000", v311, "60 02 00 0a"},
          {"3.1.1 PUBCOMP 0001", v311, "71 02 00 0a"},
          {"3.1.1 SUBSCRIBE 0000", v311, "80 08 00 0a 00 03 61 2f 62 01"},
          {"3.1.1 SUBACK 1000", v311, "98 03 00 0a 00"},
          {"3.1.1 UNSUBSCRIBE 0000", v311, "a0 07 00 0b 00 03 61 2f 62"},
          {"3.1.1 UNSUBACK 0001", v311, "b1 02 00 0b"},
          {"3.1.1 PINGREQ 0100", v311, "c4 00"},
          {"3.1.1 PINGRESP 0001", v311, "d1 00"},
          {"3.1.1 DISCONNECT 1000", v311, "e8 00"},
      },
      reason_code::malformed_packet);
}

// 2.1.2, table 2-1: packet type 0 is "Reserved / Forbidden".
TEST(MalformedFixedHeader, PacketTypeZero) {
  EXPECT_TRUE(header_fails_with(hex("00 00"), no_size_limit, v5, reason_code::malformed_packet));
  expect_all_fail_with({{"type 0", v5, "00 00"}, {"3.1.1 type 0", v311, "00 00"}},
                       reason_code::malformed_packet);
}

// 3.1.1 2.2.1, table 2.1: packet type 15 is "Reserved / Forbidden" before
// 5.0 made it AUTH.
TEST(MalformedFixedHeader, AuthBeforeVersion5) {
  EXPECT_TRUE(header_fails_with(hex("f0 00"), no_size_limit, v311, reason_code::malformed_packet));
  EXPECT_TRUE(header_fails_with(hex("f0 00"), no_size_limit, v31, reason_code::malformed_packet));
  expect_all_fail_with(
      {
          {"3.1.1 AUTH, remaining length 0", v311, "f0 00"},
          {"3.1.1 AUTH with reason and properties", v311, "f0 02 18 00"},
          {"3.1 AUTH", v31, "f0 00"},
      },
      reason_code::malformed_packet);
}

// [MQTT-3.3.1-4]: "A PUBLISH Packet MUST NOT have both QoS bits set to 1 ...
// it is a Malformed Packet."
TEST(MalformedFixedHeader, PublishQos3) {
  EXPECT_TRUE(header_fails_with(hex("36 06"), no_size_limit, v5, reason_code::malformed_packet));
  expect_all_fail_with(
      {
          {"QoS 3", v5, "36 08 00 03 61 2f 62 00 0a 00"},
          {"QoS 3, DUP, RETAIN", v5, "3f 08 00 03 61 2f 62 00 0a 00"},
          {"3.1.1 QoS 3", v311, "36 07 00 03 61 2f 62 00 0a"},
      },
      reason_code::malformed_packet);
}

// [MQTT-3.3.1-2]: "The DUP flag MUST be set to 0 for all QoS 0 messages."
// 5.0 names no reason code here. Chosen: malformed (0x81), following 2.1.3,
// which calls invalid flags in the fixed header a Malformed Packet.
TEST(MalformedFixedHeader, PublishDupWithQos0) {
  expect_all_fail_with(
      {
          {"DUP 1, QoS 0", v5, "38 06 00 03 61 2f 62 00"},
          {"DUP 1, QoS 0, RETAIN 1", v5, "39 06 00 03 61 2f 62 00"},
          {"3.1.1 DUP 1, QoS 0", v311, "38 05 00 03 61 2f 62"},
      },
      reason_code::malformed_packet);
}

// [MQTT-1.5.5-1] and 1.5.5: "The maximum number of bytes in the Variable
// Byte Integer field is four"; the decoding algorithm throws "Malformed
// Variable Byte Integer" on a fifth byte.
TEST(MalformedFixedHeader, RemainingLengthOfFiveBytes) {
  for (const char* wire : {"30 ff ff ff ff 01", "30 80 80 80 80 00", "c0 80 80 80 80 01"}) {
    SCOPED_TRACE(wire);
    EXPECT_TRUE(header_fails_with(hex(wire), no_size_limit, v5, reason_code::malformed_packet));
    EXPECT_TRUE(header_fails_with(hex(wire), no_size_limit, v311, reason_code::malformed_packet));
    EXPECT_TRUE(fails_with(hex(wire), v5, reason_code::malformed_packet));
  }
}

// 3.1.2.11.4 / 3.2.2.3.6: a packet larger than the Maximum Packet Size is
// answered with 0x95 (Packet too large). parse_fixed_header decides from the
// fixed header alone, before any of the body has arrived (2.1.4: packet size
// = fixed header + Remaining Length).
TEST(MalformedFixedHeader, PacketTooLargeFromFixedHeaderAlone) {
  // PUBLISH, remaining length 16383 (ff 7f): packet size 3 + 16383 = 16386.
  const bytes header = hex("30 ff 7f");
  EXPECT_TRUE(header_fails_with(header, 16385, v5, reason_code::packet_too_large));
  EXPECT_TRUE(header_fails_with(header, 16385, v311, reason_code::packet_too_large));
  const auto at_limit = mqtt::parse_fixed_header(header, 16386, v5);
  ASSERT_TRUE(at_limit.has_value()) << describe(at_limit.error());
  ASSERT_TRUE(at_limit->has_value());
  EXPECT_EQ((*at_limit)->type, mqtt::packet_type::publish);
  EXPECT_EQ((*at_limit)->remaining_length, 16383U);
  EXPECT_EQ((*at_limit)->size, 3U);
  EXPECT_EQ((*at_limit)->packet_size(), 16386U);

  // The largest Remaining Length, 268,435,455 (ff ff ff 7f), fits only when
  // there is no limit.
  const bytes largest = hex("30 ff ff ff 7f");
  const auto unlimited = mqtt::parse_fixed_header(largest, no_size_limit, v5);
  ASSERT_TRUE(unlimited.has_value()) << describe(unlimited.error());
  ASSERT_TRUE(unlimited->has_value());
  EXPECT_EQ((*unlimited)->remaining_length, mqtt::max_variable_byte_integer);
  EXPECT_EQ((*unlimited)->size, 5U);
  EXPECT_TRUE(header_fails_with(largest, no_size_limit - 1, v5, reason_code::packet_too_large));

  // A 2-byte PINGREQ against a 1-byte limit.
  EXPECT_TRUE(header_fails_with(hex("c0 00"), 1, v5, reason_code::packet_too_large));
}

// ------------------------------------------------------------ framing

// A packet whose Remaining Length covers bytes that its layout does not
// (chapter 3 gives each packet's fields; nothing may follow them): it cannot
// be parsed as specified, so malformed.
TEST(MalformedFraming, TrailingBytesAfterCompleteBody) {
  expect_all_fail_with(
      {
          {"PINGREQ with a body (3.12.2, 3.12.3)", v5, "c0 01 00"},
          {"PINGRESP with a body (3.13.2, 3.13.3)", v311, "d0 01 00"},
          {"3.1.1 DISCONNECT with a body (3.14)", v311, "e0 01 00"},
          {"3.1.1 CONNACK of length 3 (3.2.1)", v311, "20 03 00 00 00"},
          {"3.1.1 PUBACK of length 3 (3.4.1)", v311, "40 03 00 0a 00"},
          {"3.1.1 UNSUBACK of length 3 (3.11.1)", v311, "b0 03 00 0b 00"},
          {"3.1.1 CONNECT, a byte after the client id", v311,
           "10 0d 00 04 4d 51 54 54 04 02 00 3c 00 00 ff"},
          {"CONNECT, a byte after the client id", v5,
           "10 0e 00 04 4d 51 54 54 05 02 00 3c 00 00 00 ff"},
          {"CONNACK, a byte after the properties", v5, "20 04 00 00 00 ff"},
          {"PUBACK, a byte after the properties", v5, "40 05 00 0a 00 00 ff"},
          {"DISCONNECT, a byte after the properties", v5, "e0 03 00 00 ff"},
          {"AUTH, a byte after the properties", v5, "f0 03 00 00 ff"},
      },
      reason_code::malformed_packet);
}

// decode_whole() takes exactly one packet: the bytes must end where the
// Remaining Length says (2.1.4).
TEST(MalformedFraming, DecodeWholeNeedsExactlyOnePacket) {
  expect_all_fail_with(
      {
          {"two PINGREQs", v5, "c0 00 c0 00"},
          {"PUBACK and one more byte", v5, "40 02 00 0a 00"},
          {"PUBACK cut short", v5, "40 02 00"},
          {"a lone first byte", v5, "c0"},
          {"nothing", v5, ""},
      },
      reason_code::malformed_packet);
}

// ------------------------------------------------------------ CONNECT

// [MQTT-3.1.2-3]: "If the reserved flag is not 0 it is a Malformed Packet."
TEST(MalformedConnect, ReservedFlag) {
  expect_all_fail_with(
      {
          {"flags 0x03", v5, "10 0d 00 04 4d 51 54 54 05 03 00 3c 00 00 00"},
          {"flags 0x01", v5, "10 0d 00 04 4d 51 54 54 05 01 00 3c 00 00 00"},
          {"3.1.1 flags 0x03", v311, "10 0c 00 04 4d 51 54 54 04 03 00 3c 00 00"},
      },
      reason_code::malformed_packet);
}

// [MQTT-3.1.2-12] (3.1.1: [MQTT-3.1.2-14]): "A value of 3 (0x03) is a
// Malformed Packet." Flags 0x1E: will QoS 3, will, clean start.
TEST(MalformedConnect, WillQos3) {
  expect_all_fail_with(
      {
          {"will QoS 3", v5, "10 13 00 04 4d 51 54 54 05 1e 00 3c 00 00 00 00 00 01 74 00 00"},
          {"3.1.1 will QoS 3", v311, "10 11 00 04 4d 51 54 54 04 1e 00 3c 00 00 00 01 74 00 00"},
      },
      reason_code::malformed_packet);
}

// [MQTT-3.1.2-11] "If the Will Flag is set to 0, then the Will QoS MUST be
// set to 0" and [MQTT-3.1.2-13] "If the Will Flag is set to 0, then Will
// Retain MUST be set to 0" (3.1.1: [MQTT-3.1.2-13], [MQTT-3.1.2-15]). 5.0
// names no code; chosen: malformed (0x81), as for the neighbouring
// [MQTT-3.1.2-3] and [MQTT-3.1.2-12], which make other impossible Connect
// Flags values a Malformed Packet.
TEST(MalformedConnect, WillQosOrRetainWithoutWillFlag) {
  expect_all_fail_with(
      {
          {"will QoS 1 without will (0x0a)", v5, "10 0d 00 04 4d 51 54 54 05 0a 00 3c 00 00 00"},
          {"will QoS 2 without will (0x12)", v5, "10 0d 00 04 4d 51 54 54 05 12 00 3c 00 00 00"},
          {"will retain without will (0x22)", v5, "10 0d 00 04 4d 51 54 54 05 22 00 3c 00 00 00"},
          {"3.1.1 will QoS 1 without will", v311, "10 0c 00 04 4d 51 54 54 04 0a 00 3c 00 00"},
          {"3.1.1 will retain without will", v311, "10 0c 00 04 4d 51 54 54 04 22 00 3c 00 00"},
      },
      reason_code::malformed_packet);
}

// [MQTT-3.1.2-22] (3.1.1 only): "If the User Name Flag is set to 0, the
// Password Flag MUST be set to 0." 3.1.1 has no reason codes; chosen:
// malformed (0x81), as 3.1.1 [MQTT-3.1.4-1] requires closing the connection
// on a CONNECT that does not conform to section 3.1. (5.0 allows this.)
TEST(MalformedConnect, PasswordWithoutUserNameIn311) {
  expect_all_fail_with(
      {
          {"3.1.1 flags 0x42 and a password", v311,
           "10 10 00 04 4d 51 54 54 04 42 00 3c 00 00 00 02 70 77"},
      },
      reason_code::malformed_packet);
}

// [MQTT-3.1.2-2]: "If the Protocol Version is not 5 and the Server does not
// want to accept the CONNECT packet, the Server MAY send a CONNACK packet
// with Reason Code 0x84 (Unsupported Protocol Version)" (3.1.1: return code
// 0x01, unacceptable protocol level).
TEST(MalformedConnect, UnsupportedProtocolLevel) {
  expect_all_fail_with(
      {
          {"MQTT level 6", v5, "10 0d 00 04 4d 51 54 54 06 02 00 3c 00 00 00"},
          {"MQTT level 0", v5, "10 0d 00 04 4d 51 54 54 00 02 00 3c 00 00 00"},
          {"MQTT level 0x85", v311, "10 0d 00 04 4d 51 54 54 85 02 00 3c 00 00 00"},
      },
      reason_code::unsupported_protocol_version);
}

// [MQTT-3.1.2-1]: "The protocol name MUST be the UTF-8 String "MQTT". If the
// Server does not want to accept the CONNECT, and wishes to reveal that it is
// an MQTT Server it MAY send a CONNACK packet with Reason Code of 0x84
// (Unsupported Protocol Version)". 0x84 is the only code 5.0 attaches to a
// wrong name, so it is expected rather than 0x81/0x82. The name must also
// match the version: "MQIsdp" is 3.1's name for version 3 only, "MQTT" that of
// versions 4 and 5.
TEST(MalformedConnect, BadProtocolName) {
  expect_all_fail_with(
      {
          {"MQTX", v5, "10 0d 00 04 4d 51 54 58 05 02 00 3c 00 00 00"},
          {"mqtt (wrong case, 3.1.2.1: capitalized as shown)", v5,
           "10 0d 00 04 6d 71 74 74 05 02 00 3c 00 00 00"},
          {"MQ", v5, "10 0b 00 02 4d 51 05 02 00 3c 00 00 00"},
          {"MQIsdp with version 4", v311, "10 0e 00 06 4d 51 49 73 64 70 04 02 00 3c 00 00"},
          {"MQIsdp with version 5", v5, "10 0f 00 06 4d 51 49 73 64 70 05 02 00 3c 00 00 00"},
          {"MQTT with version 3", v31, "10 0c 00 04 4d 51 54 54 03 02 00 3c 00 00"},
      },
      reason_code::unsupported_protocol_version);
}

// [MQTT-3.1.2-9] will fields, [MQTT-3.1.2-17] user name and [MQTT-3.1.2-19]
// password "MUST be present in the Payload" when flagged, and every length
// must stay inside the packet: otherwise it cannot be parsed.
TEST(MalformedConnect, MissingOrTruncatedFields) {
  expect_all_fail_with(
      {
          {"user name flagged, absent", v5, "10 0d 00 04 4d 51 54 54 05 82 00 3c 00 00 00"},
          {"will flagged, absent", v5, "10 0d 00 04 4d 51 54 54 05 06 00 3c 00 00 00"},
          {"3.1.1 password flagged, absent", v311,
           "10 0f 00 04 4d 51 54 54 04 c2 00 3c 00 00 00 01 75"},
          {"client id length 5, no bytes", v5, "10 0d 00 04 4d 51 54 54 05 02 00 3c 00 00 05"},
          {"protocol name cut short", v5, "10 03 00 04 4d"},
          {"ends before keep alive", v5, "10 08 00 04 4d 51 54 54 05 02"},
          {"ends before the property length", v5, "10 0a 00 04 4d 51 54 54 05 02 00 3c"},
          {"3.1.1 ends before client id", v311, "10 0a 00 04 4d 51 54 54 04 02 00 3c"},
      },
      reason_code::malformed_packet);
}

// ------------------------------------------------------------ PUBLISH

// [MQTT-2.2.1-3]: SUBSCRIBE, UNSUBSCRIBE and PUBLISH (QoS > 0) "MUST" carry a
// "non-zero Packet Identifier" (3.1.1: [MQTT-2.3.1-1]). 5.0 names no code;
// chosen: protocol error (0x82) by the definitions of 1.2, since a packet
// identifier of 0 parses as a Two Byte Integer but is not allowed.
TEST(MalformedPacketIdentifier, ZeroIsNotAllowed) {
  expect_all_fail_with(
      {
          {"PUBLISH QoS 1", v5, "32 08 00 03 61 2f 62 00 00 00"},
          {"PUBLISH QoS 2", v5, "34 08 00 03 61 2f 62 00 00 00"},
          {"SUBSCRIBE", v5, "82 09 00 00 00 00 03 61 2f 62 01"},
          {"UNSUBSCRIBE", v5, "a2 08 00 00 00 00 03 61 2f 62"},
          {"3.1.1 PUBLISH QoS 1", v311, "32 07 00 03 61 2f 62 00 00"},
          {"3.1.1 SUBSCRIBE", v311, "82 08 00 00 00 03 61 2f 62 01"},
          {"3.1.1 UNSUBSCRIBE", v311, "a2 07 00 00 00 03 61 2f 62"},
      },
      reason_code::protocol_error);
}

// [MQTT-3.3.2-2]: "The Topic Name in the PUBLISH packet MUST NOT contain
// wildcard characters." 5.0 names no code here. Not 0x90 (Topic Name
// invalid): tables 3-4 and 3-10 define 0x90 as "The Topic Name is not
// malformed [correctly formed], but is not accepted", and a name breaking
// [MQTT-3.3.2-2] is not correctly formed. Chosen: malformed (0x81), which
// that wording implies for a name that is not correctly formed.
TEST(MalformedPublish, TopicNameWithWildcards) {
  expect_all_fail_with(
      {
          {"a/+", v5, "30 06 00 03 61 2f 2b 00"},
          {"a/#", v5, "30 06 00 03 61 2f 23 00"},
          {"#", v5, "30 04 00 01 23 00"},
          {"+", v5, "30 04 00 01 2b 00"},
          {"a+b (a wildcard inside a level)", v5, "30 06 00 03 61 2b 62 00"},
          {"3.1.1 a/#", v311, "30 05 00 03 61 2f 23"},
          {"3.1.1 +/x, QoS 1", v311, "32 07 00 03 2b 2f 78 00 01"},
      },
      reason_code::malformed_packet);
}

// 3.3.2.1: "It is a Protocol Error if the Topic Name is zero length and there
// is no Topic Alias." 3.1.1 has no topic alias, so there an empty name is
// always this case ([MQTT-4.7.3-1]: topic names are "at least one character
// long"); the 5.0 classification is used for it too.
TEST(MalformedPublish, EmptyTopicNameWithoutAlias) {
  expect_all_fail_with(
      {
          {"empty topic, no properties", v5, "30 03 00 00 00"},
          {"empty topic, a user property but no alias", v5, "30 0a 00 00 07 26 00 01 6b 00 01 76"},
          {"3.1.1 empty topic", v311, "30 04 00 00 68 69"},
      },
      reason_code::protocol_error);
}

// Lengths that run past the end of the packet cannot be parsed.
TEST(MalformedPublish, Truncated) {
  expect_all_fail_with(
      {
          {"topic length 9, 3 bytes left", v311, "30 05 00 09 61 2f 62"},
          {"topic length 9, 4 bytes left", v5, "30 06 00 09 61 2f 62 00"},
          {"QoS 1 with half a packet identifier", v311, "32 06 00 03 61 2f 62 00"},
          {"no property length (5.0 requires one, 3.3.2.3.1)", v5, "30 05 00 03 61 2f 62"},
          {"property length 5, nothing follows", v5, "30 06 00 03 61 2f 62 05"},
      },
      reason_code::malformed_packet);
}

// ------------------------------------------------------------ SUBSCRIBE

// [MQTT-3.8.3-2] (3.1.1: [MQTT-3.8.3-3]): "The Payload MUST contain at least
// one Topic Filter and Subscription Options pair. A SUBSCRIBE packet with no
// Payload is a Protocol Error."
TEST(MalformedSubscribe, NoPayload) {
  expect_all_fail_with(
      {
          {"no filters", v5, "82 03 00 0a 00"},
          {"no filters, a user property", v5, "82 0a 00 0a 07 26 00 01 6b 00 01 76"},
          {"3.1.1 no filters", v311, "82 02 00 0a"},
      },
      reason_code::protocol_error);
}

// [MQTT-3.8.3-5]: "The Server MUST treat a SUBSCRIBE packet as malformed if
// any of Reserved bits in the Payload are non-zero" (bits 6 and 7 of the
// subscription options, 3.8.3.1).
TEST(MalformedSubscribe, ReservedOptionBits) {
  expect_all_fail_with(
      {
          {"options 0x41 (bit 6)", v5, "82 09 00 0a 00 00 03 61 2f 62 41"},
          {"options 0x81 (bit 7)", v5, "82 09 00 0a 00 00 03 61 2f 62 81"},
          {"options 0xc0, second entry", v5, "82 0f 00 0a 00 00 03 61 2f 62 01 00 03 63 2f 64 c0"},
      },
      reason_code::malformed_packet);
}

// 3.8.3.1: "It is a Protocol Error to send a Retain Handling value of 3" and
// "It is a Protocol Error if the Maximum QoS field has the value 3."
TEST(MalformedSubscribe, RetainHandling3AndQos3) {
  expect_all_fail_with(
      {
          {"retain handling 3 (0x30)", v5, "82 09 00 0a 00 00 03 61 2f 62 30"},
          {"retain handling 3, QoS 1 (0x31)", v5, "82 09 00 0a 00 00 03 61 2f 62 31"},
          {"maximum QoS 3 (0x03)", v5, "82 09 00 0a 00 00 03 61 2f 62 03"},
      },
      reason_code::protocol_error);
}

// 3.1.1 [MQTT-3.8.3-4]: "The Server MUST treat a SUBSCRIBE packet as
// malformed and close the Network Connection if any of Reserved bits in the
// payload are non-zero, or QoS is not 0,1 or 2" (in 3.1.1 bits 2-7 are
// reserved: no local, retain as published and retain handling are 5.0's).
TEST(MalformedSubscribe, ReservedBitsAndQos3In311) {
  expect_all_fail_with(
      {
          {"3.1.1 options 0x04", v311, "82 08 00 0a 00 03 61 2f 62 04"},
          {"3.1.1 options 0x08", v311, "82 08 00 0a 00 03 61 2f 62 08"},
          {"3.1.1 options 0x10", v311, "82 08 00 0a 00 03 61 2f 62 10"},
          {"3.1.1 options 0x80", v311, "82 08 00 0a 00 03 61 2f 62 80"},
          {"3.1.1 QoS 3", v311, "82 08 00 0a 00 03 61 2f 62 03"},
      },
      reason_code::malformed_packet);
}

// Figure 3-20: every topic filter is followed by its options byte, and its
// length must stay inside the packet.
TEST(MalformedSubscribe, Truncated) {
  expect_all_fail_with(
      {
          {"filter without options", v5, "82 08 00 0a 00 00 03 61 2f 62"},
          {"filter length 9, 1 byte left", v5, "82 06 00 0a 00 00 09 61"},
          {"3.1.1 second filter without options", v311,
           "82 0d 00 0a 00 03 61 2f 62 01 00 03 63 2f 64"},
      },
      reason_code::malformed_packet);
}

// ------------------------------------------------------------ UNSUBSCRIBE

// [MQTT-3.10.3-2]: "The Payload of an UNSUBSCRIBE packet MUST contain at
// least one Topic Filter. An UNSUBSCRIBE packet with no Payload is a Protocol
// Error."
TEST(MalformedUnsubscribe, NoPayload) {
  expect_all_fail_with(
      {
          {"no filters", v5, "a2 03 00 0b 00"},
          {"3.1.1 no filters", v311, "a2 02 00 0b"},
      },
      reason_code::protocol_error);
}

TEST(MalformedUnsubscribe, Truncated) {
  expect_all_fail_with(
      {
          {"filter length 3, 1 byte left", v5, "a2 06 00 0b 00 00 03 61"},
          {"3.1.1 half a length field", v311, "a2 03 00 0b 00"},
      },
      reason_code::malformed_packet);
}

}  // namespace
