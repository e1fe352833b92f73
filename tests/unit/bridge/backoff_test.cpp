// restart_timeout: a constant, or exponential backoff with full jitter.
#include <gtest/gtest.h>

#include <set>

#include "bridge/backoff.hpp"

namespace tern::bridge {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(backoff, OneValueIsConstant) {
  backoff b(seconds(20), std::nullopt, 1);
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(b.next(), milliseconds(20'000));
}

TEST(backoff, CeilingDoublesUpToTheCapAndDelaysStayWithin) {
  backoff b(seconds(5), seconds(30), 42);
  const milliseconds ceilings[] = {milliseconds(5'000), milliseconds(10'000), milliseconds(20'000),
                                   milliseconds(30'000), milliseconds(30'000)};
  for (auto ceiling : ceilings) {
    const auto d = b.next();
    EXPECT_GE(d, milliseconds(5'000));
    EXPECT_LE(d, ceiling);
  }
}

TEST(backoff, JitterSpreadsDelaysAndResetStartsAgain) {
  backoff b(seconds(1), seconds(60), 7);
  for (int i = 0; i < 8; ++i)
    b.next();
  std::set<std::int64_t> seen;
  for (int i = 0; i < 20; ++i)
    seen.insert(b.next().count());
  EXPECT_GT(seen.size(), 10u) << "gateways that lost the same backend must not retry together";
  b.reset();
  EXPECT_EQ(b.next(), milliseconds(1'000)) << "after a success the first retry is BASE again";
}

}  // namespace
}  // namespace tern::bridge
