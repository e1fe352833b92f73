// Shared subscriptions (v5 4.8.2) in the trie, and shared_group's ways
// of picking the one member that gets each message.

#include "session/shared_group.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "session/subscription_trie.hpp"

namespace tern::broker {
namespace {

subscription_entry entry(subscriber_id who, std::uint32_t identifier = 0) {
  subscription_entry e;
  e.subscriber = who;
  e.identifier = identifier;
  return e;
}

TEST(SharedGroup, EachGroupIsOneMatch) {
  subscription_trie trie;
  trie.subscribe("$share/workers/jobs/+", entry(1));
  trie.subscribe("$share/workers/jobs/+", entry(2));
  trie.subscribe("$share/workers/jobs/+", entry(3));
  trie.subscribe("$share/audit/jobs/+", entry(1));
  trie.subscribe("$share/workers/jobs/#", entry(4));  // another filter, another group
  trie.subscribe("jobs/+", entry(1));                 // not shared: its own subscription
  EXPECT_EQ(trie.size(), 6u);

  match_result r;
  trie.match("jobs/42", r);
  ASSERT_EQ(r.direct.size(), 1u);
  EXPECT_EQ(r.direct[0]->subscriber, 1u);
  ASSERT_EQ(r.shared.size(), 3u);
  std::map<std::string, std::size_t> sizes;
  for (const shared_group* g : r.shared)
    sizes[std::string(g->name())] += g->size();
  EXPECT_EQ(sizes, (std::map<std::string, std::size_t>{{"workers", 4}, {"audit", 1}}));

  EXPECT_TRUE(trie.subscribe("$share/workers/jobs/+", entry(2, 9)));  // replace
  EXPECT_EQ(trie.find("$share/workers/jobs/+", 2)->identifier, 9u);
  EXPECT_EQ(trie.find("$share/other/jobs/+", 2), nullptr);
  EXPECT_EQ(trie.find("jobs/+", 2), nullptr);
  EXPECT_EQ(trie.size(), 6u);
}

TEST(SharedGroup, RoundRobinVisitsEveryMemberInTurn) {
  subscription_trie trie;
  for (subscriber_id id = 1; id <= 3; ++id)
    trie.subscribe("$share/g/t", entry(id));
  match_result r;
  trie.match("t", r);
  ASSERT_EQ(r.shared.size(), 1u);
  shared_group& g = *r.shared[0];
  std::map<subscriber_id, int> counts;
  std::vector<subscriber_id> order;
  for (int i = 0; i < 300; ++i) {
    const subscriber_id who = g.pick_round_robin().subscriber;
    ++counts[who];
    if (i < 6) order.push_back(who);
  }
  EXPECT_EQ(counts, (std::map<subscriber_id, int>{{1, 100}, {2, 100}, {3, 100}}));
  // A full turn before anyone gets a second message.
  EXPECT_EQ(std::set<subscriber_id>(order.begin(), order.begin() + 3).size(), 3u);
  EXPECT_EQ(std::vector<subscriber_id>(order.begin(), order.begin() + 3),
            std::vector<subscriber_id>(order.begin() + 3, order.end()));

  // Skipping members that cannot take the message (e.g. offline).
  for (int i = 0; i < 10; ++i) {
    const subscription_entry* e =
        g.pick_round_robin_if([](const subscription_entry& m) { return m.subscriber != 2; });
    ASSERT_NE(e, nullptr);
    EXPECT_NE(e->subscriber, 2u);
  }
  EXPECT_EQ(g.pick_round_robin_if([](const subscription_entry&) { return false; }), nullptr);
}

TEST(SharedGroup, RandomAndStickyPicks) {
  subscription_trie trie;
  for (subscriber_id id = 1; id <= 5; ++id)
    trie.subscribe("$share/g/t", entry(id));
  match_result r;
  trie.match("t", r);
  ASSERT_EQ(r.shared.size(), 1u);
  const shared_group& g = *r.shared[0];
  std::set<subscriber_id> seen;
  for (std::uint64_t i = 0; i < 5; ++i)
    seen.insert(g.pick_random(i).subscriber);
  EXPECT_EQ(seen.size(), 5u);

  // Sticky: same key, same member; spread over members; only the keys of a
  // member that leaves move.
  std::map<std::uint64_t, subscriber_id> before;
  std::set<subscriber_id> used;
  for (std::uint64_t key = 0; key < 1000; ++key) {
    before[key] = g.pick_sticky(key).subscriber;
    EXPECT_EQ(g.pick_sticky(key).subscriber, before[key]);
    used.insert(before[key]);
  }
  EXPECT_EQ(used.size(), 5u);
  ASSERT_TRUE(trie.unsubscribe("$share/g/t", 3));
  trie.match("t", r);
  ASSERT_EQ(r.shared.size(), 1u);
  for (const auto& [key, who] : before) {
    const subscriber_id now = r.shared[0]->pick_sticky(key).subscriber;
    EXPECT_NE(now, 3u);
    if (who != 3) {
      EXPECT_EQ(now, who) << key;
    }
  }
}

TEST(SharedGroup, GoesAwayWithItsLastMember) {
  subscription_trie trie;
  trie.subscribe("$share/g/t", entry(1));
  trie.subscribe("$share/g/t", entry(2));
  EXPECT_FALSE(trie.unsubscribe("$share/h/t", 1));
  EXPECT_FALSE(trie.unsubscribe("t", 1));
  EXPECT_TRUE(trie.unsubscribe("$share/g/t", 1));
  match_result r;
  trie.match("t", r);
  ASSERT_EQ(r.shared.size(), 1u);
  ASSERT_EQ(r.shared[0]->members().size(), 1u);
  EXPECT_EQ(r.shared[0]->members()[0].subscriber, 2u);
  EXPECT_TRUE(trie.unsubscribe("$share/g/t", 2));
  trie.match("t", r);
  EXPECT_TRUE(r.shared.empty());
  EXPECT_EQ(trie.node_count(), 0u);
}

TEST(SharedGroup, IgnoresDollarTopicsWithLeadingWildcard) {
  subscription_trie trie;
  trie.subscribe("$share/g/#", entry(1));
  trie.subscribe("$share/g/$SYS/#", entry(2));
  match_result r;
  trie.match("$SYS/load", r);
  ASSERT_EQ(r.shared.size(), 1u);
  EXPECT_EQ(r.shared[0]->members()[0].subscriber, 2u);
}

}  // namespace
}  // namespace tern::broker
