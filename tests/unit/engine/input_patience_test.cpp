// input_may_wait(): only a read of nothing but QoS 0 PUBLISHes lets the
// network layer hold the client's next input; anything the client waits
// for (or any other packet) must be read at once. And recycle_events():
// the storage of handled events serves the next read on this thread.
#include "engine_fixture.hpp"

namespace tern::mqtt::test {
namespace {

using v = protocol_version;
using input_patience = engine_fixture;

std::vector<std::uint8_t> encoded(const packet& p, v version) {
  std::vector<std::uint8_t> bytes;
  encode_append(p, version, bytes);
  return bytes;
}

publish publish_at(qos q, std::string topic = "sensors/1") {
  publish p;
  p.topic = std::move(topic);
  p.payload = shared_bytes::copy_of(std::string("21.5"));
  p.qos = q;
  p.id = q == qos::at_most_once ? 0 : 7;
  return p;
}

TEST_F(input_patience, QoS0PublishesMayWait) {
  connect_and_accept(v::v3_1_1);
  auto bytes = encoded(publish_at(qos::at_most_once), v::v3_1_1);
  const auto second = encoded(publish_at(qos::at_most_once, "sensors/2"), v::v3_1_1);
  bytes.insert(bytes.end(), second.begin(), second.end());
  send_bytes(bytes);
  EXPECT_TRUE(engine_.input_may_wait());
  EXPECT_EQ(events().size(), 2u);
}

TEST_F(input_patience, QoS1PublishMustNotWait) {
  connect_and_accept(v::v3_1_1);
  send(publish_at(qos::at_least_once), v::v3_1_1);
  EXPECT_FALSE(engine_.input_may_wait()) << "the client's window waits for the PUBACK";
}

TEST_F(input_patience, QoS2PublishMustNotWait) {
  connect_and_accept(v::v5);
  send(publish_at(qos::exactly_once), v::v5);
  EXPECT_FALSE(engine_.input_may_wait());
}

TEST_F(input_patience, AnyOtherPacketInTheReadMustNotWait) {
  connect_and_accept(v::v3_1_1);
  auto bytes = encoded(publish_at(qos::at_most_once), v::v3_1_1);
  const auto ping = encoded(pingreq{}, v::v3_1_1);
  bytes.insert(bytes.end(), ping.begin(), ping.end());
  send_bytes(bytes);
  EXPECT_FALSE(engine_.input_may_wait()) << "PINGREQ waits for its PINGRESP";
}

TEST_F(input_patience, EachReadIsJudgedOnItsOwn) {
  connect_and_accept(v::v3_1_1);
  send(pingreq{}, v::v3_1_1);
  EXPECT_FALSE(engine_.input_may_wait());
  send(publish_at(qos::at_most_once), v::v3_1_1);
  EXPECT_TRUE(engine_.input_may_wait()) << "the PINGREQ was an earlier read";
}

TEST_F(input_patience, AnIncompletePacketAloneMustNotWait) {
  connect_and_accept(v::v3_1_1);
  auto bytes = encoded(publish_at(qos::at_most_once), v::v3_1_1);
  bytes.pop_back();
  send_bytes(bytes);
  EXPECT_FALSE(engine_.input_may_wait()) << "nothing was handled: its kind is not known yet";
}

TEST_F(input_patience, ConnectMustNotWait) {
  connect c;
  c.version = v::v3_1_1;
  c.client_id = "client";
  send(c, v::v3_1_1);
  EXPECT_FALSE(engine_.input_may_wait());
}

TEST_F(input_patience, HandledEventsStorageServesTheNextRead) {
  connect_and_accept(v::v3_1_1);
  std::vector<std::uint8_t> bytes;
  for (int i = 0; i < 8; ++i)
    encode_append(publish_at(qos::at_most_once), v::v3_1_1, bytes);
  send_bytes(bytes);
  std::vector<engine_event> handled;
  ASSERT_TRUE(engine_.take_events(handled));
  ASSERT_EQ(handled.size(), 8u);
  const auto capacity = handled.capacity();
  server_engine::recycle_events(std::move(handled));

  // Another connection on this thread: one PUBLISH lands in that storage.
  server_engine other(limits_, now_);
  session_state other_state;
  connect c;
  c.version = v::v3_1_1;
  c.client_id = "other";
  other.on_bytes(encoded(c, v::v3_1_1), now_);
  std::vector<engine_event> ev;
  ASSERT_TRUE(other.take_events(ev));
  other.accept(other_state, false, {});
  EXPECT_GE(ev.capacity(), capacity) << "the CONNECT's event reused the recycled storage";
  server_engine::recycle_events(std::move(ev));

  // A read that raises nothing gives the storage back rather than keep it
  // with its connection: a third connection's read finds it.
  auto partial = encoded(publish_at(qos::at_most_once), v::v3_1_1);
  partial.pop_back();
  other.on_bytes(partial, now_);
  std::vector<engine_event> none;
  EXPECT_FALSE(other.take_events(none));
  server_engine third(limits_, now_);
  c.client_id = "third";
  third.on_bytes(encoded(c, v::v3_1_1), now_);
  std::vector<engine_event> third_events;
  ASSERT_TRUE(third.take_events(third_events));
  EXPECT_GE(third_events.capacity(), capacity);
  server_engine::recycle_events(std::move(third_events));
}

}  // namespace
}  // namespace tern::mqtt::test
