// Conformance vectors for MQTT 5.0 properties (spec 2.2.2, table 2-4) on
// acknowledgements, subscriptions, DISCONNECT and AUTH. CONNECT, CONNACK and
// PUBLISH properties are in vectors_v5_properties_test.cpp, whose header says
// how encodings are compared.
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

// 3.4.2.2 - 3.7.2.2: reason string (0x1F) and user property (0x26) on
// PUBACK, PUBREC, PUBREL and PUBCOMP, each with a failure reason code.
TEST(V5Properties, PublishResponses) {
  const bytes puback_wire =
      hex("40 11"                 // fixed header: PUBACK; remaining length 17
          "00 07"                 // packet identifier 7
          "10"                    // reason code 0x10 no matching subscribers
          "0d"                    // property length 13
          "1f 00 03 77 68 79"     // reason string (0x1F) "why" (3.4.2.2.2)
          "26 00 01 6e 00 01 76"  // user property (0x26) "n" = "v" (3.4.2.2.3)
      );
  mqtt::ack_properties props;
  props.reason_string = "why";
  props.user = {{"n", "v"}};

  const mqtt::puback puback{7, reason_code::no_matching_subscribers, props};
  mqtt::puback got_puback;
  ASSERT_TRUE(decodes_as(puback_wire, v5, got_puback));
  EXPECT_EQ(got_puback.properties.reason_string, std::optional<std::string>("why"));
  EXPECT_EQ(got_puback.properties.user, (mqtt::user_properties{{"n", "v"}}));
  EXPECT_EQ(got_puback, puback);
  EXPECT_TRUE(encodes_equivalent(puback, v5, puback_wire));

  // PUBREC; length 17; identifier 7; 0x80 unspecified error; the same properties
  const bytes pubrec_wire = hex("50 11 00 07 80 0d 1f 00 03 77 68 79 26 00 01 6e 00 01 76");
  const mqtt::pubrec pubrec{7, reason_code::unspecified_error, props};
  mqtt::pubrec got_pubrec;
  ASSERT_TRUE(decodes_as(pubrec_wire, v5, got_pubrec));
  EXPECT_EQ(got_pubrec, pubrec);
  EXPECT_TRUE(encodes_equivalent(pubrec, v5, pubrec_wire));

  // PUBREL; length 17; identifier 7; 0x92 packet identifier not found; same properties
  const bytes pubrel_wire = hex("62 11 00 07 92 0d 1f 00 03 77 68 79 26 00 01 6e 00 01 76");
  const mqtt::pubrel pubrel{7, reason_code::packet_identifier_not_found, props};
  mqtt::pubrel got_pubrel;
  ASSERT_TRUE(decodes_as(pubrel_wire, v5, got_pubrel));
  EXPECT_EQ(got_pubrel, pubrel);
  EXPECT_TRUE(encodes_equivalent(pubrel, v5, pubrel_wire));

  // PUBCOMP; length 17; identifier 7; 0x92 packet identifier not found; same properties
  const bytes pubcomp_wire = hex("70 11 00 07 92 0d 1f 00 03 77 68 79 26 00 01 6e 00 01 76");
  const mqtt::pubcomp pubcomp{7, reason_code::packet_identifier_not_found, props};
  mqtt::pubcomp got_pubcomp;
  ASSERT_TRUE(decodes_as(pubcomp_wire, v5, got_pubcomp));
  EXPECT_EQ(got_pubcomp, pubcomp);
  EXPECT_TRUE(encodes_equivalent(pubcomp, v5, pubcomp_wire));
}

// 3.4.2.1: a success reason with properties cannot use the short form: the
// reason code and the property length are both present.
TEST(V5Properties, SuccessPubackWithReasonString) {
  const bytes wire =
      hex("40 0b"                 // fixed header: PUBACK; remaining length 11
          "00 07"                 // packet identifier 7
          "00"                    // reason code 0x00 success
          "07"                    // property length 7
          "1f 00 04 66 69 6e 65"  // reason string (0x1F) "fine"
      );
  mqtt::puback expected{7, reason_code::success, {}};
  expected.properties.reason_string = "fine";
  mqtt::puback got;
  ASSERT_TRUE(decodes_as(wire, v5, got));
  EXPECT_EQ(got, expected);
  EXPECT_TRUE(encodes_to(expected, v5, wire));
}

