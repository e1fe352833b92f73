// The relay between two server engines (our broker's and the remote's),
// byte for byte: a message is acknowledged on the hop it came from only
// after the next hop acknowledged it, under the same packet id.
#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <vector>

#include "bridge/relay.hpp"
#include "mqtt/engine/server_engine.hpp"

namespace tern::bridge {
namespace {

using namespace tern::mqtt;

class relay_test : public ::testing::Test {
 protected:
  static bridge_options make_options() {
    bridge_options o;
    o.name = "t";
    o.remote_clientid = "r";
    o.local_clientid = "l";
    o.notifications = false;
    o.try_private = false;  // tern as the remote refuses the marker (test below)
    o.topics = {{"up/#", direction::out, qos::exactly_once, "", "site/"},
                {"down/#", direction::in, qos::exactly_once, "", "site/"}};
    return o;
  }

  // Moves bytes both ways until nothing moves; accepts both CONNECTs.
  void settle() {
    for (bool moved = true; moved;) {
      moved = false;
      std::vector<std::uint8_t> bytes;
      relay_.take_remote_output(bytes);
      if (!bytes.empty()) {
        moved = true;
        remote_.on_bytes(bytes, now_);
      }
      relay_.take_local_output(bytes);
      if (!bytes.empty()) {
        moved = true;
        local_.on_bytes(bytes, now_);
      }
      collect(remote_, remote_state_, remote_events_);
      collect(local_, local_state_, local_events_);
      remote_.take_output(bytes);
      if (!bytes.empty()) {
        moved = true;
        relay_.on_remote_bytes(bytes, now_);
      }
      local_.take_output(bytes);
      if (!bytes.empty()) {
        moved = true;
        relay_.on_local_bytes(bytes, now_);
      }
    }
  }
  void collect(server_engine& e, session_state& state, std::vector<engine_event>& into) {
    std::vector<engine_event> events;
    while (e.take_events(events)) {
      for (auto& ev : events) {
        if (std::holds_alternative<connect_requested>(ev)) {
          e.accept(state, false, {});
        } else if (auto* s = std::get_if<subscribe_requested>(&ev)) {
          e.send_suback({s->packet.id, {reason_code::granted_qos_2}, {}});
        } else {
          into.push_back(std::move(ev));
        }
      }
    }
  }
  // What `from` wrote, through the relay into `to` (one hop, no answers):
  // the PUBLISHes `to` received.
  std::vector<publish_received> one_hop(server_engine& from, server_engine& to,
                                        session_state& to_state,
                                        std::vector<engine_event>& to_events) {
    std::vector<std::uint8_t> bytes;
    from.take_output(bytes);
    if (&from == &local_) {
      relay_.on_local_bytes(bytes, now_);
      relay_.take_remote_output(bytes);
    } else {
      relay_.on_remote_bytes(bytes, now_);
      relay_.take_local_output(bytes);
    }
    to.on_bytes(bytes, now_);
    collect(to, to_state, to_events);
    return take<publish_received>(to_events);
  }
  void connect_both() {
    relay_.remote_opened(now_);
    settle();
    ASSERT_TRUE(relay_.is_up());
  }
  template <class T>
  std::vector<T> take(std::vector<engine_event>& events) {
    std::vector<T> out;
    for (auto& e : events)
      if (auto* t = std::get_if<T>(&e)) out.push_back(*t);
    events.clear();
    return out;
  }
  static delivery make_delivery(std::string topic, qos q) {
    auto m = std::make_shared<application_message>();
    m->packet.topic = std::move(topic);
    m->packet.payload = shared_bytes::copy_of("x");
    m->packet.qos = q;
    return delivery{m, q, false, {}, {}};
  }

  bridge_options options_ = make_options();  // before relay_, which keeps its topics
  steady_time now_{std::chrono::seconds(100)};
  relay relay_{options_, 65'535};
  engine_limits limits_;  // borrowed by the engines
  server_engine remote_{limits_, now_};
  server_engine local_{limits_, now_};
  session_state remote_state_, local_state_;
  std::vector<engine_event> remote_events_, local_events_;
};

TEST_F(relay_test, OutboundQos2CompletesLocallyOnlyAfterTheRemote) {
  connect_both();
  ASSERT_TRUE(local_.send_publish(make_delivery("up/a", qos::exactly_once)));
  const auto local_id = local_state_.outbound.back().id;
  // Hold the remote's answer: nothing may complete at home yet.
  auto received = one_hop(local_, remote_, remote_state_, remote_events_);
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0].packet.topic, "site/up/a");
  EXPECT_EQ(received[0].packet.id, local_id) << "the packet id crosses the bridge";
  std::vector<std::uint8_t> bytes;
  relay_.take_local_output(bytes);
  EXPECT_TRUE(bytes.empty()) << "no PUBREC at home before the remote's";
  ASSERT_EQ(local_state_.outbound.size(), 1u);

