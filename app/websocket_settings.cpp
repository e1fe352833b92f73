#include "app/websocket_settings.hpp"

#include <memory>
#include <stdexcept>

#include "net/ws_factory.hpp"
#include "net/ws_policy.hpp"

namespace tern::app {

net::connection_factory websocket_factory(const listener_config& l, const config& cfg,
                                          std::shared_ptr<tls::server_context> tls) {
  net::ws_settings s;
  s.path = l.websockets_path;
  s.allowed_origins = l.websockets_origins;
  for (const auto& proxy : l.websockets_trusted_proxies) {
    auto network = net::ip_network::parse(proxy);
    // The config reader checked every value already.
    if (!network) throw std::logic_error("websockets_trusted_proxy not checked: " + proxy);
    s.trusted_proxies.push_back(*network);
  }
  // A message carries one packet, or a few small ones: max_packet_size
  // bounds it as it bounds packets (MQTT's own maximum when unset).
  if (cfg.max_packet_size != 0) s.max_message_size = cfg.max_packet_size;
  auto policy = std::make_shared<const net::ws_policy>(std::move(s));
#ifdef TERN_WITH_TLS
  if (tls) return net::make_wss_factory(std::move(policy), std::move(tls));
#else
  // tls_listeners refuses TLS listeners in a build without TLS.
  if (tls) throw std::logic_error("a TLS context in a build without TLS");
#endif
  return net::make_ws_factory(std::move(policy));
}

}  // namespace tern::app
