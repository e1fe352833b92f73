// What the server announces in a v5 CONNACK (Maximum QoS, Retain Available,
// Wildcard / Subscription Identifier / Shared Subscription Available) and
// how the engine enforces it; Reason Strings only where the client wants
// them (Request Problem Information) and fits them (Maximum Packet Size).
#include "engine_fixture.hpp"

namespace tern::mqtt::test {
namespace {

using v = protocol_version;

class capabilities_test : public engine_fixture {
 protected:
  // CONNECT with `props` (and `will`), accept; the CONNACK written.
  connack connect_v5(engine_limits limits, connect_properties props = {},
                     std::optional<will_message> will = std::nullopt) {
    use_limits(limits);
    connect c;
    c.version = v::v5;
    c.client_id = "client";
    c.properties = std::move(props);
    c.will = std::move(will);
    send(c, v::v5);
    auto ev = events();
    if (ev.size() == 1 && std::holds_alternative<connect_requested>(ev[0]))
      engine_.accept(state_, false, {});
    auto out = written(v::v5);
    EXPECT_EQ(out.size(), 1u);
    return std::get<connack>(out.at(0));
  }

  void publish_qos(qos q, v version, bool retain = false) {
    publish p;
    p.topic = "t";
    p.qos = q;
    p.id = q == qos::at_most_once ? 0 : 1;
    p.retain = retain;
    send(p, version);
  }

  void subscribe_to(std::string filter, v version, std::optional<std::uint32_t> id = {}) {
    subscribe s;
    s.id = 1;
    s.entries.push_back({std::move(filter), {qos::exactly_once}});
    s.properties.subscription_identifier = id;
    send(s, version);
  }