  remote_.acknowledge_publish(local_id, qos::exactly_once);
  settle();
  EXPECT_EQ(take<delivery_completed>(local_events_).size(), 1u) << "PUBREC, PUBREL, PUBCOMP";
  EXPECT_TRUE(local_state_.outbound.empty());
  EXPECT_EQ(take<release_received>(remote_events_).size(), 1u);
}

TEST_F(relay_test, InboundQos1IsAcknowledgedToTheRemoteAfterOurBroker) {
  connect_both();
  ASSERT_TRUE(remote_.send_publish(make_delivery("site/down/x", qos::at_least_once)));
  const auto id = remote_state_.outbound.back().id;
  auto received = one_hop(remote_, local_, local_state_, local_events_);
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0].packet.topic, "down/x");
  EXPECT_EQ(received[0].packet.id, id);
  std::vector<std::uint8_t> bytes;
  relay_.take_remote_output(bytes);
  EXPECT_TRUE(bytes.empty()) << "no PUBACK to the remote before our broker's";
  local_.acknowledge_publish(id, qos::at_least_once);
  settle();
  EXPECT_EQ(take<delivery_completed>(remote_events_).size(), 1u);
}

TEST_F(relay_test, RemoteCloseEndsTheLocalSessionConnectionToo) {
  connect_both();
  std::vector<relay_event> events;
  relay_.take_events(events);
  relay_.on_remote_closed();
  settle();
  ASSERT_TRUE(relay_.take_events(events));
  EXPECT_EQ(events.back(), relay_event::down);
  EXPECT_TRUE(local_.is_closed()) << "our broker saw DISCONNECT: the session queues again";
  EXPECT_EQ(take<disconnect_received>(local_events_).size(), 1u);
}

// The CONNECT the relay sent to the remote, as the remote decoded it.
TEST_F(relay_test, RemoteRefusingTheBridgeMarkerIsTriedAgainWithout) {
  options_.try_private = true;
  const auto sent_connect = [this] {
    std::vector<std::uint8_t> bytes;
    relay_.take_remote_output(bytes);
    server_engine remote(limits_, now_);
    remote.on_bytes(bytes, now_);
    std::vector<engine_event> events;
    remote.take_events(events);
    auto* c = events.empty() ? nullptr : std::get_if<connect_requested>(&events.front());
    return c ? std::optional<mqtt::connect>(*c->packet) : std::nullopt;
  };
  relay_.remote_opened(now_);
  const auto first = sent_connect();
  ASSERT_TRUE(first && first->bridge) << "3.1.1 with try_private: the marker";
  // A broker that does not know the marker answers "unacceptable protocol
  // level" (3.1.1 return code 1).
  const std::vector<std::uint8_t> refused{0x20, 0x02, 0x00, 0x01};
  relay_.on_remote_bytes(refused, now_);
  std::vector<relay_event> events;
  ASSERT_TRUE(relay_.take_events(events));
  EXPECT_EQ(events.back(), relay_event::down);
  EXPECT_EQ(relay_.last_reason(), reason_code::unsupported_protocol_version);
  relay_.remote_opened(now_);
  const auto second = sent_connect();
  ASSERT_TRUE(second);
  EXPECT_FALSE(second->bridge) << "tried again without the marker";
}

// tern as the remote knows the marker (mqtt::connect::bridge) and accepts it.
TEST_F(relay_test, TernAsRemoteAcceptsTheBridgeMarker) {
  options_.try_private = true;
  relay_.remote_opened(now_);
  settle();
  EXPECT_TRUE(relay_.is_up());
}