// SUBSCRIBE properties (3.8.2.1): subscription identifier (0x0B) as a
// Variable Byte Integer, alone and with a user property.
TEST(V5Properties, Subscribe) {
  const bytes two_byte_id =
      hex("82 0c"           // fixed header: SUBSCRIBE; remaining length 12
          "00 02"           // packet identifier 2
          "03"              // property length 3
          "0b ac 02"        // subscription identifier (0x0B) 300 = 0x2C + 2 * 128 (3.8.2.1.2)
          "00 03 61 2f 23"  // topic filter "a/#"
          "01"              // options: maximum QoS 1
      );
  mqtt::subscribe expected;
  expected.id = 2;
  expected.entries.resize(1);
  expected.entries[0].filter = "a/#";
  expected.entries[0].options.max_qos = mqtt::qos::at_least_once;
  expected.properties.subscription_identifier = 300;
  mqtt::subscribe got;
  ASSERT_TRUE(decodes_as(two_byte_id, v5, got));
  EXPECT_EQ(got.properties.subscription_identifier, std::optional<std::uint32_t>(300));
  EXPECT_EQ(got, expected);
  EXPECT_TRUE(encodes_to(expected, v5, two_byte_id));

  const bytes largest_id =
      hex("82 15"                 // fixed header: SUBSCRIBE; remaining length 21
          "00 02"                 // packet identifier 2
          "0c"                    // property length 12
          "0b ff ff ff 7f"        // subscription identifier (0x0B) 268435455, the largest
          "26 00 01 75 00 01 70"  // user property (0x26) "u" = "p" (3.8.2.1.3)
          "00 03 61 2f 23"        // topic filter "a/#"
          "01"                    // options: maximum QoS 1
      );
  expected.properties.subscription_identifier = 268435455;
  expected.properties.user = {{"u", "p"}};
  ASSERT_TRUE(decodes_as(largest_id, v5, got));
  EXPECT_EQ(got.properties.subscription_identifier, std::optional<std::uint32_t>(268435455));
  EXPECT_EQ(got.properties.user, (mqtt::user_properties{{"u", "p"}}));
  EXPECT_EQ(got, expected);
  EXPECT_TRUE(encodes_equivalent(expected, v5, largest_id));
}

// SUBACK properties (3.9.2.1): reason string and user property.
TEST(V5Properties, Suback) {
  const bytes wire =
      hex("90 10"                 // fixed header: SUBACK; remaining length 16
          "00 02"                 // packet identifier 2
          "0c"                    // property length 12
          "1f 00 02 6e 6f"        // reason string (0x1F) "no" (3.9.2.1.2)
          "26 00 01 75 00 01 70"  // user property (0x26) "u" = "p" (3.9.2.1.3)
          "87"                    // reason code 0x87 not authorized
      );
  mqtt::suback expected;
  expected.id = 2;
  expected.reasons = {reason_code::not_authorized};
  expected.properties.reason_string = "no";
  expected.properties.user = {{"u", "p"}};
  mqtt::suback got;
  ASSERT_TRUE(decodes_as(wire, v5, got));
  EXPECT_EQ(got.properties.reason_string, std::optional<std::string>("no"));
  EXPECT_EQ(got.properties.user, (mqtt::user_properties{{"u", "p"}}));
  EXPECT_EQ(got.reasons, std::vector<reason_code>{reason_code::not_authorized});
  EXPECT_EQ(got, expected);
  EXPECT_TRUE(encodes_equivalent(expected, v5, wire));
}

// UNSUBSCRIBE properties (3.10.2.1): user properties only, order kept.
TEST(V5Properties, Unsubscribe) {
  const bytes wire =
      hex("a2 1d"                 // fixed header: UNSUBSCRIBE; remaining length 29
          "00 03"                 // packet identifier 3
          "15"                    // property length 21
          "26 00 01 7a 00 01 31"  // user property (0x26) "z" = "1" (3.10.2.1.2)
          "26 00 01 61 00 01 32"  // user property (0x26) "a" = "2"
          "26 00 01 7a 00 01 33"  // user property (0x26) "z" = "3"
          "00 03 61 2f 23"        // topic filter "a/#"
      );
  mqtt::unsubscribe expected;
  expected.id = 3;
  expected.filters = {"a/#"};
  expected.properties.user = {{"z", "1"}, {"a", "2"}, {"z", "3"}};
  mqtt::unsubscribe got;
  ASSERT_TRUE(decodes_as(wire, v5, got));
  EXPECT_EQ(got.properties.user, (mqtt::user_properties{{"z", "1"}, {"a", "2"}, {"z", "3"}}));
  EXPECT_EQ(got, expected);
  EXPECT_TRUE(encodes_to(expected, v5, wire));
}

