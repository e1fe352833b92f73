// start_type automatic, once and lazy (mosquitto.conf(5)): whether a bridge
// waits for its queue, comes back after a failure, and when it is idle.
#include "bridge/start_policy.hpp"

#include <gtest/gtest.h>

namespace tern::bridge {
namespace {

using namespace std::chrono_literals;

bridge_options with(start_type t) {
  bridge_options o;
  o.start = t;
  return o;
}

TEST(start_policy, AutomaticConnectsAtOnceAndAlwaysComesBack) {
  const start_policy p(with(start_type::automatic));
  EXPECT_FALSE(p.waits_for_queue());
  EXPECT_TRUE(p.restarts(false));
  EXPECT_FALSE(p.idle_deadline(start_policy::steady_time{}).has_value()) << "never idle";
}

TEST(start_policy, OnceNeverComesBackButForTheRetryWithoutTheMarker) {
  const start_policy p(with(start_type::once));
  EXPECT_FALSE(p.waits_for_queue());
  EXPECT_FALSE(p.restarts(false)) << "a failed or dropped connection is not restarted";
  EXPECT_TRUE(p.restarts(true)) << "the remote asked for a CONNECT without the bridge marker";
  EXPECT_FALSE(p.idle_deadline(start_policy::steady_time{}).has_value());
}

TEST(start_policy, LazyConnectsOnlyAboveTheThreshold) {
  auto o = with(start_type::lazy);
  EXPECT_TRUE(start_policy(o).waits_for_queue());
  EXPECT_FALSE(start_policy(o).queue_wants_link(10)) << "default threshold 10: exceeded, not met";
  EXPECT_TRUE(start_policy(o).queue_wants_link(11));
  o.threshold = 5;
  const start_policy p(o);
  EXPECT_FALSE(p.queue_wants_link(0));
  EXPECT_FALSE(p.queue_wants_link(5));
  EXPECT_TRUE(p.queue_wants_link(6));
  EXPECT_TRUE(p.restarts(false)) << "a failed attempt is retried (if the queue still asks)";
}

TEST(start_policy, LazyIsIdleAfterIdleTimeoutFromTheLastMessage) {
  auto o = with(start_type::lazy);
  EXPECT_EQ(start_policy(o).idle_deadline(start_policy::steady_time{100s}),
            start_policy::steady_time{160s})
      << "default idle_timeout 60";
  o.idle_timeout = 2s;
  EXPECT_EQ(start_policy(o).idle_deadline(start_policy::steady_time{100s}),
            start_policy::steady_time{102s});
}

}  // namespace
}  // namespace tern::bridge
