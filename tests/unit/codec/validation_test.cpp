// Malformed and forbidden packet bodies: each case expects the reason the
// spec prescribes and names the normative statement (or section) it tests.

#include <gtest/gtest.h>

#include "tests/unit/codec/codec_test_support.hpp"

namespace {

using namespace tern::mqtt;
using namespace tern::mqtt::codec_test;

constexpr auto v31 = protocol_version::v3_1;
constexpr auto v311 = protocol_version::v3_1_1;
constexpr auto v5 = protocol_version::v5;

constexpr auto ok = reason_code::success;
constexpr auto malformed = reason_code::malformed_packet;
constexpr auto protocol_error = reason_code::protocol_error;

// A v5 property block: Property Length (one byte here) + properties.
bytes props(const bytes& content) {
  return cat({{static_cast<std::uint8_t>(content.size())}, content});
}

// ---- PUBLISH (3.3) ----

bytes publish_v5(std::uint8_t first, const bytes& topic, const bytes& properties) {
  return frame(first, cat({topic, properties, {'p'}}));
}

TEST(ValidationPublish, DupWithQos0_MQTT_3_3_1_2) {
  EXPECT_EQ(decode_reason(frame(0x38, cat({str("t"), {'x'}})), v311), malformed);
  EXPECT_EQ(decode_reason(publish_v5(0x38, str("t"), props({})), v5), malformed);
}

TEST(ValidationPublish, ZeroPacketIdentifier_MQTT_2_2_1_3) {
  EXPECT_EQ(decode_reason(frame(0x32, cat({str("t"), {0x00, 0x00}})), v311), protocol_error);
  EXPECT_EQ(decode_reason(frame(0x34, cat({str("t"), {0x00, 0x00}, props({})})), v5),
            protocol_error);
  EXPECT_EQ(decode_reason(frame(0x32, cat({str("t"), {0x00}})), v311), malformed);
}

TEST(ValidationPublish, WildcardInTopicName_MQTT_3_3_2_2) {
  // Malformed: table 2-6 keeps 0x90 for a name that "is not malformed".
  EXPECT_EQ(decode_reason(frame(0x30, str("a/+")), v311), malformed);
  EXPECT_EQ(decode_reason(publish_v5(0x30, str("a/#"), props({})), v5), malformed);
}

TEST(ValidationPublish, EmptyTopic_MQTT_4_7_3_1) {
  EXPECT_EQ(decode_reason(frame(0x30, str("")), v311), protocol_error);
  EXPECT_EQ(decode_reason(frame(0x30, str("")), v31), protocol_error);
  // v5 3.3.2.1: empty without a Topic Alias is a Protocol Error; with one
  // the engine resolves it.
  EXPECT_EQ(decode_reason(publish_v5(0x30, str(""), props({})), v5), protocol_error);
  EXPECT_EQ(decode_reason(publish_v5(0x30, str(""), props({0x23, 0x00, 0x01})), v5), ok);
}

TEST(ValidationPublish, TopicNotUtf8_MQTT_1_5_4_1) {
  EXPECT_EQ(decode_reason(frame(0x30, str("a\xED\xA0\x80")), v311), malformed);
  EXPECT_EQ(decode_reason(frame(0x30, str("\xC0\xAF")), v311), malformed);
  EXPECT_EQ(decode_reason(frame(0x30, cat({{0x00, 0x02, 'a', 0x00}})), v311),
            malformed);  // [MQTT-1.5.4-2]
}

TEST(ValidationPublish, TruncatedTopic) {
  EXPECT_EQ(decode_reason(frame(0x30, {0x00, 0x05, 'a'}), v311), malformed);
  EXPECT_EQ(decode_reason(frame(0x30, {0x00}), v311), malformed);
}

TEST(ValidationPublish, TopicAliasZero_MQTT_3_3_2_8) {
  EXPECT_EQ(decode_reason(publish_v5(0x30, str("t"), props({0x23, 0x00, 0x00})), v5),
            reason_code::topic_alias_invalid);
}

TEST(ValidationProperties, NotAdmittedInPacketIsMalformed_2_2_2_2) {
  // Session Expiry Interval (0x11) is not a PUBLISH property.
  EXPECT_EQ(decode_reason(publish_v5(0x30, str("t"), props({0x11, 0, 0, 0, 1})), v5), malformed);
  // Will Delay Interval (0x18) only in Will Properties.
  EXPECT_EQ(decode_reason(publish_v5(0x30, str("t"), props({0x18, 0, 0, 0, 1})), v5), malformed);
}

TEST(ValidationProperties, UnknownIdentifierIsMalformed_2_2_2_2) {
  for (const std::uint8_t id : {0x00, 0x04, 0x0A, 0x14, 0x2B, 0x7F, 0x80, 0xFF}) {
    EXPECT_EQ(decode_reason(publish_v5(0x30, str("t"), props({id, 0x00})), v5), malformed)
        << int{id};
  }
}

TEST(ValidationProperties, TwiceIsProtocolError) {
  EXPECT_EQ(decode_reason(publish_v5(0x30, str("t"), props({0x01, 0x00, 0x01, 0x01})), v5),
            protocol_error);  // 3.3.2.3.2
  EXPECT_EQ(
      decode_reason(publish_v5(0x30, str("t"), props({0x02, 0, 0, 0, 1, 0x02, 0, 0, 0, 1})), v5),
      protocol_error);  // 3.3.2.3.3
  EXPECT_EQ(decode_reason(
                publish_v5(0x30, str("t"), props(cat({{0x03}, str("a"), {0x03}, str("b")}))), v5),
            protocol_error);  // 3.3.2.3.9
  // User Property and a PUBLISH's Subscription Identifiers may repeat.
  EXPECT_EQ(decode_reason(publish_v5(0x30, str("t"),
                                     props(cat({{0x26},
                                                str("k"),
                                                str("v"),
                                                {0x26},
                                                str("k"),
                                                str("v"),
                                                {0x0B, 0x01, 0x0B, 0x02}}))),
                          v5),
            ok);
}

TEST(ValidationProperties, ValueRules) {
  // 3.3.2.3.2 Payload Format Indicator is 0 or 1.
  EXPECT_EQ(decode_reason(publish_v5(0x30, str("t"), props({0x01, 0x02})), v5), protocol_error);
  // 3.3.2.3.8 Subscription Identifier 0 is a Protocol Error.
  EXPECT_EQ(decode_reason(publish_v5(0x30, str("t"), props({0x0B, 0x00})), v5), protocol_error);
}

TEST(ValidationProperties, LengthsAndTruncation) {
  // Property Length beyond the packet.
  EXPECT_EQ(decode_reason(frame(0x30, cat({str("t"), {0x05, 0x01}})), v5), malformed);
  // Property Length that is not a valid Variable Byte Integer [MQTT-1.5.5-1].
  EXPECT_EQ(decode_reason(frame(0x30, cat({str("t"), {0x80, 0x00}})), v5), malformed);
  EXPECT_EQ(decode_reason(frame(0x30, cat({str("t"), {0x80}})), v5), malformed);
  // A value cut by the Property Length.
  EXPECT_EQ(decode_reason(publish_v5(0x30, str("t"), props({0x02, 0x00, 0x00})), v5), malformed);
  EXPECT_EQ(decode_reason(publish_v5(0x30, str("t"), props({0x0B, 0x80})), v5), malformed);
  EXPECT_EQ(decode_reason(publish_v5(0x30, str("t"), props({0x03, 0x00, 0x05, 'a'})), v5),
            malformed);
}

TEST(ValidationProperties, StringsMustBeUtf8_MQTT_1_5_4_1) {
  EXPECT_EQ(decode_reason(publish_v5(0x30, str("t"), props(cat({{0x03}, str("\xFF")}))), v5),
            malformed);  // Content Type
  EXPECT_EQ(decode_reason(publish_v5(0x30, str("t"), props(cat({{0x08}, str("\xC3")}))), v5),
            malformed);  // Response Topic
  // [MQTT-1.5.7-1] both strings of a User Property.
  EXPECT_EQ(decode_reason(
                publish_v5(0x30, str("t"), props(cat({{0x26}, str("k"), {0x00, 0x01, 0x00}}))), v5),
            malformed);
  EXPECT_EQ(
      decode_reason(publish_v5(0x30, str("t"), props(cat({{0x26}, str("\xED\xBF\xBF"), str("v")}))),
                    v5),
      malformed);
  // Correlation Data is Binary Data: any bytes.
  EXPECT_EQ(
      decode_reason(publish_v5(0x30, str("t"), props(cat({{0x09}, {0x00, 0x02, 0x00, 0xFF}}))), v5),
      ok);
}

// ---- CONNECT (3.1) ----

bytes connect_body(std::string_view name, std::uint8_t level, std::uint8_t flags,
                   const bytes& rest) {
  return frame(0x10, cat({str(name), {level, flags, 0x00, 0x3C}, rest}));
}

TEST(ValidationConnect, ProtocolNameAndLevel_MQTT_3_1_2_1_MQTT_3_1_2_2) {
  EXPECT_EQ(decode_reason(connect_body("MQTT", 4, 0x02, str("c")), v5), ok);
  EXPECT_EQ(decode_reason(connect_body("MQIsdp", 3, 0x02, str("c")), v5), ok);
  EXPECT_EQ(decode_reason(connect_body("MQTT", 3, 0x02, str("c")), v5),
            reason_code::unsupported_protocol_version);
  EXPECT_EQ(decode_reason(connect_body("MQTT", 6, 0x02, str("c")), v5),
            reason_code::unsupported_protocol_version);
  EXPECT_EQ(decode_reason(connect_body("MQIsdp", 4, 0x02, str("c")), v5),
            reason_code::unsupported_protocol_version);
  // [MQTT-3.1.2-1] a wrong name may be answered with 0x84 too.
  EXPECT_EQ(decode_reason(connect_body("MQTX", 4, 0x02, str("c")), v5),
            reason_code::unsupported_protocol_version);
  EXPECT_EQ(decode_reason(connect_body("mqtt", 4, 0x02, str("c")), v5),
            reason_code::unsupported_protocol_version);
  EXPECT_EQ(decode_reason(frame(0x10, {0x00, 0x04, 'M', 'Q'}), v5), malformed);
}

TEST(ValidationConnect, ReservedFlag_MQTT_3_1_2_3) {
  EXPECT_EQ(decode_reason(connect_body("MQTT", 4, 0x03, str("c")), v5), malformed);
  EXPECT_EQ(decode_reason(connect_body("MQTT", 5, 0x03, cat({props({}), str("c")})), v5),
            malformed);
}

TEST(ValidationConnect, WillFlagsWithoutWill_MQTT_3_1_2_11_MQTT_3_1_2_13_MQTT_3_1_2_15) {
  EXPECT_EQ(decode_reason(connect_body("MQTT", 4, 0x0A, str("c")), v5), malformed);  // QoS 1
  EXPECT_EQ(decode_reason(connect_body("MQTT", 4, 0x12, str("c")), v5), malformed);  // QoS 2
  EXPECT_EQ(decode_reason(connect_body("MQTT", 4, 0x22, str("c")), v5), malformed);  // retain
  EXPECT_EQ(decode_reason(connect_body("MQTT", 5, 0x22, cat({props({}), str("c")})), v5),
            malformed);
}

TEST(ValidationConnect, WillQos3_MQTT_3_1_2_12_MQTT_3_1_2_14) {
  EXPECT_EQ(decode_reason(connect_body("MQTT", 4, 0x1E, cat({str("c"), str("w"), str("m")})), v5),
            malformed);
}

TEST(ValidationConnect, PasswordWithoutUserName_MQTT_3_1_2_22) {
  const bytes rest = cat({str("c"), str("pw")});
  EXPECT_EQ(decode_reason(connect_body("MQTT", 4, 0x42, rest), v5), malformed);
  EXPECT_EQ(decode_reason(connect_body("MQIsdp", 3, 0x42, rest), v5), malformed);
  // v5 allows it (3.1.2.9).
  EXPECT_EQ(decode_reason(connect_body("MQTT", 5, 0x42, cat({props({}), rest})), v5), ok);
}

TEST(ValidationConnect, PayloadFieldsMissingOrExtra) {
  EXPECT_EQ(decode_reason(connect_body("MQTT", 4, 0x82, str("c")), v5), malformed);  // user
  EXPECT_EQ(decode_reason(connect_body("MQTT", 4, 0xC2, cat({str("c"), str("u")})), v5),
            malformed);  // password
  EXPECT_EQ(decode_reason(connect_body("MQTT", 4, 0x06, cat({str("c"), str("w")})), v5),
            malformed);  // will msg
  EXPECT_EQ(decode_reason(connect_body("MQTT", 4, 0x02, cat({str("c"), {0x00}})), v5), malformed);
  EXPECT_EQ(decode_reason(frame(0x10, cat({str("MQTT"), {0x04, 0x02, 0x00}})), v5), malformed);
}

// 3.1.1 numbering: client id [MQTT-3.1.3-4], will topic [MQTT-3.1.3-10],
// user name [MQTT-3.1.3-11].
TEST(ValidationConnect, StringsMustBeUtf8_MQTT_3_1_3_4_MQTT_3_1_3_10_MQTT_3_1_3_11) {
  EXPECT_EQ(decode_reason(connect_body("MQTT", 4, 0x02, str("\xFF")), v5), malformed);
  EXPECT_EQ(decode_reason(connect_body("MQTT", 4, 0x82, cat({str("c"), str("\xC0\x80")})), v5),
            malformed);
  EXPECT_EQ(decode_reason(
                connect_body("MQTT", 4, 0x06, cat({str("c"), str("\xED\xA0\x80"), str("")})), v5),
            malformed);
  // The password is Binary Data.
  EXPECT_EQ(
      decode_reason(connect_body("MQTT", 4, 0xC2, cat({str("c"), str("u"), str("\xFF")})), v5), ok);
}

// Same reasons as a PUBLISH topic: [MQTT-3.3.2-2], [MQTT-4.7.3-1].
TEST(ValidationConnect, WillTopicMustBeATopicName_MQTT_3_3_2_2_MQTT_4_7_3_1) {
  EXPECT_EQ(decode_reason(connect_body("MQTT", 4, 0x06, cat({str("c"), str("w/#"), str("m")})), v5),
            malformed);
  EXPECT_EQ(decode_reason(connect_body("MQTT", 4, 0x06, cat({str("c"), str(""), str("m")})), v5),
            protocol_error);
}

bytes connect_v5_with(const bytes& properties) {
  return connect_body("MQTT", 5, 0x02, cat({props(properties), str("c")}));
}

TEST(ValidationConnect, V5PropertyRules) {
  EXPECT_EQ(decode_reason(connect_v5_with({0x21, 0x00, 0x00}), v5),
            protocol_error);  // 3.1.2.11.3 Receive Maximum 0
  EXPECT_EQ(decode_reason(connect_v5_with({0x27, 0, 0, 0, 0}), v5),
            protocol_error);  // 3.1.2.11.4 Maximum Packet Size 0
  EXPECT_EQ(decode_reason(connect_v5_with({0x19, 0x02}), v5),
            protocol_error);  // 3.1.2.11.6 Request Response Information
  EXPECT_EQ(decode_reason(connect_v5_with({0x17, 0x02}), v5),
            protocol_error);  // 3.1.2.11.7 Request Problem Information
  EXPECT_EQ(decode_reason(connect_v5_with({0x11, 0, 0, 0, 1, 0x11, 0, 0, 0, 2}), v5),
            protocol_error);  // 3.1.2.11.2 twice
  EXPECT_EQ(decode_reason(connect_v5_with(cat({{0x16}, str("d")})), v5),
            protocol_error);  // 3.1.2.11.10 data without method
  EXPECT_EQ(decode_reason(connect_v5_with(cat({{0x15}, str("m"), {0x16}, str("d")})), v5), ok);
  EXPECT_EQ(decode_reason(connect_v5_with({0x23, 0x00, 0x01}), v5),
            malformed);  // Topic Alias is not a CONNECT property
  EXPECT_EQ(decode_reason(connect_v5_with({0x18, 0, 0, 0, 1}), v5),
            malformed);  // Will Delay Interval belongs in Will Properties
}

TEST(ValidationConnect, V5WillPropertyRules) {
  const auto with_will = [](const bytes& will_props) {
    return connect_body("MQTT", 5, 0x06,
                        cat({props({}), str("c"), props(will_props), str("w"), str("m")}));
  };
  EXPECT_EQ(decode_reason(with_will({0x18, 0, 0, 0, 5}), v5), ok);
  EXPECT_EQ(decode_reason(with_will({0x11, 0, 0, 0, 5}), v5), malformed);  // not a will property
  EXPECT_EQ(decode_reason(with_will({0x01, 0x05}), v5), protocol_error);   // 3.1.3.2.3
  EXPECT_EQ(decode_reason(with_will({0x18, 0, 0, 0, 5, 0x18, 0, 0, 0, 5}), v5), protocol_error);
}

// ---- CONNACK (3.2) ----

TEST(ValidationConnack, V311) {
  EXPECT_EQ(decode_reason({0x20, 0x02, 0x01, 0x00}, v311), ok);
  EXPECT_EQ(decode_reason({0x20, 0x02, 0x02, 0x00}, v311), malformed);  // 3.2.2.1 reserved bits
  EXPECT_EQ(decode_reason({0x20, 0x02, 0x00, 0x06}, v311), malformed);  // 3.2.2.3 reserved codes
  EXPECT_EQ(decode_reason({0x20, 0x03, 0x00, 0x00, 0x00}, v311), malformed);
  EXPECT_EQ(decode_reason({0x20, 0x01, 0x00}, v311), malformed);
}

TEST(ValidationConnack, V5ReasonCodes_3_2_2_2) {
  EXPECT_EQ(decode_reason({0x20, 0x03, 0x00, 0x00, 0x00}, v5), ok);
  EXPECT_EQ(decode_reason({0x20, 0x03, 0x00, 0x8B, 0x00}, v5), malformed);  // DISCONNECT only
  EXPECT_EQ(decode_reason({0x20, 0x03, 0x00, 0x03, 0x00}, v5), malformed);  // undefined
  EXPECT_EQ(decode_reason({0x20, 0x03, 0xFE, 0x00, 0x00}, v5), malformed);  // [MQTT-3.2.2-1]
  EXPECT_EQ(decode_reason({0x20, 0x02, 0x00, 0x00}, v5), malformed);  // Property Length missing
}

TEST(ValidationConnack, V5PropertyRules) {
  const auto with = [](const bytes& p) { return frame(0x20, cat({{0x00, 0x00}, props(p)})); };
  EXPECT_EQ(decode_reason(with({0x24, 0x02}), v5), protocol_error);        // 3.2.2.3.4 Maximum QoS
  EXPECT_EQ(decode_reason(with({0x25, 0x02}), v5), protocol_error);        // 3.2.2.3.5
  EXPECT_EQ(decode_reason(with({0x28, 0x02}), v5), protocol_error);        // 3.2.2.3.11
  EXPECT_EQ(decode_reason(with({0x29, 0x02}), v5), protocol_error);        // 3.2.2.3.12
  EXPECT_EQ(decode_reason(with({0x2A, 0x02}), v5), protocol_error);        // 3.2.2.3.13
  EXPECT_EQ(decode_reason(with({0x21, 0x00, 0x00}), v5), protocol_error);  // 3.2.2.3.3
  EXPECT_EQ(decode_reason(with({0x27, 0, 0, 0, 0}), v5), protocol_error);  // 3.2.2.3.6
  EXPECT_EQ(decode_reason(with({0x23, 0x00, 0x01}), v5), malformed);       // not a CONNACK property
  EXPECT_EQ(decode_reason(with({0x24, 0x01, 0x24, 0x01}), v5), protocol_error);
}

// ---- PUBACK, PUBREC, PUBREL, PUBCOMP (3.4 - 3.7) ----

TEST(ValidationPublishResponse, V311LengthIsTwo) {
  EXPECT_EQ(decode_reason({0x40, 0x03, 0x00, 0x01, 0x00}, v311), malformed);
  EXPECT_EQ(decode_reason({0x62, 0x01, 0x00}, v311), malformed);
}

TEST(ValidationPublishResponse, ZeroPacketIdentifier_MQTT_2_2_1_3) {
  EXPECT_EQ(decode_reason({0x40, 0x02, 0x00, 0x00}, v311), protocol_error);
  EXPECT_EQ(decode_reason({0x70, 0x02, 0x00, 0x00}, v5), protocol_error);
}

TEST(ValidationPublishResponse, V5ReasonCodesPerPacket) {
  EXPECT_EQ(decode_reason({0x40, 0x03, 0x00, 0x01, 0x10}, v5), ok);
  EXPECT_EQ(decode_reason({0x40, 0x03, 0x00, 0x01, 0x92}, v5), malformed);  // 3.4.2.1
  EXPECT_EQ(decode_reason({0x50, 0x03, 0x00, 0x01, 0x04}, v5), malformed);  // 3.5.2.1
  EXPECT_EQ(decode_reason({0x62, 0x03, 0x00, 0x01, 0x92}, v5), ok);
  EXPECT_EQ(decode_reason({0x62, 0x03, 0x00, 0x01, 0x10}, v5), malformed);  // 3.6.2.1
  EXPECT_EQ(decode_reason({0x70, 0x03, 0x00, 0x01, 0x80}, v5), malformed);  // 3.7.2.1
}

TEST(ValidationPublishResponse, V5Properties) {
  EXPECT_EQ(decode_reason({0x40, 0x04, 0x00, 0x01, 0x00, 0x00}, v5), ok);
  EXPECT_EQ(decode_reason({0x40, 0x06, 0x00, 0x01, 0x00, 0x02, 0x0B, 0x01}, v5), malformed);
  EXPECT_EQ(
      decode_reason(
          frame(0x40, cat({{0x00, 0x01, 0x00}, props(cat({{0x1F}, str("a"), {0x1F}, str("b")}))})),
          v5),
      protocol_error);
  EXPECT_EQ(decode_reason({0x40, 0x05, 0x00, 0x01, 0x00, 0x00, 0x00}, v5), malformed);  // extra
}

// ---- SUBSCRIBE (3.8) ----

TEST(ValidationSubscribe, ZeroPacketIdentifier_MQTT_2_2_1_3) {
  EXPECT_EQ(decode_reason(frame(0x82, cat({{0x00, 0x00}, str("a"), {0x00}})), v311),
            protocol_error);
}

TEST(ValidationSubscribe, NoEntries_MQTT_3_8_3_3_V311_MQTT_3_8_3_2_V5) {
  EXPECT_EQ(decode_reason(frame(0x82, {0x00, 0x01}), v311), protocol_error);
  EXPECT_EQ(decode_reason(frame(0x82, {0x00, 0x01, 0x00}), v5), protocol_error);
}

TEST(ValidationSubscribe, V311ReservedBitsAndQos3_MQTT_3_8_3_4) {
  EXPECT_EQ(decode_reason(frame(0x82, cat({{0x00, 0x01}, str("a"), {0x04}})), v311), malformed);
  EXPECT_EQ(decode_reason(frame(0x82, cat({{0x00, 0x01}, str("a"), {0x03}})), v311), malformed);
  EXPECT_EQ(decode_reason(frame(0x82, cat({{0x00, 0x01}, str("a"), {0x80}})), v31), malformed);
}

bytes subscribe_v5(std::string_view filter, std::uint8_t options, const bytes& p = {}) {
  return frame(0x82, cat({{0x00, 0x01}, props(p), str(filter), {options}}));
}

TEST(ValidationSubscribe, V5ReservedBits_MQTT_3_8_3_5) {
  EXPECT_EQ(decode_reason(subscribe_v5("a", 0x40), v5), malformed);
  EXPECT_EQ(decode_reason(subscribe_v5("a", 0x80), v5), malformed);
  EXPECT_EQ(decode_reason(subscribe_v5("a", 0x2E), v5), ok);
}

TEST(ValidationSubscribe, V5Qos3AndRetainHandling3_3_8_3_1) {
  // v5 3.8.3.1: "It is a Protocol Error if the Maximum QoS field has the
  // value 3" and "to send a Retain Handling value of 3".
  EXPECT_EQ(decode_reason(subscribe_v5("a", 0x03), v5), protocol_error);
  EXPECT_EQ(decode_reason(subscribe_v5("a", 0x30), v5), protocol_error);
}

TEST(ValidationSubscribe, NoLocalOnSharedSubscription_MQTT_3_8_3_4) {
  EXPECT_EQ(decode_reason(subscribe_v5("$share/g/a", 0x04), v5), protocol_error);
  EXPECT_EQ(decode_reason(subscribe_v5("$share/g/a", 0x00), v5), ok);
  EXPECT_EQ(decode_reason(subscribe_v5("a", 0x04), v5), ok);
}

TEST(ValidationSubscribe, FilterMustBeUtf8_MQTT_3_8_3_1) {
  EXPECT_EQ(decode_reason(frame(0x82, cat({{0x00, 0x01}, str("\xC0\x80"), {0x00}})), v311),
            malformed);
  EXPECT_EQ(decode_reason(frame(0x82, cat({{0x00, 0x01}, str("a")})), v311),
            malformed);  // options byte missing
}

TEST(ValidationSubscribe, InvalidFilterSyntaxIsLeftToTheEngine) {
  // v5 answers these per entry with 0x8F; 3.1.1 with 0x80.
  EXPECT_EQ(decode_reason(subscribe_v5("a/#/b", 0x00), v5), ok);
  EXPECT_EQ(decode_reason(subscribe_v5("", 0x00), v5), ok);
  EXPECT_EQ(decode_reason(frame(0x82, cat({{0x00, 0x01}, str("+x"), {0x00}})), v311), ok);
}

TEST(ValidationSubscribe, V5Properties_3_8_2_1_2) {
  EXPECT_EQ(decode_reason(subscribe_v5("a", 0, {0x0B, 0x00}), v5), protocol_error);
  EXPECT_EQ(decode_reason(subscribe_v5("a", 0, {0x0B, 0x01, 0x0B, 0x02}), v5), protocol_error);
  EXPECT_EQ(decode_reason(subscribe_v5("a", 0, {0x0B, 0xFF, 0xFF, 0xFF, 0x7F}), v5), ok);
  EXPECT_EQ(decode_reason(subscribe_v5("a", 0, cat({{0x1F}, str("r")})), v5), malformed);
}

// ---- SUBACK, UNSUBSCRIBE, UNSUBACK (3.9 - 3.11) ----

TEST(ValidationSuback, ReturnCodes_MQTT_3_9_3_2) {
  EXPECT_EQ(decode_reason({0x90, 0x03, 0x00, 0x01, 0x03}, v311), malformed);
  EXPECT_EQ(decode_reason({0x90, 0x03, 0x00, 0x01, 0x87}, v311), malformed);
  EXPECT_EQ(decode_reason({0x90, 0x03, 0x00, 0x01, 0x80}, v311), ok);
  EXPECT_EQ(decode_reason({0x90, 0x04, 0x00, 0x01, 0x00, 0x87}, v5), ok);
  EXPECT_EQ(decode_reason({0x90, 0x04, 0x00, 0x01, 0x00, 0x10}, v5), malformed);  // 3.9.3
  EXPECT_EQ(decode_reason({0x90, 0x02, 0x00, 0x01}, v311), protocol_error);       // no codes
  EXPECT_EQ(decode_reason({0x90, 0x03, 0x00, 0x01, 0x00}, v5), protocol_error);
}

TEST(ValidationUnsubscribe, NoFilters_MQTT_3_10_3_2) {
  EXPECT_EQ(decode_reason(frame(0xA2, {0x00, 0x01}), v311), protocol_error);
  EXPECT_EQ(decode_reason(frame(0xA2, {0x00, 0x01, 0x00}), v5), protocol_error);
}

TEST(ValidationUnsubscribe, FilterMustBeUtf8_MQTT_3_10_3_1) {
  EXPECT_EQ(decode_reason(frame(0xA2, cat({{0x00, 0x01}, str("\xFF")})), v311), malformed);
  EXPECT_EQ(decode_reason(frame(0xA2, cat({{0x00, 0x01}, str("a"), {0x00}})), v311), malformed);
  EXPECT_EQ(decode_reason(frame(0xA2, cat({{0x00, 0x00}, str("a")})), v311), protocol_error);
  EXPECT_EQ(decode_reason(frame(0xA2, cat({{0x00, 0x01}, props({0x0B, 0x01}), str("a")})), v5),
            malformed);  // 3.10.2.1: only User Property
}

TEST(ValidationUnsuback, ReasonCodes_3_11_3) {
  EXPECT_EQ(decode_reason({0xB0, 0x03, 0x00, 0x01, 0x00}, v311), malformed);
  EXPECT_EQ(decode_reason({0xB0, 0x04, 0x00, 0x01, 0x00, 0x11}, v5), ok);
  EXPECT_EQ(decode_reason({0xB0, 0x04, 0x00, 0x01, 0x00, 0x10}, v5), malformed);
  EXPECT_EQ(decode_reason({0xB0, 0x04, 0x00, 0x01, 0x00, 0x01}, v5), malformed);
  EXPECT_EQ(decode_reason({0xB0, 0x03, 0x00, 0x01, 0x00}, v5), protocol_error);
}

// ---- PINGREQ, PINGRESP, DISCONNECT, AUTH (3.12 - 3.15) ----

TEST(ValidationPing, NoBody) {
  EXPECT_EQ(decode_reason({0xC0, 0x01, 0x00}, v311), malformed);
  EXPECT_EQ(decode_reason({0xD0, 0x01, 0x00}, v5), malformed);
}

TEST(ValidationDisconnect, Rules_3_14) {
  EXPECT_EQ(decode_reason({0xE0, 0x01, 0x00}, v311), malformed);
  EXPECT_EQ(decode_reason({0xE0, 0x01, 0x04}, v5), ok);
  EXPECT_EQ(decode_reason({0xE0, 0x01, 0x03}, v5), malformed);  // undefined code
  EXPECT_EQ(decode_reason({0xE0, 0x01, 0x18}, v5), malformed);  // AUTH only
  EXPECT_EQ(decode_reason({0xE0, 0x01, 0x84}, v5), malformed);  // CONNACK only
  EXPECT_EQ(decode_reason({0xE0, 0x02, 0x00, 0x00}, v5), ok);
  EXPECT_EQ(decode_reason({0xE0, 0x04, 0x00, 0x02, 0x23, 0x01}, v5), malformed);
  EXPECT_EQ(
      decode_reason(frame(0xE0, cat({{0x00}, props({0x11, 0, 0, 0, 1, 0x11, 0, 0, 0, 1})})), v5),
      protocol_error);
  EXPECT_EQ(decode_reason({0xE0, 0x03, 0x00, 0x00, 0x00}, v5), malformed);  // trailing byte
}

TEST(ValidationAuth, Rules_3_15) {
  EXPECT_EQ(decode_reason({0xF0, 0x00}, v5), ok);
  const bytes method = cat({{0x15}, str("m")});
  EXPECT_EQ(decode_reason(frame(0xF0, cat({{0x18}, props(method)})), v5), ok);
  EXPECT_EQ(decode_reason(frame(0xF0, cat({{0x04}, props(method)})), v5), malformed);
  // 3.15.2.2.2: omitting the Authentication Method is a Protocol Error.
  EXPECT_EQ(decode_reason(frame(0xF0, {0x18, 0x00}), v5), protocol_error);
  EXPECT_EQ(decode_reason(frame(0xF0, {0x19}), v5), protocol_error);
  EXPECT_EQ(decode_reason(frame(0xF0, cat({{0x18}, props(cat({method, {0x15}, str("n")}))})), v5),
            protocol_error);
  EXPECT_EQ(decode_reason(frame(0xF0, cat({{0x18}, props(cat({method, {0x11, 0, 0, 0, 1}}))})), v5),
            malformed);
}

}  // namespace
