// The bound of an offline queue is decided by the router that routes a
// message, not by the queue's owner when its post arrives: with the
// owner's worker behind (its posts not run yet), a publisher on another
// worker still gets PUBACK 0x97 for exactly the messages past the bound,
// and nothing past it is stored or queued. Before, the owner counted a
// delivery only when it took it in, so the publisher's third message was
// acknowledged and then dropped (the flaky CI run of
// tests/e2e/test_v5_features.py test_full_offline_queue_0x97), and a
// bound of its own (a bridge's) let messages past it.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <memory>

#include "broker_world.hpp"
#include "store/sqlite_store.hpp"

namespace tern::broker::test {
namespace {

using v = protocol_version;
using mqtt::reason_code;

constexpr unsigned publisher_worker = 0;
constexpr unsigned owner_worker = 1;

class OfflineQuota : public ::testing::Test {
 protected:
  OfflineQuota() { start(); }
  ~OfflineQuota() override {
    stop();
    std::filesystem::remove_all(dir_);
  }

  static broker_config config() {
    broker_config c;
    c.max_queued_messages = 2;
    c.own_queue_bounds["local.bridge"] = queue_bound{2, 0};
    return c;
  }
  static connect_options persistent() {
    connect_options o;
    o.clean_start = false;
    o.session_expiry = 3600;
    return o;
  }

  // A persistent subscriber to "q", on the owner's worker, gone offline.
  void subscribe_and_leave(test_client& sub) {
    ASSERT_TRUE(sub.connect(persistent()));
    ASSERT_TRUE(sub.subscribe("q", qos::at_least_once));
    sub.disconnect();
  }

  // Sends every payload as QoS 1 and runs the publisher's worker (with
  // store commits) until nothing moves there; the owner's worker runs
  // nothing, as if it were busy, so every delivery is still in its post.
  void publish_while_owner_is_busy(test_client& pub, const std::vector<std::string>& payloads) {
    for (const auto& payload : payloads)
      pub.start_publish("q", payload, qos::at_least_once);
    for (bool moved = true; moved;) {
      moved = false;
      while (w().workers.run_one(publisher_worker))
        moved = true;
      if (store().pending()) {
        store().commit();
        moved = true;
      }
      moved = pub.process() || moved;
    }
  }
  bool owner_is_behind() { return w().workers.pending(owner_worker) > 0; }

  static std::vector<reason_code> puback_reasons(const test_client& c) {
    std::vector<reason_code> out;
    for (const auto& a : all_of_type<mqtt::puback>(c.packets()))
      out.push_back(a.reason);
    return out;
  }

  // The session's offline queue as routers see it (session::offline).
  std::uint64_t places_taken(const std::string& client_id) {
    return w().b.find_session(client_id)->offline.messages();
  }

  std::size_t stored_deliveries() const { return store().recorded<store::put_delivery>().size(); }

  // A broker on a real SQLite file (so an offline queue can be read back),
  // restored from what the file holds.
  struct instance {
    explicit instance(const std::filesystem::path& file)
        : sqlite(file.string(), store::sync_level::normal),
          recorder(&sqlite),
          w(2, config(), &recorder) {
      w.b.restore(recorder.restore(), w.clock.now);
    }
    ~instance() { recorder.flush_and_stop(); }
    store::sqlite_store sqlite;
    test_store recorder;
    world w;
  };
  void start() { broker_ = std::make_unique<instance>(dir_ / "tern.db"); }
  void stop() { broker_.reset(); }
  world& w() { return broker_->w; }
  test_store& store() const { return broker_->recorder; }

