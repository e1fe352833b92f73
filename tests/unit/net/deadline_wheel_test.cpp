// deadline_wheel: members are visited at (never before) their deadline and
// at most one tick after it, with a fake clock.

#include "net/deadline_wheel.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

namespace tern::net {
namespace {

using namespace std::chrono_literals;
using clock = std::chrono::steady_clock;

struct member : wheel_member {
  int id = 0;
};

class DeadlineWheel : public ::testing::Test {
 protected:
  static constexpr auto tick = 250ms;
  clock::time_point t0 = clock::time_point() + 1000s;
  deadline_wheel<member> wheel{tick, 8, t0};  // horizon: 2 s

  // Ids visited by advance(now), in order; visited members are not filed again.
  std::vector<int> advance(clock::time_point now) {
    std::vector<int> seen;
    wheel.advance(now, [&](member& m) { seen.push_back(m.id); });
    return seen;
  }
};

TEST_F(DeadlineWheel, VisitsAtTheDeadlineNotBefore) {
  member a;
  a.id = 1;
  wheel.file(a, t0 + 600ms);  // between ticks 2 and 3: visited at tick 3 (750 ms)
  EXPECT_EQ(wheel.size(), 1u);
  EXPECT_TRUE(advance(t0 + 599ms).empty());
  EXPECT_TRUE(advance(t0 + 700ms).empty());
  EXPECT_EQ(advance(t0 + 750ms), std::vector<int>{1});
  EXPECT_FALSE(a.in_wheel());
  EXPECT_EQ(wheel.size(), 0u);
  EXPECT_TRUE(advance(t0 + 10s).empty());
}

TEST_F(DeadlineWheel, DeadlineOnATickIsVisitedAtThatTick) {
  member a;
  a.id = 1;
  wheel.file(a, t0 + 500ms);
  EXPECT_TRUE(advance(t0 + 499ms).empty());
  EXPECT_EQ(advance(t0 + 500ms), std::vector<int>{1});
}

TEST_F(DeadlineWheel, PastDeadlineIsVisitedAtTheNextAdvance) {
  EXPECT_TRUE(advance(t0 + 1s).empty());
  member a;
  a.id = 1;
  wheel.file(a, t0);                      // already due
  EXPECT_TRUE(advance(t0 + 1s).empty());  // this tick was visited already
  EXPECT_EQ(advance(t0 + 1250ms), std::vector<int>{1});
}

TEST_F(DeadlineWheel, FilingAgainMovesTheMember) {
  member a;
  a.id = 1;
  wheel.file(a, t0 + 1500ms);
  wheel.file(a, t0 + 250ms);  // earlier: e.g. CONNECT set a short keep alive
  EXPECT_EQ(wheel.size(), 1u);
  EXPECT_EQ(advance(t0 + 250ms), std::vector<int>{1});
  EXPECT_TRUE(advance(t0 + 2s).empty());
}

TEST_F(DeadlineWheel, BeyondTheHorizonComesBackAtTheHorizon) {
  member a;
  a.id = 1;
  const auto deadline = t0 + 10s;  // horizon is 2 s
  wheel.file(a, deadline);
  std::vector<clock::time_point> visits;
  for (auto now = t0; now <= t0 + 11s; now += tick) {
    wheel.advance(now, [&](member& m) {
      visits.push_back(now);
      if (now < m.filed_deadline()) wheel.file(m, m.filed_deadline());  // not due yet
    });
  }
  ASSERT_FALSE(visits.empty());
  EXPECT_EQ(visits.back(), deadline);
  EXPECT_LE(visits.size(), 6u);  // about once per lap, not once per tick
  EXPECT_FALSE(a.in_wheel());
}

TEST_F(DeadlineWheel, NoDeadlineIsListedButNeverVisited) {
  member a, b;
  a.id = 1;
  b.id = 2;
  wheel.file(a, std::nullopt);
  wheel.file(b, t0 + 1s);
  EXPECT_EQ(wheel.size(), 2u);
  std::vector<int> all;
  wheel.for_each([&](member& m) { all.push_back(m.id); });
  std::sort(all.begin(), all.end());
  EXPECT_EQ(all, (std::vector<int>{1, 2}));
  EXPECT_EQ(advance(t0 + 100s), std::vector<int>{2});
  EXPECT_TRUE(a.in_wheel());
  wheel.remove(a);
  EXPECT_EQ(wheel.size(), 0u);
  wheel.remove(a);  // twice is harmless
  EXPECT_EQ(wheel.size(), 0u);
}

TEST_F(DeadlineWheel, RemovedMemberIsNotVisited) {
  member a, b;
  a.id = 1;
  b.id = 2;
  wheel.file(a, t0 + 500ms);
  wheel.file(b, t0 + 500ms);
  wheel.remove(a);
  EXPECT_EQ(advance(t0 + 500ms), std::vector<int>{2});
}

TEST_F(DeadlineWheel, LateAdvanceVisitsEveryMemberOnce) {
  std::vector<member> ms(20);
  for (int i = 0; i < 20; ++i) {
    ms[i].id = i;
    wheel.file(ms[i], t0 + tick * (19 - i) + 1ms);
  }
  // Far later than a whole lap: each is visited exactly once.
  auto seen = advance(t0 + 60s);
  ASSERT_EQ(seen.size(), 20u);
  std::sort(seen.begin(), seen.end());
  for (int i = 0; i < 20; ++i)
    EXPECT_EQ(seen[i], i);
  EXPECT_EQ(wheel.size(), 0u);
}

TEST_F(DeadlineWheel, MemberFiledAgainDuringItsVisitWaitsForALaterTick) {
  member a;
  a.id = 1;
  wheel.file(a, t0 + 250ms);
  int visits = 0;
  wheel.advance(t0 + 250ms, [&](member& m) {
    ++visits;
    wheel.file(m, t0 + 250ms);  // still "due": must not loop
  });
  EXPECT_EQ(visits, 1);
  EXPECT_EQ(advance(t0 + 500ms), std::vector<int>{1});
}

}  // namespace
}  // namespace tern::net
