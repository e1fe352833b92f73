#pragma once
// Every directive name tern knows, with where it may appear, plus the
// mosquitto directives tern deliberately does not implement. Internal to
// tern_config.

#include <optional>
#include <span>
#include <string_view>

namespace tern::app::detail {

enum class directive_scope {
  global,    // applies to the whole broker wherever it appears
  security,  // global; with per_listener_settings true, the latest listener
  listener,  // the latest `listener` line in the same file
  bridge,    // the latest `connection` line in the same file
  section,   // listener, connection, include_dir: structure, not settings
  ignored,   // mosquitto directives with no effect in tern: checked, then noted
};

// The part of tern a directive needs, which a build may leave out (README
// "Edge targets"; build_features.hpp).
enum class needed_feature {
  none,
  tls,        // TERN_WITH_TLS
  websocket,  // TERN_WITH_WEBSOCKET: WebSocket and the `protocol http` listener
};

struct directive_info {
  std::string_view name;
  directive_scope scope;
  needed_feature needs = needed_feature::none;
};

std::span<const directive_info> known_directives();

// nullptr if tern does not know `name`.
const directive_info* find_directive(std::string_view name);

// For a mosquitto directive tern does not implement: what to do about the
// line, e.g. "replace it with ..." (empty: just remove it). nullopt if `name`
// is not such a directive.
std::optional<std::string_view> unsupported_mosquitto_directive(std::string_view name);

// The known directive spelled most like `name`, if any is close enough to be
// a likely typo.
std::optional<std::string_view> closest_directive(std::string_view name);

}  // namespace tern::app::detail
