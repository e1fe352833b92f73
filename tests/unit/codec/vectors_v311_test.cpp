// Conformance vectors for MQTT 3.1.1 (OASIS Standard, 29 October 2014).
//
// Written from the specification, not from the codec: each vector is laid
// out field by field as chapter 3 describes the packet, decoded and compared
// field by field with the value the spec gives it, and encoded back to the
// same bytes. Section numbers below are those of the 3.1.1 document.

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

constexpr auto v311 = protocol_version::v3_1_1;

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

// 3.1: CONNECT with only a client identifier.
TEST(V311Connect, Minimal) {
  const bytes wire =
      hex("10 10"              // fixed header: CONNECT; remaining length 16
          "00 04 4d 51 54 54"  // protocol name "MQTT" (3.1.2.1)
          "04"                 // protocol level 4 (3.1.2.2)
          "02"                 // connect flags: clean session (3.1.2.4)
          "00 3c"              // keep alive 60 s (3.1.2.10)
          "00 04 74 65 72 6e"  // client identifier "tern" (3.1.3.1)
      );
  mqtt::connect expected;
  expected.version = v311;
  expected.clean_start = true;
  expected.keep_alive = 60;
  expected.client_id = "tern";

  mqtt::connect got;
  ASSERT_TRUE(decodes_as(wire, v311, got));
  EXPECT_EQ(got.version, v311);
  EXPECT_TRUE(got.clean_start);
  EXPECT_EQ(got.keep_alive, 60);
  EXPECT_EQ(got.client_id, "tern");
  EXPECT_FALSE(got.will.has_value());
  EXPECT_FALSE(got.username.has_value());
  EXPECT_FALSE(got.password.has_value());
  EXPECT_EQ(got.properties, mqtt::connect_properties{});
  EXPECT_EQ(got, expected);
  EXPECT_TRUE(encodes_to(expected, v311, wire));
}

// Not in the spec: mosquitto's bridges (try_private) set the top bit of the
// protocol level to say they are brokers; accepted for levels 3 and 4 only
// (0x85 stays unsupported, see vectors_malformed_test).
TEST(V311Connect, MosquittoBridgeMarker) {
  const bytes wire =
      hex("10 10"              // fixed header: CONNECT; remaining length 16
          "00 04 4d 51 54 54"  // protocol name "MQTT"
          "84"                 // protocol level 4 with the bridge bit
          "02"                 // connect flags: clean session
          "00 3c"              // keep alive 60 s
          "00 04 74 65 72 6e"  // client identifier "tern"
      );
  mqtt::connect got;
  ASSERT_TRUE(decodes_as(wire, v311, got));
  EXPECT_EQ(got.version, v311);
  EXPECT_TRUE(got.bridge);
  EXPECT_EQ(got.client_id, "tern");
  EXPECT_TRUE(encodes_to(got, v311, wire));
  got.bridge = false;
  EXPECT_FALSE(encodes_to(got, v311, wire)) << "the marker is written only when set";
}

