#pragma once
// From a `connection NAME` section (kept as checked key/value text by the
// config reader) to what bridge/ takes.

#include <vector>

#include "app/config/config.hpp"
#include "bridge/bridge_options.hpp"
#include "session/broker_config.hpp"

namespace tern::app {

// Throws config_error (FILE:LINE) for the bridge settings this build does
// not implement and for TLS files that cannot be used (read now:
// bridge_cafile, bridge_certfile, ...).
std::vector<bridge::bridge_options> make_bridge_options(const config& cfg);

// Gives the bridges' local sessions their queue bounds
// (bridge_max_queued_messages / _bytes).
void bound_bridge_queues(const std::vector<bridge::bridge_options>& bridges,
                         broker::broker_config& b);

}  // namespace tern::app
