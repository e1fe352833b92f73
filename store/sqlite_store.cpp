#include "store/sqlite_store.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iterator>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "store/batch_writer.hpp"
#include "store/delivery_reader.hpp"
#include "store/schema.hpp"
#include "store/sqlite_db.hpp"
#include "store/store_loader.hpp"

namespace tern::store {

namespace {

// SQLite found the file damaged, or not a database at all (also when a
// stored message no longer decodes): say which file and what to do.
[[noreturn]] void throw_damaged(const store_error& e, const std::string& path) {
  throw store_error(fmt::format("the store {} is damaged or not a database ({}). Move it aside "
                                "(mv {} {}.damaged) and start again with an empty store, or "
                                "restore it from a backup",
                                path, sqlite3_errstr(e.code()), path, path),
                    e.code());
}

bool is_damage(const store_error& e) {
  return e.code() == SQLITE_NOTADB || e.code() == SQLITE_CORRUPT;
}

}  // namespace

sqlite_store::sqlite_store(const std::string& path, sync_level sync,
                           std::chrono::steady_clock::duration count_every)
    : db_(std::make_unique<sqlite_db>(path)), count_every_(count_every), count_gap_(count_every) {
  try {
    switch (sync) {
      case sync_level::off:
        db_->exec("PRAGMA synchronous = OFF");
        break;
      case sync_level::normal:
        db_->exec("PRAGMA synchronous = NORMAL");
        break;
      case sync_level::full:
        db_->exec("PRAGMA synchronous = FULL");
        break;
    }
    // WAL only once the file is known to be a tern store: the journal mode
    // is kept in the file, and another program's database is left as it was.
    migrate(*db_);
    db_->exec("PRAGMA journal_mode = WAL");
  } catch (const store_error& e) {
    if (is_damage(e)) throw_damaged(e, path);
    throw;
  }
  writer_ = std::make_unique<batch_writer>(*db_);
  reader_ = std::make_unique<delivery_reader>(*db_);
  message_reader_ = std::make_unique<message_reader>(*db_);
}

sqlite_store::~sqlite_store() {
  flush_and_stop();
}

restored_state sqlite_store::restore() {
  // Damage the schema check at opening did not reach shows here, where
  // every table is read.
  try {
    auto state = load_store(*db_);
    count_messages();
    return state;
  } catch (const store_error& e) {
    if (is_damage(e)) throw_damaged(e, db_->path());
    throw;
  }
}

void sqlite_store::on_commit(std::function<void(std::uint64_t)> listener) {
  std::lock_guard lock(mutex_);
  listener_ = std::move(listener);
}

std::uint64_t sqlite_store::submit(store_op op) {
  std::uint64_t position;
  bool wake;
  {
    std::lock_guard lock(mutex_);
    if (!thread_.joinable() && !stopping_) thread_ = std::thread([this] { run(); });
    wake = queue_.empty();  // the writer sleeps only on an empty queue
    queue_.push_back(std::move(op));
    position = ++submitted_;
  }
  if (wake) wake_.notify_one();
  return position;
}

std::uint64_t sqlite_store::submit_all(std::vector<store_op>& ops) {
  std::uint64_t position;
  bool wake;
  {
    // One lock for all: the writer takes the whole queue at once, so these
    // land in the same transaction.
    std::lock_guard lock(mutex_);
    if (!thread_.joinable() && !stopping_) thread_ = std::thread([this] { run(); });
    wake = queue_.empty();  // the writer sleeps only on an empty queue
    submitted_ += ops.size();
    position = submitted_;
    if (queue_.empty()) {
      queue_.swap(ops);
    } else {
      std::move(ops.begin(), ops.end(), std::back_inserter(queue_));
    }
  }
  ops.clear();
  if (wake) wake_.notify_one();
  return position;
}

void sqlite_store::flush_and_stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void sqlite_store::run() {
  std::vector<store_op> batch;
  for (;;) {
    std::uint64_t last;
    {
      std::unique_lock lock(mutex_);
      const auto ready = [&] { return stopping_ || !queue_.empty(); };
      // Idle with a stale count: count once it is due, then sleep.
      if (count_stale_ && !wake_.wait_until(lock, counted_at_ + count_gap_, ready)) {
        lock.unlock();
        count_messages();
        continue;
      }
      wake_.wait(lock, ready);
      if (queue_.empty()) return;  // stopping, everything written
      batch.swap(queue_);
      last = submitted_;
    }
    const auto started = std::chrono::steady_clock::now();
    if (!write_with_retry(batch, last)) return;
    note_commit(std::chrono::steady_clock::now() - started);
    run_reads(batch);
    batch.clear();
    committed_.store(last, std::memory_order_release);
    std::function<void(std::uint64_t)> listener;
    {
      std::lock_guard lock(mutex_);
      listener = listener_;
    }
    if (listener) listener(last);
    count_stale_ = true;
    if (std::chrono::steady_clock::now() - counted_at_ >= count_gap_) count_messages();
  }
}

void sqlite_store::count_messages() {
  // A message with several receivers has a row in messages; one with a
  // single receiver lives inline in its delivery row.
  const auto started = std::chrono::steady_clock::now();
  try {
    const auto count = static_cast<std::uint64_t>(
        db_->query_int("SELECT (SELECT count(*) FROM messages) + "
                       "(SELECT count(*) FROM deliveries WHERE inline_qos IS NOT NULL)"));
    const auto bytes = static_cast<std::uint64_t>(
        db_->query_int("SELECT coalesce((SELECT sum(length(packet)) FROM messages), 0) + "
                       "coalesce((SELECT sum(length(inline_packet)) FROM deliveries), 0)"));
    // Bytes first, the count released after: whoever sees the new count
    // (stats(), acquiring it) sees the bytes of the same count.
    message_bytes_.store(bytes, std::memory_order_relaxed);
    messages_.store(count, std::memory_order_release);
  } catch (const store_error& e) {
    spdlog::warn("{}: counting the stored messages", e.what());  // the figures stay as they were
  }
  counted_at_ = std::chrono::steady_clock::now();
  count_stale_ = false;
  // A scan of a large store holds up the commits behind it: it takes at
  // most 1% of the writer's time.
  count_gap_ = std::max(count_every_, 100 * (counted_at_ - started));
}

void sqlite_store::note_commit(std::chrono::steady_clock::duration took) {
  // Only this thread writes these; others read them for $SYS and /metrics.
  const auto us = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(took).count());
  commits_.fetch_add(1, std::memory_order_relaxed);
  commit_us_total_.fetch_add(us, std::memory_order_relaxed);
  commit_us_last_.store(us, std::memory_order_relaxed);
  if (us > commit_us_max_.load(std::memory_order_relaxed))
    commit_us_max_.store(us, std::memory_order_relaxed);
}

