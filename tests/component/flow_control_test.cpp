// Flow control through the whole core: a subscriber that does not
// acknowledge fills its inflight window and its queue; its publishers'
// acknowledgements are then held until it drains, and nothing is lost.
// QoS 0 to a consumer whose output backlog is too large is dropped.
#include <gtest/gtest.h>

#include "broker_world.hpp"

namespace tern::broker::test {
namespace {

using v = protocol_version;

broker_config small_windows() {
  broker_config config;
  config.limits.max_inflight = 2;
  config.max_queued_messages = 4;  // congested at 4 queued, drained at 2
  return config;
}

std::vector<std::string> numbered(int from, int to) {
  std::vector<std::string> out;
  for (int i = from; i <= to; ++i)
    out.push_back("m" + std::to_string(i));
  return out;
}

TEST(Backpressure, CongestedSubscriberHoldsPublisherAcksAndLosesNothing) {
  world w(2, small_windows());
  test_client pub(w, "pub", v::v3_1_1, 0);
  test_client sub(w, "sub", v::v3_1_1, 1);
  ASSERT_TRUE(pub.connect());
  ASSERT_TRUE(sub.connect());
  ASSERT_TRUE(sub.subscribe("bp", qos::at_least_once));
  sub.set_auto_ack(false);

  std::vector<mqtt::packet_id> ids;
  for (int i = 1; i <= 10; ++i)
    ids.push_back(pub.publish("bp", "m" + std::to_string(i), qos::at_least_once));

  // The window (2) went out; 8 wait in the queue, past max_queued_messages
  // because QoS 1 to a connected subscriber is never dropped.
  EXPECT_EQ(sub.payloads(), numbered(1, 2));
  EXPECT_EQ(broker_stats::get(w.b.stats().dropped_queue_full), 0u);
  // The 6th filled the queue to the bound; from the 7th on, PUBACK waits.
  for (int i = 0; i < 6; ++i)
    EXPECT_TRUE(pub.completed(ids[i])) << "m" << i + 1;
  for (int i = 6; i < 10; ++i)
    EXPECT_FALSE(pub.completed(ids[i])) << "m" << i + 1 << " should be held";
  EXPECT_TRUE(pub.conn().handler().wants_input()) << "a few held acks do not stop reading";

  // Acknowledging 2 moves 2 more into the window: 6 still queued, still
  // congested. 2 more: 4 queued. 2 more: 2 queued, half the bound: drained.
  sub.ack(2);
  sub.ack(2);
  EXPECT_EQ(sub.payloads(), numbered(1, 6));
  EXPECT_FALSE(pub.completed(ids[6]));
  const auto resumes = pub.conn().resume_input_calls();
  sub.ack(2);
  EXPECT_EQ(sub.payloads(), numbered(1, 8));
  for (int i = 6; i < 10; ++i)
    EXPECT_TRUE(pub.completed(ids[i])) << "m" << i + 1 << " released";
  EXPECT_GT(pub.conn().resume_input_calls(), resumes);
  // The held PUBACKs came in order.
  const auto acks = all_of_type<mqtt::puback>(pub.packets());
  ASSERT_EQ(acks.size(), 10u);
  for (int i = 0; i < 10; ++i)
    EXPECT_EQ(acks[i].id, ids[i]);

  // Not congested any more: the next one is acknowledged at once.
  const auto next = pub.publish("bp", "m11", qos::at_least_once);
  EXPECT_TRUE(pub.completed(next));
  while (sub.unacked() > 0)
    sub.ack();
  EXPECT_EQ(sub.payloads(), numbered(1, 11)) << "every message, once, in order";
}

// A publisher that ignores flow control (keeps publishing without its
// PUBACKs) is not read any more once 1024 acknowledgements are held, and is
// read again once the subscriber drains.
TEST(Backpressure, PublisherIgnoringFlowControlIsNotRead) {
  world w(2, small_windows());
  test_client pub(w, "pub", v::v3_1_1, 0);
  test_client sub(w, "sub", v::v3_1_1, 1);
  ASSERT_TRUE(pub.connect());
  ASSERT_TRUE(sub.connect());
  ASSERT_TRUE(sub.subscribe("bp", qos::at_least_once));
  sub.set_auto_ack(false);

  constexpr int total = 6 + 1024 + 5;
  for (int i = 1; i <= total; ++i) {
    pub.start_publish("bp", "m" + std::to_string(i), qos::at_least_once);
    w.settle();
  }
  EXPECT_FALSE(pub.conn().handler().wants_input());
  EXPECT_GT(pub.conn().unread_bytes(), 0u) << "the last publications wait in the socket";
  EXPECT_EQ(all_of_type<mqtt::puback>(pub.packets()).size(), 6u);

  while (sub.unacked() > 0)
    sub.ack();
  EXPECT_EQ(pub.conn().unread_bytes(), 0u);
  EXPECT_EQ(all_of_type<mqtt::puback>(pub.packets()).size(), static_cast<std::size_t>(total));
  EXPECT_EQ(sub.payloads(), numbered(1, total));
}

// Deliveries on their way to the subscriber's worker count toward its
// congestion: a publisher on another worker waits once half a threshold of
// them is on the way, before the subscriber's queue shows any, and goes on
// once they arrive.
TEST(Backpressure, DeliveriesOnTheWayHoldPublishersOnOtherWorkers) {
  broker_config config;
  config.limits.max_inflight = 2;
  config.max_queued_messages = 8;  // congested at 8 queued, or 4 on the way
  world w(2, config);
  test_client pub(w, "pub", v::v3_1_1, 0);
  test_client sub(w, "sub", v::v3_1_1, 1);
  ASSERT_TRUE(pub.connect());
  ASSERT_TRUE(sub.connect());
  ASSERT_TRUE(sub.subscribe("bp", qos::at_least_once));

  // The subscriber's worker does not run meanwhile.
  std::vector<mqtt::packet_id> ids;
  for (int i = 1; i <= 6; ++i) {
    ids.push_back(pub.start_publish("bp", "m" + std::to_string(i), qos::at_least_once));
    while (w.workers.run_one(0)) {
    }
  }
  pub.process();
  EXPECT_EQ(w.workers.pending(1), 6u) << "one post per publication";
  for (int i = 0; i < 3; ++i)
    EXPECT_TRUE(pub.completed(ids[i])) << "m" << i + 1;
  for (int i = 3; i < 6; ++i)
    EXPECT_FALSE(pub.completed(ids[i])) << "m" << i + 1 << " should wait";

  w.settle();
  for (auto id : ids)
    EXPECT_TRUE(pub.completed(id));
  EXPECT_EQ(sub.payloads(), numbered(1, 6));
  const auto next = pub.publish("bp", "m7", qos::at_least_once);
  EXPECT_TRUE(pub.completed(next)) << "nothing on the way any more";
}

// A congested subscriber that goes away wakes its publishers: an offline
// session's queue is bounded (drops) instead of holding them.
TEST(Backpressure, SubscriberLeavingReleasesHeldAcks) {
  world w(2, small_windows());
  test_client pub(w, "pub", v::v3_1_1, 0);
  test_client sub(w, "sub", v::v3_1_1, 1);
  ASSERT_TRUE(pub.connect());
  connect_options o;
  o.clean_start = false;
  ASSERT_TRUE(sub.connect(o));
  ASSERT_TRUE(sub.subscribe("bp", qos::at_least_once));
  sub.set_auto_ack(false);
  std::vector<mqtt::packet_id> ids;
  for (int i = 1; i <= 8; ++i)
    ids.push_back(pub.publish("bp", "m" + std::to_string(i), qos::at_least_once));
  EXPECT_FALSE(pub.completed(ids.back()));
  sub.drop();
  for (auto id : ids)
    EXPECT_TRUE(pub.completed(id));
  // Back online, it gets all of them: 2 inflight (resent) and 6 queued.
  sub.set_auto_ack(true);
  ASSERT_TRUE(sub.connect(o));
  EXPECT_EQ(sub.payloads(),
            (std::vector<std::string>{"m1", "m2", "m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8"}));
}

// v5: no more QoS 1/2 messages in flight to a client than its Receive
// Maximum [MQTT-3.3.4-7]; the rest wait in the session queue.
TEST(FlowControl, ClientReceiveMaximumBoundsInflight_MQTT_3_3_4_7) {
  world w(2);
  test_client pub(w, "pub", v::v5, 0);
  test_client sub(w, "sub", v::v5, 1);
  ASSERT_TRUE(pub.connect());
  connect_options o;
  o.receive_maximum = 1;
  ASSERT_TRUE(sub.connect(o));
  ASSERT_TRUE(sub.subscribe("rm", qos::exactly_once));
  sub.set_auto_ack(false);
  pub.publish("rm", "a", qos::at_least_once);
  pub.publish("rm", "b", qos::exactly_once);
  pub.publish("rm", "c", qos::at_least_once);
  pub.publish("rm", "zero", qos::at_most_once);  // QoS 0 is not counted, but keeps its place
  EXPECT_EQ(sub.payloads(), std::vector<std::string>{"a"});
  sub.ack();
  EXPECT_EQ(sub.payloads(), (std::vector<std::string>{"a", "b"}));
  sub.ack();  // PUBREC; the PUBCOMP is still owed
  EXPECT_EQ(sub.payloads(), (std::vector<std::string>{"a", "b"}));
  sub.ack();  // PUBCOMP
  EXPECT_EQ(sub.payloads(), (std::vector<std::string>{"a", "b", "c", "zero"}));
}

// QoS 0 to a connection whose unwritten output passed max_output_bytes is
// dropped and counted; QoS 1 is not.
TEST(SlowConsumer, Qos0DroppedPastOutputBacklog) {
  broker_config config;
  config.max_output_bytes = 1000;
  world w(2, config);
  test_client pub(w, "pub", v::v3_1_1, 0);
  test_client sub(w, "sub", v::v3_1_1, 1);
  ASSERT_TRUE(pub.connect());
  ASSERT_TRUE(sub.connect());
  ASSERT_TRUE(sub.subscribe("slow", qos::at_least_once));
  sub.conn().stall();

  const std::string payload(100, 'x');
  constexpr int sent = 30;
  for (int i = 0; i < sent; ++i)
    pub.publish("slow", payload, qos::at_most_once);
  const auto dropped = broker_stats::get(w.b.stats().dropped_qos0_backlog);
  EXPECT_GT(dropped, 0u);
  EXPECT_LT(dropped, static_cast<std::uint64_t>(sent - 8)) << "about 1000 bytes went out";
  EXPECT_GT(sub.conn().backlog(), 1000u);
  const auto q1 = pub.publish("slow", "important", qos::at_least_once);
  EXPECT_TRUE(pub.completed(q1));

  sub.conn().unstall();
  w.settle();
  ASSERT_EQ(sub.messages().size(), sent - dropped + 1);
  EXPECT_EQ(sub.payloads().back(), "important");
  EXPECT_EQ(broker_stats::get(w.b.stats().dropped_qos0_backlog), dropped);

  // With the backlog gone, QoS 0 flows again.
  pub.publish("slow", "after", qos::at_most_once);
  EXPECT_EQ(sub.payloads().back(), "after");
  EXPECT_EQ(broker_stats::get(w.b.stats().dropped_qos0_backlog), dropped);
}

}  // namespace
}  // namespace tern::broker::test
