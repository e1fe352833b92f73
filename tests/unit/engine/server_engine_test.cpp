// The server engine's rules, each against the bytes it writes and the
// events it raises, on a fake clock.
#include "engine_fixture.hpp"

namespace tern::mqtt::test {
namespace {

using v = protocol_version;

std::vector<std::uint8_t> output_bytes(server_engine& e) {
  std::vector<std::uint8_t> out;
  e.take_output(out);
  return out;
}

// The one event raised, which must be a T (a copy: the vector is a temporary).
template <class T>
T only(std::vector<engine_event>&& ev) {
  EXPECT_EQ(ev.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<T>(ev.at(0)));
  return std::get<T>(std::move(ev.at(0)));
}

using engine_test = engine_fixture;

// --- CONNECT ------------------------------------------------------------------

TEST_F(engine_test, FirstPacketMustBeConnect_MQTT_3_1_0_1) {
  send(pingreq{}, v::v3_1_1);
  const auto close = only<close_requested>(events());
  EXPECT_EQ(close.reason, reason_code::protocol_error);
  EXPECT_FALSE(close.publish_will);
  EXPECT_TRUE(output_bytes(engine_).empty());
  EXPECT_TRUE(engine_.is_closed());
}

TEST_F(engine_test, AcceptWritesConnackV311) {
  connect c;
  c.client_id = "a";
  send(c, v::v3_1_1);
  EXPECT_EQ(only<connect_requested>(events()).packet->client_id, "a");
  EXPECT_TRUE(output_bytes(engine_).empty()) << "nothing before the broker decides";
  engine_.accept(state_, true, {});
  // CONNACK, remaining length 2, session present, return code 0.
  EXPECT_EQ(output_bytes(engine_), (std::vector<std::uint8_t>{0x20, 0x02, 0x01, 0x00}));
  EXPECT_TRUE(engine_.is_connected());
}

TEST_F(engine_test, RejectMapsReasonToV311ReturnCode) {
  connect c;
  c.client_id = "a";
  send(c, v::v3_1_1);
  events();
  engine_.reject(reason_code::not_authorized);
  EXPECT_EQ(output_bytes(engine_), (std::vector<std::uint8_t>{0x20, 0x02, 0x00, 0x05}));
  EXPECT_EQ(only<close_requested>(events()).reason, reason_code::not_authorized);
}

TEST_F(engine_test, RejectV5CarriesReasonCode) {
  connect c;
  c.version = v::v5;
  c.client_id = "a";
  send(c, v::v5);
  events();
  engine_.reject(reason_code::bad_user_name_or_password);
  // CONNACK, length 3, flags 0, reason 0x86, property length 0.
  EXPECT_EQ(output_bytes(engine_), (std::vector<std::uint8_t>{0x20, 0x03, 0x00, 0x86, 0x00}));
}

TEST_F(engine_test, UnsupportedProtocolLevelGetsReturnCode1_MQTT_3_1_2_2) {
  // CONNECT "MQTT" level 6, clean session, keep alive 0, client id "a".
  send_bytes({0x10, 0x0d, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x06, 0x02, 0x00, 0x00, 0x00, 0x01, 'a'});
  EXPECT_EQ(output_bytes(engine_), (std::vector<std::uint8_t>{0x20, 0x02, 0x00, 0x01}));
  EXPECT_EQ(only<close_requested>(events()).reason, reason_code::unsupported_protocol_version);
}

TEST_F(engine_test, EmptyClientIdWithoutCleanSessionRejected_MQTT_3_1_3_8) {
  connect c;
  c.clean_start = false;
  send(c, v::v3_1_1);
  EXPECT_EQ(output_bytes(engine_), (std::vector<std::uint8_t>{0x20, 0x02, 0x00, 0x02}));
  EXPECT_TRUE(engine_.is_closed());
}

TEST_F(engine_test, SecondConnectIsProtocolError_MQTT_3_1_0_2) {
  connect_and_accept(v::v3_1_1);
  connect c;
  c.client_id = "client";
  send(c, v::v3_1_1);
  const auto close = only<close_requested>(events());
  EXPECT_EQ(close.reason, reason_code::protocol_error);
  EXPECT_TRUE(close.publish_will);
  EXPECT_TRUE(output_bytes(engine_).empty()) << "3.1.1 closes without a word";
}

TEST_F(engine_test, SecondConnectV5GetsDisconnect0x82) {
  connect_and_accept(v::v5);
  connect c;
  c.version = v::v5;
  c.client_id = "client";
  send(c, v::v5);
  auto out = written(v::v5);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(std::get<disconnect>(out[0]).reason, reason_code::protocol_error);
}

TEST_F(engine_test, PacketsPipelinedBehindConnectWaitForAccept) {
  std::vector<std::uint8_t> bytes;
  connect c;
  c.client_id = "a";
  encode_append(c, v::v3_1_1, bytes);
  encode_append(pingreq{}, v::v3_1_1, bytes);
  engine_.on_bytes(bytes, now_);
  only<connect_requested>(events());
  EXPECT_TRUE(output_bytes(engine_).empty()) << "PINGREQ must not be answered before CONNACK";
  engine_.accept(state_, false, {});
  EXPECT_EQ(output_bytes(engine_), (std::vector<std::uint8_t>{0x20, 0x02, 0x00, 0x00, 0xd0, 0x00}));
}

TEST_F(engine_test, BytesArrivingOneAtATime) {
  std::vector<std::uint8_t> bytes;
  connect c;
  c.client_id = "split";
  encode_append(c, v::v3_1_1, bytes);
  for (std::size_t i = 0; i + 1 < bytes.size(); ++i) {
    engine_.on_bytes(std::span(&bytes[i], 1), now_);
    EXPECT_TRUE(events().empty()) << "complete after byte " << i;
  }
  engine_.on_bytes(std::span(&bytes.back(), 1), now_);
  EXPECT_EQ(only<connect_requested>(events()).packet->client_id, "split");
}

// --- keep alive -------------------------------------------------------------------

TEST_F(engine_test, KeepAliveClosesAfterOneAndAHalfIntervals_MQTT_3_1_2_24) {
  connect_and_accept(v::v3_1_1, 10);
  advance(ms(14'999));
  engine_.on_timer(now_);
  EXPECT_TRUE(events().empty());
  ASSERT_TRUE(engine_.next_deadline());
  EXPECT_EQ(*engine_.next_deadline(), now_ + ms(1));
  advance(ms(1));
  engine_.on_timer(now_);
  const auto close = only<close_requested>(events());
  EXPECT_EQ(close.reason, reason_code::keep_alive_timeout);
  EXPECT_TRUE(close.publish_will);
}

TEST_F(engine_test, TrafficResetsKeepAlive) {
  connect_and_accept(v::v3_1_1, 10);
  advance(ms(14'000));
  send(pingreq{}, v::v3_1_1);
  advance(ms(14'000));
  engine_.on_timer(now_);
  EXPECT_TRUE(events().empty());
  EXPECT_EQ(written(v::v3_1_1).size(), 1u);  // PINGRESP
}

TEST_F(engine_test, KeepAliveTimeoutV5SendsDisconnect0x8D) {
  connect_and_accept(v::v5, 2);
  advance(ms(3'000));
  engine_.on_timer(now_);
  auto out = written(v::v5);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(std::get<disconnect>(out[0]).reason, reason_code::keep_alive_timeout);
}

TEST_F(engine_test, ConnectTimeout) {
  advance(ms(10'000));
  engine_.on_timer(now_);
  EXPECT_FALSE(only<close_requested>(events()).publish_will);
}

// --- inbound QoS --------------------------------------------------------------------

TEST_F(engine_test, QoS1PubackWaitsForTheBroker) {
  connect_and_accept(v::v3_1_1);
  publish p;
  p.topic = "t";
  p.qos = qos::at_least_once;
  p.id = 7;
  send(p, v::v3_1_1);
  EXPECT_EQ(only<publish_received>(events()).packet.id, 7);
  EXPECT_TRUE(output_bytes(engine_).empty()) << "PUBACK only once stored";
  engine_.acknowledge_publish(7, qos::at_least_once);
  EXPECT_EQ(output_bytes(engine_), (std::vector<std::uint8_t>{0x40, 0x02, 0x00, 0x07}));
}

TEST_F(engine_test, QoS2DeliveredExactlyOnce_MQTT_4_3_3_10) {
  connect_and_accept(v::v3_1_1);
  publish p;
  p.topic = "t";
  p.qos = qos::exactly_once;
  p.id = 9;
  send(p, v::v3_1_1);
  only<publish_received>(events());
  p.dup = true;
  send(p, v::v3_1_1);  // resent before the broker answered
  EXPECT_TRUE(events().empty());
  EXPECT_TRUE(output_bytes(engine_).empty());
  engine_.acknowledge_publish(9, qos::exactly_once);
  // One PUBREC for each copy received.
  EXPECT_EQ(output_bytes(engine_),
            (std::vector<std::uint8_t>{0x50, 0x02, 0x00, 0x09, 0x50, 0x02, 0x00, 0x09}));
  send(p, v::v3_1_1);  // resent after PUBREC: PUBREC again, no delivery
  EXPECT_TRUE(events().empty());
  EXPECT_EQ(output_bytes(engine_), (std::vector<std::uint8_t>{0x50, 0x02, 0x00, 0x09}));
  send(pubrel{9, reason_code::success, {}}, v::v3_1_1);
  EXPECT_EQ(output_bytes(engine_), (std::vector<std::uint8_t>{0x70, 0x02, 0x00, 0x09}));
  EXPECT_TRUE(state_.inbound_qos2.empty());
  EXPECT_EQ(only<release_received>(events()).id, 9);  // the store forgets the id too
  p.dup = false;
  send(p, v::v3_1_1);  // the id is free again: a new message
  only<publish_received>(events());
}

TEST_F(engine_test, PubrelBeforeItsPubrecIsAnsweredAfterIt) {
  connect_and_accept(v::v5);
  publish p;
  p.topic = "t";
  p.qos = qos::exactly_once;
  p.id = 4;
  send(p, v::v5);
  only<publish_received>(events());
  send(pubrel{4, reason_code::success, {}}, v::v5);  // before the broker decided
  EXPECT_TRUE(events().empty());
  EXPECT_TRUE(output_bytes(engine_).empty()) << "PUBCOMP must not overtake PUBREC";
  engine_.acknowledge_publish(4, qos::exactly_once);
  EXPECT_EQ(output_bytes(engine_),
            (std::vector<std::uint8_t>{0x50, 0x02, 0x00, 0x04, 0x70, 0x02, 0x00, 0x04}));
  EXPECT_EQ(only<release_received>(events()).id, 4);
  EXPECT_TRUE(state_.inbound_qos2.empty());
}

TEST_F(engine_test, EarlyPubrelOfARefusedMessageFindsNoId) {
  connect_and_accept(v::v5);
  publish p;
  p.topic = "t";
  p.qos = qos::exactly_once;
  p.id = 5;
  send(p, v::v5);
  only<publish_received>(events());
  send(pubrel{5, reason_code::success, {}}, v::v5);
  engine_.acknowledge_publish(5, qos::exactly_once, reason_code::not_authorized);
  const auto out = output_bytes(engine_);
  ASSERT_EQ(out.size(), 10u) << "PUBREC 0x87 then PUBCOMP 0x92";
  EXPECT_EQ(out[0], 0x50);
  EXPECT_EQ(out[4], 0x87);
  EXPECT_EQ(out[5], 0x70);
  EXPECT_EQ(out[9], 0x92);
  EXPECT_TRUE(events().empty());
}

TEST_F(engine_test, QoS2StateSurvivesTheConnection) {
  connect_and_accept(v::v3_1_1);
  publish p;
  p.topic = "t";
  p.qos = qos::exactly_once;
  p.id = 3;
  send(p, v::v3_1_1);
  engine_.acknowledge_publish(3, qos::exactly_once);
  events();
  engine_.on_peer_closed();
  EXPECT_EQ(state_.inbound_qos2, std::vector<packet_id>{3});
}

TEST_F(engine_test, ReceiveMaximumExceededV5_MQTT_3_3_4_9) {
  engine_limits limits;
  limits.receive_maximum = 1;
  use_limits(limits);
  connect_and_accept(v::v5);
  publish p;
  p.topic = "t";
  p.qos = qos::at_least_once;
  for (packet_id id : {1, 2}) {
    p.id = id;
    send(p, v::v5);
  }
  auto ev = events();
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(std::get<close_requested>(ev[1]).reason, reason_code::receive_maximum_exceeded);
}

// --- outbound QoS -------------------------------------------------------------------

TEST_F(engine_test, OutboundQoS1WindowAndCompletion) {
  engine_limits limits;
  limits.max_inflight = 2;
  use_limits(limits);
  connect_and_accept(v::v3_1_1);
  EXPECT_TRUE(engine_.send_publish(make_delivery("a/b", "x", qos::at_least_once)));
  EXPECT_TRUE(engine_.send_publish(make_delivery("a/b", "y", qos::at_least_once)));
  EXPECT_FALSE(engine_.can_send_qos());
  // PUBLISH QoS 1: topic "a/b", id 1, payload "x"; then id 2.
  EXPECT_EQ(output_bytes(engine_),
            (std::vector<std::uint8_t>{0x32, 0x08, 0x00, 0x03, 'a', '/', 'b', 0x00, 0x01, 'x',  //
                                       0x32, 0x08, 0x00, 0x03, 'a', '/', 'b', 0x00, 0x02, 'y'}));
  send_bytes({0x40, 0x02, 0x00, 0x01});  // PUBACK 1
  const auto done = only<delivery_completed>(events());
  EXPECT_EQ(done.delivery.message->packet.payload.view(), "x");
  EXPECT_TRUE(engine_.can_send_qos());
  EXPECT_EQ(state_.outbound.size(), 1u);
}

TEST_F(engine_test, OutboundQoS2Flow) {
  connect_and_accept(v::v3_1_1);
  auto d = make_delivery("t", "m", qos::exactly_once);
  d.store_seq = 77;
  engine_.send_publish(std::move(d));
  auto out = written(v::v3_1_1);
  ASSERT_EQ(out.size(), 1u);
  const auto id = std::get<publish>(out[0]).id;
  send(pubrec{id, reason_code::success, {}}, v::v3_1_1);
  const auto received = only<delivery_received>(events());  // the store records the phase
  EXPECT_EQ(received.id, id);
  EXPECT_EQ(received.store_seq, 77u);
  out = written(v::v3_1_1);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(std::get<pubrel>(out[0]).id, id);
  send(pubcomp{id, reason_code::success, {}}, v::v3_1_1);
  only<delivery_completed>(events());
  EXPECT_TRUE(state_.outbound.empty());
}

TEST_F(engine_test, ResumeResendsWithDupAndPubrel_MQTT_4_4_0_1) {
  connect_and_accept(v::v3_1_1);
  engine_.send_publish(make_delivery("t", "one", qos::at_least_once));
  engine_.send_publish(make_delivery("t", "two", qos::exactly_once));
  auto out = written(v::v3_1_1);
  send(pubrec{std::get<publish>(out[1]).id, reason_code::success, {}}, v::v3_1_1);
  engine_.on_peer_closed();
  events();

  server_engine next(limits_, now_);
  connect c;
  c.client_id = "client";
  c.clean_start = false;
  std::vector<std::uint8_t> bytes;
  encode_append(c, v::v3_1_1, bytes);
  next.on_bytes(bytes, now_);
  std::vector<engine_event> ev;
  next.take_events(ev);
  next.accept(state_, true, {});
  next.take_output(bytes);
  auto resent = decode_whole(std::span(bytes).subspan(4, 10), v::v3_1_1);  // after CONNACK
  ASSERT_TRUE(resent);
  const auto& p = std::get<publish>(*resent);
  EXPECT_TRUE(p.dup);
  EXPECT_EQ(p.payload.view(), "one");
  auto rel = decode_whole(std::span(bytes).subspan(14), v::v3_1_1);
  ASSERT_TRUE(rel);
  EXPECT_TRUE(std::holds_alternative<pubrel>(*rel));
}

TEST_F(engine_test, MessageLargerThanClientMaximumIsDropped_MQTT_3_1_2_25) {
  connect_properties props;
  props.maximum_packet_size = 20;
  connect_and_accept(v::v5, 0, props);
  EXPECT_FALSE(engine_.send_publish(make_delivery("t", std::string(30, 'x'), qos::at_least_once)));
  EXPECT_TRUE(state_.outbound.empty());
  EXPECT_TRUE(output_bytes(engine_).empty());
  EXPECT_TRUE(engine_.send_publish(make_delivery("t", "small", qos::at_least_once)));
}

// --- topic aliases -----------------------------------------------------------------

TEST_F(engine_test, InboundTopicAliasResolved) {
  connect_and_accept(v::v5);
  publish p;
  p.topic = "long/topic";
  p.properties.topic_alias = 1;
  send(p, v::v5);
  EXPECT_EQ(only<publish_received>(events()).packet.topic, "long/topic");
  p.topic.clear();
  send(p, v::v5);
  const auto again = only<publish_received>(events()).packet;
  EXPECT_EQ(again.topic, "long/topic");
  EXPECT_FALSE(again.properties.topic_alias) << "aliases are per connection, not per message";
}

TEST_F(engine_test, TopicAliasAboveMaximumIsInvalid_MQTT_3_3_2_9) {
  connect_and_accept(v::v5);
  publish p;
  p.topic = "t";
  p.properties.topic_alias = 11;  // default maximum is 10
  send(p, v::v5);
  auto out = written(v::v5);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(std::get<disconnect>(out[0]).reason, reason_code::topic_alias_invalid);
}

TEST_F(engine_test, UnknownAliasWithEmptyTopicIsProtocolError) {
  connect_and_accept(v::v5);
  publish p;
  p.properties.topic_alias = 2;
  send(p, v::v5);
  EXPECT_EQ(only<close_requested>(events()).reason, reason_code::protocol_error);
}

// --- DISCONNECT, close, limits --------------------------------------------------------

TEST_F(engine_test, NormalDisconnectSuppressesWill_MQTT_3_1_2_10) {
  connect_and_accept(v::v3_1_1);
  send(disconnect{}, v::v3_1_1);
  auto ev = events();
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_TRUE(std::holds_alternative<disconnect_received>(ev[0]));
  EXPECT_FALSE(std::get<close_requested>(ev[1]).publish_will);
}

TEST_F(engine_test, DisconnectWithWillMessageV5) {
  connect_and_accept(v::v5);
  send(disconnect{reason_code::disconnect_with_will_message, {}}, v::v5);
  auto ev = events();
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_TRUE(std::get<close_requested>(ev[1]).publish_will);
}

TEST_F(engine_test, SessionExpiryCannotBeRaisedFromZero_MQTT_3_14_2_2) {
  connect_and_accept(v::v5);
  disconnect d;
  d.properties.session_expiry_interval = 60;
  send(d, v::v5);
  EXPECT_EQ(only<close_requested>(events()).reason, reason_code::protocol_error);
}

TEST_F(engine_test, PeerCloseTriggersWill) {
  connect_and_accept(v::v3_1_1);
  engine_.on_peer_closed();
  EXPECT_TRUE(only<close_requested>(events()).publish_will);
}

TEST_F(engine_test, PacketTooLargeV5) {
  engine_limits limits;
  limits.maximum_packet_size = 64;
  use_limits(limits);
  connect_and_accept(v::v5);
  // Only the fixed header of a 1000-byte PUBLISH: refused before the body.
  send_bytes({0x30, 0xe8, 0x07});
  EXPECT_EQ(only<close_requested>(events()).reason, reason_code::packet_too_large);
  // DISCONNECT 0x95, property length omitted (spec 3.14.2.2.1).
  EXPECT_EQ(output_bytes(engine_), (std::vector<std::uint8_t>{0xe0, 0x01, 0x95}));
}

TEST_F(engine_test, ServerOnlyPacketFromClientIsProtocolError) {
  connect_and_accept(v::v3_1_1);
  send(pingresp{}, v::v3_1_1);
  EXPECT_EQ(only<close_requested>(events()).reason, reason_code::protocol_error);
}

TEST_F(engine_test, PingreqAnswered_MQTT_3_12_4_1) {
  connect_and_accept(v::v3_1_1);
  send(pingreq{}, v::v3_1_1);
  EXPECT_EQ(output_bytes(engine_), (std::vector<std::uint8_t>{0xd0, 0x00}));
}

TEST_F(engine_test, SecondConnectThatFailsToDecodeIsStillProtocolError_MQTT_3_1_0_2) {
  connect_and_accept(v::v5);
  // CONNECT "MQTT" level 6: undecodable, but a second CONNECT all the same.
  send_bytes({0x10, 0x07, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x06});
  auto out = written(v::v5);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(std::get<disconnect>(out[0]).reason, reason_code::protocol_error)
      << "0x84 is not a DISCONNECT reason";
}

TEST_F(engine_test, DisconnectWithErrorReasonPublishesWill_MQTT_3_14_4_3) {
  connect_and_accept(v::v5);
  send(disconnect{reason_code::unspecified_error, {}}, v::v5);
  auto ev = events();
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_TRUE(std::get<close_requested>(ev[1]).publish_will);
}

TEST_F(engine_test, SubscriptionIdentifierFromClientIsProtocolError_MQTT_3_3_4_6) {
  connect_and_accept(v::v5);
  publish p;
  p.topic = "t";
  p.properties.subscription_identifiers = {7};
  send(p, v::v5);
  EXPECT_EQ(only<close_requested>(events()).reason, reason_code::protocol_error);
}

TEST_F(engine_test, PartialPacketKeptAcrossReads) {
  connect_and_accept(v::v3_1_1);
  std::vector<std::uint8_t> bytes;
  publish p;
  p.topic = "a/b";
  p.payload = shared_bytes::copy_of("payload");
  encode_append(p, v::v3_1_1, bytes);
  encode_append(p, v::v3_1_1, bytes);
  // One read with a packet and a half, then the rest.
  const std::size_t cut = bytes.size() / 2 + 3;
  engine_.on_bytes(std::span(bytes).first(cut), now_);
  EXPECT_EQ(events().size(), 1u);
  engine_.on_bytes(std::span(bytes).subspan(cut), now_);
  EXPECT_EQ(only<publish_received>(events()).packet.payload.view(), "payload");
}

TEST_F(engine_test, OutboundTopicAliasesWithinTheClientsMaximum) {
  connect_properties props;
  props.topic_alias_maximum = 2;
  connect_and_accept(v::v5, 0, props);
  for (const char* topic : {"a/b", "a/b", "c", "d", "c"})
    engine_.send_publish(make_delivery(topic, "x", qos::at_most_once));
  auto out = written(v::v5);
  ASSERT_EQ(out.size(), 5u);
  const auto topic_and_alias = [&](std::size_t i) {
    const auto& p = std::get<publish>(out[i]);
    return std::pair(p.topic, p.properties.topic_alias.value_or(0));
  };
  // First use: topic and alias; later uses: alias alone [MQTT-3.3.2-12].
  EXPECT_EQ(topic_and_alias(0), std::pair(std::string("a/b"), std::uint16_t{1}));
  EXPECT_EQ(topic_and_alias(1), std::pair(std::string(), std::uint16_t{1}));
  EXPECT_EQ(topic_and_alias(2), std::pair(std::string("c"), std::uint16_t{2}));
  // The client's maximum is reached: no alias [MQTT-3.3.2-11].
  EXPECT_EQ(topic_and_alias(3), std::pair(std::string("d"), std::uint16_t{0}));
  EXPECT_EQ(topic_and_alias(4), std::pair(std::string(), std::uint16_t{2}));
}

TEST_F(engine_test, NoOutboundTopicAliasesUnlessTheClientAllows) {
  connect_and_accept(v::v5);
  engine_.send_publish(make_delivery("a/b", "x", qos::at_most_once));
  engine_.send_publish(make_delivery("a/b", "x", qos::at_most_once));
  for (const auto& p : written(v::v5)) {
    EXPECT_EQ(std::get<publish>(p).topic, "a/b");
    EXPECT_FALSE(std::get<publish>(p).properties.topic_alias);
  }
}

TEST_F(engine_test, AliasNotRecordedWhenThePacketWasTooLarge) {
  connect_properties props;
  props.topic_alias_maximum = 5;
  props.maximum_packet_size = 30;
  connect_and_accept(v::v5, 0, props);
  EXPECT_FALSE(engine_.send_publish(make_delivery("t", std::string(40, 'x'), qos::at_most_once)));
  EXPECT_TRUE(engine_.send_publish(make_delivery("t", "small", qos::at_most_once)));
  auto out = written(v::v5);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(std::get<publish>(out[0]).topic, "t") << "the client never saw the dropped mapping";
}

}  // namespace
}  // namespace tern::mqtt::test
