// Shared subscriptions $share/{group}/{filter} (spec 4.8.2) through the
// whole broker core: the member choice policies, what happens to the
// deliveries of a member that goes away, retained messages and copies.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "broker_world.hpp"

namespace tern::broker::test {
namespace {

using v = protocol_version;

broker_config with_policy(shared_policy p) {
  broker_config c;
  c.shared_subscription_policy = p;
  return c;
}

connect_options persistent() {
  connect_options o;
  o.clean_start = false;
  o.session_expiry = 3600;
  return o;
}

std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

// A group of two members m1 (worker 0) and m2 (worker 1) and a publisher.
struct SharedGroup : ::testing::Test {
  explicit SharedGroup(broker_config config = {}, test_store* store = nullptr)
      : w(2, std::move(config), store) {}

  void join(connect_options m1_options = {}, qos q = qos::at_least_once,
            connect_options m2_options = {}) {
    ASSERT_TRUE(pub.connect());
    ASSERT_TRUE(m1.connect(std::move(m1_options)));
    ASSERT_TRUE(m2.connect(std::move(m2_options)));
    ASSERT_TRUE(m1.subscribe("$share/g/jobs", q));
    ASSERT_TRUE(m2.subscribe("$share/g/jobs", q));
  }
  // Publishes until m1 has received `n` messages (m2 gets the others).
  std::vector<std::string> publish_until_m1_has(std::size_t n, qos q = qos::at_least_once) {
    std::vector<std::string> sent;
    for (int i = 0; m1.messages().size() < n && i < 100; ++i) {
      sent.push_back("job" + std::to_string(i));
      pub.publish("jobs", sent.back(), q);
    }
    return sent;
  }

