// Settings of what a build leaves out (TERN_WITH_TLS=OFF,
// TERN_WITH_WEBSOCKET=OFF) are refused at their line, naming the option.
// The reader is given the build's features as a value, so every variant of
// the build runs all of these, whatever it left out itself.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "app/config/config.hpp"
#include "app/config/directive_table.hpp"
#include "temp_dir.hpp"

namespace tern::app {
namespace {

using detail::directive_scope;
using detail::needed_feature;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAreArray;

constexpr build_features without_tls{.tls = false, .websocket = true};
constexpr build_features without_websocket{.tls = true, .websocket = false};
constexpr build_features without_both{.tls = false, .websocket = false};

// Parses `text` as t.conf with `built`; the config_error's location and
// message, or a failure when it is accepted.
config_error refusal(std::string_view text, const build_features& built) {
  try {
    parse_config(text, "t.conf", built);
  } catch (const config_error& e) {
    return e;
  }
  ADD_FAILURE() << "accepted without the feature:\n" << text;
  return config_error("", "");
}

std::vector<std::string_view> needing(needed_feature feature) {
  std::vector<std::string_view> names;
  for (const auto& info : detail::known_directives())
    if (info.needs == feature) names.push_back(info.name);
  return names;
}

// The directive with a value in the section its scope needs, on the last
// line; that line's number.
std::pair<std::string, std::string> placed(const detail::directive_info& info) {
  const std::string line = std::string(info.name) + " x";
  switch (info.scope) {
    case directive_scope::listener:
      return {"listener 1883\n" + line, "t.conf:2"};
    case directive_scope::bridge:
      return {"connection b\naddress h\n" + line, "t.conf:3"};
    default:
      return {line, "t.conf:1"};
  }
}

TEST(left_out_config, tls_settings_are_these) {
  EXPECT_THAT(
      needing(needed_feature::tls),
      UnorderedElementsAreArray<std::string_view>(
          {"psk_file", "cafile", "capath", "certfile", "keyfile", "crlfile", "require_certificate",
           "use_identity_as_username", "use_subject_as_username", "tls_version", "ciphers",
           "ciphers_tls1.3", "psk_hint", "bridge_cafile", "bridge_capath", "bridge_tls_version",
           "bridge_certfile", "bridge_keyfile", "bridge_insecure"}));
}

TEST(left_out_config, websocket_settings_are_these) {
  EXPECT_THAT(needing(needed_feature::websocket),
              UnorderedElementsAreArray<std::string_view>({"http_dir", "http_password_file",
                                                           "websockets_path", "websockets_origin",
                                                           "websockets_trusted_proxy"}));
}

// Refused before the value is read, so even `require_certificate false`:
// a mosquitto.conf written for TLS should not half-apply.
TEST(left_out_config, each_setting_is_refused_at_its_line_naming_the_option) {
  for (const auto& info : detail::known_directives()) {
    if (info.needs == needed_feature::none) continue;
    const auto [text, location] = placed(info);
    const bool tls = info.needs == needed_feature::tls;
    const auto e = refusal(text, tls ? without_tls : without_websocket);
    EXPECT_EQ(e.location(), location) << e.what();
    EXPECT_THAT(e.what(), HasSubstr("`" + std::string(info.name) + "`"));
    EXPECT_THAT(e.what(),
                HasSubstr(tls ? "built without TLS (TERN_WITH_TLS=OFF)"
                              : "built without WebSocket and HTTP (TERN_WITH_WEBSOCKET=OFF)"));
    EXPECT_THAT(e.what(), HasSubstr(tls ? "-DTERN_WITH_TLS=ON" : "-DTERN_WITH_WEBSOCKET=ON"));
  }
}

TEST(left_out_config, websockets_and_http_listeners_are_refused) {
  for (std::string_view protocol : {"websockets", "http"}) {
    const std::string text = "listener 1883\nlistener 8080\nprotocol " + std::string(protocol);
    const auto e = refusal(text, without_websocket);
    EXPECT_EQ(e.location(), "t.conf:3");
    EXPECT_THAT(e.what(), HasSubstr("`protocol " + std::string(protocol) + "`"));
    EXPECT_THAT(e.what(), HasSubstr("TERN_WITH_WEBSOCKET=OFF"));
  }
}

TEST(left_out_config, first_left_out_line_is_the_one_named) {
  const auto e = refusal(
      "listener 8883\n"
      "certfile s.crt\n"
      "keyfile s.key\n"
      "listener 8080\n"
      "protocol websockets\n",
      without_both);
  EXPECT_EQ(e.location(), "t.conf:2");
}

TEST(left_out_config, an_included_file_is_named) {
  testing::temp_dir dir;
  dir.write("conf.d/ws.conf", "# browsers\nlistener 8080\nprotocol websockets\n");
  const auto main = dir.write(
      "tern.conf", "listener 1883\ninclude_dir " + (dir.path() / "conf.d").string() + "\n");
  try {
    load_config_file(main, without_websocket);
    FAIL() << "accepted `protocol websockets` without WebSocket";
  } catch (const config_error& e) {
    EXPECT_EQ(e.location(), (dir.path() / "conf.d" / "ws.conf").string() + ":3");
    EXPECT_THAT(e.what(), HasSubstr("TERN_WITH_WEBSOCKET=OFF"));
  }
}

// What a build has is read as in any build.
TEST(left_out_config, other_features_and_plain_settings_are_read) {
  const char* const tls_listener = "listener 8883\ncertfile s.crt\nkeyfile s.key\n";
  EXPECT_EQ(parse_config(tls_listener, "t.conf", without_websocket).listeners[0].certfile, "s.crt");
  const char* const ws_listener = "listener 8080\nprotocol websockets\nwebsockets_path /mqtt\n";
  EXPECT_EQ(parse_config(ws_listener, "t.conf", without_tls).listeners[0].websockets_path, "/mqtt");
  const config c = parse_config(
      "listener 1883\n"
      "protocol mqtt\n"
      "allow_anonymous false\n"
      "password_file users\n"
      "connection cloud\n"
      "address broker.example:1883\n"
      "topic # out 1\n",
      "t.conf", without_both);
  EXPECT_EQ(c.listeners.size(), 1u);
  EXPECT_EQ(c.bridges.size(), 1u);
}

// The default is a reader that knows every setting: the app passes its own
// build's features, compiled_features().
TEST(left_out_config, default_reads_every_feature) {
  EXPECT_NO_THROW(
      parse_config("listener 8883\ncertfile s.crt\nkeyfile s.key\n"
                   "listener 8080\nprotocol websockets\n",
                   "t.conf"));
}

}  // namespace
}  // namespace tern::app
