#pragma once
// How messages and wills are kept in the store: as the MQTT 5 encoding of
// their PUBLISH (which carries every property), so the codec that reads
// them from the network also reads them back from disk.

#include <cstdint>
#include <span>
#include <vector>

#include "mqtt/codec/packets.hpp"

namespace tern::store {

// The PUBLISH encoded at QoS 0 (no packet id); the QoS is stored beside it.
std::vector<std::uint8_t> encode_stored_publish(const mqtt::publish& p);
// The same into `out` (cleared first), reusing its capacity.
void encode_stored_publish(const mqtt::publish& p, std::vector<std::uint8_t>& out);
// Throws store_error when the bytes are not a PUBLISH this codec accepts.
mqtt::publish decode_stored_publish(std::span<const std::uint8_t> bytes, mqtt::qos q);

std::vector<std::uint8_t> encode_subscription_ids(const std::vector<std::uint32_t>& ids);
std::vector<std::uint32_t> decode_subscription_ids(std::span<const std::uint8_t> bytes);

}  // namespace tern::store
