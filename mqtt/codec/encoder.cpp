// Dispatch and framing, plus the bodies of PUBLISH, its acknowledgements,
// PINGREQ/PINGRESP, DISCONNECT and AUTH. CONNECT/CONNACK bodies are in
// connect_encoder.cpp, the subscription packets in subscribe_encoder.cpp.
//
// Each packet is sized first (body_size), then written in one pass into the
// caller's buffer. A buffer smaller than encoded_size() gets nothing
// written and 0 returned.
//
// Stateless: callable from any thread.

#include "mqtt/codec/encoder.hpp"

#include <cassert>

#include "mqtt/codec/detail/packet_encoders.hpp"
#include "mqtt/codec/detail/property_codec.hpp"

namespace tern::mqtt {

namespace {

using detail::body_size;
using detail::byte_writer;
using detail::properties_size;
using detail::properties_wire_size;
using detail::string_size;
using detail::varint_size;
using detail::write_body;
using detail::write_properties;

constexpr bool is_v5(protocol_version v) noexcept {
  return v == protocol_version::v5;
}

// ---- PUBLISH (3.3) ----

// The fields of a PUBLISH that differ per delivery, taken from a packet or
// from a publish_delivery over a shared message.
struct publish_fields {
  const publish& base;  // payload, and topic unless `topic` says otherwise
  std::string_view topic;
  packet_id id;
  qos q;
  bool retain;
  bool dup;
  const publish_properties& properties;
};

publish_fields fields_of(const publish& p) noexcept {
  return {p, p.topic, p.id, p.qos, p.retain, p.dup, p.properties};
}

publish_fields fields_of(const publish& base, const publish_delivery& d) noexcept {
  return {base,
          d.omit_topic ? std::string_view() : std::string_view(base.topic),
          d.id,
          d.qos,
          d.retain,
          d.dup,
          d.properties ? *d.properties : base.properties};
}

std::size_t publish_body_without_payload(const publish_fields& f, protocol_version v) noexcept {
  std::size_t size = string_size(f.topic);
  if (f.q != qos::at_most_once) size += 2;
  if (is_v5(v)) size += properties_wire_size(f.properties);
  return size;
}

void write_publish_header(byte_writer& out, const publish_fields& f, protocol_version v,
                          std::size_t body) noexcept {
  auto first = static_cast<std::uint8_t>(0x30 | (static_cast<std::uint8_t>(f.q) << 1));
  if (f.dup) first |= 0x08;
  if (f.retain) first |= 0x01;
  out.u8(first);
  out.varint(static_cast<std::uint32_t>(body));
  out.string(f.topic);
  if (f.q != qos::at_most_once) out.u16(f.id);
  if (is_v5(v)) write_properties(out, f.properties, properties_size(f.properties));
}

std::size_t publish_size(const publish_fields& f, protocol_version v) noexcept {
  const std::size_t body = publish_body_without_payload(f, v) + f.base.payload.size();
  assert(body <= max_variable_byte_integer && "packet larger than MQTT can frame");
  return 1 + varint_size(static_cast<std::uint32_t>(body)) + body;
}

void append_publish(const publish_fields& f, protocol_version v, std::vector<std::uint8_t>& out) {
  const std::size_t head = publish_body_without_payload(f, v);
  const std::size_t body = head + f.base.payload.size();
  const std::size_t old = out.size();
  out.resize(old + 1 + varint_size(static_cast<std::uint32_t>(body)) + body);
  byte_writer w{out.data() + old};
  write_publish_header(w, f, v, body);
  w.bytes(f.base.payload.span());
  assert(w.position() == out.data() + out.size());
}

// ---- PUBACK, PUBREC, PUBREL, PUBCOMP (3.4 - 3.7) ----
// v5 leaves out what is implied: the reason when it is Success and there are
// no properties (Remaining Length 2), the Property Length when there are no
// properties (Remaining Length 3).

template <packet_type Type>
std::size_t body_size(const publish_response<Type>& p, protocol_version v) noexcept {
  if (!is_v5(v)) return 2;
  const std::size_t props = properties_size(p.properties);
  if (props == 0) return p.reason == reason_code::success ? 2 : 3;
  return 3 + varint_size(static_cast<std::uint32_t>(props)) + props;
}

template <packet_type Type>
void write_body(byte_writer& out, const publish_response<Type>& p, protocol_version v) noexcept {
  out.u16(p.id);
  if (!is_v5(v)) return;
  const std::size_t props = properties_size(p.properties);
  if (props == 0 && p.reason == reason_code::success) return;
  out.u8(static_cast<std::uint8_t>(p.reason));
  if (props != 0) write_properties(out, p.properties, props);
}

// ---- PINGREQ, PINGRESP (3.12, 3.13) ----

std::size_t body_size(const pingreq&, protocol_version) noexcept {
  return 0;
}
void write_body(byte_writer&, const pingreq&, protocol_version) noexcept {}
std::size_t body_size(const pingresp&, protocol_version) noexcept {
  return 0;
}
void write_body(byte_writer&, const pingresp&, protocol_version) noexcept {}

// ---- DISCONNECT (3.14): nothing before v5; v5 short forms as for acks ----

std::size_t body_size(const disconnect& p, protocol_version v) noexcept {
  if (!is_v5(v)) return 0;
  const std::size_t props = properties_size(p.properties);
  if (props == 0) return p.reason == reason_code::normal_disconnection ? 0 : 1;
  return 1 + varint_size(static_cast<std::uint32_t>(props)) + props;
}

void write_body(byte_writer& out, const disconnect& p, protocol_version v) noexcept {
  if (!is_v5(v)) return;
  const std::size_t props = properties_size(p.properties);
  if (props == 0 && p.reason == reason_code::normal_disconnection) return;
  out.u8(static_cast<std::uint8_t>(p.reason));
  if (props != 0) write_properties(out, p.properties, props);
}

// ---- AUTH (3.15): v5 only; Remaining Length 0 for Success without
// properties, otherwise reason and Property Length are both present ----

std::size_t body_size(const auth& p, protocol_version v) noexcept {
  assert(is_v5(v) && "AUTH exists only in MQTT 5");
  (void)v;
  const std::size_t props = properties_size(p.properties);
  if (props == 0 && p.reason == reason_code::success) return 0;
  return 1 + varint_size(static_cast<std::uint32_t>(props)) + props;
}

void write_body(byte_writer& out, const auth& p, protocol_version) noexcept {
  const std::size_t props = properties_size(p.properties);
  if (props == 0 && p.reason == reason_code::success) return;
  out.u8(static_cast<std::uint8_t>(p.reason));
  write_properties(out, p.properties, props);
}

// ---- Framing ----

// CONNECT carries its own version; the other packets use the connection's.
std::size_t body_of(const connect& p, protocol_version) noexcept {
  return detail::body_size(p);
}
void write_of(byte_writer& out, const connect& p, protocol_version) noexcept {
  detail::write_body(out, p);
}
template <class T>
std::size_t body_of(const T& p, protocol_version v) noexcept {
  return body_size(p, v);
}
template <class T>
void write_of(byte_writer& out, const T& p, protocol_version v) noexcept {
  write_body(out, p, v);
}

// Index of T in the packet variant, which lists the packets in the order
// of their type numbers (see packets.cpp).
template <class T, class V>
struct index_in;
template <class T, class... Ts>
struct index_in<T, std::variant<Ts...>> {
  static constexpr std::size_t value = [] {
    std::size_t i = 0;
    (void)((std::is_same_v<T, Ts> ? true : (++i, false)) || ...);
    return i;
  }();
};

template <class T>
constexpr std::uint8_t first_byte_of() noexcept {
  constexpr auto type = static_cast<packet_type>(index_in<T, packet>::value + 1);
  constexpr std::uint8_t flags =  // [MQTT-2.1.3-1]
      type == packet_type::pubrel || type == packet_type::subscribe ||
              type == packet_type::unsubscribe
          ? 0b0010
          : 0;
  return static_cast<std::uint8_t>((static_cast<std::uint8_t>(type) << 4) | flags);
}

template <class T>
std::size_t packet_size(const T& p, protocol_version v) noexcept {
  const std::size_t body = body_of(p, v);
  assert(body <= max_variable_byte_integer && "packet larger than MQTT can frame");
  return 1 + varint_size(static_cast<std::uint32_t>(body)) + body;
}

template <class T>
std::size_t encode_packet(const T& p, protocol_version v, std::span<std::uint8_t> out) noexcept {
  const std::size_t body = body_of(p, v);
  const std::size_t total = 1 + varint_size(static_cast<std::uint32_t>(body)) + body;
  if (out.size() < total) return 0;
  byte_writer w{out.data()};
  w.u8(first_byte_of<T>());
  w.varint(static_cast<std::uint32_t>(body));
  write_of(w, p, v);
  assert(w.position() == out.data() + total);
  return total;
}

// The variant dispatch: PUBLISH takes its own path (flags in the first
// byte, payload written from the shared block).
template <class T>
std::size_t encoded_size_of(const T& p, protocol_version v) noexcept {
  return packet_size(p, v);
}
std::size_t encoded_size_of(const publish& p, protocol_version v) {
  return encoded_size(p, v);
}

template <class T>
std::size_t encode_of(const T& p, protocol_version v, std::span<std::uint8_t> out) noexcept {
  return encode_packet(p, v, out);
}
std::size_t encode_of(const publish& p, protocol_version v, std::span<std::uint8_t> out) {
  return encode(p, v, out);
}

}  // namespace

std::size_t encoded_size(const packet& p, protocol_version version) {
  return std::visit([&](const auto& x) { return encoded_size_of(x, version); }, p);
}

std::size_t encode(const packet& p, protocol_version version, std::span<std::uint8_t> out) {
  return std::visit([&](const auto& x) { return encode_of(x, version, out); }, p);
}

std::size_t encoded_size(const publish& p, protocol_version version) {
  return publish_size(fields_of(p), version);
}

std::size_t encoded_size(const publish& base, const publish_delivery& d, protocol_version version) {
  return publish_size(fields_of(base, d), version);
}

void encode_append(const publish& base, const publish_delivery& d, protocol_version version,
                   std::vector<std::uint8_t>& out) {
  append_publish(fields_of(base, d), version, out);
}

std::size_t encoded_header_size(const publish& p, protocol_version version) {
  return encoded_size(p, version) - p.payload.size();
}

std::size_t encode_publish_header(const publish& p, protocol_version version,
                                  std::span<std::uint8_t> out) {
  const publish_fields f = fields_of(p);
  const std::size_t head = publish_body_without_payload(f, version);
  const std::size_t body = head + p.payload.size();
  const std::size_t header = 1 + varint_size(static_cast<std::uint32_t>(body)) + head;
  if (out.size() < header) return 0;
  byte_writer w{out.data()};
  write_publish_header(w, f, version, body);
  assert(w.position() == out.data() + header);
  return header;
}

std::size_t encode(const publish& p, protocol_version version, std::span<std::uint8_t> out) {
  const std::size_t total = encoded_size(p, version);
  if (out.size() < total) return 0;
  const std::size_t header = encode_publish_header(p, version, out);
  byte_writer w{out.data() + header};
  w.bytes(p.payload.span());
  return total;
}

void encode_append(const packet& p, protocol_version version, std::vector<std::uint8_t>& out) {
  const std::size_t old = out.size();
  out.resize(old + encoded_size(p, version));
  encode(p, version, std::span(out).subspan(old));
}

void encode_append(const publish& p, protocol_version version, std::vector<std::uint8_t>& out) {
  append_publish(fields_of(p), version, out);
}

}  // namespace tern::mqtt
