// Malformed properties and strings (MQTT 5.0 2.2.2, 1.5.4 - 1.5.7): each test
// names the statement it checks and expects the exact reason code. Unlike
// vectors_malformed_test.cpp, every code here is one the spec states.

#include <initializer_list>
#include <string>

#include <gtest/gtest.h>

#include "mqtt/codec/decoder.hpp"
#include "tests/unit/codec/hex.hpp"
#include "tests/unit/codec/vector_check.hpp"

namespace {

namespace mqtt = tern::mqtt;
using mqtt::protocol_version;
using mqtt::reason_code;
using namespace mqtt::test_vectors;

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

// ------------------------------------------------------------ properties

// 2.2.2.2: "A Control Packet which contains an Identifier which is not valid
// for its packet type, or contains a value not of the specified data type, is
// a Malformed Packet." Table 2-4 lists where each identifier may appear;
// identifiers missing from it are valid nowhere.
TEST(MalformedProperties, IdentifierNotValidForPacketType) {
  expect_all_fail_with(
      {
          {"PUBLISH: session expiry interval 0x11", v5, "30 0b 00 03 61 2f 62 05 11 00 00 00 0a"},
          {"PUBLISH: will delay interval 0x18", v5, "30 0b 00 03 61 2f 62 05 18 00 00 00 0a"},
          {"PUBLISH: reason string 0x1F", v5, "30 09 00 03 61 2f 62 03 1f 00 00"},
          {"CONNECT: topic alias 0x23", v5,
           "10 10 00 04 4d 51 54 54 05 02 00 3c 03 23 00 01 00 00"},
          {"CONNECT: payload format indicator 0x01 (a will property)", v5,
           "10 0f 00 04 4d 51 54 54 05 02 00 3c 02 01 01 00 00"},
          {"CONNECT: will delay interval 0x18 (a will property)", v5,
           "10 12 00 04 4d 51 54 54 05 02 00 3c 05 18 00 00 00 0a 00 00"},
          {"will properties: session expiry interval 0x11", v5,
           "10 18 00 04 4d 51 54 54 05 06 00 3c 00 00 00 05 11 00 00 00 0a 00 01 74 00 00"},
          {"will properties: topic alias 0x23", v5,
           "10 16 00 04 4d 51 54 54 05 06 00 3c 00 00 00 03 23 00 01 00 01 74 00 00"},
          {"CONNACK: will delay interval 0x18", v5, "20 08 00 00 05 18 00 00 00 0a"},
          {"CONNACK: topic alias 0x23", v5, "20 06 00 00 03 23 00 01"},
          {"PUBACK: subscription identifier 0x0B", v5, "40 06 00 0a 00 02 0b 01"},
          {"PUBREL: content type 0x03", v5, "62 07 00 0a 00 03 03 00 00"},
          {"SUBSCRIBE: topic alias 0x23", v5, "82 0c 00 0a 03 23 00 01 00 03 61 2f 62 01"},
          {"SUBACK: subscription identifier 0x0B", v5, "90 06 00 0a 02 0b 01 00"},
          {"UNSUBSCRIBE: reason string 0x1F", v5, "a2 0b 00 0b 03 1f 00 00 00 03 61 2f 62"},
          {"UNSUBSCRIBE: subscription identifier 0x0B", v5, "a2 0a 00 0b 02 0b 01 00 03 61 2f 62"},
          {"UNSUBACK: topic alias 0x23", v5, "b0 07 00 0b 03 23 00 01 00"},
          {"DISCONNECT: assigned client identifier 0x12", v5, "e0 05 00 03 12 00 00"},
          {"DISCONNECT: receive maximum 0x21", v5, "e0 05 00 03 21 00 01"},
          {"AUTH: session expiry interval 0x11", v5, "f0 07 18 05 11 00 00 00 0a"},
          {"undefined identifier 0x00", v5, "30 08 00 03 61 2f 62 02 00 00"},
          {"undefined identifier 0x04", v5, "30 08 00 03 61 2f 62 02 04 00"},
          {"undefined identifier 0x0A", v5, "30 08 00 03 61 2f 62 02 0a 00"},
          {"undefined identifier 0x2B", v5, "30 08 00 03 61 2f 62 02 2b 00"},
          {"undefined identifier 0x7F", v5, "30 08 00 03 61 2f 62 02 7f 00"},
          {"CONNECT: undefined identifier 0x2B", v5,
           "10 0f 00 04 4d 51 54 54 05 02 00 3c 02 2b 00 00 00"},
      },
      reason_code::malformed_packet);
}

// Each single-valued property's section: "It is a Protocol Error to include
// the <property> more than once" (e.g. 3.1.2.11.2, 3.3.2.3.3, 3.4.2.2.2,
// 3.8.2.1.2, 3.14.2.2.5, 3.15.2.2.2).
TEST(MalformedProperties, SingleValuedPropertyTwice) {
  expect_all_fail_with(
      {
          {"PUBLISH: message expiry interval twice", v5,
           "30 10 00 03 61 2f 62 0a 02 00 00 00 01 02 00 00 00 02"},
          {"PUBLISH: topic alias twice", v5, "30 0c 00 03 61 2f 62 06 23 00 01 23 00 02"},
          {"PUBLISH: payload format indicator twice", v5, "30 0a 00 03 61 2f 62 04 01 00 01 01"},
          {"PUBLISH: correlation data twice", v5,
           "30 0e 00 03 61 2f 62 08 09 00 01 61 09 00 01 62"},
          {"CONNECT: session expiry interval twice", v5,
           "10 17 00 04 4d 51 54 54 05 02 00 3c 0a 11 00 00 00 01 11 00 00 00 02 00 00"},
          {"CONNECT: receive maximum twice", v5,
           "10 13 00 04 4d 51 54 54 05 02 00 3c 06 21 00 01 21 00 02 00 00"},
          {"CONNECT: authentication method twice", v5,
           "10 15 00 04 4d 51 54 54 05 02 00 3c 08 15 00 01 61 15 00 01 62 00 00"},
          {"will properties: will delay interval twice", v5,
           "10 1d 00 04 4d 51 54 54 05 06 00 3c 00 00 00 0a 18 00 00 00 01 18 00 00 00 02 00 01 "
           "74 00 00"},
          {"CONNACK: maximum QoS twice", v5, "20 07 00 00 04 24 00 24 01"},
          {"CONNACK: assigned client identifier twice", v5,
           "20 0b 00 00 08 12 00 01 61 12 00 01 62"},
          {"PUBACK: reason string twice", v5, "40 0c 00 0a 10 08 1f 00 01 61 1f 00 01 62"},
          {"SUBSCRIBE: subscription identifier twice", v5,
           "82 0d 00 0a 04 0b 01 0b 02 00 03 61 2f 62 01"},
          {"DISCONNECT: server reference twice", v5, "e0 0a 9c 08 1c 00 01 61 1c 00 01 62"},
          {"DISCONNECT: session expiry interval twice", v5,
           "e0 0c 00 0a 11 00 00 00 01 11 00 00 00 02"},
          {"AUTH: authentication method twice", v5, "f0 0a 18 08 15 00 01 61 15 00 01 62"},
          {"AUTH: authentication data twice", v5,
           "f0 0e 18 0c 15 00 01 61 16 00 01 01 16 00 01 02"},
      },
      reason_code::protocol_error);
}

// 3.1.2.11.3 / 3.2.2.3.3: "It is a Protocol Error to include the Receive
// Maximum value more than once or for it to have the value 0."
// 3.1.2.11.4 / 3.2.2.3.6: "It is a Protocol Error to include the Maximum
// Packet Size more than once, or for the value to be set to zero."
// 3.8.2.1.2 / 3.3.2.3.8: "It is a Protocol Error if the Subscription
// Identifier has a value of 0."
TEST(MalformedProperties, ZeroValues) {
  expect_all_fail_with(
      {
          {"CONNECT: receive maximum 0", v5,
           "10 10 00 04 4d 51 54 54 05 02 00 3c 03 21 00 00 00 00"},
          {"CONNACK: receive maximum 0", v5, "20 06 00 00 03 21 00 00"},
          {"CONNECT: maximum packet size 0", v5,
           "10 12 00 04 4d 51 54 54 05 02 00 3c 05 27 00 00 00 00 00 00"},
          {"CONNACK: maximum packet size 0", v5, "20 08 00 00 05 27 00 00 00 00"},
          {"SUBSCRIBE: subscription identifier 0", v5, "82 0b 00 0a 02 0b 00 00 03 61 2f 62 01"},
          {"PUBLISH: subscription identifier 0", v5, "30 08 00 03 61 2f 62 02 0b 00"},
      },
      reason_code::protocol_error);
}

// Byte properties that take only 0 or 1: "It is a Protocol Error ... to have
// a value other than 0 or 1" (3.1.2.11.6, 3.1.2.11.7, 3.2.2.3.4, 3.2.2.3.5,
// 3.2.2.3.11, 3.2.2.3.12, 3.2.2.3.13).
TEST(MalformedProperties, ByteValueOtherThanZeroOrOne) {
  expect_all_fail_with(
      {
          {"CONNECT: request response information 2", v5,
           "10 0f 00 04 4d 51 54 54 05 02 00 3c 02 19 02 00 00"},
          {"CONNECT: request problem information 2", v5,
           "10 0f 00 04 4d 51 54 54 05 02 00 3c 02 17 02 00 00"},
          {"CONNACK: maximum QoS 2", v5, "20 05 00 00 02 24 02"},
          {"CONNACK: retain available 2", v5, "20 05 00 00 02 25 02"},
          {"CONNACK: wildcard subscription available 2", v5, "20 05 00 00 02 28 02"},
          {"CONNACK: subscription identifiers available 2", v5, "20 05 00 00 02 29 02"},
          {"CONNACK: shared subscription available 255", v5, "20 05 00 00 02 2a ff"},
      },
      reason_code::protocol_error);
}

// 3.1.2.11.10: "It is a Protocol Error to include Authentication Data if there
// is no Authentication Method."
TEST(MalformedProperties, AuthenticationDataWithoutMethod) {
  expect_all_fail_with(
      {
          {"CONNECT: authentication data alone", v5,
           "10 11 00 04 4d 51 54 54 05 02 00 3c 04 16 00 01 ff 00 00"},
      },
      reason_code::protocol_error);
}

// 2.2.2.1: the Property Length counts the properties that follow; it cannot
// reach past the end of the packet (nor, for will properties, past the
// payload that must follow it).
TEST(MalformedProperties, PropertyLengthExceedsRemainingLength) {
  expect_all_fail_with(
      {
          {"PUBACK: property length 5, 0 bytes left", v5, "40 04 00 0a 00 05"},
          {"CONNACK: property length 9, 0 bytes left", v5, "20 03 00 00 09"},
          {"DISCONNECT: property length 127, 0 bytes left", v5, "e0 02 00 7f"},
          {"AUTH: property length 32, 0 bytes left", v5, "f0 02 18 20"},
          {"SUBSCRIBE: property length 32, 6 bytes left", v5, "82 09 00 0a 20 00 03 61 2f 62 01"},
          {"CONNECT: property length 20, 2 bytes left", v5,
           "10 0d 00 04 4d 51 54 54 05 02 00 3c 14 00 00"},
          {"will property length 48, 5 bytes left", v5,
           "10 13 00 04 4d 51 54 54 05 06 00 3c 00 00 00 30 00 01 74 00 00"},
          {"DISCONNECT: property length cut inside its VBI", v5, "e0 02 00 80"},
          {"DISCONNECT: 5-byte property length (1.5.5)", v5, "e0 06 00 80 80 80 80 01"},
      },
      reason_code::malformed_packet);
}

// 2.2.2.2: a value "not of the specified data type": a property that does
// not fit inside the Property Length, or whose encoding is invalid.
TEST(MalformedProperties, ValueDoesNotFitItsType) {
  expect_all_fail_with(
      {
          {"message expiry interval with 2 of its 4 bytes, then payload", v5,
           "30 0b 00 03 61 2f 62 03 02 00 00 41 42"},
          {"user property with a name and no value (1.5.7)", v5,
           "30 0a 00 03 61 2f 62 04 26 00 01 6b"},
          {"reason string of length 9 in a property length of 4", v5,
           "40 08 00 0a 10 04 1f 00 09 61"},
          {"subscription identifier as a 5-byte VBI (1.5.5)", v5,
           "30 0c 00 03 61 2f 62 06 0b ff ff ff ff 01"},
      },
      reason_code::malformed_packet);
}

// ------------------------------------------------------------ UTF-8

// [MQTT-1.5.4-1]: "The character data in a UTF-8 Encoded String MUST be
// well-formed UTF-8 as defined by the Unicode specification and restated in
// RFC 3629. In particular, the character data MUST NOT include encodings of
// code points between U+D800 and U+DFFF ... it is a Malformed Packet."
// (3.1.1: [MQTT-1.5.3-1].) RFC 3629 section 3 excludes overlong forms and
// code points above U+10FFFF.
TEST(MalformedUtf8, IllFormedTopicName) {
  expect_all_fail_with(
      {
          {"U+D800 (ed a0 80)", v311, "30 06 00 04 61 ed a0 80"},
          {"U+DFFF (ed bf bf)", v311, "30 05 00 03 ed bf bf"},
          {"overlong '/' (c0 af)", v311, "30 04 00 02 c0 af"},
          {"overlong U+0000 (c0 80)", v311, "30 04 00 02 c0 80"},
          {"overlong (c1 bf)", v311, "30 04 00 02 c1 bf"},
          {"overlong 3 bytes (e0 80 af)", v311, "30 05 00 03 e0 80 af"},
          {"overlong 4 bytes (f0 80 80 af)", v311, "30 06 00 04 f0 80 80 af"},
          {"above U+10FFFF (f4 90 80 80)", v311, "30 06 00 04 f4 90 80 80"},
          {"lone continuation byte (80)", v311, "30 03 00 01 80"},
          {"byte ff", v311, "30 03 00 01 ff"},
          {"5-byte form (f8 88 80 80 80)", v311, "30 07 00 05 f8 88 80 80 80"},
          {"sequence cut by the string's end (e2 82)", v311, "30 04 00 02 e2 82"},
          {"sequence cut by an ASCII byte (e2 82 61)", v311, "30 05 00 03 e2 82 61"},
          {"5.0: U+D800", v5, "30 07 00 04 61 ed a0 80 00"},
      },
      reason_code::malformed_packet);
}

// [MQTT-1.5.4-2]: "A UTF-8 Encoded String MUST NOT include an encoding of the
// null character U+0000. If a receiver receives an MQTT Control Packet
// containing U+0000 it is a Malformed Packet." (3.1.1: [MQTT-1.5.3-2].)
TEST(MalformedUtf8, NullCharacter) {
  expect_all_fail_with(
      {
          {"topic name a\\0b", v311, "30 05 00 03 61 00 62"},
          {"5.0 topic name a\\0b", v5, "30 06 00 03 61 00 62 00"},
          {"client identifier a\\0b", v5, "10 10 00 04 4d 51 54 54 05 02 00 3c 00 00 03 61 00 62"},
          {"SUBSCRIBE topic filter a\\0b", v5, "82 09 00 0a 00 00 03 61 00 62 01"},
          {"content type a\\0 [MQTT-3.3.2-19]", v5, "30 0b 00 03 61 2f 62 05 03 00 02 61 00"},
          {"user property name \\0 [MQTT-1.5.7-1]", v5,
           "30 0d 00 03 61 2f 62 07 26 00 01 00 00 01 76"},
      },
      reason_code::malformed_packet);
}

// [MQTT-1.5.4-1] applies to every UTF-8 Encoded String: user name
// [MQTT-3.1.3-12], will topic [MQTT-3.1.3-11], topic filters [MQTT-3.8.3-1]
// [MQTT-3.10.3-1], string pairs [MQTT-1.5.7-1], reason strings, response
// topic [MQTT-3.3.2-13].
TEST(MalformedUtf8, IllFormedInOtherFields) {
  expect_all_fail_with(
      {
          {"user name with U+D800", v5,
           "10 13 00 04 4d 51 54 54 05 82 00 3c 00 00 00 00 04 61 ed a0 80"},
          {"will topic overlong", v5,
           "10 14 00 04 4d 51 54 54 05 06 00 3c 00 00 00 00 00 02 c0 af 00 00"},
          {"UNSUBSCRIBE filter with U+D800", v5, "a2 08 00 0b 00 00 03 ed a0 80"},
          {"3.1.1 SUBSCRIBE filter overlong", v311, "82 08 00 0a 00 03 e0 80 af 01"},
          {"user property value with U+D800", v5,
           "30 0f 00 03 61 2f 62 09 26 00 01 6b 00 03 ed a0 80"},
          {"reason string with U+D800", v5, "40 0a 00 0a 10 06 1f 00 03 ed a0 80"},
          {"response topic overlong", v5, "30 0b 00 03 61 2f 62 05 08 00 02 c0 af"},
      },
      reason_code::malformed_packet);
}

// The checks above apply to UTF-8 Encoded Strings only. Binary Data (1.5.6:
// password, correlation data) and the PUBLISH payload (3.3.3) may hold any
// bytes, U+0000 and invalid UTF-8 included.
TEST(MalformedUtf8, BinaryDataIsNotChecked) {
  mqtt::connect connect;
  ASSERT_TRUE(decodes_as(hex("10 11"              // CONNECT; remaining length 17
                             "00 04 4d 51 54 54"  // protocol name "MQTT"
                             "05 42 00 3c"        // version 5; password, clean start; 60 s
                             "00"                 // property length 0
                             "00 00"              // client identifier ""
                             "00 02 00 ff"),      // password: bytes 00 ff
                         v5, connect));
  EXPECT_EQ(connect.password, std::optional<std::string>(std::string("\x00\xff", 2)));

  mqtt::publish publish;
  ASSERT_TRUE(decodes_as(hex("30 08"           // PUBLISH, QoS 0; remaining length 8
                             "00 03 61 2f 62"  // topic name "a/b"
                             "00"              // property length 0
                             "ff 00"),         // payload: bytes ff 00
                         v5, publish));
  EXPECT_EQ(publish.payload.view(), std::string_view("\xff\x00", 2));

  ASSERT_TRUE(decodes_as(hex("30 0b"             // PUBLISH, QoS 0; remaining length 11
                             "00 03 61 2f 62"    // topic name "a/b"
                             "05"                // property length 5
                             "09 00 02 00 ff"),  // correlation data (0x09): bytes 00 ff
                         v5, publish));
  EXPECT_EQ(publish.properties.correlation_data,
            std::optional<std::string>(std::string("\x00\xff", 2)));
}

}  // namespace
