// Conformance vectors for MQTT 3.1 (IBM/Eurotech "MQTT V3.1 Protocol
// Specification", protocol name "MQIsdp", version 3).
//
// Written from that specification, not from the codec. 3.1 differs from
// 3.1.1 on the wire in: the protocol name and version (3.1 "Variable
// header"), the first CONNACK byte ("Topic Name Compression Response",
// reserved; there is no session present flag), SUBACK granting only QoS
// 0/1/2 (no 0x80 failure code), and the fixed header flags of PUBREL,
// SUBSCRIBE and UNSUBSCRIBE, which are QoS 1 and may have DUP set on a retry
// (3.1 section 2.1 "DUP").

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

constexpr auto v31 = protocol_version::v3_1;

mqtt::subscription entry(std::string filter, mqtt::qos max_qos) {
  mqtt::subscription s;
  s.filter = std::move(filter);
  s.options.max_qos = max_qos;
  return s;
}

// 3.1 "CONNECT": protocol name "MQIsdp", version 3, a client identifier.
TEST(V31Connect, Minimal) {
  const bytes wire =
      hex("10 12"                    // fixed header: CONNECT; remaining length 18
          "00 06 4d 51 49 73 64 70"  // protocol name "MQIsdp"
          "03"                       // protocol version 3
          "02"                       // connect flags: clean session
          "00 3c"                    // keep alive 60 s
          "00 04 74 65 72 6e"        // client identifier "tern"
      );
  mqtt::connect expected;
  expected.version = v31;
  expected.clean_start = true;
  expected.keep_alive = 60;
  expected.client_id = "tern";

  mqtt::connect got;
  ASSERT_TRUE(decodes_as(wire, v31, got));
  EXPECT_EQ(got.version, v31);
  EXPECT_TRUE(got.clean_start);
  EXPECT_EQ(got.keep_alive, 60);
  EXPECT_EQ(got.client_id, "tern");
  EXPECT_FALSE(got.will.has_value());
  EXPECT_FALSE(got.username.has_value());
  EXPECT_FALSE(got.password.has_value());
  EXPECT_EQ(got, expected);
  EXPECT_TRUE(encodes_to(expected, v31, wire));
}

// A CONNECT announces its own version, whatever the caller assumed before it
// (decoder.hpp): a 3.1 CONNECT read as the first packet of a connection.
TEST(V31Connect, AnnouncesItsOwnVersion) {
  const bytes wire = hex("10 12 00 06 4d 51 49 73 64 70 03 02 00 3c 00 04 74 65 72 6e");
  for (const auto assumed : {protocol_version::v5, protocol_version::v3_1_1}) {
    mqtt::connect got;
    ASSERT_TRUE(decodes_as(wire, assumed, got));
    EXPECT_EQ(got.version, v31);
  }
}

// 3.1 "CONNECT" payload: client identifier, will topic, will message, user
// name and password, all UTF-8 strings with a two-byte length.
TEST(V31Connect, WillUserNameAndPassword) {
  const bytes wire =
      hex("10 28"                    // fixed header: CONNECT; remaining length 40
          "00 06 4d 51 49 73 64 70"  // protocol name "MQIsdp"
          "03"                       // protocol version 3
          "f6"                       // flags: user name, password, will retain, will QoS 2, will,
                                     //        clean session
          "00 0a"                    // keep alive 10 s
          "00 03 63 69 64"           // client identifier "cid"
          "00 03 77 2f 74"           // will topic "w/t"
          "00 04 64 65 61 64"        // will message "dead"
          "00 04 75 73 65 72"        // user name "user"
          "00 04 70 61 73 73"        // password "pass"
      );
  mqtt::connect expected;
  expected.version = v31;
  expected.clean_start = true;
  expected.keep_alive = 10;
  expected.client_id = "cid";
  expected.will = mqtt::will_message{};
  expected.will->topic = "w/t";
  expected.will->payload = shared_bytes::copy_of("dead");
  expected.will->qos = mqtt::qos::exactly_once;
  expected.will->retain = true;
  expected.username = "user";
  expected.password = "pass";

  mqtt::connect got;
  ASSERT_TRUE(decodes_as(wire, v31, got));
  EXPECT_EQ(got.version, v31);
  ASSERT_TRUE(got.will.has_value());
  EXPECT_EQ(got.will->topic, "w/t");
  EXPECT_EQ(got.will->payload.view(), "dead");
  EXPECT_EQ(got.will->qos, mqtt::qos::exactly_once);
  EXPECT_TRUE(got.will->retain);
  EXPECT_EQ(got.username, std::optional<std::string>("user"));
  EXPECT_EQ(got.password, std::optional<std::string>("pass"));
  EXPECT_EQ(got, expected);
  EXPECT_TRUE(encodes_to(expected, v31, wire));
}

