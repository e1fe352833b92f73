#pragma once
// Which MQTT 5 reason codes each packet type may carry (the tables in spec
// 3.2.2.2, 3.4.2.1, 3.5.2.1, 3.6.2.1, 3.7.2.1, 3.9.3, 3.11.3, 3.14.2.1 and
// 3.15.2.1). A code outside its packet's table is treated as a Malformed
// Packet, as async_mqtt does: the byte cannot be read as that packet's field.

#include <cstdint>

#include "mqtt/codec/types.hpp"

namespace tern::mqtt::detail {

bool is_allowed_reason(packet_type type, std::uint8_t value) noexcept;

}  // namespace tern::mqtt::detail
