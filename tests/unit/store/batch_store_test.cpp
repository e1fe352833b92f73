// Group commit: positions, committed(), the commit listener, and events
// that cancel out within one batch. The writer thread is held in the
// commit listener of a first batch (writer_hold) so that what is submitted
// meanwhile is certain to be written as one batch.

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include "store/sqlite_store.hpp"
#include "store_fixture.hpp"

namespace tern::store::testing {
namespace {

using mqtt::qos;

using StoreCommit = store_test;

TEST_F(StoreCommit, CommittedReachesTheSubmittedPositionAndListenerHearsIt) {
  sqlite_store s(path(), sync_level::full);
  std::mutex mutex;
  std::vector<std::uint64_t> heard;
  s.on_commit([&](std::uint64_t position) {
    std::lock_guard lock(mutex);
    heard.push_back(position);
  });
  EXPECT_EQ(s.committed(), 0u);
  EXPECT_EQ(s.submit(put_session{make_session(1, "a")}), 1u);
  EXPECT_EQ(s.submit(put_subscription{1, "t", {qos::at_least_once}, 0}), 2u);
  const auto last = s.submit(put_inbound_qos2{1, 3});
  EXPECT_EQ(last, 3u);
  s.flush_and_stop();

  EXPECT_EQ(s.committed(), 3u);
  std::lock_guard lock(mutex);
  ASSERT_FALSE(heard.empty());
  EXPECT_EQ(heard.back(), 3u);
  EXPECT_TRUE(std::is_sorted(heard.begin(), heard.end()));
  EXPECT_GE(heard.front(), 1u);
}

TEST_F(StoreCommit, CommittedAdvancesWhileRunning) {
  sqlite_store s(path(), sync_level::normal);
  std::atomic<std::uint64_t> heard{0};
  s.on_commit([&](std::uint64_t position) { heard.store(position); });
  const auto position = s.submit(put_session{make_session(1, "a")});
  for (int i = 0; i < 5000 && s.committed() < position; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  EXPECT_EQ(s.committed(), position);
  for (int i = 0; i < 5000 && heard.load() < position; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  EXPECT_EQ(heard.load(), position);
  // Committed means readable by another connection.
  EXPECT_EQ(query("SELECT count(*) FROM sessions WHERE client_id = 'a'"), 1);
}

TEST_F(StoreCommit, EventsSubmittedWhileTheWriterIsBusyCommitTogether) {
  sqlite_store s(path(), sync_level::normal);
  writer_hold hold;
  s.on_commit(hold.listener());
  s.submit(put_session{make_session(1, "a")});
  hold.wait_entered();
  EXPECT_EQ(s.committed(), 1u);
  s.submit(put_session{make_session(2, "b")});
  const auto last = s.submit(put_session{make_session(3, "c")});
  EXPECT_EQ(s.committed(), 1u);  // the writer is still held
  hold.release();
  s.flush_and_stop();
  EXPECT_EQ(s.committed(), last);
  EXPECT_EQ(query("SELECT count(*) FROM sessions"), 3);
}

TEST_F(StoreCommit, SubmitAllTakesPositionsInOrderAndEmptiesItsArgument) {
  sqlite_store s(path(), sync_level::normal);
  EXPECT_EQ(s.submit(put_session{make_session(1, "a")}), 1u);
  std::vector<store_op> ops;
  ops.push_back(put_inbound_qos2{1, 4});
  ops.push_back(make_delivery(1, 1, make_message(3, "t", "x")));
  ops.push_back(make_delivery(1, 2, make_message(3, "t", "x")));
  EXPECT_EQ(s.submit_all(ops), 4u);
  EXPECT_TRUE(ops.empty());
  EXPECT_EQ(s.submit(remove_delivery{1, 1}), 5u);
  s.flush_and_stop();
  EXPECT_EQ(s.committed(), 5u);
  EXPECT_EQ(query("SELECT count(*) FROM inbound_qos2"), 1);
  EXPECT_EQ(query("SELECT count(*) FROM deliveries"), 1);
  // The cancelled delivery leaves one reference: the message is kept inline
  // in the remaining delivery's row, not in the messages table.
  EXPECT_EQ(query("SELECT count(*) FROM deliveries WHERE inline_qos IS NOT NULL"), 1);
  EXPECT_EQ(refs(3), -1);
}

using StoreBatches = store_test;

TEST_F(StoreBatches, DeliveryPutAndRemovedInOneBatchLeavesNoRows) {
  const auto m = make_message(5, "t", "x", qos::exactly_once);
  {
    sqlite_store s(path(), sync_level::normal);
    writer_hold hold;
    s.on_commit(hold.listener());
    s.submit(put_session{make_session(1, "a")});
    hold.wait_entered();
    s.submit(make_delivery(1, 1, m, qos::exactly_once));
    s.submit(mark_delivery_sent{1, 1, 7, false});
    s.submit(mark_delivery_sent{1, 1, 7, true});
    const auto last = s.submit(remove_delivery{1, 1});
    hold.release();
    s.flush_and_stop();
    EXPECT_EQ(s.committed(), last);
  }
  EXPECT_EQ(query("SELECT count(*) FROM deliveries"), 0);
  EXPECT_EQ(message_rows(), 0);
  const auto got = reopen();
  EXPECT_TRUE(got.deliveries.empty());
  EXPECT_EQ(got.sessions.size(), 1u);
}

TEST_F(StoreBatches, CancelledDeliveryDoesNotTakeTheMessageOfAnother) {
  const auto m = make_message(5, "t", "x");
  {
    sqlite_store s(path(), sync_level::normal);
    writer_hold hold;
    s.on_commit(hold.listener());
    s.submit(put_session{make_session(1, "a")});
    hold.wait_entered();
    s.submit(put_session{make_session(2, "b")});
    s.submit(make_delivery(1, 1, m));
    s.submit(make_delivery(2, 1, m));
    s.submit(remove_delivery{1, 1});
    hold.release();
    s.flush_and_stop();
  }
  // One reference left after the cancellation: kept inline with it.
  EXPECT_EQ(message_rows(), 0);
  EXPECT_EQ(query("SELECT count(*) FROM deliveries WHERE inline_qos IS NOT NULL"), 1);
  const auto got = reopen();
  ASSERT_EQ(got.deliveries.size(), 1u);
  EXPECT_EQ(got.deliveries[0].session_id, 2u);
  EXPECT_EQ(got.deliveries[0].delivery.message->packet.payload.view(), "x");
}

TEST_F(StoreBatches, DeliveryRemovedInALaterBatchIsDeleted) {
  const auto m = make_message(5, "t", "x");
  {
    sqlite_store s(path(), sync_level::normal);
    s.submit(put_session{make_session(1, "a")});
    const auto put = s.submit(make_delivery(1, 1, m));
    for (int i = 0; i < 5000 && s.committed() < put; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    ASSERT_EQ(s.committed(), put);
    EXPECT_EQ(query("SELECT count(*) FROM deliveries WHERE inline_qos IS NOT NULL"), 1);
    EXPECT_EQ(refs(5), -1) << "a message with one delivery lives in the delivery's row";
    s.submit(remove_delivery{1, 1});
    s.flush_and_stop();
  }
  EXPECT_EQ(query("SELECT count(*) FROM deliveries"), 0);
  EXPECT_EQ(message_rows(), 0);
}

TEST_F(StoreBatches, RetainedSetAndClearedInOneBatchLeavesNoRows) {
  {
    sqlite_store s(path(), sync_level::normal);
    writer_hold hold;
    s.on_commit(hold.listener());
    s.submit(put_session{make_session(1, "a")});
    hold.wait_entered();
    s.submit(put_retained{make_message(9, "t", "x", qos::at_most_once, true)});
    s.submit(remove_retained{"t"});
    hold.release();
    s.flush_and_stop();
  }
  EXPECT_EQ(message_rows(), 0);
  EXPECT_TRUE(reopen().retained.empty());
}

}  // namespace
}  // namespace tern::store::testing
