// The retained-message tree: storage, pruning, and filter matching checked
// against the spec's examples and a brute-force matcher.

#include "session/retained_tree.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "reference_matches.hpp"

namespace tern::broker {
namespace {

using tree = retained_tree<std::shared_ptr<const std::string>>;

std::shared_ptr<const std::string> value(std::string s) {
  return std::make_shared<const std::string>(std::move(s));
}

// topic -> value of every match, checking each topic is reported once.
std::map<std::string, std::string> matching(const tree& t, std::string_view filter) {
  std::map<std::string, std::string> out;
  t.match(filter, [&](std::string_view topic, const std::shared_ptr<const std::string>& v) {
    EXPECT_TRUE(out.emplace(std::string(topic), *v).second) << topic;
  });
  return out;
}

std::vector<std::string> topics_matching(const tree& t, std::string_view filter) {
  std::vector<std::string> out;
  for (const auto& [topic, v] : matching(t, filter))
    out.push_back(topic);
  return out;
}

using topics = std::vector<std::string>;

using test_support::reference_matches;

tree spec_tree() {
  tree t;
  for (std::string_view topic :
       {"sport", "sport/tennis/player1", "sport/tennis/player1/ranking",
        "sport/tennis/player1/score/wimbledon", "sport/tennis/player2", "sport/", "/finance",
        "finance", "$SYS/monitor/Clients", "$SYS", "a//b", "/", "Accounts"}) {
    t.set(topic, value("v:" + std::string(topic)));
  }
  return t;
}

TEST(RetainedTree, SetReplacesFindsAndErases) {
  tree t;
  EXPECT_FALSE(t.set("a/b", value("1")));
  EXPECT_TRUE(t.set("a/b", value("2")));
  EXPECT_FALSE(t.set("a", value("3")));
  EXPECT_EQ(t.size(), 2u);
  EXPECT_EQ(*t.find("a/b"), "2");
  EXPECT_EQ(*t.find("a"), "3");
  EXPECT_EQ(t.find("a/"), nullptr);
  EXPECT_EQ(t.find("a/b/c"), nullptr);
  EXPECT_EQ(t.find("b"), nullptr);
  EXPECT_FALSE(t.erase("a/c"));
  EXPECT_FALSE(t.erase("a/b/c"));
  EXPECT_TRUE(t.erase("a/b"));
  EXPECT_FALSE(t.erase("a/b"));
  EXPECT_EQ(t.find("a/b"), nullptr);
  EXPECT_EQ(t.size(), 1u);
  // A null value erases (an empty retained payload deletes, spec 3.3.1.3).
  EXPECT_FALSE(t.set("a", nullptr));
  EXPECT_EQ(t.size(), 0u);
  EXPECT_TRUE(t.empty());
}

TEST(RetainedTree, SlotChangesAMessageInPlace) {
  tree t;
  t.set("a/b", value("1"));
  ASSERT_NE(t.slot("a/b"), nullptr);
  *t.slot("a/b") = value("2");
  EXPECT_EQ(*t.find("a/b"), "2");
  EXPECT_EQ(t.size(), 1u);
  // Inner levels and unknown topics have no slot to change.
  EXPECT_EQ(t.slot("a"), nullptr);
  EXPECT_EQ(t.slot("a/b/c"), nullptr);
  EXPECT_EQ(t.slot("x"), nullptr);
}
TEST(RetainedTree, EraseOfAnInnerTopicKeepsItsChildren) {
  tree t;
  t.set("a", value("a"));
  t.set("a/b", value("ab"));
  EXPECT_TRUE(t.erase("a"));
  EXPECT_EQ(t.node_count(), 2u);
  EXPECT_EQ(*t.find("a/b"), "ab");
  EXPECT_EQ(topics_matching(t, "#"), topics{"a/b"});
}

TEST(RetainedTree, ErasePrunesEmptyNodes) {
  tree t;
  t.set("a/b/c/d", value("1"));
  t.set("a/b/x", value("2"));
  EXPECT_EQ(t.node_count(), 5u);
  EXPECT_TRUE(t.erase("a/b/c/d"));
  EXPECT_EQ(t.node_count(), 3u);
  EXPECT_TRUE(t.erase("a/b/x"));
  EXPECT_EQ(t.node_count(), 0u);
  t.set("$SYS/x", value("3"));
  t.set("/", value("4"));
  EXPECT_EQ(t.node_count(), 4u);
  EXPECT_TRUE(t.erase("$SYS/x"));
  EXPECT_TRUE(t.erase("/"));
  EXPECT_EQ(t.node_count(), 0u);
}

TEST(RetainedTree, MatchSpecExamples) {
  const tree t = spec_tree();
  EXPECT_EQ(topics_matching(t, "sport/tennis/player1/#"),
            (topics{"sport/tennis/player1", "sport/tennis/player1/ranking",
                    "sport/tennis/player1/score/wimbledon"}));
  EXPECT_EQ(topics_matching(t, "sport/#"),
            (topics{"sport", "sport/", "sport/tennis/player1", "sport/tennis/player1/ranking",
                    "sport/tennis/player1/score/wimbledon", "sport/tennis/player2"}));
  EXPECT_EQ(topics_matching(t, "sport/tennis/+"),
            (topics{"sport/tennis/player1", "sport/tennis/player2"}));
  EXPECT_EQ(topics_matching(t, "sport/+"), (topics{"sport/"}));
  EXPECT_EQ(topics_matching(t, "+/+"), (topics{"/", "/finance", "sport/"}));
  EXPECT_EQ(topics_matching(t, "/+"), (topics{"/", "/finance"}));
  EXPECT_EQ(topics_matching(t, "+"), (topics{"Accounts", "finance", "sport"}));
  EXPECT_EQ(topics_matching(t, "a/+/b"), (topics{"a//b"}));
  EXPECT_EQ(topics_matching(t, "accounts"), (topics{}));
  EXPECT_EQ(topics_matching(t, "/finance"), (topics{"/finance"}));
  EXPECT_EQ(matching(t, "/finance").at("/finance"), "v:/finance");
}

TEST(RetainedTree, DollarTopicsOnlyForDollarFilters) {
  // [MQTT-4.7.2-1]
  const tree t = spec_tree();
  const auto all = topics_matching(t, "#");
  EXPECT_EQ(all.size(), 11u);
  for (const auto& topic : all)
    EXPECT_NE(topic.front(), '$');
  EXPECT_EQ(topics_matching(t, "+/monitor/Clients"), (topics{}));
  EXPECT_EQ(topics_matching(t, "$SYS/#"), (topics{"$SYS", "$SYS/monitor/Clients"}));
  EXPECT_EQ(topics_matching(t, "$SYS/monitor/+"), (topics{"$SYS/monitor/Clients"}));
  std::size_t n = 0;
  t.for_each([&](std::string_view, const auto&) { ++n; });
  EXPECT_EQ(n, t.size());
  EXPECT_EQ(n, 13u);
}

TEST(RetainedTree, VisitorSharesTheStoredValue) {
  tree t;
  const auto v = value("payload");
  t.set("x", v);
  std::shared_ptr<const std::string> kept;
  t.match("x", [&](std::string_view, const std::shared_ptr<const std::string>& p) { kept = p; });
  EXPECT_EQ(kept.get(), v.get());  // no copy of the message
  t.erase("x");
  EXPECT_EQ(*kept, "payload");  // outlives its removal from the tree
}

TEST(RetainedTree, DeepTopicsNeedNoStack) {
  std::string deep;
  for (int i = 0; i < 30000; ++i)
    deep += i ? "/a" : "a";
  tree t;
  t.set(deep, value("deep"));
  t.set(deep + "/b", value("deeper"));
  EXPECT_EQ(topics_matching(t, "#").size(), 2u);
  EXPECT_EQ(topics_matching(t, deep + "/+"), (topics{deep + "/b"}));
  EXPECT_TRUE(t.erase(deep + "/b"));
  EXPECT_EQ(t.node_count(), 30000u);
  // The destructor frees the 30,000-deep chain.
}

// `width` extra level names ("w0", "w1", ...) make levels wide enough for
// level_map to switch between its vector and hash map forms.
class RetainedTreeRandom : public ::testing::TestWithParam<std::size_t> {};

TEST_P(RetainedTreeRandom, AgreesWithBruteForce) {
  std::mt19937 rng(7);
  const std::size_t width = GetParam();
  const auto pick = [&](std::size_t n) {
    return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng);
  };
  const auto level = [&](std::initializer_list<std::string_view> alphabet) {
    const std::size_t i = pick(alphabet.size() + width);
    return i < alphabet.size() ? std::string(*(alphabet.begin() + i))
                               : "w" + std::to_string(i - alphabet.size());
  };
  const auto make = [&](std::initializer_list<std::string_view> alphabet, std::size_t max_levels,
                        bool filter) {
    const std::size_t n = 1 + pick(max_levels);
    std::string s;
    for (std::size_t i = 0; i < n; ++i) {
      if (i) s += '/';
      std::string l = level(alphabet);
      while (filter && l == "#" && i + 1 != n)
        l = level(alphabet);
      s += l;
    }
    return s;
  };
  tree t;
  std::map<std::string, std::string> model;
  for (int i = 0; i < 2000; ++i) {
    const std::string topic = make({"a", "b", "c", "", "$s"}, 5, false);
    if (pick(4) == 0) {
      EXPECT_EQ(t.erase(topic), model.erase(topic) == 1);
    } else {
      EXPECT_EQ(t.set(topic, value(std::to_string(i))), model.contains(topic));
      model[topic] = std::to_string(i);
    }
  }
  ASSERT_EQ(t.size(), model.size());
  for (int i = 0; i < 3000; ++i) {
    const std::string filter = make({"a", "b", "", "$s", "+", "+", "#"}, 5, true);
    std::map<std::string, std::string> want;
    for (const auto& [topic, v] : model) {
      if (reference_matches(filter, topic)) want.emplace(topic, v);
    }
    ASSERT_EQ(matching(t, filter), want) << filter;
  }
  for (const auto& [topic, v] : model) {
    EXPECT_TRUE(t.erase(topic));
  }
  EXPECT_EQ(t.size(), 0u);
  EXPECT_EQ(t.node_count(), 0u);
}

INSTANTIATE_TEST_SUITE_P(Widths, RetainedTreeRandom, ::testing::Values(0, 12));

}  // namespace
}  // namespace tern::broker