  world w;
  test_client pub{w, "pub", v::v5, 0};
  test_client m1{w, "m1", v::v5, 0};
  test_client m2{w, "m2", v::v5, 1};
};

// --- policies -------------------------------------------------------------------

struct RandomPolicy : SharedGroup {
  RandomPolicy() : SharedGroup(with_policy(shared_policy::random)) {}
};

TEST_F(RandomPolicy, EachMessageToOneMemberBothGetSome) {
  join();
  std::vector<std::string> sent;
  for (int i = 0; i < 64; ++i) {
    sent.push_back("job" + std::to_string(i));
    pub.publish("jobs", sent.back(), qos::at_least_once);
  }
  auto got = m1.payloads();
  const auto got2 = m2.payloads();
  // 64 fair coin tosses all alike: 2^-63.
  EXPECT_FALSE(got.empty());
  EXPECT_FALSE(got2.empty());
  got.insert(got.end(), got2.begin(), got2.end());
  EXPECT_EQ(sorted(got), sorted(sent)) << "each message to exactly one member";
}

struct StickyPolicy : SharedGroup {
  StickyPolicy() : SharedGroup(with_policy(shared_policy::sticky)) {}
};

// Sticky: one publisher's messages all go to the same member, in order,
// until that member goes away; then to another one.
TEST_F(StickyPolicy, OnePublishersMessagesStayWithOneMember) {
  join();
  for (int i = 0; i < 8; ++i)
    pub.publish("jobs", "a" + std::to_string(i), qos::at_least_once);
  const bool to_m1 = !m1.messages().empty();
  test_client& chosen = to_m1 ? m1 : m2;
  test_client& other = to_m1 ? m2 : m1;
  EXPECT_EQ(chosen.payloads(),
            (std::vector<std::string>{"a0", "a1", "a2", "a3", "a4", "a5", "a6", "a7"}));
  EXPECT_TRUE(other.messages().empty());

  chosen.disconnect();
  pub.publish("jobs", "after", qos::at_least_once);
  EXPECT_EQ(other.payloads(), (std::vector<std::string>{"after"}));
}

// --- a member that goes away (spec 4.8.2) ---------------------------------------

// Its session ends (clean start, connection lost): the QoS 1 messages it
// had not acknowledged, and those still queued for it, go to another member
// ("the Server SHOULD send the Application Message to another Client").
TEST_F(SharedGroup, SessionEndSendsUnacknowledgedAndQueuedToAnotherMember) {
  connect_options small_window;
  small_window.receive_maximum = 1;  // one in flight, the rest queued
  join(small_window);
  m1.set_auto_ack(false);
  const auto sent = publish_until_m1_has(1);
  for (int i = 0; i < 3; ++i)
    pub.publish("jobs", "more" + std::to_string(i), qos::at_least_once);
  const auto m1_had = m1.payloads();
  ASSERT_EQ(m1_had.size(), 1u) << "one in flight to m1, its others queued";
  const auto m2_before = m2.messages().size();

  m1.drop();  // no session expiry: the session ends with the connection

  auto got = m2.payloads();
  EXPECT_GT(got.size(), m2_before);
  EXPECT_NE(std::find(got.begin(), got.end(), m1_had[0]), got.end())
      << "the unacknowledged message reached m2: " << describe(m2.packets());
  std::vector<std::string> all = sent;
  for (int i = 0; i < 3; ++i)
    all.push_back("more" + std::to_string(i));
  EXPECT_EQ(sorted(got), sorted(all)) << "every message once, at the surviving member";
}

// Only its connection is lost (the session stays): a connected member may
// take over at once ("It MAY attempt to send the message to another Client
// as soon as it loses its connection"); the first member does not get it
// again when it comes back.
TEST_F(SharedGroup, ConnectionLossSendsUnacknowledgedQos1ToAConnectedMember) {
  join(persistent());
  m1.set_auto_ack(false);
  publish_until_m1_has(1);
  const auto held = m1.payloads().at(0);
  m1.drop();
  const auto got = m2.payloads();
  EXPECT_NE(std::find(got.begin(), got.end(), held), got.end()) << describe(m2.packets());

  m1.clear_messages();
  m1.set_auto_ack(true);
  ASSERT_TRUE(m1.connect(persistent()));
  EXPECT_TRUE(m1.messages().empty()) << "moved, not resent: " << describe(m1.packets());
}

// Without another connected member the messages wait for their session.
TEST_F(SharedGroup, ConnectionLossKeepsThemWhenNoOtherMemberIsConnected) {
  join(persistent(), qos::at_least_once, persistent());
  m2.drop();  // still a member, offline
  m1.set_auto_ack(false);
  publish_until_m1_has(1);
  const auto held = m1.payloads().at(0);
  m1.drop();
  m1.clear_messages();
  m1.set_auto_ack(true);
  ASSERT_TRUE(m1.connect(persistent()));
  EXPECT_EQ(m1.payloads(), (std::vector<std::string>{held}));
  EXPECT_TRUE(m1.messages().at(0).dup) << "resent by its own session [MQTT-4.4.0-1]";
}

// A QoS 2 message already sent is completed with its own session when it
// reconnects [MQTT-4.8.2-4], and never sent to another member
// [MQTT-4.8.2-5], even when that session ends.
TEST_F(SharedGroup, SentQos2StaysWithItsSession_MQTT_4_8_2_4_MQTT_4_8_2_5) {
  join(persistent(), qos::exactly_once);
  m1.set_auto_ack(false);
  publish_until_m1_has(1, qos::exactly_once);
  const auto held = m1.payloads().at(0);
  m2.clear_messages();
  m1.drop();
  EXPECT_TRUE(m2.messages().empty()) << describe(m2.packets());
  m1.take_packets();
  m1.set_auto_ack(true);
  ASSERT_TRUE(m1.connect(persistent()));
  // Resent with DUP (the client already has it: not delivered twice).
  const auto resent = all_of_type<mqtt::publish>(m1.take_packets());
  ASSERT_EQ(resent.size(), 1u);
  EXPECT_EQ(resent[0].payload.view(), held);
  EXPECT_TRUE(resent[0].dup);

  // Now its session ends with a QoS 2 message in flight: dropped with it.
  m1.set_auto_ack(false);
  m1.clear_messages();
  publish_until_m1_has(1, qos::exactly_once);
  m2.clear_messages();
  m1.disconnect(mqtt::reason_code::normal_disconnection, 0);  // session expiry 0: ends
  EXPECT_TRUE(m2.messages().empty()) << describe(m2.packets());
}

// A member that refuses a message (PUBACK >= 0x80) has completed it: it
// goes to nobody else [MQTT-4.8.2-6].
TEST_F(SharedGroup, RefusedMessageIsNotSentToAnotherMember_MQTT_4_8_2_6) {
  join();
  m1.set_auto_ack(false);
  publish_until_m1_has(1);
  const auto& p = m1.messages().at(0);
  m1.conn().send(mqtt::puback{p.id, mqtt::reason_code::unspecified_error, {}}, v::v5);
  w.settle();
  m2.clear_messages();
  m1.drop();
  EXPECT_TRUE(m2.messages().empty()) << describe(m2.packets());
}

// --- retained messages and copies ------------------------------------------------

// Retained messages are not sent on a shared subscription (spec 4.8.2:
// "retained messages are not sent to the Session when it establishes a
// new Shared Subscription").
TEST_F(SharedGroup, RetainedNotSentOnSharedSubscribe) {
  ASSERT_TRUE(pub.connect());
  ASSERT_TRUE(m1.connect());
  pub.publish("jobs", "kept", qos::at_least_once, /*retain=*/true);
  ASSERT_TRUE(m1.subscribe("$share/g/jobs", qos::at_least_once));
  EXPECT_TRUE(m1.messages().empty());
  ASSERT_TRUE(m1.subscribe("jobs", qos::at_least_once));
  EXPECT_EQ(m1.payloads(), (std::vector<std::string>{"kept"})) << "an ordinary one does";
}

// A client with a shared and an ordinary subscription that both match gets
// a copy from each (spec 4.8.2), not one merged copy.
TEST_F(SharedGroup, SharedAndOrdinarySubscriptionEachGiveACopy) {
  ASSERT_TRUE(pub.connect());
  ASSERT_TRUE(m1.connect());
  ASSERT_TRUE(m1.subscribe("$share/g/jobs", qos::at_least_once));
  ASSERT_TRUE(m1.subscribe("jobs", qos::at_least_once));
  pub.publish("jobs", "x", qos::at_least_once);
  EXPECT_EQ(m1.payloads(), (std::vector<std::string>{"x", "x"}));
}

// --- persistence ----------------------------------------------------------------------

// The store is a base so that it exists before the broker that uses it.
struct store_first {
  test_store store;
};
struct SharedGroupStored : store_first, SharedGroup {
  SharedGroupStored() : SharedGroup({}, &store) {}
};

// A moved delivery leaves the old session's store record and is stored for
// its new member the way routing stores it.
TEST_F(SharedGroupStored, MovedDeliveryIsForgottenThenStoredForTheNewMember) {
  join(persistent(), qos::at_least_once, persistent());
  m1.set_auto_ack(false);
  publish_until_m1_has(1);
  const auto m1_stored = store.recorded<store::put_delivery>();
  ASSERT_FALSE(m1_stored.empty());
  const auto& original = m1_stored.back();
  const auto puts_before = m1_stored.size();
  m1.drop();

  const auto removed = store.recorded<store::remove_delivery>();
  EXPECT_TRUE(std::any_of(removed.begin(), removed.end(), [&](const auto& r) {
    return r.session_id == original.session_id && r.seq == original.delivery.store_seq;
  })) << "forgotten by m1's session";
  const auto puts = store.recorded<store::put_delivery>();
  ASSERT_EQ(puts.size(), puts_before + 1);
  EXPECT_NE(puts.back().session_id, original.session_id);
  EXPECT_EQ(puts.back().delivery.message, original.delivery.message) << "stored for m2";
}

}  // namespace
}  // namespace tern::broker::test
