#pragma once
// Settings the config reader understands but this build cannot honour yet.
// Starting anyway would be worse than refusing: a TLS listener would serve
// plain text, a per-listener password file would let everyone in. So
// start-up stops with the setting's location and what to do instead.

#include "app/config/config.hpp"

namespace tern::app {

// Throws config_error naming the first such setting.
void refuse_unsupported(const config& cfg);

}  // namespace tern::app
