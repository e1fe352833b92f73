// Sessions across connections: resume with queued and inflight messages,
// clean start, take-over from another worker, the offline queue bound and
// v5 session expiry.
#include <gtest/gtest.h>

#include "broker_world.hpp"

namespace tern::broker::test {
namespace {

using v = protocol_version;
using std::chrono::seconds;

connect_options persistent(protocol_version version) {
  connect_options o;
  o.clean_start = false;
  if (version == v::v5) o.session_expiry = 3600;
  return o;
}

class Resume : public ::testing::TestWithParam<protocol_version> {};

// Reconnecting without clean start resumes the session: Session Present
// [MQTT-3.2.2-2] (3.1.1), its subscriptions [MQTT-3.1.2-4], the messages
// queued meanwhile, and the unacknowledged PUBLISH resent with DUP and the
// PUBREL resent [MQTT-4.4.0-1], [MQTT-3.3.1-1].
TEST_P(Resume, SessionPresentQueuedAndInflightResent_MQTT_3_2_2_2_MQTT_4_4_0_1) {
  const auto version = GetParam();
  world w(2);
  test_client pub(w, "pub", v::v3_1_1, 0);
  test_client sub(w, "sub", version, 1);
  ASSERT_TRUE(pub.connect());
  auto ack = sub.connect(persistent(version));
  ASSERT_TRUE(ack);
  EXPECT_FALSE(ack->session_present) << "no session yet";
  ASSERT_TRUE(sub.subscribe("s/#", qos::exactly_once));

  // m1 (QoS 1) unacknowledged; m2 (QoS 2) past PUBREC, awaiting PUBCOMP.
  sub.set_auto_ack(false);
  pub.publish("s/1", "m1", qos::at_least_once);
  pub.publish("s/2", "m2", qos::exactly_once);
  ASSERT_EQ(sub.payloads(), (std::vector<std::string>{"m1", "m2"}));
  ASSERT_EQ(sub.unacked(), 2u);
  const auto m1_id = sub.messages()[0].id;
  const auto m2_id = sub.messages()[1].id;
  sub.conn().send(mqtt::pubrec{m2_id, {}, {}});
  w.settle();
  ASSERT_EQ(all_of_type<mqtt::pubrel>(sub.packets()).size(), 1u);
  // The connection breaks before the client's PUBCOMP goes out.
  sub.conn().drop();
  w.settle();
  sub.take_packets();
  sub.clear_messages();

  // While it is away: one QoS 1 and one QoS 2 message wait in its session.
  const auto q1 = pub.publish("s/3", "m3", qos::at_least_once);
  const auto q2 = pub.publish("s/4", "m4", qos::exactly_once);
  EXPECT_TRUE(pub.completed(q1));
  EXPECT_TRUE(pub.completed(q2));
  pub.publish("s/5", "m5 (QoS 0, not queued)", qos::at_most_once);

  sub.set_auto_ack(true);
  ack = sub.connect(persistent(version));
  ASSERT_TRUE(ack);
  EXPECT_TRUE(ack->session_present);
  const auto packets = sub.take_packets();
  // CONNACK, then the resent PUBLISH m1 (DUP, same id), the resent PUBREL
  // for m2, then the queued m3 and m4.
  ASSERT_GE(packets.size(), 5u) << describe(packets);
  const auto* resent = std::get_if<mqtt::publish>(&packets[1]);
  ASSERT_NE(resent, nullptr);
  EXPECT_TRUE(resent->dup) << "[MQTT-3.3.1-1]";
  EXPECT_EQ(resent->id, m1_id);
  EXPECT_EQ(resent->payload.view(), "m1");
  const auto* rel = std::get_if<mqtt::pubrel>(&packets[2]);
  ASSERT_NE(rel, nullptr) << describe(packets);
  EXPECT_EQ(rel->id, m2_id);
  EXPECT_EQ(sub.payloads(), (std::vector<std::string>{"m1", "m3", "m4"}));
  for (std::size_t i = 1; i < sub.messages().size(); ++i)
    EXPECT_FALSE(sub.messages()[i].dup) << "first delivery of " << sub.messages()[i].topic;

  // Subscriptions survived, and after the acknowledgements nothing is left.
  pub.publish("s/6", "m6", qos::at_least_once);
  EXPECT_EQ(sub.payloads().back(), "m6");
  sub.drop();
  sub.clear_messages();
  ack = sub.connect(persistent(version));
  ASSERT_TRUE(ack && ack->session_present);
  EXPECT_TRUE(sub.messages().empty()) << "everything was acknowledged";
}

INSTANTIATE_TEST_SUITE_P(Versions, Resume, ::testing::Values(v::v3_1_1, v::v5),
                         [](const auto& info) {
                           return info.param == v::v5 ? std::string("v5") : std::string("v311");
                         });

// Clean start discards the stored session: Session Present 0
// [MQTT-3.2.2-1], no subscriptions, no queued messages [MQTT-3.1.2-6]
// (3.1.1).
TEST(Sessions, CleanStartDiscardsOldSession_MQTT_3_1_2_6_MQTT_3_2_2_1) {
  world w(2);
  test_client pub(w, "pub", v::v3_1_1, 0);
  test_client sub(w, "sub", v::v3_1_1, 1);
  ASSERT_TRUE(pub.connect());
  ASSERT_TRUE(sub.connect(persistent(v::v3_1_1)));
  ASSERT_TRUE(sub.subscribe("c/#", qos::at_least_once));
  sub.disconnect();
  pub.publish("c/1", "queued", qos::at_least_once);
  EXPECT_EQ(w.b.session_count(), 2u);

  auto ack = sub.connect();  // clean start
  ASSERT_TRUE(ack);
  EXPECT_FALSE(ack->session_present);
  EXPECT_TRUE(sub.messages().empty()) << "the queue went with the old session";
  pub.publish("c/2", "after", qos::at_least_once);
  EXPECT_TRUE(sub.messages().empty()) << "so did the subscription";
  EXPECT_EQ(w.b.subscription_count(), 0u);

  // A clean session ends with its connection.
  sub.disconnect();
  EXPECT_EQ(w.b.session_count(), 1u);
}

// Take-over from another worker: the old connection is closed, a v5 one
// after DISCONNECT 0x8E [MQTT-3.1.4-3]; the session moves to the new
// worker with its inflight message, which is resent with DUP
// [MQTT-4.4.0-1], and new messages follow it there.
TEST(Sessions, TakeOverFromAnotherWorker_MQTT_3_1_4_3) {
  world w(3);
  test_client pub(w, "pub", v::v5, 2);
  test_client first(w, "dev", v::v5, 0);
  test_client second(w, "dev", v::v5, 1);
  ASSERT_TRUE(pub.connect());
  ASSERT_TRUE(first.connect(persistent(v::v5)));
  ASSERT_TRUE(first.subscribe("d/#", qos::at_least_once));
  first.set_auto_ack(false);
  pub.publish("d/1", "inflight", qos::at_least_once);
  ASSERT_EQ(first.payloads(), std::vector<std::string>{"inflight"});
  const auto inflight_id = first.messages()[0].id;

  auto ack = second.connect(persistent(v::v5));
  ASSERT_TRUE(ack);
  EXPECT_TRUE(ack->session_present);
  // The first connection: DISCONNECT 0x8E, then closed.
  const auto d = all_of_type<mqtt::disconnect>(first.packets());
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].reason, mqtt::reason_code::session_taken_over);
  EXPECT_TRUE(first.conn().close_requested());
  EXPECT_TRUE(first.conn().finished());
  // The second: the inflight message again, DUP, same packet id.
  ASSERT_EQ(second.messages().size(), 1u);
  EXPECT_EQ(second.messages()[0].payload.view(), "inflight");
  EXPECT_TRUE(second.messages()[0].dup);
  EXPECT_EQ(second.messages()[0].id, inflight_id);

