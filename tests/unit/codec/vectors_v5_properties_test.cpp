// Conformance vectors for MQTT 5.0 properties (spec 2.2.2, table 2-4) on
// CONNECT (with will properties), CONNACK and PUBLISH; the other packets are
// in vectors_v5_properties_acks_test.cpp. Between the two files every property
// identifier from 0x01 to 0x2A appears at least once, in a packet that admits
// it, as an "identifier, value" pair annotated with the section defining it.
//
// Properties with different identifiers may come in any order (2.2.2.2:
// "There is no significance in the order of Properties with different
// Identifiers"), so a packet with several kinds is checked on encode with
// encodes_equivalent() (same size, decodes back to the same value); where all
// properties share one identifier (user properties, subscription
// identifiers) the order is meaningful and the encoding is exact.

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
using mqtt::shared_bytes;
using namespace mqtt::test_vectors;

constexpr auto v5 = protocol_version::v5;

// CONNECT properties (3.1.2.11) and will properties (3.1.3.2), all of them:
// 0x11 0x21 0x27 0x22 0x19 0x17 0x15 0x16 0x26, and 0x18 0x01 0x02 0x03
// 0x08 0x09 0x26.
TEST(V5Properties, ConnectAndWill) {
  const bytes wire =
      hex("10 7a"                 // fixed header: CONNECT; remaining length 122
          "00 04 4d 51 54 54"     // protocol name "MQTT"
          "05"                    // protocol version 5
          "2c"                    // connect flags: will retain, will QoS 1, will; clean start 0
          "00 3c"                 // keep alive 60 s
          "35"                    // property length 53
          "11 ff ff ff ff"        // session expiry interval (0x11) 0xFFFFFFFF: never (3.1.2.11.2)
          "21 00 14"              // receive maximum (0x21) 20 (3.1.2.11.3)
          "27 00 10 00 00"        // maximum packet size (0x27) 1048576 (3.1.2.11.4)
          "22 00 05"              // topic alias maximum (0x22) 5 (3.1.2.11.5)
          "19 01"                 // request response information (0x19) 1 (3.1.2.11.6)
          "17 00"                 // request problem information (0x17) 0 (3.1.2.11.7)
          "15 00 0b 53 43 52 41"  // authentication method (0x15) "SCRAM-SHA-1" (3.1.2.11.9)
          "4d 2d 53 48 41 2d 31"  // (continued)
          "16 00 02 00 ff"        // authentication data (0x16): 2 bytes (3.1.2.11.10)
          "26 00 01 61 00 01 31"  // user property (0x26) "a" = "1" (3.1.2.11.8)
          "26 00 01 61 00 01 32"  // user property (0x26) "a" = "2": same name again
          "00 01 63"              // client identifier "c"
          "2b"                    // will property length 43 (3.1.3.2.1)
          "18 00 00 00 1e"        // will delay interval (0x18) 30 s (3.1.3.2.2)
          "01 01"                 // payload format indicator (0x01) 1: UTF-8 (3.1.3.2.3)
          "02 00 00 0e 10"        // message expiry interval (0x02) 3600 s (3.1.3.2.4)
          "03 00 0a 74 65 78 74"  // content type (0x03) "text/plain" (3.1.3.2.5)
          "2f 70 6c 61 69 6e"     // (continued)
          "08 00 03 72 2f 74"     // response topic (0x08) "r/t" (3.1.3.2.6)
          "09 00 02 01 02"        // correlation data (0x09): 2 bytes (3.1.3.2.7)
          "26 00 01 77 00 01 78"  // user property (0x26) "w" = "x" (3.1.3.2.8)
          "00 03 77 2f 74"        // will topic "w/t"
          "00 04 67 6f 6e 65"     // will payload "gone"
      );
  mqtt::connect expected;
  expected.version = v5;
  expected.clean_start = false;
  expected.keep_alive = 60;
  expected.client_id = "c";
  expected.properties.session_expiry_interval = 0xffffffff;
  expected.properties.receive_maximum = 20;
  expected.properties.maximum_packet_size = 1048576;
  expected.properties.topic_alias_maximum = 5;
  expected.properties.request_response_information = 1;
  expected.properties.request_problem_information = 0;
  expected.properties.authentication_method = "SCRAM-SHA-1";
  expected.properties.authentication_data = std::string("\x00\xff", 2);
  expected.properties.user = {{"a", "1"}, {"a", "2"}};
  expected.will = mqtt::will_message{};
  expected.will->topic = "w/t";
  expected.will->payload = shared_bytes::copy_of("gone");
  expected.will->qos = mqtt::qos::at_least_once;
  expected.will->retain = true;
  expected.will->properties.will_delay_interval = 30;
  expected.will->properties.payload_format_indicator = 1;
  expected.will->properties.message_expiry_interval = 3600;
  expected.will->properties.content_type = "text/plain";
  expected.will->properties.response_topic = "r/t";
  expected.will->properties.correlation_data = std::string("\x01\x02", 2);
  expected.will->properties.user = {{"w", "x"}};

  mqtt::connect got;
  ASSERT_TRUE(decodes_as(wire, v5, got));
  const auto& p = got.properties;
  EXPECT_EQ(p.session_expiry_interval, std::optional<std::uint32_t>(0xffffffff));
  EXPECT_EQ(p.receive_maximum, std::optional<std::uint16_t>(20));
  EXPECT_EQ(p.maximum_packet_size, std::optional<std::uint32_t>(1048576));
  EXPECT_EQ(p.topic_alias_maximum, std::optional<std::uint16_t>(5));
  EXPECT_EQ(p.request_response_information, std::optional<std::uint8_t>(1));
  EXPECT_EQ(p.request_problem_information, std::optional<std::uint8_t>(0));
  EXPECT_EQ(p.authentication_method, std::optional<std::string>("SCRAM-SHA-1"));
  EXPECT_EQ(p.authentication_data, std::optional<std::string>(std::string("\x00\xff", 2)));
  EXPECT_EQ(p.user, (mqtt::user_properties{{"a", "1"}, {"a", "2"}}));
  ASSERT_TRUE(got.will.has_value());
  const auto& w = got.will->properties;
  EXPECT_EQ(w.will_delay_interval, std::optional<std::uint32_t>(30));
  EXPECT_EQ(w.payload_format_indicator, std::optional<std::uint8_t>(1));
  EXPECT_EQ(w.message_expiry_interval, std::optional<std::uint32_t>(3600));
  EXPECT_EQ(w.content_type, std::optional<std::string>("text/plain"));
  EXPECT_EQ(w.response_topic, std::optional<std::string>("r/t"));
  EXPECT_EQ(w.correlation_data, std::optional<std::string>(std::string("\x01\x02", 2)));
  EXPECT_EQ(w.user, (mqtt::user_properties{{"w", "x"}}));
  EXPECT_EQ(got.will->topic, "w/t");
  EXPECT_EQ(got.will->payload.view(), "gone");
  EXPECT_EQ(got, expected);
  EXPECT_TRUE(encodes_equivalent(expected, v5, wire));
}

