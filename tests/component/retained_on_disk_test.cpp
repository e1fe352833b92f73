// With a store, a retained message's body leaves memory once it is
// committed, and a new subscription reads it back (README, "Retained
// messages on disk"). A test_store commits and hands reads over only when
// told, so each test sees what comes from memory and what from the store,
// and what happens to a topic set anew while its old message is read.
#include <gtest/gtest.h>

#include "broker_world.hpp"

namespace tern::broker::test {
namespace {

using v = protocol_version;

struct RetainedOnDisk : ::testing::Test {
  RetainedOnDisk() {
    store.auto_commit = false;
    pub.connect();
    sub.connect();
  }
  void commit() {
    store.commit();
    w.settle();
  }
  // Publishes a retained message and commits it.
  void retain(const std::string& topic, const std::string& payload) {
    const auto id = pub.publish(topic, payload, qos::at_least_once, /*retain=*/true);
    EXPECT_FALSE(pub.completed(id)) << "PUBACK before the retained slot was stored";
    commit();
    EXPECT_TRUE(pub.completed(id));
  }
  test_store store;
  world w{2, {}, &store};
  test_client pub{w, "pub", v::v3_1_1, 0};
  test_client sub{w, "sub", v::v5, 1};
};

TEST_F(RetainedOnDisk, ACommittedMessageIsReadFromTheStoreForANewSubscriber) {
  retain("r/1", "one");
  retain("r/2", "two");
  ASSERT_TRUE(sub.subscribe("r/+", qos::at_least_once));
  EXPECT_EQ(store.message_reads, 1u) << "one read for every message the filter matched";
  EXPECT_TRUE(sub.messages().empty()) << "sent before the store read it";
  commit();
  ASSERT_EQ(sub.messages().size(), 2u);
  std::set<std::string> got;
  for (const auto& m : sub.messages()) {
    EXPECT_TRUE(m.retain) << m.topic;
    got.insert(m.topic + "=" + std::string(m.payload.view()));
  }
  EXPECT_EQ(got, (std::set<std::string>{"r/1=one", "r/2=two"}));
}

TEST_F(RetainedOnDisk, AMessageNotYetCommittedIsSentFromMemory) {
  pub.publish("r", "fresh", qos::at_least_once, /*retain=*/true);
  ASSERT_TRUE(sub.subscribe("r", qos::at_least_once));
  EXPECT_EQ(store.message_reads, 0u);
  EXPECT_EQ(sub.payloads(), std::vector<std::string>{"fresh"});
  EXPECT_TRUE(sub.messages()[0].retain);
}

TEST_F(RetainedOnDisk, ATopicSetAnewWhileItsMessageIsReadGetsOnlyTheNewOne) {
  retain("r", "old");
  ASSERT_TRUE(sub.subscribe("r", qos::at_least_once));
  ASSERT_EQ(store.message_reads, 1u);
  // Routed to the new subscription as it arrives; the old one, read after,
  // would overwrite the subscriber's idea of the topic's state.
  pub.publish("r", "new", qos::at_least_once, /*retain=*/true);
  EXPECT_EQ(sub.payloads(), std::vector<std::string>{"new"});
  commit();
  EXPECT_EQ(sub.payloads(), std::vector<std::string>{"new"});
}

TEST_F(RetainedOnDisk, ATopicClearedWhileItsMessageIsReadGetsNothingMore) {
  retain("r", "old");
  ASSERT_TRUE(sub.subscribe("r", qos::at_least_once));
  pub.publish("r", "", qos::at_least_once, /*retain=*/true);
  sub.clear_messages();  // the empty message itself reaches current subscribers
  commit();
  EXPECT_TRUE(sub.messages().empty());
  EXPECT_EQ(w.b.retained_count(), 0u);
}

TEST_F(RetainedOnDisk, UnsubscribedWhileReadGetsNothing) {
  retain("r", "old");
  ASSERT_TRUE(sub.subscribe("r", qos::at_least_once));
  ASSERT_TRUE(sub.unsubscribe("r"));
  commit();
  EXPECT_TRUE(sub.messages().empty());
}

TEST_F(RetainedOnDisk, AQoS1ReadMessageIsStoredForAPersistentSubscriber) {
  retain("r", "kept");
  test_client keeper(w, "keeper", v::v3_1_1, 1);
  connect_options persistent;
  persistent.clean_start = false;
  keeper.connect(persistent);
  commit();
  ASSERT_TRUE(keeper.connected());
  keeper.subscribe("r", qos::at_least_once);
  commit();  // the SUBACK's record, and the read
  ASSERT_EQ(keeper.payloads(), std::vector<std::string>{"kept"});
  const auto puts = store.recorded<store::put_delivery>();
  ASSERT_EQ(puts.size(), 1u);
  EXPECT_EQ(puts[0].delivery.message->packet.payload.view(), "kept");
}

}  // namespace
}  // namespace tern::broker::test
