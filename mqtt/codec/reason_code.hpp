#pragma once
// MQTT reason codes as an error category.
//
// MQTT 5 gives every outcome a one-byte reason code (spec 2.4); codes below
// 0x80 are successes and do not count as failures, so an error_code built
// from one of them compares equal to "no error" (async_mqtt does the same in
// protocol/error.hpp). MQTT 3.1/3.1.1 only know CONNACK return codes; the
// mapping to them lives here, in one place.

#include <cstdint>
#include <string_view>
#include <system_error>

#include <boost/system/error_code.hpp>

namespace tern::mqtt {

enum class reason_code : std::uint8_t {
  success = 0x00,
  normal_disconnection = 0x00,
  granted_qos_0 = 0x00,
  granted_qos_1 = 0x01,
  granted_qos_2 = 0x02,
  disconnect_with_will_message = 0x04,
  no_matching_subscribers = 0x10,
  no_subscription_existed = 0x11,
  continue_authentication = 0x18,
  re_authenticate = 0x19,
  unspecified_error = 0x80,
  malformed_packet = 0x81,
  protocol_error = 0x82,
  implementation_specific_error = 0x83,
  unsupported_protocol_version = 0x84,
  client_identifier_not_valid = 0x85,
  bad_user_name_or_password = 0x86,
  not_authorized = 0x87,
  server_unavailable = 0x88,
  server_busy = 0x89,
  banned = 0x8A,
  server_shutting_down = 0x8B,
  bad_authentication_method = 0x8C,
  keep_alive_timeout = 0x8D,
  session_taken_over = 0x8E,
  topic_filter_invalid = 0x8F,
  topic_name_invalid = 0x90,
  packet_identifier_in_use = 0x91,
  packet_identifier_not_found = 0x92,
  receive_maximum_exceeded = 0x93,
  topic_alias_invalid = 0x94,
  packet_too_large = 0x95,
  message_rate_too_high = 0x96,
  quota_exceeded = 0x97,
  administrative_action = 0x98,
  payload_format_invalid = 0x99,
  retain_not_supported = 0x9A,
  qos_not_supported = 0x9B,
  use_another_server = 0x9C,
  server_moved = 0x9D,
  shared_subscriptions_not_supported = 0x9E,
  connection_rate_exceeded = 0x9F,
  maximum_connect_time = 0xA0,
  subscription_identifiers_not_supported = 0xA1,
  wildcard_subscriptions_not_supported = 0xA2,
};

constexpr bool is_failure(reason_code rc) noexcept {
  return static_cast<std::uint8_t>(rc) >= 0x80;
}

// True when `value` is one of the codes defined above (used to validate
// reason codes read from the wire).
bool is_known_reason_code(std::uint8_t value) noexcept;

// The spec's name of the code, e.g. "Packet too large"; "Unknown" otherwise.
std::string_view reason_name(reason_code rc) noexcept;

// MQTT 3.1 / 3.1.1 CONNACK return codes (3.1.1 section 3.2.2.3).
enum class connack_return_code : std::uint8_t {
  accepted = 0,
  unacceptable_protocol_version = 1,
  identifier_rejected = 2,
  server_unavailable = 3,
  bad_user_name_or_password = 4,
  not_authorized = 5,
};

// The 3.1.1 return code that best says what a v5 CONNACK reason says.
connack_return_code to_connack_return_code(reason_code rc) noexcept;
// The v5 reason code for a 3.1.1 return code (used when reading a CONNACK).
reason_code from_connack_return_code(connack_return_code rc) noexcept;

const boost::system::error_category& reason_category() noexcept;

inline boost::system::error_code make_error_code(reason_code rc) noexcept {
  return {static_cast<int>(rc), reason_category()};
}

// The reason carried by an error_code from this category; unspecified_error
// for an error from any other category.
reason_code to_reason_code(const boost::system::error_code& ec) noexcept;

}  // namespace tern::mqtt

namespace boost::system {
template <>
struct is_error_code_enum<tern::mqtt::reason_code> : std::true_type {};
}  // namespace boost::system