// CONNACK properties (3.2.2.3), all of them: 0x11 0x21 0x24 0x25 0x27 0x12
// 0x22 0x1F 0x26 0x28 0x29 0x2A 0x13 0x1A 0x1C 0x15 0x16.
TEST(V5Properties, Connack) {
  const bytes wire =
      hex("20 56"                 // fixed header: CONNACK; remaining length 86
          "00"                    // connect acknowledge flags: session present 0
          "00"                    // reason code 0x00 success
          "53"                    // property length 83
          "11 00 00 00 78"        // session expiry interval (0x11) 120 s (3.2.2.3.2)
          "21 00 0a"              // receive maximum (0x21) 10 (3.2.2.3.3)
          "24 01"                 // maximum QoS (0x24) 1 (3.2.2.3.4)
          "25 00"                 // retain available (0x25) 0 (3.2.2.3.5)
          "27 00 01 00 00"        // maximum packet size (0x27) 65536 (3.2.2.3.6)
          "12 00 06 61 75 74 6f"  // assigned client identifier (0x12) "auto-1" (3.2.2.3.7)
          "2d 31"                 // (continued)
          "22 00 08"              // topic alias maximum (0x22) 8 (3.2.2.3.8)
          "1f 00 02 6f 6b"        // reason string (0x1F) "ok" (3.2.2.3.9)
          "26 00 01 6b 00 01 76"  // user property (0x26) "k" = "v" (3.2.2.3.10)
          "28 00"                 // wildcard subscription available (0x28) 0 (3.2.2.3.11)
          "29 00"                 // subscription identifiers available (0x29) 0 (3.2.2.3.12)
          "2a 01"                 // shared subscription available (0x2A) 1 (3.2.2.3.13)
          "13 00 2d"              // server keep alive (0x13) 45 s (3.2.2.3.14)
          "1a 00 05 72 65 73 70"  // response information (0x1A) "resp/" (3.2.2.3.15)
          "2f"                    // (continued)
          "1c 00 0a 6f 74 68 65"  // server reference (0x1C) "other:1883" (3.2.2.3.16)
          "72 3a 31 38 38 33"     // (continued)
          "15 00 05 50 4c 41 49"  // authentication method (0x15) "PLAIN" (3.2.2.3.17)
          "4e"                    // (continued)
          "16 00 01 07"           // authentication data (0x16): 1 byte (3.2.2.3.18)
      );
  mqtt::connack expected;
  auto& e = expected.properties;
  e.session_expiry_interval = 120;
  e.receive_maximum = 10;
  e.maximum_qos = 1;
  e.retain_available = 0;
  e.maximum_packet_size = 65536;
  e.assigned_client_identifier = "auto-1";
  e.topic_alias_maximum = 8;
  e.reason_string = "ok";
  e.user = {{"k", "v"}};
  e.wildcard_subscription_available = 0;
  e.subscription_identifier_available = 0;
  e.shared_subscription_available = 1;
  e.server_keep_alive = 45;
  e.response_information = "resp/";
  e.server_reference = "other:1883";
  e.authentication_method = "PLAIN";
  e.authentication_data = "\x07";

  mqtt::connack got;
  ASSERT_TRUE(decodes_as(wire, v5, got));
  EXPECT_FALSE(got.session_present);
  EXPECT_EQ(got.reason, reason_code::success);
  const auto& p = got.properties;
  EXPECT_EQ(p.session_expiry_interval, std::optional<std::uint32_t>(120));
  EXPECT_EQ(p.receive_maximum, std::optional<std::uint16_t>(10));
  EXPECT_EQ(p.maximum_qos, std::optional<std::uint8_t>(1));
  EXPECT_EQ(p.retain_available, std::optional<std::uint8_t>(0));
  EXPECT_EQ(p.maximum_packet_size, std::optional<std::uint32_t>(65536));
  EXPECT_EQ(p.assigned_client_identifier, std::optional<std::string>("auto-1"));
  EXPECT_EQ(p.topic_alias_maximum, std::optional<std::uint16_t>(8));
  EXPECT_EQ(p.reason_string, std::optional<std::string>("ok"));
  EXPECT_EQ(p.user, (mqtt::user_properties{{"k", "v"}}));
  EXPECT_EQ(p.wildcard_subscription_available, std::optional<std::uint8_t>(0));
  EXPECT_EQ(p.subscription_identifier_available, std::optional<std::uint8_t>(0));
  EXPECT_EQ(p.shared_subscription_available, std::optional<std::uint8_t>(1));
  EXPECT_EQ(p.server_keep_alive, std::optional<std::uint16_t>(45));
  EXPECT_EQ(p.response_information, std::optional<std::string>("resp/"));
  EXPECT_EQ(p.server_reference, std::optional<std::string>("other:1883"));
  EXPECT_EQ(p.authentication_method, std::optional<std::string>("PLAIN"));
  EXPECT_EQ(p.authentication_data, std::optional<std::string>("\x07"));
  EXPECT_EQ(got, expected);
  EXPECT_TRUE(encodes_equivalent(expected, v5, wire));
}

