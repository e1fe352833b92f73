#include "app/broker_settings.hpp"

#include <algorithm>
#include <memory>
#include <stdexcept>

#ifdef TERN_WITH_WEBSOCKET
#include "app/websocket_settings.hpp"
#endif
#include "auth/auth_file_error.hpp"
#include "auth/file_access_control.hpp"

namespace tern::app {
namespace {

// password_file and acl_file, read now: a bad line stops start-up like a
// bad config line. Relative paths are relative to the working directory,
// as in mosquitto.
std::shared_ptr<broker::access_control> make_access_control(const std::string& password_file,
                                                            const std::string& acl_file) {
  if (password_file.empty() && acl_file.empty()) return nullptr;
  try {
    return std::make_shared<auth::file_access_control>(password_file, acl_file);
  } catch (const auth::file_error& e) {
    throw config_error(e.location(), e.problem());
  }
}

net::listen_endpoint plain_endpoint(std::string address, std::uint16_t port) {
  net::listen_endpoint ep;
  ep.address = std::move(address);
  ep.port = port;
  return ep;
}

}  // namespace

broker::broker_config make_broker_config(const config& cfg) {
  broker::broker_config b;
  b.limits.max_inflight =
      static_cast<std::uint16_t>(std::min<std::size_t>(cfg.max_inflight_messages, 65535));
  if (cfg.max_packet_size != 0) b.limits.maximum_packet_size = cfg.max_packet_size;
  b.max_queued_messages = cfg.max_queued_messages;
  b.max_queued_bytes = cfg.max_queued_bytes;
  b.message_size_limit = cfg.message_size_limit;
  b.allow_zero_length_clientid = cfg.allow_zero_length_clientid;
  b.connection_messages = cfg.connection_messages;
  b.allow_anonymous = cfg.allow_anonymous;
  b.access = make_access_control(cfg.password_file, cfg.acl_file);
  b.limits.retain_available = cfg.retain_available;
  b.limits.maximum_qos = static_cast<mqtt::qos>(cfg.max_qos);
  b.limits.wildcard_subscription_available = cfg.wildcard_subscription_available;
  b.limits.subscription_identifier_available = cfg.subscription_identifier_available;
  b.limits.shared_subscription_available = cfg.shared_subscription_available;
  b.shared_subscription_policy =
      cfg.shared_subscription_policy == "random"   ? broker::shared_policy::random
      : cfg.shared_subscription_policy == "sticky" ? broker::shared_policy::sticky
                                                   : broker::shared_policy::round_robin;
  b.response_topic_prefix = cfg.response_topic_prefix;
  b.max_keepalive = cfg.max_keepalive;
  b.queue_qos0_messages = cfg.queue_qos0_messages;
  b.limits.max_publish_rate = cfg.max_publish_rate;
  b.limits.max_topic_levels = cfg.max_topic_levels;
  b.max_subscriptions_per_client = cfg.max_subscriptions_per_client;
  b.sys_interval = std::chrono::seconds(cfg.sys_interval);
  b.version = std::string("tern ") + TERN_VERSION;
  return b;
}

std::vector<net::listen_endpoint> listen_endpoints(const config& cfg, int port_override,
                                                   const tls_listeners& tls) {
  std::vector<net::listen_endpoint> out;
  if (port_override != 0) {
    out.push_back(plain_endpoint("127.0.0.1", static_cast<std::uint16_t>(port_override)));
    return out;
  }
  for (std::size_t i = 0; i < cfg.listeners.size(); ++i) {
    const auto& l = cfg.listeners[i];
    if (l.protocol == "http") continue;  // not MQTT: app/ops_http serves those
    auto ep = plain_endpoint(l.bind_address, l.port);
    // MQTT over TLS here; a WebSocket listener's TLS is its transport's.
    if (l.protocol == "mqtt") ep.make_connection = tls.connection_factory(i);
    if (l.protocol == "websockets") {
#ifdef TERN_WITH_WEBSOCKET
      ep.make_connection = websocket_factory(l, cfg, tls.context(i));
#else
      // Our bug if reached: it would serve raw MQTT where WebSocket is meant.
      throw std::logic_error("the config reader let `protocol websockets` into a build without it");
#endif
    }
    ep.max_connections = l.max_connections;
    if (cfg.per_listener_settings) {
      // mosquitto's per_listener_settings: this listener's own files (none
      // when it names none) and allow_anonymous (else the global one).
      auto security = std::make_shared<broker::listener_security>();
      security->allow_anonymous = l.allow_anonymous.value_or(cfg.allow_anonymous);
      security->access = make_access_control(l.password_file, l.acl_file);
      ep.security = std::move(security);
    }
    out.push_back(std::move(ep));
  }
  if (out.empty()) out.push_back(plain_endpoint("127.0.0.1", 1883));
  return out;
}

}  // namespace tern::app
