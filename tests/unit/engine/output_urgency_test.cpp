// output_urgent(): only QoS 0 deliveries may wait to share a write; anything
// the client waits for makes the output urgent.
#include "engine_fixture.hpp"

namespace tern::mqtt::test {
namespace {

using v = protocol_version;
using output_urgency = engine_fixture;

TEST_F(output_urgency, ConnackIsUrgent) {
  connect c;
  c.version = v::v3_1_1;
  c.client_id = "client";
  send(c, v::v3_1_1);
  events();
  engine_.accept(state_, false, {});
  EXPECT_TRUE(engine_.output_urgent());
  written(v::v3_1_1);
  EXPECT_FALSE(engine_.output_urgent()) << "taking the output clears it";
}

TEST_F(output_urgency, QoS0DeliveriesMayWait) {
  connect_and_accept(v::v3_1_1);
  EXPECT_TRUE(engine_.send_publish(make_delivery("a", "x", qos::at_most_once)));
  EXPECT_TRUE(engine_.send_publish(make_delivery("a", "y", qos::at_most_once)));
  EXPECT_GT(engine_.output_size(), 0u);
  EXPECT_FALSE(engine_.output_urgent());
}

TEST_F(output_urgency, QoS1DeliveryIsUrgent) {
  connect_and_accept(v::v3_1_1);
  EXPECT_TRUE(engine_.send_publish(make_delivery("a", "x", qos::at_most_once)));
  EXPECT_TRUE(engine_.send_publish(make_delivery("a", "y", qos::at_least_once)));
  EXPECT_TRUE(engine_.output_urgent()) << "its window paces the traffic";
}

TEST_F(output_urgency, AcknowledgementBehindQoS0IsUrgent) {
  connect_and_accept(v::v3_1_1);
  EXPECT_TRUE(engine_.send_publish(make_delivery("a", "x", qos::at_most_once)));
  publish p;
  p.topic = "t";
  p.qos = qos::at_least_once;
  p.id = 7;
  send(p, v::v3_1_1);
  events();
  EXPECT_FALSE(engine_.output_urgent());
  engine_.acknowledge_publish(7, qos::at_least_once);
  EXPECT_TRUE(engine_.output_urgent());
}

TEST_F(output_urgency, PingrespIsUrgent) {
  connect_and_accept(v::v3_1_1);
  send_bytes({0xC0, 0x00});  // PINGREQ
  EXPECT_TRUE(engine_.output_urgent());
}

}  // namespace
}  // namespace tern::mqtt::test
