#pragma once
// The durable store on an SQLite file in WAL mode, written by its own thread
// (never an I/O worker): submitted events queue up while the previous
// transaction commits and are then written together (group commit).
//
// When a write fails (disk full, I/O error) the batch is rolled back and
// retried with a growing pause: committed() stops advancing, so nothing
// that waits for durability is acknowledged, and writing resumes when the
// disk has room again.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "store/durable_store.hpp"

namespace tern::store {

class sqlite_db;
class batch_writer;
class delivery_reader;
class message_reader;

// persistence_sync: what a commit waits for.
enum class sync_level {
  off,     // no fsync: survives a broker crash, not an OS crash or power cut
  normal,  // WAL, fsync at checkpoints: survives kill -9; power loss may lose the last commits
  full,    // fsync at every commit: survives power loss
};

class sqlite_store final : public durable_store {
 public:
  // Opens (creating if needed) and migrates the file; throws store_error
  // with the file name and what to do when it cannot be used.
  // `count_every`: how often, at most, the messages held are counted for
  // stats() (a scan of the deliveries, so not at every commit).
  sqlite_store(const std::string& path, sync_level sync,
               std::chrono::steady_clock::duration count_every = std::chrono::seconds(10));
  ~sqlite_store() override;

  restored_state restore() override;
  std::uint64_t submit(store_op op) override;
  std::uint64_t submit_all(std::vector<store_op>& ops) override;
  std::uint64_t committed() const noexcept override {
    return committed_.load(std::memory_order_acquire);
  }
  void on_commit(std::function<void(std::uint64_t)> listener) override;
  void flush_and_stop() override;
  store_stats stats() const override;
  bool writes_failing() const noexcept override {
    return writes_failing_.load(std::memory_order_relaxed);
  }

 private:
  void run();
  // False when the store stopped before the batch could be written.
  bool write_with_retry(std::vector<store_op>& batch, std::uint64_t last);
  // Runs the batch's load_deliveries and load_messages, which see everything
  // written before.
  void run_reads(std::vector<store_op>& batch);
  void note_commit(std::chrono::steady_clock::duration took);
  // Counts the messages held now (the writer's thread, or before it runs).
  void count_messages();

  std::unique_ptr<sqlite_db> db_;
  std::unique_ptr<batch_writer> writer_;
  std::unique_ptr<delivery_reader> reader_;  // pages of queued deliveries, on the writer thread
  std::unique_ptr<message_reader> message_reader_;  // retained messages matched, ditto

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<store_op> queue_;
  std::uint64_t submitted_ = 0;
  bool stopping_ = false;
  std::function<void(std::uint64_t)> listener_;
  std::atomic<std::uint64_t> committed_{0};
  std::atomic<bool> writes_failing_{false};
  std::atomic<std::uint64_t> commits_{0}, commit_us_total_{0}, commit_us_last_{0},
      commit_us_max_{0};
  std::atomic<std::uint64_t> messages_{0}, message_bytes_{0};
  const std::chrono::steady_clock::duration count_every_;
  std::chrono::steady_clock::duration count_gap_;  // count_every_, or more for a slow count
  std::chrono::steady_clock::time_point counted_at_{};
  bool count_stale_ = false;  // written to since the last count
  std::thread thread_;
};

}  // namespace tern::store