// PUBLISH properties (3.3.2.3): 0x01 0x02 0x23 0x08 0x09 0x03 0x0B 0x26.
TEST(V5Properties, Publish) {
  const bytes wire =
      hex("32 2f"                 // fixed header: PUBLISH, QoS 1; remaining length 47
          "00 03 61 2f 62"        // topic name "a/b"
          "00 01"                 // packet identifier 1
          "25"                    // property length 37
          "01 01"                 // payload format indicator (0x01) 1: UTF-8 (3.3.2.3.2)
          "02 00 00 00 3c"        // message expiry interval (0x02) 60 s (3.3.2.3.3)
          "23 00 03"              // topic alias (0x23) 3 (3.3.2.3.4)
          "08 00 03 72 2f 31"     // response topic (0x08) "r/1" (3.3.2.3.5)
          "09 00 02 ca fe"        // correlation data (0x09): 2 bytes (3.3.2.3.6)
          "03 00 04 6a 73 6f 6e"  // content type (0x03) "json" (3.3.2.3.9)
          "0b 05"                 // subscription identifier (0x0B) 5 (3.3.2.3.8)
          "26 00 01 6b 00 01 31"  // user property (0x26) "k" = "1" (3.3.2.3.7)
          "7b 7d"                 // payload "{}"
      );
  mqtt::publish expected;
  expected.topic = "a/b";
  expected.id = 1;
  expected.qos = mqtt::qos::at_least_once;
  expected.payload = shared_bytes::copy_of("{}");
  auto& e = expected.properties;
  e.payload_format_indicator = 1;
  e.message_expiry_interval = 60;
  e.topic_alias = 3;
  e.response_topic = "r/1";
  e.correlation_data = "\xca\xfe";
  e.content_type = "json";
  e.subscription_identifiers = {5};
  e.user = {{"k", "1"}};

  mqtt::publish got;
  ASSERT_TRUE(decodes_as(wire, v5, got));
  const auto& p = got.properties;
  EXPECT_EQ(p.payload_format_indicator, std::optional<std::uint8_t>(1));
  EXPECT_EQ(p.message_expiry_interval, std::optional<std::uint32_t>(60));
  EXPECT_EQ(p.topic_alias, std::optional<std::uint16_t>(3));
  EXPECT_EQ(p.response_topic, std::optional<std::string>("r/1"));
  EXPECT_EQ(p.correlation_data, std::optional<std::string>("\xca\xfe"));
  EXPECT_EQ(p.content_type, std::optional<std::string>("json"));
  EXPECT_EQ(p.subscription_identifiers, std::vector<std::uint32_t>{5});
  EXPECT_EQ(p.user, (mqtt::user_properties{{"k", "1"}}));
  EXPECT_EQ(got.payload.view(), "{}");
  EXPECT_EQ(got, expected);
  EXPECT_TRUE(encodes_equivalent(expected, v5, wire));
}