  pub.publish("d/2", "next", qos::at_least_once);
  EXPECT_EQ(second.payloads(), (std::vector<std::string>{"inflight", "next"}));
  EXPECT_EQ(first.payloads(), std::vector<std::string>{"inflight"});
  // The old connection's late PUBACK is lost with it.
  EXPECT_FALSE(first.conn().send(mqtt::puback{inflight_id, {}, {}}));
  EXPECT_EQ(w.b.session_count(), 2u);
  EXPECT_EQ(broker_stats::get(w.b.stats().clients_connected), 2u);

  // The session now lives on worker 1: a sweep there sees it attached, a
  // sweep on worker 0 does not own it.
  w.clock.advance(seconds(7200));
  w.expire_sessions(0);
  w.expire_sessions(1);
  EXPECT_EQ(w.b.session_count(), 2u);
}

// 3.1.1 take-over: no DISCONNECT exists for the old client, it is just
// closed [MQTT-3.1.4-2].
TEST(Sessions, TakeOverV311ClosesOldConnection_MQTT_3_1_4_2) {
  world w(2);
  test_client first(w, "dev", v::v3_1_1, 0);
  test_client second(w, "dev", v::v3_1_1, 1);
  ASSERT_TRUE(first.connect(persistent(v::v3_1_1)));
  ASSERT_TRUE(first.subscribe("d", qos::at_least_once));
  auto ack = second.connect(persistent(v::v3_1_1));
  ASSERT_TRUE(ack);
  EXPECT_TRUE(ack->session_present);
  EXPECT_TRUE(first.conn().finished());
  EXPECT_TRUE(all_of_type<mqtt::disconnect>(first.packets()).empty());
  test_client pub(w, "pub", v::v3_1_1, 0);
  ASSERT_TRUE(pub.connect());
  pub.publish("d", "x", qos::at_least_once);
  EXPECT_EQ(second.payloads(), std::vector<std::string>{"x"});
}

