#pragma once
// From a `protocol websockets` listener's settings to the connection
// factory its endpoint uses (README "WebSocket").

#include "app/config/config.hpp"
#include "net/server.hpp"

namespace tern::app {

// `cfg` supplies what all listeners share (max_packet_size bounds a
// WebSocket message too).
net::connection_factory websocket_factory(const listener_config& l, const config& cfg);

}  // namespace tern::app
