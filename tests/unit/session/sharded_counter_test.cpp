// sharded_counter: adds from many threads (more than it has shards of its
// own) all count.

#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "session/broker_stats.hpp"

namespace tern::broker {
namespace {

TEST(ShardedCounter, StartsAtZeroAndCountsOneThread) {
  sharded_counter c;
  EXPECT_EQ(c.get(), 0u);
  c.add(1);
  c.add(41);
  EXPECT_EQ(c.get(), 42u);
}

TEST(ShardedCounter, EveryThreadsAddsCountEvenBeyondTheOwnedShards) {
  sharded_counter c;
  constexpr int threads = 40;  // more than the shards that have one writer
  constexpr int adds = 10'000;
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&c] {
      for (int i = 0; i < adds; ++i)
        c.add(1);
    });
  }
  for (auto& t : pool)
    t.join();
  EXPECT_EQ(c.get(), static_cast<std::uint64_t>(threads) * adds);
}

TEST(ShardedCounter, BrokerStatsAddsAndReadsBothKinds) {
  broker_stats s;
  broker_stats::add(s.messages_sent, 3);
  broker_stats::add(s.clients_connected, 2);
  EXPECT_EQ(broker_stats::get(s.messages_sent), 3u);
  EXPECT_EQ(broker_stats::get(s.clients_connected), 2u);
}

}  // namespace
}  // namespace tern::broker
