// Conformance vectors for MQTT 5.0 (OASIS Standard, 07 March 2019):
// PUBACK, PUBREC, PUBREL, PUBCOMP, PINGREQ, PINGRESP, DISCONNECT and AUTH,
// the packets whose reason code and property length may be left out (the
// short forms of 3.4.2.1 - 3.7.2.1, 3.14.2.1 and 3.15.2.1). The other packet
// types are in vectors_v5_test.cpp.
//
// Written from the specification, not from the codec; section numbers are
// those of the 5.0 document.

#include <string>

#include <gtest/gtest.h>

#include "mqtt/codec/decoder.hpp"
#include "mqtt/codec/encoder.hpp"
#include "tests/unit/codec/hex.hpp"
#include "tests/unit/codec/vector_check.hpp"

namespace {

namespace mqtt = tern::mqtt;
using mqtt::protocol_version;
using mqtt::reason_code;
using namespace mqtt::test_vectors;

constexpr auto v5 = protocol_version::v5;

// 3.4.2.1, 3.5.2.1, 3.6.2.1, 3.7.2.1: "The Reason Code and Property Length
// can be omitted if the Reason Code is 0x00 (Success) and there are no
// Properties. In this case the [packet] has a Remaining Length of 2." The
// encoder uses this short form; the decoder also reads the long forms.
TEST(V5PublishResponses, SuccessShortForm) {
  // PUBACK; remaining length 2; packet identifier 10
  mqtt::puback puback;
  ASSERT_TRUE(decodes_as(hex("40 02 00 0a"), v5, puback));
  EXPECT_EQ(puback, (mqtt::puback{10, reason_code::success, {}}));
  EXPECT_TRUE(encodes_to(mqtt::puback{10, reason_code::success, {}}, v5, hex("40 02 00 0a")));

  // PUBREC; remaining length 2; packet identifier 11
  mqtt::pubrec pubrec;
  ASSERT_TRUE(decodes_as(hex("50 02 00 0b"), v5, pubrec));
  EXPECT_EQ(pubrec, (mqtt::pubrec{11, reason_code::success, {}}));
  EXPECT_TRUE(encodes_to(mqtt::pubrec{11, reason_code::success, {}}, v5, hex("50 02 00 0b")));

  // PUBREL, flags 0010 [MQTT-3.6.1-1]; remaining length 2; packet identifier 12
  mqtt::pubrel pubrel;
  ASSERT_TRUE(decodes_as(hex("62 02 00 0c"), v5, pubrel));
  EXPECT_EQ(pubrel, (mqtt::pubrel{12, reason_code::success, {}}));
  EXPECT_TRUE(encodes_to(mqtt::pubrel{12, reason_code::success, {}}, v5, hex("62 02 00 0c")));

  // PUBCOMP; remaining length 2; packet identifier 13
  mqtt::pubcomp pubcomp;
  ASSERT_TRUE(decodes_as(hex("70 02 00 0d"), v5, pubcomp));
  EXPECT_EQ(pubcomp, (mqtt::pubcomp{13, reason_code::success, {}}));
  EXPECT_TRUE(encodes_to(mqtt::pubcomp{13, reason_code::success, {}}, v5, hex("70 02 00 0d")));
}

// 3.4.2.2.1: "If the Remaining Length is less than 4 there is no Property
// Length and the value of 0 is used": a reason code alone (length 3), or a
// reason code with an explicit empty property set (length 4).
TEST(V5PublishResponses, ReasonCodeWithAndWithoutPropertyLength) {
  // PUBACK; length 3; identifier 10; reason 0x10 no matching subscribers
  mqtt::puback puback;
  ASSERT_TRUE(decodes_as(hex("40 03 00 0a 10"), v5, puback));
  EXPECT_EQ(puback.id, 10);
  EXPECT_EQ(puback.reason, reason_code::no_matching_subscribers);
  EXPECT_EQ(puback.properties, mqtt::ack_properties{});
  // PUBACK; length 4; identifier 10; reason 0x10; property length 0
  ASSERT_TRUE(decodes_as(hex("40 04 00 0a 10 00"), v5, puback));
  EXPECT_EQ(puback, (mqtt::puback{10, reason_code::no_matching_subscribers, {}}));
  EXPECT_TRUE(encodes_to_one_of(mqtt::puback{10, reason_code::no_matching_subscribers, {}}, v5,
                                {hex("40 03 00 0a 10"), hex("40 04 00 0a 10 00")}));

  // PUBACK; length 4; identifier 10; reason 0x00 success; property length 0:
  // a long form of the short form above.
  ASSERT_TRUE(decodes_as(hex("40 04 00 0a 00 00"), v5, puback));
  EXPECT_EQ(puback, (mqtt::puback{10, reason_code::success, {}}));

  // PUBREC; length 3; identifier 11; reason 0x80 unspecified error (table 3-5)
  mqtt::pubrec pubrec;
  ASSERT_TRUE(decodes_as(hex("50 03 00 0b 80"), v5, pubrec));
  EXPECT_EQ(pubrec, (mqtt::pubrec{11, reason_code::unspecified_error, {}}));
  EXPECT_TRUE(encodes_to_one_of(mqtt::pubrec{11, reason_code::unspecified_error, {}}, v5,
                                {hex("50 03 00 0b 80"), hex("50 04 00 0b 80 00")}));

  // PUBREL; length 3; identifier 12; reason 0x92 packet identifier not found (table 3-6)
  mqtt::pubrel pubrel;
  ASSERT_TRUE(decodes_as(hex("62 03 00 0c 92"), v5, pubrel));
  EXPECT_EQ(pubrel, (mqtt::pubrel{12, reason_code::packet_identifier_not_found, {}}));
  EXPECT_TRUE(encodes_to_one_of(mqtt::pubrel{12, reason_code::packet_identifier_not_found, {}}, v5,
                                {hex("62 03 00 0c 92"), hex("62 04 00 0c 92 00")}));

  // PUBCOMP; length 3; identifier 13; reason 0x92 (table 3-7)
  mqtt::pubcomp pubcomp;
  ASSERT_TRUE(decodes_as(hex("70 03 00 0d 92"), v5, pubcomp));
  EXPECT_EQ(pubcomp, (mqtt::pubcomp{13, reason_code::packet_identifier_not_found, {}}));
  EXPECT_TRUE(encodes_to_one_of(mqtt::pubcomp{13, reason_code::packet_identifier_not_found, {}}, v5,
                                {hex("70 03 00 0d 92"), hex("70 04 00 0d 92 00")}));
}

// 3.12, 3.13: PINGREQ and PINGRESP are a fixed header alone in 5.0 too.
TEST(V5FixedHeaderOnly, Ping) {
  mqtt::pingreq pingreq;
  ASSERT_TRUE(decodes_as(hex("c0 00"), v5, pingreq));  // PINGREQ; remaining length 0
  EXPECT_TRUE(encodes_to(mqtt::pingreq{}, v5, hex("c0 00")));
  mqtt::pingresp pingresp;
  ASSERT_TRUE(decodes_as(hex("d0 00"), v5, pingresp));  // PINGRESP; remaining length 0
  EXPECT_TRUE(encodes_to(mqtt::pingresp{}, v5, hex("d0 00")));
}

// 3.14.2.1: "The Reason Code and Property Length can be omitted if the Reason
// Code is 0x00 (Normal disconnection) and there are no Properties. In this
// case the DISCONNECT has a Remaining Length of 0." 3.14.2.2.1: "If the
// Remaining Length is less than 2, a value of 0 is used" for the property
// length.
TEST(V5Disconnect, ShortAndLongForms) {
  mqtt::disconnect got;
  // DISCONNECT; remaining length 0: normal disconnection
  ASSERT_TRUE(decodes_as(hex("e0 00"), v5, got));
  EXPECT_EQ(got, mqtt::disconnect{});
  EXPECT_TRUE(encodes_to(mqtt::disconnect{}, v5, hex("e0 00")));

  // DISCONNECT; remaining length 1; reason 0x00
  ASSERT_TRUE(decodes_as(hex("e0 01 00"), v5, got));
  EXPECT_EQ(got, mqtt::disconnect{});

  // DISCONNECT; remaining length 2; reason 0x00; property length 0 (figure 3-24)
  ASSERT_TRUE(decodes_as(hex("e0 02 00 00"), v5, got));
  EXPECT_EQ(got, mqtt::disconnect{});

  // DISCONNECT; remaining length 1; reason 0x04 disconnect with will message
  ASSERT_TRUE(decodes_as(hex("e0 01 04"), v5, got));
  EXPECT_EQ(got.reason, reason_code::disconnect_with_will_message);
  EXPECT_EQ(got.properties, mqtt::disconnect_properties{});
  EXPECT_TRUE(encodes_to_one_of(mqtt::disconnect{reason_code::disconnect_with_will_message, {}}, v5,
                                {hex("e0 01 04"), hex("e0 02 04 00")}));

  // DISCONNECT; remaining length 2; reason 0x8E session taken over; property length 0
  ASSERT_TRUE(decodes_as(hex("e0 02 8e 00"), v5, got));
  EXPECT_EQ(got.reason, reason_code::session_taken_over);
  EXPECT_TRUE(encodes_to_one_of(mqtt::disconnect{reason_code::session_taken_over, {}}, v5,
                                {hex("e0 01 8e"), hex("e0 02 8e 00")}));
}

// 3.15.2.1: "The Reason Code and Property Length can be omitted if the Reason
// Code is 0x00 (Success) and there are no Properties. In this case the AUTH
// has a Remaining Length of 0."
TEST(V5Auth, SuccessShortForm) {
  mqtt::auth got;
  ASSERT_TRUE(decodes_as(hex("f0 00"), v5, got));  // AUTH; remaining length 0
  EXPECT_EQ(got.reason, reason_code::success);
  EXPECT_EQ(got.properties, mqtt::auth_properties{});
  EXPECT_TRUE(encodes_to(mqtt::auth{}, v5, hex("f0 00")));
}

// 3.15, 4.12: AUTH continuing a SCRAM exchange (the non-normative example).
TEST(V5Auth, ContinueAuthentication) {
  const bytes wire =
      hex("f0 0a"                    // fixed header: AUTH; remaining length 10
          "18"                       // reason code 0x18 continue authentication
          "08"                       // property length 8
          "15 00 05 53 43 52 41 4d"  // authentication method (0x15) "SCRAM"
      );
  mqtt::auth expected;
  expected.reason = reason_code::continue_authentication;
  expected.properties.authentication_method = "SCRAM";

  mqtt::auth got;
  ASSERT_TRUE(decodes_as(wire, v5, got));
  EXPECT_EQ(got.reason, reason_code::continue_authentication);
  EXPECT_EQ(got.properties.authentication_method, std::optional<std::string>("SCRAM"));
  EXPECT_FALSE(got.properties.authentication_data.has_value());
  EXPECT_EQ(got, expected);
  EXPECT_TRUE(encodes_to(expected, v5, wire));
}

}  // namespace
