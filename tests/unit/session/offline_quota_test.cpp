// offline_quota: places are taken up to the bound and never past it, even
// by routers racing for the last ones; the owner's part follows its queue.

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "session/offline_quota.hpp"

namespace tern::broker {
namespace {

TEST(OfflineQuota, TakesPlacesUpToTheMessageBound) {
  offline_quota q;
  const queue_bound bound{2, 0};
  EXPECT_TRUE(q.try_reserve(10, bound));
  EXPECT_TRUE(q.try_reserve(10, bound));
  EXPECT_FALSE(q.try_reserve(0, bound));
  EXPECT_EQ(q.messages(), 2u);
  q.release(10);
  EXPECT_TRUE(q.try_reserve(10, bound)) << "a place given back is free again";
}

// As the owner's rule: a message fits while the bytes, it included, stay
// within the bound; one that does not fit takes no message place either.
TEST(OfflineQuota, TakesBytesUpToTheByteBoundExactly) {
  offline_quota q;
  const queue_bound bound{0, 10};
  EXPECT_TRUE(q.try_reserve(4, bound));
  EXPECT_TRUE(q.try_reserve(4, bound));
  EXPECT_FALSE(q.try_reserve(4, bound));
  EXPECT_EQ(q.messages(), 2u);
  EXPECT_TRUE(q.try_reserve(2, bound));
  EXPECT_EQ(q.bytes(), 10u);
  EXPECT_TRUE(q.try_reserve(0, bound)) << "an empty payload still fits the byte bound";
}

TEST(OfflineQuota, NoBoundTakesEverything) {
  offline_quota q;
  for (int i = 0; i < 100; ++i)
    EXPECT_TRUE(q.try_reserve(1000, queue_bound{}));
  EXPECT_EQ(q.messages(), 100u);
  EXPECT_EQ(q.bytes(), 100'000u);
}

TEST(OfflineQuota, ReserveGoesPastTheBound) {
  offline_quota q;
  const queue_bound bound{1, 0};
  EXPECT_TRUE(q.try_reserve(1, bound));
  q.reserve(1);
  EXPECT_EQ(q.messages(), 2u);
  EXPECT_FALSE(q.try_reserve(1, bound));
}

// The owner's part is set to what its queue holds; places taken by
// routers come on top, and a place taken in is not counted twice.
TEST(OfflineQuota, TheOwnersPartFollowsItsQueue) {
  offline_quota q;
  q.hold(3, 30);  // went offline with 3 queued
  EXPECT_TRUE(q.try_reserve(5, queue_bound{}));
  EXPECT_EQ(q.messages(), 4u);
  q.taken_in(5);  // the routed delivery joins the queue
  EXPECT_EQ(q.messages(), 4u);
  EXPECT_EQ(q.bytes(), 35u);
  q.hold(4, 35);  // the owner recounts: nothing changes
  EXPECT_EQ(q.messages(), 4u);
  EXPECT_TRUE(q.try_reserve(1, queue_bound{}));  // in flight when it attaches
  q.hold(0, 0);                                  // attached: only the routers' places remain
  EXPECT_EQ(q.messages(), 1u);
  EXPECT_EQ(q.bytes(), 1u);
  q.release(1);  // that delivery arrived at a connected session
  EXPECT_EQ(q.messages(), 0u);
  EXPECT_EQ(q.bytes(), 0u);
}

TEST(OfflineQuota, RoutersRacingForTheLastPlacesNeverPassTheBound) {
  for (int round = 0; round < 50; ++round) {
    offline_quota q;
    const queue_bound bound{100, 0};
    std::atomic<int> taken{0};
    std::vector<std::thread> routers;
    for (int t = 0; t < 4; ++t) {
      routers.emplace_back([&] {
        for (int i = 0; i < 100; ++i)
          if (q.try_reserve(1, bound)) taken.fetch_add(1);
      });
    }
    for (auto& r : routers)
      r.join();
    ASSERT_EQ(taken.load(), 100);
    ASSERT_EQ(q.messages(), 100u);
    ASSERT_EQ(q.bytes(), 100u);
  }
}

}  // namespace
}  // namespace tern::broker