 private:
  std::filesystem::path dir_ = [] {
    auto dir = std::filesystem::temp_directory_path() /
               ("tern-offline-quota-" + std::to_string(::getpid()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    return dir;
  }();
  std::unique_ptr<instance> broker_;
};

TEST_F(OfflineQuota, APublisherOnAnotherWorkerIsRefusedExactlyAtTheBound) {
  test_client sub(w(), "sub", v::v5, owner_worker);
  test_client five(w(), "five", v::v5, publisher_worker);
  subscribe_and_leave(sub);
  ASSERT_TRUE(five.connect());
  five.take_packets();

  publish_while_owner_is_busy(five, {"m1", "m2", "m3", "m4"});
  ASSERT_TRUE(owner_is_behind());
  EXPECT_EQ(puback_reasons(five),
            (std::vector<reason_code>{reason_code::success, reason_code::success,
                                      reason_code::quota_exceeded, reason_code::quota_exceeded}))
      << describe(five.packets());
  EXPECT_EQ(stored_deliveries(), 2u) << "a refused message was stored";
  EXPECT_EQ(broker_stats::get(w().b.stats().dropped_queue_full), 2u);

  w().settle();  // the owner catches up: it drops nothing more
  EXPECT_EQ(broker_stats::get(w().b.stats().dropped_queue_full), 2u);
  EXPECT_EQ(places_taken("sub"), 2u) << "the routers' places became the queue's";
  const auto ack = sub.connect(persistent());
  ASSERT_TRUE(ack && ack->session_present);
  EXPECT_EQ(sub.payloads(), (std::vector<std::string>{"m1", "m2"}));
  EXPECT_EQ(places_taken("sub"), 0u) << "a connected session's queue is not counted";
}

TEST_F(OfflineQuota, ABoundOfItsOwnLetsNothingPastIt) {
  test_client bridge(w(), "local.bridge", v::v3_1_1, owner_worker);
  test_client five(w(), "five", v::v5, publisher_worker);
  test_client three(w(), "three", v::v3_1_1, publisher_worker);
  subscribe_and_leave(bridge);
  ASSERT_TRUE(five.connect());
  ASSERT_TRUE(three.connect());
  five.take_packets();

  publish_while_owner_is_busy(five, {"m1", "m2", "m3"});
  ASSERT_TRUE(owner_is_behind());
  EXPECT_EQ(puback_reasons(five),
            (std::vector<reason_code>{reason_code::success, reason_code::success,
                                      reason_code::quota_exceeded}))
      << describe(five.packets());
  // 3.1.1 cannot be refused: the message is kept past the bound and its
  // PUBACK waits until the queue drains.
  publish_while_owner_is_busy(three, {"kept"});
  EXPECT_TRUE(all_of_type<mqtt::puback>(three.packets()).empty())
      << "3.1.1 PUBACK past the bridge's bound: " << describe(three.packets());
  EXPECT_EQ(stored_deliveries(), 3u);

  w().settle();
  EXPECT_TRUE(all_of_type<mqtt::puback>(three.packets()).empty());
  const auto ack = bridge.connect(persistent());
  ASSERT_TRUE(ack && ack->session_present);
  EXPECT_EQ(bridge.payloads(), (std::vector<std::string>{"m1", "m2", "kept"}));
  EXPECT_EQ(places_taken("local.bridge"), 0u);
  EXPECT_EQ(all_of_type<mqtt::puback>(three.packets()).size(), 1u) << "not released by the drain";
}

// The routers' count of a queue is rebuilt from the store at start-up.
TEST_F(OfflineQuota, AFullQueueIsStillFullAfterARestart) {
  {
    test_client sub(w(), "sub", v::v5, owner_worker);
    test_client five(w(), "five", v::v5, publisher_worker);
    subscribe_and_leave(sub);
    ASSERT_TRUE(five.connect());
    EXPECT_TRUE(five.completed(five.publish("q", "m1", qos::at_least_once)));
    EXPECT_TRUE(five.completed(five.publish("q", "m2", qos::at_least_once)));
  }
  stop();
  start();
  EXPECT_EQ(places_taken("sub"), 2u) << "the queue on disk is not counted";
  test_client sub(w(), "sub", v::v5, owner_worker);
  test_client five(w(), "five", v::v5, publisher_worker);
  ASSERT_TRUE(five.connect());
  five.take_packets();
  five.publish("q", "m3", qos::at_least_once);
  EXPECT_EQ(puback_reasons(five), std::vector<reason_code>{reason_code::quota_exceeded});
  const auto ack = sub.connect(persistent());
  ASSERT_TRUE(ack && ack->session_present);
  EXPECT_EQ(sub.payloads(), (std::vector<std::string>{"m1", "m2"}));
  // Drained and offline again: there is room.
  sub.disconnect();
  EXPECT_EQ(places_taken("sub"), 0u);
  five.take_packets();
  five.publish("q", "m4", qos::at_least_once);
  EXPECT_EQ(puback_reasons(five), std::vector<reason_code>{reason_code::success});
}

}  // namespace
}  // namespace tern::broker::test
