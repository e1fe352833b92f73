// The limit settings tern adds (max_connection_rate, max_publish_rate,
// max_topic_levels, max_subscriptions_per_client) and
// mosquitto's connection limits: values read, bad ones refused with the
// file and line.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "app/config/config.hpp"

namespace tern::app {
namespace {

using ::testing::HasSubstr;

TEST(limits_config, connection_limits_and_rates_are_read) {
  const config c = parse_config(
      "global_max_connections 100\nmax_connection_rate 10/60\nmax_publish_rate 50\n"
      "listener 1883\nmax_connections 5\n",
      "t.conf");
  EXPECT_EQ(c.max_connections, 100u);
  EXPECT_EQ(c.connection_rate_count, 10u);
  EXPECT_EQ(c.connection_rate_seconds, 60u);
  EXPECT_EQ(c.max_publish_rate, 50u);
  ASSERT_EQ(c.listeners.size(), 1u);
  EXPECT_EQ(c.listeners[0].max_connections, 5u);
}

TEST(limits_config, a_rate_without_seconds_is_per_second_and_minus_one_is_no_limit) {
  const config c = parse_config("max_connection_rate 7\nglobal_max_connections -1\n", "t.conf");
  EXPECT_EQ(c.connection_rate_count, 7u);
  EXPECT_EQ(c.connection_rate_seconds, 1u);
  EXPECT_EQ(c.max_connections, 0u);
  const config none = parse_config("", "t.conf");
  EXPECT_EQ(none.connection_rate_count, 0u);
  EXPECT_EQ(none.max_publish_rate, 0u);
}

TEST(limits_config, topic_levels_and_subscriptions_per_client_have_bounds_by_default) {
  const config defaults = parse_config("", "t.conf");
  EXPECT_EQ(defaults.max_topic_levels, 200u);
  EXPECT_EQ(defaults.max_subscriptions_per_client, 10000u);
  const config c = parse_config("max_topic_levels 16\nmax_subscriptions_per_client 50\n", "t.conf");
  EXPECT_EQ(c.max_topic_levels, 16u);
  EXPECT_EQ(c.max_subscriptions_per_client, 50u);
  const config none =
      parse_config("max_topic_levels 0\nmax_subscriptions_per_client -1\n", "t.conf");
  EXPECT_EQ(none.max_topic_levels, 0u);
  EXPECT_EQ(none.max_subscriptions_per_client, 0u);
}

TEST(limits_config, bad_values_name_the_line) {
  for (const char* text :
       {"\nmax_connection_rate ten/1\n", "\nmax_connection_rate 5/0\n",
        "\nmax_connection_rate 5/x\n", "\nmax_publish_rate -3\n", "\nmax_publish_rate fast\n",
        "\nmax_topic_levels 70000\n", "\nmax_subscriptions_per_client many\n"}) {
    try {
      parse_config(text, "t.conf");
      ADD_FAILURE() << "accepted: " << text;
    } catch (const config_error& e) {
      EXPECT_EQ(e.location(), "t.conf:2") << text;
      EXPECT_THAT(e.what(), HasSubstr("max_")) << text;
    }
  }
}

}  // namespace
}  // namespace tern::app
