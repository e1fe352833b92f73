#include "store/message_codec.hpp"

#include <sqlite3.h>

#include "mqtt/codec/decoder.hpp"
#include "mqtt/codec/encoder.hpp"
#include "store/sqlite_db.hpp"

namespace tern::store {

std::vector<std::uint8_t> encode_stored_publish(const mqtt::publish& p) {
  std::vector<std::uint8_t> out;
  encode_stored_publish(p, out);
  return out;
}

void encode_stored_publish(const mqtt::publish& p, std::vector<std::uint8_t>& out) {
  out.clear();
  // The encoder's per-delivery override: QoS 0, no packet id, no copy.
  const mqtt::publish_delivery as_stored{0,    mqtt::qos::at_most_once, p.retain, false, nullptr,
                                         false};
  mqtt::encode_append(p, as_stored, mqtt::protocol_version::v5, out);
}

mqtt::publish decode_stored_publish(std::span<const std::uint8_t> bytes, mqtt::qos q) {
  auto decoded = mqtt::decode_whole(bytes, mqtt::protocol_version::v5);
  if (!decoded || !std::holds_alternative<mqtt::publish>(*decoded))
    throw store_error("a stored message does not decode as a PUBLISH", SQLITE_CORRUPT);
  auto p = std::get<mqtt::publish>(std::move(*decoded));
  p.qos = q;
  return p;
}

std::vector<std::uint8_t> encode_subscription_ids(const std::vector<std::uint32_t>& ids) {
  std::vector<std::uint8_t> out;
  out.reserve(ids.size() * 4);
  for (std::uint32_t id : ids)
    for (int shift = 0; shift < 32; shift += 8)
      out.push_back(static_cast<std::uint8_t>(id >> shift));
  return out;
}

std::vector<std::uint32_t> decode_subscription_ids(std::span<const std::uint8_t> bytes) {
  std::vector<std::uint32_t> ids;
  for (std::size_t i = 0; i + 4 <= bytes.size(); i += 4) {
    std::uint32_t id = 0;
    for (int k = 0; k < 4; ++k)
      id |= static_cast<std::uint32_t>(bytes[i + k]) << (8 * k);
    ids.push_back(id);
  }
  return ids;
}

}  // namespace tern::store