// 3.1: flags byte 0xCE and keep alive 10 as in the non-normative example of
// figure 3.6, with the payload fields in the order of [MQTT-3.1.3-1].
TEST(V311Connect, WillUserNameAndPassword) {
  const bytes wire =
      hex("10 27"                    // fixed header: CONNECT; remaining length 39
          "00 04 4d 51 54 54"        // protocol name "MQTT"
          "04"                       // protocol level 4
          "ce"                       // flags: user name, password, will QoS 1, will, clean session
          "00 0a"                    // keep alive 10 s
          "00 03 63 69 64"           // client identifier "cid"
          "00 06 77 69 6c 6c 2f 74"  // will topic "will/t" (3.1.3.2)
          "00 03 62 79 65"           // will message "bye" (3.1.3.3)
          "00 04 75 73 65 72"        // user name "user" (3.1.3.4)
          "00 03 01 02 03"           // password: 3 bytes of binary data (3.1.3.5)
      );
  mqtt::connect expected;
  expected.version = v311;
  expected.clean_start = true;
  expected.keep_alive = 10;
  expected.client_id = "cid";
  expected.will = mqtt::will_message{};
  expected.will->topic = "will/t";
  expected.will->payload = shared_bytes::copy_of("bye");
  expected.will->qos = mqtt::qos::at_least_once;
  expected.will->retain = false;
  expected.username = "user";
  expected.password = std::string("\x01\x02\x03", 3);

  mqtt::connect got;
  ASSERT_TRUE(decodes_as(wire, v311, got));
  EXPECT_EQ(got.version, v311);
  EXPECT_TRUE(got.clean_start);
  EXPECT_EQ(got.keep_alive, 10);
  EXPECT_EQ(got.client_id, "cid");
  ASSERT_TRUE(got.will.has_value());
  EXPECT_EQ(got.will->topic, "will/t");
  EXPECT_EQ(got.will->payload.view(), "bye");
  EXPECT_EQ(got.will->qos, mqtt::qos::at_least_once);
  EXPECT_FALSE(got.will->retain);
  EXPECT_EQ(got.username, std::optional<std::string>("user"));
  EXPECT_EQ(got.password, std::optional<std::string>(std::string("\x01\x02\x03", 3)));
  EXPECT_EQ(got, expected);
  EXPECT_TRUE(encodes_to(expected, v311, wire));
}

// 3.1: will retain with will QoS 2, a zero-byte client identifier (allowed with
// clean session 1, [MQTT-3.1.3-6]), a zero-byte will message and a user name
// without a password (allowed, 3.1.2.9). Keep alive is the largest value.
TEST(V311Connect, WillRetainQos2EmptyClientIdentifier) {
  const bytes wire =
      hex("10 14"              // fixed header: CONNECT; remaining length 20
          "00 04 4d 51 54 54"  // protocol name "MQTT"
          "04"                 // protocol level 4
          "b6"                 // flags: user name, will retain, will QoS 2, will, clean session
          "ff ff"              // keep alive 65535 s
          "00 00"              // client identifier "" (zero bytes)
          "00 01 74"           // will topic "t"
          "00 00"              // will message: zero bytes
          "00 01 75"           // user name "u"
      );
  mqtt::connect expected;
  expected.version = v311;
  expected.clean_start = true;
  expected.keep_alive = 65535;
  expected.client_id = "";
  expected.will = mqtt::will_message{};
  expected.will->topic = "t";
  expected.will->qos = mqtt::qos::exactly_once;
  expected.will->retain = true;
  expected.username = "u";

  mqtt::connect got;
  ASSERT_TRUE(decodes_as(wire, v311, got));
  EXPECT_EQ(got.keep_alive, 65535);
  EXPECT_EQ(got.client_id, "");
  ASSERT_TRUE(got.will.has_value());
  EXPECT_EQ(got.will->topic, "t");
  EXPECT_TRUE(got.will->payload.empty());
  EXPECT_EQ(got.will->qos, mqtt::qos::exactly_once);
  EXPECT_TRUE(got.will->retain);
  EXPECT_EQ(got.username, std::optional<std::string>("u"));
  EXPECT_FALSE(got.password.has_value());
  EXPECT_EQ(got, expected);
  EXPECT_TRUE(encodes_to(expected, v311, wire));
}

// 3.1.2.4: clean session 0 with a client identifier.
TEST(V311Connect, CleanSessionZero) {
  const bytes wire =
      hex("10 0d"              // fixed header: CONNECT; remaining length 13
          "00 04 4d 51 54 54"  // protocol name "MQTT"
          "04"                 // protocol level 4
          "00"                 // connect flags: none (clean session 0)
          "00 00"              // keep alive 0: off
          "00 01 78"           // client identifier "x"
      );
  mqtt::connect expected;
  expected.version = v311;
  expected.clean_start = false;
  expected.keep_alive = 0;
  expected.client_id = "x";

  mqtt::connect got;
  ASSERT_TRUE(decodes_as(wire, v311, got));
  EXPECT_FALSE(got.clean_start);
  EXPECT_EQ(got, expected);
  EXPECT_TRUE(encodes_to(expected, v311, wire));
}

