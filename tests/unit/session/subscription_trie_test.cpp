// The subscription trie against the examples of spec 4.7, the codec's
// matcher, and a brute-force matcher on random filters and topics.

#include "session/subscription_trie.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mqtt/codec/topic.hpp"
#include "reference_matches.hpp"

namespace tern::broker {
namespace {

using ids = std::multiset<std::uint64_t>;

subscription_entry entry(subscriber_id who, std::uint32_t identifier = 0,
                         mqtt::qos q = mqtt::qos::at_most_once) {
  subscription_entry e;
  e.subscriber = who;
  e.options.max_qos = q;
  e.identifier = identifier;
  return e;
}

// Subscribers of the direct matches, with multiplicity.
ids direct_subscribers(const subscription_trie& trie, std::string_view topic) {
  match_result r;
  trie.match(topic, r);
  ids out;
  for (const subscription_entry* e : r.direct)
    out.insert(e->subscriber);
  return out;
}

bool matches(std::string_view filter, std::string_view topic) {
  subscription_trie trie;
  trie.subscribe(filter, entry(1));
  return direct_subscribers(trie, topic) == ids{1};
}

using test_support::reference_matches;

TEST(SubscriptionTrie, MultiLevelWildcardSpecExamples) {
  // Spec 4.7.1.2.
  constexpr std::string_view f = "sport/tennis/player1/#";
  EXPECT_TRUE(matches(f, "sport/tennis/player1"));
  EXPECT_TRUE(matches(f, "sport/tennis/player1/ranking"));
  EXPECT_TRUE(matches(f, "sport/tennis/player1/score/wimbledon"));
  EXPECT_FALSE(matches(f, "sport/tennis/player2"));
  EXPECT_FALSE(matches(f, "sport/tennis"));
  // '#' matches the parent level [MQTT-4.7.1-2].
  EXPECT_TRUE(matches("sport/#", "sport"));
  EXPECT_TRUE(matches("sport/#", "sport/"));
  EXPECT_FALSE(matches("sport/#", "sports"));
  EXPECT_TRUE(matches("#", "sport"));
  EXPECT_TRUE(matches("#", "/"));
  EXPECT_TRUE(matches("#", "a/b/c/d/e"));
}

TEST(SubscriptionTrie, SingleLevelWildcardSpecExamples) {
  // Spec 4.7.1.3.
  EXPECT_TRUE(matches("sport/tennis/+", "sport/tennis/player1"));
  EXPECT_TRUE(matches("sport/tennis/+", "sport/tennis/player2"));
  EXPECT_FALSE(matches("sport/tennis/+", "sport/tennis/player1/ranking"));
  EXPECT_FALSE(matches("sport/+", "sport"));
  EXPECT_TRUE(matches("sport/+", "sport/"));  // an empty level is a level
  EXPECT_TRUE(matches("+", "sport"));
  EXPECT_TRUE(matches("+/tennis/#", "sport/tennis/player1"));
  EXPECT_TRUE(matches("sport/+/player1", "sport/tennis/player1"));
  EXPECT_TRUE(matches("+/+", "/finance"));
  EXPECT_TRUE(matches("/+", "/finance"));
  EXPECT_FALSE(matches("+", "/finance"));
  EXPECT_TRUE(matches("+/#", "sport"));  // '+' then '#' matching zero levels
}

TEST(SubscriptionTrie, EmptyLevelsAreLevels) {
  EXPECT_TRUE(matches("a//b", "a//b"));
  EXPECT_TRUE(matches("a/+/b", "a//b"));
  EXPECT_FALSE(matches("a/b", "a//b"));
  EXPECT_FALSE(matches("a/+", "a"));
  EXPECT_TRUE(matches("a/", "a/"));
  EXPECT_FALSE(matches("a", "a/"));
  EXPECT_TRUE(matches("/", "/"));
  EXPECT_TRUE(matches("+/+", "/"));
  EXPECT_TRUE(matches("/finance", "/finance"));
  EXPECT_FALSE(matches("finance", "/finance"));
}

TEST(SubscriptionTrie, LevelsCompareByteForByte) {
  // [MQTT-4.7.3-4]: no normalization, case-sensitive.
  EXPECT_FALSE(matches("ACCOUNTS", "Accounts"));
  EXPECT_FALSE(matches("a b", "a  b"));
  EXPECT_TRUE(matches("caf\xc3\xa9/+", "caf\xc3\xa9/x"));
}

TEST(SubscriptionTrie, DollarTopicsAreNotMatchedByLeadingWildcards) {
  // [MQTT-4.7.2-1] and the examples of spec 4.7.2.
  EXPECT_FALSE(matches("#", "$SYS/monitor/Clients"));
  EXPECT_FALSE(matches("+/monitor/Clients", "$SYS/monitor/Clients"));
  EXPECT_FALSE(matches("+", "$SYS"));
  EXPECT_FALSE(matches("+/#", "$SYS"));
  EXPECT_TRUE(matches("$SYS/#", "$SYS/monitor/Clients"));
  EXPECT_TRUE(matches("$SYS/monitor/+", "$SYS/monitor/Clients"));
  EXPECT_TRUE(matches("$SYS/#", "$SYS"));
  EXPECT_TRUE(matches("$SYS", "$SYS"));
  EXPECT_FALSE(matches("$SYS/#", "SYS/x"));
  // '$' has no meaning past the first level.
  EXPECT_TRUE(matches("+/$x", "a/$x"));
  EXPECT_TRUE(matches("a/#", "a/$x"));
}

TEST(SubscriptionTrie, OverlappingSubscriptionsEachMatch) {
  subscription_trie trie;
  trie.subscribe("a/#", entry(7, 1, mqtt::qos::at_most_once));
  trie.subscribe("a/+", entry(7, 2, mqtt::qos::exactly_once));
  trie.subscribe("a/b", entry(7, 3, mqtt::qos::at_least_once));
  trie.subscribe("#", entry(7, 4));
  trie.subscribe("a/c", entry(7, 5));
  trie.subscribe("a/b", entry(8, 6));
  match_result r;
  trie.match("a/b", r);
  std::set<std::pair<subscriber_id, std::uint32_t>> got;
  for (const subscription_entry* e : r.direct)
    got.emplace(e->subscriber, e->identifier);
  const std::set<std::pair<subscriber_id, std::uint32_t>> want{
      {7, 1}, {7, 2}, {7, 3}, {7, 4}, {8, 6}};
  EXPECT_EQ(got, want);
  EXPECT_EQ(r.direct.size(), 5u);  // one per filter; merging is the router's job
  EXPECT_TRUE(r.shared.empty());
}

TEST(SubscriptionTrie, ResubscribeReplaces) {
  // [MQTT-3.8.4-3]
  subscription_trie trie;
  EXPECT_FALSE(trie.subscribe("a/+", entry(1, 10, mqtt::qos::at_most_once)));
  EXPECT_TRUE(trie.subscribe("a/+", entry(1, 11, mqtt::qos::exactly_once)));
  EXPECT_FALSE(trie.subscribe("a/+", entry(2, 12)));
  EXPECT_EQ(trie.size(), 2u);
  match_result r;
  trie.match("a/x", r);
  ASSERT_EQ(r.direct.size(), 2u);
  const subscription_entry* mine = trie.find("a/+", 1);
  ASSERT_NE(mine, nullptr);
  EXPECT_EQ(mine->identifier, 11u);
  EXPECT_EQ(mine->options.max_qos, mqtt::qos::exactly_once);
  EXPECT_EQ(trie.find("a/+", 3), nullptr);
  EXPECT_EQ(trie.find("a/b", 1), nullptr);
  EXPECT_EQ(trie.find("a", 1), nullptr);
}

TEST(SubscriptionTrie, UnsubscribeRemovesOnlyTheExactFilter) {
  // [MQTT-3.10.4-1]: compared character by character, wildcards included.
  subscription_trie trie;
  trie.subscribe("a/+", entry(1));
  trie.subscribe("a/b", entry(1));
  EXPECT_FALSE(trie.unsubscribe("a/#", 1));
  EXPECT_FALSE(trie.unsubscribe("a/+", 2));
  EXPECT_FALSE(trie.unsubscribe("a/+/c", 1));
  EXPECT_FALSE(trie.unsubscribe("x", 1));
  EXPECT_TRUE(trie.unsubscribe("a/+", 1));
  EXPECT_FALSE(trie.unsubscribe("a/+", 1));
  EXPECT_EQ(trie.size(), 1u);
  EXPECT_EQ(direct_subscribers(trie, "a/b"), ids{1});
  EXPECT_EQ(direct_subscribers(trie, "a/c"), ids{});
}

TEST(SubscriptionTrie, UnsubscribePrunesEmptyNodes) {
  subscription_trie trie;
  trie.subscribe("a/b/c/d", entry(1));
  trie.subscribe("a/b/x", entry(1));
  EXPECT_EQ(trie.node_count(), 5u);  // a b c d x
  EXPECT_TRUE(trie.unsubscribe("a/b/c/d", 1));
  EXPECT_EQ(trie.node_count(), 3u);  // a b x
  EXPECT_TRUE(trie.unsubscribe("a/b/x", 1));
  EXPECT_EQ(trie.node_count(), 0u);

  // A node with subscribers of its own, or other children, stays.
  trie.subscribe("a", entry(1));
  trie.subscribe("a/b/c", entry(2));
  trie.subscribe("a/b/c", entry(3));
  EXPECT_TRUE(trie.unsubscribe("a/b/c", 2));
  EXPECT_EQ(trie.node_count(), 3u);
  EXPECT_TRUE(trie.unsubscribe("a/b/c", 3));
  EXPECT_EQ(trie.node_count(), 1u);
  EXPECT_EQ(direct_subscribers(trie, "a"), ids{1});
  EXPECT_TRUE(trie.unsubscribe("a", 1));
  EXPECT_EQ(trie.node_count(), 0u);

  // Wildcard slots and '$' filters are pruned too.
  trie.subscribe("+/+/#", entry(1));
  trie.subscribe("$SYS/+", entry(1));
  trie.subscribe("$share/g/+/x", entry(1));
  EXPECT_EQ(trie.node_count(), 3u + 2u + 1u);  // "+/x" reuses the first '+'
  EXPECT_TRUE(trie.unsubscribe("+/+/#", 1));
  EXPECT_TRUE(trie.unsubscribe("$SYS/+", 1));
  EXPECT_TRUE(trie.unsubscribe("$share/g/+/x", 1));
  EXPECT_EQ(trie.node_count(), 0u);
  EXPECT_EQ(trie.size(), 0u);
  EXPECT_TRUE(trie.empty());
}

TEST(SubscriptionTrie, UnsubscribeKeepsSiblingsOfAPrunedChain) {
  subscription_trie trie;
  trie.subscribe("a/#", entry(1));
  trie.subscribe("a/+", entry(2));
  trie.subscribe("a/b/c", entry(3));
  EXPECT_TRUE(trie.unsubscribe("a/b/c", 3));
  EXPECT_EQ(trie.node_count(), 3u);  // a # +
  EXPECT_EQ(direct_subscribers(trie, "a/b"), (ids{1, 2}));
  EXPECT_TRUE(trie.unsubscribe("a/#", 1));
  EXPECT_EQ(direct_subscribers(trie, "a/b"), ids{2});
  EXPECT_EQ(trie.node_count(), 2u);
}

TEST(SubscriptionTrie, MatchResultIsClearedAndReused) {
  subscription_trie trie;
  trie.subscribe("a", entry(1));
  trie.subscribe("$share/g/a", entry(2));
  match_result r;
  trie.match("a", r);
  EXPECT_EQ(r.direct.size(), 1u);
  EXPECT_EQ(r.shared.size(), 1u);
  trie.match("b", r);
  EXPECT_TRUE(r.direct.empty());
  EXPECT_TRUE(r.shared.empty());
  trie.match("a", r);
  EXPECT_EQ(r.direct.size(), 1u);
}

TEST(SubscriptionTrie, ManySubscribersOnOneFilter) {
  // Past subscriber_list::index_threshold the list keeps an index.
  subscription_trie trie;
  constexpr subscriber_id n = 1000;
  for (subscriber_id id = 1; id <= n; ++id)
    trie.subscribe("news", entry(id, 1));
  for (subscriber_id id = 1; id <= n; id += 2)
    EXPECT_TRUE(trie.subscribe("news", entry(id, 2)));
  for (subscriber_id id = 2; id <= n; id += 4)
    EXPECT_TRUE(trie.unsubscribe("news", id));
  EXPECT_EQ(trie.size(), n - n / 4);
  match_result r;
  trie.match("news", r);
  ASSERT_EQ(r.direct.size(), n - n / 4);
  for (const subscription_entry* e : r.direct) {
    EXPECT_NE(e->subscriber % 4, 2u);
    EXPECT_EQ(e->identifier, e->subscriber % 2 == 1 ? 2u : 1u);
  }
  // Shrinking below the threshold drops the index; lookups still work.
  for (subscriber_id id = 1; id <= n; ++id) {
    if (id % 4 != 2 && id > 10) {
      EXPECT_TRUE(trie.unsubscribe("news", id));
    }
  }
  EXPECT_EQ(direct_subscribers(trie, "news"), (ids{1, 3, 4, 5, 7, 8, 9}));
  EXPECT_TRUE(trie.subscribe("news", entry(4, 5)));
  EXPECT_EQ(trie.find("news", 4)->identifier, 5u);
}

TEST(SubscriptionTrie, DeepFiltersNeedNoStack) {
  // 32,767 levels fit in a 65,535-byte filter; nothing here may recurse.
  std::string deep;
  for (int i = 0; i < 30000; ++i)
    deep += i ? "/a" : "a";
  subscription_trie trie;
  trie.subscribe(deep, entry(1));
  trie.subscribe(deep + "/#", entry(2));
  trie.subscribe("#", entry(3));
  EXPECT_EQ(direct_subscribers(trie, deep), (ids{1, 2, 3}));
  EXPECT_EQ(direct_subscribers(trie, deep + "/a"), (ids{2, 3}));
  EXPECT_TRUE(trie.unsubscribe(deep, 1));
  EXPECT_EQ(trie.node_count(), 30002u);  // the chain still leads to deep/#
  // The destructor tears the remaining 30,000-deep chain down.
}

// Random filters and topics over a small alphabet, so that they collide
// often, checked against reference_matches.
class random_topics {
 public:
  // `width` extra level names ("w0", "w1", ...) make levels wide enough for
  // level_map to switch between its vector and hash map forms.
  random_topics(std::uint32_t seed, std::size_t width) : rng_(seed), width_(width) {}

