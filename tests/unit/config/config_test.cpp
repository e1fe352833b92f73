// Reading mosquitto.conf files that are correct: the defaults, include_dir,
// per-listener settings, and the directives tern accepts but ignores. A full
// realistic file is in full_config_test.cpp, broken files in
// config_errors_test.cpp.

#include "app/config/config.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "app/config/directive_table.hpp"
#include "temp_dir.hpp"

namespace tern::app {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;
using testing::temp_dir;
using testing::where;

TEST(config, empty_file_gives_defaults) {
  const config c = parse_config("", "empty.conf");
  EXPECT_TRUE(c.listeners.empty());
  EXPECT_TRUE(c.allow_anonymous);  // only the built-in 127.0.0.1 listener will exist
  EXPECT_FALSE(c.persistence);
  EXPECT_EQ(c.persistence_location, "");
  EXPECT_EQ(persistence_path(c), "tern.db");
  EXPECT_EQ(c.persistence_sync, "normal");
  EXPECT_EQ(c.max_inflight_messages, 20u);
  EXPECT_EQ(c.max_queued_messages, 1000u);
  EXPECT_EQ(c.max_keepalive, 65535u);
  EXPECT_EQ(c.sys_interval, 10u);
  EXPECT_EQ(c.persistent_client_expiration, 0u);
  EXPECT_TRUE(c.log_types.empty());
  EXPECT_TRUE(c.log_dests.empty());
  EXPECT_TRUE(c.notes.empty());
  EXPECT_EQ(c.threads, 0u);
}

TEST(config, allow_anonymous_default_depends_on_listeners) {
  EXPECT_FALSE(parse_config("listener 1883\n", "t.conf").allow_anonymous);
  EXPECT_TRUE(parse_config("listener 1883\nallow_anonymous true\n", "t.conf").allow_anonymous);
  EXPECT_FALSE(parse_config("allow_anonymous false\n", "t.conf").allow_anonymous);
}

TEST(config, per_listener_settings_apply_to_the_latest_listener) {
  const config c = parse_config(R"(per_listener_settings true
listener 1883 127.0.0.1
allow_anonymous true
listener 8883
certfile s.crt
keyfile s.key
allow_anonymous false
password_file /etc/tern/passwd
acl_file /etc/tern/acl
listener 8884
psk_hint gw
psk_file /etc/tern/psk
)",
                                "t.conf");
  EXPECT_TRUE(c.per_listener_settings);
  ASSERT_EQ(c.listeners.size(), 3u);
  EXPECT_EQ(c.listeners[0].allow_anonymous, true);
  EXPECT_EQ(c.listeners[1].allow_anonymous, false);
  EXPECT_EQ(c.listeners[1].password_file, "/etc/tern/passwd");
  EXPECT_EQ(c.listeners[1].acl_file, "/etc/tern/acl");
  EXPECT_FALSE(c.listeners[2].allow_anonymous.has_value());
  EXPECT_EQ(c.listeners[2].psk_file, "/etc/tern/psk");
  EXPECT_TRUE(c.password_file.empty());
  EXPECT_FALSE(c.allow_anonymous);  // the fallback for listener 8884
}

TEST(config, security_settings_are_global_without_per_listener_settings) {
  // As in mosquitto: the line's position under a listener does not matter.
  const config c = parse_config("listener 1883\npassword_file p\nallow_anonymous true\n", "t.conf");
  EXPECT_EQ(c.password_file, "p");
  EXPECT_TRUE(c.allow_anonymous);
  EXPECT_TRUE(c.listeners[0].password_file.empty());
  EXPECT_FALSE(c.listeners[0].allow_anonymous.has_value());
}

