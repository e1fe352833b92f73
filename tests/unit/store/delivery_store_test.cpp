// Deliveries and the messages they refer to: order, per-delivery fields,
// v5 properties, one message row per payload with counted references, and
// the sent/released marks a restart resumes from.

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "store/sqlite_store.hpp"
#include "store_fixture.hpp"

namespace tern::store::testing {
namespace {

using mqtt::protocol_version;
using mqtt::qos;

std::vector<std::uint64_t> seqs_of(const restored_state& s, std::uint64_t session_id) {
  std::vector<std::uint64_t> out;
  for (const auto& d : s.deliveries)
    if (d.session_id == session_id) out.push_back(d.delivery.store_seq);
  return out;
}

using StoreDeliveries = store_test;

TEST_F(StoreDeliveries, RestoredPerSessionInSeqOrder) {
  const auto m = make_message(1, "t", "x");
  write({put_session{make_session(1, "a")}, put_session{make_session(2, "b")},
         make_delivery(1, 9, m), make_delivery(2, 3, m), make_delivery(1, 2, m),
         make_delivery(1, 500, m), make_delivery(2, 1, m), make_delivery(1, 5, m)});

  const auto got = reopen();
  ASSERT_EQ(got.deliveries.size(), 6u);
  EXPECT_EQ(seqs_of(got, 1), (std::vector<std::uint64_t>{2, 5, 9, 500}));
  EXPECT_EQ(seqs_of(got, 2), (std::vector<std::uint64_t>{1, 3}));
  // Each session's deliveries come together.
  EXPECT_EQ(got.deliveries[0].session_id, got.deliveries[3].session_id);
}

TEST_F(StoreDeliveries, QosRetainAndSubscriptionIdsRoundTrip) {
  const auto m = make_message(1, "t", "x", qos::exactly_once, true);
  auto a = make_delivery(1, 1, m, qos::exactly_once);
  a.delivery.retain = true;
  a.delivery.subscription_ids = {1, 268'435'455, 70'000};
  auto b = make_delivery(1, 2, m, qos::at_least_once);
  b.delivery.retain = false;
  write({put_session{make_session(1, "a")}, a, b});

  const auto got = reopen();
  ASSERT_EQ(got.deliveries.size(), 2u);
  const auto& ra = got.deliveries[0].delivery;
  const auto& rb = got.deliveries[1].delivery;
  EXPECT_EQ(ra.store_seq, 1u);
  EXPECT_EQ(ra.qos, qos::exactly_once);
  EXPECT_TRUE(ra.retain);
  EXPECT_EQ(ra.subscription_ids, (std::vector<std::uint32_t>{1, 268'435'455, 70'000}));
  EXPECT_EQ(rb.store_seq, 2u);
  EXPECT_EQ(rb.qos, qos::at_least_once);
  EXPECT_FALSE(rb.retain);
  EXPECT_TRUE(rb.subscription_ids.empty());
  EXPECT_EQ(got.deliveries[0].packet_id, 0);
  EXPECT_FALSE(got.deliveries[0].released);
}

TEST_F(StoreDeliveries, MessageWithV5PropertiesDecodesIdentically) {
  auto m = std::make_shared<mqtt::application_message>();
  m->id = 77;
  m->publisher = 12;
  m->expires_at = at_ms(1'700'000'123'456);
  m->packet.topic = "sensors/ü/temp";
  m->packet.qos = qos::exactly_once;
  m->packet.retain = true;
  m->packet.payload = mqtt::shared_bytes::copy_of(std::string_view("\x00\x01{\"t\":21.5}", 12));
  auto& p = m->packet.properties;
  p.payload_format_indicator = 1;
  p.message_expiry_interval = 3600;
  p.content_type = "application/json";
  p.response_topic = "replies/a";
  p.correlation_data = std::string("\x00\xfe\x01", 3);
  p.user = {{"z", "last"}, {"a", "first"}, {"z", "again"}, {"", ""}};
  write({put_session{make_session(1, "a")}, make_delivery(1, 1, m, qos::exactly_once)});

  const auto got = reopen();
  ASSERT_EQ(got.deliveries.size(), 1u);
  const auto& r = got.deliveries[0].delivery.message;
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->id, 77u);
  EXPECT_EQ(r->publisher, 12u);
  ASSERT_TRUE(r->expires_at.has_value());
  EXPECT_EQ(*r->expires_at, at_ms(1'700'000'123'456));
  EXPECT_EQ(r->packet, m->packet);
  EXPECT_EQ(r->packet.properties.user[0].first, "z");
  EXPECT_EQ(r->packet.properties.user[2].second, "again");
  EXPECT_EQ(r->packet.qos, qos::exactly_once);
  EXPECT_EQ(got.max_message_id, 77u);
}

TEST_F(StoreDeliveries, MessageWithoutExpiryRestoresWithout) {
  write({put_session{make_session(1, "a")}, make_delivery(1, 1, make_message(3, "t", ""))});
  const auto got = reopen();
  ASSERT_EQ(got.deliveries.size(), 1u);
  EXPECT_FALSE(got.deliveries[0].delivery.message->expires_at.has_value());
  EXPECT_TRUE(got.deliveries[0].delivery.message->packet.payload.empty());
  EXPECT_EQ(got.deliveries[0].delivery.message->packet.topic, "t");
}

TEST_F(StoreDeliveries, MessageOfTwoSessionsIsStoredOnceUntilBothAreDone) {
  const auto m = make_message(8, "news", "big payload");
  write({put_session{make_session(1, "a")}, put_session{make_session(2, "b")},
         make_delivery(1, 1, m), make_delivery(2, 1, m)});
  EXPECT_EQ(message_rows(), 1);
  EXPECT_EQ(refs(8), 2);
  {
    const auto got = reopen();
    ASSERT_EQ(got.deliveries.size(), 2u);
    // Stored once; each session reads it back with its own queue.
    EXPECT_EQ(got.deliveries[0].delivery.message->packet.payload.view(), "big payload");
    EXPECT_EQ(got.deliveries[1].delivery.message->packet.payload.view(), "big payload");
  }

  write({remove_delivery{1, 1}});
  EXPECT_EQ(refs(8), 1);
  {
    const auto got = reopen();
    ASSERT_EQ(got.deliveries.size(), 1u);
    EXPECT_EQ(got.deliveries[0].session_id, 2u);
    EXPECT_EQ(got.deliveries[0].delivery.message->packet.payload.view(), "big payload");
  }

  write({remove_delivery{2, 1}});
  EXPECT_EQ(message_rows(), 0);
  EXPECT_TRUE(reopen().deliveries.empty());
}

// The group a shared subscription chose the receiver by is kept, queued or
// sent, so that after a restart the delivery can still move to another
// member (spec 4.8.2).
TEST_F(StoreDeliveries, ShareGroupRoundTrips) {
  const auto m = make_message(1, "t", "x");
  auto queued = make_delivery(1, 1, m);
  queued.delivery.share = std::make_shared<const std::string>("$share/g/t");
  auto sent = make_delivery(1, 2, m);
  sent.delivery.share = std::make_shared<const std::string>("$share/other/#");
  write({put_session{make_session(1, "a")}, queued, sent, make_delivery(1, 3, m),
         mark_delivery_sent{1, 2, 7, false}});

  const auto got = reopen();
  ASSERT_EQ(got.deliveries.size(), 3u);
  ASSERT_NE(got.deliveries[0].delivery.share, nullptr);
  EXPECT_EQ(*got.deliveries[0].delivery.share, "$share/g/t");
  ASSERT_NE(got.deliveries[1].delivery.share, nullptr);
  EXPECT_EQ(*got.deliveries[1].delivery.share, "$share/other/#");
  EXPECT_EQ(got.deliveries[1].packet_id, 7);
  EXPECT_EQ(got.deliveries[2].delivery.share, nullptr);
}

// $SYS/broker/store/messages/{count,bytes}: what the store holds, each
// message once however many receivers it has; counted at restore and after
// writes once a count is due (here: at once).
TEST_F(StoreDeliveries, MessagesHeldAreCounted) {
  const auto two_receivers = make_message(1, "t", "shared");
  const auto one_receiver = make_message(2, "t", "single");
  {
    sqlite_store s(path(), sync_level::normal, std::chrono::steady_clock::duration::zero());
    EXPECT_EQ(s.stats().messages, 0u);
    std::vector<store_op> ops{put_session{make_session(1, "a")}, put_session{make_session(2, "b")},
                              make_delivery(1, 1, two_receivers),
                              make_delivery(2, 1, two_receivers),
                              make_delivery(1, 2, one_receiver)};
    s.submit_all(ops);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (s.stats().messages != 2 && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    EXPECT_EQ(s.stats().messages, 2u);
    EXPECT_GT(s.stats().message_bytes, std::string("shared").size() + std::string("single").size());
    s.flush_and_stop();
  }
  sqlite_store again(path(), sync_level::normal);
  again.restore();
  EXPECT_EQ(again.stats().messages, 2u);
}

TEST_F(StoreDeliveries, SentAndReleasedMarksRoundTrip) {
  const auto m = make_message(1, "t", "x", qos::exactly_once);
  write({put_session{make_session(1, "a")}, make_delivery(1, 1, m, qos::exactly_once),
         make_delivery(1, 2, m, qos::exactly_once), make_delivery(1, 3, m, qos::exactly_once),
         mark_delivery_sent{1, 1, 17, false}, mark_delivery_sent{1, 2, 18, false}});
  write({mark_delivery_sent{1, 2, 18, true}, mark_delivery_sent{1, 99, 5, false}});

  const auto got = reopen();
  ASSERT_EQ(got.deliveries.size(), 3u);
  EXPECT_EQ(got.deliveries[0].packet_id, 17);
  EXPECT_FALSE(got.deliveries[0].released);
  EXPECT_EQ(got.deliveries[1].packet_id, 18);
  EXPECT_TRUE(got.deliveries[1].released);
  EXPECT_EQ(got.deliveries[2].packet_id, 0);
  EXPECT_FALSE(got.deliveries[2].released);
}

TEST_F(StoreDeliveries, RemoveSessionTakesEverythingOfItsOwn) {
  const auto own = make_message(1, "own", "x");
  const auto shared = make_message(2, "shared", "y");
  mqtt::will_message will;
  will.topic = "w";
  write({put_session{make_session(1, "a")}, put_session{make_session(2, "b")},
         put_subscription{1, "a/#", {qos::at_least_once}, 0},
         put_subscription{2, "b/#", {qos::at_least_once}, 0}, make_delivery(1, 1, own),
         make_delivery(1, 2, shared), make_delivery(2, 1, shared), put_inbound_qos2{1, 4},
         put_inbound_qos2{2, 5}, put_will{1, will, at_ms(1)}, put_will{2, will, at_ms(2)}});
  EXPECT_EQ(message_rows(), 1) << "own is inline in its delivery, shared has a row";

  write({remove_session{1}});
  // Before any restore (which also sweeps), the writer itself cleaned up.
  EXPECT_EQ(query("SELECT count(*) FROM subscriptions WHERE session_id = 1"), 0);
  EXPECT_EQ(query("SELECT count(*) FROM deliveries WHERE session_id = 1"), 0);
  EXPECT_EQ(message_rows(), 1);
  EXPECT_EQ(refs(1), -1);
  EXPECT_EQ(refs(2), 1);

  const auto got = reopen();
  ASSERT_EQ(got.sessions.size(), 1u);
  EXPECT_EQ(got.sessions[0].id, 2u);
  ASSERT_EQ(got.subscriptions.size(), 1u);
  EXPECT_EQ(got.subscriptions[0].session_id, 2u);
  ASSERT_EQ(got.deliveries.size(), 1u);
  EXPECT_EQ(got.deliveries[0].session_id, 2u);
  EXPECT_EQ(got.deliveries[0].delivery.message->id, 2u);
  ASSERT_EQ(got.inbound_qos2.size(), 1u);
  EXPECT_EQ(got.inbound_qos2[0].session_id, 2u);
  ASSERT_EQ(got.wills.size(), 1u);
  EXPECT_EQ(got.wills[0].session_id, 2u);
}

TEST_F(StoreDeliveries, OrphanRowsAreDroppedAtRestore) {
  const auto lost = make_message(1, "lost", "x");
  const auto kept = make_message(2, "kept", "y");
  mqtt::will_message will;
  will.topic = "w";
  // Session 99 has no session row (e.g. it was replaced before its rows
  // were written under it).
  write({put_session{make_session(1, "a")}, make_delivery(99, 1, lost), make_delivery(99, 2, kept),
         make_delivery(1, 1, kept), put_subscription{99, "x", {qos::at_least_once}, 0},
         put_inbound_qos2{99, 1}, put_will{99, will, at_ms(1)}});
  EXPECT_EQ(message_rows(), 1) << "lost is inline in its delivery, kept has a row";
  EXPECT_EQ(refs(2), 2);

  const auto got = reopen();
  ASSERT_EQ(got.deliveries.size(), 1u);
  EXPECT_EQ(got.deliveries[0].session_id, 1u);
  EXPECT_EQ(got.deliveries[0].delivery.message->id, 2u);
  EXPECT_TRUE(got.subscriptions.empty());
  EXPECT_TRUE(got.inbound_qos2.empty());
  EXPECT_TRUE(got.wills.empty());
  EXPECT_EQ(message_rows(), 1);
  EXPECT_EQ(refs(1), -1);
  EXPECT_EQ(refs(2), 1);
  EXPECT_EQ(query("SELECT count(*) FROM deliveries"), 1);
}

}  // namespace
}  // namespace tern::store::testing
