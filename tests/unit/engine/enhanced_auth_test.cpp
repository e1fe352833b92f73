// MQTT 5 enhanced authentication in the engine (spec 4.12): the AUTH
// exchange before CONNACK, re-authentication, and the protocol errors
// around them; and max_publish_rate holding input back on a fake clock.
#include "engine_fixture.hpp"

namespace tern::mqtt::test {
namespace {

using v = protocol_version;
using engine_auth_test = engine_fixture;

template <class T>
T only(std::vector<engine_event>&& ev) {
  EXPECT_EQ(ev.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<T>(ev.at(0)));
  return std::get<T>(std::move(ev.at(0)));
}

auth auth_packet(reason_code reason, std::string method, std::string data) {
  auth a;
  a.reason = reason;
  a.properties.authentication_method = std::move(method);
  a.properties.authentication_data = std::move(data);
  return a;
}

class authenticating : public engine_fixture {
 protected:
  // CONNECT with method M and data "first"; the broker answers AUTH 0x18.
  void start() {
    connect c;
    c.version = v::v5;
    c.client_id = "c";
    c.properties.authentication_method = "M";
    c.properties.authentication_data = "first";
    send(c, v::v5);
    const auto req = only<connect_requested>(events());
    ASSERT_EQ(*engine_.authentication_method(), "M");
    ASSERT_EQ(req.packet->properties.authentication_data, "first");
    engine_.continue_authentication("server-first");
    const auto out = written(v::v5);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(std::get<auth>(out[0]),
              auth_packet(reason_code::continue_authentication, "M", "server-first"));
  }
};

TEST_F(authenticating, the_clients_auth_is_raised_and_connack_carries_the_last_data) {
  start();
  send(auth_packet(reason_code::continue_authentication, "M", "client-final"), v::v5);
  const auto got = only<auth_received>(events());
  EXPECT_EQ(got.packet.properties.authentication_data, "client-final");
  connack_properties props;
  props.authentication_method = "M";
  props.authentication_data = "server-final";
  engine_.accept(state_, false, props);
  const auto out = written(v::v5);
  ASSERT_EQ(out.size(), 1u);
  const auto& ack = std::get<connack>(out[0]);
  EXPECT_EQ(ack.reason, reason_code::success);
  EXPECT_EQ(ack.properties.authentication_data, "server-final");
  EXPECT_TRUE(engine_.is_connected());
}

TEST_F(authenticating, another_packet_before_connack_is_a_protocol_error_MQTT_3_1_2_30) {
  start();
  send(pingreq{}, v::v5);
  const auto close = only<close_requested>(events());
  EXPECT_EQ(close.reason, reason_code::protocol_error);
  const auto out = written(v::v5);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(std::get<connack>(out[0]).reason, reason_code::protocol_error);
}

TEST_F(authenticating, another_method_or_reason_is_a_protocol_error_MQTT_4_12_1_1) {
  for (const auto& bad : {auth_packet(reason_code::continue_authentication, "N", "x"),
                          auth_packet(reason_code::re_authenticate, "M", "x")}) {
    use_limits({});
    start();
    send(bad, v::v5);
    EXPECT_EQ(only<close_requested>(events()).reason, reason_code::protocol_error);
  }
}

TEST_F(engine_auth_test, auth_without_a_method_in_connect_is_a_protocol_error) {
  connect_and_accept(v::v5);
  send(auth_packet(reason_code::re_authenticate, "M", "x"), v::v5);
  EXPECT_EQ(only<close_requested>(events()).reason, reason_code::protocol_error);
  const auto out = written(v::v5);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(std::get<disconnect>(out[0]).reason, reason_code::protocol_error);
}

TEST_F(authenticating, re_authentication_runs_beside_other_packets) {
  start();
  send(auth_packet(reason_code::continue_authentication, "M", "final"), v::v5);
  events();
  engine_.accept(state_, false, {});
  written(v::v5);
  send(auth_packet(reason_code::re_authenticate, "M", "again"), v::v5);
  EXPECT_EQ(only<auth_received>(events()).packet.reason, reason_code::re_authenticate);
  engine_.continue_authentication("server-first");
  EXPECT_EQ(std::get<auth>(written(v::v5).at(0)).reason, reason_code::continue_authentication);
  send(pingreq{}, v::v5);  // still connected meanwhile
  EXPECT_TRUE(std::holds_alternative<pingresp>(written(v::v5).at(0)));
  // A second 0x19 while one is running is a protocol error; 0x18 goes on.
  send(auth_packet(reason_code::continue_authentication, "M", "final"), v::v5);
  EXPECT_EQ(only<auth_received>(events()).packet.reason, reason_code::continue_authentication);
  engine_.finish_reauthentication("server-final");
  const auto done = std::get<auth>(written(v::v5).at(0));
  EXPECT_EQ(done, auth_packet(reason_code::success, "M", "server-final"));
  // Finished: the next one must start with 0x19 again.
  send(auth_packet(reason_code::continue_authentication, "M", "x"), v::v5);
  EXPECT_EQ(only<close_requested>(events()).reason, reason_code::protocol_error);
}

TEST_F(engine_auth_test, publishes_past_max_publish_rate_wait_for_the_deadline) {
  engine_limits limits;
  limits.max_publish_rate = 2;
  use_limits(limits);
  connect_and_accept(v::v3_1_1);
  std::vector<std::uint8_t> bytes;
  for (int i = 0; i < 5; ++i) {
    publish p;
    p.topic = "t";
    p.payload = shared_bytes::copy_of(std::to_string(i));
    encode_append(p, v::v3_1_1, bytes);
  }
  send_bytes(bytes);  // five in one read
  // Two tokens, and the third goes into debt: three handled, two held.
  EXPECT_EQ(events().size(), 3u);
  EXPECT_TRUE(engine_.input_throttled());
  const auto resume = engine_.next_deadline();
  ASSERT_TRUE(resume);
  EXPECT_GE(*resume - now_, ms(500));  // one token's debt at 2/s
  EXPECT_LE(*resume - now_, ms(501));
  engine_.on_timer(now_ + ms(499));
  EXPECT_TRUE(events().empty());
  // Then one at a time, each at its deadline, until all five are in.
  const auto start = now_;
  std::size_t handled = 3;
  for (int round = 0; round < 10 && handled < 5; ++round) {
    ASSERT_TRUE(engine_.next_deadline());
    now_ = *engine_.next_deadline();
    engine_.on_timer(now_);
    const auto n = events().size();
    EXPECT_LE(n, 1u);
    handled += n;
  }
  EXPECT_EQ(handled, 5u);
  EXPECT_GE(now_ - start, ms(1000));
}

}  // namespace
}  // namespace tern::mqtt::test
