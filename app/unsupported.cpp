#include "app/unsupported.hpp"

#include <string>

namespace tern::app {
namespace {

[[noreturn]] void refuse(const std::string& where, const std::string& what) {
  throw config_error(where, what + " is not supported by this build of tern yet; remove it");
}

}  // namespace

void refuse_unsupported(const config& cfg) {
  for (const auto& l : cfg.listeners) {
    // WebSocket listeners carry MQTT only: tern serves no files.
    if (!l.http_dir.empty()) refuse(l.source, "http_dir (serving files)");
    // Browsers speak no TLS-PSK, and mosquitto's websockets take none.
    if (l.protocol == "websockets" && !l.psk_hint.empty())
      refuse(l.source, "TLS-PSK on a websockets listener");
    if (l.socket_domain == "ipv6" && l.bind_address.empty()) refuse(l.source, "socket_domain ipv6");
  }
  // Bridges: what this build lacks is refused by make_bridge_options().
}

}  // namespace tern::app
