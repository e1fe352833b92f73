#include "app/config/directive_table.hpp"

#include <algorithm>
#include <cctype>
#include <iterator>
#include <string>
#include <vector>

namespace tern::app::detail {
namespace {

using enum directive_scope;
constexpr auto tls = needed_feature::tls;
constexpr auto websocket = needed_feature::websocket;

// Order matters only for suggestions: on a tie the earlier name wins.
constexpr directive_info directives[] = {
    // Sections.
    {"listener", section},
    {"connection", section},
    {"include_dir", section},
    // Global.
    {"per_listener_settings", global},
    {"allow_zero_length_clientid", global},
    {"connection_messages", global},
    {"persistence", global},
    {"persistence_location", global},
    {"persistence_file", global},
    {"persistence_sync", global},  // tern
    {"persistent_client_expiration", global},
    {"max_inflight_messages", global},
    {"max_queued_messages", global},
    {"max_queued_bytes", global},
    {"message_size_limit", global},
    {"max_packet_size", global},
    {"max_keepalive", global},
    {"global_max_connections", global},  // mosquitto 2.1
    {"max_connection_rate", global},     // tern
    {"max_publish_rate", global},        // tern
    {"retain_available", global},
    {"max_qos", global},  // a listener setting in mosquitto; one value for all here
    {"wildcard_subscription_available", global},    // tern
    {"subscription_identifier_available", global},  // tern
    {"shared_subscription_available", global},      // tern
    {"shared_subscription_policy", global},         // tern
    {"response_topic_prefix", global},              // tern
    {"max_topic_levels", global},                   // tern
    {"max_subscriptions_per_client", global},       // tern
    {"queue_qos0_messages", global},
    {"sys_interval", global},
    {"log_type", global},
    {"log_dest", global},
    {"log_timestamp_format", global},
    {"pid_file", global},
    {"user", global},
    {"threads", global},  // tern
    // Global, or per listener with per_listener_settings true.
    {"allow_anonymous", security},
    {"password_file", security},
    {"acl_file", security},
    {"psk_file", security, tls},
    // Listener.
    {"protocol", listener},
    {"max_connections", listener},
    {"socket_domain", listener},
    {"cafile", listener, tls},
    {"capath", listener, tls},
    {"certfile", listener, tls},
    {"keyfile", listener, tls},
    {"crlfile", listener, tls},
    {"require_certificate", listener, tls},
    {"use_identity_as_username", listener, tls},
    {"use_subject_as_username", listener, tls},
    {"tls_version", listener, tls},
    {"ciphers", listener, tls},
    {"ciphers_tls1.3", listener, tls},
    {"psk_hint", listener, tls},
    {"http_dir", listener, websocket},
    {"http_password_file", listener, websocket},  // tern
    {"mount_point", listener},
    {"websockets_path", listener, websocket},           // tern
    {"websockets_origin", listener, websocket},         // mosquitto 2.1
    {"websockets_trusted_proxy", listener, websocket},  // tern
    // Bridge.
    {"address", bridge},
    {"addresses", bridge},
    {"topic", bridge},
    {"bridge_protocol_version", bridge},
    {"cleansession", bridge},
    {"remote_clientid", bridge},
    {"remote_username", bridge},
    {"remote_password", bridge},
    {"bridge_cafile", bridge, tls},
    {"bridge_capath", bridge, tls},
    {"bridge_tls_version", bridge, tls},
    {"bridge_certfile", bridge, tls},
    {"bridge_keyfile", bridge, tls},
    {"bridge_insecure", bridge, tls},
    {"try_private", bridge},
    {"notifications", bridge},
    {"keepalive_interval", bridge},
    {"restart_timeout", bridge},
    {"start_type", bridge},
    {"threshold", bridge},     // start_type lazy
    {"idle_timeout", bridge},  // start_type lazy
    {"local_clientid", bridge},
    {"round_robin", bridge},
    {"bridge_max_queued_messages", bridge},  // tern
    {"bridge_max_queued_bytes", bridge},     // tern
    {"clientid", bridge},                    // mosquitto's old name of remote_clientid
    {"username", bridge},                    // ... of remote_username
    {"password", bridge},                    // ... of remote_password
    // No effect in tern.
    {"autosave_interval", ignored},
    {"autosave_on_changes", ignored},
    {"log_timestamp", ignored},
    {"check_retain_source", ignored},
    {"retry_interval", ignored},
};

struct unsupported {
  std::string_view name;
  std::string_view advice;
};

constexpr std::string_view no_plugins =
    "tern has no plugin interface; remove it and use password_file and acl_file";

constexpr unsupported unsupported_directives[] = {
    {"port", "replace it with `listener PORT`"},
    {"bind_address", "replace it with `listener PORT ADDRESS`"},
    {"bind_interface", "replace it with `listener PORT ADDRESS`, giving the interface's address"},
    {"auth_plugin", no_plugins},
    {"plugin", no_plugins},
    {"global_plugin", no_plugins},
    {"auth_plugin_deny_special_chars", no_plugins},
    {"auto_id_prefix", ""},
    {"clientid_prefixes", ""},
    {"allow_duplicate_messages", ""},
    {"global_max_clients", ""},
    {"log_facility", ""},
    {"max_inflight_bytes", "remove it; max_inflight_messages limits what is in flight"},
    {"memory_limit", "remove it; max_queued_messages and max_queued_bytes bound the queues"},
    {"set_tcp_nodelay", ""},
    {"upgrade_outgoing_qos", ""},
    {"websockets_log_level", ""},
    {"websockets_headers_size", ""},
    {"enable_control_api", ""},
    {"quic_log_level", ""},
    {"retained_persistence", "replace it with `persistence true`"},
    {"maximum_qos", ""},
    {"max_topic_alias", ""},
    {"max_topic_alias_broker", ""},
    {"use_username_as_clientid", ""},
    {"dhparamfile", ""},
    {"tls_engine", ""},
    {"tls_engine_kpass_sha1", ""},
    {"tls_keyform", ""},
    {"accept_protocol_versions", ""},
    {"disable_client_cert_date_checks", ""},
    {"bridge_attempt_unsubscribe", ""},
    {"bridge_bind_address", ""},
    {"bridge_max_packet_size", ""},
    {"bridge_outgoing_retain", ""},
    {"bridge_alpn", ""},
    {"bridge_identity", ""},
    {"bridge_psk", ""},
    {"bridge_require_ocsp", ""},
    {"bridge_ciphers", ""},
    {"bridge_ciphers_tls1.3", ""},
    {"bridge_max_topic_alias", ""},
    {"bridge_receive_maximum", ""},
    {"bridge_session_expiry_interval", ""},
    {"bridge_tcp_keepalive", ""},
    {"bridge_tcp_user_timeout", ""},
    {"bridge_reload_type", ""},
    {"local_cleansession", ""},
    {"local_username", ""},
    {"local_password", ""},
    {"notification_topic", ""},
    {"notifications_local_only", ""},
};

// Typing differences that should not count: case, and '-' for '_'.
std::string folded(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    c = c == '-' ? '_' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

// Optimal string alignment distance: edits, where swapping two neighbours
// counts as one edit (the commonest typo).
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i)
    d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j)
    d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

}  // namespace

