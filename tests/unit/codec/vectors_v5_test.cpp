// Conformance vectors for MQTT 5.0 (OASIS Standard, 07 March 2019): one or
// more per packet type, without properties or with a single one. Packets
// carrying many properties are in vectors_v5_properties_test.cpp.
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
using mqtt::shared_bytes;
using namespace mqtt::test_vectors;

constexpr auto v5 = protocol_version::v5;

mqtt::subscription entry(std::string filter, mqtt::qos max_qos, bool no_local = false,
                         bool retain_as_published = false, std::uint8_t retain_handling = 0) {
  mqtt::subscription s;
  s.filter = std::move(filter);
  s.options.max_qos = max_qos;
  s.options.no_local = no_local;
  s.options.retain_as_published = retain_as_published;
  s.options.retain_handling = retain_handling;
  return s;
}

// 3.1.2: the variable header of the non-normative example in figure 3-6
// (flags 0xCE, keep alive 10, session expiry interval 10), with a payload in
// the order of [MQTT-3.1.3-1].
TEST(V5Connect, SpecExample) {
  const bytes wire =
      hex("10 2e"                    // fixed header: CONNECT; remaining length 46
          "00 04 4d 51 54 54"        // protocol name "MQTT" (3.1.2.1)
          "05"                       // protocol version 5 (3.1.2.2)
          "ce"                       // flags: user name, password, will QoS 1, will, clean start
          "00 0a"                    // keep alive 10 s (3.1.2.10)
          "05"                       // property length 5 (3.1.2.11.1)
          "11 00 00 00 0a"           // session expiry interval (0x11) 10 s
          "00 03 63 69 64"           // client identifier "cid" (3.1.3.1)
          "00"                       // will property length 0 (3.1.3.2.1)
          "00 06 77 69 6c 6c 2f 74"  // will topic "will/t" (3.1.3.3)
          "00 03 62 79 65"           // will payload "bye" (3.1.3.4)
          "00 04 75 73 65 72"        // user name "user" (3.1.3.5)
          "00 03 01 02 03"           // password: 3 bytes of binary data (3.1.3.6)
      );
  mqtt::connect expected;
  expected.version = v5;
  expected.clean_start = true;
  expected.keep_alive = 10;
  expected.client_id = "cid";
  expected.will = mqtt::will_message{};
  expected.will->topic = "will/t";
  expected.will->payload = shared_bytes::copy_of("bye");
  expected.will->qos = mqtt::qos::at_least_once;
  expected.username = "user";
  expected.password = std::string("\x01\x02\x03", 3);
  expected.properties.session_expiry_interval = 10;

  mqtt::connect got;
  ASSERT_TRUE(decodes_as(wire, v5, got));
  EXPECT_EQ(got.version, v5);
  EXPECT_TRUE(got.clean_start);
  EXPECT_EQ(got.keep_alive, 10);
  EXPECT_EQ(got.properties.session_expiry_interval, std::optional<std::uint32_t>(10));
  EXPECT_EQ(got.client_id, "cid");
  ASSERT_TRUE(got.will.has_value());
  EXPECT_EQ(got.will->topic, "will/t");
  EXPECT_EQ(got.will->payload.view(), "bye");
  EXPECT_EQ(got.will->qos, mqtt::qos::at_least_once);
  EXPECT_FALSE(got.will->retain);
  EXPECT_EQ(got.will->properties, mqtt::will_properties{});
  EXPECT_EQ(got.username, std::optional<std::string>("user"));
  EXPECT_EQ(got.password, std::optional<std::string>(std::string("\x01\x02\x03", 3)));
  EXPECT_EQ(got, expected);
  EXPECT_TRUE(encodes_to(expected, v5, wire));
}

