#include "mqtt/codec/packets.hpp"

namespace tern::mqtt {

namespace {

// The variant lists the packets in the order of their type numbers, so the
// type is the index plus one.
static_assert(std::is_same_v<std::variant_alternative_t<0, packet>, connect>);
static_assert(std::is_same_v<std::variant_alternative_t<2, packet>, publish>);
static_assert(std::is_same_v<std::variant_alternative_t<5, packet>, pubrel>);
static_assert(std::is_same_v<std::variant_alternative_t<7, packet>, subscribe>);
static_assert(std::is_same_v<std::variant_alternative_t<10, packet>, unsuback>);
static_assert(std::is_same_v<std::variant_alternative_t<13, packet>, disconnect>);
static_assert(std::is_same_v<std::variant_alternative_t<14, packet>, auth>);
static_assert(std::variant_size_v<packet> == 15);

}  // namespace

packet_type type_of(const packet& p) noexcept {
  return static_cast<packet_type>(p.index() + 1);
}

}  // namespace tern::mqtt
