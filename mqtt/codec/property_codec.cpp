#include "mqtt/codec/detail/property_codec.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

namespace tern::mqtt::detail {

namespace {

using id = property_id;

// Each family lists its fields once, with their identifiers; reading,
// sizing and writing all walk this list, so a property a packet does not
// admit (table 2-4) has no field to land in.
template <class P, class F>
void for_each_field(P& p, F&& f) {
  using T = std::remove_const_t<P>;
  if constexpr (std::is_same_v<T, publish_properties>) {
    f(id::payload_format_indicator, p.payload_format_indicator);
    f(id::message_expiry_interval, p.message_expiry_interval);
    f(id::topic_alias, p.topic_alias);
    f(id::response_topic, p.response_topic);
    f(id::correlation_data, p.correlation_data);
    f(id::content_type, p.content_type);
    f(id::subscription_identifier, p.subscription_identifiers);
    f(id::user_property, p.user);
  } else if constexpr (std::is_same_v<T, will_properties>) {
    f(id::will_delay_interval, p.will_delay_interval);
    f(id::payload_format_indicator, p.payload_format_indicator);
    f(id::message_expiry_interval, p.message_expiry_interval);
    f(id::content_type, p.content_type);
    f(id::response_topic, p.response_topic);
    f(id::correlation_data, p.correlation_data);
    f(id::user_property, p.user);
  } else if constexpr (std::is_same_v<T, connect_properties>) {
    f(id::session_expiry_interval, p.session_expiry_interval);
    f(id::receive_maximum, p.receive_maximum);
    f(id::maximum_packet_size, p.maximum_packet_size);
    f(id::topic_alias_maximum, p.topic_alias_maximum);
    f(id::request_response_information, p.request_response_information);
    f(id::request_problem_information, p.request_problem_information);
    f(id::authentication_method, p.authentication_method);
    f(id::authentication_data, p.authentication_data);
    f(id::user_property, p.user);
  } else if constexpr (std::is_same_v<T, connack_properties>) {
    f(id::session_expiry_interval, p.session_expiry_interval);
    f(id::receive_maximum, p.receive_maximum);
    f(id::maximum_qos, p.maximum_qos);
    f(id::retain_available, p.retain_available);
    f(id::maximum_packet_size, p.maximum_packet_size);
    f(id::assigned_client_identifier, p.assigned_client_identifier);
    f(id::topic_alias_maximum, p.topic_alias_maximum);
    f(id::reason_string, p.reason_string);
    f(id::user_property, p.user);
    f(id::wildcard_subscription_available, p.wildcard_subscription_available);
    f(id::subscription_identifier_available, p.subscription_identifier_available);
    f(id::shared_subscription_available, p.shared_subscription_available);
    f(id::server_keep_alive, p.server_keep_alive);
    f(id::response_information, p.response_information);
    f(id::server_reference, p.server_reference);
    f(id::authentication_method, p.authentication_method);
    f(id::authentication_data, p.authentication_data);
  } else if constexpr (std::is_same_v<T, ack_properties>) {
    f(id::reason_string, p.reason_string);
    f(id::user_property, p.user);
  } else if constexpr (std::is_same_v<T, subscribe_properties>) {
    f(id::subscription_identifier, p.subscription_identifier);
    f(id::user_property, p.user);
  } else if constexpr (std::is_same_v<T, unsubscribe_properties>) {
    f(id::user_property, p.user);
  } else if constexpr (std::is_same_v<T, disconnect_properties>) {
    f(id::session_expiry_interval, p.session_expiry_interval);
    f(id::reason_string, p.reason_string);
    f(id::user_property, p.user);
    f(id::server_reference, p.server_reference);
  } else {
    static_assert(std::is_same_v<T, auth_properties>);
    f(id::authentication_method, p.authentication_method);
    f(id::authentication_data, p.authentication_data);
    f(id::reason_string, p.reason_string);
    f(id::user_property, p.user);
  }
}

constexpr bool is_binary(id i) noexcept {
  return i == id::correlation_data || i == id::authentication_data;
}

// Value rules of section 3 that need only the value itself.
reason_code check_value(id i, std::uint32_t v) noexcept {
  switch (i) {
    case id::payload_format_indicator:
    case id::request_problem_information:   // 3.1.2.11.7
    case id::request_response_information:  // 3.1.2.11.6
    case id::maximum_qos:                   // 3.2.2.3.4
    case id::retain_available:              // 3.2.2.3.5
    case id::wildcard_subscription_available:
    case id::subscription_identifier_available:
    case id::shared_subscription_available:
      return v > 1 ? reason_code::protocol_error : reason_code::success;
    case id::receive_maximum:          // 3.1.2.11.3, 3.2.2.3.3
    case id::maximum_packet_size:      // 3.1.2.11.4, 3.2.2.3.6
    case id::subscription_identifier:  // 3.8.2.1.2, 3.3.2.3.8
      return v == 0 ? reason_code::protocol_error : reason_code::success;
    case id::topic_alias:  // [MQTT-3.3.2-8]
      return v == 0 ? reason_code::topic_alias_invalid : reason_code::success;
    default:
      return reason_code::success;
  }
}

template <class Int>
reason_code read_field(byte_reader& in, id i, std::optional<Int>& field) {
  std::uint32_t v = 0;
  bool ok = false;
  if constexpr (sizeof(Int) == 1) {
    std::uint8_t b = 0;
    ok = in.read_u8(b);
    v = b;
  } else if constexpr (sizeof(Int) == 2) {
    std::uint16_t w = 0;
    ok = in.read_u16(w);
    v = w;
  } else {
    ok = i == id::subscription_identifier ? in.read_varint(v) : in.read_u32(v);
  }
  if (!ok) return reason_code::malformed_packet;
  if (field) return reason_code::protocol_error;  // "more than once"
  if (const reason_code rc = check_value(i, v); rc != reason_code::success) return rc;
  field = static_cast<Int>(v);
  return reason_code::success;
}

reason_code read_field(byte_reader& in, id i, std::optional<std::string>& field) {
  std::string_view text;
  if (!(is_binary(i) ? in.read_binary(text) : in.read_utf8(text))) {
    return reason_code::malformed_packet;
  }
  if (field) return reason_code::protocol_error;
  field.emplace(text);
  return reason_code::success;
}

// Subscription Identifiers of a PUBLISH: one per matching subscription
// (3.3.2.3.8), so repeats are allowed.
reason_code read_field(byte_reader& in, id i, std::vector<std::uint32_t>& ids) {
  std::uint32_t v = 0;
  if (!in.read_varint(v)) return reason_code::malformed_packet;
  if (const reason_code rc = check_value(i, v); rc != reason_code::success) return rc;
  ids.push_back(v);
  return reason_code::success;
}

reason_code read_field(byte_reader& in, id, user_properties& user) {
  std::string_view name;
  std::string_view value;
  // [MQTT-1.5.7-1] both strings are UTF-8 Encoded Strings.
  if (!in.read_utf8(name) || !in.read_utf8(value)) return reason_code::malformed_packet;
  user.emplace_back(name, value);
  return reason_code::success;
}

template <class P>
reason_code read_all(byte_reader& in, P& out) {
  std::uint32_t length = 0;
  byte_reader props;
  if (!in.read_varint(length) || !in.take(length, props)) return reason_code::malformed_packet;
  while (!props.empty()) {
    // Identifiers are Variable Byte Integers, but every defined one is a
    // single byte below 0x80; anything else is unknown.
    std::uint8_t raw = 0;
    (void)props.read_u8(raw);
    const auto wanted = static_cast<id>(raw);
    reason_code rc = reason_code::malformed_packet;  // not admitted here (2.2.2.2)
    for_each_field(out, [&](id field_id, auto& field) {
      if (field_id == wanted) rc = read_field(props, wanted, field);
    });
    if (rc != reason_code::success) return rc;
  }
  return reason_code::success;
}

template <class Int>
std::size_t field_size(id i, const std::optional<Int>& field) noexcept {
  if (!field) return 0;
  if (i == id::subscription_identifier) return 1 + varint_size(static_cast<std::uint32_t>(*field));
  return 1 + sizeof(Int);
}

std::size_t field_size(id, const std::optional<std::string>& field) noexcept {
  return field ? 1 + string_size(*field) : 0;
}

std::size_t field_size(id, const std::vector<std::uint32_t>& ids) noexcept {
  std::size_t size = 0;
  for (const std::uint32_t v : ids)
    size += 1 + varint_size(v);
  return size;
}

std::size_t field_size(id, const user_properties& user) noexcept {
  std::size_t size = 0;
  for (const auto& [name, value] : user)
    size += 1 + string_size(name) + string_size(value);
  return size;
}

template <class Int>
void write_field(byte_writer& out, id i, const std::optional<Int>& field) noexcept {
  if (!field) return;
  out.u8(static_cast<std::uint8_t>(i));
  if constexpr (sizeof(Int) == 1) {
    out.u8(*field);
  } else if constexpr (sizeof(Int) == 2) {
    out.u16(*field);
  } else if (i == id::subscription_identifier) {
    out.varint(*field);
  } else {
    out.u32(*field);
  }
}

void write_field(byte_writer& out, id i, const std::optional<std::string>& field) noexcept {
  if (!field) return;
  out.u8(static_cast<std::uint8_t>(i));
  out.string(*field);
}

void write_field(byte_writer& out, id i, const std::vector<std::uint32_t>& ids) noexcept {
  for (const std::uint32_t v : ids) {
    out.u8(static_cast<std::uint8_t>(i));
    out.varint(v);
  }
}

void write_field(byte_writer& out, id i, const user_properties& user) noexcept {
  for (const auto& [name, value] : user) {
    out.u8(static_cast<std::uint8_t>(i));
    out.string(name);
    out.string(value);
  }
}

template <class P>
std::size_t size_all(const P& p) noexcept {
  std::size_t size = 0;
  for_each_field(p, [&](id i, const auto& field) { size += field_size(i, field); });
  return size;
}

template <class P>
void write_all(byte_writer& out, const P& p, std::size_t size) noexcept {
  out.varint(static_cast<std::uint32_t>(size));
  for_each_field(p, [&](id i, const auto& field) { write_field(out, i, field); });
}

}  // namespace

#define TERN_PROPERTY_FAMILY(T)                                                    \
  reason_code read_properties(byte_reader& in, T& out) {                           \
    return read_all(in, out);                                                      \
  }                                                                                \
  std::size_t properties_size(const T& p) noexcept {                               \
    return size_all(p);                                                            \
  }                                                                                \
  void write_properties(byte_writer& out, const T& p, std::size_t size) noexcept { \
    write_all(out, p, size);                                                       \
  }

TERN_PROPERTY_FAMILY(publish_properties)
TERN_PROPERTY_FAMILY(will_properties)
TERN_PROPERTY_FAMILY(connect_properties)
TERN_PROPERTY_FAMILY(connack_properties)
TERN_PROPERTY_FAMILY(ack_properties)
TERN_PROPERTY_FAMILY(subscribe_properties)
TERN_PROPERTY_FAMILY(unsubscribe_properties)
TERN_PROPERTY_FAMILY(disconnect_properties)
TERN_PROPERTY_FAMILY(auth_properties)

#undef TERN_PROPERTY_FAMILY

}  // namespace tern::mqtt::detail
