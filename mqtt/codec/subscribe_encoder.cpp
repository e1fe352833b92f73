// SUBSCRIBE, SUBACK, UNSUBSCRIBE and UNSUBACK bodies.

#include "mqtt/codec/detail/packet_encoders.hpp"
#include "mqtt/codec/detail/property_codec.hpp"

namespace tern::mqtt::detail {

namespace {

std::uint8_t options_byte(const subscription_options& o, protocol_version v) noexcept {
  auto byte = static_cast<std::uint8_t>(o.max_qos);
  if (v == protocol_version::v5) {
    if (o.no_local) byte |= 0x04;
    if (o.retain_as_published) byte |= 0x08;
    byte |= static_cast<std::uint8_t>((o.retain_handling & 3) << 4);
  }
  return byte;
}

// 3.1.1 SUBACK knows granted QoS 0-2 and 0x80 Failure (3.9.3).
std::uint8_t suback_code(reason_code rc, protocol_version v) noexcept {
  const auto code = static_cast<std::uint8_t>(rc);
  if (v == protocol_version::v5) return code;
  return is_failure(rc) || code > 2 ? 0x80 : code;
}

}  // namespace

std::size_t body_size(const subscribe& p, protocol_version v) noexcept {
  std::size_t size = 2;
  if (v == protocol_version::v5) size += properties_wire_size(p.properties);
  for (const subscription& e : p.entries)
    size += string_size(e.filter) + 1;
  return size;
}

void write_body(byte_writer& out, const subscribe& p, protocol_version v) noexcept {
  out.u16(p.id);
  if (v == protocol_version::v5) write_properties(out, p.properties, properties_size(p.properties));
  for (const subscription& e : p.entries) {
    out.string(e.filter);
    out.u8(options_byte(e.options, v));
  }
}

std::size_t body_size(const suback& p, protocol_version v) noexcept {
  std::size_t size = 2 + p.reasons.size();
  if (v == protocol_version::v5) size += properties_wire_size(p.properties);
  return size;
}

void write_body(byte_writer& out, const suback& p, protocol_version v) noexcept {
  out.u16(p.id);
  if (v == protocol_version::v5) write_properties(out, p.properties, properties_size(p.properties));
  for (const reason_code rc : p.reasons)
    out.u8(suback_code(rc, v));
}

std::size_t body_size(const unsubscribe& p, protocol_version v) noexcept {
  std::size_t size = 2;
  if (v == protocol_version::v5) size += properties_wire_size(p.properties);
  for (const std::string& f : p.filters)
    size += string_size(f);
  return size;
}

void write_body(byte_writer& out, const unsubscribe& p, protocol_version v) noexcept {
  out.u16(p.id);
  if (v == protocol_version::v5) write_properties(out, p.properties, properties_size(p.properties));
  for (const std::string& f : p.filters)
    out.string(f);
}

std::size_t body_size(const unsuback& p, protocol_version v) noexcept {
  if (v != protocol_version::v5) return 2;  // 3.1.1: no payload (3.11.3)
  return 2 + properties_wire_size(p.properties) + p.reasons.size();
}

void write_body(byte_writer& out, const unsuback& p, protocol_version v) noexcept {
  out.u16(p.id);
  if (v != protocol_version::v5) return;
  write_properties(out, p.properties, properties_size(p.properties));
  for (const reason_code rc : p.reasons)
    out.u8(static_cast<std::uint8_t>(rc));
}

}  // namespace tern::mqtt::detail
