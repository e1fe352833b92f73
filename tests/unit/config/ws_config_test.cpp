// The settings of websockets listeners: read into listener_config, and each
// mistake stops start-up with the file and line and what to write instead.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "app/config/config.hpp"

namespace tern::app {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(ws_config, settings_are_read_per_listener) {
  const config c = parse_config(
      "listener 1883\n"
      "listener 8080\n"
      "protocol websockets\n"
      "websockets_path /mqtt\n"
      "websockets_origin https://app.example http://localhost:8000\n"
      "websockets_origin null\n"
      "websockets_trusted_proxy 127.0.0.1 10.0.0.0/8\n"
      "websockets_trusted_proxy ::1 # the local nginx\n",
      "t.conf");
  ASSERT_EQ(c.listeners.size(), 2u);
  EXPECT_EQ(c.listeners[0].protocol, "mqtt");
  EXPECT_TRUE(c.listeners[0].websockets_path.empty());
  const listener_config& ws = c.listeners[1];
  EXPECT_EQ(ws.protocol, "websockets");
  EXPECT_EQ(ws.websockets_path, "/mqtt");
  EXPECT_THAT(ws.websockets_origins,
              ElementsAre("https://app.example", "http://localhost:8000", "null"));
  EXPECT_THAT(ws.websockets_trusted_proxies, ElementsAre("127.0.0.1", "10.0.0.0/8", "::1"));
}

TEST(ws_config, defaults_accept_any_path_and_origin) {
  const config c = parse_config("listener 8080\nprotocol websockets\n", "t.conf");
  EXPECT_TRUE(c.listeners[0].websockets_path.empty());
  EXPECT_TRUE(c.listeners[0].websockets_origins.empty());
  EXPECT_TRUE(c.listeners[0].websockets_trusted_proxies.empty());
}

struct broken {
  const char* text;
  const char* location;
  const char* message;
};

TEST(ws_config, mistakes_name_their_line) {
  const broken cases[] = {
      {"listener 1\nwebsockets_path /mqtt", "t.conf:2",
       "`websockets_path` is for websockets listeners, but listener 1 (t.conf:1) uses mqtt; add "
       "`protocol websockets`"},
      {"listener 1\nwebsockets_origin http://a\nprotocol mqtt", "t.conf:2",
       "is for websockets listeners"},
      {"listener 1\nprotocol websockets\nwebsockets_path mqtt", "t.conf:3",
       "'mqtt' is not a path; write one that starts with /"},
      {"listener 1\nprotocol websockets\nwebsockets_path /a\nwebsockets_path /b", "t.conf:4",
       "already set at t.conf:3"},
      {"listener 1\nprotocol websockets\nwebsockets_origin app.example", "t.conf:3",
       "'app.example' is not an origin"},
      {"listener 1\nprotocol websockets\nwebsockets_origin https://app.example/", "t.conf:3",
       "without a path"},
      {"listener 1\nprotocol websockets\nwebsockets_origin", "t.conf:3", "has no value"},
      {"listener 1\nprotocol websockets\nwebsockets_trusted_proxy 10.0.0", "t.conf:3",
       "'10.0.0' is not an IP address or network"},
      {"listener 1\nprotocol websockets\nwebsockets_trusted_proxy 10.0.0.0/33", "t.conf:3",
       "33 is out of range"},
      {"listener 1\nprotocol websockets\nwebsockets_trusted_proxy fd00::/129", "t.conf:3",
       "129 is out of range"},
      {"protocol websockets", "t.conf:1", "listener"},
  };
  for (const broken& b : cases) {
    try {
      parse_config(b.text, "t.conf");
      ADD_FAILURE() << "expected config_error for:\n" << b.text;
    } catch (const config_error& e) {
      EXPECT_EQ(e.location(), b.location) << e.what();
      EXPECT_THAT(e.what(), HasSubstr(b.message)) << b.text;
    }
  }
}

}  // namespace
}  // namespace tern::app
