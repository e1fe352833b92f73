#pragma once
// UTF-8 Encoded String rules (spec 1.5.4).

#include <string_view>

namespace tern::mqtt {

// Well-formed UTF-8 (RFC 3629: no overlong forms, no code points above
// U+10FFFF) without surrogates U+D800..U+DFFF [MQTT-1.5.4-1] and without
// U+0000 [MQTT-1.5.4-2]. A BOM (U+FEFF) is kept, not stripped
// [MQTT-1.5.4-3].
bool is_valid_mqtt_utf8(std::string_view text) noexcept;

}  // namespace tern::mqtt
