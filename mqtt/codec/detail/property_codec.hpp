#pragma once
// MQTT 5 properties (spec 2.2.2) to and from the per-family structs of
// properties.hpp.
//
// read_properties() reads a Property Length and the properties it covers.
// Its rules, in the order they are checked:
// - a truncated length or value, bad UTF-8, an unknown identifier, or one
//   the packet does not admit -> malformed_packet (2.2.2.2);
// - a property other than User Property (or Subscription Identifier in
//   PUBLISH) given twice -> protocol_error;
// - a value the spec forbids (Receive Maximum 0, Maximum Packet Size 0,
//   Subscription Identifier 0, a 0/1 flag with another value)
//   -> protocol_error; Topic Alias 0 -> topic_alias_invalid [MQTT-3.3.2-8].
// Checks that involve more than one property or the connection's state
// (alias above the maximum, Authentication Data without a Method, ...)
// belong to the packet decoders and the engine.

#include <cstddef>

#include "mqtt/codec/detail/byte_reader.hpp"
#include "mqtt/codec/detail/byte_writer.hpp"
#include "mqtt/codec/properties.hpp"
#include "mqtt/codec/reason_code.hpp"

namespace tern::mqtt::detail {

reason_code read_properties(byte_reader& in, publish_properties& out);
reason_code read_properties(byte_reader& in, will_properties& out);
reason_code read_properties(byte_reader& in, connect_properties& out);
reason_code read_properties(byte_reader& in, connack_properties& out);
reason_code read_properties(byte_reader& in, ack_properties& out);
reason_code read_properties(byte_reader& in, subscribe_properties& out);
reason_code read_properties(byte_reader& in, unsubscribe_properties& out);
reason_code read_properties(byte_reader& in, disconnect_properties& out);
reason_code read_properties(byte_reader& in, auth_properties& out);

// Bytes of the properties themselves, without the Property Length.
std::size_t properties_size(const publish_properties& p) noexcept;
std::size_t properties_size(const will_properties& p) noexcept;
std::size_t properties_size(const connect_properties& p) noexcept;
std::size_t properties_size(const connack_properties& p) noexcept;
std::size_t properties_size(const ack_properties& p) noexcept;
std::size_t properties_size(const subscribe_properties& p) noexcept;
std::size_t properties_size(const unsubscribe_properties& p) noexcept;
std::size_t properties_size(const disconnect_properties& p) noexcept;
std::size_t properties_size(const auth_properties& p) noexcept;

// Writes the Property Length (`size`, from properties_size) and the
// properties.
void write_properties(byte_writer& out, const publish_properties& p, std::size_t size) noexcept;
void write_properties(byte_writer& out, const will_properties& p, std::size_t size) noexcept;
void write_properties(byte_writer& out, const connect_properties& p, std::size_t size) noexcept;
void write_properties(byte_writer& out, const connack_properties& p, std::size_t size) noexcept;
void write_properties(byte_writer& out, const ack_properties& p, std::size_t size) noexcept;
void write_properties(byte_writer& out, const subscribe_properties& p, std::size_t size) noexcept;
void write_properties(byte_writer& out, const unsubscribe_properties& p, std::size_t size) noexcept;
void write_properties(byte_writer& out, const disconnect_properties& p, std::size_t size) noexcept;
void write_properties(byte_writer& out, const auth_properties& p, std::size_t size) noexcept;

// Property Length plus properties.
template <class Properties>
std::size_t properties_wire_size(const Properties& p) noexcept {
  const std::size_t size = properties_size(p);
  return varint_size(static_cast<std::uint32_t>(size)) + size;
}

}  // namespace tern::mqtt::detail
