// Routing through the whole core: QoS downgrade, wildcards, the '$' rule,
// overlapping subscriptions, No Local and shared subscriptions, with the
// publisher and subscribers on different workers.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "broker_world.hpp"
#include "session/sys_topics.hpp"

namespace tern::broker::test {
namespace {

using v = protocol_version;

std::vector<qos> qos_of(const std::vector<mqtt::publish>& messages) {
  std::vector<qos> out;
  for (const auto& m : messages)
    out.push_back(m.qos);
  return out;
}

std::vector<std::string> topics_of(const std::vector<mqtt::publish>& messages) {
  std::vector<std::string> out;
  for (const auto& m : messages)
    out.push_back(m.topic);
  return out;
}

// [MQTT-3.8.4-6] (3.1.1): a message goes out at the minimum of its own QoS
// and the QoS granted to the subscription.
TEST(Routing, QosIsMinimumOfPublishedAndGranted_MQTT_3_8_4_6) {
  world w(2);
  test_client pub(w, "pub", v::v3_1_1, 0);
  test_client sub1(w, "sub1", v::v3_1_1, 1);
  test_client sub2(w, "sub2", v::v3_1_1, 0);
  ASSERT_TRUE(pub.connect());
  ASSERT_TRUE(sub1.connect());
  ASSERT_TRUE(sub2.connect());
  auto ack1 = sub1.subscribe("a/b", qos::at_least_once);
  ASSERT_TRUE(ack1);
  EXPECT_EQ(ack1->reasons, std::vector{mqtt::reason_code::granted_qos_1});
  ASSERT_TRUE(sub2.subscribe("a/b", qos::exactly_once));

  pub.publish("a/b", "zero", qos::at_most_once);
  const auto id1 = pub.publish("a/b", "one", qos::at_least_once);
  const auto id2 = pub.publish("a/b", "two", qos::exactly_once);
  EXPECT_TRUE(pub.completed(id1)) << "PUBACK";
  EXPECT_TRUE(pub.completed(id2)) << "PUBREC, PUBREL, PUBCOMP";

  EXPECT_EQ(sub1.payloads(), (std::vector<std::string>{"zero", "one", "two"}));
  EXPECT_EQ(qos_of(sub1.messages()),
            (std::vector{qos::at_most_once, qos::at_least_once, qos::at_least_once}));
  EXPECT_EQ(sub2.payloads(), (std::vector<std::string>{"zero", "one", "two"}));
  EXPECT_EQ(qos_of(sub2.messages()),
            (std::vector{qos::at_most_once, qos::at_least_once, qos::exactly_once}));
  EXPECT_EQ(broker_stats::get(w.b.stats().publish_received), 3u);
  EXPECT_EQ(broker_stats::get(w.b.stats().publish_sent), 6u);
}

// The subscriber's QoS 2 handshake completes (PUBREC, PUBREL, PUBCOMP) and
// frees the window; a QoS 2 PUBLISH resent by the publisher before PUBREL
// is not delivered twice [MQTT-4.3.3-?] (v5 4.3.3, "exactly once").
TEST(Routing, Qos2ResentByPublisherIsDeliveredOnce) {
  world w(2);
  test_client pub(w, "pub", v::v5, 0);
  test_client sub(w, "sub", v::v5, 1);
  ASSERT_TRUE(pub.connect());
  ASSERT_TRUE(sub.connect());
  ASSERT_TRUE(sub.subscribe("q2", qos::exactly_once));

  mqtt::publish p;
  p.topic = "q2";
  p.id = 77;
  p.qos = qos::exactly_once;
  p.payload = mqtt::shared_bytes::copy_of("once");
  pub.conn().send(p);
  p.dup = true;
  pub.conn().send(p);  // no PUBREL sent yet: the same message again
  w.settle();
  const auto recs = all_of_type<mqtt::pubrec>(pub.packets());
  ASSERT_EQ(recs.size(), 2u) << "each copy is answered";
  pub.conn().send(mqtt::pubrel{77, {}, {}});
  w.settle();
  ASSERT_EQ(all_of_type<mqtt::pubcomp>(pub.packets()).size(), 1u);

  EXPECT_EQ(sub.payloads(), std::vector<std::string>{"once"});
  // The subscriber answered PUBREC, got PUBREL and sent PUBCOMP.
  EXPECT_EQ(all_of_type<mqtt::pubrel>(sub.packets()).size(), 1u);
}

// '+' matches one level, '#' any number including the parent
// [MQTT-4.7.1-2], [MQTT-4.7.1-3].
TEST(Routing, WildcardsMatchLevels_MQTT_4_7_1_2_MQTT_4_7_1_3) {
  world w(2);
  test_client pub(w, "pub", v::v3_1_1, 1);
  test_client sub(w, "sub", v::v3_1_1, 0);
  ASSERT_TRUE(pub.connect());
  ASSERT_TRUE(sub.connect());
  ASSERT_TRUE(sub.subscribe("sport/+/player1", qos::at_least_once));
  ASSERT_TRUE(sub.subscribe("finance/#", qos::at_least_once));

  for (const char* topic :
       {"sport/tennis/player1", "sport/tennis/player2", "sport/player1",
        "sport/tennis/player1/ranking", "finance", "finance/stock/ibm", "financeX", "/finance"})
    pub.publish(topic, topic, qos::at_least_once);

  EXPECT_EQ(topics_of(sub.messages()),
            (std::vector<std::string>{"sport/tennis/player1", "finance", "finance/stock/ibm"}));
}

// Filters starting with a wildcard do not match topics starting with '$'
// [MQTT-4.7.2-1]; "$SYS/#" does.
TEST(Routing, WildcardsDoNotMatchDollarTopics_MQTT_4_7_2_1) {
  broker_config config;
  config.version = "tern-test";
  world w(2, config);
  test_client all(w, "all", v::v3_1_1, 0);
  test_client sys(w, "sys", v::v3_1_1, 1);
  ASSERT_TRUE(all.connect());
  ASSERT_TRUE(sys.connect());
  ASSERT_TRUE(all.subscribe("#", qos::at_most_once));
  ASSERT_TRUE(all.subscribe("+/broker/version", qos::at_most_once));
  ASSERT_TRUE(sys.subscribe("$SYS/broker/version", qos::at_most_once));
  ASSERT_TRUE(sys.subscribe("$SYS/broker/clients/#", qos::at_most_once));

  {
    sys_topics tree(w.b);
    auto as = w.workers.act_as(0);
    tree.publish(w.clock.now);
  }
  w.settle();
  EXPECT_TRUE(all.messages().empty()) << topics_of(all.messages()).front();
  ASSERT_FALSE(sys.messages().empty());
  EXPECT_EQ(sys.messages().front().topic, "$SYS/broker/version");
  EXPECT_EQ(sys.messages().front().payload.view(), "tern-test");
  for (const auto& m : sys.messages())
    EXPECT_TRUE(m.topic == "$SYS/broker/version" || m.topic.starts_with("$SYS/broker/clients/"))
        << m.topic;
  const auto topics = topics_of(sys.messages());
  EXPECT_NE(std::find(topics.begin(), topics.end(), "$SYS/broker/clients/connected"), topics.end());

  // An ordinary topic still reaches "#".
  test_client pub(w, "pub", v::v3_1_1, 1);
  ASSERT_TRUE(pub.connect());
  pub.publish("broker/version", "x", qos::at_most_once);
  EXPECT_EQ(all.payloads(), std::vector<std::string>{"x"}) << "one copy for two matches";
}

// $SYS/broker/load/connections and .../sockets, as mosquitto: per-minute
// rates of CONNECT packets and of connections opened.
TEST(Routing, SysLoadCountsConnectsAndSockets) {
  world w(2);
  test_client sys(w, "sys", v::v3_1_1, 0);
  ASSERT_TRUE(sys.connect());
  ASSERT_TRUE(sys.subscribe("$SYS/broker/load/+/1min", qos::at_most_once));
  sys_topics tree(w.b);
  test_client a(w, "a", v::v3_1_1, 1);
  test_client b(w, "b", v::v5, 1);
  ASSERT_TRUE(a.connect());
  ASSERT_TRUE(b.connect());
  {
    auto as = w.workers.act_as(0);
    tree.publish(w.clock.now);
  }
  w.settle();
  std::map<std::string, double> rate;
  for (const auto& m : sys.messages())
    rate[m.topic] = std::stod(std::string(m.payload.view()));
  ASSERT_TRUE(rate.contains("$SYS/broker/load/connections/1min"));
  ASSERT_TRUE(rate.contains("$SYS/broker/load/sockets/1min"));
  EXPECT_GT(rate["$SYS/broker/load/connections/1min"], 0.0);
  EXPECT_GT(rate["$SYS/broker/load/sockets/1min"], 0.0);
  EXPECT_EQ(rate["$SYS/broker/load/connections/1min"], rate["$SYS/broker/load/sockets/1min"])
      << "three sockets, three CONNECTs";
}

// Overlapping subscriptions of one client: one copy, at the highest QoS of
// the matches [MQTT-3.3.4-2], carrying every matching subscription's
// identifier [MQTT-3.3.4-3] (v5).
TEST(Routing, OverlappingSubscriptionsGiveOneCopy_MQTT_3_3_4_2_MQTT_3_3_4_3) {
  world w(2);
  test_client pub(w, "pub", v::v5, 0);
  test_client sub(w, "sub", v::v5, 1);
  ASSERT_TRUE(pub.connect());
  ASSERT_TRUE(sub.connect());
  ASSERT_TRUE(sub.subscribe("a/+", sub_options(qos::at_most_once), 1));
  ASSERT_TRUE(sub.subscribe("a/#", sub_options(qos::exactly_once), 2));
  ASSERT_TRUE(sub.subscribe("a/b", sub_options(qos::at_least_once)));  // no identifier
  ASSERT_TRUE(sub.subscribe("x/#", sub_options(qos::at_least_once), 3));

  pub.publish("a/b", "m", qos::exactly_once);
  ASSERT_EQ(sub.messages().size(), 1u);
  const auto& m = sub.messages()[0];
  EXPECT_EQ(m.qos, qos::exactly_once);
  auto ids = m.properties.subscription_identifiers;
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(ids, (std::vector<std::uint32_t>{1, 2}));

  // A QoS 1 message: the highest granted QoS above it does not raise it.
  sub.clear_messages();
  pub.publish("a/c", "n", qos::at_least_once);
  ASSERT_EQ(sub.messages().size(), 1u);
  EXPECT_EQ(sub.messages()[0].qos, qos::at_least_once);
  ids = sub.messages()[0].properties.subscription_identifiers;
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(ids, (std::vector<std::uint32_t>{1, 2}));
}

// No Local: a client's own publications are not sent back to it on that
// subscription [MQTT-3.8.3-3].
TEST(Routing, NoLocalSkipsOwnPublications_MQTT_3_8_3_3) {
  world w(2);
  test_client me(w, "me", v::v5, 0);
  test_client other(w, "other", v::v5, 1);
  test_client echo(w, "echo", v::v5, 1);
  ASSERT_TRUE(me.connect());
  ASSERT_TRUE(other.connect());
  ASSERT_TRUE(echo.connect());
  ASSERT_TRUE(me.subscribe("chat", sub_options(qos::at_least_once, /*no_local=*/true)));
  ASSERT_TRUE(echo.subscribe("chat", sub_options(qos::at_least_once)));

  me.publish("chat", "mine", qos::at_least_once);
  other.publish("chat", "theirs", qos::at_least_once);
  EXPECT_EQ(me.payloads(), std::vector<std::string>{"theirs"});
  EXPECT_EQ(echo.payloads(), (std::vector<std::string>{"mine", "theirs"}));

  // A second, overlapping subscription without No Local brings it back.
  ASSERT_TRUE(me.subscribe("#", sub_options(qos::at_least_once)));
  me.publish("chat", "again", qos::at_least_once);
  EXPECT_EQ(me.payloads(), (std::vector<std::string>{"theirs", "again"}));
}

// Shared subscriptions: each message goes to one member of the group, in
// turn (v5 4.8.2); an ordinary subscription still gets every message.
TEST(Routing, SharedSubscriptionRoundRobin) {
  world w(2);
  test_client pub(w, "pub", v::v5, 0);
  test_client m1(w, "m1", v::v5, 0);
  test_client m2(w, "m2", v::v5, 1);
  test_client all(w, "all", v::v5, 1);
  for (auto* c : {&pub, &m1, &m2, &all})
    ASSERT_TRUE(c->connect());
  ASSERT_TRUE(m1.subscribe("$share/g/jobs/+", qos::at_least_once));
  ASSERT_TRUE(m2.subscribe("$share/g/jobs/+", qos::at_least_once));
  ASSERT_TRUE(all.subscribe("jobs/#", qos::at_least_once));

  std::vector<std::string> sent;
  for (int i = 0; i < 6; ++i) {
    sent.push_back("job" + std::to_string(i));
    pub.publish("jobs/x", sent.back(), qos::at_least_once);
  }
  EXPECT_EQ(m1.messages().size(), 3u);
  EXPECT_EQ(m2.messages().size(), 3u);
  // Alternating: a member never gets two in a row.
  auto got = m1.payloads();
  const auto got2 = m2.payloads();
  for (std::size_t i = 1; i < got.size(); ++i)
    EXPECT_NE(got[i].back() - got[i - 1].back(), 1) << got[i - 1] << " then " << got[i];
  got.insert(got.end(), got2.begin(), got2.end());
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, sent) << "each message to exactly one member";
  EXPECT_EQ(all.payloads(), sent);

