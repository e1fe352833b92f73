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

publish will_to_publish(will_message&& will) {
  publish p;
  p.topic = std::move(will.topic);
  p.payload = std::move(will.payload);
  p.qos = will.qos;
  p.retain = will.retain;
  auto& wp = will.properties;
  p.properties.payload_format_indicator = wp.payload_format_indicator;
  p.properties.message_expiry_interval = wp.message_expiry_interval;
  p.properties.content_type = std::move(wp.content_type);
  p.properties.response_topic = std::move(wp.response_topic);
  p.properties.correlation_data = std::move(wp.correlation_data);
  p.properties.user = std::move(wp.user);
  return p;
}

will_message publish_to_will(publish&& p) {
  will_message will;
  will.topic = std::move(p.topic);
  will.payload = std::move(p.payload);
  will.qos = p.qos;
  will.retain = p.retain;
  auto& pp = p.properties;
  will.properties.payload_format_indicator = pp.payload_format_indicator;
  will.properties.message_expiry_interval = pp.message_expiry_interval;
  will.properties.content_type = std::move(pp.content_type);
  will.properties.response_topic = std::move(pp.response_topic);
  will.properties.correlation_data = std::move(pp.correlation_data);
  will.properties.user = std::move(pp.user);
  return will;
}

}  // namespace tern::mqtt