// 3.2: CONNACK, session present (3.2.2.2) and every return code of table 3.1,
// which map to the v5 reasons with the same meaning.
TEST(V311Connack, ReturnCodes) {
  const struct {
    const char* wire;
    bool session_present;
    reason_code reason;
  } cases[] = {
      // fixed header, remaining length 2; acknowledge flags; return code
      {"20 02 00 00", false, reason_code::success},                       // 0 accepted
      {"20 02 01 00", true, reason_code::success},                        // 0, session present
      {"20 02 00 01", false, reason_code::unsupported_protocol_version},  // 1 unacceptable level
      {"20 02 00 02", false, reason_code::client_identifier_not_valid},   // 2 identifier rejected
      {"20 02 00 03", false, reason_code::server_unavailable},            // 3 server unavailable
      {"20 02 00 04", false, reason_code::bad_user_name_or_password},     // 4 bad user/password
      {"20 02 00 05", false, reason_code::not_authorized},                // 5 not authorized
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.wire);
    mqtt::connack expected;
    expected.session_present = c.session_present;
    expected.reason = c.reason;
    mqtt::connack got;
    ASSERT_TRUE(decodes_as(hex(c.wire), v311, got));
    EXPECT_EQ(got.session_present, c.session_present);
    EXPECT_EQ(got.reason, c.reason);
    EXPECT_EQ(got.properties, mqtt::connack_properties{});
    EXPECT_TRUE(encodes_to(expected, v311, hex(c.wire)));
  }
}

// 3.3: PUBLISH QoS 0 has no packet identifier [MQTT-2.3.1-5]; the payload is
// the rest of the packet (3.3.3).
TEST(V311Publish, Qos0) {
  const bytes wire =
      hex("30 0a"           // fixed header: PUBLISH, DUP 0, QoS 0, RETAIN 0; remaining length 10
          "00 03 61 2f 62"  // topic name "a/b" (3.3.2.1)
          "68 65 6c 6c 6f"  // payload "hello"
      );
  mqtt::publish expected;
  expected.topic = "a/b";
  expected.payload = shared_bytes::copy_of("hello");

  mqtt::publish got;
  ASSERT_TRUE(decodes_as(wire, v311, got));
  EXPECT_EQ(got.topic, "a/b");
  EXPECT_EQ(got.qos, mqtt::qos::at_most_once);
  EXPECT_FALSE(got.dup);
  EXPECT_FALSE(got.retain);
  EXPECT_EQ(got.payload.view(), "hello");
  EXPECT_EQ(got, expected);
  EXPECT_TRUE(encodes_to(expected, v311, wire));
}

// 3.3.1: DUP, QoS 1 and RETAIN all set; packet identifier 10 as in figure 3.11.
TEST(V311Publish, Qos1DupRetain) {
  const bytes wire =
      hex("3b 09"           // fixed header: PUBLISH, DUP 1, QoS 1, RETAIN 1; remaining length 9
          "00 03 61 2f 62"  // topic name "a/b"
          "00 0a"           // packet identifier 10 (3.3.2.2)
          "01 02"           // payload: 2 bytes
      );
  mqtt::publish expected;
  expected.topic = "a/b";
  expected.id = 10;
  expected.qos = mqtt::qos::at_least_once;
  expected.dup = true;
  expected.retain = true;
  expected.payload = shared_bytes::copy_of("\x01\x02");

  mqtt::publish got;
  ASSERT_TRUE(decodes_as(wire, v311, got));
  EXPECT_EQ(got.id, 10);
  EXPECT_EQ(got.qos, mqtt::qos::at_least_once);
  EXPECT_TRUE(got.dup);
  EXPECT_TRUE(got.retain);
  EXPECT_EQ(got.payload.view(), std::string_view("\x01\x02", 2));
  EXPECT_EQ(got, expected);
  EXPECT_TRUE(encodes_to(expected, v311, wire));
}

