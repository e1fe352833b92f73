#pragma once
// The broker's settings, read from a file in mosquitto.conf syntax (see
// mosquitto.conf(5)) so an existing mosquitto configuration can be reused.
//
// A config is built once at start-up on the main thread and then only read;
// any thread may read a const config.
//
// What tern does differently from mosquitto (each also explained in a comment
// where it is implemented):
// - Listener settings (cafile, protocol, ...) must follow a `listener` line.
//   mosquitto would attach them to its implicit default listener; tern has
//   none to attach them to, so it stops with an error instead.
// - allow_anonymous defaults to false once any listener is configured (as in
//   mosquitto 2.0) and to true when the file configures none: the app then
//   adds its built-in listener on 127.0.0.1:1883 only.
// - Directives that have no effect in tern (autosave_interval, ...) are
//   accepted and explained in `notes`; mosquitto directives that tern does not
//   implement are errors, so no setting is silently dropped.
// - Paths are used as written; relative ones are relative to the working
//   directory, as in mosquitto.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "app/config/build_features.hpp"
#include "app/config/config_error.hpp"

namespace tern::app {

struct listener_config {
  std::uint16_t port = 1883;
  std::string bind_address;         // empty: all addresses
  std::string protocol = "mqtt";    // mqtt | websockets | http
  std::string socket_domain;        // "" (both), ipv4, ipv6
  std::size_t max_connections = 0;  // 0: unlimited (mosquitto's -1)
  std::string cafile, capath, certfile, keyfile, crlfile;
  std::string tls_version;  // minimum version: "" (default), tlsv1.2, tlsv1.3
  std::string ciphers, ciphers_tls13;
  std::string psk_hint;  // non-empty: a TLS-PSK listener
  bool require_certificate = false;
  bool use_identity_as_username = false;
  bool use_subject_as_username = false;
  std::string http_dir;     // websockets/http listeners: files served over HTTP
  std::string mount_point;  // topic prefix for this listener's clients
  // websockets listeners (README "WebSocket"): the request path (tern; empty:
  // any, as mosquitto), the Origins allowed (empty: any), and the proxies
  // whose X-Forwarded-For is believed (tern; "ADDRESS" or "ADDRESS/PREFIX").
  std::string websockets_path;
  std::vector<std::string> websockets_origins;
  std::vector<std::string> websockets_trusted_proxies;
  // tern, http listeners: users (mosquitto_passwd file) allowed to read
  // /metrics and the status page with HTTP Basic auth; empty: anyone.
  std::string http_password_file;
  // Set only with per_listener_settings true. Unset allow_anonymous means
  // config::allow_anonymous; empty files mean none for this listener.
  std::optional<bool> allow_anonymous;
  std::string password_file, acl_file, psk_file;
  std::string source;  // "file:line" of the `listener` line
};

// A `connection NAME` section, kept as written until the bridge module reads
// it. Keys are canonical: `addresses` is stored as `address`, and mosquitto's
// old `clientid`/`username`/`password` as `remote_clientid`/`remote_username`/
// `remote_password`. Booleans are stored as "true"/"false"; every value has
// already been checked (see config_parser.cpp).
struct bridge_config {
  std::string name;
  std::vector<std::pair<std::string, std::string>> settings;  // in file order
  std::vector<std::string> setting_sources;                   // "file:line" of settings[i]
  std::string source;  // "file:line" of the `connection` line
};

struct config {
  std::vector<listener_config> listeners;  // empty: the caller adds 127.0.0.1:1883
  bool per_listener_settings = false;
  // Explicit value if given; otherwise false when the file configures any
  // listener (mosquitto 2.0) and true when it configures none (the built-in
  // listener is on 127.0.0.1 only).
  bool allow_anonymous = true;
  std::string password_file, acl_file, psk_file;  // used when !per_listener_settings

  bool persistence = false;
  std::string persistence_location;  // a directory, no trailing '/'; empty: working directory
  std::string persistence_file = "tern.db";        // a file name inside persistence_location
  std::string persistence_sync = "normal";         // tern: off | normal | full
  std::uint32_t autosave_interval = 1800;          // accepted; tern writes every change (see notes)
  std::uint64_t persistent_client_expiration = 0;  // seconds; 0: never

  std::size_t max_inflight_messages = 20, max_queued_messages = 1000, max_queued_bytes = 0;
  std::uint32_t message_size_limit = 0, max_packet_size = 0;  // 0: none
  std::uint16_t max_keepalive = 65535;
  std::size_t max_connections = 0;  // all listeners together (global_max_connections); 0: none
  // tern: at most connection_rate_count new connections per
  // connection_rate_seconds from one source address (max_connection_rate
  // N/SECONDS); 0: no limit.
  std::uint32_t connection_rate_count = 0, connection_rate_seconds = 1;
  std::uint32_t max_publish_rate = 0;  // tern: PUBLISH per second per client; 0: no limit
  // tern: levels of a topic name or filter (PUBLISH, will, SUBSCRIBE); 0: no limit.
  std::uint32_t max_topic_levels = 200;
  // tern: subscriptions one session may hold; 0: no limit.
  std::size_t max_subscriptions_per_client = 10000;
  bool retain_available = true, allow_zero_length_clientid = true, queue_qos0_messages = false;
  std::uint32_t sys_interval = 10;  // seconds; 0: no $SYS
  std::uint8_t max_qos = 2;         // highest QoS clients may publish (all listeners)
  // MQTT 5 features announced in CONNACK (tern); off: their use is refused.
  bool wildcard_subscription_available = true, subscription_identifier_available = true,
       shared_subscription_available = true;
  std::string shared_subscription_policy = "round_robin";  // tern: round_robin | random | sticky
  std::string response_topic_prefix;  // tern: v5 Response Information is PREFIX/CLIENT_ID

  // Empty log_types: mosquitto's default (error, warning, notice, information).
  // Empty log_dests: stderr. "file" in log_dests means log_file.
  std::vector<std::string> log_types;
  std::vector<std::string> log_dests;
  std::string log_file;  // the path of `log_dest file PATH`
  bool connection_messages = true;
  std::string log_timestamp_format;  // strftime format; empty: default

  std::string pid_file, user;
  std::vector<bridge_config> bridges;
  unsigned threads = 0;  // tern: I/O threads; 0: number of cores

  // "file:line: ..." lines for the app to log at start-up: directives that
  // were accepted for compatibility but have no effect in tern.
  std::vector<std::string> notes;
};

// Reads `file` and the include_dir files it names. Throws config_error,
// also at the first line whose feature `built` lacks (the app passes
// compiled_features(); the default reads every setting tern knows).
config load_config_file(const std::filesystem::path& file, const build_features& built = {});

// Reads configuration text; source_name is used in messages ("source:line").
// include_dir works as in a file. Throws config_error, as load_config_file.
config parse_config(std::string_view text, std::string_view source_name,
                    const build_features& built = {});

// persistence_location / persistence_file.
std::filesystem::path persistence_path(const config& c);

}  // namespace tern::app
