// broker::count_waiting, which a lazy bridge polls: what waits for an
// offline session (queued, and in flight from its last connection), read
// on the session's owner worker.
#include <gtest/gtest.h>

#include "broker_world.hpp"

namespace tern::broker::test {
namespace {

using v = protocol_version;

std::optional<std::uint64_t> count(world& w, const std::string& client_id) {
  std::optional<std::uint64_t> out;
  {
    auto as = w.workers.act_as(0);
    w.b.count_waiting(client_id, [&](std::uint64_t n) { out = n; });
  }
  w.settle();
  return out;
}

TEST(count_waiting, CountsQueuedAndInflightOfAnOfflineSession) {
  world w;
  test_client pub(w, "pub", v::v3_1_1, 0);
  test_client sub(w, "sub", v::v5, 1);  // owned by the other worker than the caller's
  ASSERT_TRUE(pub.connect());
  connect_options persistent;
  persistent.clean_start = false;
  persistent.session_expiry = 0xFFFFFFFF;
  persistent.receive_maximum = 2;
  ASSERT_TRUE(sub.connect(persistent));
  ASSERT_TRUE(sub.subscribe("q", qos::at_least_once));
  EXPECT_EQ(count(w, "sub"), 0u);

  sub.set_auto_ack(false);
  for (int i = 0; i < 5; ++i)
    pub.publish("q", std::to_string(i), qos::at_least_once);
  w.settle();
  EXPECT_EQ(sub.unacked(), 2u) << "receive maximum 2: 3 stay queued";
  sub.drop();
  EXPECT_EQ(count(w, "sub"), 5u) << "3 queued + 2 in flight from the dropped connection";
  pub.publish("q", "5", qos::at_least_once);
  EXPECT_EQ(count(w, "sub"), 6u);
}

TEST(count_waiting, NoSessionIsZero) {
  world w;
  EXPECT_EQ(count(w, "nobody"), 0u);
}

}  // namespace
}  // namespace tern::broker::test