// 3.1.2.11.1: no properties is a property length of 0 [MQTT-2.2.2-1]; a
// zero-byte client identifier [MQTT-3.1.3-6].
TEST(V5Connect, Minimal) {
  const bytes wire =
      hex("10 0d"              // fixed header: CONNECT; remaining length 13
          "00 04 4d 51 54 54"  // protocol name "MQTT"
          "05"                 // protocol version 5
          "02"                 // connect flags: clean start
          "00 3c"              // keep alive 60 s
          "00"                 // property length 0
          "00 00"              // client identifier "" (zero bytes)
      );
  mqtt::connect expected;
  expected.version = v5;
  expected.keep_alive = 60;

  mqtt::connect got;
  ASSERT_TRUE(decodes_as(wire, v5, got));
  EXPECT_EQ(got.version, v5);
  EXPECT_EQ(got.client_id, "");
  EXPECT_EQ(got.properties, mqtt::connect_properties{});
  EXPECT_EQ(got, expected);
  EXPECT_TRUE(encodes_to(expected, v5, wire));
}

// 3.1.2.9, non-normative comment: 5.0 allows a password without a user name,
// which 3.1.1 did not.
TEST(V5Connect, PasswordWithoutUserName) {
  const bytes wire =
      hex("10 12"              // fixed header: CONNECT; remaining length 18
          "00 04 4d 51 54 54"  // protocol name "MQTT"
          "05"                 // protocol version 5
          "42"                 // connect flags: password, clean start (no user name)
          "00 00"              // keep alive 0: off
          "00"                 // property length 0
          "00 01 61"           // client identifier "a"
          "00 02 70 77"        // password "pw"
      );
  mqtt::connect expected;
  expected.version = v5;
  expected.keep_alive = 0;
  expected.client_id = "a";
  expected.password = "pw";

  mqtt::connect got;
  ASSERT_TRUE(decodes_as(wire, v5, got));
  EXPECT_FALSE(got.username.has_value());
  EXPECT_EQ(got.password, std::optional<std::string>("pw"));
  EXPECT_EQ(got, expected);
  EXPECT_TRUE(encodes_to(expected, v5, wire));
}

// 3.1.2.4 - 3.1.2.7: clean start 0, will retain, will QoS 2, empty will payload.
TEST(V5Connect, WillRetainQos2CleanStartZero) {
  const bytes wire =
      hex("10 15"              // fixed header: CONNECT; remaining length 21
          "00 04 4d 51 54 54"  // protocol name "MQTT"
          "05"                 // protocol version 5
          "34"                 // connect flags: will retain, will QoS 2, will; clean start 0
          "00 1e"              // keep alive 30 s
          "00"                 // property length 0
          "00 02 63 31"        // client identifier "c1"
          "00"                 // will property length 0
          "00 01 74"           // will topic "t"
          "00 00"              // will payload: zero bytes
      );
  mqtt::connect expected;
  expected.version = v5;
  expected.clean_start = false;
  expected.keep_alive = 30;
  expected.client_id = "c1";
  expected.will = mqtt::will_message{};
  expected.will->topic = "t";
  expected.will->qos = mqtt::qos::exactly_once;
  expected.will->retain = true;

  mqtt::connect got;
  ASSERT_TRUE(decodes_as(wire, v5, got));
  EXPECT_FALSE(got.clean_start);
  ASSERT_TRUE(got.will.has_value());
  EXPECT_TRUE(got.will->retain);
  EXPECT_EQ(got.will->qos, mqtt::qos::exactly_once);
  EXPECT_TRUE(got.will->payload.empty());
  EXPECT_EQ(got, expected);
  EXPECT_TRUE(encodes_to(expected, v5, wire));
}

