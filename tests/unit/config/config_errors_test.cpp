// Broken configuration files: each must stop start-up with config_error
// naming the file and line, and a message saying what to change.

#include "app/config/config.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <ostream>
#include <string>
#include <string_view>

namespace tern::app {
namespace {

using ::testing::HasSubstr;

struct broken_case {
  std::string_view name;      // test name suffix
  std::string_view text;      // parsed as "t.conf"
  std::string_view location;  // config_error::location()
  std::string_view message;   // a substring of what()
};

std::ostream& operator<<(std::ostream& os, const broken_case& c) {
  return os << c.name;
}

constexpr broken_case broken_cases[] = {
    // Unknown and unsupported directives.
    {"typo_suggests_closest", "listner 1883", "t.conf:1",
     "unknown directive `listner`; did you mean `listener`?"},
    {"typo_with_dashes", "\nmax-queued-messages 10", "t.conf:2",
     "did you mean `max_queued_messages`?"},
    {"typo_in_case", "Persistence true", "t.conf:1", "did you mean `persistence`?"},
    {"unknown_without_guess", "frobnicate 1", "t.conf:1",
     "unknown directive `frobnicate`; check its spelling"},
    {"unsupported_mosquitto_listener_option", "listener 1883\nmax_topic_alias 1", "t.conf:2",
     "`max_topic_alias` is a mosquitto directive that tern does not support; remove the line"},
    // MQTT 5 capabilities (issue 4).
    {"max_qos_above_2", "max_qos 3", "t.conf:1", "max_qos"},
    {"max_qos_twice", "listener 1\nmax_qos 1\nlistener 2\nmax_qos 0", "t.conf:4",
     "`max_qos` is already set at t.conf:2; keep only one of the two lines"},
    {"bad_shared_policy", "shared_subscription_policy hash", "t.conf:1",
     "`shared_subscription_policy`: 'hash' is not supported; use round_robin, random or sticky"},
    {"wildcard_response_prefix", "\nresponse_topic_prefix reply/#", "t.conf:2",
     "`response_topic_prefix`: 'reply/#' contains a wildcard"},
    {"bad_feature_switch", "wildcard_subscription_available maybe", "t.conf:1",
     "`wildcard_subscription_available`: 'maybe' is not a boolean; write true or false"},
    {"deprecated_port", "port 1883", "t.conf:1",
     "`port` is a mosquitto directive that tern does not support; replace it with `listener PORT`"},
    {"deprecated_bind_address", "bind_address 0.0.0.0", "t.conf:1",
     "replace it with `listener PORT ADDRESS`"},
    {"plugin_options", "plugin_opt_db /x", "t.conf:1", "tern has no plugin interface"},
    {"unsupported_bridge_option", "connection b\naddress h\nlocal_username u", "t.conf:3",
     "`local_username` is a mosquitto directive"},

    // Where a directive may appear.
    {"listener_setting_before_listener", "# tls\ncafile /etc/ca.crt", "t.conf:2",
     "put it after a `listener PORT` line"},
    {"max_connections_before_listener", "max_connections 10", "t.conf:1",
     "or use global_max_connections"},
    {"listener_setting_inside_bridge", "listener 8883\nconnection b\naddress h\ncertfile c.crt",
     "t.conf:4", "follows `connection b` (t.conf:2); move it above that line"},
    {"listener_setting_inside_bridge_hint", "listener 1\nconnection b\naddress h\nkeyfile k",
     "t.conf:4", "or write bridge_keyfile for the bridge"},
    {"bridge_setting_outside_bridge", "topic a/# out", "t.conf:1",
     "put it after a `connection NAME` line"},
    {"per_listener_security_before_listener", "per_listener_settings true\npassword_file p",
     "t.conf:2", "applies to one listener with per_listener_settings true"},
    {"per_listener_settings_after_security", "acl_file a\nper_listener_settings true", "t.conf:2",
     "must come before any allow_anonymous, password_file, acl_file or psk_file line (the first "
     "is at t.conf:1)"},
    {"per_listener_settings_turned_off", "per_listener_settings true\nper_listener_settings false",
     "t.conf:2", "was set to true at t.conf:1"},

    // Values.
    {"missing_value", "persistence", "t.conf:1", "`persistence` has no value; give true or false"},
    {"missing_string", "pid_file   ", "t.conf:1", "`pid_file` has no value"},
    {"bad_bool", "retain_available yes", "t.conf:1",
     "`retain_available`: 'yes' is not a boolean; write true or false"},
    {"not_a_number", "max_inflight_messages many", "t.conf:1",
     "'many' is not a whole number; give a whole number from 0 to 65535 (0 or -1: no limit)"},
    {"negative_not_minus_one", "max_queued_messages -5", "t.conf:1", "'-5' is negative"},
    {"negative_not_allowed", "sys_interval -1", "t.conf:1",
     "`sys_interval`: '-1' is negative; give a whole number from 0 to 65535"},
    {"out_of_range", "max_keepalive 70000", "t.conf:1",
     "`max_keepalive`: 70000 is out of range; give a whole number from 0 to 65535"},
    {"too_large", "max_queued_bytes 99999999999999999999999", "t.conf:1", "is too large"},
    {"extra_value", "sys_interval 10 20", "t.conf:1", "takes one value but got '10 20'"},
    {"max_packet_size_too_small", "max_packet_size 10", "t.conf:1",
     "give 0 (no limit) or from 20 to 268435460 bytes"},
    {"message_size_limit_too_large", "message_size_limit 268435456", "t.conf:1", "out of range"},
    {"threads_too_many", "threads 100000", "t.conf:1", "from 0 to 1024"},
    {"bad_persistence_sync", "persistence_sync always", "t.conf:1",
     "'always' is not supported; use off, normal or full"},
    {"duration_without_unit", "persistent_client_expiration 3600", "t.conf:1",
     "has no unit; give a number followed by h, d, w, m or y"},
    {"duration_zero", "persistent_client_expiration 0d", "t.conf:1", "not a valid duration"},
    {"duplicate_string", "password_file a\n\npassword_file b", "t.conf:3",
     "`password_file` is already set at t.conf:1; keep only one"},
    {"bad_log_dest", "log_dest dlt", "t.conf:1",
     "'dlt' is not supported; use stdout, stderr, syslog, topic, file or none"},
    {"log_dest_file_without_path", "log_dest file", "t.conf:1", "needs the log file's path"},
    {"two_log_files", "log_dest file /a.log\nlog_dest file /b.log", "t.conf:2",
     "a log file is already set at t.conf:1"},
    {"bad_log_type", "log_type error verbose", "t.conf:1", "'verbose' is not a log type"},

    // Listeners.
    {"port_not_a_number", "listener mqtt", "t.conf:1", "'mqtt' is not a whole number"},
    {"port_out_of_range", "listener 65536", "t.conf:1", "from 1 to 65535"},
    {"port_missing", "listener", "t.conf:1", "write `listener PORT [BIND_ADDRESS]`"},
    {"unix_socket_listener", "listener 0 /run/tern.sock", "t.conf:1",
     "does not support Unix socket listeners"},
    {"listener_too_many_values", "listener 1883 127.0.0.1 extra", "t.conf:1", "too many values"},
    {"duplicate_listener", "listener 1883\nlistener 8883\nlistener 1883", "t.conf:3",
     "listener 1883 on all addresses is already declared at t.conf:1"},
    {"duplicate_listener_with_address", "listener 1883 ::1\nlistener 1883 ::1", "t.conf:2",
     "listener 1883 on ::1 is already declared at t.conf:1"},
    {"bad_protocol", "listener 1\nprotocol mqtts", "t.conf:2",
     "`protocol`: 'mqtts' is not supported; use mqtt, websockets or http"},
    {"bad_socket_domain", "listener 1\nsocket_domain ipv5", "t.conf:2", "use ipv4 or ipv6"},
    {"bad_tls_version", "listener 1\ncertfile c\nkeyfile k\ntls_version tlsv1.0", "t.conf:4",
     "'tlsv1.0' is not supported; use tlsv1.2 or tlsv1.3"},
    {"tls_1_1_refused", "listener 1\ncertfile c\nkeyfile k\ntls_version tlsv1.1", "t.conf:4",
     "does not offer TLS 1.1"},
    {"certfile_without_keyfile", "listener 8883\ncertfile s.crt", "t.conf:2",
     "listener 8883 (t.conf:1) has `certfile` but no `keyfile`"},
    {"cafile_without_tls", "listener 1883\ncafile ca.crt", "t.conf:2",
     "`cafile` only applies to TLS, but listener 1883 (t.conf:1) has no certfile and keyfile"},
    {"require_certificate_without_ca",
     "listener 8883\ncertfile c\nkeyfile k\nrequire_certificate true", "t.conf:4",
     "has no cafile or capath; add one"},
    {"psk_and_certificate", "listener 8883\npsk_hint h\ncertfile c\nkeyfile k", "t.conf:2",
     "a listener uses either certificates or a PSK"},
    {"psk_with_cafile", "listener 8884\npsk_hint h\ncafile ca", "t.conf:3",
     "is about client certificates, but listener 8884 (t.conf:1) uses a PSK"},
    {"http_dir_on_mqtt_listener", "listener 1883\nhttp_dir /www", "t.conf:2",
     "add `protocol websockets` or remove `http_dir`"},
    {"http_password_file_on_mqtt_listener", "listener 1883\nhttp_password_file f", "t.conf:2",
     "add `protocol http` or remove `http_password_file`"},
    {"mount_point_with_wildcard", "listener 1\nmount_point site/+/", "t.conf:2",
     "contains a wildcard"},

    // Bridges.
    {"bridge_without_name", "connection", "t.conf:1", "`connection` needs one bridge name"},
    {"bridge_name_two_words", "connection a b", "t.conf:1", "one word"},
    {"bridge_duplicate_name", "connection b\naddress h\nconnection b", "t.conf:3",
     "bridge `b` is already declared at t.conf:1"},
    {"bridge_without_address", "connection cloud\ntopic # out", "t.conf:1",
     "bridge `cloud` has no address; add `address HOST[:PORT]`"},
    {"bridge_bad_port", "connection b\naddress h:99999", "t.conf:2", "out of range"},
    {"bridge_two_address_lines", "connection b\naddress h1\naddresses h2", "t.conf:3",
     "list them all on one `address` line"},
    {"bridge_bad_protocol_version", "connection b\naddress h\nbridge_protocol_version 5",
     "t.conf:3", "use mqttv31, mqttv311 or mqttv50"},
    {"bridge_topic_bad_direction", "connection b\naddress h\ntopic a/# sideways", "t.conf:3",
     "direction 'sideways' is not in, out or both"},
    {"bridge_topic_bad_qos", "connection b\naddress h\ntopic a/# in 3", "t.conf:3",
     "3 is out of range; give a whole number from 0 to 2"},
    {"bridge_topic_empty_pattern_needs_prefixes", "connection b\naddress h\ntopic \"\" out 0",
     "t.conf:3", "needs a local and a remote prefix"},
    {"bridge_start_type_manual", "connection b\naddress h\nstart_type manual", "t.conf:3",
     "use automatic, lazy or once"},
    {"bridge_queue_bound_not_a_number", "connection b\naddress h\nbridge_max_queued_messages many",
     "t.conf:3", "'many' is not a whole number"},
    {"bridge_threshold_not_a_number", "connection b\naddress h\nthreshold lots", "t.conf:3",
     "`threshold`: 'lots' is not a whole number"},
    {"bridge_threshold_negative", "connection b\naddress h\nthreshold -1", "t.conf:3",
     "`threshold`: '-1' is negative"},
    {"bridge_idle_timeout_too_large", "connection b\naddress h\nidle_timeout 4294967296",
     "t.conf:3", "`idle_timeout`: 4294967296 is out of range"},
    {"bridge_idle_timeout_two_values", "connection b\naddress h\nidle_timeout 5 10", "t.conf:3",
     "`idle_timeout`"},
    {"threshold_outside_bridge", "threshold 5", "t.conf:1",
     "put it after a `connection NAME` line"},
    {"idle_timeout_outside_bridge", "listener 1\nidle_timeout 5", "t.conf:2",
     "put it after a `connection NAME` line"},
    {"bridge_lazy_with_clean_session",
     "connection b\naddress h\ncleansession true\nstart_type lazy", "t.conf:4",
     "`start_type lazy` waits for messages to queue"},
    {"bridge_restart_timeout_cap_below_base", "connection b\naddress h\nrestart_timeout 30 10",
     "t.conf:3", "the cap 10 is lower than the base 30"},
    {"bridge_password_without_username", "connection b\naddress h\nremote_password p", "t.conf:3",
     "has remote_password but no remote_username"},
    {"bridge_duplicate_old_and_new_name", "connection b\naddress h\nclientid a\nremote_clientid b",
     "t.conf:4", "`remote_clientid` is already set at t.conf:3"},
    {"bridge_certfile_without_cafile",
     "connection b\naddress h\nbridge_certfile c\nbridge_keyfile k", "t.conf:3",
     "add `bridge_cafile PATH`"},

    // include_dir.
    {"include_dir_missing", "include_dir /nonexistent/tern/conf.d", "t.conf:1",
     "include_dir /nonexistent/tern/conf.d: no such directory; create it or correct the path"},
    {"include_dir_not_a_directory", "include_dir /dev/null", "t.conf:1", "is not a directory"},
};

class broken_config : public ::testing::TestWithParam<broken_case> {};

TEST_P(broken_config, fails_with_location_and_advice) {
  const broken_case& c = GetParam();
  try {
    parse_config(c.text, "t.conf");
    FAIL() << "expected config_error for:\n" << c.text;
  } catch (const config_error& e) {
    EXPECT_EQ(e.location(), c.location) << e.what();
    EXPECT_THAT(e.what(), HasSubstr(std::string(c.location) + ": ")) << e.what();
    EXPECT_THAT(e.what(), HasSubstr(std::string(c.message)));
  }
}

INSTANTIATE_TEST_SUITE_P(config, broken_config, ::testing::ValuesIn(broken_cases),
                         [](const ::testing::TestParamInfo<broken_case>& info) {
                           return std::string(info.param.name);
                         });

// An unknown word far longer than any directive gets no suggestion, and
// quickly: the fuzzer found the suggestion's edit distance quadratic in the
// word's length, seconds for a line of a few hundred kilobytes.
TEST(config_errors, long_unknown_directive_is_refused_quickly) {
  const std::string word(300'000, 'x');
  const auto start = std::chrono::steady_clock::now();
  try {
    parse_config(word + " 1", "t.conf");
    FAIL() << "expected config_error";
  } catch (const config_error& e) {
    EXPECT_EQ(e.location(), "t.conf:1");
    EXPECT_THAT(e.what(), ::testing::Not(HasSubstr("did you mean")));
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
}

}  // namespace
}  // namespace tern::app
