#include "app/broker_settings.hpp"

#include <algorithm>

namespace tern::app {

broker::broker_config make_broker_config(const config& cfg) {
  broker::broker_config b;
  b.limits.max_inflight =
      static_cast<std::uint16_t>(std::min<std::size_t>(cfg.max_inflight_messages, 65535));
  if (cfg.max_packet_size != 0) b.limits.maximum_packet_size = cfg.max_packet_size;
  b.max_queued_messages = cfg.max_queued_messages;
  b.max_queued_bytes = cfg.max_queued_bytes;
  b.message_size_limit = cfg.message_size_limit;
  b.allow_zero_length_clientid = cfg.allow_zero_length_clientid;
  b.allow_anonymous = cfg.allow_anonymous;
  b.retain_available = cfg.retain_available;
  b.max_keepalive = cfg.max_keepalive;
  b.queue_qos0_messages = cfg.queue_qos0_messages;
  b.sys_interval = std::chrono::seconds(cfg.sys_interval);
  b.version = std::string("tern ") + TERN_VERSION;
  return b;
}

std::vector<net::listen_endpoint> listen_endpoints(const config& cfg, int port_override) {
  std::vector<net::listen_endpoint> out;
  if (port_override != 0) {
    out.push_back({"127.0.0.1", static_cast<std::uint16_t>(port_override)});
    return out;
  }
  for (const auto& l : cfg.listeners)
    out.push_back({l.bind_address, l.port});
  if (cfg.listeners.empty()) out.push_back({"127.0.0.1", 1883});
  return out;
}

}  // namespace tern::app
