// Retained messages: one slot per topic, sharing the message row with the
// deliveries of the same message.

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "store/sqlite_store.hpp"
#include "store_fixture.hpp"

namespace tern::store::testing {
namespace {

using mqtt::qos;

mqtt::message_ptr retained(std::uint64_t id, std::string topic, std::string_view payload) {
  return make_message(id, std::move(topic), payload, qos::at_least_once, true);
}

using StoreRetained = store_test;

TEST_F(StoreRetained, PutRoundTrips) {
  auto m = std::make_shared<mqtt::application_message>(*retained(4, "home/door", "open"));
  m->packet.properties.content_type = "text/plain";
  m->packet.properties.user = {{"k", "v"}};
  m->expires_at = at_ms(99'000);
  write({put_retained{m}, put_retained{retained(5, "home/light", "on")}});

  const auto got = retained_after_restart();
  ASSERT_EQ(got.size(), 2u);
  const auto& door = got[0];
  const auto& light = got[1];
  EXPECT_EQ(door->id, 4u);
  EXPECT_EQ(door->packet, m->packet);
  EXPECT_TRUE(door->packet.retain);
  EXPECT_EQ(door->publisher, m->publisher);
  EXPECT_EQ(door->expires_at, at_ms(99'000));
  EXPECT_EQ(light->packet.topic, "home/light");
  EXPECT_EQ(light->packet.payload.view(), "on");
  EXPECT_EQ(message_rows(), 2);
}

TEST_F(StoreRetained, ReplaceDeletesTheOldMessage) {
  write({put_retained{retained(1, "t", "old")}});
  write({put_retained{retained(2, "t", "new")}});
  EXPECT_EQ(message_rows(), 1);
  EXPECT_EQ(refs(1), -1);
  EXPECT_EQ(refs(2), 1);

  const auto got = retained_after_restart();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0]->id, 2u);
  EXPECT_EQ(got[0]->packet.payload.view(), "new");
}

TEST_F(StoreRetained, ReplaceTwiceInOneBatchKeepsOnlyTheLast) {
  write({put_retained{retained(1, "t", "a")}});
  write({put_retained{retained(2, "t", "b")}, put_retained{retained(3, "t", "c")}});
  EXPECT_EQ(message_rows(), 1);
  EXPECT_EQ(refs(3), 1);
  const auto got = retained_after_restart();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0]->packet.payload.view(), "c");
}

TEST_F(StoreRetained, RemoveDeletesSlotAndMessage) {
  write({put_retained{retained(1, "t", "x")}, put_retained{retained(2, "u", "y")}});
  write({remove_retained{"t"}, remove_retained{"never/set"}});
  EXPECT_EQ(message_rows(), 1);
  const auto got = retained_after_restart();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0]->packet.topic, "u");
}

TEST_F(StoreRetained, MessageAlsoQueuedSurvivesRemovalOfTheRetainedSlot) {
  const auto m = retained(6, "t", "both");
  write({put_session{make_session(1, "a")}, put_retained{m}, make_delivery(1, 1, m)});
  EXPECT_EQ(message_rows(), 1);
  EXPECT_EQ(refs(6), 2);

  write({remove_retained{"t"}});
  EXPECT_EQ(refs(6), 1);
  {
    const auto got = reopen();
    EXPECT_TRUE(got.retained.empty());
    ASSERT_EQ(got.deliveries.size(), 1u);
    EXPECT_EQ(got.deliveries[0].delivery.message->packet.payload.view(), "both");
  }

  write({remove_delivery{1, 1}});
  EXPECT_EQ(message_rows(), 0);
}

TEST_F(StoreRetained, MessageAlsoRetainedSurvivesItsDeliveryAndSession) {
  const auto m = retained(6, "t", "both");
  write({put_session{make_session(1, "a")}, make_delivery(1, 1, m)});
  EXPECT_EQ(refs(6), -1) << "one delivery: kept inline in its row";
  write({put_retained{m}});  // the retained slot gets a row of its own
  EXPECT_EQ(refs(6), 1);

  write({remove_delivery{1, 1}, remove_session{1}});
  EXPECT_EQ(refs(6), 1) << "the inline copy held no reference to the row";
  EXPECT_TRUE(reopen().deliveries.empty());
  const auto got = retained_after_restart();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0]->id, 6u);
  EXPECT_EQ(got[0]->packet.payload.view(), "both");

  write({remove_retained{"t"}});
  EXPECT_EQ(message_rows(), 0);
}

}  // namespace
}  // namespace tern::store::testing