// Clean start from another worker while the old connection is up: the old
// one is closed with 0x8E and its session ends [MQTT-3.1.2-4] (v5); the new
// one starts empty.
TEST(Sessions, CleanStartTakeOverFromAnotherWorkerEndsOldSession_MQTT_3_1_2_4) {
  world w(2);
  test_client pub(w, "pub", v::v5, 0);
  test_client first(w, "dev", v::v5, 0);
  test_client second(w, "dev", v::v5, 1);
  ASSERT_TRUE(pub.connect());
  ASSERT_TRUE(first.connect(persistent(v::v5)));
  ASSERT_TRUE(first.subscribe("d/#", qos::at_least_once));
  first.set_auto_ack(false);
  pub.publish("d/1", "inflight", qos::at_least_once);

  connect_options o = persistent(v::v5);
  o.clean_start = true;
  auto ack = second.connect(o);
  ASSERT_TRUE(ack);
  EXPECT_FALSE(ack->session_present);
  EXPECT_TRUE(first.conn().finished());
  const auto d = all_of_type<mqtt::disconnect>(first.packets());
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].reason, mqtt::reason_code::session_taken_over);
  EXPECT_TRUE(second.messages().empty()) << "nothing resent from the old session";
  pub.publish("d/2", "x", qos::at_least_once);
  EXPECT_TRUE(second.messages().empty()) << "no subscription";
  EXPECT_EQ(w.b.subscription_count(), 0u);
  EXPECT_EQ(w.b.session_count(), 2u);
}

// A session that lasts only as long as its connection (3.1.1 clean session
// 1, v5 expiry 0) ends when a take-over closes that connection: its state
// is not reused by the new connection [MQTT-3.1.2-6] (3.1.1), even one
// asking to resume, which therefore gets Session Present 0.
class TakeOverOfCleanSession : public ::testing::TestWithParam<protocol_version> {};