// 3.2: CONNACK with session present (3.2.2.1.1) and reason codes of table 3-1.
TEST(V5Connack, SessionPresentAndReasonCodes) {
  const struct {
    const char* wire;  // fixed header, length 3; acknowledge flags; reason; property length 0
    bool session_present;
    reason_code reason;
  } cases[] = {
      {"20 03 00 00 00", false, reason_code::success},
      {"20 03 01 00 00", true, reason_code::success},
      {"20 03 00 80 00", false, reason_code::unspecified_error},
      {"20 03 00 81 00", false, reason_code::malformed_packet},
      {"20 03 00 84 00", false, reason_code::unsupported_protocol_version},
      {"20 03 00 85 00", false, reason_code::client_identifier_not_valid},
      {"20 03 00 86 00", false, reason_code::bad_user_name_or_password},
      {"20 03 00 87 00", false, reason_code::not_authorized},
      {"20 03 00 8a 00", false, reason_code::banned},
      {"20 03 00 8c 00", false, reason_code::bad_authentication_method},
      {"20 03 00 95 00", false, reason_code::packet_too_large},
      {"20 03 00 9f 00", false, reason_code::connection_rate_exceeded},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.wire);
    mqtt::connack expected;
    expected.session_present = c.session_present;
    expected.reason = c.reason;
    mqtt::connack got;
    ASSERT_TRUE(decodes_as(hex(c.wire), v5, got));
    EXPECT_EQ(got.session_present, c.session_present);
    EXPECT_EQ(got.reason, c.reason);
    EXPECT_EQ(got.properties, mqtt::connack_properties{});
    EXPECT_TRUE(encodes_to(expected, v5, hex(c.wire)));
  }
}

// 3.3: PUBLISH QoS 0: no packet identifier [MQTT-2.2.1-2]; property length 0.
TEST(V5Publish, Qos0) {
  const bytes wire =
      hex("30 0b"           // fixed header: PUBLISH, QoS 0; remaining length 11
          "00 03 61 2f 62"  // topic name "a/b" (3.3.2.1)
          "00"              // property length 0 (3.3.2.3.1)
          "68 65 6c 6c 6f"  // payload "hello" (3.3.3)
      );
  mqtt::publish expected;
  expected.topic = "a/b";
  expected.payload = shared_bytes::copy_of("hello");

  mqtt::publish got;
  ASSERT_TRUE(decodes_as(wire, v5, got));
  EXPECT_EQ(got.topic, "a/b");
  EXPECT_EQ(got.qos, mqtt::qos::at_most_once);
  EXPECT_EQ(got.payload.view(), "hello");
  EXPECT_EQ(got.properties, mqtt::publish_properties{});
  EXPECT_EQ(got, expected);
  EXPECT_TRUE(encodes_to(expected, v5, wire));
}

// 3.3.2: the variable header of the non-normative example in figure 3-9:
// topic "a/b", packet identifier 10, no properties.
TEST(V5Publish, Qos1SpecExample) {
  const bytes wire =
      hex("32 0a"           // fixed header: PUBLISH, QoS 1; remaining length 10
          "00 03 61 2f 62"  // topic name "a/b"
          "00 0a"           // packet identifier 10 (3.3.2.2)
          "00"              // property length 0
          "68 69"           // payload "hi"
      );
  mqtt::publish expected;
  expected.topic = "a/b";
  expected.id = 10;
  expected.qos = mqtt::qos::at_least_once;
  expected.payload = shared_bytes::copy_of("hi");

  mqtt::publish got;
  ASSERT_TRUE(decodes_as(wire, v5, got));
  EXPECT_EQ(got.id, 10);
  EXPECT_EQ(got.qos, mqtt::qos::at_least_once);
  EXPECT_EQ(got, expected);
  EXPECT_TRUE(encodes_to(expected, v5, wire));
}

// 3.3.1: DUP 1, QoS 2, RETAIN 1; the largest packet identifier; no payload.
TEST(V5Publish, Qos2DupRetainEmptyPayload) {
  const bytes wire =
      hex("3d 06"     // fixed header: PUBLISH, DUP 1, QoS 2, RETAIN 1; remaining length 6
          "00 01 78"  // topic name "x"
          "ff ff"     // packet identifier 65535
          "00"        // property length 0
      );
  mqtt::publish expected;
  expected.topic = "x";
  expected.id = 65535;
  expected.qos = mqtt::qos::exactly_once;
  expected.dup = true;
  expected.retain = true;

  mqtt::publish got;
  ASSERT_TRUE(decodes_as(wire, v5, got));
  EXPECT_TRUE(got.dup);
  EXPECT_TRUE(got.retain);
  EXPECT_EQ(got.qos, mqtt::qos::exactly_once);
  EXPECT_EQ(got.id, 65535);
  EXPECT_TRUE(got.payload.empty());
  EXPECT_EQ(got, expected);
  EXPECT_TRUE(encodes_to(expected, v5, wire));
}

