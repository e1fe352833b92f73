// The progressive delay of failed logins per source address.

#include "session/login_throttle.hpp"

#include <gtest/gtest.h>

namespace tern::broker {
namespace {

using namespace std::chrono_literals;
using clock = login_throttle::clock;

TEST(login_throttle, doubles_per_failure_up_to_the_cap) {
  login_throttle t;
  const auto now = clock::time_point{} + 1h;
  const std::chrono::milliseconds expected[] = {100ms,  200ms,  400ms,  800ms,
                                                1600ms, 3200ms, 5000ms, 5000ms};
  for (auto e : expected)
    EXPECT_EQ(t.failed("10.0.0.1:5000", now), e);
}

TEST(login_throttle, per_host_whatever_the_port) {
  login_throttle t;
  const auto now = clock::time_point{} + 1h;
  EXPECT_EQ(t.failed("10.0.0.1:5000", now), 100ms);
  EXPECT_EQ(t.failed("10.0.0.1:5001", now), 200ms);  // same host, another port
  EXPECT_EQ(t.failed("10.0.0.2:5000", now), 100ms);  // another host
  EXPECT_EQ(t.failed("::1:5000", now), 100ms);
  EXPECT_EQ(t.failed("::1:6000", now), 200ms);
}

TEST(login_throttle, success_resets) {
  login_throttle t;
  const auto now = clock::time_point{} + 1h;
  t.failed("10.0.0.1:1", now);
  t.failed("10.0.0.1:1", now);
  t.succeeded("10.0.0.1:2");
  EXPECT_EQ(t.tracked(), 0u);
  EXPECT_EQ(t.failed("10.0.0.1:1", now), 100ms);
}

TEST(login_throttle, forgets_after_a_quiet_while) {
  login_throttle t;
  const auto now = clock::time_point{} + 1h;
  t.failed("h:1", now);
  t.failed("h:1", now);
  EXPECT_EQ(t.failed("h:1", now + login_throttle::forget_after), 100ms);
}

TEST(login_throttle, table_is_bounded) {
  login_throttle t;
  const auto now = clock::time_point{} + 1h;
  for (std::size_t i = 0; i < login_throttle::max_addresses + 10; ++i)
    t.failed("h" + std::to_string(i) + ":1", now);
  EXPECT_LE(t.tracked(), login_throttle::max_addresses);
}

}  // namespace
}  // namespace tern::broker