TEST_P(TakeOverOfCleanSession, StateNotReused_MQTT_3_1_2_6) {
  const auto version = GetParam();
  world w(2);
  test_client pub(w, "pub", version, 0);
  test_client first(w, "dev", version, 0);
  test_client second(w, "dev", version, 1);
  ASSERT_TRUE(pub.connect());
  ASSERT_TRUE(first.connect());  // clean start, v5 expiry 0
  ASSERT_TRUE(first.subscribe("d", qos::at_least_once));

  auto ack = second.connect(persistent(version));
  ASSERT_TRUE(ack);
  EXPECT_TRUE(first.conn().finished());
  EXPECT_FALSE(ack->session_present) << "the old session ended with its connection";
  pub.publish("d", "x", qos::at_least_once);
  EXPECT_TRUE(second.messages().empty()) << "the old subscription was reused";
  EXPECT_EQ(w.b.subscription_count(), 0u);
}

INSTANTIATE_TEST_SUITE_P(Versions, TakeOverOfCleanSession, ::testing::Values(v::v3_1_1, v::v5),
                         [](const auto& info) {
                           return info.param == v::v5 ? std::string("v5") : std::string("v311");
                         });

// Offline, a session keeps at most max_queued_messages; past that the
// newest messages are dropped (as mosquitto does) and counted.
TEST(Sessions, OfflineQueueBoundDropsNewest) {
  broker_config config;
  config.max_queued_messages = 3;
  world w(2, config);
  test_client pub(w, "pub", v::v3_1_1, 0);
  test_client sub(w, "sub", v::v3_1_1, 1);
  ASSERT_TRUE(pub.connect());
  ASSERT_TRUE(sub.connect(persistent(v::v3_1_1)));
  ASSERT_TRUE(sub.subscribe("o", qos::exactly_once));
  sub.disconnect();
  for (int i = 1; i <= 5; ++i) {
    const auto id =
        pub.publish("o", "m" + std::to_string(i), i % 2 ? qos::at_least_once : qos::exactly_once);
    EXPECT_TRUE(pub.completed(id)) << "the publisher is not held for an offline session";
  }
  EXPECT_EQ(broker_stats::get(w.b.stats().dropped_queue_full), 2u);
  auto ack = sub.connect(persistent(v::v3_1_1));
  ASSERT_TRUE(ack && ack->session_present);
  EXPECT_EQ(sub.payloads(), (std::vector<std::string>{"m1", "m2", "m3"}));
}

// max_queued_bytes bounds the queued payload bytes the same way.
TEST(Sessions, OfflineQueueByteBoundDropsNewest) {
  broker_config config;
  config.max_queued_bytes = 10;
  world w(2, config);
  test_client pub(w, "pub", v::v3_1_1, 0);
  test_client sub(w, "sub", v::v3_1_1, 1);
  ASSERT_TRUE(pub.connect());
  ASSERT_TRUE(sub.connect(persistent(v::v3_1_1)));
  ASSERT_TRUE(sub.subscribe("o", qos::at_least_once));
  sub.disconnect();
  for (const char* payload : {"1234", "5678", "abcd", "xy"}) {
    EXPECT_TRUE(pub.completed(pub.publish("o", payload, qos::at_least_once)));
  }
  // 4 + 4 fit, 4 more would make 12 > 10, the last 2 make exactly 10.
  EXPECT_EQ(broker_stats::get(w.b.stats().dropped_queue_full), 1u);
  auto ack = sub.connect(persistent(v::v3_1_1));
  ASSERT_TRUE(ack && ack->session_present);
  EXPECT_EQ(sub.payloads(), (std::vector<std::string>{"1234", "5678", "xy"}));
}