// 3.8: SUBSCRIBE with the variable header of figure 3-19 (packet identifier
// 10, no properties) and the payload of figure 3-21 ("a/b" QoS 1, "c/d" QoS 2).
TEST(V5Subscribe, SpecExample) {
  const bytes wire =
      hex("82 0f"           // fixed header: SUBSCRIBE, flags 0010 [MQTT-3.8.1-1]; length 15
          "00 0a"           // packet identifier 10
          "00"              // property length 0
          "00 03 61 2f 62"  // topic filter "a/b"
          "01"              // subscription options: maximum QoS 1
          "00 03 63 2f 64"  // topic filter "c/d"
          "02"              // subscription options: maximum QoS 2
      );
  mqtt::subscribe expected;
  expected.id = 10;
  expected.entries = {entry("a/b", mqtt::qos::at_least_once),
                      entry("c/d", mqtt::qos::exactly_once)};

  mqtt::subscribe got;
  ASSERT_TRUE(decodes_as(wire, v5, got));
  EXPECT_EQ(got.id, 10);
  EXPECT_EQ(got.properties, mqtt::subscribe_properties{});
  ASSERT_EQ(got.entries.size(), 2U);
  EXPECT_EQ(got.entries[0], entry("a/b", mqtt::qos::at_least_once));
  EXPECT_EQ(got.entries[1], entry("c/d", mqtt::qos::exactly_once));
  EXPECT_EQ(got, expected);
  EXPECT_TRUE(encodes_to(expected, v5, wire));
}

// 3.8.3.1, figure 3-20: subscription options bits: 0-1 maximum QoS, 2 no
// local, 3 retain as published, 4-5 retain handling, 6-7 reserved.
TEST(V5Subscribe, SubscriptionOptionBits) {
  const bytes wire =
      hex("82 1a"                                // fixed header: SUBSCRIBE; remaining length 26
          "01 02"                                // packet identifier 258
          "00"                                   // property length 0
          "00 03 61 2f 2b"                       // topic filter "a/+"
          "2d"                                   // retain handling 2, retain as published,
                                                 // no local, QoS 1: 0010 1101
          "00 0a 24 73 68 61 72 65 2f 67 2f 23"  // topic filter "$share/g/#"
          "12"                                   // retain handling 1, QoS 2: 0001 0010
          "00 01 23"                             // topic filter "#"
          "00"                                   // all options zero
      );
  mqtt::subscribe expected;
  expected.id = 258;
  expected.entries = {entry("a/+", mqtt::qos::at_least_once, true, true, 2),
                      entry("$share/g/#", mqtt::qos::exactly_once, false, false, 1),
                      entry("#", mqtt::qos::at_most_once)};

  mqtt::subscribe got;
  ASSERT_TRUE(decodes_as(wire, v5, got));
  ASSERT_EQ(got.entries.size(), 3U);
  EXPECT_EQ(got.entries[0].options.max_qos, mqtt::qos::at_least_once);
  EXPECT_TRUE(got.entries[0].options.no_local);
  EXPECT_TRUE(got.entries[0].options.retain_as_published);
  EXPECT_EQ(got.entries[0].options.retain_handling, 2);
  EXPECT_EQ(got.entries[1].filter, "$share/g/#");
  EXPECT_EQ(got.entries[1].options.max_qos, mqtt::qos::exactly_once);
  EXPECT_FALSE(got.entries[1].options.no_local);
  EXPECT_FALSE(got.entries[1].options.retain_as_published);
  EXPECT_EQ(got.entries[1].options.retain_handling, 1);
  EXPECT_EQ(got.entries[2], entry("#", mqtt::qos::at_most_once));
  EXPECT_EQ(got, expected);
  EXPECT_TRUE(encodes_to(expected, v5, wire));
}