// start_type lazy: before any remote connection the local session is made
// persistent and subscribed, then left offline so our broker queues for it.
TEST_F(relay_test, PrimingSubscribesTheLocalSessionThenLeavesItOffline) {
  relay_.prime_local(now_);
  std::vector<relay_event> events;
  ASSERT_TRUE(relay_.take_events(events));
  EXPECT_EQ(events, std::vector<relay_event>{relay_event::open_local});
  std::vector<std::uint8_t> bytes;
  relay_.take_local_output(bytes);
  local_.on_bytes(bytes, now_);
  std::vector<engine_event> got;
  local_.take_events(got);
  ASSERT_EQ(got.size(), 1u);
  auto* c = std::get_if<connect_requested>(&got[0]);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->packet->client_id, "l");
  EXPECT_FALSE(c->packet->clean_start);
  EXPECT_EQ(c->packet->properties.session_expiry_interval, 0xFFFFFFFFu) << "persistent";
  EXPECT_EQ(c->packet->properties.receive_maximum, 1) << "at most one queued message comes";

  local_.accept(local_state_, true, {});
  local_.take_events(got);  // the SUBSCRIBE, read once the CONNECT was decided
  ASSERT_EQ(got.size(), 1u);
  auto* s = std::get_if<subscribe_requested>(&got[0]);
  ASSERT_NE(s, nullptr);
  ASSERT_EQ(s->packet.entries.size(), 1u) << "the out topic only";
  EXPECT_EQ(s->packet.entries[0].filter, "up/#");
  EXPECT_TRUE(s->packet.entries[0].options.no_local);

  // A message our broker had queued comes before the SUBACK.
  ASSERT_TRUE(local_.send_publish(make_delivery("up/a", qos::at_least_once)));
  local_.send_suback({s->packet.id, {reason_code::granted_qos_2}, {}});
  local_.take_output(bytes);
  relay_.on_local_bytes(bytes, now_);
  ASSERT_TRUE(relay_.take_events(events));
  EXPECT_EQ(events, std::vector<relay_event>{relay_event::primed});
  EXPECT_FALSE(relay_.is_up());

  relay_.take_local_output(bytes);
  local_.on_bytes(bytes, now_);
  collect(local_, local_state_, local_events_);
  EXPECT_EQ(take<disconnect_received>(local_events_).size(), 1u) << "a clean DISCONNECT";
  EXPECT_EQ(local_state_.outbound.size(), 1u) << "not acknowledged: resent on the first link";
  relay_.take_remote_output(bytes);
  EXPECT_TRUE(bytes.empty()) << "no remote yet";
}

TEST_F(relay_test, IdleClockRestartsWithEachMessageEitherWay) {
  connect_both();
  EXPECT_EQ(relay_.last_message_at(), now_) << "the connection counts as the first";
  now_ += std::chrono::seconds(5);
  relay_.on_timer(now_);
  EXPECT_EQ(relay_.last_message_at(), now_ - std::chrono::seconds(5)) << "time alone is not";
  ASSERT_TRUE(local_.send_publish(make_delivery("up/a", qos::at_least_once)));
  settle();
  EXPECT_EQ(relay_.last_message_at(), now_);
  now_ += std::chrono::seconds(5);
  ASSERT_TRUE(remote_.send_publish(make_delivery("site/down/b", qos::at_least_once)));
  settle();
  EXPECT_EQ(relay_.last_message_at(), now_);
}

TEST_F(relay_test, GoingIdleTellsTheRemoteTheStateThenDisconnectsBoth) {
  options_.notifications = true;
  connect_both();
  take<publish_received>(remote_events_);  // the state notice 1
  std::vector<relay_event> events;
  relay_.take_events(events);
  relay_.go_idle();
  settle();
  const auto notices = take<publish_received>(remote_events_);
  ASSERT_EQ(notices.size(), 1u);
  EXPECT_EQ(notices[0].packet.topic, "$SYS/broker/connection/r/state");
  EXPECT_EQ(notices[0].packet.payload.view(), "0");
  EXPECT_TRUE(notices[0].packet.retain);
  EXPECT_TRUE(remote_.is_closed()) << "DISCONNECT after the notice";
  EXPECT_TRUE(local_.is_closed()) << "the local session queues again";
  ASSERT_TRUE(relay_.take_events(events));
  EXPECT_EQ(events.back(), relay_event::down);
}

}  // namespace
}  // namespace tern::bridge
