#pragma once
// Connection factories for WebSocket listeners (`protocol websockets`):
// what a listen_endpoint's make_connection is set to. Kept apart from
// ws_connection.hpp so that whoever wires listeners up does not compile
// Beast.
//
// Thread: a factory is called on the worker that will own the connection;
// the policy it holds is immutable and shared.

#include <memory>

#include "net/server.hpp"
#include "net/ws_policy.hpp"

#ifdef TERN_WITH_TLS
namespace tern::tls {
class server_context;
}
#endif

namespace tern::net {

// MQTT over plain WebSocket (ws://).
connection_factory make_ws_factory(std::shared_ptr<const ws_policy> policy);

#ifdef TERN_WITH_TLS
// MQTT over secure WebSocket (wss://): the same connection over TLS, each
// with the listener's context current when it is accepted (a SIGHUP reload
// serves new connections only).
connection_factory make_wss_factory(std::shared_ptr<const ws_policy> policy,
                                    std::shared_ptr<tls::server_context> contexts);
#endif

}  // namespace tern::net
