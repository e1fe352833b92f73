// SUBSCRIBE, SUBACK, UNSUBSCRIBE and UNSUBACK bodies (spec 3.8 - 3.11).
//
// Topic filters are only checked to be UTF-8 here: their syntax is the
// engine's business (is_valid_topic_filter), because v5 answers a bad
// filter per entry with 0x8F in SUBACK/UNSUBACK instead of closing.

#include "mqtt/codec/detail/packet_decoders.hpp"
#include "mqtt/codec/detail/property_codec.hpp"
#include "mqtt/codec/detail/reason_rules.hpp"
#include "mqtt/codec/topic.hpp"

namespace tern::mqtt::detail {

namespace {

namespace option {
constexpr std::uint8_t qos_mask = 0x03;
constexpr std::uint8_t no_local = 0x04;
constexpr std::uint8_t retain_as_published = 0x08;
constexpr std::uint8_t retain_handling_shift = 4;
constexpr std::uint8_t v5_reserved = 0xC0;
constexpr std::uint8_t v3_reserved = 0xFC;
}  // namespace option

reason_code read_options(std::uint8_t byte, protocol_version v, std::string_view filter,
                         subscription_options& out) {
  const auto max_qos = static_cast<std::uint8_t>(byte & option::qos_mask);
  if (v != protocol_version::v5) {
    // 3.1.1 [MQTT-3-8.3-4]: reserved bits set or QoS 3 is malformed.
    if ((byte & option::v3_reserved) || max_qos == 3) return reason_code::malformed_packet;
    out.max_qos = static_cast<qos>(max_qos);
    return reason_code::success;
  }
  if (byte & option::v5_reserved) return reason_code::malformed_packet;  // [MQTT-3.8.3-5]
  // 3.8.3.1: Maximum QoS 3 and Retain Handling 3 are Protocol Errors.
  if (max_qos == 3) return reason_code::protocol_error;
  out.max_qos = static_cast<qos>(max_qos);
  out.no_local = (byte & option::no_local) != 0;
  out.retain_as_published = (byte & option::retain_as_published) != 0;
  out.retain_handling = static_cast<std::uint8_t>((byte >> option::retain_handling_shift) & 3);
  if (out.retain_handling == 3) return reason_code::protocol_error;
  // [MQTT-3.8.3-4] No Local on a Shared Subscription is a Protocol Error.
  if (out.no_local && parse_shared_filter(filter)) return reason_code::protocol_error;
  return reason_code::success;
}

}  // namespace

reason_code decode_subscribe(byte_reader& in, protocol_version v, subscribe& out) {
  if (const auto rc = read_packet_id(in, out.id); rc != reason_code::success) return rc;
  if (v == protocol_version::v5) {
    if (const auto rc = read_properties(in, out.properties); rc != reason_code::success) {
      return rc;
    }
  }
  // v5 [MQTT-3.8.3-2] / 3.1.1 [MQTT-3.8.3-3]: at least one entry; an empty
  // payload is a Protocol Error.
  if (in.empty()) return reason_code::protocol_error;
  while (!in.empty()) {
    std::string_view filter;
    std::uint8_t options = 0;
    // [MQTT-3.8.3-1] filters are UTF-8 Encoded Strings.
    if (!in.read_utf8(filter) || !in.read_u8(options)) return reason_code::malformed_packet;
    subscription& entry = out.entries.emplace_back();
    if (const auto rc = read_options(options, v, filter, entry.options);
        rc != reason_code::success) {
      return rc;
    }
    entry.filter.assign(filter);
  }
  return reason_code::success;
}

reason_code decode_suback(byte_reader& in, protocol_version v, suback& out) {
  if (const auto rc = read_packet_id(in, out.id); rc != reason_code::success) return rc;
  if (v == protocol_version::v5) {
    if (const auto rc = read_properties(in, out.properties); rc != reason_code::success) {
      return rc;
    }
  }
  // One code per requested filter, and a SUBSCRIBE has at least one.
  if (in.empty()) return reason_code::protocol_error;
  out.reasons.reserve(in.remaining());
  while (!in.empty()) {
    std::uint8_t code = 0;
    (void)in.read_u8(code);
    const bool allowed = v == protocol_version::v5
                             ? is_allowed_reason(packet_type::suback, code)
                             : (code <= 2 || code == 0x80);  // 3.1.1 [MQTT-3.9.3-2]
    if (!allowed) return reason_code::malformed_packet;
    out.reasons.push_back(static_cast<reason_code>(code));
  }
  return reason_code::success;
}

reason_code decode_unsubscribe(byte_reader& in, protocol_version v, unsubscribe& out) {
  if (const auto rc = read_packet_id(in, out.id); rc != reason_code::success) return rc;
  if (v == protocol_version::v5) {
    if (const auto rc = read_properties(in, out.properties); rc != reason_code::success) {
      return rc;
    }
  }
  // [MQTT-3.10.3-2] at least one filter; none is a Protocol Error.
  if (in.empty()) return reason_code::protocol_error;
  while (!in.empty()) {
    std::string_view filter;
    if (!in.read_utf8(filter)) return reason_code::malformed_packet;  // [MQTT-3.10.3-1]
    out.filters.emplace_back(filter);
  }
  return reason_code::success;
}

reason_code decode_unsuback(byte_reader& in, protocol_version v, unsuback& out) {
  if (const auto rc = read_packet_id(in, out.id); rc != reason_code::success) return rc;
  if (v != protocol_version::v5) return expect_end(in);  // 3.1.1: no payload (3.11.3)
  if (const auto rc = read_properties(in, out.properties); rc != reason_code::success) return rc;
  if (in.empty()) return reason_code::protocol_error;  // one code per filter
  out.reasons.reserve(in.remaining());
  while (!in.empty()) {
    std::uint8_t code = 0;
    (void)in.read_u8(code);
    if (!is_allowed_reason(packet_type::unsuback, code)) return reason_code::malformed_packet;
    out.reasons.push_back(static_cast<reason_code>(code));
  }
  return reason_code::success;
}

}  // namespace tern::mqtt::detail