// UNSUBACK properties (3.11.2.1): reason string and user property.
TEST(V5Properties, Unsuback) {
  const bytes wire =
      hex("b0 12"                 // fixed header: UNSUBACK; remaining length 18
          "00 03"                 // packet identifier 3
          "0e"                    // property length 14
          "1f 00 04 67 6f 6e 65"  // reason string (0x1F) "gone" (3.11.2.1.2)
          "26 00 01 75 00 01 70"  // user property (0x26) "u" = "p" (3.11.2.1.3)
          "11"                    // reason code 0x11 no subscription existed
      );
  mqtt::unsuback expected;
  expected.id = 3;
  expected.reasons = {reason_code::no_subscription_existed};
  expected.properties.reason_string = "gone";
  expected.properties.user = {{"u", "p"}};
  mqtt::unsuback got;
  ASSERT_TRUE(decodes_as(wire, v5, got));
  EXPECT_EQ(got.properties.reason_string, std::optional<std::string>("gone"));
  EXPECT_EQ(got.reasons, std::vector<reason_code>{reason_code::no_subscription_existed});
  EXPECT_EQ(got, expected);
  EXPECT_TRUE(encodes_equivalent(expected, v5, wire));
}

// DISCONNECT properties (3.14.2.2), all of them: 0x11 0x1F 0x26 0x1C.
TEST(V5Properties, Disconnect) {
  const bytes wire =
      hex("e0 1e"                 // fixed header: DISCONNECT; remaining length 30
          "9c"                    // reason code 0x9C use another server
          "1c"                    // property length 28
          "11 00 00 00 00"        // session expiry interval (0x11) 0 (3.14.2.2.2)
          "1f 00 04 6d 6f 76 65"  // reason string (0x1F) "move" (3.14.2.2.3)
          "26 00 01 75 00 01 70"  // user property (0x26) "u" = "p" (3.14.2.2.4)
          "1c 00 06 62 3a 31 38"  // server reference (0x1C) "b:1883" (3.14.2.2.5)
          "38 33"                 // (continued)
      );
  mqtt::disconnect expected;
  expected.reason = reason_code::use_another_server;
  expected.properties.session_expiry_interval = 0;
  expected.properties.reason_string = "move";
  expected.properties.user = {{"u", "p"}};
  expected.properties.server_reference = "b:1883";
  mqtt::disconnect got;
  ASSERT_TRUE(decodes_as(wire, v5, got));
  EXPECT_EQ(got.reason, reason_code::use_another_server);
  EXPECT_EQ(got.properties.session_expiry_interval, std::optional<std::uint32_t>(0));
  EXPECT_EQ(got.properties.reason_string, std::optional<std::string>("move"));
  EXPECT_EQ(got.properties.user, (mqtt::user_properties{{"u", "p"}}));
  EXPECT_EQ(got.properties.server_reference, std::optional<std::string>("b:1883"));
  EXPECT_EQ(got, expected);
  EXPECT_TRUE(encodes_equivalent(expected, v5, wire));
}

// AUTH properties (3.15.2.2), all of them: 0x15 0x16 0x1F 0x26.
TEST(V5Properties, Auth) {
  const bytes wire =
      hex("f0 1f"                    // fixed header: AUTH; remaining length 31
          "19"                       // reason code 0x19 re-authenticate (4.12.1)
          "1d"                       // property length 29
          "15 00 05 53 43 52 41 4d"  // authentication method (0x15) "SCRAM" (3.15.2.2.2)
          "16 00 03 01 02 03"        // authentication data (0x16): 3 bytes (3.15.2.2.3)
          "1f 00 05 61 67 61 69 6e"  // reason string (0x1F) "again" (3.15.2.2.4)
          "26 00 01 75 00 01 70"     // user property (0x26) "u" = "p" (3.15.2.2.5)
      );
  mqtt::auth expected;
  expected.reason = reason_code::re_authenticate;
  expected.properties.authentication_method = "SCRAM";
  expected.properties.authentication_data = std::string("\x01\x02\x03", 3);
  expected.properties.reason_string = "again";
  expected.properties.user = {{"u", "p"}};
  mqtt::auth got;
  ASSERT_TRUE(decodes_as(wire, v5, got));
  EXPECT_EQ(got.reason, reason_code::re_authenticate);
  EXPECT_EQ(got.properties.authentication_method, std::optional<std::string>("SCRAM"));
  EXPECT_EQ(got.properties.authentication_data,
            std::optional<std::string>(std::string("\x01\x02\x03", 3)));
  EXPECT_EQ(got.properties.reason_string, std::optional<std::string>("again"));
  EXPECT_EQ(got.properties.user, (mqtt::user_properties{{"u", "p"}}));
  EXPECT_EQ(got, expected);
  EXPECT_TRUE(encodes_equivalent(expected, v5, wire));
}

}  // namespace