TEST(config, include_dir_reads_conf_files_in_mosquitto_order) {
  temp_dir dir;
  // Byte order would read B.conf first; mosquitto (and tern) read a.conf first.
  dir.write("conf.d/B.conf", "listener 8883\ncertfile b.crt\nkeyfile b.key\n");
  dir.write("conf.d/a.conf",
            "# first by name\nlistener 1883\nmax_connections 10\nsys_interval 5\n");
  dir.write("conf.d/README", "not a config file\n");
  dir.write("conf.d/old.conf.bak", "not a config file either\n");
  const std::string main_text =
      "sys_interval 60\ninclude_dir " + (dir.path() / "conf.d").string() + "\nmax_keepalive 120\n";
  const auto main = dir.write("tern.conf", main_text);

  const config c = load_config_file(main);
  ASSERT_EQ(c.listeners.size(), 2u);
  EXPECT_EQ(c.listeners[0].port, 1883);  // a.conf before B.conf
  EXPECT_EQ(c.listeners[0].max_connections, 10u);
  EXPECT_EQ(c.listeners[0].source, (dir.path() / "conf.d" / "a.conf").string() + ":2");
  EXPECT_EQ(c.listeners[1].port, 8883);
  EXPECT_EQ(c.listeners[1].certfile, "b.crt");
  EXPECT_EQ(c.sys_interval, 5u);     // the included line came later
  EXPECT_EQ(c.max_keepalive, 120u);  // the main file continues after include_dir
}

TEST(config, included_file_starts_with_no_listener_open) {
  temp_dir dir;
  dir.write("conf.d/tls.conf", "certfile s.crt\n");
  const auto main = dir.write(
      "tern.conf", "listener 8883\ninclude_dir " + (dir.path() / "conf.d").string() + "\n");
  try {
    load_config_file(main);
    FAIL() << "expected config_error";
  } catch (const config_error& e) {
    EXPECT_EQ(e.location(), (dir.path() / "conf.d" / "tls.conf").string() + ":1");
    EXPECT_THAT(e.what(), HasSubstr("no listener is open in this file"));
  }
}

TEST(config, include_dir_only_in_the_main_file) {
  temp_dir dir;
  dir.write("other/x.conf", "sys_interval 1\n");
  dir.write("conf.d/a.conf", "include_dir " + (dir.path() / "other").string() + "\n");
  const auto main =
      dir.write("tern.conf", "include_dir " + (dir.path() / "conf.d").string() + "\n");
  try {
    load_config_file(main);
    FAIL() << "expected config_error";
  } catch (const config_error& e) {
    EXPECT_EQ(e.location(), (dir.path() / "conf.d" / "a.conf").string() + ":1");
    EXPECT_THAT(e.what(), HasSubstr("only read in the main configuration file"));
  }
}

TEST(config, include_dir_must_not_hold_the_main_file) {
  temp_dir dir;
  const auto main = dir.write("tern.conf", "include_dir " + dir.path().string() + "\n");
  try {
    load_config_file(main);
    FAIL() << "expected config_error";
  } catch (const config_error& e) {
    EXPECT_EQ(e.location(), main.string() + ":1");
    EXPECT_THAT(e.what(), HasSubstr("contains the main configuration file"));
  }
}

TEST(config, missing_main_file_names_the_file) {
  temp_dir dir;
  const auto missing = dir.path() / "nope.conf";
  try {
    load_config_file(missing);
    FAIL() << "expected config_error";
  } catch (const config_error& e) {
    EXPECT_EQ(e.location(), missing.string());
    EXPECT_THAT(e.what(), HasSubstr("no such file"));
  }
}

TEST(config, persistence_location_ends_up_a_directory) {
  const config a = parse_config("persistence_location /var/lib/tern//\n", "t.conf");
  EXPECT_EQ(a.persistence_location, "/var/lib/tern");
  // mosquitto joins the two as text, so a path in persistence_file works there.
  const config b = parse_config("persistence_file /data/tern/state.db\n", "t.conf");
  EXPECT_EQ(b.persistence_location, "/data/tern");
  EXPECT_EQ(b.persistence_file, "state.db");
  const config c = parse_config("persistence_location /data/\npersistence_file sub/x.db\n", "t");
  EXPECT_EQ(persistence_path(c), "/data/sub/x.db");

  temp_dir dir;
  const auto file = dir.write("not_a_dir", "");
  try {
    parse_config("persistence_location " + file.string() + "\n", "t.conf");
    FAIL() << "expected config_error";
  } catch (const config_error& e) {
    EXPECT_EQ(e.location(), "t.conf:1");
    EXPECT_THAT(e.what(), HasSubstr("is a file; give the directory"));
  }
}