std::span<const directive_info> known_directives() {
  return directives;
}

const directive_info* find_directive(std::string_view name) {
  const auto it = std::find_if(std::begin(directives), std::end(directives),
                               [&](const directive_info& d) { return d.name == name; });
  return it == std::end(directives) ? nullptr : &*it;
}

std::optional<std::string_view> unsupported_mosquitto_directive(std::string_view name) {
  for (const unsupported& u : unsupported_directives) {
    if (u.name == name) return u.advice;
  }
  // Plugin options are a family: auth_opt_NAME, plugin_opt_NAME.
  if (name.starts_with("auth_opt_") || name.starts_with("plugin_opt_")) return no_plugins;
  return std::nullopt;
}

std::optional<std::string_view> closest_directive(std::string_view name) {
  const std::string wanted = folded(name);
  // Short names tolerate one edit, long ones up to three.
  const std::size_t limit = std::clamp<std::size_t>(wanted.size() / 4, 1, 3);
  std::optional<std::string_view> best;
  std::size_t best_distance = limit + 1;
  for (const directive_info& d : directives) {
    // The length difference is a lower bound of the distance: checking it
    // first keeps a long unknown word from costing its length times every
    // name's (quadratic, and the fuzzer found it slow).
    const std::size_t longer = std::max(wanted.size(), d.name.size());
    if (longer - std::min(wanted.size(), d.name.size()) > limit) continue;
    const std::size_t distance = edit_distance(wanted, folded(d.name));
    if (distance < best_distance) {
      best = d.name;
      best_distance = distance;
    }
  }
  return best;
}

}  // namespace tern::app::detail
