#pragma once
// From a `connection NAME` section (kept as checked key/value text by the
// config reader) to what bridge/ takes.

#include <vector>

#include "app/config/config.hpp"
#include "bridge/bridge_options.hpp"

namespace tern::app {

// Throws config_error (FILE:LINE) for the bridge settings this build does
// not implement and for TLS files that cannot be used (read now:
// bridge_cafile, bridge_certfile, ...).
std::vector<bridge::bridge_options> make_bridge_options(const config& cfg);

}  // namespace tern::app
