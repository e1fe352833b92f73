// Topic prefixes as mosquitto.conf(5) defines them for `topic`: the local
// prefix is replaced by the remote one going out, and back coming in.
#include <gtest/gtest.h>

#include "bridge/topic_map.hpp"

namespace tern::bridge {
namespace {

topic_rule rule(std::string pattern, direction d, std::string local = "", std::string remote = "") {
  return {std::move(pattern), d, mqtt::qos::at_least_once, std::move(local), std::move(remote)};
}

TEST(topic_map, PrefixesRenameBothWays) {
  topic_map m({rule("sensors/#", direction::both, "site/", "fleet/gw1/")});
  EXPECT_EQ(m.to_remote("site/sensors/t1"), "fleet/gw1/sensors/t1");
  EXPECT_EQ(m.to_local("fleet/gw1/sensors/t1"), "site/sensors/t1");
  EXPECT_EQ(m.to_remote("sensors/t1"), std::nullopt) << "without the local prefix";
  EXPECT_EQ(m.to_local("fleet/gw2/sensors/t1"), std::nullopt);
}

TEST(topic_map, FiltersCarryThePrefixOfTheirSide) {
  topic_map m({rule("a/#", direction::out, "l/", "r/"), rule("b/+", direction::in, "l/", "r/"),
               rule("c", direction::both)});
  ASSERT_EQ(m.local_filters().size(), 2u);
  EXPECT_EQ(m.local_filters()[0].topic_filter, "l/a/#");
  EXPECT_EQ(m.local_filters()[1].topic_filter, "c");
  ASSERT_EQ(m.remote_filters().size(), 2u);
  EXPECT_EQ(m.remote_filters()[0].topic_filter, "r/b/+");
  EXPECT_EQ(m.remote_filters()[0].qos, mqtt::qos::at_least_once);
}

TEST(topic_map, DirectionIsRespected) {
  topic_map m({rule("up/#", direction::out), rule("down/#", direction::in)});
  EXPECT_EQ(m.to_remote("up/x"), "up/x");
  EXPECT_EQ(m.to_remote("down/x"), std::nullopt) << "an `in` topic never goes out";
  EXPECT_EQ(m.to_local("down/x"), "down/x");
  EXPECT_EQ(m.to_local("up/x"), std::nullopt);
}

TEST(topic_map, EmptyPatternLetsThePrefixesNameOneTopic) {
  topic_map m({rule("", direction::out, "local/topic", "remote/topic")});
  EXPECT_EQ(m.local_filters().at(0).topic_filter, "local/topic");
  EXPECT_EQ(m.to_remote("local/topic"), "remote/topic");
  EXPECT_EQ(m.to_remote("local/topic/x"), std::nullopt);
}

TEST(topic_map, FirstMatchingRuleWins) {
  topic_map m({rule("a/#", direction::out, "", "one/"), rule("a/b", direction::out, "", "two/")});
  EXPECT_EQ(m.to_remote("a/b"), "one/a/b");
}

}  // namespace
}  // namespace tern::bridge
