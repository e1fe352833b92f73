// MQTT 5 server behaviour the broker decides on top of the engine: Response
// Information, refusals with their reasons, and messages crossing protocol
// versions.
#include <gtest/gtest.h>

#include "broker_world.hpp"

namespace tern::broker::test {
namespace {

using v = protocol_version;

broker_config with_response_prefix(std::string prefix) {
  broker_config c;
  c.response_topic_prefix = std::move(prefix);
  return c;
}

// Request Response Information 1 -> Response Information in CONNACK (spec
// 3.2.2.3.15), built from response_topic_prefix and the client id.
TEST(Capabilities, ResponseInformationWhenAskedAndConfigured) {
  world w(1, with_response_prefix("replies"));
  test_client asks(w, "asker", v::v5, 0);
  connect_options o;
  o.request_response_information = 1;
  const auto ack = asks.connect(o);
  ASSERT_TRUE(ack);
  EXPECT_EQ(ack->properties.response_information, "replies/asker");

  test_client silent(w, "silent", v::v5, 0);
  EXPECT_EQ(silent.connect()->properties.response_information, std::nullopt) << "not asked";
}

TEST(Capabilities, NoResponseInformationWithoutPrefix) {
  world w(1);
  test_client asks(w, "asker", v::v5, 0);
  connect_options o;
  o.request_response_information = 1;
  EXPECT_EQ(asks.connect(o)->properties.response_information, std::nullopt);
}

// 3.1.1 clients are refused a wildcard filter when wildcards are off with
// SUBACK 0x80 ([MQTT-3.8.3-2] of 3.1.1), and keep their connection.
TEST(Capabilities, V311WildcardRefusedInSubackWhenOff) {
  broker_config config;
  config.limits.wildcard_subscription_available = false;
  world w(1, config);
  test_client c(w, "c", v::v3_1_1, 0);
  ASSERT_TRUE(c.connect());
  const auto ack = c.subscribe("a/#", qos::at_least_once);
  ASSERT_TRUE(ack);
  EXPECT_EQ(ack->reasons,
            (std::vector<mqtt::reason_code>{static_cast<mqtt::reason_code>(0x80)}));  // Failure
  EXPECT_TRUE(c.connected());
  EXPECT_TRUE(c.subscribe("a/b", qos::at_least_once));
}

// Mixed versions: a 3.1.1 subscriber gets a v5 publication without its
// properties (its PUBLISH has none), a v5 subscriber gets a 3.1.1 one, and
// a retained message keeps its properties for v5 subscribers.
TEST(Capabilities, MessagesCrossProtocolVersions) {
  world w(2);
  test_client v5pub(w, "v5pub", v::v5, 0);
  test_client oldpub(w, "oldpub", v::v3_1_1, 1);
  test_client v5sub(w, "v5sub", v::v5, 1);
  test_client oldsub(w, "oldsub", v::v3_1_1, 0);
  for (auto* c : {&v5pub, &oldpub, &v5sub, &oldsub})
    ASSERT_TRUE(c->connect());
  ASSERT_TRUE(v5sub.subscribe("mix/#", qos::at_least_once));
  ASSERT_TRUE(oldsub.subscribe("mix/#", qos::at_least_once));
  mqtt::publish_properties props;
  props.content_type = "text/plain";
  props.user.push_back({"k", "v"});
  v5pub.publish("mix/a", "from5", qos::at_least_once, false, props);
  oldpub.publish("mix/b", "from311", qos::at_least_once);
  ASSERT_EQ(oldsub.payloads(), (std::vector<std::string>{"from5", "from311"}));
  ASSERT_EQ(v5sub.payloads(), (std::vector<std::string>{"from5", "from311"}));
  EXPECT_EQ(v5sub.messages()[0].properties.content_type, "text/plain");
  EXPECT_EQ(v5sub.messages()[0].properties.user, props.user);
  EXPECT_EQ(v5sub.messages()[1].properties, mqtt::publish_properties{});

  v5pub.publish("mix/kept", "r", qos::at_least_once, /*retain=*/true, props);
  test_client late(w, "late", v::v5, 0);
  ASSERT_TRUE(late.connect());
  ASSERT_TRUE(late.subscribe("mix/kept", qos::at_least_once));
  ASSERT_EQ(late.messages().size(), 1u);
  EXPECT_TRUE(late.messages()[0].retain);
  EXPECT_EQ(late.messages()[0].properties.content_type, "text/plain");
  EXPECT_EQ(late.messages()[0].properties.user, props.user);
}

}  // namespace
}  // namespace tern::broker::test
