// Sessions, subscriptions, inbound QoS 2 ids and wills: written by one
// sqlite_store, read back by a new one on the same file.

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <string>

#include "store/sqlite_store.hpp"
#include "store_fixture.hpp"

namespace tern::store::testing {
namespace {

using mqtt::protocol_version;
using mqtt::qos;
using namespace std::chrono_literals;

const session_record* find_session(const restored_state& s, std::uint64_t id) {
  auto it = std::find_if(s.sessions.begin(), s.sessions.end(),
                         [&](const session_record& r) { return r.id == id; });
  return it == s.sessions.end() ? nullptr : &*it;
}

const put_subscription* find_subscription(const restored_state& s, std::uint64_t session_id,
                                          const std::string& filter) {
  auto it = std::find_if(s.subscriptions.begin(), s.subscriptions.end(), [&](const auto& r) {
    return r.session_id == session_id && r.filter == filter;
  });
  return it == s.subscriptions.end() ? nullptr : &*it;
}

using StoreSessions = store_test;

TEST_F(StoreSessions, AllFieldsRoundTrip) {
  write({put_session{make_session(1, "connected", protocol_version::v3_1_1, 0)},
         put_session{
             make_session(2, "gone", protocol_version::v5, 0xFFFFFFFF, at_ms(1'700'000'000'123))},
         put_session{make_session(3, "old", protocol_version::v3_1, 7)}});

  const auto got = reopen();
  ASSERT_EQ(got.sessions.size(), 3u);
  const auto* a = find_session(got, 1);
  const auto* b = find_session(got, 2);
  const auto* c = find_session(got, 3);
  ASSERT_TRUE(a && b && c);
  EXPECT_EQ(a->client_id, "connected");
  EXPECT_EQ(a->version, protocol_version::v3_1_1);
  EXPECT_EQ(a->expiry_interval, 0u);
  EXPECT_FALSE(a->disconnected_at.has_value());
  EXPECT_EQ(b->client_id, "gone");
  EXPECT_EQ(b->version, protocol_version::v5);
  EXPECT_EQ(b->expiry_interval, 0xFFFFFFFFu);
  ASSERT_TRUE(b->disconnected_at.has_value());
  EXPECT_EQ(*b->disconnected_at, at_ms(1'700'000'000'123));
  EXPECT_EQ(c->version, protocol_version::v3_1);
  EXPECT_EQ(c->expiry_interval, 7u);
  EXPECT_EQ(got.max_session_id, 3u);
}

TEST_F(StoreSessions, DisconnectedAtKeepsMillisecondsAndDropsFinerParts) {
  write({put_session{make_session(1, "c", protocol_version::v5, 60, at_ms(1'234'567) + 999us)}});
  const auto got = reopen();
  ASSERT_EQ(got.sessions.size(), 1u);
  ASSERT_TRUE(got.sessions[0].disconnected_at.has_value());
  EXPECT_EQ(*got.sessions[0].disconnected_at, at_ms(1'234'567));
}

TEST_F(StoreSessions, PutSessionAgainUpdatesTheRow) {
  write({put_session{make_session(4, "c", protocol_version::v5, 60, at_ms(5000))}});
  // Reconnected: connected again (no disconnect time), new expiry.
  write({put_session{make_session(4, "c", protocol_version::v3_1_1, 120)}});
  const auto got = reopen();
  ASSERT_EQ(got.sessions.size(), 1u);
  EXPECT_EQ(got.sessions[0].id, 4u);
  EXPECT_EQ(got.sessions[0].version, protocol_version::v3_1_1);
  EXPECT_EQ(got.sessions[0].expiry_interval, 120u);
  EXPECT_FALSE(got.sessions[0].disconnected_at.has_value());
}

TEST_F(StoreSessions, NewSessionIdForSameClientReplacesTheOldSession) {
  const auto m = make_message(50, "t", "p");
  mqtt::will_message will;
  will.topic = "w";
  write({put_session{make_session(1, "c")}, put_subscription{1, "old/#", {qos::at_least_once}, 0},
         make_delivery(1, 1, m), put_inbound_qos2{1, 9}, put_will{1, will, at_ms(1)}});
  write({put_session{make_session(2, "c", protocol_version::v5, 30)},
         put_subscription{2, "new", {qos::exactly_once}, 0}});

  const auto got = reopen();
  ASSERT_EQ(got.sessions.size(), 1u);
  EXPECT_EQ(got.sessions[0].id, 2u);
  EXPECT_EQ(got.sessions[0].client_id, "c");
  EXPECT_EQ(got.sessions[0].expiry_interval, 30u);
  ASSERT_EQ(got.subscriptions.size(), 1u);
  EXPECT_EQ(got.subscriptions[0].session_id, 2u);
  EXPECT_EQ(got.subscriptions[0].filter, "new");
  EXPECT_TRUE(got.deliveries.empty());
  EXPECT_TRUE(got.inbound_qos2.empty());
  EXPECT_TRUE(got.wills.empty());
  EXPECT_EQ(message_rows(), 0);
  EXPECT_EQ(got.max_session_id, 2u);
}

using StoreSubscriptions = store_test;

TEST_F(StoreSubscriptions, OptionBitsAndIdentifierRoundTrip) {
  const mqtt::subscription_options plain{qos::at_most_once, false, false, 0};
  const mqtt::subscription_options all{qos::exactly_once, true, true, 2};
  const mqtt::subscription_options mixed{qos::at_least_once, false, true, 1};
  const mqtt::subscription_options local{qos::at_most_once, true, false, 0};
  write({put_session{make_session(1, "a")}, put_session{make_session(2, "b")},
         put_subscription{1, "a/+/c", plain, 0}, put_subscription{1, "#", all, 268'435'455},
         put_subscription{2, "x", mixed, 1}, put_subscription{2, "$SYS/#", local, 77}});

  const auto got = reopen();
  ASSERT_EQ(got.subscriptions.size(), 4u);
  struct expected {
    std::uint64_t session;
    const char* filter;
    mqtt::subscription_options options;
    std::uint32_t identifier;
  };
  for (const expected& e : {expected{1, "a/+/c", plain, 0}, expected{1, "#", all, 268'435'455},
                            expected{2, "x", mixed, 1}, expected{2, "$SYS/#", local, 77}}) {
    SCOPED_TRACE(e.filter);
    const auto* s = find_subscription(got, e.session, e.filter);
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(s->options, e.options);
    EXPECT_EQ(s->identifier, e.identifier);
  }
}

TEST_F(StoreSubscriptions, PutAgainReplacesAndRemoveRemovesOne) {
  write({put_session{make_session(1, "a")}, put_subscription{1, "t", {qos::at_most_once}, 5},
         put_subscription{1, "u", {qos::at_least_once}, 6}});
  write({put_subscription{1, "t", {qos::exactly_once, true, false, 1}, 8},
         remove_subscription{1, "u"}, remove_subscription{1, "never-subscribed"}});

  const auto got = reopen();
  ASSERT_EQ(got.subscriptions.size(), 1u);
  EXPECT_EQ(got.subscriptions[0].filter, "t");
  EXPECT_EQ(got.subscriptions[0].options,
            (mqtt::subscription_options{qos::exactly_once, true, false, 1}));
  EXPECT_EQ(got.subscriptions[0].identifier, 8u);
}

using StoreInboundQos2 = store_test;

TEST_F(StoreInboundQos2, PutAndRemove) {
  write({put_session{make_session(1, "a")}, put_session{make_session(2, "b")},
         put_inbound_qos2{1, 1}, put_inbound_qos2{1, 2}, put_inbound_qos2{1, 65535},
         put_inbound_qos2{2, 2}, put_inbound_qos2{1, 2}});
  write({remove_inbound_qos2{1, 2}, remove_inbound_qos2{2, 3}});

  auto got = reopen();
  std::vector<std::pair<std::uint64_t, mqtt::packet_id>> ids;
  for (const auto& i : got.inbound_qos2)
    ids.emplace_back(i.session_id, i.packet_id);
  std::sort(ids.begin(), ids.end());
  const std::vector<std::pair<std::uint64_t, mqtt::packet_id>> expected = {
      {1, 1}, {1, 65535}, {2, 2}};
  EXPECT_EQ(ids, expected);
}

using StoreWills = store_test;

mqtt::will_message full_will() {
  mqtt::will_message w;
  w.topic = "clients/a/status";
  w.payload = mqtt::shared_bytes::copy_of(std::string_view("off\0line", 8));
  w.qos = qos::exactly_once;
  w.retain = true;
  w.properties.will_delay_interval = 30;
  w.properties.payload_format_indicator = 1;
  w.properties.message_expiry_interval = 600;
  w.properties.content_type = "text/plain";
  w.properties.response_topic = "clients/a/reply";
  w.properties.correlation_data = std::string("\x00\x01\xff", 3);
  w.properties.user = {{"b", "1"}, {"a", "2"}, {"b", "3"}};
  return w;
}

TEST_F(StoreWills, PutRoundTripsEverythingButTheDelay) {
  mqtt::will_message small;
  small.topic = "x";
  write({put_session{make_session(1, "a")}, put_session{make_session(2, "b")},
         put_will{1, full_will(), at_ms(1'700'000'030'500)}, put_will{2, small, at_ms(42)}});

  const auto got = reopen();
  ASSERT_EQ(got.wills.size(), 2u);
  const auto& w1 = got.wills[0].session_id == 1 ? got.wills[0] : got.wills[1];
  const auto& w2 = got.wills[0].session_id == 1 ? got.wills[1] : got.wills[0];
  ASSERT_EQ(w1.session_id, 1u);
  ASSERT_EQ(w2.session_id, 2u);
  // The delay is kept as `due`, not as the property.
  auto expected = full_will();
  expected.properties.will_delay_interval.reset();
  EXPECT_EQ(w1.will, expected);
  EXPECT_EQ(w1.will.qos, qos::exactly_once);
  EXPECT_TRUE(w1.will.retain);
  EXPECT_EQ(w1.due, at_ms(1'700'000'030'500));
  EXPECT_EQ(w2.will, small);
  EXPECT_EQ(w2.due, at_ms(42));
}

TEST_F(StoreWills, PutAgainReplacesAndRemoveRemoves) {
  mqtt::will_message first;
  first.topic = "first";
  mqtt::will_message second;
  second.topic = "second";
  second.qos = qos::at_least_once;
  write({put_session{make_session(1, "a")}, put_session{make_session(2, "b")},
         put_will{1, first, at_ms(10)}, put_will{2, first, at_ms(20)}});
  write({put_will{1, second, at_ms(11)}, remove_will{2}});

  const auto got = reopen();
  ASSERT_EQ(got.wills.size(), 1u);
  EXPECT_EQ(got.wills[0].session_id, 1u);
  EXPECT_EQ(got.wills[0].will, second);
  EXPECT_EQ(got.wills[0].due, at_ms(11));
}

using StoreIds = store_test;

TEST_F(StoreIds, EmptyStoreHasNoIds) {
  const auto got = reopen();
  EXPECT_EQ(got.max_session_id, 0u);
  EXPECT_EQ(got.max_message_id, 0u);
  EXPECT_TRUE(got.sessions.empty());
}

TEST_F(StoreIds, MaxSessionAndMessageIds) {
  write({put_session{make_session(3, "a")}, put_session{make_session(10, "b")},
         put_session{make_session(7, "c")}, make_delivery(3, 1, make_message(42, "t", "x")),
         make_delivery(7, 1, make_message(5, "t", "y")),
         put_retained{make_message(17, "r", "z", qos::at_most_once, true)}});
  const auto got = reopen();
  EXPECT_EQ(got.max_session_id, 10u);
  EXPECT_EQ(got.max_message_id, 42u);
}

}  // namespace
}  // namespace tern::store::testing