// A v5 publisher whose message only a full offline queue would take is
// told so (PUBACK / PUBREC 0x97) and nothing is kept; a 3.1.1 publisher
// cannot be told: acknowledged and dropped, as mosquitto does. Either way
// the drop is counted.
TEST(Sessions, FullOfflineQueueAnswersV5PublisherWithQuotaExceeded) {
  broker_config config;
  config.max_queued_messages = 2;
  world w(2, config);
  test_client five(w, "five", v::v5, 0);
  test_client three(w, "three", v::v3_1_1, 0);
  test_client sub(w, "sub", v::v5, 1);
  ASSERT_TRUE(five.connect());
  ASSERT_TRUE(three.connect());
  ASSERT_TRUE(sub.connect(persistent(v::v5)));
  ASSERT_TRUE(sub.subscribe("o", qos::exactly_once));
  sub.disconnect();
  five.publish("o", "m1", qos::at_least_once);
  five.publish("o", "m2", qos::at_least_once);
  five.take_packets();
  five.publish("o", "refused1", qos::at_least_once);
  five.publish("o", "refused2", qos::exactly_once);
  three.publish("o", "dropped", qos::at_least_once);
  const auto acks = all_of_type<mqtt::puback>(five.packets());
  ASSERT_EQ(acks.size(), 1u) << describe(five.packets());
  EXPECT_EQ(acks[0].reason, mqtt::reason_code::quota_exceeded);
  const auto recs = all_of_type<mqtt::pubrec>(five.packets());
  ASSERT_EQ(recs.size(), 1u) << describe(five.packets());
  EXPECT_EQ(recs[0].reason, mqtt::reason_code::quota_exceeded);
  ASSERT_EQ(all_of_type<mqtt::puback>(three.packets()).size(), 1u);
  EXPECT_EQ(all_of_type<mqtt::puback>(three.packets())[0].reason, mqtt::reason_code::success);
  EXPECT_EQ(broker_stats::get(w.b.stats().dropped_queue_full), 3u);
  ASSERT_TRUE(sub.connect(persistent(v::v5)));
  EXPECT_EQ(sub.payloads(), (std::vector<std::string>{"m1", "m2"}));
  // Drained and offline again: the queue takes messages again.
  sub.disconnect();
  five.take_packets();
  five.publish("o", "m3", qos::at_least_once);
  ASSERT_EQ(all_of_type<mqtt::puback>(five.packets()).size(), 1u);
  EXPECT_EQ(all_of_type<mqtt::puback>(five.packets())[0].reason, mqtt::reason_code::success);
}

// With a second target the message is taken, so the publisher hears
// success; the full queue drops its copy and counts it.
TEST(Sessions, FullOfflineQueueIsNotReportedWhenAnotherSubscriberTakesTheMessage) {
  broker_config config;
  config.max_queued_messages = 1;
  world w(2, config);
  test_client five(w, "five", v::v5, 0);
  test_client full(w, "full", v::v5, 1);
  test_client other(w, "other", v::v5, 1);
  ASSERT_TRUE(five.connect());
  ASSERT_TRUE(full.connect(persistent(v::v5)));
  ASSERT_TRUE(full.subscribe("o", qos::at_least_once));
  full.disconnect();
  five.publish("o", "fills", qos::at_least_once);
  ASSERT_TRUE(other.connect());
  ASSERT_TRUE(other.subscribe("o", qos::at_least_once));
  five.take_packets();
  five.publish("o", "two targets", qos::at_least_once);
  const auto acks = all_of_type<mqtt::puback>(five.packets());
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_EQ(acks[0].reason, mqtt::reason_code::success);
  EXPECT_EQ(other.payloads(), (std::vector<std::string>{"two targets"}));
  EXPECT_EQ(broker_stats::get(w.b.stats().dropped_queue_full), 1u);
}

// Nobody subscribed: a v5 publisher hears 0x10 (spec 3.4.2.1, as
// mosquitto), a 3.1.1 one a plain PUBACK; a retained message is taken.
TEST(Sessions, NoSubscribersAnswersV5PublisherWithNoMatchingSubscribers) {
  world w(1);
  test_client five(w, "five", v::v5, 0);
  test_client three(w, "three", v::v3_1_1, 0);
  ASSERT_TRUE(five.connect());
  ASSERT_TRUE(three.connect());
  five.publish("nobody", "x", qos::at_least_once);
  five.publish("nobody", "kept", qos::at_least_once, true);
  three.publish("nobody", "x", qos::at_least_once);
  const auto acks = all_of_type<mqtt::puback>(five.packets());
  ASSERT_EQ(acks.size(), 2u);
  EXPECT_EQ(acks[0].reason, mqtt::reason_code::no_matching_subscribers);
  EXPECT_EQ(acks[1].reason, mqtt::reason_code::success);
  ASSERT_EQ(all_of_type<mqtt::puback>(three.packets()).size(), 1u);
  EXPECT_EQ(all_of_type<mqtt::puback>(three.packets())[0].reason, mqtt::reason_code::success);
}

