// encode -> decode gives back the same value, for every packet type in
// every protocol version, with every MQTT 5 property; and the encoder's
// version-specific forms (v5 short forms, fields 3.1.1 lacks).

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/unit/codec/codec_test_support.hpp"

namespace {

using namespace tern::mqtt;
using namespace tern::mqtt::codec_test;

constexpr auto v31 = protocol_version::v3_1;
constexpr auto v311 = protocol_version::v3_1_1;
constexpr auto v5 = protocol_version::v5;

::testing::AssertionResult round_trips(const packet& p, protocol_version v) {
  const std::size_t size = encoded_size(p, v);
  bytes wire(size);
  const std::size_t written = encode(p, v, wire);
  if (written != size) {
    return ::testing::AssertionFailure() << "encode wrote " << written << " of " << size;
  }
  const auto back = decode_whole(wire, v);
  if (!back) {
    return ::testing::AssertionFailure() << "decode failed: " << back.error().message();
  }
  if (!(*back == p)) return ::testing::AssertionFailure() << "decoded value differs";

  bytes appended{0x42};
  encode_append(p, v, appended);
  if (appended != cat({{0x42}, wire})) {
    return ::testing::AssertionFailure() << "encode_append differs";
  }
  if (const auto* pub = std::get_if<publish>(&p)) {
    bytes direct(encoded_size(*pub, v));
    if (direct.size() != size || encode(*pub, v, direct) != size || direct != wire) {
      return ::testing::AssertionFailure() << "encode(publish) differs";
    }
    bytes head(encoded_header_size(*pub, v));
    if (encode_publish_header(*pub, v, head) != head.size() ||
        cat({head, bytes(pub->payload.span().begin(), pub->payload.span().end())}) != wire) {
      return ::testing::AssertionFailure() << "encode_publish_header + payload differs";
    }
  }
  // A buffer one byte short gets nothing.
  bytes small(size - 1);
  if (encode(p, v, small) != 0) return ::testing::AssertionFailure() << "short buffer written";
  return ::testing::AssertionSuccess();
}

user_properties some_user_properties() {
  // Order kept and duplicates allowed [MQTT-3.3.2-18].
  return {{"k", "v1"}, {"k", "v2"}, {"", ""}, {"\xC3\xA9", "\xE2\x82\xAC"}};
}

std::string binary_with_zeros() {
  return std::string("\x00\x01\xFF\x00", 4);
}

will_properties full_will_properties() {
  will_properties w;
  w.will_delay_interval = 30;
  w.payload_format_indicator = 1;
  w.message_expiry_interval = 3600;
  w.content_type = "text/plain";
  w.response_topic = "reply/here";
  w.correlation_data = binary_with_zeros();
  w.user = some_user_properties();
  return w;
}

connect full_connect_v5() {
  connect c;
  c.version = v5;
  c.clean_start = false;
  c.keep_alive = 65535;
  c.client_id = "client-\xC3\xA9";
  c.properties.session_expiry_interval = 0xFFFFFFFF;
  c.properties.receive_maximum = 20;
  c.properties.maximum_packet_size = 1 << 20;
  c.properties.topic_alias_maximum = 10;
  c.properties.request_response_information = 1;
  c.properties.request_problem_information = 0;
  c.properties.authentication_method = "SCRAM-SHA-1";
  c.properties.authentication_data = binary_with_zeros();
  c.properties.user = some_user_properties();
  c.will.emplace();
  c.will->topic = "clients/gone";
  c.will->payload = shared_bytes::copy_of(binary_with_zeros());
  c.will->qos = qos::exactly_once;
  c.will->retain = true;
  c.will->properties = full_will_properties();
  c.username = "user";
  c.password = binary_with_zeros();
  return c;
}

connack full_connack_v5() {
  connack a;
  a.session_present = true;
  a.reason = reason_code::success;
  auto& p = a.properties;
  p.session_expiry_interval = 120;
  p.receive_maximum = 100;
  p.maximum_qos = 1;
  p.retain_available = 0;
  p.maximum_packet_size = 65536;
  p.assigned_client_identifier = "auto-123";
  p.topic_alias_maximum = 5;
  p.reason_string = "welcome";
  p.user = some_user_properties();
  p.wildcard_subscription_available = 1;
  p.subscription_identifier_available = 0;
  p.shared_subscription_available = 1;
  p.server_keep_alive = 30;
  p.response_information = "resp/";
  p.server_reference = "other.example:1883";
  p.authentication_method = "SCRAM-SHA-1";
  p.authentication_data = binary_with_zeros();
  return a;
}

publish full_publish_v5() {
  publish p;
  p.topic = "a/b/c";
  p.id = 0xFFFF;
  p.qos = qos::exactly_once;
  p.retain = true;
  p.dup = true;
  p.payload = shared_bytes::copy_of("payload");
  p.properties.payload_format_indicator = 1;
  p.properties.message_expiry_interval = 10;
  p.properties.topic_alias = 3;
  p.properties.response_topic = "reply";
  p.properties.correlation_data = binary_with_zeros();
  p.properties.content_type = "application/json";
  p.properties.subscription_identifiers = {1, 268'435'455, 128, 1};
  p.properties.user = some_user_properties();
  return p;
}

ack_properties full_ack_properties() {
  ack_properties a;
  a.reason_string = "because";
  a.user = some_user_properties();
  return a;
}

template <class Ack>
Ack make_ack(packet_id id, reason_code rc, ack_properties props = {}) {
  Ack a;
  a.id = id;
  a.reason = rc;
  a.properties = std::move(props);
  return a;
}

// ---- CONNECT ----

TEST(RoundTripConnect, V5EveryProperty) {
  EXPECT_TRUE(round_trips(full_connect_v5(), v5));
}

TEST(RoundTripConnect, V5PasswordWithoutUserName) {
  // v5 allows a password without a user name (3.1.2.9).
  connect c;
  c.version = v5;
  c.client_id = "";
  c.password = "secret";
  EXPECT_TRUE(round_trips(c, v5));
}

TEST(RoundTripConnect, V5WillWithoutProperties) {
  connect c;
  c.version = v5;
  c.client_id = "x";
  c.will.emplace();
  c.will->topic = "t";
  EXPECT_TRUE(round_trips(c, v5));
}

TEST(RoundTripConnect, V311AndV31) {
  for (const protocol_version v : {v31, v311}) {
    connect c;
    c.version = v;
    c.clean_start = true;
    c.keep_alive = 60;
    c.client_id = "cid";
    EXPECT_TRUE(round_trips(c, v));

    c.clean_start = false;
    c.will.emplace();
    c.will->topic = "lwt";
    c.will->payload = shared_bytes::copy_of("gone");
    c.will->qos = qos::at_least_once;
    c.will->retain = true;
    c.username = "u";
    c.password = binary_with_zeros();
    EXPECT_TRUE(round_trips(c, v));
  }
}

TEST(RoundTripConnect, EncodedInItsOwnVersion) {
  connect c;
  c.version = v31;
  c.client_id = "c";
  const bytes wire = encode_to_bytes(c, v5);  // the argument does not matter for CONNECT
  EXPECT_EQ(wire, frame(0x10, cat({str("MQIsdp"), {0x03, 0x02, 0x00, 0x00}, str("c")})));
  const auto back = decode_whole(wire, v5);
  ASSERT_TRUE(back);
  EXPECT_EQ(std::get<connect>(*back).version, v31);
}

TEST(RoundTripConnect, V311LeavesOutProperties) {
  connect c = full_connect_v5();
  c.version = v311;
  const auto back = decode_whole(encode_to_bytes(c, v311), v311);
  ASSERT_TRUE(back);
  connect expected = c;
  expected.properties = {};
  expected.will->properties = {};
  EXPECT_EQ(std::get<connect>(*back), expected);
}

// ---- CONNACK ----

TEST(RoundTripConnack, V5EveryProperty) {
  EXPECT_TRUE(round_trips(full_connack_v5(), v5));
}

TEST(RoundTripConnack, V5EveryReason) {
  for (const std::uint8_t code :
       {0x00, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89,
        0x8A, 0x8C, 0x90, 0x95, 0x97, 0x99, 0x9A, 0x9B, 0x9C, 0x9D, 0x9F}) {
    connack a;
    a.reason = static_cast<reason_code>(code);
    EXPECT_TRUE(round_trips(a, v5)) << int{code};
  }
}

TEST(RoundTripConnack, V311ReturnCodes) {
  for (const reason_code rc :
       {reason_code::success, reason_code::unsupported_protocol_version,
        reason_code::client_identifier_not_valid, reason_code::server_unavailable,
        reason_code::bad_user_name_or_password, reason_code::not_authorized}) {
    for (const bool present : {false, true}) {
      connack a;
      a.reason = rc;
      a.session_present = present && rc == reason_code::success;
      EXPECT_TRUE(round_trips(a, v311));
      a.session_present = false;  // 3.1 has no Session Present
      EXPECT_TRUE(round_trips(a, v31));
    }
  }
}

TEST(RoundTripConnack, V311MapsReasonsAndDropsProperties) {
  connack a = full_connack_v5();
  a.session_present = false;
  a.reason = reason_code::banned;
  const bytes wire = encode_to_bytes(a, v311);
  EXPECT_EQ(wire, (bytes{0x20, 0x02, 0x00, 0x05}));  // 5: not authorized
  const auto back = decode_whole(wire, v311);
  ASSERT_TRUE(back);
  EXPECT_EQ(std::get<connack>(*back), (connack{false, reason_code::not_authorized, {}}));

  connack busy;
  busy.reason = reason_code::server_busy;
  EXPECT_EQ(encode_to_bytes(busy, v311), (bytes{0x20, 0x02, 0x00, 0x03}));
}

TEST(RoundTripConnack, V31WritesNoSessionPresent) {
  connack a;
  a.session_present = true;
  EXPECT_EQ(encode_to_bytes(a, v31), (bytes{0x20, 0x02, 0x00, 0x00}));
}

// ---- PUBLISH ----

TEST(RoundTripPublish, V5EveryProperty) {
  EXPECT_TRUE(round_trips(full_publish_v5(), v5));
  publish p = full_publish_v5();
  p.qos = qos::at_least_once;
  EXPECT_TRUE(round_trips(p, v5));
  p.qos = qos::at_most_once;
  p.dup = false;
  p.id = 0;
  EXPECT_TRUE(round_trips(p, v5));
}

TEST(RoundTripPublish, V5EmptyTopicWithAlias) {
  publish p;
  p.topic = "";
  p.properties.topic_alias = 1;
  p.payload = shared_bytes::copy_of("x");
  EXPECT_TRUE(round_trips(p, v5));
}

TEST(RoundTripPublish, AllQosAllVersions) {
  for (const protocol_version v : {v31, v311, v5}) {
    for (const qos q : {qos::at_most_once, qos::at_least_once, qos::exactly_once}) {
      for (const bool retain : {false, true}) {
        publish p;
        p.topic = "sensors/t";
        p.qos = q;
        p.id = q == qos::at_most_once ? 0 : 7;
        p.dup = q != qos::at_most_once && retain;
        p.retain = retain;
        p.payload = shared_bytes::copy_of("21.5");
        EXPECT_TRUE(round_trips(p, v));
      }
    }
    publish empty;
    empty.topic = "e";
    EXPECT_TRUE(round_trips(empty, v));
  }
}

TEST(RoundTripPublish, PayloadSizesAcrossRemainingLengthBytes) {
  for (const std::size_t n : {0u, 120u, 121u, 16'000u, 16'400u, 2'100'000u}) {
    publish p;
    p.topic = "big";
    p.payload = shared_bytes::copy_of(std::string(n, 'z'));
    EXPECT_TRUE(round_trips(p, v311)) << n;
  }
}

TEST(RoundTripPublish, V311LeavesOutProperties) {
  publish p = full_publish_v5();
  const auto back = decode_whole(encode_to_bytes(p, v311), v311);
  ASSERT_TRUE(back);
  p.properties = {};
  EXPECT_EQ(std::get<publish>(*back), p);
}

// ---- PUBACK, PUBREC, PUBREL, PUBCOMP ----

template <class Ack>
void check_acks(std::initializer_list<std::uint8_t> reasons) {
  for (const protocol_version v : {v31, v311}) {
    EXPECT_TRUE(round_trips(make_ack<Ack>(1, reason_code::success), v));
    EXPECT_TRUE(round_trips(make_ack<Ack>(0xFFFF, reason_code::success), v));
  }
  for (const std::uint8_t code : reasons) {
    const auto rc = static_cast<reason_code>(code);
    EXPECT_TRUE(round_trips(make_ack<Ack>(9, rc), v5)) << int{code};
    EXPECT_TRUE(round_trips(make_ack<Ack>(9, rc, full_ack_properties()), v5)) << int{code};
  }
}

TEST(RoundTripPublishResponse, EveryReasonEveryVersion) {
  check_acks<puback>({0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99});
  check_acks<pubrec>({0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99});
  check_acks<pubrel>({0x00, 0x92});
  check_acks<pubcomp>({0x00, 0x92});
}

TEST(RoundTripPublishResponse, V5ShortForms) {
  // 3.4.2.1: Remaining Length 2 when Success without properties.
  EXPECT_EQ(encode_to_bytes(make_ack<puback>(1, reason_code::success), v5),
            (bytes{0x40, 0x02, 0x00, 0x01}));
  EXPECT_EQ(encode_to_bytes(make_ack<pubrel>(1, reason_code::success), v5),
            (bytes{0x62, 0x02, 0x00, 0x01}));
  // 3.4.2.2.1: no Property Length when there are no properties.
  EXPECT_EQ(encode_to_bytes(make_ack<pubrec>(1, reason_code::no_matching_subscribers), v5),
            (bytes{0x50, 0x03, 0x00, 0x01, 0x10}));
  ack_properties props;
  props.reason_string = "r";
  EXPECT_EQ(encode_to_bytes(make_ack<pubcomp>(1, reason_code::success, props), v5),
            (bytes{0x70, 0x08, 0x00, 0x01, 0x00, 0x04, 0x1F, 0x00, 0x01, 'r'}));
}

TEST(RoundTripPublishResponse, V311LeavesOutReasonAndProperties) {
  const bytes wire = encode_to_bytes(
      make_ack<puback>(5, reason_code::quota_exceeded, full_ack_properties()), v311);
  EXPECT_EQ(wire, (bytes{0x40, 0x02, 0x00, 0x05}));
}

// ---- SUBSCRIBE, SUBACK ----

TEST(RoundTripSubscribe, V5EveryOptionAndProperty) {
  subscribe s;
  s.id = 10;
  s.properties.subscription_identifier = 268'435'455;
  s.properties.user = some_user_properties();
  for (std::uint8_t q = 0; q < 3; ++q) {
    for (std::uint8_t rh = 0; rh < 3; ++rh) {
      for (const bool nl : {false, true}) {
        for (const bool rap : {false, true}) {
          s.entries.push_back(
              {"f/" + std::to_string(s.entries.size()), {static_cast<qos>(q), nl, rap, rh}});
        }
      }
    }
  }
  s.entries.push_back({"$share/g/x", {qos::at_least_once, false, true, 2}});
  // Invalid filter syntax is carried through; the engine answers it with 0x8F.
  s.entries.push_back({"a/#/b", {}});
  EXPECT_TRUE(round_trips(s, v5));

  subscribe plain;
  plain.id = 1;
  plain.entries.push_back({"#", {}});
  EXPECT_TRUE(round_trips(plain, v5));
}

TEST(RoundTripSubscribe, V311AndV31) {
  for (const protocol_version v : {v31, v311}) {
    subscribe s;
    s.id = 0xFFFF;
    s.entries = {
        {"a/+", {qos::at_most_once}}, {"b/#", {qos::at_least_once}}, {"c", {qos::exactly_once}}};
    EXPECT_TRUE(round_trips(s, v));
  }
}

TEST(RoundTripSubscribe, V311LeavesOutV5Options) {
  subscribe s;
  s.id = 2;
  s.properties.subscription_identifier = 4;
  s.entries = {{"a", {qos::at_least_once, true, true, 2}}};
  EXPECT_EQ(encode_to_bytes(s, v311), frame(0x82, cat({{0x00, 0x02}, str("a"), {0x01}})));
}

TEST(RoundTripSuback, V5EveryReason) {
  suback a;
  a.id = 3;
  for (const std::uint8_t code :
       {0x00, 0x01, 0x02, 0x80, 0x83, 0x87, 0x8F, 0x91, 0x97, 0x9E, 0xA1, 0xA2}) {
    a.reasons.push_back(static_cast<reason_code>(code));
  }
  EXPECT_TRUE(round_trips(a, v5));
  a.properties = full_ack_properties();
  EXPECT_TRUE(round_trips(a, v5));
}

TEST(RoundTripSuback, V311MapsFailuresTo0x80) {
  suback a;
  a.id = 3;
  a.reasons = {reason_code::granted_qos_0, reason_code::granted_qos_1, reason_code::granted_qos_2,
               reason_code::unspecified_error};
  for (const protocol_version v : {v31, v311})
    EXPECT_TRUE(round_trips(a, v));

  a.reasons = {reason_code::granted_qos_1, reason_code::topic_filter_invalid,
               reason_code::not_authorized};
  a.properties = full_ack_properties();
  EXPECT_EQ(encode_to_bytes(a, v311), (bytes{0x90, 0x05, 0x00, 0x03, 0x01, 0x80, 0x80}));
}

// ---- UNSUBSCRIBE, UNSUBACK ----

TEST(RoundTripUnsubscribe, AllVersions) {
  unsubscribe u;
  u.id = 4;
  u.filters = {"a/b", "$share/g/c", "#", "+/x"};
  for (const protocol_version v : {v31, v311, v5})
    EXPECT_TRUE(round_trips(u, v));
  u.properties.user = some_user_properties();
  EXPECT_TRUE(round_trips(u, v5));
}

TEST(RoundTripUnsuback, V5EveryReason) {
  unsuback a;
  a.id = 4;
  for (const std::uint8_t code : {0x00, 0x11, 0x80, 0x83, 0x87, 0x8F, 0x91}) {
    a.reasons.push_back(static_cast<reason_code>(code));
  }
  EXPECT_TRUE(round_trips(a, v5));
  a.properties = full_ack_properties();
  EXPECT_TRUE(round_trips(a, v5));
}

TEST(RoundTripUnsuback, V311HasNoPayload) {
  unsuback a;
  a.id = 0x1234;
  EXPECT_TRUE(round_trips(a, v311));
  EXPECT_TRUE(round_trips(a, v31));
  a.reasons = {reason_code::success};
  a.properties = full_ack_properties();
  EXPECT_EQ(encode_to_bytes(a, v311), (bytes{0xB0, 0x02, 0x12, 0x34}));
}

// ---- PINGREQ, PINGRESP, DISCONNECT, AUTH ----

TEST(RoundTripPing, AllVersions) {
  for (const protocol_version v : {v31, v311, v5}) {
    EXPECT_TRUE(round_trips(pingreq{}, v));
    EXPECT_TRUE(round_trips(pingresp{}, v));
    EXPECT_EQ(encode_to_bytes(pingreq{}, v), (bytes{0xC0, 0x00}));
    EXPECT_EQ(encode_to_bytes(pingresp{}, v), (bytes{0xD0, 0x00}));
  }
}

TEST(RoundTripDisconnect, V5EveryReasonAndProperty) {
  for (const std::uint8_t code :
       {0x00, 0x04, 0x80, 0x81, 0x82, 0x83, 0x87, 0x89, 0x8B, 0x8D, 0x8E, 0x8F, 0x90, 0x93, 0x94,
        0x95, 0x96, 0x97, 0x98, 0x99, 0x9A, 0x9B, 0x9C, 0x9D, 0x9E, 0x9F, 0xA0, 0xA1, 0xA2}) {
    disconnect d;
    d.reason = static_cast<reason_code>(code);
    EXPECT_TRUE(round_trips(d, v5)) << int{code};
    d.properties.session_expiry_interval = 0;
    d.properties.reason_string = "bye";
    d.properties.user = some_user_properties();
    d.properties.server_reference = "elsewhere";
    EXPECT_TRUE(round_trips(d, v5)) << int{code};
  }
}

TEST(RoundTripDisconnect, ShortForms) {
  // 3.14.2.1: Remaining Length 0 is Normal disconnection; 1 has no properties.
  EXPECT_EQ(encode_to_bytes(disconnect{}, v5), (bytes{0xE0, 0x00}));
  disconnect d;
  d.reason = reason_code::server_shutting_down;
  EXPECT_EQ(encode_to_bytes(d, v5), (bytes{0xE0, 0x01, 0x8B}));
  d.properties.reason_string = "x";
  for (const protocol_version v : {v31, v311}) {
    EXPECT_EQ(encode_to_bytes(d, v), (bytes{0xE0, 0x00}));
    EXPECT_TRUE(round_trips(disconnect{}, v));
  }
}

TEST(RoundTripAuth, V5) {
  EXPECT_EQ(encode_to_bytes(auth{}, v5), (bytes{0xF0, 0x00}));  // 3.15.2.1
  EXPECT_TRUE(round_trips(auth{}, v5));
  for (const reason_code rc :
       {reason_code::success, reason_code::continue_authentication, reason_code::re_authenticate}) {
    auth a;
    a.reason = rc;
    a.properties.authentication_method = "SCRAM-SHA-1";
    EXPECT_TRUE(round_trips(a, v5));
    a.properties.authentication_data = binary_with_zeros();
    a.properties.reason_string = "step";
    a.properties.user = some_user_properties();
    EXPECT_TRUE(round_trips(a, v5));
  }
}

}  // namespace