// 3.3.3: a zero-length payload is valid; QoS 2.
TEST(V311Publish, Qos2EmptyPayload) {
  const bytes wire =
      hex("34 07"           // fixed header: PUBLISH, QoS 2; remaining length 7
          "00 03 61 2f 62"  // topic name "a/b"
          "12 34"           // packet identifier 0x1234
      );
  mqtt::publish expected;
  expected.topic = "a/b";
  expected.id = 0x1234;
  expected.qos = mqtt::qos::exactly_once;

  mqtt::publish got;
  ASSERT_TRUE(decodes_as(wire, v311, got));
  EXPECT_EQ(got.id, 0x1234);
  EXPECT_EQ(got.qos, mqtt::qos::exactly_once);
  EXPECT_TRUE(got.payload.empty());
  EXPECT_EQ(got, expected);
  EXPECT_TRUE(encodes_to(expected, v311, wire));
}

// 2.2.3, table 2.4: the Remaining Length at the edges of its 1, 2 and 3 byte
// forms (127 = 7f, 128 = 80 01, 16383 = ff 7f, 16384 = 80 80 01).
TEST(V311Publish, RemainingLengthSizes) {
  const struct {
    const char* header;  // first byte, then the Remaining Length
    std::size_t remaining_length;
  } cases[] = {{"30 7f", 127}, {"30 80 01", 128}, {"30 ff 7f", 16383}, {"30 80 80 01", 16384}};
  for (const auto& c : cases) {
    SCOPED_TRACE(c.header);
    const std::string payload(c.remaining_length - 5, 'x');
    const bytes wire = concat(concat(hex(c.header), hex("00 03 61 2f 62")), ascii(payload));
    mqtt::publish expected;
    expected.topic = "a/b";
    expected.payload = shared_bytes::copy_of(payload);
    mqtt::publish got;
    ASSERT_TRUE(decodes_as(wire, v311, got));
    EXPECT_EQ(got, expected);
    EXPECT_TRUE(encodes_to(expected, v311, wire));
  }
}

// 1.5.3, figure 1.3: "A" + U+2A6D4 is 41 F0 AA 9B 94; a UTF-8 BOM is kept,
// not stripped [MQTT-1.5.3-3].
TEST(V311Publish, Utf8TopicNames) {
  const bytes four_byte =
      hex("30 07"                 // fixed header: PUBLISH, QoS 0; remaining length 7
          "00 05 41 f0 aa 9b 94"  // topic name "A\U0002A6D4"
      );
  mqtt::publish got;
  ASSERT_TRUE(decodes_as(four_byte, v311, got));
  EXPECT_EQ(got.topic, "A\xf0\xaa\x9b\x94");

  const bytes bom =
      hex("30 06"              // fixed header: PUBLISH, QoS 0; remaining length 6
          "00 04 ef bb bf 61"  // topic name U+FEFF "a"
      );
  ASSERT_TRUE(decodes_as(bom, v311, got));
  EXPECT_EQ(got.topic,
            "\xef\xbb\xbf"
            "a");
  EXPECT_TRUE(encodes_to(got, v311, bom));
}

// 3.4 - 3.7: PUBACK, PUBREC, PUBREL (flags 0010, 3.6.1) and PUBCOMP carry
// only the packet identifier; remaining length 2.
TEST(V311PublishResponses, PacketIdentifierOnly) {
  const bytes puback_wire = hex("40 02 00 0a");   // PUBACK; length 2; packet identifier 10
  const bytes pubrec_wire = hex("50 02 00 0b");   // PUBREC; length 2; packet identifier 11
  const bytes pubrel_wire = hex("62 02 00 0c");   // PUBREL, flags 0010; length 2; identifier 12
  const bytes pubcomp_wire = hex("70 02 ff ff");  // PUBCOMP; length 2; identifier 65535

  mqtt::puback puback;
  ASSERT_TRUE(decodes_as(puback_wire, v311, puback));
  EXPECT_EQ(puback, (mqtt::puback{10, reason_code::success, {}}));
  EXPECT_TRUE(encodes_to(mqtt::puback{10, reason_code::success, {}}, v311, puback_wire));

  mqtt::pubrec pubrec;
  ASSERT_TRUE(decodes_as(pubrec_wire, v311, pubrec));
  EXPECT_EQ(pubrec, (mqtt::pubrec{11, reason_code::success, {}}));
  EXPECT_TRUE(encodes_to(mqtt::pubrec{11, reason_code::success, {}}, v311, pubrec_wire));

  mqtt::pubrel pubrel;
  ASSERT_TRUE(decodes_as(pubrel_wire, v311, pubrel));
  EXPECT_EQ(pubrel, (mqtt::pubrel{12, reason_code::success, {}}));
  EXPECT_TRUE(encodes_to(mqtt::pubrel{12, reason_code::success, {}}, v311, pubrel_wire));

  mqtt::pubcomp pubcomp;
  ASSERT_TRUE(decodes_as(pubcomp_wire, v311, pubcomp));
  EXPECT_EQ(pubcomp, (mqtt::pubcomp{65535, reason_code::success, {}}));
  EXPECT_TRUE(encodes_to(mqtt::pubcomp{65535, reason_code::success, {}}, v311, pubcomp_wire));
}

