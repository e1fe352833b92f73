// A broker restarted on the same SQLite file resumes where it stopped:
// sessions with their subscriptions, queued messages, the inflight window
// (QoS 2 resent under the same packet id, or as PUBREL), QoS 2 ids
// received, retained messages and delayed wills.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>

#include "broker_world.hpp"
#include "store/sqlite_store.hpp"

namespace tern::broker::test {
namespace {

using v = protocol_version;

connect_options persistent() {
  connect_options o;
  o.clean_start = false;
  return o;
}

class Restart : public ::testing::Test {
 protected:
  Restart() {
    dir_ = std::filesystem::temp_directory_path() /
           ("tern-restart-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  ~Restart() override { std::filesystem::remove_all(dir_); }

  // A broker on the store file, restored from what it holds.
  struct instance {
    explicit instance(const std::filesystem::path& file)
        : sqlite((file).string(), store::sync_level::normal),
          recorder(&sqlite),
          w(2, {}, &recorder) {
      w.b.restore(recorder.restore(), w.clock.now);
    }
    ~instance() { recorder.flush_and_stop(); }
    store::sqlite_store sqlite;
    test_store recorder;
    world w;
  };
  std::unique_ptr<instance> start() { return std::make_unique<instance>(dir_ / "tern.db"); }

 private:
  std::filesystem::path dir_;
};

TEST_F(Restart, QueuedInflightAndRetainedSurvive_MQTT_4_4_0_1) {
  mqtt::packet_id m2_id = 0;
  {
    auto first = start();
    test_client pub(first->w, "pub", v::v3_1_1, 0);
    test_client sub(first->w, "sub", v::v3_1_1, 1);
    ASSERT_TRUE(pub.connect());
    ASSERT_TRUE(sub.connect(persistent()));
    ASSERT_TRUE(sub.subscribe("s/#", qos::exactly_once));
    // m2 (QoS 2) past PUBREC: after the restart only PUBREL is resent.
    sub.set_auto_ack(false);
    pub.publish("s/2", "m2", qos::exactly_once);
    ASSERT_EQ(sub.payloads(), (std::vector<std::string>{"m2"}));
    m2_id = sub.messages()[0].id;
    sub.conn().send(mqtt::pubrec{m2_id, {}, {}});
    first->w.settle();
    ASSERT_EQ(all_of_type<mqtt::pubrel>(sub.packets()).size(), 1u);
    sub.drop();
    // Queued while it is away, acknowledged to the publisher.
    EXPECT_TRUE(pub.completed(pub.publish("s/3", "m3", qos::at_least_once)));
    EXPECT_TRUE(pub.completed(pub.publish("s/4", "m4", qos::exactly_once)));
    EXPECT_TRUE(pub.completed(pub.publish("r", "retained", qos::at_least_once, true)));
  }  // the broker stops; nothing is written at shutdown that was not already

  auto second = start();
  test_client sub(second->w, "sub", v::v3_1_1, 0);
  test_client other(second->w, "other", v::v3_1_1, 1);
  const auto ack = sub.connect(persistent());
  ASSERT_TRUE(ack);
  EXPECT_TRUE(ack->session_present);
  const auto packets = sub.take_packets();
  ASSERT_GE(packets.size(), 4u) << describe(packets);
  const auto* rel = std::get_if<mqtt::pubrel>(&packets[1]);
  ASSERT_NE(rel, nullptr) << describe(packets);
  EXPECT_EQ(rel->id, m2_id);
  EXPECT_EQ(sub.payloads(), (std::vector<std::string>{"m3", "m4"}));
  // The subscription survived too: a new message reaches it.
  ASSERT_TRUE(other.connect());
  other.publish("s/5", "m5", qos::at_least_once);
  EXPECT_EQ(sub.payloads(), (std::vector<std::string>{"m3", "m4", "m5"}));
  // And the retained message.
  ASSERT_TRUE(other.subscribe("r", qos::at_least_once));
  EXPECT_EQ(other.payloads(), (std::vector<std::string>{"retained"}));
}

// A QoS 2 PUBLISH resent after a restart (the publisher never saw PUBREC)
// is recognised by its stored packet id and not delivered again
// [MQTT-4.3.3-10].
TEST_F(Restart, ResentQoS2PublishIsNotDeliveredTwice) {
  mqtt::publish resend;
  {
    auto first = start();
    test_client pub(first->w, "pub", v::v3_1_1, 0);
    test_client sub(first->w, "sub", v::v3_1_1, 1);
    ASSERT_TRUE(pub.connect(persistent()));
    ASSERT_TRUE(sub.connect(persistent()));
    ASSERT_TRUE(sub.subscribe("t", qos::exactly_once));
    sub.drop();
    resend.topic = "t";
    resend.payload = mqtt::shared_bytes::copy_of(std::string_view("once"));
    resend.qos = qos::exactly_once;
    resend.id = 42;
    pub.conn().send(resend);
    first->w.settle();
    ASSERT_EQ(all_of_type<mqtt::pubrec>(pub.packets()).size(), 1u);
  }
  auto second = start();
  test_client pub(second->w, "pub", v::v3_1_1, 0);
  test_client sub(second->w, "sub", v::v3_1_1, 1);
  ASSERT_TRUE(pub.connect(persistent()));
  resend.dup = true;
  pub.conn().send(resend);
  second->w.settle();
  EXPECT_EQ(all_of_type<mqtt::pubrec>(pub.packets()).size(), 1u);
  ASSERT_TRUE(sub.connect(persistent()));
  EXPECT_EQ(sub.payloads(), (std::vector<std::string>{"once"}));
}

// A delivery a shared subscription group made keeps its group across a
// restart: read back from the store, sent and left unacknowledged by a
// member whose connection drops, it goes to a connected member (spec 4.8.2).
TEST_F(Restart, SharedDeliveryMovesToAnotherMemberAfterARestart) {
  {
    auto first = start();
    test_client pub(first->w, "pub", v::v5, 0);
    test_client a(first->w, "a", v::v3_1_1, 1);
    ASSERT_TRUE(pub.connect());
    ASSERT_TRUE(a.connect(persistent()));
    ASSERT_TRUE(a.subscribe("$share/g/t", qos::at_least_once));
    a.drop();
    EXPECT_TRUE(pub.completed(pub.publish("t", "held", qos::at_least_once)));
  }
  auto second = start();
  test_client b(second->w, "b", v::v3_1_1, 0);
  ASSERT_TRUE(b.connect(persistent()));
  ASSERT_TRUE(b.subscribe("$share/g/t", qos::at_least_once));
  test_client a(second->w, "a", v::v3_1_1, 1);
  a.set_auto_ack(false);
  ASSERT_TRUE(a.connect(persistent()));
  ASSERT_EQ(a.payloads(), (std::vector<std::string>{"held"}));
  EXPECT_TRUE(b.payloads().empty());
  a.drop();
  second->w.settle();
  EXPECT_EQ(b.payloads(), (std::vector<std::string>{"held"}));
}

TEST_F(Restart, CleanSessionsAndEndedSessionsAreNotRestored) {
  {
    auto first = start();
    test_client clean(first->w, "clean", v::v3_1_1, 0);
    test_client ended(first->w, "ended", v::v5, 1);
    ASSERT_TRUE(clean.connect());
    ASSERT_TRUE(clean.subscribe("t", qos::at_least_once));
    connect_options o;
    o.clean_start = false;
    o.session_expiry = 600;
    ASSERT_TRUE(ended.connect(o));
    ended.disconnect(mqtt::reason_code::normal_disconnection, 0);
  }
  auto second = start();
  EXPECT_EQ(second->w.b.session_count(), 0u);
  EXPECT_EQ(second->w.b.subscription_count(), 0u);
}

}  // namespace
}  // namespace tern::broker::test

namespace tern::broker::test {
namespace {

// An offline session's queue lives on disk: nothing of it is held in
// memory, and on resume it is read back page by page, in order, with what
// arrives meanwhile after it.
TEST_F(Restart, OfflineQueueIsOnDiskAndReadBackInOrder) {
  auto b = start();
  auto& w = b->w;
  test_client pub(w, "pub", v::v3_1_1, 0);
  test_client sub(w, "sub", v::v3_1_1, 1);
  ASSERT_TRUE(pub.connect());
  ASSERT_TRUE(sub.connect(persistent()));
  ASSERT_TRUE(sub.subscribe("q", qos::at_least_once));
  sub.drop();
  const int queued = 3 * static_cast<int>(broker::page_size) + 10;
  for (int i = 0; i < queued; ++i)
    pub.start_publish("q", std::to_string(i), qos::at_least_once);
  w.settle();
  session_ptr s;
  {
    auto as = w.workers.act_as(0);
    s = w.b.find_session("sub");
  }
  ASSERT_TRUE(s);
  EXPECT_TRUE(s->queue.empty()) << "an offline queue must not be held in memory";
  EXPECT_EQ(s->spilled(), static_cast<std::uint64_t>(queued));
  std::uint64_t waiting = 0;  // what a lazy bridge reads: the spilled ones count
  w.b.count_waiting("sub", [&](std::uint64_t n) { waiting = n; });
  w.settle();
  EXPECT_EQ(waiting, static_cast<std::uint64_t>(queued));

  const auto pages_before = b->recorder.pages_read;
  sub.set_auto_ack(false);
  sub.start_connect(persistent());
  w.settle();
  // Read back as the window drains; a message published meanwhile comes last.
  pub.publish("q", "late", qos::at_least_once);
  for (int round = 0; round < 2 * queued && sub.unacked() > 0; ++round)
    sub.ack(1);
  std::vector<std::string> expected;
  for (int i = 0; i < queued; ++i)
    expected.push_back(std::to_string(i));
  expected.push_back("late");
  EXPECT_EQ(sub.payloads(), expected);
  EXPECT_GE(b->recorder.pages_read - pages_before, 4u) << "read a page at a time";
  EXPECT_EQ(s->spilled(), 0u);
}

}  // namespace
}  // namespace tern::broker::test

namespace tern::broker::test {
namespace {

// After a restart the session numbers new deliveries above the stored
// ones: reusing a number would overwrite a queued message.
TEST_F(Restart, DeliveriesQueuedAfterARestartJoinTheStoredOnes) {
  {
    auto first = start();
    test_client pub(first->w, "pub", v::v3_1_1, 0);
    test_client sub(first->w, "sub", v::v3_1_1, 1);
    ASSERT_TRUE(pub.connect());
    ASSERT_TRUE(sub.connect(persistent()));
    ASSERT_TRUE(sub.subscribe("q", qos::at_least_once));
    sub.drop();
    for (const char* m : {"a", "b", "c"})
      EXPECT_TRUE(pub.completed(pub.publish("q", m, qos::at_least_once)));
  }
  {
    auto second = start();
    test_client pub(second->w, "pub", v::v3_1_1, 0);
    ASSERT_TRUE(pub.connect());
    for (const char* m : {"d", "e"})
      EXPECT_TRUE(pub.completed(pub.publish("q", m, qos::at_least_once)));
  }
  auto third = start();
  test_client sub(third->w, "sub", v::v3_1_1, 1);
  ASSERT_TRUE(sub.connect(persistent()));
  EXPECT_EQ(sub.payloads(), (std::vector<std::string>{"a", "b", "c", "d", "e"}));
}

}  // namespace
}  // namespace tern::broker::test

namespace tern::broker::test {
namespace {

// A message that arrives while a page is being read joins the stored queue
// after it, and is read in its turn, not stranded on disk.
TEST_F(Restart, MessageArrivingWhileAPageIsReadIsNotStranded) {
  auto b = start();
  auto& w = b->w;
  test_client pub(w, "pub", v::v3_1_1, 0);
  test_client sub(w, "sub", v::v3_1_1, 1);
  ASSERT_TRUE(pub.connect());
  ASSERT_TRUE(sub.connect(persistent()));
  ASSERT_TRUE(sub.subscribe("q", qos::at_least_once));
  sub.drop();
  for (const char* m : {"a", "b", "c"})
    EXPECT_TRUE(pub.completed(pub.publish("q", m, qos::at_least_once)));
  // The resume asks for a page; "late" is routed before the page comes back.
  sub.start_connect(persistent());
  w.workers.run_all();
  pub.start_publish("q", "late", qos::at_least_once);
  w.settle();
  EXPECT_EQ(sub.payloads(), (std::vector<std::string>{"a", "b", "c", "late"}));
}

}  // namespace
}  // namespace tern::broker::test
