// Input a hostile client can send that is well-formed but costly or
// confusing: topics deeper than max_topic_levels (PUBLISH, will, SUBSCRIBE),
// a QoS 2 packet id reused before PUBREL, PUBREL for an id never received.
// Each ends in the spec's reason and leaves the engine consistent.
#include <string>

#include "engine_fixture.hpp"
#include "mqtt/codec/topic.hpp"

namespace tern::mqtt::test {
namespace {

using v = protocol_version;

engine_limits levels(std::uint32_t n) {
  engine_limits l;
  l.max_topic_levels = n;
  return l;
}

// "a/a/.../a" with `n` levels.
std::string deep_topic(std::size_t n) {
  std::string t = "a";
  for (std::size_t i = 1; i < n; ++i)
    t += "/a";
  return t;
}

class hostile_input_test : public engine_fixture {
 protected:
  void publish_to(std::string topic, v version, qos q = qos::at_most_once, packet_id id = 0) {
    publish p;
    p.topic = std::move(topic);
    p.qos = q;
    p.id = id;
    send(p, version);
  }

  void subscribe_to(std::vector<std::string> filters, v version) {
    subscribe s;
    s.id = 7;
    for (auto& f : filters)
      s.entries.push_back({std::move(f), {qos::at_least_once}});
    send(s, version);
  }

  void connect_with_will(std::string will_topic, v version) {
    connect c;
    c.version = version;
    c.client_id = "client";
    c.will = will_message{
        std::move(will_topic), shared_bytes::copy_of("gone"), qos::at_most_once, false, {}};
    send(c, version);
  }

  void expect_one_publish_received() {
    const auto ev = events();
    ASSERT_EQ(ev.size(), 1u);
    EXPECT_TRUE(std::holds_alternative<publish_received>(ev[0]));
  }