// 3.8: SUBSCRIBE with the two filters of the non-normative example, figure 3.22.
TEST(V311Subscribe, TwoFilters) {
  const bytes wire =
      hex("82 0e"           // fixed header: SUBSCRIBE, flags 0010 (3.8.1); remaining length 14
          "00 0a"           // packet identifier 10
          "00 03 61 2f 62"  // topic filter "a/b"
          "01"              // requested QoS 1
          "00 03 63 2f 64"  // topic filter "c/d"
          "02"              // requested QoS 2
      );
  mqtt::subscribe expected;
  expected.id = 10;
  expected.entries = {entry("a/b", mqtt::qos::at_least_once),
                      entry("c/d", mqtt::qos::exactly_once)};

  mqtt::subscribe got;
  ASSERT_TRUE(decodes_as(wire, v311, got));
  EXPECT_EQ(got.id, 10);
  ASSERT_EQ(got.entries.size(), 2U);
  EXPECT_EQ(got.entries[0].filter, "a/b");
  EXPECT_EQ(got.entries[0].options.max_qos, mqtt::qos::at_least_once);
  EXPECT_EQ(got.entries[1].filter, "c/d");
  EXPECT_EQ(got.entries[1].options.max_qos, mqtt::qos::exactly_once);
  EXPECT_EQ(got, expected);
  EXPECT_TRUE(encodes_to(expected, v311, wire));
}

// 3.9: SUBACK with the return codes of the example in figure 3.26 plus QoS 1.
TEST(V311Suback, ReturnCodes) {
  const bytes wire =
      hex("90 06"  // fixed header: SUBACK; remaining length 6
          "00 0a"  // packet identifier 10
          "00"     // success, maximum QoS 0
          "01"     // success, maximum QoS 1
          "02"     // success, maximum QoS 2
          "80"     // failure
      );
  mqtt::suback expected;
  expected.id = 10;
  expected.reasons = {reason_code::granted_qos_0, reason_code::granted_qos_1,
                      reason_code::granted_qos_2, reason_code::unspecified_error};

  mqtt::suback got;
  ASSERT_TRUE(decodes_as(wire, v311, got));
  EXPECT_EQ(got.id, 10);
  EXPECT_EQ(got.reasons, expected.reasons);
  EXPECT_EQ(got, expected);
  EXPECT_TRUE(encodes_to(expected, v311, wire));
}

// 3.10: UNSUBSCRIBE with the two filters of the example in figure 3.30.
TEST(V311Unsubscribe, TwoFilters) {
  const bytes wire =
      hex("a2 0c"           // fixed header: UNSUBSCRIBE, flags 0010 (3.10.1); remaining length 12
          "00 0b"           // packet identifier 11
          "00 03 61 2f 62"  // topic filter "a/b"
          "00 03 63 2f 64"  // topic filter "c/d"
      );
  mqtt::unsubscribe expected;
  expected.id = 11;
  expected.filters = {"a/b", "c/d"};

  mqtt::unsubscribe got;
  ASSERT_TRUE(decodes_as(wire, v311, got));
  EXPECT_EQ(got.id, 11);
  EXPECT_EQ(got.filters, expected.filters);
  EXPECT_EQ(got, expected);
  EXPECT_TRUE(encodes_to(expected, v311, wire));
}

