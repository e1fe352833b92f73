#pragma once
// One bridge's settings, as app/ reads them from a mosquitto.conf
// `connection NAME` section (mosquitto.conf(5), "Configuring Bridges").
// Built once at start-up; read-only afterwards, so any thread may read it.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "mqtt/codec/types.hpp"
#include "session/queue_bound.hpp"
#include "tls/settings.hpp"

namespace boost::asio::ssl {
class context;
}

namespace tern::bridge {

enum class direction : std::uint8_t { in, out, both };

// `topic PATTERN [in|out|both [QOS [LOCAL-PREFIX REMOTE-PREFIX]]]`
struct topic_rule {
  std::string pattern;  // may be empty when both prefixes name the topic
  direction dir = direction::out;
  mqtt::qos qos = mqtt::qos::at_most_once;
  std::string local_prefix;
  std::string remote_prefix;
};

// mosquitto's `start_type`: when the bridge connects.
enum class start_type : std::uint8_t {
  automatic,  // at start-up, and again after every failure or drop
  once,       // at start-up only: never restarted
  lazy,       // when more than `threshold` messages wait for it; idle ones disconnect
};

struct remote_address {
  std::string host;
  std::uint16_t port = 1883;
};

struct bridge_options {
  std::string name;
  std::vector<remote_address> addresses;  // at least one; the first is the main one
  // false: after a drop, start again from the first address (mosquitto's
  // default); true: go on with the next one.
  bool round_robin = false;
  mqtt::protocol_version version = mqtt::protocol_version::v3_1_1;
  // false: both sessions persist, so messages wait for the link (the store
  // and forward queue); true: both start clean on every connection.
  bool clean_session = false;
  bool try_private = true;
  bool notifications = true;
  std::uint16_t keepalive_seconds = 60;
  std::chrono::seconds restart_base{5};  // `restart_timeout BASE [CAP]`
  std::optional<std::chrono::seconds> restart_cap = std::chrono::seconds(30);
  start_type start = start_type::automatic;
  // start_type lazy: connect once more than `threshold` messages wait in
  // the bridge's local session; disconnect after `idle_timeout` without a
  // message crossing either way.
  std::uint64_t threshold = 10;
  std::chrono::seconds idle_timeout{60};
  std::string remote_clientid;  // default: HOSTNAME.NAME
  std::string local_clientid;   // default: local.REMOTE_CLIENTID
  std::optional<std::string> remote_username, remote_password;
  std::vector<topic_rule> topics;
  // bridge_max_queued_messages / _bytes: the bound of the queue kept for
  // the remote (its local session's), which refuses at the bound
  // (broker::session::own_bound); none: the global max_queued_* bounds,
  // which drop the newest.
  std::optional<broker::queue_bound> queue_bound;
  // bridge_cafile / bridge_capath given: TLS to the remote, with the
  // context app/ built from these settings (null: plain TCP).
  std::optional<tls::client_settings> tls;
  std::shared_ptr<boost::asio::ssl::context> tls_context;

  // mosquitto's state topic: 1 when connected, 0 otherwise, retained.
  std::string notification_topic() const {
    return "$SYS/broker/connection/" + remote_clientid + "/state";
  }
};

}  // namespace tern::bridge