  // The engine closed with a DISCONNECT carrying `reason` and a Reason String.
  void expect_disconnect(reason_code reason) {
    const auto ev = events();
    ASSERT_EQ(ev.size(), 1u);
    ASSERT_TRUE(std::holds_alternative<close_requested>(ev[0]));
    EXPECT_EQ(std::get<close_requested>(ev[0]).reason, reason);
    const auto out = written(v::v5);
    ASSERT_EQ(out.size(), 1u);
    const auto& d = std::get<disconnect>(out[0]);
    EXPECT_EQ(d.reason, reason);
    EXPECT_TRUE(d.properties.reason_string) << "a human-readable reason";
  }
};

engine_limits with(auto change) {
  engine_limits l;
  change(l);
  return l;
}

const engine_limits max_qos_1 = with([](engine_limits& l) { l.maximum_qos = qos::at_least_once; });

// --- Maximum QoS ----------------------------------------------------------------

TEST_F(capabilities_test, MaximumQosAnnouncedOnlyBelowTwo_MQTT_3_2_2_9) {
  EXPECT_EQ(connect_v5({}).properties.maximum_qos, std::nullopt);
  EXPECT_EQ(connect_v5(max_qos_1).properties.maximum_qos, std::optional<std::uint8_t>(1));
}

// Spec 3.3.1.2: a PUBLISH above the announced Maximum QoS gets DISCONNECT
// 0x9B [MQTT-3.2.2-11].
TEST_F(capabilities_test, PublishAboveMaximumQosIsDisconnected0x9B_MQTT_3_2_2_11) {
  connect_v5(max_qos_1);
  publish_qos(qos::at_least_once, v::v5);
  EXPECT_TRUE(std::holds_alternative<publish_received>(events().at(0)));
  publish_qos(qos::exactly_once, v::v5);
  expect_disconnect(reason_code::qos_not_supported);
}

// A 3.1.1 client is never told the maximum: it is closed, as mosquitto does.
TEST_F(capabilities_test, PublishAboveMaximumQosV311IsClosed) {
  use_limits(max_qos_1);
  connect_and_accept(v::v3_1_1);
  publish_qos(qos::exactly_once, v::v3_1_1);
  ASSERT_EQ(events().size(), 1u);
  EXPECT_TRUE(written(v::v3_1_1).empty()) << "3.1.1 has no DISCONNECT from the server";
  EXPECT_TRUE(engine_.is_closed());
}

TEST_F(capabilities_test, WillQosAboveMaximumRefused0x9B_MQTT_3_2_2_12) {
  will_message will;
  will.topic = "w";
  will.qos = qos::exactly_once;
  const auto ack = connect_v5(max_qos_1, {}, will);
  EXPECT_EQ(ack.reason, reason_code::qos_not_supported);
  EXPECT_TRUE(ack.properties.reason_string);
  EXPECT_TRUE(engine_.is_closed());
}

// The client may ask for QoS 2; it is granted no more than we support, and
// the SUBSCRIBE is still accepted [MQTT-3.2.2-10].
TEST_F(capabilities_test, SubscriptionGrantedAtMostMaximumQos_MQTT_3_2_2_10) {
  connect_v5(max_qos_1);
  subscribe_to("t", v::v5);
  const auto ev = events();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(std::get<subscribe_requested>(ev[0]).packet.entries.at(0).options.max_qos,
            qos::at_least_once);
}

// --- Retain Available -------------------------------------------------------------

const engine_limits no_retain = with([](engine_limits& l) { l.retain_available = false; });

TEST_F(capabilities_test, RetainUnavailableAnnounced_Spec_3_2_2_3_5) {
  EXPECT_EQ(connect_v5({}).properties.retain_available, std::nullopt);
  EXPECT_EQ(connect_v5(no_retain).properties.retain_available, std::optional<std::uint8_t>(0));
}

TEST_F(capabilities_test, RetainedPublishWithoutRetainIsDisconnected0x9A_MQTT_3_2_2_14) {
  connect_v5(no_retain);
  publish_qos(qos::at_most_once, v::v5, /*retain=*/true);
  expect_disconnect(reason_code::retain_not_supported);
}

TEST_F(capabilities_test, WillRetainWithoutRetainRefused0x9A_MQTT_3_2_2_13) {
  will_message will;
  will.topic = "w";
  will.retain = true;
  EXPECT_EQ(connect_v5(no_retain, {}, will).reason, reason_code::retain_not_supported);
  EXPECT_TRUE(engine_.is_closed());
}

// --- Wildcard, Subscription Identifier and Shared Subscription Available ----------

TEST_F(capabilities_test, FeaturesOffAreAnnounced_Spec_3_2_2_3_11_to_13) {
  const auto all = connect_v5({});
  EXPECT_EQ(all.properties.wildcard_subscription_available, std::nullopt);
  EXPECT_EQ(all.properties.subscription_identifier_available, std::nullopt);
  EXPECT_EQ(all.properties.shared_subscription_available, std::nullopt);
  const auto none = connect_v5(with([](engine_limits& l) {
    l.wildcard_subscription_available = false;
    l.subscription_identifier_available = false;
    l.shared_subscription_available = false;
  }));
  EXPECT_EQ(none.properties.wildcard_subscription_available, std::optional<std::uint8_t>(0));
  EXPECT_EQ(none.properties.subscription_identifier_available, std::optional<std::uint8_t>(0));
  EXPECT_EQ(none.properties.shared_subscription_available, std::optional<std::uint8_t>(0));
}

// Spec 3.2.2.3.11: a Wildcard Subscription when they are off is a protocol
// error, DISCONNECT 0xA2; a plain filter is fine.
TEST_F(capabilities_test, WildcardSubscriptionWhenOffIsDisconnected0xA2) {
  connect_v5(with([](engine_limits& l) { l.wildcard_subscription_available = false; }));
  subscribe_to("a/b", v::v5);
  EXPECT_TRUE(std::holds_alternative<subscribe_requested>(events().at(0)));
  subscribe_to("a/+", v::v5);
  expect_disconnect(reason_code::wildcard_subscriptions_not_supported);
}

TEST_F(capabilities_test, WildcardInsideSharedFilterWhenOffIsDisconnected0xA2) {
  connect_v5(with([](engine_limits& l) { l.wildcard_subscription_available = false; }));
  subscribe_to("$share/g/a/#", v::v5);
  expect_disconnect(reason_code::wildcard_subscriptions_not_supported);
}

// Spec 3.2.2.3.12: DISCONNECT 0xA1.
TEST_F(capabilities_test, SubscriptionIdentifierWhenOffIsDisconnected0xA1) {
  connect_v5(with([](engine_limits& l) { l.subscription_identifier_available = false; }));
  subscribe_to("a", v::v5);
  EXPECT_TRUE(std::holds_alternative<subscribe_requested>(events().at(0)));
  subscribe_to("a", v::v5, 5);
  expect_disconnect(reason_code::subscription_identifiers_not_supported);
}

// Spec 3.2.2.3.13: DISCONNECT 0x9E.
TEST_F(capabilities_test, SharedSubscriptionWhenOffIsDisconnected0x9E) {
  connect_v5(with([](engine_limits& l) { l.shared_subscription_available = false; }));
  subscribe_to("$share/g/a", v::v5);
  expect_disconnect(reason_code::shared_subscriptions_not_supported);
}

// 3.1.1 has no feature flags: the refused entry fails in the SUBACK, the
// others are granted ([MQTT-3.8.3-2] of 3.1.1 for wildcards).
TEST_F(capabilities_test, V311EntriesUsingAFeatureThatIsOffAreRefused_MQTT_3_8_3_2) {
  use_limits(with([](engine_limits& l) {
    l.wildcard_subscription_available = false;
    l.shared_subscription_available = false;
  }));
  connect_and_accept(v::v3_1_1);
  subscribe s;
  s.id = 1;
  s.entries = {{"a/#", {}}, {"a/b", {}}, {"$share/g/a", {}}};
  send(s, v::v3_1_1);
  const auto ev = events();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(std::get<subscribe_requested>(ev[0]).refused,
            (std::vector<reason_code>{reason_code::wildcard_subscriptions_not_supported,
                                      reason_code::success,
                                      reason_code::shared_subscriptions_not_supported}));
  EXPECT_FALSE(engine_.is_closed());
}

// --- Reason Strings -----------------------------------------------------------------

// With Request Problem Information 0, no Reason String (or User Property)
// on anything but PUBLISH, CONNACK and DISCONNECT [MQTT-3.1.2-29].
TEST_F(capabilities_test, NoReasonStringOnAcksWithoutProblemInformation_MQTT_3_1_2_29) {
  connect_properties props;
  props.request_problem_information = 0;
  connect_v5({}, props);
  publish_qos(qos::at_least_once, v::v5);
  events();
  engine_.acknowledge_publish(1, qos::at_least_once, reason_code::not_authorized, "denied");
  suback ack{2, {reason_code::not_authorized}, {}};
  ack.properties.reason_string = "denied";
  ack.properties.user.push_back({"k", "v"});
  engine_.send_suback(std::move(ack));
  engine_.disconnect(reason_code::administrative_action, "bye");
  const auto out = written(v::v5);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(std::get<puback>(out[0]).reason, reason_code::not_authorized);
  EXPECT_EQ(std::get<puback>(out[0]).properties, ack_properties{});
  EXPECT_EQ(std::get<suback>(out[1]).properties, ack_properties{});
  EXPECT_EQ(std::get<disconnect>(out[2]).properties.reason_string, "bye") << "allowed there";
}

TEST_F(capabilities_test, ReasonStringOnAcksByDefault_Spec_3_1_2_11_7) {
  connect_v5({});
  publish_qos(qos::at_least_once, v::v5);
  events();
  engine_.acknowledge_publish(1, qos::at_least_once, reason_code::not_authorized, "denied");
  const auto out = written(v::v5);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(std::get<puback>(out[0]).properties.reason_string, "denied");
}

// A Reason String never makes a packet larger than the client accepts
// [MQTT-3.4.2-2].
TEST_F(capabilities_test, ReasonStringLeftOutWhenTooLargeForTheClient_MQTT_3_4_2_2) {
  connect_properties props;
  props.maximum_packet_size = 16;
  connect_v5({}, props);
  publish_qos(qos::at_least_once, v::v5);
  events();
  engine_.acknowledge_publish(1, qos::at_least_once, reason_code::not_authorized,
                              "a reason far longer than sixteen bytes");
  const auto out = written(v::v5);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(std::get<puback>(out[0]).reason, reason_code::not_authorized);
  EXPECT_FALSE(std::get<puback>(out[0]).properties.reason_string);
}

// Every server-side close of a v5 connection says why (spec 4.13).
TEST_F(capabilities_test, KeepAliveTimeoutDisconnect0x8DHasAReason) {
  use_limits({});
  connect_and_accept(v::v5, 10);
  advance(ms(15'000));
  engine_.on_timer(now_);
  expect_disconnect(reason_code::keep_alive_timeout);
}

}  // namespace
}  // namespace tern::mqtt::test