TEST(config, persistent_client_expiration_units) {
  const std::vector<std::pair<std::string, std::uint64_t>> cases = {{"2h", 7200},
                                                                    {"14d", 14 * 86400},
                                                                    {"1w", 7 * 86400},
                                                                    {"2m", 60 * 86400},
                                                                    {"1y", 365 * 86400}};
  for (const auto& [text, seconds] : cases) {
    EXPECT_EQ(
        parse_config("persistent_client_expiration " + text, "t").persistent_client_expiration,
        seconds)
        << text;
  }
}

TEST(config, minus_one_means_unlimited) {
  const config c = parse_config(R"(max_inflight_messages -1
max_queued_messages -1
max_queued_bytes -1
global_max_connections -1
listener 1883
max_connections -1
)",
                                "t.conf");
  EXPECT_EQ(c.max_inflight_messages, 0u);
  EXPECT_EQ(c.max_queued_messages, 0u);
  EXPECT_EQ(c.max_queued_bytes, 0u);
  EXPECT_EQ(c.max_connections, 0u);
  EXPECT_EQ(c.listeners[0].max_connections, 0u);
}

TEST(config, log_dest_and_log_type_accumulate_and_none_resets) {
  const config c = parse_config(R"(log_dest syslog
log_dest none
log_dest stderr
log_dest topic
log_type all
log_type none
log_type debug subscribe
log_type debug
)",
                                "t.conf");
  EXPECT_THAT(c.log_dests, ElementsAre("stderr", "topic"));
  EXPECT_THAT(c.log_types, ElementsAre("debug", "subscribe"));
  EXPECT_THAT(parse_config("log_dest none\n", "t").log_dests, ElementsAre("none"));
}

TEST(config, layout_comments_blanks_tabs_crlf_and_bom) {
  const config c = parse_config(
      "\xEF\xBB\xBF# comment\r\n\r\n   # indented comment\r\n\tlistener\t1883  # plain\r\n"
      "max_connections 50 # per listener\r\n  sys_interval   15  \r\n"
      "log_timestamp_format %Y-%m-%d %H:%M:%S\r\npassword_file /etc/tern/pass word\r\n",
      "t.conf");
  ASSERT_EQ(c.listeners.size(), 1u);
  EXPECT_EQ(c.listeners[0].port, 1883);
  EXPECT_EQ(c.listeners[0].bind_address, "");
  EXPECT_EQ(c.listeners[0].source, "t.conf:4");
  EXPECT_EQ(c.listeners[0].max_connections, 50u);
  EXPECT_EQ(c.sys_interval, 15u);
  EXPECT_EQ(c.log_timestamp_format, "%Y-%m-%d %H:%M:%S");  // strings are the rest of the line
  EXPECT_EQ(c.password_file, "/etc/tern/pass word");
}

TEST(config, booleans_accept_mosquittos_one_and_zero) {
  const config c = parse_config("retain_available 0\nqueue_qos0_messages 1\n", "t.conf");
  EXPECT_FALSE(c.retain_available);
  EXPECT_TRUE(c.queue_qos0_messages);
}

