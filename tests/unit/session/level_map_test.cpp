// level_map across its small (vector) and large (hash map) forms.

#include "session/level_map.hpp"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>

namespace tern::broker {
namespace {

struct node {
  std::unique_ptr<int> value;  // move-only, as trie and tree nodes are
};

std::map<std::string, int> contents(const level_map<node>& m) {
  std::map<std::string, int> out;
  for (const auto [level, child] : m) {
    EXPECT_TRUE(out.emplace(std::string(level), child.value ? *child.value : -1).second);
  }
  EXPECT_EQ(out.size(), m.size());
  return out;
}

TEST(LevelMap, EmptyHasNoChildren) {
  level_map<node> m;
  EXPECT_TRUE(m.empty());
  EXPECT_EQ(m.size(), 0u);
  EXPECT_EQ(m.find("a"), nullptr);
  EXPECT_EQ(m.find(""), nullptr);
  EXPECT_FALSE(m.erase("a"));
  EXPECT_TRUE(m.begin() == m.end());
}

TEST(LevelMap, EmplaceFindsOrCreates) {
  level_map<node> m;
  auto [a, created] = m.emplace("a");
  EXPECT_TRUE(created);
  a->value = std::make_unique<int>(1);
  auto [again, created_again] = m.emplace("a");
  EXPECT_FALSE(created_again);
  EXPECT_EQ(*again->value, 1);
  EXPECT_TRUE(m.emplace("").second);  // empty levels are levels
  EXPECT_NE(m.find(""), nullptr);
  EXPECT_EQ(m.find("A"), nullptr);
  EXPECT_EQ(m.size(), 2u);
}

TEST(LevelMap, GrowsIntoAHashMapAndShrinksBack) {
  level_map<node> m;
  std::map<std::string, int> want;
  const int n = static_cast<int>(level_map<node>::small_limit) * 4;
  for (int i = 0; i < n; ++i) {
    const std::string level = "level" + std::to_string(i);
    m.emplace(level).first->value = std::make_unique<int>(i);
    want[level] = i;
    ASSERT_EQ(contents(m), want);  // every size, across the switch
  }
  for (int i = 0; i < n; ++i) {
    const std::string level = "level" + std::to_string(i);
    EXPECT_FALSE(m.erase("missing"));
    EXPECT_TRUE(m.erase(level));
    EXPECT_FALSE(m.erase(level));
    want.erase(level);
    ASSERT_EQ(contents(m), want);
    for (const auto& [l, v] : want)
      ASSERT_EQ(*m.find(l)->value, v);
  }
  EXPECT_TRUE(m.empty());
}

TEST(LevelMap, MovesOwnership) {
  level_map<node> a;
  a.emplace("x").first->value = std::make_unique<int>(7);
  level_map<node> b(std::move(a));
  EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move): moved-from is empty
  EXPECT_EQ(*b.find("x")->value, 7);
  level_map<node> c;
  c.emplace("y");
  c = std::move(b);
  EXPECT_EQ(c.find("y"), nullptr);
  EXPECT_EQ(*c.find("x")->value, 7);
}

TEST(LevelMap, ForEachReachesEveryChild) {
  level_map<node> m;
  for (int i = 0; i < 20; ++i)
    m.emplace(std::to_string(i));
  int visited = 0;
  m.for_each([&](std::string_view level, node& child) {
    child.value = std::make_unique<int>(std::stoi(std::string(level)));
    ++visited;
  });
  EXPECT_EQ(visited, 20);
  for (int i = 0; i < 20; ++i)
    EXPECT_EQ(*m.find(std::to_string(i))->value, i);
}

}  // namespace
}  // namespace tern::broker
