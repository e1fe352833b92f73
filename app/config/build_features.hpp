#pragma once
// What a build of tern has compiled in, for the config reader to refuse the
// settings of what it left out (README "Edge targets"). CMake's
// TERN_WITH_TLS and TERN_WITH_WEBSOCKET options define the macros of the
// same names for every target, so compiled_features() says the same in
// every file of one build.

namespace tern::app {

struct build_features {
  bool tls = true;  // TLS listeners and bridges (OpenSSL libssl)
  // MQTT over WebSocket, and the `protocol http` listener (metrics, health,
  // the status page): both are Boost.Beast, and they go together.
  bool websocket = true;
};

constexpr build_features compiled_features() {
  build_features f;
#ifndef TERN_WITH_TLS
  f.tls = false;
#endif
#ifndef TERN_WITH_WEBSOCKET
  f.websocket = false;
#endif
  return f;
}

}  // namespace tern::app
