// config_parser: settings of what this build left out (CMake's TERN_WITH_TLS
// and TERN_WITH_WEBSOCKET, README "Edge targets"). Each is refused at its
// line, before its value is read: ignoring it would be worse, since a
// listener meant for TLS would serve plain text and one meant for browsers
// would speak raw MQTT to them.

#include <string>

#include <fmt/format.h>

#include "app/config/config_parser.hpp"
#include "app/config/directive_table.hpp"

namespace tern::app::detail {
namespace {

constexpr std::string_view without_tls =
    "this tern was built without TLS (TERN_WITH_TLS=OFF), which leaves TLS listeners and "
    "bridges out";
constexpr std::string_view without_websocket =
    "this tern was built without WebSocket and HTTP (TERN_WITH_WEBSOCKET=OFF), which leaves "
    "websockets and http listeners out";

}  // namespace

void config_parser::require_built(const directive& d, const directive_info& info) const {
  switch (info.needs) {
    case needed_feature::none:
      return;
    case needed_feature::tls:
      if (built_.tls) return;
      fail(d, fmt::format("`{}` is a TLS setting, but {}; remove the line, or use a tern built "
                          "with -DTERN_WITH_TLS=ON",
                          d.name, without_tls));
    case needed_feature::websocket:
      if (built_.websocket) return;
      fail(d, fmt::format("`{}` is a websockets or http listener setting, but {}; remove the "
                          "line, or use a tern built with -DTERN_WITH_WEBSOCKET=ON",
                          d.name, without_websocket));
  }
}

void config_parser::require_built_protocol(const directive& d, std::string_view protocol) const {
  if (protocol == "mqtt" || built_.websocket) return;
  // `protocol http` serves metrics, health and the status page, not
  // WebSocket; but its HTTP server is Beast's, which the switch leaves out.
  fail(d, fmt::format("`protocol {}`: {}; remove the listener, or use a tern built with "
                      "-DTERN_WITH_WEBSOCKET=ON",
                      protocol, without_websocket));
}

}  // namespace tern::app::detail
