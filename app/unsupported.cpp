#include "app/unsupported.hpp"

#include <string>

namespace tern::app {
namespace {

[[noreturn]] void refuse(const std::string& where, const std::string& what) {
  throw config_error(where, what + " is not supported by this build of tern yet; remove it");
}

}  // namespace

void refuse_unsupported(const config& cfg) {
  const std::string file_level =
      cfg.listeners.empty() ? std::string() : cfg.listeners.front().source;
  if (!cfg.psk_file.empty()) refuse(file_level, "psk_file");
  for (const auto& l : cfg.listeners) {
    if (l.protocol != "mqtt") refuse(l.source, "protocol " + l.protocol);
    if (!l.certfile.empty() || !l.cafile.empty() || !l.capath.empty() || !l.psk_hint.empty())
      refuse(l.source, "TLS on a listener");
    if (!l.psk_file.empty()) refuse(l.source, "a per-listener PSK file");
    if (l.socket_domain == "ipv6" && l.bind_address.empty()) refuse(l.source, "socket_domain ipv6");
  }
  // Bridges: what this build lacks is refused by make_bridge_options().
}

}  // namespace tern::app
