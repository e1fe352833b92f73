#pragma once
// A server_engine driven by a fake clock, with helpers to send client
// packets (encoded by the codec) and to read back what the engine wrote.

#include <gtest/gtest.h>

#include <chrono>
#include <vector>

#include "mqtt/codec/decoder.hpp"
#include "mqtt/codec/encoder.hpp"
#include "mqtt/engine/server_engine.hpp"

namespace tern::mqtt::test {

class engine_fixture : public ::testing::Test {
 protected:
  using ms = std::chrono::milliseconds;

  explicit engine_fixture(engine_limits limits = {}) : limits_(limits), engine_(limits_, now_) {}

  void advance(ms d) { now_ += d; }

  // A fresh engine with other limits (before anything is sent).
  void use_limits(engine_limits limits) {
    limits_ = limits;
    engine_ = server_engine(limits_, now_);
  }

  void send(const packet& p, protocol_version v) {
    std::vector<std::uint8_t> bytes;
    encode_append(p, v, bytes);
    engine_.on_bytes(bytes, now_);
  }
  void send_bytes(std::vector<std::uint8_t> bytes) { engine_.on_bytes(bytes, now_); }

  // Every packet the engine wrote since the last call, decoded.
  std::vector<packet> written(protocol_version v) {
    std::vector<std::uint8_t> out;
    engine_.take_output(out);
    std::vector<packet> packets;
    std::span<const std::uint8_t> rest(out);
    while (!rest.empty()) {
      auto h = parse_fixed_header(rest, max_variable_byte_integer + 5, v);
      EXPECT_TRUE(h && *h) << "engine wrote an incomplete packet";
      if (!h || !*h) break;
      auto p = decode(**h, rest.subspan((*h)->size, (*h)->remaining_length), v);
      EXPECT_TRUE(p) << "engine wrote an undecodable packet";
      if (!p) break;
      packets.push_back(std::move(*p));
      rest = rest.subspan((*h)->packet_size());
    }
    return packets;
  }

  std::vector<engine_event> events() {
    std::vector<engine_event> out;
    engine_.take_events(out);
    return out;
  }

  // CONNECT + accept(), leaving no events or output behind.
  void connect_and_accept(protocol_version v, std::uint16_t keep_alive = 0,
                          connect_properties props = {}) {
    connect c;
    c.version = v;
    c.client_id = "client";
    c.keep_alive = keep_alive;
    c.properties = std::move(props);
    send(c, v);
    auto ev = events();
    ASSERT_EQ(ev.size(), 1u);
    ASSERT_TRUE(std::holds_alternative<connect_requested>(ev[0]));
    engine_.accept(state_, false, {});
    auto out = written(v);
    ASSERT_EQ(out.size(), 1u);
    ASSERT_TRUE(std::holds_alternative<connack>(out[0]));
  }

  static delivery make_delivery(std::string topic, std::string payload, qos q) {
    auto m = std::make_shared<application_message>();
    m->packet.topic = std::move(topic);
    m->packet.payload = shared_bytes::copy_of(payload);
    m->packet.qos = q;
    return delivery{m, q, false, {}, {}};
  }

  steady_time now_{std::chrono::seconds(1000)};
  session_state state_;
  engine_limits limits_;  // the engine borrows them
  server_engine engine_;
};

}  // namespace tern::mqtt::test
