#include "app/http_listeners.hpp"

#include <exception>

#include <spdlog/spdlog.h>

namespace tern::app {

http_listeners::http_listeners(const config& cfg, net::server& server, const ops_sources& sources) {
  for (const auto& l : cfg.listeners) {
    if (l.protocol != "http") continue;
    ops_.push_back(std::make_unique<ops_http>(sources, l.http_password_file));
    // Loopback unless an address is given: metrics are not for the world.
    listeners_.push_back(std::make_unique<net::http_listener>(
        server.workers(), l.bind_address.empty() ? "127.0.0.1" : l.bind_address, l.port,
        ops_.back()->service()));
    listeners_.back()->start();
  }
  server.on_shut_down([this] { stop(); });
  server.on_reload([this] { reload_users(); });
}

void http_listeners::stop() {
  for (auto& l : listeners_)
    l->stop();
}

void http_listeners::reload_users() {
  for (auto& o : ops_) {
    try {
      o->reload();
    } catch (const std::exception& e) {
      spdlog::error("SIGHUP: {}; the previous http users stay", e.what());
    }
  }
}

}  // namespace tern::app
