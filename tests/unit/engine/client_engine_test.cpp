// The client engine's rules against the bytes it writes and the events it
// raises, with a fake clock; the server's packets are encoded by the codec.
#include <gtest/gtest.h>

#include <chrono>
#include <vector>

#include "mqtt/codec/decoder.hpp"
#include "mqtt/codec/encoder.hpp"
#include "mqtt/engine/client_engine.hpp"

namespace tern::mqtt::test {
namespace {

using v = protocol_version;
using ms = std::chrono::milliseconds;
using bytes = std::vector<std::uint8_t>;

class client_engine_test : public ::testing::Test {
 protected:
  void start(v version, std::uint16_t keep_alive = 0, bool private_bridge = false,
             client_session_state state = {}) {
    engine_ = client_engine(limits_, now_, std::move(state));
    connect c;
    c.version = version;
    c.client_id = "b";
    c.clean_start = false;
    c.keep_alive = keep_alive;
    engine_.start(c, private_bridge);
    version_ = version;
  }
  void server_sends(const packet& p) {
    bytes b;
    encode_append(p, version_, b);
    engine_.on_bytes(b, now_);
  }
  void connack_with(connack_properties props = {}, bool present = false) {
    server_sends(connack{present, reason_code::success, std::move(props)});
  }
  bytes output() {
    bytes out;
    engine_.take_output(out);
    return out;
  }
  std::vector<packet> written() {
    const bytes out = output();
    std::vector<packet> packets;
    std::span<const std::uint8_t> rest(out);
    while (!rest.empty()) {
      auto h = parse_fixed_header(rest, max_variable_byte_integer + 5, version_);
      EXPECT_TRUE(h && *h);
      if (!h || !*h) break;
      auto p = decode(**h, rest.subspan((*h)->size, (*h)->remaining_length), version_);
      EXPECT_TRUE(p);
      if (!p) break;
      packets.push_back(std::move(*p));
      rest = rest.subspan((*h)->packet_size());
    }
    return packets;
  }
  std::vector<client_event> events() {
    std::vector<client_event> out;
    engine_.take_events(out);
    return out;
  }
  template <class T>
  T only_event() {
    auto ev = events();
    EXPECT_EQ(ev.size(), 1u);
    EXPECT_TRUE(!ev.empty() && std::holds_alternative<T>(ev[0]));
    if (ev.empty() || !std::holds_alternative<T>(ev[0])) return T{};
    return std::get<T>(ev[0]);
  }
  // Connected, with the CONNECT and CONNACK consumed.
  void connected(v version, connack_properties props = {}) {
    start(version);
    output();
    connack_with(std::move(props));
    only_event<connack_received>();
  }
  static publish message(std::string topic, qos q, packet_id id = 0) {
    publish p;
    p.topic = std::move(topic);
    p.qos = q;
    p.id = id;
    p.payload = shared_bytes::copy_of("hi");
    return p;
  }