  std::string topic() {
    static constexpr std::string_view levels[] = {"a", "b", "c", "", "$s", "ab"};
    return join(1 + pick(5), [&](std::size_t) { return level(levels); });
  }

  std::string filter() {
    static constexpr std::string_view levels[] = {"a", "b", "", "$s", "+", "+", "#"};
    const std::size_t n = 1 + pick(4);
    return join(n, [&](std::size_t i) {
      std::string l = level(levels);
      while (l == "#" && i + 1 != n)
        l = level(levels);
      return l;
    });
  }

  std::size_t pick(std::size_t n) {
    return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng_);
  }

 private:
  template <std::size_t N>
  std::string level(const std::string_view (&fixed)[N]) {
    const std::size_t i = pick(N + width_);
    return i < N ? std::string(fixed[i]) : "w" + std::to_string(i - N);
  }

  template <class Level>
  std::string join(std::size_t n, Level level) {
    std::string s;
    for (std::size_t i = 0; i < n; ++i) {
      if (i) s += '/';
      s += level(i);
    }
    return s;
  }

  std::mt19937 rng_;
  std::size_t width_;
};

class SubscriptionTrieRandom : public ::testing::TestWithParam<std::size_t> {};

TEST_P(SubscriptionTrieRandom, AgreesWithBruteForce) {
  random_topics gen(20240601, GetParam());
  subscription_trie trie;
  // (filter, subscriber) -> identifier: what the trie should hold.
  std::map<std::pair<std::string, subscriber_id>, std::uint32_t> model;
  for (std::uint32_t i = 1; i <= 3000; ++i) {
    const std::string f = gen.filter();
    const subscriber_id who = gen.pick(50);
    const bool existed = model.contains({f, who});
    EXPECT_EQ(trie.subscribe(f, entry(who, i)), existed) << f;
    model[{f, who}] = i;
  }
  const auto check = [&] {
    ASSERT_EQ(trie.size(), model.size());
    match_result r;
    for (int t = 0; t < 2000; ++t) {
      const std::string topic = gen.topic();
      std::multiset<std::pair<subscriber_id, std::uint32_t>> want;
      for (const auto& [key, identifier] : model) {
        if (reference_matches(key.first, topic)) want.emplace(key.second, identifier);
      }
      trie.match(topic, r);
      std::multiset<std::pair<subscriber_id, std::uint32_t>> got;
      for (const subscription_entry* e : r.direct)
        got.emplace(e->subscriber, e->identifier);
      ASSERT_EQ(got, want) << topic;
    }
  };
  check();
  // Remove about half, including filters that were never subscribed.
  for (int i = 0; i < 3000; ++i) {
    const std::string f = gen.filter();
    const subscriber_id who = gen.pick(50);
    EXPECT_EQ(trie.unsubscribe(f, who), model.erase({f, who}) == 1) << f;
  }
  check();
  for (const auto& [key, identifier] : model)
    EXPECT_TRUE(trie.unsubscribe(key.first, key.second));
  EXPECT_EQ(trie.size(), 0u);
  EXPECT_EQ(trie.node_count(), 0u);
}

// Narrow levels collide often; wide ones exercise level_map's hash form.
INSTANTIATE_TEST_SUITE_P(Widths, SubscriptionTrieRandom, ::testing::Values(0, 12));

TEST(SubscriptionTrie, AgreesWithTheCodecMatcher) {
  // mqtt::topic_matches serves ACLs; it must never disagree with routing.
  random_topics gen(99, 3);
  for (int i = 0; i < 20000; ++i) {
    const std::string filter = gen.filter();
    const std::string topic = gen.topic();
    subscription_trie trie;
    trie.subscribe(filter, entry(1));
    match_result r;
    trie.match(topic, r);
    ASSERT_EQ(r.direct.size() == 1, mqtt::topic_matches(filter, topic)) << filter << " " << topic;
  }
}

TEST(SubscriptionTrie, ReferenceMatcherSelfCheck) {
  // Guards the oracle of the randomized test with the spec's examples.
  EXPECT_TRUE(reference_matches("sport/#", "sport"));
  EXPECT_TRUE(reference_matches("+/+", "/finance"));
  EXPECT_FALSE(reference_matches("+", "/finance"));
  EXPECT_FALSE(reference_matches("#", "$SYS/x"));
  EXPECT_TRUE(reference_matches("$SYS/#", "$SYS"));
  EXPECT_FALSE(reference_matches("a/+", "a"));
  EXPECT_TRUE(reference_matches("a/+", "a/"));
  EXPECT_FALSE(reference_matches("a", "a/"));
  EXPECT_FALSE(reference_matches("a/b", "a"));
  EXPECT_TRUE(reference_matches("a/#", "a"));
  EXPECT_TRUE(reference_matches("+/#", "a"));
  EXPECT_FALSE(reference_matches("a//b", "a/b"));
  EXPECT_TRUE(reference_matches("a/+/b", "a//b"));
}

}  // namespace
}  // namespace tern::broker
