// Will messages: published when the network connection closes without
// DISCONNECT, not after a normal DISCONNECT.
#include <gtest/gtest.h>

#include "broker_world.hpp"

namespace tern::broker::test {
namespace {

using v = protocol_version;

mqtt::will_message will(const std::string& topic, const std::string& payload, qos q,
                        bool retain = false) {
  mqtt::will_message w;
  w.topic = topic;
  w.payload = mqtt::shared_bytes::copy_of(payload);
  w.qos = q;
  w.retain = retain;
  return w;
}

class Will : public ::testing::TestWithParam<protocol_version> {};

// The will is published when the connection closes without DISCONNECT
// [MQTT-3.1.2-8], at its QoS and, with the will retain flag, retained.
TEST_P(Will, PublishedWhenConnectionDrops_MQTT_3_1_2_8) {
  world w(2);
  test_client watcher(w, "watcher", v::v3_1_1, 0);
  test_client dying(w, "dying", GetParam(), 1);
  ASSERT_TRUE(watcher.connect());
  ASSERT_TRUE(watcher.subscribe("status/#", qos::exactly_once));
  connect_options o;
  o.will = will("status/dying", "gone", qos::at_least_once, /*retain=*/true);
  ASSERT_TRUE(dying.connect(o));
  EXPECT_TRUE(watcher.messages().empty());

  dying.drop();
  ASSERT_EQ(watcher.payloads(), std::vector<std::string>{"gone"});
  EXPECT_EQ(watcher.messages()[0].topic, "status/dying");
  EXPECT_EQ(watcher.messages()[0].qos, qos::at_least_once);
  EXPECT_EQ(w.b.retained_count(), 1u) << "will retain flag";

  // Published once: the connection is gone for good.
  w.settle();
  EXPECT_EQ(watcher.messages().size(), 1u);
}

// A normal DISCONNECT discards the will [MQTT-3.1.2-10].
TEST_P(Will, NotPublishedAfterDisconnect_MQTT_3_1_2_10) {
  world w(2);
  test_client watcher(w, "watcher", v::v3_1_1, 0);
  test_client leaving(w, "leaving", GetParam(), 1);
  ASSERT_TRUE(watcher.connect());
  ASSERT_TRUE(watcher.subscribe("status/#", qos::at_least_once));
  connect_options o;
  o.will = will("status/leaving", "gone", qos::at_least_once);
  ASSERT_TRUE(leaving.connect(o));
  leaving.disconnect();
  EXPECT_TRUE(leaving.conn().finished());
  leaving.conn().drop();  // the socket closing after DISCONNECT changes nothing
  w.settle();
  EXPECT_TRUE(watcher.messages().empty());
}

INSTANTIATE_TEST_SUITE_P(Versions, Will, ::testing::Values(v::v3_1_1, v::v5), [](const auto& info) {
  return info.param == v::v5 ? std::string("v5") : std::string("v311");
});

// v5: DISCONNECT with reason 0x04 asks for the will to be published.
TEST(WillV5, DisconnectWithWillMessagePublishesIt) {
  world w(2);
  test_client watcher(w, "watcher", v::v5, 0);
  test_client leaving(w, "leaving", v::v5, 1);
  ASSERT_TRUE(watcher.connect());
  ASSERT_TRUE(watcher.subscribe("status/#", qos::at_least_once));
  connect_options o;
  o.will = will("status/leaving", "bye", qos::at_most_once);
  ASSERT_TRUE(leaving.connect(o));
  leaving.disconnect(mqtt::reason_code::disconnect_with_will_message);
  EXPECT_EQ(watcher.payloads(), std::vector<std::string>{"bye"});
}

// A protocol violation closes the connection and publishes the will.
TEST(WillV5, PublishedAfterProtocolError) {
  world w(2);
  test_client watcher(w, "watcher", v::v5, 0);
  test_client bad(w, "bad", v::v5, 1);
  ASSERT_TRUE(watcher.connect());
  ASSERT_TRUE(watcher.subscribe("status/#", qos::at_least_once));
  connect_options o;
  o.will = will("status/bad", "broken", qos::at_least_once);
  ASSERT_TRUE(bad.connect(o));
  mqtt::connect again;
  again.version = v::v5;
  again.client_id = "bad";
  bad.conn().send(again);  // a second CONNECT [MQTT-3.1.0-2]
  w.settle();
  EXPECT_TRUE(bad.conn().finished());
  EXPECT_EQ(watcher.payloads(), std::vector<std::string>{"broken"});
}

// Keep alive: one and a half times the interval without a packet closes
// the connection [MQTT-3.1.2-24], v5 with DISCONNECT 0x8D, and the will is
// published.
TEST_P(Will, PublishedOnKeepAliveTimeout_MQTT_3_1_2_24) {
  world w(2);
  test_client watcher(w, "watcher", v::v3_1_1, 0);
  test_client silent(w, "silent", GetParam(), 1);
  ASSERT_TRUE(watcher.connect());
  ASSERT_TRUE(watcher.subscribe("status/#", qos::at_least_once));
  connect_options o;
  o.keep_alive = 10;
  o.will = will("status/silent", "timed out", qos::at_least_once);
  ASSERT_TRUE(silent.connect(o));

  w.clock.advance(std::chrono::seconds(14));
  silent.conn().fire_timer();
  w.settle();
  EXPECT_FALSE(silent.conn().finished()) << "14 s of 15";
  w.clock.advance(std::chrono::seconds(1));
  silent.conn().fire_timer();
  w.settle();
  EXPECT_TRUE(silent.conn().finished());
  EXPECT_EQ(watcher.payloads(), std::vector<std::string>{"timed out"});
  const auto d = all_of_type<mqtt::disconnect>(silent.packets());
  if (GetParam() == v::v5) {
    ASSERT_EQ(d.size(), 1u);
    EXPECT_EQ(d[0].reason, mqtt::reason_code::keep_alive_timeout);
  } else {
    EXPECT_TRUE(d.empty());
  }
}

// A session that outlives its connection, with a will on status/flaky
// delayed by `delay` seconds.
connect_options delayed_will(std::uint32_t session_expiry, std::uint32_t delay) {
  connect_options o;
  o.clean_start = false;
  o.session_expiry = session_expiry;
  o.will = will("status/flaky", "gone", qos::at_least_once);
  o.will->properties.will_delay_interval = delay;
  return o;
}

// v5 Will Delay Interval: a reconnection within the delay means the will
// is not sent [MQTT-3.1.3-9].
TEST(WillV5, DelayedWillCancelledByReconnect_MQTT_3_1_3_9) {
  world w(2);
  test_client watcher(w, "watcher", v::v5, 0);
  test_client flaky(w, "flaky", v::v5, 1);
  ASSERT_TRUE(watcher.connect());
  ASSERT_TRUE(watcher.subscribe("status/#", qos::at_least_once));
  const connect_options o = delayed_will(3600, 30);
  ASSERT_TRUE(flaky.connect(o));
  flaky.drop();
  w.clock.advance(std::chrono::seconds(5));
  ASSERT_TRUE(flaky.connect(o));
  EXPECT_TRUE(watcher.messages().empty());
}

TEST(WillV5, DelayedWillPublishedWhenTheDelayPasses_MQTT_3_1_3_9) {
  world w(2);
  test_client watcher(w, "watcher", v::v5, 0);
  test_client flaky(w, "flaky", v::v5, 1);
  ASSERT_TRUE(watcher.connect());
  ASSERT_TRUE(watcher.subscribe("status/#", qos::at_least_once));
  const connect_options o = delayed_will(3600, 30);
  ASSERT_TRUE(flaky.connect(o));
  flaky.drop();
  w.clock.advance(std::chrono::seconds(29));
  w.expire_sessions(1);
  EXPECT_TRUE(watcher.messages().empty()) << "29 s of 30";
  w.clock.advance(std::chrono::seconds(2));
  w.expire_sessions(1);
  w.settle();
  const auto got = watcher.messages();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].payload.view(), "gone");
}

TEST(WillV5, DelayedWillPublishedWhenTheSessionEndsFirst_MQTT_3_1_3_9) {
  world w(2);
  test_client watcher(w, "watcher", v::v5, 0);
  test_client flaky(w, "flaky", v::v5, 1);
  ASSERT_TRUE(watcher.connect());
  ASSERT_TRUE(watcher.subscribe("status/#", qos::at_least_once));
  const connect_options o = delayed_will(10, 60);
  ASSERT_TRUE(flaky.connect(o));
  flaky.drop();
  w.clock.advance(std::chrono::seconds(11));
  w.expire_sessions(1);
  w.settle();
  ASSERT_EQ(watcher.messages().size(), 1u) << "the session expired at 10 s, before the delay";
}

}  // namespace
}  // namespace tern::broker::test
