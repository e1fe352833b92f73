// CONNECT and CONNACK bodies.

#include "mqtt/codec/detail/packet_encoders.hpp"
#include "mqtt/codec/detail/property_codec.hpp"

namespace tern::mqtt::detail {

namespace {

std::string_view protocol_name(protocol_version v) noexcept {
  return v == protocol_version::v3_1 ? "MQIsdp" : "MQTT";
}

std::uint8_t connect_flags(const connect& p) noexcept {
  std::uint8_t flags = 0;
  if (p.clean_start) flags |= 0x02;
  if (p.will) {
    flags |= 0x04;
    flags |= static_cast<std::uint8_t>(static_cast<std::uint8_t>(p.will->qos) << 3);
    if (p.will->retain) flags |= 0x20;
  }
  if (p.password) flags |= 0x40;
  if (p.username) flags |= 0x80;
  return flags;
}

}  // namespace

std::size_t body_size(const connect& p) noexcept {
  const bool v5 = p.version == protocol_version::v5;
  std::size_t size = string_size(protocol_name(p.version)) + 1 + 1 + 2;
  if (v5) size += properties_wire_size(p.properties);
  size += string_size(p.client_id);
  if (p.will) {
    if (v5) size += properties_wire_size(p.will->properties);
    size += string_size(p.will->topic) + string_size(p.will->payload.view());
  }
  if (p.username) size += string_size(*p.username);
  if (p.password) size += string_size(*p.password);
  return size;
}

void write_body(byte_writer& out, const connect& p) noexcept {
  const bool v5 = p.version == protocol_version::v5;
  out.string(protocol_name(p.version));
  out.u8(static_cast<std::uint8_t>(p.version) | (p.bridge && !v5 ? 0x80 : 0x00));
  out.u8(connect_flags(p));
  out.u16(p.keep_alive);
  if (v5) write_properties(out, p.properties, properties_size(p.properties));
  out.string(p.client_id);
  if (p.will) {
    if (v5) write_properties(out, p.will->properties, properties_size(p.will->properties));
    out.string(p.will->topic);
    out.string(p.will->payload.view());
  }
  if (p.username) out.string(*p.username);
  if (p.password) out.string(*p.password);
}

std::size_t body_size(const connack& p, protocol_version v) noexcept {
  return 2 + (v == protocol_version::v5 ? properties_wire_size(p.properties) : 0);
}

void write_body(byte_writer& out, const connack& p, protocol_version v) noexcept {
  // 3.1 has no Session Present flag.
  out.u8(p.session_present && v != protocol_version::v3_1 ? 1 : 0);
  if (v != protocol_version::v5) {
    out.u8(static_cast<std::uint8_t>(to_connack_return_code(p.reason)));
    return;
  }
  out.u8(static_cast<std::uint8_t>(p.reason));
  write_properties(out, p.properties, properties_size(p.properties));
}

}  // namespace tern::mqtt::detail