// 3.9: SUBACK with every Subscribe Reason Code of table 3-8, in order
// [MQTT-3.9.3-1].
TEST(V5Suback, EveryReasonCode) {
  const bytes wire =
      hex("90 0f"  // fixed header: SUBACK; remaining length 15
          "00 0a"  // packet identifier 10
          "00"     // property length 0
          "00"     // granted QoS 0
          "01"     // granted QoS 1
          "02"     // granted QoS 2
          "80"     // unspecified error
          "83"     // implementation specific error
          "87"     // not authorized
          "8f"     // topic filter invalid
          "91"     // packet identifier in use
          "97"     // quota exceeded
          "9e"     // shared subscriptions not supported
          "a1"     // subscription identifiers not supported
          "a2"     // wildcard subscriptions not supported
      );
  mqtt::suback expected;
  expected.id = 10;
  expected.reasons = {reason_code::granted_qos_0,
                      reason_code::granted_qos_1,
                      reason_code::granted_qos_2,
                      reason_code::unspecified_error,
                      reason_code::implementation_specific_error,
                      reason_code::not_authorized,
                      reason_code::topic_filter_invalid,
                      reason_code::packet_identifier_in_use,
                      reason_code::quota_exceeded,
                      reason_code::shared_subscriptions_not_supported,
                      reason_code::subscription_identifiers_not_supported,
                      reason_code::wildcard_subscriptions_not_supported};

  mqtt::suback got;
  ASSERT_TRUE(decodes_as(wire, v5, got));
  EXPECT_EQ(got.id, 10);
  EXPECT_EQ(got.properties, mqtt::ack_properties{});
  EXPECT_EQ(got.reasons, expected.reasons);
  EXPECT_EQ(got, expected);
  EXPECT_TRUE(encodes_to(expected, v5, wire));
}

// 3.10: UNSUBSCRIBE with the payload of figure 3-30 ("a/b", "c/d").
TEST(V5Unsubscribe, SpecExample) {
  const bytes wire =
      hex("a2 0d"           // fixed header: UNSUBSCRIBE, flags 0010 [MQTT-3.10.1-1]; length 13
          "00 0b"           // packet identifier 11
          "00"              // property length 0
          "00 03 61 2f 62"  // topic filter "a/b"
          "00 03 63 2f 64"  // topic filter "c/d"
      );
  mqtt::unsubscribe expected;
  expected.id = 11;
  expected.filters = {"a/b", "c/d"};

  mqtt::unsubscribe got;
  ASSERT_TRUE(decodes_as(wire, v5, got));
  EXPECT_EQ(got.id, 11);
  EXPECT_EQ(got.filters, expected.filters);
  EXPECT_EQ(got.properties, mqtt::unsubscribe_properties{});
  EXPECT_EQ(got, expected);
  EXPECT_TRUE(encodes_to(expected, v5, wire));
}

// 3.11: UNSUBACK with every Unsubscribe Reason Code of table 3-9, in order
// [MQTT-3.11.3-1].
TEST(V5Unsuback, EveryReasonCode) {
  const bytes wire =
      hex("b0 0a"  // fixed header: UNSUBACK; remaining length 10
          "00 0b"  // packet identifier 11
          "00"     // property length 0
          "00"     // success
          "11"     // no subscription existed
          "80"     // unspecified error
          "83"     // implementation specific error
          "87"     // not authorized
          "8f"     // topic filter invalid
          "91"     // packet identifier in use
      );
  mqtt::unsuback expected;
  expected.id = 11;
  expected.reasons = {reason_code::success,
                      reason_code::no_subscription_existed,
                      reason_code::unspecified_error,
                      reason_code::implementation_specific_error,
                      reason_code::not_authorized,
                      reason_code::topic_filter_invalid,
                      reason_code::packet_identifier_in_use};

  mqtt::unsuback got;
  ASSERT_TRUE(decodes_as(wire, v5, got));
  EXPECT_EQ(got.id, 11);
  EXPECT_EQ(got.reasons, expected.reasons);
  EXPECT_EQ(got, expected);
  EXPECT_TRUE(encodes_to(expected, v5, wire));
}

}  // namespace