// 3.11: UNSUBACK carries only the packet identifier; no reason codes in 3.1.1.
TEST(V311Unsuback, PacketIdentifierOnly) {
  const bytes wire = hex("b0 02 00 0b");  // UNSUBACK; remaining length 2; packet identifier 11
  mqtt::unsuback got;
  ASSERT_TRUE(decodes_as(wire, v311, got));
  EXPECT_EQ(got.id, 11);
  EXPECT_TRUE(got.reasons.empty());
  EXPECT_TRUE(encodes_to(mqtt::unsuback{11, {}, {}}, v311, wire));
}

// 3.12 - 3.14: PINGREQ, PINGRESP and DISCONNECT are a fixed header alone.
TEST(V311FixedHeaderOnly, PingAndDisconnect) {
  mqtt::pingreq pingreq;
  ASSERT_TRUE(decodes_as(hex("c0 00"), v311, pingreq));  // PINGREQ; remaining length 0
  EXPECT_TRUE(encodes_to(mqtt::pingreq{}, v311, hex("c0 00")));

  mqtt::pingresp pingresp;
  ASSERT_TRUE(decodes_as(hex("d0 00"), v311, pingresp));  // PINGRESP; remaining length 0
  EXPECT_TRUE(encodes_to(mqtt::pingresp{}, v311, hex("d0 00")));

  mqtt::disconnect disconnect;
  ASSERT_TRUE(decodes_as(hex("e0 00"), v311, disconnect));  // DISCONNECT; remaining length 0
  EXPECT_EQ(disconnect.reason, reason_code::normal_disconnection);
  EXPECT_TRUE(encodes_to(mqtt::disconnect{}, v311, hex("e0 00")));
}

// packets.hpp: fields that 3.1.1 lacks (reason codes, properties, the v5
// subscription options) are left out when encoding for 3.1.1, so one value can
// be sent to a client of either version.
TEST(V311Encode, LeavesOutVersion5Fields) {
  mqtt::puback puback{10, reason_code::no_matching_subscribers, {}};
  puback.properties.reason_string = "why";
  EXPECT_TRUE(encodes_to(puback, v311, hex("40 02 00 0a")));

  mqtt::publish publish;
  publish.topic = "a/b";
  publish.id = 10;
  publish.qos = mqtt::qos::at_least_once;
  publish.payload = shared_bytes::copy_of("\x01\x02");
  publish.properties.message_expiry_interval = 60;
  publish.properties.user = {{"k", "v"}};
  publish.properties.subscription_identifiers = {7};
  EXPECT_TRUE(encodes_to(publish, v311, hex("32 09 00 03 61 2f 62 00 0a 01 02")));

  mqtt::subscribe subscribe;
  subscribe.id = 10;
  subscribe.entries = {entry("a/b", mqtt::qos::at_least_once, true, true, 2)};
  subscribe.properties.subscription_identifier = 5;
  // SUBSCRIBE; length 8; identifier 10; "a/b"; requested QoS 1 (no v5 option bits)
  EXPECT_TRUE(encodes_to(subscribe, v311, hex("82 08 00 0a 00 03 61 2f 62 01")));

  mqtt::unsuback unsuback{11, {reason_code::no_subscription_existed}, {}};
  EXPECT_TRUE(encodes_to(unsuback, v311, hex("b0 02 00 0b")));

  mqtt::disconnect disconnect{reason_code::disconnect_with_will_message, {}};
  disconnect.properties.reason_string = "bye";
  EXPECT_TRUE(encodes_to(disconnect, v311, hex("e0 00")));

  mqtt::connack connack;
  connack.properties.receive_maximum = 10;
  connack.properties.assigned_client_identifier = "x";
  EXPECT_TRUE(encodes_to(connack, v311, hex("20 02 00 00")));

  mqtt::connect connect;
  connect.version = v311;
  connect.keep_alive = 60;
  connect.client_id = "tern";
  connect.properties.session_expiry_interval = 10;
  connect.properties.user = {{"a", "b"}};
  EXPECT_TRUE(
      encodes_to(connect, v311, hex("10 10 00 04 4d 51 54 54 04 02 00 3c 00 04 74 65 72 6e")));
}

}  // namespace