store_stats sqlite_store::stats() const {
  store_stats s;
  std::error_code ec;
  for (const char* suffix : {"", "-wal"}) {
    const auto size = std::filesystem::file_size(db_->path() + suffix, ec);
    if (!ec) s.file_bytes += size;
  }
  s.commits = commits_.load(std::memory_order_relaxed);
  s.commit_us_total = commit_us_total_.load(std::memory_order_relaxed);
  s.commit_us_last = commit_us_last_.load(std::memory_order_relaxed);
  s.commit_us_max = commit_us_max_.load(std::memory_order_relaxed);
  s.messages = messages_.load(std::memory_order_acquire);
  s.message_bytes = message_bytes_.load(std::memory_order_relaxed);
  std::uint64_t submitted;
  {
    std::lock_guard lock(mutex_);
    submitted = submitted_;
  }
  const auto done = committed();
  s.pending = submitted > done ? submitted - done : 0;
  return s;
}

void sqlite_store::run_reads(std::vector<store_op>& batch) {
  for (auto& op : batch) {
    if (auto* load = std::get_if<load_deliveries>(&op)) {
      std::vector<restored_delivery> page;
      try {
        page = reader_->page(load->session_id, load->from_seq, load->limit);
      } catch (const store_error& e) {
        // The session gets what could be read; what could not stays stored.
        spdlog::error("{}: reading queued messages of session {}", e.what(), load->session_id);
      }
      if (load->done) load->done(std::move(page));
    } else if (auto* read = std::get_if<load_messages>(&op)) {
      std::vector<mqtt::message_ptr> found;
      found.reserve(read->ids.size());
      try {
        for (const auto id : read->ids)
          found.push_back(message_reader_->read(id));
      } catch (const store_error& e) {
        spdlog::error("{}: reading retained messages", e.what());
      }
      found.resize(read->ids.size());  // null for what could not be read
      if (read->done) read->done(std::move(found));
    }
  }
}

bool sqlite_store::write_with_retry(std::vector<store_op>& batch, std::uint64_t last) {
  auto pause = std::chrono::milliseconds(100);
  bool failing = false;
  for (;;) {
    try {
      writer_->write(batch);
      if (failing) {
        writes_failing_.store(false, std::memory_order_relaxed);
        spdlog::warn("store {}: writing again, {} events committed", db_->path(), last);
      }
      return true;
    } catch (const store_error& e) {
      if (!failing)
        spdlog::error(
            "{}; acknowledgements that need the store wait until it can write again (v5 "
            "publishers are refused with 0x97 meanwhile)",
            e.what());
      failing = true;
      writes_failing_.store(true, std::memory_order_relaxed);
    }
    {
      std::unique_lock lock(mutex_);
      // At shutdown a store that cannot write gives up: what it holds was
      // never acknowledged.
      if (stopping_) {
        spdlog::error("store {}: stopping with {} events not written", db_->path(), batch.size());
        return false;
      }
      wake_.wait_for(lock, pause, [&] { return stopping_; });
    }
    pause = std::min(pause * 2, std::chrono::milliseconds(5000));
  }
}

}  // namespace tern::store
