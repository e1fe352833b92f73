#include "mqtt/engine/publish_rate.hpp"

#include <gtest/gtest.h>

namespace tern::mqtt {
namespace {

using namespace std::chrono_literals;
using clock = publish_rate::clock;
const clock::time_point t0{};

TEST(publish_rate, a_seconds_worth_passes_at_once_then_the_client_waits) {
  publish_rate rate(10, t0);
  for (int i = 0; i < 10; ++i)
    EXPECT_EQ(rate.take(t0), 0ms) << i;
  // The 11th is one token in debt: wait until it is paid.
  const auto wait = rate.take(t0);
  EXPECT_GE(wait, 100ms);
  EXPECT_LE(wait, 101ms);
}

TEST(publish_rate, the_bucket_refills_at_the_rate_and_holds_a_second_at_most) {
  publish_rate rate(10, t0);
  for (int i = 0; i < 10; ++i)
    rate.take(t0);
  // 100 ms bring one token back.
  EXPECT_EQ(rate.take(t0 + 100ms), 0ms);
  EXPECT_GT(rate.take(t0 + 100ms), 0ms);
  // A long idle time fills the bucket, but only to 10.
  publish_rate idle(10, t0);
  for (int i = 0; i < 10; ++i)
    EXPECT_EQ(idle.take(t0 + 1h), 0ms);
  EXPECT_GT(idle.take(t0 + 1h), 0ms);
}

TEST(publish_rate, a_burst_read_at_once_waits_in_proportion) {
  // 50 PUBLISHes at once at 10/s: 40 beyond the burst, 4 s of debt.
  publish_rate rate(10, t0);
  std::chrono::milliseconds wait{};
  for (int i = 0; i < 50; ++i)
    wait = rate.take(t0);
  EXPECT_GE(wait, 4000ms);
  EXPECT_LE(wait, 4001ms);
}

}  // namespace
}  // namespace tern::mqtt
