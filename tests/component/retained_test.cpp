// Retained messages through the whole core: stored, sent to new
// subscriptions with the RETAIN flag, replaced, deleted by an empty
// payload, and the v5 Retain Handling and Retain As Published options.
#include <gtest/gtest.h>

#include "broker_world.hpp"

namespace tern::broker::test {
namespace {

using v = protocol_version;

struct retained_world {
  world w{2};
  test_client pub{w, "pub", v::v3_1_1, 0};
  retained_world() { EXPECT_TRUE(pub.connect()); }
};

// 3.1.1: a new subscription gets the retained message of each matching
// topic [MQTT-3.3.1-6] with RETAIN 1 [MQTT-3.3.1-8]; a message that matches
// an established subscription has RETAIN 0 however it was published
// [MQTT-3.3.1-9].
TEST(Retained, SentOnSubscribeWithRetainFlag_MQTT_3_3_1_6_MQTT_3_3_1_8_MQTT_3_3_1_9) {
  retained_world r;
  r.pub.publish("r/1", "one", qos::at_least_once, /*retain=*/true);
  r.pub.publish("r/2", "two", qos::exactly_once, /*retain=*/true);
  r.pub.publish("other", "x", qos::at_least_once, /*retain=*/true);
  EXPECT_EQ(r.w.b.retained_count(), 3u);

  test_client sub(r.w, "sub", v::v3_1_1, 1);
  ASSERT_TRUE(sub.connect());
  ASSERT_TRUE(sub.subscribe("r/+", qos::at_least_once));
  ASSERT_EQ(sub.messages().size(), 2u);
  std::set<std::string> got;
  for (const auto& m : sub.messages()) {
    EXPECT_TRUE(m.retain) << m.topic;
    EXPECT_EQ(m.qos, qos::at_least_once) << "min(published QoS, granted QoS)";
    got.insert(m.topic + "=" + std::string(m.payload.view()));
  }
  EXPECT_EQ(got, (std::set<std::string>{"r/1=one", "r/2=two"}));

  sub.clear_messages();
  r.pub.publish("r/1", "live", qos::at_least_once, /*retain=*/true);
  ASSERT_EQ(sub.payloads(), std::vector<std::string>{"live"});
  EXPECT_FALSE(sub.messages()[0].retain) << "established subscription";
}

// A retained message replaces the previous one [MQTT-3.3.1-5]; a message
// without RETAIN leaves it alone [MQTT-3.3.1-12]; an empty retained payload
// removes it [MQTT-3.3.1-10] and is not stored itself [MQTT-3.3.1-11], but
// is delivered as usual.
TEST(Retained, ReplacedKeptAndDeleted_MQTT_3_3_1_5_MQTT_3_3_1_10_MQTT_3_3_1_11_MQTT_3_3_1_12) {
  retained_world r;
  test_client live(r.w, "live", v::v3_1_1, 1);
  ASSERT_TRUE(live.connect());
  ASSERT_TRUE(live.subscribe("t", qos::at_least_once));

  const auto subscribe_fresh = [&](const std::string& name) {
    test_client late(r.w, name, v::v3_1_1, 1);
    EXPECT_TRUE(late.connect());
    EXPECT_TRUE(late.subscribe("t", qos::at_least_once));
    auto out = late.payloads();
    late.disconnect();
    return out;
  };

  r.pub.publish("t", "first", qos::at_least_once, true);
  r.pub.publish("t", "second", qos::at_least_once, true);
  EXPECT_EQ(subscribe_fresh("late1"), std::vector<std::string>{"second"});
  r.pub.publish("t", "not retained", qos::at_least_once, false);
  EXPECT_EQ(subscribe_fresh("late2"), std::vector<std::string>{"second"});
  EXPECT_EQ(r.w.b.retained_count(), 1u);

  r.pub.publish("t", "", qos::at_least_once, true);
  EXPECT_EQ(r.w.b.retained_count(), 0u);
  EXPECT_TRUE(subscribe_fresh("late3").empty());
  EXPECT_EQ(live.payloads(), (std::vector<std::string>{"first", "second", "not retained", ""}));
}

// v5 Retain Handling: 0 sends on every subscribe [MQTT-3.3.1-9], 1 only
// when the subscription is new [MQTT-3.3.1-10], 2 never [MQTT-3.3.1-11]
// (v5 numbering).
TEST(Retained, RetainHandling_v5_MQTT_3_3_1_9_MQTT_3_3_1_10_MQTT_3_3_1_11) {
  world w(2);
  test_client pub(w, "pub", v::v5, 0);
  test_client sub(w, "sub", v::v5, 1);
  ASSERT_TRUE(pub.connect());
  ASSERT_TRUE(sub.connect());
  pub.publish("h/a", "A", qos::at_least_once, true);

  const auto subscribe = [&](const std::string& filter, std::uint8_t handling) {
    sub.clear_messages();
    EXPECT_TRUE(sub.subscribe(filter, sub_options(qos::at_least_once, false, false, handling)));
    return sub.payloads();
  };
  EXPECT_EQ(subscribe("h/+", 0), std::vector<std::string>{"A"});
  EXPECT_EQ(subscribe("h/+", 0), std::vector<std::string>{"A"}) << "0: again on re-subscribe";
  EXPECT_EQ(subscribe("h/#", 1), std::vector<std::string>{"A"}) << "1: new subscription";
  EXPECT_TRUE(subscribe("h/#", 1).empty()) << "1: the subscription existed";
  EXPECT_TRUE(subscribe("h/a", 2).empty()) << "2: never";
  EXPECT_TRUE(subscribe("$share/g/h/a", 0).empty()) << "not on shared subscriptions";
}

// v5 Retain As Published: RETAIN is forwarded as published when set
// [MQTT-3.3.1-13], else cleared [MQTT-3.3.1-12] (v5 numbering).
TEST(Retained, RetainAsPublished_v5_MQTT_3_3_1_12_MQTT_3_3_1_13) {
  world w(2);
  test_client pub(w, "pub", v::v5, 0);
  test_client rap(w, "rap", v::v5, 1);
  test_client plain(w, "plain", v::v5, 1);
  ASSERT_TRUE(pub.connect());
  ASSERT_TRUE(rap.connect());
  ASSERT_TRUE(plain.connect());
  ASSERT_TRUE(rap.subscribe("k", sub_options(qos::at_least_once, false, true)));
  ASSERT_TRUE(plain.subscribe("k", sub_options(qos::at_least_once)));
  pub.publish("k", "r", qos::at_least_once, true);
  pub.publish("k", "n", qos::at_least_once, false);
  ASSERT_EQ(rap.messages().size(), 2u);
  EXPECT_TRUE(rap.messages()[0].retain);
  EXPECT_FALSE(rap.messages()[1].retain);
  ASSERT_EQ(plain.messages().size(), 2u);
  EXPECT_FALSE(plain.messages()[0].retain);
  EXPECT_FALSE(plain.messages()[1].retain);
}

}  // namespace
}  // namespace tern::broker::test
