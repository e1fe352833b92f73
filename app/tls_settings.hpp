#pragma once
// TLS listeners (certfile/keyfile, or psk_hint): from listener_config to
// tls::server_settings, one tls::server_context per TLS listener built at
// start-up, the connection factory that serves MQTT over it, and the
// reload of every context on SIGHUP.
//
// Thread: built and reloaded on one thread at a time (main, then worker 0
// on SIGHUP); the contexts themselves may be read from any thread.

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "app/config/config.hpp"
#include "net/server.hpp"
#include "tls/settings.hpp"

namespace tern::tls {
class server_context;
}

namespace tern::app {

// A listener with certfile or psk_hint speaks TLS.
bool uses_tls(const listener_config& l);
tls::server_settings server_tls_settings(const listener_config& l, const config& cfg);

class tls_listeners {
 public:
  // Builds the context of every TLS listener of `cfg`. Throws config_error
  // at the listener's FILE:LINE saying which file is wrong and what to do.
  // In a build without TLS there are none: the config reader refused their
  // settings (read with compiled_features()).
  explicit tls_listeners(const config& cfg);
  ~tls_listeners();

  // The context of cfg.listeners[i] (a WebSocket listener with certfile:
  // take current() for each connection); null for a plain listener.
  std::shared_ptr<tls::server_context> context(std::size_t listener) const;
  // MQTT over TLS on cfg.listeners[i]: each accepted socket gets a
  // tls_connection with the context current at that moment. Empty for a
  // plain listener (the server then makes tcp_connections).
  net::connection_factory connection_factory(std::size_t listener) const;
  // SIGHUP: rebuilds every context from its files. One with a bad file keeps
  // its previous context, and the reason is logged.
  void reload();

 private:
  std::vector<std::shared_ptr<tls::server_context>> contexts_;  // per listener, null: plain
  std::vector<std::string> names_;                              // "listener PORT (FILE:LINE)"
};

}  // namespace tern::app
