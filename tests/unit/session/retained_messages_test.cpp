// Which retained messages stay in memory: held until their store position
// commits, released after, and never read in when restored.
#include "session/retained_messages.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace tern::broker {
namespace {

mqtt::message_ptr message(std::uint64_t id, std::string topic, std::string payload) {
  auto m = std::make_shared<mqtt::application_message>();
  m->id = id;
  m->packet.topic = std::move(topic);
  m->packet.payload = mqtt::shared_bytes::copy_of(std::string_view(payload));
  m->packet.retain = true;
  return m;
}

TEST(RetainedMessages, HeldUntilTheirPositionCommits) {
  retained_messages r;
  r.set(message(1, "a", "x"));
  r.set(message(2, "b", "y"));
  r.stored("a", 1, 10);
  r.stored("b", 2, 11);
  EXPECT_EQ(r.held_count(), 2u);
  r.release_committed(10);
  EXPECT_EQ(r.held_count(), 1u);
  const auto found = r.match("#");
  ASSERT_EQ(found.held.size(), 1u);
  EXPECT_EQ(found.held[0]->id, 2u);
  EXPECT_EQ(found.stored_topics, std::vector<std::string>{"a"});
  EXPECT_EQ(found.stored_ids, std::vector<std::uint64_t>{1});
  r.release_committed(11);
  EXPECT_EQ(r.held_count(), 0u);
  EXPECT_EQ(r.size(), 2u);
}

TEST(RetainedMessages, AReplacedMessageIsNotReleasedForItsPredecessor) {
  retained_messages r;
  r.set(message(1, "a", "old"));
  r.stored("a", 1, 10);
  r.set(message(2, "a", "new"));  // its position not known yet
  r.release_committed(10);
  EXPECT_EQ(r.held_count(), 1u) << "the new message's store write may not be committed";
  EXPECT_FALSE(r.is_current("a", 1));
  EXPECT_TRUE(r.is_current("a", 2));
}

TEST(RetainedMessages, RestoredOnesAreNeverHeldAndAnEmptyPayloadErases) {
  retained_messages r;
  r.restore("a/b", 7);
  EXPECT_EQ(r.held_count(), 0u);
  EXPECT_TRUE(r.is_current("a/b", 7));
  EXPECT_FALSE(r.is_current("a/c", 0)) << "an absent topic matches no id";
  r.set(message(8, "a/b", ""));
  EXPECT_EQ(r.size(), 0u);
  EXPECT_FALSE(r.is_current("a/b", 7));
  EXPECT_TRUE(r.match("#").stored_ids.empty());
}

TEST(RetainedMessages, BrokerMadeMessagesStayInMemory) {
  retained_messages r;
  r.set(message(0, "$SYS/x", "1"));  // id 0: never stored
  r.release_committed(~std::uint64_t{0});
  EXPECT_EQ(r.held_count(), 1u);
  EXPECT_EQ(r.match("$SYS/#").held.size(), 1u);
}

}  // namespace
}  // namespace tern::broker