  client_limits limits_;
  steady_time now_{std::chrono::seconds(1000)};
  v version_ = v::v3_1_1;
  client_engine engine_{limits_, now_};
};

// --- CONNECT / CONNACK -----------------------------------------------------------

TEST_F(client_engine_test, StartWritesConnectV311) {
  start(v::v3_1_1, 60);
  // CONNECT, length 13: "MQTT", level 4, flags 0 (clean session 0),
  // keep alive 60, client id "b".
  EXPECT_EQ(output(), (bytes{0x10, 13, 0, 4, 'M', 'Q', 'T', 'T', 4, 0x00, 0, 60, 0, 1, 'b'}));
}

TEST_F(client_engine_test, TryPrivateSetsTopBitOfProtocolLevel) {
  start(v::v3_1_1, 60, true);
  const bytes out = output();
  ASSERT_GT(out.size(), 8u);
  EXPECT_EQ(out[8], 0x84) << "mosquitto's bridge marker: level | 0x80";
  start(v::v5, 60, true);
  EXPECT_EQ(output().at(8), 0x85);
}

TEST_F(client_engine_test, ConnackSuccessConnects) {
  start(v::v3_1_1);
  connack_with({}, true);
  EXPECT_TRUE(only_event<connack_received>().packet.session_present);
  EXPECT_TRUE(engine_.is_connected());
}

TEST_F(client_engine_test, RefusedConnackClosesWithItsReason) {
  start(v::v3_1_1);
  server_sends(connack{false, reason_code::not_authorized, {}});
  EXPECT_EQ(only_event<close_requested>().reason, reason_code::not_authorized);
  EXPECT_TRUE(engine_.is_closed());
}

TEST_F(client_engine_test, PacketBeforeConnackIsAProtocolError_MQTT_3_2_0_1) {
  start(v::v3_1_1);
  server_sends(pingresp{});
  EXPECT_EQ(only_event<close_requested>().reason, reason_code::protocol_error);
}

TEST_F(client_engine_test, NoConnackWithinTimeoutCloses) {
  limits_.connack_timeout = ms(500);
  start(v::v3_1_1);
  EXPECT_EQ(engine_.next_deadline(), now_ + ms(500));
  now_ += ms(499);
  engine_.on_timer(now_);
  EXPECT_TRUE(events().empty());
  now_ += ms(1);
  engine_.on_timer(now_);
  EXPECT_EQ(only_event<close_requested>().reason, reason_code::maximum_connect_time);
}

TEST_F(client_engine_test, ConnackSplitAcrossReads) {
  start(v::v3_1_1);
  const bytes connack_bytes{0x20, 0x02, 0x00, 0x00};
  engine_.on_bytes(std::span(connack_bytes).first(1), now_);
  EXPECT_TRUE(events().empty()) << "an incomplete packet is a state, not an error";
  engine_.on_bytes(std::span(connack_bytes).subspan(1), now_);
  only_event<connack_received>();
}

// --- PUBLISH to the server ----------------------------------------------------------

TEST_F(client_engine_test, Qos1PublishCompletesOnPuback) {
  connected(v::v3_1_1);
  EXPECT_EQ(engine_.send_publish(message("t", qos::at_least_once)), send_result::sent);
  auto out = written();
  ASSERT_EQ(out.size(), 1u);
  const auto id = std::get<publish>(out[0]).id;
  EXPECT_NE(id, 0) << "[MQTT-2.2.1-3]";
  server_sends(puback{id, reason_code::success, {}});
  const auto ack = only_event<ack_received>();
  EXPECT_EQ(ack.type, packet_type::puback);
  EXPECT_EQ(ack.id, id);
  EXPECT_TRUE(engine_.state().outbound.empty());
}

TEST_F(client_engine_test, CallerChosenPacketIdIsKept) {
  connected(v::v3_1_1);
  engine_.send_publish(message("t", qos::exactly_once, 4711));
  auto out = written();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(std::get<publish>(out[0]).id, 4711);
}

TEST_F(client_engine_test, WindowHonoursServerReceiveMaximum_MQTT_3_3_4_7) {
  connack_properties props;
  props.receive_maximum = 2;
  connected(v::v5, props);
  EXPECT_EQ(engine_.send_publish(message("t", qos::at_least_once)), send_result::sent);
  EXPECT_EQ(engine_.send_publish(message("t", qos::exactly_once)), send_result::sent);
  EXPECT_FALSE(engine_.can_send_qos());
  EXPECT_EQ(engine_.send_publish(message("t", qos::at_least_once)), send_result::window_full);
  EXPECT_EQ(engine_.send_publish(message("t", qos::at_most_once)), send_result::sent)
      << "QoS 0 is not counted";
  EXPECT_EQ(written().size(), 3u);
  server_sends(puback{1, reason_code::success, {}});
  EXPECT_TRUE(engine_.can_send_qos());
}

TEST_F(client_engine_test, RefusesPublishAboveServerMaximumPacketSize_MQTT_3_1_2_24) {
  connack_properties props;
  props.maximum_packet_size = 20;
  connected(v::v5, props);
  auto big = message("t", qos::at_least_once);
  big.payload = shared_bytes::copy_of(std::string(30, 'x'));
  EXPECT_EQ(engine_.send_publish(big), send_result::too_large);
  EXPECT_TRUE(output().empty());
  EXPECT_EQ(engine_.send_publish(message("t", qos::at_least_once)), send_result::sent);
}

TEST_F(client_engine_test, Qos2PubrelWaitsForRelease) {
  connected(v::v3_1_1);
  engine_.send_publish(message("t", qos::exactly_once, 7));
  output();
  server_sends(pubrec{7, reason_code::success, {}});
  EXPECT_EQ(only_event<ack_received>().type, packet_type::pubrec);
  EXPECT_TRUE(output().empty()) << "PUBREL only when the layer above says so";
  EXPECT_FALSE(engine_.can_send_qos() && engine_.state().outbound.empty());
  engine_.release(7);
  EXPECT_EQ(output(), (bytes{0x62, 0x02, 0x00, 0x07}));
  server_sends(pubcomp{7, reason_code::success, {}});
  EXPECT_EQ(only_event<ack_received>().type, packet_type::pubcomp);
  EXPECT_TRUE(engine_.state().outbound.empty());
}

TEST_F(client_engine_test, ReleaseOfIdFromEarlierConnectionIsTracked) {
  connected(v::v3_1_1);
  engine_.release(9);
  EXPECT_EQ(output(), (bytes{0x62, 0x02, 0x00, 0x09}));
  server_sends(pubcomp{9, reason_code::success, {}});
  EXPECT_EQ(only_event<ack_received>().id, 9);
}

TEST_F(client_engine_test, UnknownAckIsIgnored) {
  connected(v::v3_1_1);
  server_sends(puback{3, reason_code::success, {}});
  EXPECT_TRUE(events().empty());
}

// --- PUBLISH from the server -------------------------------------------------------

TEST_F(client_engine_test, InboundQos1WaitsForAcknowledge) {
  connected(v::v3_1_1);
  server_sends(message("in", qos::at_least_once, 5));
  EXPECT_EQ(only_event<publish_received>().packet.topic, "in");
  EXPECT_TRUE(output().empty());
  engine_.acknowledge_publish(5, qos::at_least_once);
  EXPECT_EQ(output(), (bytes{0x40, 0x02, 0x00, 0x05}));
}

TEST_F(client_engine_test, InboundQos2RaisedOnceAndCompletedOnRequest_MQTT_4_3_3_10) {
  connected(v::v3_1_1);
  server_sends(message("in", qos::exactly_once, 5));
  only_event<publish_received>();
  auto dup = message("in", qos::exactly_once, 5);
  dup.dup = true;
  server_sends(dup);
  EXPECT_TRUE(events().empty()) << "a resent QoS 2 message is not raised twice";
  EXPECT_TRUE(output().empty()) << "nor answered before the first copy is";
  engine_.acknowledge_publish(5, qos::exactly_once);
  EXPECT_EQ(output(), (bytes{0x50, 0x02, 0x00, 0x05}));
  server_sends(dup);
  EXPECT_EQ(output(), (bytes{0x50, 0x02, 0x00, 0x05})) << "answered again, not raised";
  EXPECT_TRUE(events().empty());
  server_sends(pubrel{5, reason_code::success, {}});
  EXPECT_EQ(only_event<release_received>().id, 5);
  EXPECT_TRUE(output().empty()) << "PUBCOMP only when the layer above says so";
  engine_.complete_release(5);
  EXPECT_EQ(output(), (bytes{0x70, 0x02, 0x00, 0x05}));
  server_sends(message("in", qos::exactly_once, 5));
  only_event<publish_received>();  // the id carries a new message now
}

TEST_F(client_engine_test, PubrelForUnknownIdIsRaisedForTheLayerAbove) {
  connected(v::v5);
  server_sends(pubrel{8, reason_code::success, {}});
  EXPECT_EQ(only_event<release_received>().id, 8)
      << "a bridge passes it on: the other hop may hold the message";
  EXPECT_TRUE(output().empty());
}

TEST_F(client_engine_test, PacketIdInFlightIsNotReused_MQTT_2_2_1_3) {
  connected(v::v3_1_1);
  EXPECT_EQ(engine_.send_publish(message("t", qos::at_least_once, 3)), send_result::sent);
  EXPECT_EQ(engine_.send_publish(message("t", qos::at_least_once, 3)), send_result::id_in_use);
}

TEST_F(client_engine_test, TopicAliasFromServerIsRefusedAsWeAllowNone) {
  connected(v::v5);
  auto p = message("t", qos::at_most_once);
  p.properties.topic_alias = 1;
  server_sends(p);
  EXPECT_EQ(only_event<close_requested>().reason, reason_code::topic_alias_invalid);
}

// --- keep alive ---------------------------------------------------------------------

TEST_F(client_engine_test, PingsEveryKeepAliveAndClosesWithoutAnswer_MQTT_3_1_2_23) {
  start(v::v3_1_1, 10);
  connack_with();
  events();
  output();
  EXPECT_EQ(engine_.next_deadline(), now_ + ms(10'000));
  now_ += ms(10'000);
  engine_.on_timer(now_);
  EXPECT_EQ(output(), (bytes{0xC0, 0x00}));
  server_sends(pingresp{});
  now_ += ms(10'000);
  engine_.on_timer(now_);
  EXPECT_EQ(output(), (bytes{0xC0, 0x00}));
  EXPECT_TRUE(events().empty());
  now_ += ms(10'000);  // no answer to the second PINGREQ
  engine_.on_timer(now_);
  EXPECT_EQ(only_event<close_requested>().reason, reason_code::keep_alive_timeout);
}

TEST_F(client_engine_test, ServerKeepAliveReplacesOurs_MQTT_3_2_2_21) {
  start(v::v5, 60);
  connack_properties props;
  props.server_keep_alive = 5;
  connack_with(props);
  EXPECT_EQ(engine_.next_deadline(), now_ + ms(5'000));
}

// --- resume -------------------------------------------------------------------------

TEST_F(client_engine_test, ResendsInflightWithDupWhenSessionPresent_MQTT_4_4_0_1) {
  connected(v::v3_1_1);
  engine_.send_publish(message("a", qos::at_least_once, 1));
  engine_.send_publish(message("b", qos::exactly_once, 2));
  engine_.send_publish(message("c", qos::exactly_once, 3));
  server_sends(pubrec{3, reason_code::success, {}});
  engine_.release(3);
  output();
  auto state = std::move(engine_).export_state();
  ASSERT_EQ(state.outbound.size(), 3u);

  start(v::v3_1_1, 0, false, std::move(state));
  output();
  connack_with({}, true);
  events();
  auto out = written();
  ASSERT_EQ(out.size(), 3u);
  EXPECT_TRUE(std::get<publish>(out[0]).dup);
  EXPECT_EQ(std::get<publish>(out[0]).id, 1);
  EXPECT_TRUE(std::get<publish>(out[1]).dup);
  EXPECT_EQ(std::get<pubrel>(out[2]).id, 3);
}

TEST_F(client_engine_test, WithoutSessionPresentOnlyUnreceivedMessagesAreSentAgain) {
  connected(v::v3_1_1);
  engine_.send_publish(message("a", qos::at_least_once, 1));
  engine_.send_publish(message("c", qos::exactly_once, 3));
  server_sends(pubrec{3, reason_code::success, {}});
  engine_.release(3);
  auto state = std::move(engine_).export_state();
  start(v::v3_1_1, 0, false, std::move(state));
  output();
  connack_with({}, false);
  events();
  auto out = written();
  ASSERT_EQ(out.size(), 1u) << "the PUBREL the new session would not know is dropped";
  EXPECT_EQ(std::get<publish>(out[0]).topic, "a");
}

}  // namespace
}  // namespace tern::mqtt::test
