#pragma once
// Shared by the store tests. Each test gets a fresh temp directory holding
// the store file; it writes events with one sqlite_store, stops it, and
// reads them back with a new one, the way a broker restart does. A second,
// plain SQLite connection looks at rows the store keeps to itself (how many
// message rows a payload takes, their reference counts).

#include <sqlite3.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mqtt/engine/message.hpp"
#include "store/sqlite_store.hpp"
#include "store/store_ops.hpp"
#include "tests/unit/config/temp_dir.hpp"

namespace tern::store::testing {

// The config tests' temp directory (removed with its contents at the end).
using app::testing::temp_dir;

// A plain SQLite connection to the store file, beside the store's own.
class raw_db {
 public:
  explicit raw_db(const std::string& path) {
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) !=
        SQLITE_OK)
      throw std::runtime_error("cannot open " + path + ": " + sqlite3_errmsg(db_));
  }
  ~raw_db() { sqlite3_close_v2(db_); }
  raw_db(const raw_db&) = delete;
  raw_db& operator=(const raw_db&) = delete;

  void exec(const std::string& sql) {
    char* message = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
      const std::string why = message != nullptr ? message : "?";
      sqlite3_free(message);
      throw std::runtime_error(sql + ": " + why);
    }
  }
  // The first column of the first row; -1 when there is no row.
  std::int64_t query(const std::string& sql) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK)
      throw std::runtime_error(sql + ": " + sqlite3_errmsg(db_));
    const int rc = sqlite3_step(stmt);
    const std::int64_t value = rc == SQLITE_ROW ? sqlite3_column_int64(stmt, 0) : -1;
    sqlite3_finalize(stmt);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
      throw std::runtime_error(sql + ": " + sqlite3_errstr(rc));
    return value;
  }

 private:
  sqlite3* db_ = nullptr;
};

// Holds the store's writer thread inside the commit listener of a first
// batch, so that everything submitted meanwhile is written as one batch.
class writer_hold {
 public:
  std::function<void(std::uint64_t)> listener() {
    return [this](std::uint64_t) {
      std::unique_lock lock(mutex_);
      entered_ = true;
      changed_.notify_all();
      changed_.wait(lock, [&] { return released_; });
    };
  }
  void wait_entered() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return entered_; });
  }
  void release() {
    std::lock_guard lock(mutex_);
    released_ = true;
    changed_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  bool entered_ = false;
  bool released_ = false;
};

inline wall_time at_ms(std::int64_t ms) {
  return wall_time(std::chrono::milliseconds(ms));
}

inline session_record make_session(std::uint64_t id, std::string client_id,
                                   mqtt::protocol_version version = mqtt::protocol_version::v5,
                                   std::uint32_t expiry = 3600,
                                   std::optional<wall_time> disconnected_at = std::nullopt) {
  return {id, std::move(client_id), version, expiry, disconnected_at};
}

inline mqtt::message_ptr make_message(std::uint64_t id, std::string topic, std::string_view payload,
                                      mqtt::qos q = mqtt::qos::at_least_once, bool retain = false) {
  auto m = std::make_shared<mqtt::application_message>();
  m->id = id;
  m->publisher = 1000 + id;
  m->packet.topic = std::move(topic);
  m->packet.qos = q;
  m->packet.retain = retain;
  m->packet.payload = mqtt::shared_bytes::copy_of(payload);
  return m;
}

inline put_delivery make_delivery(std::uint64_t session_id, std::uint64_t seq, mqtt::message_ptr m,
                                  mqtt::qos q = mqtt::qos::at_least_once) {
  put_delivery d;
  d.session_id = session_id;
  d.delivery.message = std::move(m);
  d.delivery.qos = q;
  d.delivery.store_seq = seq;
  return d;
}

class store_test : public ::testing::Test {
 protected:
  std::string path() const { return (dir_.path() / "tern.db").string(); }

  // Submits `ops` in order to a new store on path(), as one batch, then
  // flushes and closes it; returns the position of the last one. One batch
  // because what the writer does depends on it (a message two deliveries of
  // the batch share gets a row of its own, one receiver's stays inline), and
  // single submits may be split between batches by the writer's timing.
  std::uint64_t write(std::vector<store_op> ops) {
    sqlite_store s(path(), sync_level::normal);
    const auto last = s.submit_all(ops);
    s.flush_and_stop();
    EXPECT_EQ(s.committed(), last);
    return last;
  }

  // What a new store on path() restores (as after a restart).
  // What a new store on path() restores (as after a restart), with each
  // session's queued deliveries read back (load_deliveries) into
  // `deliveries`, so a test sees everything the store holds, in session and
  // sequence order.
  restored_state reopen() {
    sqlite_store s(path(), sync_level::normal);
    auto got = s.restore();
    for (const auto& q : got.queued) {
      auto page = read_queue(s, q.session_id);
      EXPECT_EQ(page.size(), q.count) << "session " << q.session_id;
      for (auto& d : page)
        got.deliveries.push_back(std::move(d));
    }
    std::stable_sort(got.deliveries.begin(), got.deliveries.end(),
                     [](const restored_delivery& a, const restored_delivery& b) {
                       return std::pair(a.session_id, a.delivery.store_seq) <
                              std::pair(b.session_id, b.delivery.store_seq);
                     });
    return got;
  }
  // The retained messages a new store on path() restores, each read back as
  // a subscription would (load_messages), in topic order.
  std::vector<mqtt::message_ptr> retained_after_restart() {
    sqlite_store s(path(), sync_level::normal);
    auto refs = s.restore().retained;
    std::sort(refs.begin(), refs.end(),
              [](const retained_ref& a, const retained_ref& b) { return a.topic < b.topic; });
    std::vector<std::uint64_t> ids;
    for (const auto& r : refs)
      ids.push_back(r.message_id);
    std::promise<std::vector<mqtt::message_ptr>> promise;
    auto future = promise.get_future();
    s.submit(load_messages{
        ids, [&](std::vector<mqtt::message_ptr>&& got) { promise.set_value(std::move(got)); }});
    auto got = future.get();
    EXPECT_EQ(got.size(), refs.size());
    for (std::size_t i = 0; i < got.size() && i < refs.size(); ++i) {
      EXPECT_NE(got[i], nullptr) << refs[i].topic;
      if (got[i]) {
        EXPECT_EQ(got[i]->packet.topic, refs[i].topic);
      }
    }
    return got;
  }
  // Every queued delivery of `session_id`, read a page at a time.
  static std::vector<restored_delivery> read_queue(sqlite_store& s, std::uint64_t session_id,
                                                   std::uint32_t limit = 2) {
    std::vector<restored_delivery> out;
    std::uint64_t from = 0;
    for (;;) {
      std::promise<std::vector<restored_delivery>> promise;
      auto future = promise.get_future();
      s.submit(load_deliveries{session_id, from, limit, [&](std::vector<restored_delivery>&& rows) {
                                 promise.set_value(std::move(rows));
                               }});
      auto rows = future.get();
      const bool last = rows.size() < limit;
      for (auto& r : rows) {
        from = r.delivery.store_seq + 1;
        out.push_back(std::move(r));
      }
      if (last) return out;
    }
  }

  std::int64_t query(const std::string& sql) { return raw_db(path()).query(sql); }
  std::int64_t message_rows() { return query("SELECT count(*) FROM messages"); }
  // The reference count of message `id`; -1 when it has no row.
  std::int64_t refs(std::uint64_t id) {
    return query("SELECT refs FROM messages WHERE id = " + std::to_string(id));
  }

  temp_dir dir_;
};

}  // namespace tern::store::testing
