#pragma once
// From a `protocol websockets` listener's settings to the connection
// factory its endpoint uses (README "WebSocket").

#include <memory>

#include "app/config/config.hpp"
#include "net/server.hpp"

namespace tern::tls {
class server_context;
}

namespace tern::app {

// `cfg` supplies what all listeners share (max_packet_size bounds a
// WebSocket message too). `tls`: the listener's context (tls_listeners),
// null for plain WebSocket.
net::connection_factory websocket_factory(const listener_config& l, const config& cfg,
                                          std::shared_ptr<tls::server_context> tls);

}  // namespace tern::app
