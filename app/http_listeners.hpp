#pragma once
// The `protocol http` listeners of the config (README "Operating"): one
// ops_http service (metrics, health, the status page) each, served by a
// net::http_listener on the server's workers. They stop accepting when the
// server shuts down, and their http_password_file is read again on SIGHUP.
// Built only with TERN_WITH_WEBSOCKET: the HTTP listener is Beast's, as is
// WebSocket.
//
// Thread: made on the main thread before server.run(), and must outlive it
// (the server's hooks refer to it); the hooks run on worker 0.

#include <memory>
#include <vector>

#include "app/config/config.hpp"
#include "app/ops_http.hpp"
#include "net/http_listener.hpp"
#include "net/server.hpp"

namespace tern::app {

class http_listeners {
 public:
  // Binds and starts every `protocol http` listener of `cfg`. Throws
  // std::system_error naming the address that cannot be bound, auth's
  // file_error when an http_password_file cannot be read.
  http_listeners(const config& cfg, net::server& server, const ops_sources& sources);
  http_listeners(const http_listeners&) = delete;
  http_listeners& operator=(const http_listeners&) = delete;

 private:
  void stop();
  void reload_users();

  std::vector<std::unique_ptr<ops_http>> ops_;
  std::vector<std::unique_ptr<net::http_listener>> listeners_;
};

}  // namespace tern::app
