#include "net/connection_limits.hpp"

#include <vector>

#include <gtest/gtest.h>

namespace tern::net {
namespace {

using clock = connection_limits::clock;
using verdict = connection_limits::verdict;
const clock::time_point t0{};

TEST(connection_limits, a_listener_refuses_past_its_max_until_a_slot_is_released) {
  connection_limits limits;
  const auto a = limits.add_listener(2);
  const auto b = limits.add_listener(0);
  auto first = limits.admit(a, "h", t0);
  auto second = limits.admit(a, "h", t0);
  ASSERT_EQ(first.outcome, verdict::admitted);
  ASSERT_EQ(second.outcome, verdict::admitted);
  EXPECT_EQ(limits.admit(a, "h", t0).outcome, verdict::listener_full);
  EXPECT_EQ(limits.admit(b, "h", t0).outcome, verdict::admitted);  // its own count
  EXPECT_EQ(limits.live(a), 2u);
  first.slot = {};  // the connection went away
  EXPECT_EQ(limits.live(a), 1u);
  EXPECT_EQ(limits.admit(a, "h", t0).outcome, verdict::admitted);
}

TEST(connection_limits, the_global_max_counts_all_listeners_together) {
  connection_limits limits(3);
  const auto a = limits.add_listener(0);
  const auto b = limits.add_listener(0);
  std::vector<connection_slot> held;
  for (auto l : {a, b, a}) {
    auto r = limits.admit(l, "h", t0);
    ASSERT_EQ(r.outcome, verdict::admitted);
    held.push_back(std::move(r.slot));
  }
  EXPECT_EQ(limits.admit(b, "h", t0).outcome, verdict::global_full);
  EXPECT_EQ(limits.live_total(), 3u);
  held.pop_back();
  EXPECT_EQ(limits.live_total(), 2u);
  EXPECT_EQ(limits.live(a), 1u);
  EXPECT_EQ(limits.admit(b, "h", t0).outcome, verdict::admitted);
}

TEST(connection_limits, a_refused_connection_holds_no_slot) {
  connection_limits limits(1);
  const auto a = limits.add_listener(1);
  auto kept = limits.admit(a, "h", t0);
  for (int i = 0; i < 5; ++i)
    EXPECT_NE(limits.admit(a, "h", t0).outcome, verdict::admitted);
  EXPECT_EQ(limits.live_total(), 1u);
  EXPECT_EQ(limits.live(a), 1u);
}

TEST(connection_limits, the_rate_is_per_host_and_window) {
  connection_limits limits(0, {2, std::chrono::seconds(10)});
  const auto a = limits.add_listener(0);
  EXPECT_EQ(limits.admit(a, "10.0.0.1", t0).outcome, verdict::admitted);
  EXPECT_EQ(limits.admit(a, "10.0.0.1", t0 + std::chrono::seconds(1)).outcome, verdict::admitted);
  EXPECT_EQ(limits.admit(a, "10.0.0.1", t0 + std::chrono::seconds(2)).outcome,
            verdict::rate_exceeded);
  EXPECT_EQ(limits.admit(a, "10.0.0.2", t0 + std::chrono::seconds(2)).outcome, verdict::admitted);
  // A new window: counted afresh.
  EXPECT_EQ(limits.admit(a, "10.0.0.1", t0 + std::chrono::seconds(10)).outcome, verdict::admitted);
}

TEST(connection_limits, the_rate_table_stays_bounded) {
  connection_limits limits(0, {1, std::chrono::seconds(60)});
  const auto a = limits.add_listener(0);
  for (std::size_t i = 0; i < connection_limits::max_addresses + 10; ++i) {
    auto r = limits.admit(a, "h" + std::to_string(i), t0);
    EXPECT_EQ(r.outcome, verdict::admitted);
  }
}

}  // namespace
}  // namespace tern::net
