// Which deliveries to another worker may wait for that worker's next
// wake-up (worker_pool::post_deferred): QoS 0 ones only, since nobody waits
// for them; QoS 1/2 go at once, as their inflight windows pace publishers.
#include <gtest/gtest.h>

#include "broker_world.hpp"

namespace tern::broker::test {
namespace {

using v = protocol_version;

TEST(DeferredDelivery, OnlyQos0DeliveriesToOtherWorkersMayWait) {
  world w(2);
  test_client pub(w, "pub", v::v3_1_1, 0);
  test_client remote(w, "remote", v::v3_1_1, 1);
  test_client local(w, "local", v::v3_1_1, 0);
  ASSERT_TRUE(pub.connect());
  ASSERT_TRUE(remote.connect());
  ASSERT_TRUE(local.connect());
  ASSERT_TRUE(remote.subscribe("t", qos::at_least_once));
  ASSERT_TRUE(local.subscribe("t", qos::at_least_once));
  const auto before = w.workers.deferred_posts();

  pub.publish("t", "zero", qos::at_most_once);
  EXPECT_EQ(w.workers.deferred_posts(), before + 1) << "QoS 0 to the other worker";
  const auto id = pub.publish("t", "one", qos::at_least_once);
  EXPECT_TRUE(pub.completed(id));
  EXPECT_EQ(w.workers.deferred_posts(), before + 1) << "QoS 1 goes at once";

  // Deferred or not, everything arrives, in order.
  EXPECT_EQ(remote.payloads(), (std::vector<std::string>{"zero", "one"}));
  EXPECT_EQ(local.payloads(), (std::vector<std::string>{"zero", "one"}));
}

TEST(DeferredDelivery, DowngradedToQos0MayWait) {
  world w(2);
  test_client pub(w, "pub", v::v3_1_1, 0);
  test_client remote(w, "remote", v::v3_1_1, 1);
  ASSERT_TRUE(pub.connect());
  ASSERT_TRUE(remote.connect());
  ASSERT_TRUE(remote.subscribe("t", qos::at_most_once));
  const auto before = w.workers.deferred_posts();

  const auto id = pub.publish("t", "one", qos::at_least_once);
  EXPECT_TRUE(pub.completed(id));
  EXPECT_EQ(w.workers.deferred_posts(), before + 1) << "delivered at the granted QoS 0";
  EXPECT_EQ(remote.payloads(), (std::vector<std::string>{"one"}));
}

}  // namespace
}  // namespace tern::broker::test