// 3.3.4: "Multiple Subscription Identifiers will be included if the
// publication is the result of a match to more than one subscription"; the
// same identifier may repeat. Each is a Variable Byte Integer (1.5.5): 1, 128
// (two bytes) and 268,435,455 (the largest, four bytes).
TEST(V5Properties, PublishWithSeveralSubscriptionIdentifiers) {
  const bytes wire =
      hex("30 10"           // fixed header: PUBLISH, QoS 0; remaining length 16
          "00 01 73"        // topic name "s"
          "0c"              // property length 12
          "0b 01"           // subscription identifier (0x0B) 1
          "0b 80 01"        // subscription identifier (0x0B) 128
          "0b ff ff ff 7f"  // subscription identifier (0x0B) 268435455
          "0b 01"           // subscription identifier (0x0B) 1 again
      );
  mqtt::publish expected;
  expected.topic = "s";
  expected.properties.subscription_identifiers = {1, 128, 268435455, 1};

  mqtt::publish got;
  ASSERT_TRUE(decodes_as(wire, v5, got));
  EXPECT_EQ(got.properties.subscription_identifiers,
            (std::vector<std::uint32_t>{1, 128, 268435455, 1}));
  EXPECT_EQ(got, expected);
  EXPECT_TRUE(encodes_to(expected, v5, wire));
}

