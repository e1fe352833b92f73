// The durability promise (README): what an acknowledgement depends on is
// committed before the acknowledgement leaves. A test_store commits only
// when the test says so, so each test sees what waits and what does not.
#include <gtest/gtest.h>

#include "broker_world.hpp"

namespace tern::broker::test {
namespace {

using v = protocol_version;

connect_options persistent() {
  connect_options o;
  o.clean_start = false;  // 3.1.1: the session outlives the connection
  return o;
}

struct Durability : ::testing::Test {
  Durability() { store.auto_commit = false; }
  // Commits and lets everyone answer.
  void commit() {
    store.commit();
    w.settle();
  }
  test_store store;
  world w{2, {}, &store};
};

TEST_F(Durability, ConnackOfANewPersistentSessionWaitsForItsRecord) {
  test_client sub(w, "sub", v::v3_1_1, 1);
  sub.connect(persistent());
  EXPECT_FALSE(sub.connack()) << "CONNACK before the session was stored";
  ASSERT_EQ(store.recorded<store::put_session>().size(), 1u);
  EXPECT_EQ(store.recorded<store::put_session>()[0].session.client_id, "sub");
  commit();
  EXPECT_TRUE(sub.connected());
}

TEST_F(Durability, CleanSessionsNeverWaitAndAreNotStored) {
  test_client pub(w, "pub", v::v3_1_1, 0);
  test_client sub(w, "sub", v::v5, 1);
  ASSERT_TRUE(pub.connect());
  ASSERT_TRUE(sub.connect());
  ASSERT_TRUE(sub.subscribe("t", qos::exactly_once));
  const auto id1 = pub.publish("t", "one", qos::at_least_once);
  const auto id2 = pub.publish("t", "two", qos::exactly_once);
  EXPECT_TRUE(pub.completed(id1));
  EXPECT_TRUE(pub.completed(id2));
  EXPECT_EQ(sub.payloads(), (std::vector<std::string>{"one", "two"}));
  EXPECT_TRUE(store.ops.empty()) << store.ops.size() << " events stored for clean sessions";
}

TEST_F(Durability, SubackWaitsForTheSubscriptionRecord) {
  test_client sub(w, "sub", v::v3_1_1, 1);
  sub.connect(persistent());
  commit();
  EXPECT_FALSE(sub.subscribe("a/+", qos::at_least_once)) << "SUBACK before commit";
  const auto subs = store.recorded<store::put_subscription>();
  ASSERT_EQ(subs.size(), 1u);
  EXPECT_EQ(subs[0].filter, "a/+");
  EXPECT_EQ(subs[0].options.max_qos, qos::at_least_once);
  commit();
  EXPECT_EQ(all_of_type<mqtt::suback>(sub.packets()).size(), 1u);
}

// A QoS 1 message for a persistent subscriber: the publisher's PUBACK waits
// until the delivery is on disk; the subscriber may get it earlier (QoS 1
// allows a duplicate after a crash). Its PUBACK then removes the delivery.
TEST_F(Durability, PubackWaitsForTheStoredDelivery) {
  test_client pub(w, "pub", v::v3_1_1, 0);
  test_client sub(w, "sub", v::v3_1_1, 1);
  ASSERT_TRUE(pub.connect());
  sub.connect(persistent());
  sub.subscribe("t", qos::at_least_once);
  commit();

  const auto id = pub.publish("t", "m", qos::at_least_once);
  EXPECT_FALSE(pub.completed(id)) << "PUBACK before the delivery was committed";
  const auto puts = store.recorded<store::put_delivery>();
  ASSERT_EQ(puts.size(), 1u);
  EXPECT_EQ(puts[0].delivery.message->packet.payload.view(), "m");
  EXPECT_NE(puts[0].delivery.store_seq, 0u);
  EXPECT_EQ(sub.payloads(), (std::vector<std::string>{"m"}));
  const auto removed = store.recorded<store::remove_delivery>();
  ASSERT_EQ(removed.size(), 1u) << "the subscriber's PUBACK completes the delivery";
  EXPECT_EQ(removed[0].seq, puts[0].delivery.store_seq);
  commit();
  EXPECT_TRUE(pub.completed(id));
}

// QoS 2 from a persistent publisher: its packet id is stored before PUBREC
// (a resend after a restart is recognised) and released before PUBCOMP (the
// id may then carry a new message) [MQTT-4.3.3-10].
TEST_F(Durability, InboundQoS2IdsStoredBeforePubrecAndReleasedBeforePubcomp) {
  test_client pub(w, "pub", v::v3_1_1, 0);
  pub.connect(persistent());
  commit();
  const auto id = pub.publish("t", "m", qos::exactly_once);
  EXPECT_FALSE(pub.acknowledged(id)) << "PUBREC before the id was stored";
  ASSERT_EQ(store.recorded<store::put_inbound_qos2>().size(), 1u);
  EXPECT_EQ(store.recorded<store::put_inbound_qos2>()[0].packet_id, id);
  commit();  // PUBREC arrives; the client answers PUBREL
  EXPECT_TRUE(pub.acknowledged(id));
  EXPECT_FALSE(pub.completed(id)) << "PUBCOMP before the release was stored";
  ASSERT_EQ(store.recorded<store::remove_inbound_qos2>().size(), 1u);
  commit();
  EXPECT_TRUE(pub.completed(id));
}

// The QoS 2 id and the deliveries of its message reach the store together:
// after a crash either both are there (a resend is recognised and its
// message is queued) or neither (the resend is a new message).
TEST_F(Durability, InboundQoS2IdStoredInOneTransactionWithTheDeliveries) {
  test_client pub(w, "pub", v::v3_1_1, 0);
  test_client sub(w, "sub", v::v3_1_1, 1);
  pub.connect(persistent());
  sub.connect(persistent());
  sub.subscribe("t", qos::exactly_once);
  commit();
  const auto before = store.group_sizes.size();
  pub.publish("t", "m", qos::exactly_once);
  ASSERT_GT(store.group_sizes.size(), before);
  EXPECT_EQ(store.group_sizes[before], 2u) << "put_inbound_qos2 + put_delivery in one group";
}

// QoS 2 to a persistent subscriber: the PUBLISH leaves only once its packet
// id is stored, the PUBREL only once PUBREC is, so a restart resends the
// same id, or PUBREL, never a second copy under a new id.
TEST_F(Durability, OutboundQoS2PacketIdAndReleaseStoredBeforeTheyLeave) {
  test_client pub(w, "pub", v::v3_1_1, 0);
  test_client sub(w, "sub", v::v3_1_1, 1);
  ASSERT_TRUE(pub.connect());
  sub.connect(persistent());
  sub.subscribe("t", qos::exactly_once);
  commit();

  pub.publish("t", "m", qos::exactly_once);
  auto sent = store.recorded<store::mark_delivery_sent>();
  ASSERT_EQ(sent.size(), 1u) << "numbered on its way out";
  EXPECT_FALSE(sent[0].released);
  EXPECT_TRUE(sub.payloads().empty()) << "PUBLISH before its packet id was stored";
  commit();
  ASSERT_EQ(sub.payloads(), (std::vector<std::string>{"m"}));
  EXPECT_EQ(sent[0].packet_id, sub.messages()[0].id);
  // The subscriber answered PUBREC: PUBREL waits for "released".
  sent = store.recorded<store::mark_delivery_sent>();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_TRUE(sent[1].released);
  EXPECT_TRUE(all_of_type<mqtt::pubrel>(sub.packets()).empty()) << "PUBREL before commit";
  commit();
  EXPECT_EQ(all_of_type<mqtt::pubrel>(sub.packets()).size(), 1u);
  EXPECT_EQ(store.recorded<store::remove_delivery>().size(), 1u) << "PUBCOMP completes it";
}

TEST_F(Durability, RetainedMessagesStoredBeforePubackAndRemovedByAnEmptyPayload) {
  test_client pub(w, "pub", v::v3_1_1, 0);
  ASSERT_TRUE(pub.connect());
  const auto id = pub.publish("r", "kept", qos::at_least_once, true);
  EXPECT_FALSE(pub.completed(id));
  ASSERT_EQ(store.recorded<store::put_retained>().size(), 1u);
  commit();
  EXPECT_TRUE(pub.completed(id));
  pub.publish("r", "", qos::at_most_once, true);
  ASSERT_EQ(store.recorded<store::remove_retained>().size(), 1u);
  EXPECT_EQ(store.recorded<store::remove_retained>()[0].topic, "r");
}

TEST_F(Durability, SessionRecordRemovedWhenTheSessionEnds) {
  test_client sub(w, "sub", v::v5, 1);
  connect_options o;
  o.clean_start = false;
  o.session_expiry = 60;
  sub.connect(o);
  commit();
  ASSERT_TRUE(sub.connected());
  sub.disconnect(mqtt::reason_code::normal_disconnection, 0);  // v5: end it now [MQTT-3.14.2-2]
  EXPECT_EQ(store.recorded<store::remove_session>().size(), 1u);
}

}  // namespace
}  // namespace tern::broker::test
