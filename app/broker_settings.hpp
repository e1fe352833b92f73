#pragma once
// From the parsed config file to what the layers below take.

#include <cstdint>
#include <vector>

#include "app/config/config.hpp"
#include "app/tls_settings.hpp"
#include "net/server.hpp"
#include "session/broker_config.hpp"

namespace tern::app {

broker::broker_config make_broker_config(const config& cfg);

// The listeners to open: `port_override` (tern -p) replaces the configured
// ones with 127.0.0.1:PORT; with neither, 127.0.0.1:1883. TLS listeners
// get their connections from `tls`.
std::vector<net::listen_endpoint> listen_endpoints(const config& cfg, int port_override,
                                                   const tls_listeners& tls);

}  // namespace tern::app