// QoS 0 is queued for an offline session only with queue_qos0_messages.
TEST(Sessions, OfflineQos0QueuedOnlyWhenConfigured) {
  for (const bool queue_qos0 : {false, true}) {
    broker_config config;
    config.queue_qos0_messages = queue_qos0;
    world w(2, config);
    test_client pub(w, "pub", v::v3_1_1, 0);
    test_client sub(w, "sub", v::v3_1_1, 1);
    ASSERT_TRUE(pub.connect());
    ASSERT_TRUE(sub.connect(persistent(v::v3_1_1)));
    ASSERT_TRUE(sub.subscribe("o", qos::at_least_once));
    sub.drop();
    pub.publish("o", "zero", qos::at_most_once);
    pub.publish("o", "one", qos::at_least_once);
    ASSERT_TRUE(sub.connect(persistent(v::v3_1_1)));
    EXPECT_EQ(sub.payloads(), queue_qos0 ? (std::vector<std::string>{"zero", "one"})
                                         : (std::vector<std::string>{"one"}))
        << "queue_qos0_messages " << queue_qos0;
  }
}

// v5 Session Expiry Interval: the session outlives its connection for that
// long [MQTT-3.1.2-23], then the sweep on its worker ends it.
TEST(Sessions, V5SessionExpires_MQTT_3_1_2_23) {
  world w(2);
  test_client pub(w, "pub", v::v5, 0);
  test_client sub(w, "sub", v::v5, 1);
  ASSERT_TRUE(pub.connect());
  connect_options o;
  o.clean_start = false;
  o.session_expiry = 10;
  ASSERT_TRUE(sub.connect(o));
  ASSERT_TRUE(sub.subscribe("e", qos::at_least_once));
  sub.drop();
  pub.publish("e", "while away", qos::at_least_once);
  ASSERT_EQ(w.b.session_count(), 2u);

  w.clock.advance(seconds(5));
  w.expire_sessions(0);
  w.expire_sessions(1);
  EXPECT_EQ(w.b.session_count(), 2u) << "5 s of 10";
  w.clock.advance(seconds(6));
  w.expire_sessions(0);
  EXPECT_EQ(w.b.session_count(), 2u) << "only the owner's sweep ends it";
  w.expire_sessions(1);
  EXPECT_EQ(w.b.session_count(), 1u);
  EXPECT_EQ(broker_stats::get(w.b.stats().clients_expired), 1u);
  EXPECT_EQ(w.b.subscription_count(), 0u);

  auto ack = sub.connect(o);
  ASSERT_TRUE(ack);
  EXPECT_FALSE(ack->session_present);
  EXPECT_TRUE(sub.messages().empty()) << "its queue expired with it";
}

// v5: expiry 0 ends the session with the connection [MQTT-3.1.2-6]... and
// DISCONNECT may lengthen a non-zero expiry [MQTT-3.14.2-2] allows only
// that, not reviving a zero one.
TEST(Sessions, V5ExpiryZeroEndsAtCloseAndDisconnectMayChangeIt) {
  world w(2);
  test_client c(w, "c", v::v5, 1);
  connect_options o;
  o.clean_start = false;
  o.session_expiry = 0;
  ASSERT_TRUE(c.connect(o));
  ASSERT_TRUE(c.subscribe("z", qos::at_least_once));
  c.drop();
  EXPECT_EQ(w.b.session_count(), 0u);

  o.session_expiry = 1;
  ASSERT_TRUE(c.connect(o));
  c.disconnect(mqtt::reason_code::normal_disconnection, 600);
  w.clock.advance(seconds(2));
  w.expire_sessions(1);
  EXPECT_EQ(w.b.session_count(), 1u) << "DISCONNECT raised it to 600 s";
  w.clock.advance(seconds(600));
  w.expire_sessions(1);
  EXPECT_EQ(w.b.session_count(), 0u);
}

}  // namespace
}  // namespace tern::broker::test
