#include "mqtt/codec/reason_code.hpp"

#include <array>
#include <initializer_list>
#include <string>

#include "mqtt/codec/detail/reason_rules.hpp"

namespace tern::mqtt {

namespace {

// Names as the spec's table 2-6 writes them; codes shared by several
// meanings (0x00) carry the most general one.
constexpr std::array<std::string_view, 256> make_names() {
  std::array<std::string_view, 256> n{};
  n[0x00] = "Success";
  n[0x01] = "Granted QoS 1";
  n[0x02] = "Granted QoS 2";
  n[0x04] = "Disconnect with Will Message";
  n[0x10] = "No matching subscribers";
  n[0x11] = "No subscription existed";
  n[0x18] = "Continue authentication";
  n[0x19] = "Re-authenticate";
  n[0x80] = "Unspecified error";
  n[0x81] = "Malformed Packet";
  n[0x82] = "Protocol Error";
  n[0x83] = "Implementation specific error";
  n[0x84] = "Unsupported Protocol Version";
  n[0x85] = "Client Identifier not valid";
  n[0x86] = "Bad User Name or Password";
  n[0x87] = "Not authorized";
  n[0x88] = "Server unavailable";
  n[0x89] = "Server busy";
  n[0x8A] = "Banned";
  n[0x8B] = "Server shutting down";
  n[0x8C] = "Bad authentication method";
  n[0x8D] = "Keep Alive timeout";
  n[0x8E] = "Session taken over";
  n[0x8F] = "Topic Filter invalid";
  n[0x90] = "Topic Name invalid";
  n[0x91] = "Packet Identifier in use";
  n[0x92] = "Packet Identifier not found";
  n[0x93] = "Receive Maximum exceeded";
  n[0x94] = "Topic Alias invalid";
  n[0x95] = "Packet too large";
  n[0x96] = "Message rate too high";
  n[0x97] = "Quota exceeded";
  n[0x98] = "Administrative action";
  n[0x99] = "Payload format invalid";
  n[0x9A] = "Retain not supported";
  n[0x9B] = "QoS not supported";
  n[0x9C] = "Use another server";
  n[0x9D] = "Server moved";
  n[0x9E] = "Shared Subscriptions not supported";
  n[0x9F] = "Connection rate exceeded";
  n[0xA0] = "Maximum connect time";
  n[0xA1] = "Subscription Identifiers not supported";
  n[0xA2] = "Wildcard Subscriptions not supported";
  return n;
}
constexpr std::array<std::string_view, 256> names = make_names();

class reason_category_impl final : public boost::system::error_category {
 public:
  // A fixed id makes categories from different shared objects compare equal.
  constexpr reason_category_impl() noexcept : error_category(0x7465'726E'6D71'7474ull) {}

  const char* name() const noexcept override { return "mqtt"; }

  std::string message(int ev) const override { return std::string(reason_name(to_code(ev))); }

  const char* message(int ev, char* buffer, std::size_t length) const noexcept override {
    // The names are string literals, hence NUL-terminated.
    (void)buffer;
    (void)length;
    return reason_name(to_code(ev)).data();
  }

  // Codes below 0x80 report success [spec 2.4].
  bool failed(int ev) const noexcept override { return ev < 0 || ev >= 0x80; }

 private:
  static reason_code to_code(int ev) noexcept {
    return ev >= 0 && ev <= 0xFF ? static_cast<reason_code>(ev) : reason_code::unspecified_error;
  }
};

constexpr std::string_view unknown_name = "Unknown";

}  // namespace

bool is_known_reason_code(std::uint8_t value) noexcept {
  return !names[value].empty();
}

std::string_view reason_name(reason_code rc) noexcept {
  const std::string_view name = names[static_cast<std::uint8_t>(rc)];
  return name.empty() ? unknown_name : name;
}

connack_return_code to_connack_return_code(reason_code rc) noexcept {
  if (!is_failure(rc)) return connack_return_code::accepted;
  switch (rc) {
    case reason_code::unsupported_protocol_version:
      return connack_return_code::unacceptable_protocol_version;
    case reason_code::client_identifier_not_valid:
      return connack_return_code::identifier_rejected;
    case reason_code::bad_user_name_or_password:
      return connack_return_code::bad_user_name_or_password;
    case reason_code::not_authorized:
    case reason_code::banned:
    case reason_code::bad_authentication_method:
      return connack_return_code::not_authorized;
    default:
      // Busy, moved, quota, rate, malformed, ...: 3.1.1 has no closer word
      // than "the MQTT service is unavailable".
      return connack_return_code::server_unavailable;
  }
}

reason_code from_connack_return_code(connack_return_code rc) noexcept {
  switch (rc) {
    case connack_return_code::accepted:
      return reason_code::success;
    case connack_return_code::unacceptable_protocol_version:
      return reason_code::unsupported_protocol_version;
    case connack_return_code::identifier_rejected:
      return reason_code::client_identifier_not_valid;
    case connack_return_code::server_unavailable:
      return reason_code::server_unavailable;
    case connack_return_code::bad_user_name_or_password:
      return reason_code::bad_user_name_or_password;
    case connack_return_code::not_authorized:
      return reason_code::not_authorized;
  }
  return reason_code::unspecified_error;
}

const boost::system::error_category& reason_category() noexcept {
  static constexpr reason_category_impl instance;
  return instance;
}

reason_code to_reason_code(const boost::system::error_code& ec) noexcept {
  if (ec.category() == reason_category()) return static_cast<reason_code>(ec.value());
  // A default-constructed error_code means "no error" whatever its category.
  return ec ? reason_code::unspecified_error : reason_code::success;
}

namespace detail {

namespace {

// A set of byte values as a 256-bit mask, built at compile time.
class byte_set {
 public:
  constexpr byte_set(std::initializer_list<std::uint8_t> values) noexcept {
    for (const std::uint8_t v : values)
      bits_[v / 64] |= std::uint64_t{1} << (v % 64);
  }
  constexpr bool contains(std::uint8_t v) const noexcept { return (bits_[v / 64] >> (v % 64)) & 1; }

