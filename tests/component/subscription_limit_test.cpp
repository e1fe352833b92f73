// max_subscriptions_per_client and max_topic_levels through the whole
// broker core: a client past its subscription quota gets SUBACK 0x97 (3.1.1:
// 0x80) per filter and keeps its connection; replacing a subscription is
// not a new one; the count is the session's, so it survives a reconnect.
#include <gtest/gtest.h>

#include "broker_world.hpp"

namespace tern::broker::test {
namespace {

using v = protocol_version;
using mqtt::reason_code;

broker_config with_subscription_limit(std::size_t n) {
  broker_config c;
  c.max_subscriptions_per_client = n;
  return c;
}

reason_code suback_reason(const std::optional<mqtt::suback>& ack) {
  EXPECT_TRUE(ack);
  EXPECT_EQ(ack ? ack->reasons.size() : 0u, 1u);
  return ack && ack->reasons.size() == 1 ? ack->reasons[0] : reason_code::success;
}

TEST(SubscriptionLimit, DefaultIsTenThousand) {
  EXPECT_EQ(broker_config{}.max_subscriptions_per_client, 10000u);
}

TEST(SubscriptionLimit, PastTheLimitV5GetsQuotaExceededAndStaysConnected) {
  world w(1, with_subscription_limit(3));
  test_client c(w, "c", v::v5, 0);
  ASSERT_TRUE(c.connect());
  for (const char* f : {"a", "b", "c/#"})
    EXPECT_EQ(suback_reason(c.subscribe(f, qos::at_least_once)), reason_code::granted_qos_1) << f;
  const auto refused = c.subscribe("d", qos::at_least_once);
  EXPECT_EQ(suback_reason(refused), reason_code::quota_exceeded);
  ASSERT_TRUE(refused->properties.reason_string);
  EXPECT_NE(refused->properties.reason_string->find("max_subscriptions_per_client 3"),
            std::string::npos);
  EXPECT_TRUE(c.connected());
  // Replacing one of the three is no new subscription.
  EXPECT_EQ(suback_reason(c.subscribe("a", qos::exactly_once)), reason_code::granted_qos_2);
  // The refused filter delivers nothing; the granted ones do.
  test_client pub(w, "pub", v::v5, 0);
  ASSERT_TRUE(pub.connect());
  pub.publish("d", "no", qos::at_most_once);
  pub.publish("c/x", "yes", qos::at_most_once);
  EXPECT_EQ(c.payloads(), std::vector<std::string>{"yes"});
  // A place freed by UNSUBSCRIBE can be taken again.
  ASSERT_TRUE(c.unsubscribe("b"));
  EXPECT_EQ(suback_reason(c.subscribe("d", qos::at_most_once)), reason_code::granted_qos_0);
  EXPECT_EQ(w.b.subscription_count(), 3u);
}

TEST(SubscriptionLimit, V311GetsFailure0x80) {
  world w(1, with_subscription_limit(1));
  test_client c(w, "c", v::v3_1_1, 0);
  ASSERT_TRUE(c.connect());
  EXPECT_EQ(suback_reason(c.subscribe("a", qos::at_most_once)), reason_code::granted_qos_0);
  EXPECT_EQ(suback_reason(c.subscribe("b", qos::at_most_once)), static_cast<reason_code>(0x80));
  EXPECT_TRUE(c.connected());
}

TEST(SubscriptionLimit, OneSubscribeWithSeveralFiltersIsCountedPerFilter) {
  world w(1, with_subscription_limit(2));
  test_client c(w, "c", v::v5, 0);
  ASSERT_TRUE(c.connect());
  mqtt::subscribe s;
  s.id = 40;
  for (const char* f : {"x", "y", "z"})
    s.entries.push_back({f, sub_options(qos::at_most_once)});
  c.conn().send(s, v::v5);
  w.settle();
  const auto packets = c.take_packets();
  ASSERT_FALSE(packets.empty());
  const auto& ack = std::get<mqtt::suback>(packets.back());
  EXPECT_EQ(ack.reasons,
            (std::vector<reason_code>{reason_code::granted_qos_0, reason_code::granted_qos_0,
                                      reason_code::quota_exceeded}));
}

TEST(SubscriptionLimit, ASessionResumedKeepsItsCount) {
  world w(1, with_subscription_limit(2));
  test_client c(w, "c", v::v5, 0);
  connect_options keep;
  keep.clean_start = false;
  keep.session_expiry = 600;
  ASSERT_TRUE(c.connect(keep));
  ASSERT_TRUE(c.subscribe("a", qos::at_most_once));
  ASSERT_TRUE(c.subscribe("b", qos::at_most_once));
  c.drop();
  const auto ack = c.connect(keep);
  ASSERT_TRUE(ack);
  EXPECT_TRUE(ack->session_present);
  EXPECT_EQ(suback_reason(c.subscribe("c", qos::at_most_once)), reason_code::quota_exceeded);
}

TEST(SubscriptionLimit, ZeroMeansNoLimit) {
  world w(1, with_subscription_limit(0));
  test_client c(w, "c", v::v3_1_1, 0);
  ASSERT_TRUE(c.connect());
  for (int i = 0; i < 300; ++i)
    ASSERT_EQ(suback_reason(c.subscribe("t/" + std::to_string(i), qos::at_most_once)),
              reason_code::granted_qos_0);
  EXPECT_EQ(w.b.subscription_count(), 300u);
}

TEST(TopicLevels, DeeperFilterGetsSuback0x8FAndNothingIsSubscribed) {
  broker_config config;
  config.limits.max_topic_levels = 3;
  world w(1, config);
  test_client c(w, "c", v::v5, 0);
  ASSERT_TRUE(c.connect());
  EXPECT_EQ(suback_reason(c.subscribe("a/b/c/d", qos::at_most_once)),
            reason_code::topic_filter_invalid);
  EXPECT_EQ(suback_reason(c.subscribe("a/b/#", qos::at_most_once)), reason_code::granted_qos_0);
  EXPECT_TRUE(c.connected());
  EXPECT_EQ(w.b.subscription_count(), 1u);
}

}  // namespace
}  // namespace tern::broker::test
