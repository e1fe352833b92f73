// filter_covers and filters_overlap: a table of cases, then a brute-force
// cross-check against mqtt::topic_matches over every topic of a small
// alphabet (the literals in use, one other name and a '$' name), deep
// enough that '#' has a level to spare.

#include "auth/topic_relations.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "mqtt/codec/topic.hpp"

namespace tern::auth {
namespace {

TEST(topic_relations, covers) {
  EXPECT_TRUE(filter_covers("a/#", "a/+/b"));
  EXPECT_TRUE(filter_covers("a/#", "a"));  // "a/#" matches the parent
  EXPECT_TRUE(filter_covers("a/#", "a/#"));
  EXPECT_TRUE(filter_covers("#", "a/b"));
  EXPECT_TRUE(filter_covers("a/+", "a/b"));
  EXPECT_TRUE(filter_covers("a/+", "a/+"));
  EXPECT_FALSE(filter_covers("a/+", "a/#"));
  EXPECT_TRUE(filter_covers("+/#", "#"));       // every topic has a first level
  EXPECT_FALSE(filter_covers("a/+/#", "a/#"));  // "a/#" matches "a" too
  EXPECT_FALSE(filter_covers("a/b", "a/+"));
  EXPECT_FALSE(filter_covers("a/+/#", "a"));
  EXPECT_FALSE(filter_covers("a", "a/#"));
  EXPECT_FALSE(filter_covers("#", "$SYS/x"));  // [MQTT-4.7.2-1]
  EXPECT_FALSE(filter_covers("+/x", "$SYS/x"));
  EXPECT_TRUE(filter_covers("$SYS/#", "$SYS/broker/+"));
}

TEST(topic_relations, overlap) {
  EXPECT_TRUE(filters_overlap("a/+", "+/b"));
  EXPECT_TRUE(filters_overlap("#", "a/b/c"));
  EXPECT_TRUE(filters_overlap("a/#", "a"));
  EXPECT_TRUE(filters_overlap("a", "a/#"));
  EXPECT_FALSE(filters_overlap("a/b", "a/c"));
  EXPECT_FALSE(filters_overlap("a/+", "a"));
  EXPECT_FALSE(filters_overlap("a/+/c", "a/b"));
  EXPECT_FALSE(filters_overlap("#", "$SYS/#"));
  EXPECT_FALSE(filters_overlap("$SYS/#", "+/broker"));
  EXPECT_TRUE(filters_overlap("$SYS/#", "$SYS/+"));
}

// Every topic of up to `depth` levels over `names`.
std::vector<std::string> topics(const std::vector<std::string>& names, std::size_t depth) {
  std::vector<std::string> out, layer{""};
  for (std::size_t d = 1; d <= depth; ++d) {
    std::vector<std::string> next;
    for (const auto& prefix : layer)
      for (const auto& n : names)
        next.push_back(prefix.empty() ? n : prefix + "/" + n);
    out.insert(out.end(), next.begin(), next.end());
    layer = std::move(next);
  }
  return out;
}

TEST(topic_relations, agree_with_topic_matching_by_brute_force) {
  // Filters of up to 3 levels over a, $s, + and # ('#' last only).
  std::vector<std::string> filters;
  for (const auto& f : topics({"a", "$s", "+", "#"}, 3))
    if (mqtt::is_valid_topic_filter(f)) filters.push_back(f);
  const auto all_topics = topics({"a", "$s", "z"}, 4);
  for (const auto& x : filters) {
    for (const auto& y : filters) {
      bool every = true, some = false;
      for (const auto& t : all_topics) {
        const bool in_y = mqtt::topic_matches(y, t);
        const bool in_x = mqtt::topic_matches(x, t);
        if (in_y && !in_x) every = false;
        if (in_y && in_x) some = true;
      }
      // A filter matching nothing cannot occur here: every filter matches
      // some topic of the alphabet.
      EXPECT_EQ(filter_covers(x, y), every) << x << " covers " << y;
      EXPECT_EQ(filters_overlap(x, y), some) << x << " overlaps " << y;
    }
  }
}

}  // namespace
}  // namespace tern::auth
