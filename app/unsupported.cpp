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
    if (l.protocol == "websockets") refuse(l.source, "protocol websockets");
    if (!l.certfile.empty() || !l.cafile.empty() || !l.capath.empty() || !l.psk_hint.empty())
      refuse(l.source, "TLS on a listener");
    if (!l.password_file.empty() || !l.acl_file.empty() || !l.psk_file.empty())
      refuse(l.source, "a per-listener password, ACL or PSK file");
    if (l.allow_anonymous && *l.allow_anonymous != cfg.allow_anonymous)
      refuse(l.source, "allow_anonymous per listener");
    if (l.max_connections != 0) refuse(l.source, "max_connections");
    if (l.socket_domain == "ipv6" && l.bind_address.empty()) refuse(l.source, "socket_domain ipv6");
  }
  // Bridges: what this build lacks is refused by make_bridge_options().
  if (cfg.max_connections != 0) refuse(file_level, "global_max_connections");
}

}  // namespace tern::app
