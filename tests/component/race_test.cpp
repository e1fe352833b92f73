// Interleavings across workers that a real run hits only by chance, forced
// here one task at a time with fake_workers::run_one().
#include <gtest/gtest.h>

#include "broker_world.hpp"

namespace tern::broker::test {
namespace {

using v = protocol_version;

connect_options persistent() {
  connect_options o;
  o.clean_start = false;
  o.session_expiry = 3600;
  return o;
}

// Two new connections for one client id on two workers while the first is
// still up on a third: one resumes the session, the other starts clean.
// Whatever the order, one connection per client id remains [MQTT-3.1.4-3],
// on a live session, and a connection is only touched by its own worker.
class ResumeRacesCleanStart : public ::testing::TestWithParam<bool> {};

TEST_P(ResumeRacesCleanStart, OneLiveConnectionRemains_MQTT_3_1_4_3) {
  const bool clean_start_task_first_on_old_worker = GetParam();
  world w(3);
  test_client first(w, "dev", v::v5, 0);
  test_client resuming(w, "dev", v::v5, 1);
  test_client fresh(w, "dev", v::v5, 2);
  test_client pub(w, "pub", v::v5, 0);
  ASSERT_TRUE(pub.connect());
  ASSERT_TRUE(first.connect(persistent()));
  ASSERT_TRUE(first.subscribe("d", qos::at_least_once));

  resuming.start_connect(persistent());  // posts the hand-over to worker 0
  auto clean = persistent();
  clean.clean_start = true;
  fresh.start_connect(clean);  // posts the old session's take-down to worker 0
  ASSERT_EQ(w.workers.pending(0), 2u);
  if (clean_start_task_first_on_old_worker) {
    // Worker 0 runs both before worker 1 attaches the resumed session.
    w.workers.run_one(0);
    w.workers.run_one(0);
  }
  w.settle();

  EXPECT_TRUE(first.conn().finished());
  const bool resumed_up = resuming.connected();
  const bool fresh_up = fresh.connected();
  EXPECT_NE(resumed_up, fresh_up) << "exactly one connection for client id dev; resumed "
                                  << resumed_up << ", clean " << fresh_up;
  EXPECT_EQ(w.b.session_count(), 2u);  // pub's and dev's

  // The survivor's session is alive: what it subscribes to reaches it.
  test_client& survivor = resumed_up ? resuming : fresh;
  if (!survivor.connected()) return;
  ASSERT_TRUE(survivor.subscribe("after", qos::at_least_once));
  pub.publish("after", "x", qos::at_least_once);
  EXPECT_EQ(survivor.payloads(), std::vector<std::string>{"x"});
}

INSTANTIATE_TEST_SUITE_P(Orders, ResumeRacesCleanStart, ::testing::Bool(), [](const auto& info) {
  return info.param ? std::string("TakeDownBeforeAttach") : std::string("RoundRobin");
});

// The connection that is resuming a session closes while the session is
// being handed over from its old worker: the session stays, offline and
// intact, for the next connection.
TEST(Races, ConnectionClosesDuringHandOver) {
  world w(2);
  test_client pub(w, "pub", v::v3_1_1, 0);
  test_client first(w, "dev", v::v3_1_1, 0);
  test_client second(w, "dev", v::v3_1_1, 1);
  ASSERT_TRUE(pub.connect());
  connect_options o;
  o.clean_start = false;
  ASSERT_TRUE(first.connect(o));
  ASSERT_TRUE(first.subscribe("d", qos::at_least_once));
  first.set_auto_ack(false);
  pub.publish("d", "inflight", qos::at_least_once);

  second.start_connect(o);  // hand-over posted to worker 0
  second.conn().drop();     // and the new connection is gone already
  w.settle();
  EXPECT_TRUE(first.conn().finished()) << "taken over all the same";
  EXPECT_FALSE(second.connected());
  EXPECT_EQ(w.b.session_count(), 2u);

  pub.publish("d", "queued", qos::at_least_once);
  test_client third(w, "dev", v::v3_1_1, 1);
  auto ack = third.connect(o);
  ASSERT_TRUE(ack && ack->session_present);
  EXPECT_EQ(third.payloads(), (std::vector<std::string>{"inflight", "queued"}));
}

// The session expires on its worker's sweep while a resume is on its way
// there: the new connection gets a fresh session, not the ended one.
TEST(Races, SessionExpiresDuringHandOver) {
  world w(2);
  test_client first(w, "dev", v::v5, 0);
  test_client second(w, "dev", v::v5, 1);
  connect_options o;
  o.clean_start = false;
  o.session_expiry = 10;
  ASSERT_TRUE(first.connect(o));
  ASSERT_TRUE(first.subscribe("d", qos::at_least_once));
  first.drop();

  w.clock.advance(std::chrono::seconds(11));
  second.start_connect(o);  // hand-over posted to worker 0
  w.expire_sessions(0);     // the sweep runs first
  w.settle();
  auto ack = second.connack();
  ASSERT_TRUE(ack);
  EXPECT_FALSE(ack->session_present);
  EXPECT_TRUE(second.connected());
  EXPECT_EQ(w.b.session_count(), 1u);
  EXPECT_EQ(w.b.subscription_count(), 0u);
}

// Later in the hand-over: the session has reached its new worker, not yet
// attached, when that worker's sweep finds it expired. The connection must
// not be attached to the ended session (Session Present 1, subscriptions
// gone, nothing ever delivered); it gets a fresh one.
TEST(Races, SessionExpiresBeforeAttachOnNewWorker) {
  world w(2);
  test_client pub(w, "pub", v::v5, 0);
  test_client first(w, "dev", v::v5, 0);
  test_client second(w, "dev", v::v5, 1);
  ASSERT_TRUE(pub.connect());
  connect_options o;
  o.clean_start = false;
  o.session_expiry = 10;
  ASSERT_TRUE(first.connect(o));
  ASSERT_TRUE(first.subscribe("d", qos::at_least_once));
  first.drop();

  w.clock.advance(std::chrono::seconds(11));
  second.start_connect(o);              // hand-over posted to worker 0
  ASSERT_TRUE(w.workers.run_one(0));    // worker 0 hands the session to worker 1
  ASSERT_EQ(w.workers.pending(1), 1u);  // the attach
  w.expire_sessions(1);                 // worker 1's sweep runs first
  w.settle();
  auto ack = second.connack();
  ASSERT_TRUE(ack);
  EXPECT_FALSE(ack->session_present) << "the session had expired";
  EXPECT_TRUE(second.connected());
  EXPECT_EQ(w.b.session_count(), 2u);
  ASSERT_TRUE(second.subscribe("d", qos::at_least_once));
  pub.publish("d", "x", qos::at_least_once);
  EXPECT_EQ(second.payloads(), std::vector<std::string>{"x"}) << "a live session";
}

// A second resume reaches the session while it is in transit to the first
// one's worker, before that attach runs (here: the second connection is on
// that worker, so its resume runs at once). The second finds nobody to take
// over and attaches; the first, arriving later, must not attach as well:
// two connections on one session, on two workers, is what ThreadSanitizer
// caught (one unsubscribing while the other's close ended the session). The
// first is closed as if taken over [MQTT-3.1.4-3].
TEST(Races, SecondResumeOvertakesFirstInTransit_MQTT_3_1_4_3) {
  world w(2);
  test_client pub(w, "pub", v::v5, 0);
  test_client first(w, "dev", v::v5, 0);
  test_client second(w, "dev", v::v5, 1);
  test_client third(w, "dev", v::v5, 1);
  ASSERT_TRUE(pub.connect());
  ASSERT_TRUE(first.connect(persistent()));
  ASSERT_TRUE(first.subscribe("d", qos::at_least_once));

  second.start_connect(persistent());   // hand-over posted to worker 0
  ASSERT_TRUE(w.workers.run_one(0));    // worker 0 hands the session to worker 1
  ASSERT_EQ(w.workers.pending(1), 1u);  // second's attach, not run yet
  third.start_connect(persistent());    // owned by worker 1 now: runs at once
  w.settle();

  EXPECT_TRUE(first.conn().finished());
  EXPECT_FALSE(second.connected()) << "superseded before it was attached";
  EXPECT_TRUE(second.conn().finished());
  EXPECT_TRUE(all_of_type<mqtt::connack>(second.conn().received()).empty())
      << "closed before CONNACK, nothing else may be sent";
  ASSERT_TRUE(third.connected());
  EXPECT_TRUE(third.connack()->session_present);
  EXPECT_EQ(broker_stats::get(w.b.stats().clients_connected), 2u);

  // The session is third's alone: its subscription delivers to it, and
  // its unsubscribe stops that.
  pub.publish("d", "x", qos::at_least_once);
  EXPECT_EQ(third.payloads(), std::vector<std::string>{"x"});
  ASSERT_TRUE(third.unsubscribe("d"));
  EXPECT_EQ(w.b.subscription_count(), 0u);
  EXPECT_EQ(w.b.session_count(), 2u);
}

// Messages routed to a session's old worker while the session moves to a
// new one follow it (broker::deliver re-posts them): whichever runs first
// on the old worker, the delivery or the hand-over, nothing is lost.
class DeliveryRacesHandOver : public ::testing::TestWithParam<bool> {};

TEST_P(DeliveryRacesHandOver, NothingLost) {
  const bool delivery_first = GetParam();
  world w(2);
  test_client pub(w, "pub", v::v3_1_1, 1);
  test_client first(w, "dev", v::v3_1_1, 0);
  test_client second(w, "dev", v::v3_1_1, 1);
  ASSERT_TRUE(pub.connect());
  connect_options o;
  o.clean_start = false;
  ASSERT_TRUE(first.connect(o));
  ASSERT_TRUE(first.subscribe("d", qos::at_least_once));

  if (delivery_first) {
    pub.start_publish("d", "m1", qos::at_least_once);  // posts the delivery to worker 0
    second.start_connect(o);                           // then the hand-over
  } else {
    second.start_connect(o);
    pub.start_publish("d", "m1", qos::at_least_once);
  }
  ASSERT_EQ(w.workers.pending(0), 2u);
  pub.start_publish("d", "m2", qos::exactly_once);
  w.settle();

  EXPECT_TRUE(first.conn().finished());
  ASSERT_TRUE(second.connected());
  // m1 may have reached the first connection too, unacknowledged there; the
  // second gets it (again, with DUP) either way.
  EXPECT_EQ(second.payloads(), (std::vector<std::string>{"m1", "m2"}));
  EXPECT_EQ(second.messages()[0].dup, delivery_first);
}

INSTANTIATE_TEST_SUITE_P(Orders, DeliveryRacesHandOver, ::testing::Bool(), [](const auto& info) {
  return info.param ? std::string("DeliveryFirst") : std::string("HandOverFirst");
});

// CONNECT with SUBSCRIBE and PUBLISH right behind it in one read, while
// the session is handed over from another worker: the pipelined packets
// wait in the engine and are handled once the session is attached.
TEST(Races, PipelinedPacketsWaitForHandOver) {
  world w(2);
  test_client first(w, "dev", v::v5, 0);
  test_client watcher(w, "watcher", v::v5, 0);
  ASSERT_TRUE(watcher.connect());
  ASSERT_TRUE(watcher.subscribe("p", qos::at_least_once));
  ASSERT_TRUE(first.connect(persistent()));

  auto t = w.open(1, "pipelined");
  t->set_version(v::v5);
  std::vector<std::uint8_t> bytes;
  mqtt::connect c;
  c.version = v::v5;
  c.client_id = "dev";
  c.clean_start = false;
  c.properties.session_expiry_interval = 3600;
  mqtt::encode_append(c, v::v5, bytes);
  mqtt::subscribe s;
  s.id = 1;
  s.entries.push_back({"p", sub_options(qos::at_least_once)});
  mqtt::encode_append(s, v::v5, bytes);
  mqtt::publish p;
  p.topic = "p";
  p.id = 2;
  p.qos = qos::at_least_once;
  p.payload = mqtt::shared_bytes::copy_of("piped");
  mqtt::encode_append(p, v::v5, bytes);
  ASSERT_TRUE(t->send_bytes(bytes));
  w.settle();

  const auto& got = t->received();
  ASSERT_GE(got.size(), 4u) << describe(got);
  ASSERT_TRUE(std::holds_alternative<mqtt::connack>(got[0])) << describe(got);
  EXPECT_TRUE(std::get<mqtt::connack>(got[0]).session_present);
  EXPECT_EQ(all_of_type<mqtt::suback>(got).size(), 1u) << describe(got);
  EXPECT_EQ(all_of_type<mqtt::puback>(got).size(), 1u) << describe(got);
  EXPECT_EQ(all_of_type<mqtt::publish>(got).size(), 1u) << "its own message, subscribed";
  EXPECT_EQ(watcher.payloads(), std::vector<std::string>{"piped"});
}

}  // namespace
}  // namespace tern::broker::test