// 3.1 "CONNACK": byte 1 is the reserved Topic Name Compression Response,
// byte 2 the return code 0-5 (table "Connect return code").
TEST(V31Connack, ReturnCodes) {
  const struct {
    const char* wire;
    reason_code reason;
  } cases[] = {
      // fixed header, remaining length 2; reserved byte; return code
      {"20 02 00 00", reason_code::success},                       // 0 accepted
      {"20 02 00 01", reason_code::unsupported_protocol_version},  // 1 unacceptable version
      {"20 02 00 02", reason_code::client_identifier_not_valid},   // 2 identifier rejected
      {"20 02 00 03", reason_code::server_unavailable},            // 3 server unavailable
      {"20 02 00 04", reason_code::bad_user_name_or_password},     // 4 bad user name/password
      {"20 02 00 05", reason_code::not_authorized},                // 5 not authorized
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.wire);
    mqtt::connack expected;
    expected.reason = c.reason;
    mqtt::connack got;
    ASSERT_TRUE(decodes_as(hex(c.wire), v31, got));
    EXPECT_FALSE(got.session_present);
    EXPECT_EQ(got.reason, c.reason);
    EXPECT_TRUE(encodes_to(expected, v31, hex(c.wire)));
  }
}

// 3.1 "PUBLISH": QoS 0 has no message identifier.
TEST(V31Publish, Qos0) {
  const bytes wire =
      hex("30 0a"           // fixed header: PUBLISH, QoS 0; remaining length 10
          "00 03 61 2f 62"  // topic name "a/b"
          "68 65 6c 6c 6f"  // payload "hello"
      );
  mqtt::publish expected;
  expected.topic = "a/b";
  expected.payload = shared_bytes::copy_of("hello");
  mqtt::publish got;
  ASSERT_TRUE(decodes_as(wire, v31, got));
  EXPECT_EQ(got.topic, "a/b");
  EXPECT_EQ(got.qos, mqtt::qos::at_most_once);
  EXPECT_EQ(got.payload.view(), "hello");
  EXPECT_EQ(got, expected);
  EXPECT_TRUE(encodes_to(expected, v31, wire));
}

// 3.1 "PUBLISH": QoS 1 and 2 carry a message identifier; RETAIN and DUP.
TEST(V31Publish, Qos1AndQos2) {
  const bytes qos1 =
      hex("33 08"           // fixed header: PUBLISH, QoS 1, RETAIN 1; remaining length 8
          "00 03 61 2f 62"  // topic name "a/b"
          "00 01"           // message identifier 1
          "7a"              // payload "z"
      );
  mqtt::publish expected;
  expected.topic = "a/b";
  expected.id = 1;
  expected.qos = mqtt::qos::at_least_once;
  expected.retain = true;
  expected.payload = shared_bytes::copy_of("z");
  mqtt::publish got;
  ASSERT_TRUE(decodes_as(qos1, v31, got));
  EXPECT_EQ(got.id, 1);
  EXPECT_EQ(got.qos, mqtt::qos::at_least_once);
  EXPECT_TRUE(got.retain);
  EXPECT_EQ(got, expected);
  EXPECT_TRUE(encodes_to(expected, v31, qos1));

  const bytes qos2 =
      hex("3c 07"           // fixed header: PUBLISH, DUP 1, QoS 2; remaining length 7
          "00 03 61 2f 62"  // topic name "a/b"
          "00 02"           // message identifier 2
      );
  expected.id = 2;
  expected.qos = mqtt::qos::exactly_once;
  expected.retain = false;
  expected.dup = true;
  expected.payload = {};
  ASSERT_TRUE(decodes_as(qos2, v31, got));
  EXPECT_TRUE(got.dup);
  EXPECT_EQ(got.qos, mqtt::qos::exactly_once);
  EXPECT_EQ(got, expected);
  EXPECT_TRUE(encodes_to(expected, v31, qos2));
}