 private:
  std::array<std::uint64_t, 4> bits_{};
};

constexpr byte_set connack_reasons{0x00, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86,
                                   0x87, 0x88, 0x89, 0x8A, 0x8C, 0x90, 0x95, 0x97,
                                   0x99, 0x9A, 0x9B, 0x9C, 0x9D, 0x9F};
constexpr byte_set puback_reasons{0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99};
constexpr byte_set pubrel_reasons{0x00, 0x92};
constexpr byte_set suback_reasons{0x00, 0x01, 0x02, 0x80, 0x83, 0x87,
                                  0x8F, 0x91, 0x97, 0x9E, 0xA1, 0xA2};
constexpr byte_set unsuback_reasons{0x00, 0x11, 0x80, 0x83, 0x87, 0x8F, 0x91};
constexpr byte_set disconnect_reasons{0x00, 0x04, 0x80, 0x81, 0x82, 0x83, 0x87, 0x89, 0x8B, 0x8D,
                                      0x8E, 0x8F, 0x90, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99,
                                      0x9A, 0x9B, 0x9C, 0x9D, 0x9E, 0x9F, 0xA0, 0xA1, 0xA2};
constexpr byte_set auth_reasons{0x00, 0x18, 0x19};

}  // namespace

bool is_allowed_reason(packet_type type, std::uint8_t value) noexcept {
  switch (type) {
    case packet_type::connack:  // 3.2.2.2
      return connack_reasons.contains(value);
    case packet_type::puback:  // 3.4.2.1
    case packet_type::pubrec:  // 3.5.2.1
      return puback_reasons.contains(value);
    case packet_type::pubrel:   // 3.6.2.1
    case packet_type::pubcomp:  // 3.7.2.1
      return pubrel_reasons.contains(value);
    case packet_type::suback:  // 3.9.3
      return suback_reasons.contains(value);
    case packet_type::unsuback:  // 3.11.3
      return unsuback_reasons.contains(value);
    case packet_type::disconnect:  // 3.14.2.1
      return disconnect_reasons.contains(value);
    case packet_type::auth:  // 3.15.2.1
      return auth_reasons.contains(value);
    default:
      return false;
  }
}

}  // namespace detail

}  // namespace tern::mqtt
