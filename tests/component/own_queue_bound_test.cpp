// A session with a queue bound of its own (a bridge's local session with
// bridge_max_queued_messages) refuses at the bound instead of dropping:
// a v5 publisher gets 0x97 and the message goes nowhere, a 3.1.1 publisher
// waits for its PUBACK until the queue drains, QoS 0 is dropped, and
// nothing acknowledged is lost. Other sessions keep the global bound.
#include <gtest/gtest.h>

#include "broker_world.hpp"

namespace tern::broker::test {
namespace {

using v = protocol_version;

struct OwnQueueBound : ::testing::Test {
  static connect_options persistent() {
    connect_options o;
    o.clean_start = false;  // the session outlives the connection
    return o;
  }
  static broker_config config() {
    broker_config c;
    c.max_queued_messages = 100;  // the global bound, for everyone else
    c.own_queue_bounds["local.bridge"] = queue_bound{2, 0};
    return c;
  }
  OwnQueueBound() {
    five.connect();
    three.connect();
    other.connect(persistent());
    other.subscribe("out/#", qos::at_least_once);
    bridge.connect(persistent());
    bridge.subscribe("out/#", qos::at_least_once);
    bridge.disconnect();  // the link to the remote is down: the queue grows
  }
  world w{2, config()};
  test_client five{w, "five", v::v5, 0};
  test_client three{w, "three", v::v3_1_1, 0};
  test_client other{w, "other", v::v3_1_1, 1};
  test_client bridge{w, "local.bridge", v::v3_1_1, 1};
};

TEST_F(OwnQueueBound, AV5PublisherIsRefusedAtTheBoundAndTheMessageGoesNowhere) {
  EXPECT_TRUE(five.completed(five.publish("out/a", "m1", qos::at_least_once)));
  EXPECT_TRUE(five.completed(five.publish("out/a", "m2", qos::at_least_once)));
  five.take_packets();
  five.publish("out/a", "refused", qos::at_least_once);
  const auto acks = all_of_type<mqtt::puback>(five.packets());
  ASSERT_EQ(acks.size(), 1u) << describe(five.packets());
  EXPECT_EQ(acks[0].reason, mqtt::reason_code::quota_exceeded);
  five.publish("out/a", "zero", qos::at_most_once);  // dropped for the bridge only
  EXPECT_EQ(other.payloads(), (std::vector<std::string>{"m1", "m2", "zero"}))
      << "a refused message reaches no one, so that 0x97 is true";
  const auto ack = bridge.connect(persistent());
  ASSERT_TRUE(ack && ack->session_present);
  EXPECT_EQ(bridge.payloads(), (std::vector<std::string>{"m1", "m2"}));
}

TEST_F(OwnQueueBound, A311PublisherWaitsForItsPubackUntilTheQueueDrains) {
  EXPECT_TRUE(three.completed(three.publish("out/a", "m1", qos::at_least_once)));
  EXPECT_TRUE(three.completed(three.publish("out/a", "m2", qos::at_least_once)));
  // At the bound: it cannot be refused, so it is kept and its PUBACK waits.
  const auto held = three.publish("out/a", "m3", qos::at_least_once);
  EXPECT_FALSE(three.completed(held)) << "PUBACK while the bridge's queue is at its bound";
  EXPECT_EQ(broker_stats::get(w.b.stats().dropped_queue_full), 0u);
  // The remote is back: the queue drains and the publisher goes on.
  const auto ack = bridge.connect(persistent());
  ASSERT_TRUE(ack && ack->session_present);
  EXPECT_EQ(bridge.payloads(), (std::vector<std::string>{"m1", "m2", "m3"}));
  EXPECT_TRUE(three.completed(held));
  EXPECT_EQ(other.payloads(), (std::vector<std::string>{"m1", "m2", "m3"}));
}

TEST_F(OwnQueueBound, OtherSessionsKeepTheGlobalBoundThatDrops) {
  test_client device(w, "device", v::v3_1_1, 1);
  device.connect(persistent());
  device.subscribe("dev", qos::at_least_once);
  device.disconnect();
  for (int i = 0; i < 101; ++i)
    EXPECT_TRUE(five.completed(five.publish("dev", "x", qos::at_least_once)));
  five.take_packets();
  five.publish("dev", "over", qos::at_least_once);
  const auto acks = all_of_type<mqtt::puback>(five.packets());
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_EQ(acks[0].reason, mqtt::reason_code::quota_exceeded)
      << "the only target's queue is full: dropped and reported, as before";
}

}  // namespace
}  // namespace tern::broker::test