// MQTT 5 server capabilities (issue 4): mosquitto's max_qos and tern's
// feature switches, shared subscription policy and Response Information.
TEST(config, mqtt5_capabilities) {
  const config defaults = parse_config("", "t.conf");
  EXPECT_EQ(defaults.max_qos, 2);
  EXPECT_TRUE(defaults.wildcard_subscription_available);
  EXPECT_TRUE(defaults.subscription_identifier_available);
  EXPECT_TRUE(defaults.shared_subscription_available);
  EXPECT_EQ(defaults.shared_subscription_policy, "round_robin");
  EXPECT_EQ(defaults.response_topic_prefix, "");
  const config c = parse_config(R"(listener 1883
max_qos 1
wildcard_subscription_available false
subscription_identifier_available 0
shared_subscription_available false
shared_subscription_policy random
response_topic_prefix site/replies
)",
                                "t.conf");
  EXPECT_EQ(c.max_qos, 1);
  EXPECT_FALSE(c.wildcard_subscription_available);
  EXPECT_FALSE(c.subscription_identifier_available);
  EXPECT_FALSE(c.shared_subscription_available);
  EXPECT_EQ(c.shared_subscription_policy, "random");
  EXPECT_EQ(c.response_topic_prefix, "site/replies");
}

TEST(config, ignored_directives_are_noted) {
  const config c = parse_config(R"(autosave_interval 60
autosave_on_changes true
log_timestamp false
connection_messages false
check_retain_source false
retry_interval 20
)",
                                "t.conf");
  ASSERT_EQ(c.notes.size(), 5u) << "connection_messages takes effect: no note";
  EXPECT_THAT(c.notes[0], HasSubstr("t.conf:1: `autosave_interval` is accepted"));
  EXPECT_THAT(c.notes[4], HasSubstr("t.conf:6: `retry_interval`"));
  EXPECT_EQ(c.autosave_interval, 60u);
  EXPECT_FALSE(c.connection_messages);
}

TEST(config, bridge_old_names_and_keepalive_floor) {
  const config c = parse_config(R"(connection old
address h
clientid a
username u
password p
keepalive_interval 2
)",
                                "t.conf");
  ASSERT_EQ(c.bridges.size(), 1u);
  EXPECT_THAT(
      c.bridges[0].settings,
      ElementsAre(Pair("address", "h"), Pair("remote_clientid", "a"), Pair("remote_username", "u"),
                  Pair("remote_password", "p"), Pair("keepalive_interval", "5")));
  EXPECT_EQ(c.notes.size(), 4u);
}

TEST(config, bridge_queue_bounds_are_read_as_numbers) {
  const config c = parse_config(R"(connection b
address h
bridge_max_queued_messages 5000
bridge_max_queued_bytes 0
max_queued_messages 10
)",
                                "t.conf");
  ASSERT_EQ(c.bridges.size(), 1u);
  EXPECT_THAT(c.bridges[0].settings,
              ElementsAre(Pair("address", "h"), Pair("bridge_max_queued_messages", "5000"),
                          Pair("bridge_max_queued_bytes", "0")));
  EXPECT_EQ(c.max_queued_messages, 10u) << "a global key after a connection stays global";
}

TEST(config, bridge_lazy_start_settings_and_floors) {
  const config c = parse_config(R"(connection lazy
address h
start_type lazy
threshold 5
idle_timeout 2
connection floored
address h
start_type lazy
threshold 0
idle_timeout 0
)",
                                "t.conf");
  ASSERT_EQ(c.bridges.size(), 2u);
  EXPECT_THAT(c.bridges[0].settings,
              ElementsAre(Pair("address", "h"), Pair("start_type", "lazy"), Pair("threshold", "5"),
                          Pair("idle_timeout", "2")));
  // mosquitto's floor of 1 for both, with a note naming the line.
  EXPECT_THAT(c.bridges[1].settings,
              ElementsAre(Pair("address", "h"), Pair("start_type", "lazy"), Pair("threshold", "1"),
                          Pair("idle_timeout", "1")));
  ASSERT_EQ(c.notes.size(), 2u);
  EXPECT_THAT(c.notes[0], HasSubstr("t.conf:9: `threshold 0` is below the minimum; 1 is used"));
  EXPECT_THAT(c.notes[1], HasSubstr("t.conf:10: `idle_timeout 0` is below the minimum"));
}