  reason_code closed_reason() {
    const auto ev = events();
    EXPECT_EQ(ev.size(), 1u);
    if (ev.size() != 1 || !std::holds_alternative<close_requested>(ev[0]))
      return reason_code::success;
    return std::get<close_requested>(ev[0]).reason;
  }
};

TEST_F(hostile_input_test, DefaultLimitIs200Levels) {
  EXPECT_EQ(engine_limits{}.max_topic_levels, 200u);
  EXPECT_EQ(topic_levels("a"), 1u);
  EXPECT_EQ(topic_levels("a//b"), 3u);  // empty levels count (spec 4.7.1.1)
  EXPECT_EQ(topic_levels("/"), 2u);
}

TEST_F(hostile_input_test, PublishAtTheLimitIsDelivered) {
  use_limits(levels(4));
  connect_and_accept(v::v5);
  publish_to(deep_topic(4), v::v5);
  expect_one_publish_received();
  EXPECT_TRUE(written(v::v5).empty());
}

TEST_F(hostile_input_test, DeeperPublishGetsDisconnect0x90WithAReasonString) {
  use_limits(levels(4));
  connect_and_accept(v::v5);
  publish_to(deep_topic(5), v::v5, qos::exactly_once, 3);
  EXPECT_EQ(closed_reason(), reason_code::topic_name_invalid);
  const auto out = written(v::v5);
  ASSERT_EQ(out.size(), 1u);
  const auto& d = std::get<disconnect>(out[0]);
  EXPECT_EQ(d.reason, reason_code::topic_name_invalid);
  ASSERT_TRUE(d.properties.reason_string);
  EXPECT_NE(d.properties.reason_string->find("max_topic_levels 4"), std::string::npos);
  EXPECT_TRUE(state_.inbound_qos2.empty()) << "a refused QoS 2 id is not kept";
}

TEST_F(hostile_input_test, DeeperPublishFromV311IsClosedWithoutAWord) {
  use_limits(levels(4));
  connect_and_accept(v::v3_1_1);
  publish_to(deep_topic(5), v::v3_1_1);
  EXPECT_EQ(closed_reason(), reason_code::topic_name_invalid);
  EXPECT_TRUE(written(v::v3_1_1).empty());  // 3.1.1 has no server DISCONNECT
}

TEST_F(hostile_input_test, ZeroMeansNoLimit) {
  use_limits(levels(0));
  connect_and_accept(v::v5);
  publish_to(deep_topic(5000), v::v5);
  expect_one_publish_received();
}

TEST_F(hostile_input_test, DeeperWillTopicGetsConnack0x90) {
  use_limits(levels(4));
  connect_with_will(deep_topic(5), v::v5);
  EXPECT_EQ(closed_reason(), reason_code::topic_name_invalid);
  const auto out = written(v::v5);
  ASSERT_EQ(out.size(), 1u);
  const auto& ack = std::get<connack>(out[0]);
  EXPECT_EQ(ack.reason, reason_code::topic_name_invalid);
  EXPECT_TRUE(ack.properties.reason_string);
}

TEST_F(hostile_input_test, DeeperWillTopicFromV311IsClosed) {
  use_limits(levels(4));
  connect_with_will(deep_topic(5), v::v3_1_1);
  EXPECT_EQ(closed_reason(), reason_code::topic_name_invalid);
  EXPECT_TRUE(written(v::v3_1_1).empty());
}

TEST_F(hostile_input_test, DeeperFilterIsRefusedPerEntry0x8F) {
  use_limits(levels(4));
  connect_and_accept(v::v5);
  subscribe_to(
      {deep_topic(4), deep_topic(5), "$share/g/" + deep_topic(4), "$share/g/" + deep_topic(5)},
      v::v5);
  const auto ev = events();
  ASSERT_EQ(ev.size(), 1u);
  const auto& sub = std::get<subscribe_requested>(ev[0]);
  ASSERT_EQ(sub.refused.size(), 4u);
  EXPECT_EQ(sub.refused[0], reason_code::success);
  EXPECT_EQ(sub.refused[1], reason_code::topic_filter_invalid);
  EXPECT_EQ(sub.refused[2], reason_code::success) << "the $share/{group}/ prefix is not counted";
  EXPECT_EQ(sub.refused[3], reason_code::topic_filter_invalid);
  EXPECT_FALSE(engine_.is_closed());
}

TEST_F(hostile_input_test, DeeperFilterFromV311IsRefusedToo) {
  use_limits(levels(4));
  connect_and_accept(v::v3_1_1);
  subscribe_to({deep_topic(5)}, v::v3_1_1);
  const auto ev = events();
  ASSERT_EQ(ev.size(), 1u);
  const auto& sub = std::get<subscribe_requested>(ev[0]);
  ASSERT_EQ(sub.refused.size(), 1u);
  EXPECT_EQ(sub.refused[0], reason_code::topic_filter_invalid);  // encoded as 0x80
}

// [MQTT-4.3.3-10]: a QoS 2 id reused before PUBREL is the same message: one
// publish_received, whatever the client sends again.
TEST_F(hostile_input_test, Qos2IdReusedBeforePubrelIsDeliveredOnce) {
  connect_and_accept(v::v5);
  publish_to("t", v::v5, qos::exactly_once, 9);
  auto ev = events();
  ASSERT_EQ(ev.size(), 1u);
  engine_.acknowledge_publish(9, qos::exactly_once);
  EXPECT_EQ(written(v::v5).size(), 1u);  // PUBREC
  for (int i = 0; i < 3; ++i)
    publish_to("t", v::v5, qos::exactly_once, 9);
  EXPECT_TRUE(events().empty());
  const auto out = written(v::v5);
  ASSERT_EQ(out.size(), 3u);
  for (const auto& p : out)
    EXPECT_EQ(std::get<pubrec>(p).id, 9);
  send(pubrel{9, reason_code::success, {}}, v::v5);
  ev = events();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<release_received>(ev[0]));
  // Released: the id may carry a new message now.
  publish_to("t", v::v5, qos::exactly_once, 9);
  expect_one_publish_received();
}

// [MQTT-4.3.3-11] and v5 3.7.2.1: PUBREL for an id never received is
// answered with PUBCOMP 0x92, and the connection goes on.
TEST_F(hostile_input_test, PubrelForAnUnknownIdGetsPubcomp0x92) {
  connect_and_accept(v::v5);
  for (packet_id id : {1, 500, 65535}) {
    send(pubrel{id, reason_code::success, {}}, v::v5);
    const auto out = written(v::v5);
    ASSERT_EQ(out.size(), 1u);
    const auto& comp = std::get<pubcomp>(out[0]);
    EXPECT_EQ(comp.id, id);
    EXPECT_EQ(comp.reason, reason_code::packet_identifier_not_found);
  }
  EXPECT_TRUE(events().empty());
  EXPECT_FALSE(engine_.is_closed());
}

}  // namespace
}  // namespace tern::mqtt::test
