#include "store/sqlite_store.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <chrono>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "store/batch_writer.hpp"
#include "store/schema.hpp"
#include "store/sqlite_db.hpp"
#include "store/store_loader.hpp"

namespace tern::store {

sqlite_store::sqlite_store(const std::string& path, sync_level sync)
    : db_(std::make_unique<sqlite_db>(path)) {
  try {
    db_->exec("PRAGMA journal_mode = WAL");
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
    migrate(*db_);
  } catch (const store_error& e) {
    if (e.code() == SQLITE_NOTADB || e.code() == SQLITE_CORRUPT)
      throw store_error(fmt::format("{}: the store {} is damaged or not a database. Move it "
                                    "aside (mv {} {}.damaged) and start again with an empty "
                                    "store, or restore it from a backup",
                                    e.what(), path, path, path),
                        e.code());
    throw;
  }
  writer_ = std::make_unique<batch_writer>(*db_);
}

sqlite_store::~sqlite_store() {
  flush_and_stop();
}

restored_state sqlite_store::restore() {
  return load_store(*db_);
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
    queue_.push_back(std::move(op));
    position = ++submitted_;
    wake = queue_.size() == 1;  // the writer sleeps only on an empty queue
  }
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
      wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, everything written
      batch.swap(queue_);
      last = submitted_;
    }
    if (!write_with_retry(batch, last)) return;
    batch.clear();
    committed_.store(last, std::memory_order_release);
    std::function<void(std::uint64_t)> listener;
    {
      std::lock_guard lock(mutex_);
      listener = listener_;
    }
    if (listener) listener(last);
  }
}

bool sqlite_store::write_with_retry(std::vector<store_op>& batch, std::uint64_t last) {
  auto pause = std::chrono::milliseconds(100);
  bool failing = false;
  for (;;) {
    try {
      writer_->write(batch);
      if (failing) spdlog::warn("store {}: writing again, {} events committed", db_->path(), last);
      return true;
    } catch (const store_error& e) {
      if (!failing)
        spdlog::error("{}; acknowledgements that need the store wait until it can write again",
                      e.what());
      failing = true;
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