// A valid snippet for every directive in the table, so a directive added to
// the table without a handler (or a test) fails here.
std::string sample(std::string_view name, const std::string& existing_dir) {
  using detail::directive_scope;
  const std::string n(name);
  if (n == "listener") return "listener 1883";
  if (n == "connection") return "connection b\naddress h";
  if (n == "address" || n == "addresses") return "connection b\n" + n + " h";
  if (n == "include_dir") return "include_dir " + existing_dir;
  if (n == "certfile" || n == "keyfile") return "listener 1\ncertfile c\nkeyfile k";
  if (n == "max_packet_size") return n + " 20";
  if (n == "persistent_client_expiration") return n + " 1d";
  if (n == "persistence_sync") return n + " off";
  if (n == "shared_subscription_policy") return n + " sticky";
  if (n == "response_topic_prefix") return n + " reply";
  if (n == "log_type") return n + " all";
  if (n == "log_dest") return n + " stderr";
  if (n == "protocol") return "listener 1\nprotocol websockets";
  if (n == "socket_domain") return "listener 1\nsocket_domain ipv6";
  if (n == "tls_version") return "listener 1\ncertfile c\nkeyfile k\ntls_version tlsv1.3";
  if (n == "psk_hint") return "listener 1\npsk_hint h";
  if (n == "http_dir") return "listener 1\nprotocol http\nhttp_dir /w";
  if (n == "websockets_path") return "listener 1\nprotocol websockets\n" + n + " /mqtt";
  if (n == "websockets_origin") return "listener 1\nprotocol websockets\n" + n + " http://a";
  if (n == "websockets_trusted_proxy") return "listener 1\nprotocol websockets\n" + n + " ::1";
  if (n == "require_certificate")
    return "listener 1\ncertfile c\nkeyfile k\ncafile ca\n" + n + " 1";
  if (n == "topic") return "connection b\naddress h\ntopic a/# both 2 l/ r/";
  if (n == "bridge_protocol_version") return "connection b\naddress h\n" + n + " mqttv50";
  if (n == "start_type") return "connection b\naddress h\n" + n + " once";
  if (n == "restart_timeout") return "connection b\naddress h\n" + n + " 20";
  if (n == "http_password_file") return "listener 1\nprotocol http\n" + n + " f";
  if (n == "remote_password" || n == "password")
    return "connection b\naddress h\nusername u\n" + n + " p";
  if (n == "bridge_tls_version")
    return "connection b\naddress h\nbridge_cafile ca\n" + n + " tlsv1.3";
  if (n == "bridge_certfile" || n == "bridge_keyfile") {
    return "connection b\naddress h\nbridge_cafile ca\nbridge_certfile c\nbridge_keyfile k";
  }
  const detail::directive_info* info = detail::find_directive(name);
  switch (info->scope) {
    case directive_scope::listener:
      return "listener 1\ncertfile c\nkeyfile k\n" + n + " 1";
    case directive_scope::bridge:
      return "connection b\naddress h\n" + n + " 1";
    default:
      return n + " 1";
  }
}

TEST(config, every_known_directive_is_accepted) {
  temp_dir dir;
  std::vector<std::string_view> names;
  for (const detail::directive_info& info : detail::known_directives()) {
    ASSERT_FALSE(info.name.empty());
    names.push_back(info.name);
  }
  std::sort(names.begin(), names.end());
  EXPECT_EQ(std::adjacent_find(names.begin(), names.end()), names.end()) << "duplicate name";
  for (const detail::directive_info& info : detail::known_directives()) {
    const std::string text = sample(info.name, dir.path().string());
    try {
      parse_config(text, "t.conf");
    } catch (const std::exception& e) {
      ADD_FAILURE() << text << "\n-> " << e.what();
    }
  }
}

}  // namespace
}  // namespace tern::app