// 3.1 "PUBACK", "PUBREC", "PUBREL" (QoS 1 in the fixed header: it is
// acknowledged by PUBCOMP) and "PUBCOMP": the message identifier only.
TEST(V31PublishResponses, MessageIdentifierOnly) {
  mqtt::puback puback;
  ASSERT_TRUE(decodes_as(hex("40 02 00 01"), v31, puback));  // PUBACK; length 2; identifier 1
  EXPECT_EQ(puback.id, 1);
  EXPECT_TRUE(encodes_to(mqtt::puback{1, reason_code::success, {}}, v31, hex("40 02 00 01")));

  mqtt::pubrec pubrec;
  ASSERT_TRUE(decodes_as(hex("50 02 00 02"), v31, pubrec));  // PUBREC; length 2; identifier 2
  EXPECT_EQ(pubrec.id, 2);
  EXPECT_TRUE(encodes_to(mqtt::pubrec{2, reason_code::success, {}}, v31, hex("50 02 00 02")));

  mqtt::pubrel pubrel;
  ASSERT_TRUE(decodes_as(hex("62 02 00 02"), v31, pubrel));  // PUBREL, QoS 1; identifier 2
  EXPECT_EQ(pubrel.id, 2);
  EXPECT_TRUE(encodes_to(mqtt::pubrel{2, reason_code::success, {}}, v31, hex("62 02 00 02")));

  mqtt::pubcomp pubcomp;
  ASSERT_TRUE(decodes_as(hex("70 02 00 02"), v31, pubcomp));  // PUBCOMP; length 2; identifier 2
  EXPECT_EQ(pubcomp.id, 2);
  EXPECT_TRUE(encodes_to(mqtt::pubcomp{2, reason_code::success, {}}, v31, hex("70 02 00 02")));
}

// 3.1 "SUBSCRIBE" (QoS 1 in the fixed header) and "SUBACK" (granted QoS per
// topic, in order).
TEST(V31Subscribe, SubscribeAndSuback) {
  const bytes subscribe_wire =
      hex("82 0e"           // fixed header: SUBSCRIBE, QoS 1; remaining length 14
          "00 07"           // message identifier 7
          "00 03 61 2f 23"  // topic name "a/#"
          "00"              // requested QoS 0
          "00 03 62 2f 2b"  // topic name "b/+"
          "01"              // requested QoS 1
      );
  mqtt::subscribe subscribe;
  subscribe.id = 7;
  subscribe.entries = {entry("a/#", mqtt::qos::at_most_once),
                       entry("b/+", mqtt::qos::at_least_once)};
  mqtt::subscribe got_subscribe;
  ASSERT_TRUE(decodes_as(subscribe_wire, v31, got_subscribe));
  EXPECT_EQ(got_subscribe.id, 7);
  ASSERT_EQ(got_subscribe.entries.size(), 2U);
  EXPECT_EQ(got_subscribe.entries[0].filter, "a/#");
  EXPECT_EQ(got_subscribe.entries[1].options.max_qos, mqtt::qos::at_least_once);
  EXPECT_EQ(got_subscribe, subscribe);
  EXPECT_TRUE(encodes_to(subscribe, v31, subscribe_wire));

  const bytes suback_wire =
      hex("90 04"  // fixed header: SUBACK; remaining length 4
          "00 07"  // message identifier 7
          "00"     // granted QoS 0
          "01"     // granted QoS 1
      );
  mqtt::suback suback;
  suback.id = 7;
  suback.reasons = {reason_code::granted_qos_0, reason_code::granted_qos_1};
  mqtt::suback got_suback;
  ASSERT_TRUE(decodes_as(suback_wire, v31, got_suback));
  EXPECT_EQ(got_suback, suback);
  EXPECT_TRUE(encodes_to(suback, v31, suback_wire));
}