// 3.3.2.3.4: a zero-length topic name with a topic alias.
TEST(V5Properties, PublishTopicAliasWithEmptyTopicName) {
  const bytes wire =
      hex("30 07"     // fixed header: PUBLISH, QoS 0; remaining length 7
          "00 00"     // topic name "" (zero length: the alias stands for it)
          "03"        // property length 3
          "23 00 01"  // topic alias (0x23) 1
          "78"        // payload "x"
      );
  mqtt::publish expected;
  expected.topic = "";
  expected.payload = shared_bytes::copy_of("x");
  expected.properties.topic_alias = 1;

  mqtt::publish got;
  ASSERT_TRUE(decodes_as(wire, v5, got));
  EXPECT_EQ(got.topic, "");
  EXPECT_EQ(got.properties.topic_alias, std::optional<std::uint16_t>(1));
  EXPECT_EQ(got, expected);
  EXPECT_TRUE(encodes_to(expected, v5, wire));
}

// 3.3.2.3.7: user properties keep their order [MQTT-3.3.2-18] and a name
// may appear more than once; a whole pair may even repeat.
TEST(V5Properties, UserPropertiesKeepOrderAndDuplicates) {
  const bytes wire =
      hex("30 20"                 // fixed header: PUBLISH, QoS 0; remaining length 32
          "00 01 74"              // topic name "t"
          "1c"                    // property length 28
          "26 00 01 6b 00 01 31"  // user property (0x26) "k" = "1"
          "26 00 01 6b 00 01 32"  // user property (0x26) "k" = "2"
          "26 00 01 61 00 01 33"  // user property (0x26) "a" = "3"
          "26 00 01 6b 00 01 31"  // user property (0x26) "k" = "1" again
      );
  mqtt::publish expected;
  expected.topic = "t";
  expected.properties.user = {{"k", "1"}, {"k", "2"}, {"a", "3"}, {"k", "1"}};

  mqtt::publish got;
  ASSERT_TRUE(decodes_as(wire, v5, got));
  EXPECT_EQ(got.properties.user,
            (mqtt::user_properties{{"k", "1"}, {"k", "2"}, {"a", "3"}, {"k", "1"}}));
  EXPECT_EQ(got, expected);
  EXPECT_TRUE(encodes_to(expected, v5, wire));
}

// 2.2.2.2: "There is no significance in the order of Properties with
// different Identifiers": the same properties in another order decode to the
// same value, and user properties interleaved with others keep their own
// order [MQTT-3.3.2-18].
TEST(V5Properties, OrderOfDifferentIdentifiersCarriesNoMeaning) {
  const bytes user_first =
      hex("30 19"                 // fixed header: PUBLISH, QoS 0; remaining length 25
          "00 03 61 2f 62"        // topic name "a/b"
          "13"                    // property length 19
          "26 00 01 6b 00 01 31"  // user property (0x26) "k" = "1"
          "02 00 00 00 3c"        // message expiry interval (0x02) 60 s
          "26 00 01 6b 00 01 32"  // user property (0x26) "k" = "2"
      );
  const bytes expiry_first =
      hex("30 19"                 // fixed header: PUBLISH, QoS 0; remaining length 25
          "00 03 61 2f 62"        // topic name "a/b"
          "13"                    // property length 19
          "02 00 00 00 3c"        // message expiry interval (0x02) 60 s
          "26 00 01 6b 00 01 31"  // user property (0x26) "k" = "1"
          "26 00 01 6b 00 01 32"  // user property (0x26) "k" = "2"
      );
  mqtt::publish expected;
  expected.topic = "a/b";
  expected.properties.message_expiry_interval = 60;
  expected.properties.user = {{"k", "1"}, {"k", "2"}};

  mqtt::publish got;
  ASSERT_TRUE(decodes_as(user_first, v5, got));
  EXPECT_EQ(got, expected);
  ASSERT_TRUE(decodes_as(expiry_first, v5, got));
  EXPECT_EQ(got, expected);
  EXPECT_TRUE(encodes_equivalent(expected, v5, expiry_first));
}

}  // namespace
