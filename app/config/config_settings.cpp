// The setting directives of config_parser: one value each, checked and
// stored. Sections, scopes and includes are in config_parser.cpp; checks
// across lines in config_checks.cpp.

#include <algorithm>
#include <cctype>
#include <limits>
#include <stdexcept>

#include <fmt/format.h>

#include "app/config/config_parser.hpp"

namespace tern::app::detail {
namespace {

constexpr std::uint64_t u16_max = std::numeric_limits<std::uint16_t>::max();
constexpr std::uint64_t u32_max = std::numeric_limits<std::uint32_t>::max();
constexpr std::uint64_t size_max = std::numeric_limits<std::size_t>::max();
// MQTT's largest payload (remaining length), and the largest whole packet.
constexpr std::uint64_t mqtt_max_payload = 268'435'455;
constexpr std::uint64_t mqtt_max_packet = mqtt_max_payload + 5;

[[noreturn]] void unhandled(const directive& d) {
  throw std::logic_error("tern_config: no handler for directive " + d.name);
}

void remove(std::vector<std::string>& v, std::string_view s) {
  v.erase(std::remove(v.begin(), v.end(), s), v.end());
}

void add_once(std::vector<std::string>& v, std::string_view s) {
  if (std::find(v.begin(), v.end(), s) == v.end()) v.emplace_back(s);
}

void check_bridge_address(const directive& d, std::string_view address) {
  const auto colon = address.rfind(':');
  if (colon == std::string_view::npos) return;
  if (colon == 0 || colon + 1 == address.size()) {
    fail(d, fmt::format("`{}`: '{}' is not HOST or HOST:PORT; write e.g. broker.example:1883",
                        d.name, address));
  }
  to_number(d, address.substr(colon + 1), 1, u16_max);
}

// `topic PATTERN [DIRECTION [QOS [LOCAL_PREFIX REMOTE_PREFIX]]]`; "" stands
// for an empty pattern or prefix. mosquitto.conf(5), "topic".
void check_bridge_topic(const directive& d, const std::vector<std::string_view>& words) {
  constexpr std::string_view form = "write `topic PATTERN [in|out|both [QOS [LOCAL REMOTE]]]`";
  if (words.empty()) fail(d, fmt::format("`topic` has no pattern; {}", form));
  if (words.size() == 4 || words.size() > 5) {
    fail(d, fmt::format("`topic {}` has the wrong number of parts; {}", d.value, form));
  }
  if (words.size() > 1) {
    std::string direction(words[1]);
    for (char& c : direction)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (direction != "in" && direction != "out" && direction != "both") {
      fail(d, fmt::format("`topic`: direction '{}' is not in, out or both; {}", words[1], form));
    }
  }
  if (words.size() > 2) to_number(d, words[2], 0, 2);
  if (words[0] == "\"\"" && (words.size() < 5 || words[3] == "\"\"" || words[4] == "\"\"")) {
    fail(d,
         "`topic \"\"` needs a local and a remote prefix, which then name the topic; write "
         "e.g. `topic \"\" out 0 local/topic remote/topic`");
  }
  for (std::size_t i = 3; i < words.size(); ++i) {
    if (words[i].find_first_of("+#") != std::string_view::npos) {
      fail(d, fmt::format("`topic`: prefix '{}' contains a wildcard; a prefix is plain topic "
                          "levels such as site/a/",
                          words[i]));
    }
  }
}

std::string joined(const std::vector<std::string_view>& words) {
  std::string out;
  for (std::string_view w : words) {
    if (!out.empty()) out += ' ';
    out += w;
  }
  return out;
}

}  // namespace

void config_parser::apply_global(const directive& d) {
  config& c = out_;
  const std::string_view n = d.name;
  if (n == "per_listener_settings") return set_per_listener_settings(d);
  if (n == "allow_zero_length_clientid") {
    c.allow_zero_length_clientid = read_bool(d);
  } else if (n == "connection_messages") {
    c.connection_messages = read_bool(d);
  } else if (n == "persistence") {
    c.persistence = read_bool(d);
  } else if (n == "persistence_location") {
    c.persistence_location = read_once(global_seen_, d);  // made a directory in finish()
  } else if (n == "persistence_file") {
    c.persistence_file = read_once(global_seen_, d);
  } else if (n == "persistence_sync") {
    c.persistence_sync = read_choice(d, {"off", "normal", "full"});
  } else if (n == "persistent_client_expiration") {
    c.persistent_client_expiration = read_duration(d);
  } else if (n == "max_inflight_messages") {
    c.max_inflight_messages = read_number(d, 0, u16_max, true);
  } else if (n == "max_queued_messages") {
    c.max_queued_messages = read_number(d, 0, size_max, true);
  } else if (n == "max_queued_bytes") {
    c.max_queued_bytes = read_number(d, 0, size_max, true);
  } else if (n == "message_size_limit") {
    c.message_size_limit = static_cast<std::uint32_t>(read_number(d, 0, mqtt_max_payload));
  } else if (n == "max_packet_size") {
    // mosquitto refuses less than 20 bytes: even small PUBLISHes need more.
    const auto size = read_number(d, 0, mqtt_max_packet);
    if (size > 0 && size < 20) {
      fail(d, fmt::format("`max_packet_size`: {} is too small for normal packets; give 0 (no "
                          "limit) or from 20 to {} bytes",
                          size, mqtt_max_packet));
    }
    c.max_packet_size = static_cast<std::uint32_t>(size);
  } else if (n == "max_keepalive") {
    c.max_keepalive = static_cast<std::uint16_t>(read_number(d, 0, u16_max));
  } else if (n == "global_max_connections") {
    c.max_connections = read_number(d, 0, size_max, true);
  } else if (n == "max_connection_rate") {
    // N/SECONDS, or N for per second; 0 turns it off.
    const std::string_view value = read_word(d, "N/SECONDS, e.g. 10/1");
    const auto slash = value.find('/');
    c.connection_rate_count =
        static_cast<std::uint32_t>(to_number(d, value.substr(0, slash), 0, u32_max));
    c.connection_rate_seconds =
        slash == std::string_view::npos
            ? 1
            : static_cast<std::uint32_t>(to_number(d, value.substr(slash + 1), 1, 86'400));
  } else if (n == "max_publish_rate") {
    c.max_publish_rate = static_cast<std::uint32_t>(read_number(d, 0, u32_max));
  } else if (n == "max_topic_levels") {
    c.max_topic_levels = static_cast<std::uint32_t>(read_number(d, 0, u16_max));
  } else if (n == "max_subscriptions_per_client") {
    c.max_subscriptions_per_client = read_number(d, 0, size_max, true);
  } else if (n == "retain_available") {
    c.retain_available = read_bool(d);
  } else if (n == "max_qos") {
    // Once: tern has one set of limits for all listeners, so a second value
    // (e.g. under another listener) would be silently lost.
    c.max_qos = static_cast<std::uint8_t>(to_number(d, read_once(global_seen_, d), 0, 2));
  } else if (n == "wildcard_subscription_available") {
    c.wildcard_subscription_available = read_bool(d);
  } else if (n == "subscription_identifier_available") {
    c.subscription_identifier_available = read_bool(d);
  } else if (n == "shared_subscription_available") {
    c.shared_subscription_available = read_bool(d);
  } else if (n == "shared_subscription_policy") {
    c.shared_subscription_policy = read_choice(d, {"round_robin", "random", "sticky"});
  } else if (n == "response_topic_prefix") {
    c.response_topic_prefix = read_word(d, "a topic prefix such as reply");
    if (c.response_topic_prefix.find_first_of("+#") != std::string::npos) {
      fail(d, fmt::format("`response_topic_prefix`: '{}' contains a wildcard; give plain topic "
                          "levels such as reply or site/replies",
                          c.response_topic_prefix));
    }
  } else if (n == "queue_qos0_messages") {
    c.queue_qos0_messages = read_bool(d);
  } else if (n == "sys_interval") {
    c.sys_interval = static_cast<std::uint32_t>(read_number(d, 0, u16_max));
  } else if (n == "log_type") {
    set_log_type(d);
  } else if (n == "log_dest") {
    set_log_dest(d);
  } else if (n == "log_timestamp_format") {
    c.log_timestamp_format = read_once(global_seen_, d);
  } else if (n == "pid_file") {
    c.pid_file = read_once(global_seen_, d);
  } else if (n == "user") {
    c.user = read_string(d);  // the latest wins, as in mosquitto
  } else if (n == "threads") {
    c.threads = static_cast<unsigned>(read_number(d, 0, 1024));
  } else {
    unhandled(d);
  }
}

// Accepted so mosquitto files load, but they change nothing in tern; the
// value is still checked, and a note tells the operator.
void config_parser::apply_ignored(const directive& d) {
  const std::string_view n = d.name;
  std::string_view why;
  if (n == "autosave_interval") {
    out_.autosave_interval = static_cast<std::uint32_t>(read_number(d, 0, u32_max, true));
    why = "tern's store writes every change as it happens, not in periodic snapshots";
  } else if (n == "autosave_on_changes") {
    read_bool(d);
    why = "tern's store writes every change as it happens, not in periodic snapshots";
  } else if (n == "log_timestamp") {
    read_bool(d);
    why = "tern puts a timestamp on every log line (its format is log_timestamp_format)";
  } else if (n == "check_retain_source") {
    read_bool(d);
    why = "tern does not re-check the publisher's access when it sends a retained message";
  } else if (n == "retry_interval") {
    read_number(d, 0, u32_max, true);
    why = "MQTT resends unacknowledged messages only on reconnect (mosquitto 2 ignores it too)";
  } else {
    unhandled(d);
  }
  out_.notes.push_back(
      fmt::format("{}: `{}` is accepted for mosquitto compatibility but has no effect: {}", d.where,
                  d.name, why));
}

void config_parser::set_log_dest(const directive& d) {
  const auto choices = {std::string_view("stdout"), std::string_view("stderr"),
                        std::string_view("syslog"), std::string_view("topic"),
                        std::string_view("file"),   std::string_view("none")};
  const auto words = split_words(d.value);
  if (words.empty()) fail(d, fmt::format("`log_dest` has no value; give {}", one_of(choices)));
  const std::string_view dest = words[0];
  if (dest == "file") {
    // The path is the rest of the line, as in mosquitto.
    const std::string_view path = std::string_view(d.value).substr(4);
    const auto start = path.find_first_not_of(" \t");
    if (start == std::string_view::npos) {
      fail(d,
           "`log_dest file` needs the log file's path; write `log_dest file "
           "/var/log/tern/tern.log`");
    }
    if (const auto it = global_seen_.find("log_dest file"); it != global_seen_.end()) {
      fail(d, fmt::format("a log file is already set at {}; tern writes to one file only, keep "
                          "one of the two lines",
                          it->second));
    }
    global_seen_.emplace("log_dest file", d.where);
    out_.log_file = path.substr(start);
    remove(out_.log_dests, "none");
    add_once(out_.log_dests, "file");
    return;
  }
  const std::string value = read_choice(d, choices);
  if (value == "none")
    out_.log_dests.clear();
  else
    remove(out_.log_dests, "none");
  add_once(out_.log_dests, value);
}

// Each line adds types; `none` clears what came before (mosquitto). tern also
// accepts several types on one line.
void config_parser::set_log_type(const directive& d) {
  const auto choices = {std::string_view("debug"),       std::string_view("error"),
                        std::string_view("warning"),     std::string_view("notice"),
                        std::string_view("information"), std::string_view("subscribe"),
                        std::string_view("unsubscribe"), std::string_view("websockets"),
                        std::string_view("none"),        std::string_view("all")};
  auto words = split_words(d.value);
  drop_trailing_comment(words, 1);
  if (words.empty()) fail(d, fmt::format("`log_type` has no value; give {}", one_of(choices)));
  for (std::string_view type : words) {
    if (std::find(choices.begin(), choices.end(), type) == choices.end()) {
      fail(d, fmt::format("`log_type`: '{}' is not a log type; use {}", type, one_of(choices)));
    }
    if (type == "none")
      out_.log_types.clear();
    else
      remove(out_.log_types, "none");
    add_once(out_.log_types, type);
  }
}

void config_parser::apply_listener(std::size_t i, const directive& d) {
  listener_config& l = out_.listeners[i];
  seen_map& seen = listener_seen_[i];
  const std::string_view n = d.name;
  if (n == "protocol") {
    l.protocol = read_choice(d, {"mqtt", "websockets", "http"});
    require_built_protocol(d, l.protocol);
  } else if (n == "max_connections") {
    l.max_connections = read_number(d, 0, size_max, true);
  } else if (n == "socket_domain") {
    l.socket_domain = read_choice(d, {"ipv4", "ipv6"});
  } else if (n == "require_certificate") {
    l.require_certificate = read_bool(d);
  } else if (n == "use_identity_as_username") {
    l.use_identity_as_username = read_bool(d);
  } else if (n == "use_subject_as_username") {
    l.use_subject_as_username = read_bool(d);
  } else if (n == "tls_version") {
    // tlsv1.1 is mosquitto's third value; OpenSSL 3 refuses it at its default
    // security level, so tern does not offer it.
    if (read_word(d, "tlsv1.2 or tlsv1.3") == "tlsv1.1") {
      fail(d,
           "`tls_version`: tern does not offer TLS 1.1, which is no longer secure; use "
           "tlsv1.2 or tlsv1.3");
    }
    l.tls_version = read_choice(d, {"tlsv1.2", "tlsv1.3"});
  } else if (n == "websockets_path" || n == "websockets_origin" ||
             n == "websockets_trusted_proxy") {
    return set_websockets_option(l, seen, d);
  } else if (n == "mount_point") {
    l.mount_point = read_once(seen, d);
    if (l.mount_point.find_first_of("+#") != std::string::npos) {
      fail(d, fmt::format("`mount_point`: '{}' contains a wildcard; give plain topic levels "
                          "such as site/a/",
                          l.mount_point));
    }
  } else {
    std::string value = read_once(seen, d);
    if (n == "cafile")
      l.cafile = std::move(value);
    else if (n == "capath")
      l.capath = std::move(value);
    else if (n == "certfile")
      l.certfile = std::move(value);
    else if (n == "keyfile")
      l.keyfile = std::move(value);
    else if (n == "crlfile")
      l.crlfile = std::move(value);
    else if (n == "ciphers")
      l.ciphers = std::move(value);
    else if (n == "ciphers_tls1.3")
      l.ciphers_tls13 = std::move(value);
    else if (n == "psk_hint")
      l.psk_hint = std::move(value);
    else if (n == "http_dir")
      l.http_dir = std::move(value);
    else if (n == "http_password_file")
      l.http_password_file = std::move(value);
    else
      unhandled(d);
    return;
  }
  seen[d.name] = d.where;
}

// Kept as key/value text for the bridge module, but checked now so mistakes
// are reported with their line at start-up.
void config_parser::apply_bridge(std::size_t i, const directive& d) {
  bridge_config& b = out_.bridges[i];
  seen_map& seen = bridge_seen_[i];
  std::string key = d.name;
  if (key == "addresses") key = "address";
  if (key == "clientid" || key == "username" || key == "password") {
    key = "remote_" + key;
    out_.notes.push_back(fmt::format("{}: `{}` is mosquitto's old name for `{}`; read as that",
                                     d.where, d.name, key));
  }
  std::string value;
  if (key == "address") {
    auto words = split_words(d.value);
    drop_trailing_comment(words, 0);
    if (words.empty())
      fail(d, fmt::format("`{}` has no value; write `{} HOST[:PORT]`", d.name, d.name));
    for (std::string_view address : words)
      check_bridge_address(d, address);
    if (const auto it = seen.find(key); it != seen.end()) {
      fail(d, fmt::format("this bridge's addresses are already given at {}; list them all on "
                          "one `address` line",
                          it->second));
    }
    value = joined(words);
  } else if (key == "topic") {
    auto words = split_words(d.value);
    drop_trailing_comment(words, 1);  // the pattern itself may be `#`
    check_bridge_topic(d, words);
    value = joined(words);
  } else if (key == "cleansession" || key == "bridge_insecure" || key == "try_private" ||
             key == "notifications" || key == "round_robin") {
    value = read_bool(d) ? "true" : "false";
  } else if (key == "bridge_tls_version") {
    value = read_choice(d, {"tlsv1.2", "tlsv1.3"});
  } else if (key == "bridge_protocol_version") {
    value = read_choice(d, {"mqttv31", "mqttv311", "mqttv50"});
  } else if (key == "start_type") {
    value = read_choice(d, {"automatic", "lazy", "once"});
  } else if (key == "bridge_max_queued_messages" || key == "bridge_max_queued_bytes") {
    value = std::to_string(read_number(d, 0, size_max));
  } else if (key == "keepalive_interval") {
    auto seconds = read_number(d, 0, u16_max);
    if (seconds < 5) {  // mosquitto's floor, applied the same way
      out_.notes.push_back(fmt::format(
          "{}: `keepalive_interval {}` is below the minimum; 5 seconds is used", d.where, seconds));
      seconds = 5;
    }
    value = std::to_string(seconds);
  } else if (key == "threshold" || key == "idle_timeout") {
    // start_type lazy's messages to wait for and seconds of silence; below
    // 1 mosquitto uses 1, and so does tern (with a note).
    auto n = read_number(d, 0, u32_max);
    if (n < 1) {
      out_.notes.push_back(
          fmt::format("{}: `{} {}` is below the minimum; 1 is used", d.where, key, n));
      n = 1;
    }
    value = std::to_string(n);
  } else if (key == "restart_timeout") {
    // `restart_timeout CONSTANT` or `restart_timeout BASE CAP`.
    auto words = split_words(d.value);
    drop_trailing_comment(words, 1);
    if (words.empty() || words.size() > 2) {
      fail(d,
           "`restart_timeout` takes one or two numbers of seconds; write `restart_timeout 20` "
           "or `restart_timeout 5 30` (base, cap)");
    }
    const auto base = to_number(d, words[0], 1, u32_max);
    if (words.size() == 2 && to_number(d, words[1], 1, u32_max) < base) {
      fail(d, fmt::format("`restart_timeout`: the cap {} is lower than the base {}; give the "
                          "smaller number first",
                          words[1], words[0]));
    }
    value = joined(words);
  } else {
    // Strings: remote_clientid, remote_username, remote_password, local_clientid,
    // bridge_cafile, bridge_capath, bridge_certfile, bridge_keyfile. Keyed by the canonical
    // name, so `clientid` then `remote_clientid` is a duplicate too.
    if (const auto it = seen.find(key); it != seen.end()) {
      fail(d, fmt::format("`{}` is already set at {}; keep only one of the two lines", key,
                          it->second));
    }
    value = read_string(d);
  }
  seen[key] = d.where;
  b.settings.emplace_back(std::move(key), std::move(value));
  b.setting_sources.push_back(d.where);
}

}  // namespace tern::app::detail