  // A member that unsubscribes leaves the other with everything.
  ASSERT_TRUE(m1.unsubscribe("$share/g/jobs/+"));
  m1.clear_messages();
  m2.clear_messages();
  for (int i = 0; i < 3; ++i)
    pub.publish("jobs/y", "later" + std::to_string(i), qos::at_least_once);
  EXPECT_TRUE(m1.messages().empty());
  EXPECT_EQ(m2.messages().size(), 3u);
}

// A member whose connection went away (its session persists) gets no more
// of the group's messages while another member is connected.
TEST(Routing, SharedSubscriptionPrefersConnectedMembers) {
  world w(2);
  test_client pub(w, "pub", v::v5, 0);
  test_client m1(w, "m1", v::v5, 0);
  test_client m2(w, "m2", v::v5, 1);
  ASSERT_TRUE(pub.connect());
  connect_options persistent_session;
  persistent_session.clean_start = false;
  persistent_session.session_expiry = 3600;
  ASSERT_TRUE(m1.connect(persistent_session));
  ASSERT_TRUE(m2.connect());
  ASSERT_TRUE(m1.subscribe("$share/g/jobs", qos::at_least_once));
  ASSERT_TRUE(m2.subscribe("$share/g/jobs", qos::at_least_once));
  m1.drop();
  for (int i = 0; i < 4; ++i)
    pub.publish("jobs", "job" + std::to_string(i), qos::at_least_once);
  EXPECT_EQ(m2.payloads(), (std::vector<std::string>{"job0", "job1", "job2", "job3"}));
}

// A shared subscription with No Local is a protocol error [MQTT-3.8.3-4].
// A 3.1.1 client with mosquitto's bridge marker is another broker: its
// own publications do not come back (a loop between the two brokers) and
// the retain flag stays on what it receives, as mosquitto treats bridges.
TEST(Routing, BridgeMarkerGivesNoLocalAndRetainAsPublished) {
  world w(2);
  test_client bridge(w, "bridge", v::v3_1_1, 0);
  test_client plain(w, "plain", v::v3_1_1, 1);
  connect_options as_bridge;
  as_bridge.bridge = true;
  ASSERT_TRUE(bridge.connect(as_bridge));
  ASSERT_TRUE(plain.connect());
  ASSERT_TRUE(bridge.subscribe("site/#", qos::at_least_once));
  ASSERT_TRUE(plain.subscribe("site/#", qos::at_least_once));

  bridge.publish("site/from-bridge", "echo?", qos::at_least_once);
  plain.publish("site/status", "up", qos::at_least_once, /*retain=*/true);
  EXPECT_EQ(plain.payloads(), (std::vector<std::string>{"echo?", "up"}));
  ASSERT_EQ(bridge.messages().size(), 1u) << "the bridge's own message came back";
  EXPECT_EQ(bridge.messages()[0].payload.view(), "up");
  EXPECT_TRUE(bridge.messages()[0].retain) << "retain as published";
  EXPECT_FALSE(plain.messages()[1].retain) << "a plain live subscriber sees retain 0";
}

TEST(Routing, SharedSubscriptionWithNoLocalIsProtocolError_MQTT_3_8_3_4) {
  world w(1);
  test_client c(w, "c", v::v5, 0);
  ASSERT_TRUE(c.connect());
  EXPECT_FALSE(c.subscribe("$share/g/t", sub_options(qos::at_most_once, /*no_local=*/true)));
  const auto d = all_of_type<mqtt::disconnect>(c.packets());
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].reason, mqtt::reason_code::protocol_error);
  EXPECT_TRUE(c.conn().finished());
}

// A message gets the store's number only when the store may keep it: a
// QoS 0 message that is not retained never is, and takes none (so it
// skips the counter every worker shares).
TEST(Routing, OnlyMessagesTheStoreMayKeepAreNumbered) {
  world w(1);
  auto message = [&](qos q, bool retain) {
    mqtt::publish p;
    p.topic = "numbered";
    p.qos = q;
    p.retain = retain;
    p.payload = mqtt::shared_bytes::copy_of(std::string_view("x"));
    return w.b.make_message(std::move(p), 0);
  };
  EXPECT_EQ(message(qos::at_most_once, false)->id, 0u);
  const auto retained = message(qos::at_most_once, true)->id;
  const auto at_least_once = message(qos::at_least_once, false)->id;
  const auto exactly_once = message(qos::exactly_once, false)->id;
  EXPECT_NE(retained, 0u);
  EXPECT_NE(at_least_once, 0u);
  EXPECT_NE(exactly_once, 0u);
  EXPECT_NE(retained, at_least_once);
  EXPECT_NE(at_least_once, exactly_once);
}

}  // namespace
}  // namespace tern::broker::test