// 3.1 "UNSUBSCRIBE" (QoS 1 in the fixed header) and "UNSUBACK".
TEST(V31Unsubscribe, UnsubscribeAndUnsuback) {
  const bytes unsubscribe_wire =
      hex("a2 07"           // fixed header: UNSUBSCRIBE, QoS 1; remaining length 7
          "00 08"           // message identifier 8
          "00 03 61 2f 23"  // topic name "a/#"
      );
  mqtt::unsubscribe unsubscribe;
  unsubscribe.id = 8;
  unsubscribe.filters = {"a/#"};
  mqtt::unsubscribe got_unsubscribe;
  ASSERT_TRUE(decodes_as(unsubscribe_wire, v31, got_unsubscribe));
  EXPECT_EQ(got_unsubscribe, unsubscribe);
  EXPECT_TRUE(encodes_to(unsubscribe, v31, unsubscribe_wire));

  mqtt::unsuback got_unsuback;
  ASSERT_TRUE(decodes_as(hex("b0 02 00 08"), v31, got_unsuback));  // UNSUBACK; identifier 8
  EXPECT_EQ(got_unsuback.id, 8);
  EXPECT_TRUE(got_unsuback.reasons.empty());
  EXPECT_TRUE(encodes_to(mqtt::unsuback{8, {}, {}}, v31, hex("b0 02 00 08")));
}

// 3.1 "PINGREQ", "PINGRESP", "DISCONNECT": a fixed header alone.
TEST(V31FixedHeaderOnly, PingAndDisconnect) {
  mqtt::pingreq pingreq;
  ASSERT_TRUE(decodes_as(hex("c0 00"), v31, pingreq));
  EXPECT_TRUE(encodes_to(mqtt::pingreq{}, v31, hex("c0 00")));
  mqtt::pingresp pingresp;
  ASSERT_TRUE(decodes_as(hex("d0 00"), v31, pingresp));
  EXPECT_TRUE(encodes_to(mqtt::pingresp{}, v31, hex("d0 00")));
  mqtt::disconnect disconnect;
  ASSERT_TRUE(decodes_as(hex("e0 00"), v31, disconnect));
  EXPECT_TRUE(encodes_to(mqtt::disconnect{}, v31, hex("e0 00")));
}

// 3.1 section 2.1, "DUP": "This flag is set when the client or server
// attempts to re-deliver a PUBLISH, PUBREL, SUBSCRIBE or UNSUBSCRIBE
// message." A 3.1 peer's retry therefore arrives with DUP set on these three
// (3.1.1 made their flags a fixed 0010, [MQTT-2.2.2-1]; 3.1 did not).
TEST(V31FixedHeader, RedeliveredPubrelSubscribeUnsubscribeCarryDup) {
  mqtt::pubrel pubrel;
  ASSERT_TRUE(decodes_as(hex("6a 02 00 02"), v31, pubrel));  // PUBREL, DUP 1, QoS 1
  EXPECT_EQ(pubrel.id, 2);

  mqtt::subscribe subscribe;
  ASSERT_TRUE(decodes_as(hex("8a 08 00 07 00 03 61 2f 23 00"),  // SUBSCRIBE, DUP 1, QoS 1
                         v31, subscribe));
  EXPECT_EQ(subscribe.id, 7);
  ASSERT_EQ(subscribe.entries.size(), 1U);
  EXPECT_EQ(subscribe.entries[0].filter, "a/#");

  mqtt::unsubscribe unsubscribe;
  ASSERT_TRUE(decodes_as(hex("aa 07 00 08 00 03 61 2f 23"),  // UNSUBSCRIBE, DUP 1, QoS 1
                         v31, unsubscribe));
  EXPECT_EQ(unsubscribe.filters, std::vector<std::string>{"a/#"});
}

}  // namespace
