// Files the store cannot use: each must stop start-up with store_error
// naming the file and saying what to do, never open as an empty store.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "store/schema.hpp"
#include "store/sqlite_db.hpp"
#include "store/sqlite_store.hpp"
#include "store_fixture.hpp"

namespace tern::store::testing {
namespace {

using mqtt::qos;
using ::testing::HasSubstr;

using StoreErrors = store_test;

// The store on path() must not open, or its restore() must throw: either
// way with a store_error that names the file and says to move it aside.
void expect_damaged(const std::string& path) {
  try {
    sqlite_store s(path, sync_level::normal);
    const auto got = s.restore();
    ADD_FAILURE() << "a damaged store restored " << got.sessions.size() << " sessions, "
                  << got.deliveries.size() << " deliveries";
  } catch (const store_error& e) {
    EXPECT_THAT(e.what(), HasSubstr(path));
    EXPECT_THAT(e.what(), HasSubstr("damaged"));
    EXPECT_THAT(e.what(), HasSubstr("mv " + path + " " + path + ".damaged"));
  }
}

// A store big enough to span many pages: `n` sessions, each with a
// subscription and a delivery of its own message.
void write_many(const std::string& path, int n) {
  sqlite_store s(path, sync_level::full);
  for (int i = 1; i <= n; ++i) {
    const auto id = static_cast<std::uint64_t>(i);
    s.submit(put_session{make_session(id, "client-" + std::to_string(i))});
    s.submit(put_subscription{id, "t/" + std::to_string(i), {qos::at_least_once}, 0});
    s.submit(make_delivery(id, 1, make_message(id, "t", std::string(400, 'a' + i % 26))));
  }
  s.flush_and_stop();
}

TEST_F(StoreErrors, FileThatIsNotSqlite) {
  {
    std::ofstream out(path(), std::ios::binary);
    for (int i = 0; i < 1000; ++i)
      out << "this is not a database, it is a text file that happens to be here\n";
  }
  try {
    sqlite_store s(path(), sync_level::normal);
    FAIL() << "opened a text file as a store";
  } catch (const store_error& e) {
    EXPECT_THAT(e.what(), HasSubstr(path()));
    EXPECT_THAT(e.what(), HasSubstr("not a database"));
    EXPECT_THAT(e.what(), HasSubstr("mv " + path() + " " + path() + ".damaged"));
  }
}

TEST_F(StoreErrors, SqliteDatabaseThatIsNotATernStore) {
  {
    raw_db other(path());
    other.exec("CREATE TABLE photos(id INTEGER PRIMARY KEY, name TEXT)");
    other.exec("INSERT INTO photos VALUES(1, 'cat.jpg')");
  }
  try {
    sqlite_store s(path(), sync_level::normal);
    FAIL() << "opened another program's database as a store";
  } catch (const store_error& e) {
    EXPECT_THAT(e.what(), HasSubstr(path()));
    EXPECT_THAT(e.what(), HasSubstr("not a tern store"));
  }
  // Left as it was: no tables added, not switched to WAL.
  EXPECT_EQ(query("SELECT count(*) FROM sqlite_schema"), 1);
  EXPECT_EQ(query("SELECT count(*) FROM photos"), 1);
  raw_db other(path());
  EXPECT_EQ(other.query("SELECT count(*) FROM pragma_journal_mode WHERE journal_mode = 'wal'"), 0);
}

TEST_F(StoreErrors, SchemaVersionNewerThanThisBuild) {
  write({put_session{make_session(1, "a")}});
  raw_db(path()).exec("UPDATE schema_version SET version = 99");
  try {
    sqlite_store s(path(), sync_level::normal);
    FAIL() << "opened a store of schema version 99";
  } catch (const store_error& e) {
    EXPECT_THAT(e.what(), HasSubstr(path()));
    EXPECT_THAT(e.what(), HasSubstr("schema version 99"));
    EXPECT_THAT(e.what(), HasSubstr("(" + std::to_string(current_schema_version) + ")"));
  }
  // Nothing was changed or lost.
  EXPECT_EQ(query("SELECT version FROM schema_version"), 99);
  EXPECT_EQ(query("SELECT count(*) FROM sessions"), 1);
}

TEST_F(StoreErrors, EmptyFileBecomesANewStoreInWalMode) {
  { std::ofstream out(path(), std::ios::binary); }
  write({put_session{make_session(1, "a")}});
  EXPECT_EQ(reopen().sessions.size(), 1u);
  EXPECT_EQ(query("SELECT version FROM schema_version"), current_schema_version);
  EXPECT_EQ(query("SELECT count(*) FROM pragma_journal_mode WHERE journal_mode = 'wal'"), 1);
}

TEST_F(StoreErrors, MissingFileBecomesANewStoreInWalMode) {
  write({put_session{make_session(1, "a")}});
  EXPECT_EQ(query("SELECT version FROM schema_version"), current_schema_version);
  EXPECT_EQ(query("SELECT count(*) FROM pragma_journal_mode WHERE journal_mode = 'wal'"), 1);
}

TEST_F(StoreErrors, StoreCutShort) {
  // A copy cut short (disk full while copying, a partial backup), after the
  // WAL was checkpointed into the file.
  for (const double kept : {0.5, 0.25, 0.75, 0.0}) {
    SCOPED_TRACE(kept);
    std::filesystem::remove(path());
    write_many(path(), 300);
    ASSERT_FALSE(std::filesystem::exists(path() + "-wal"))
        << "closing the store checkpoints and removes its WAL";
    const auto size = std::filesystem::file_size(path());
    ASSERT_GT(size, 100'000u);
    // 0: only the first page (the schema) is left.
    const auto cut = kept == 0.0 ? 4096u : static_cast<std::uintmax_t>(size * kept);
    std::filesystem::resize_file(path(), cut);
    expect_damaged(path());
  }
}

TEST_F(StoreErrors, StoreWithGarbageInTheMiddle) {
  write_many(path(), 300);
  const auto size = std::filesystem::file_size(path());
  {
    std::fstream f(path(), std::ios::binary | std::ios::in | std::ios::out);
    f.seekp(static_cast<std::streamoff>(size / 2));
    const std::string garbage(16 * 4096, '\xa5');
    f.write(garbage.data(), static_cast<std::streamsize>(garbage.size()));
    ASSERT_TRUE(f.good());
  }
  expect_damaged(path());
}

TEST_F(StoreErrors, StoreWithZeroedPagesInTheMiddle) {
  write_many(path(), 300);
  const auto size = std::filesystem::file_size(path());
  {
    std::fstream f(path(), std::ios::binary | std::ios::in | std::ios::out);
    f.seekp(static_cast<std::streamoff>(size / 3 / 4096 * 4096));
    const std::string zeros(8 * 4096, '\0');
    f.write(zeros.data(), static_cast<std::streamsize>(zeros.size()));
    ASSERT_TRUE(f.good());
  }
  expect_damaged(path());
}

// Queued messages are read when their session is resumed, not at start-up:
// one that no longer decodes is skipped (and logged) then, and the rest of
// the queue still arrives.
TEST_F(StoreErrors, QueuedMessageThatNoLongerDecodesIsSkipped) {
  const auto shared = make_message(1, "t", "shared");
  write({put_session{make_session(1, "a")}, put_session{make_session(2, "b")},
         make_delivery(1, 1, shared), make_delivery(2, 1, shared),
         make_delivery(1, 2, make_message(2, "t", "inline"))});
  raw_db(path()).exec("UPDATE messages SET packet = x'30ff' WHERE id = 1");
  sqlite_store s(path(), sync_level::normal);
  const auto got = s.restore();
  ASSERT_EQ(got.queued.size(), 2u);
  const auto first = read_queue(s, 1);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].delivery.message->packet.payload.view(), "inline");
  EXPECT_TRUE(read_queue(s, 2).empty());
}

TEST_F(StoreErrors, InlineQueuedMessageThatNoLongerDecodesIsSkipped) {
  write({put_session{make_session(1, "a")}, make_delivery(1, 1, make_message(1, "t", "bad")),
         make_delivery(1, 2, make_message(2, "t", "good"))});
  raw_db(path()).exec("UPDATE deliveries SET inline_packet = x'30ff' WHERE seq = 1");
  sqlite_store s(path(), sync_level::normal);
  s.restore();
  const auto rows = read_queue(s, 1);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].delivery.message->packet.payload.view(), "good");
}

// The inflight window is read at start-up: a damaged one stops it.
TEST_F(StoreErrors, InflightMessageThatNoLongerDecodes) {
  write({put_session{make_session(1, "a")},
         make_delivery(1, 1, make_message(1, "t", "x", qos::exactly_once), qos::exactly_once),
         mark_delivery_sent{1, 1, 9, false}});
  raw_db(path()).exec("UPDATE deliveries SET inline_packet = x'30ff'");
  expect_damaged(path());
}

TEST_F(StoreErrors, StoredWillThatNoLongerDecodes) {
  mqtt::will_message will;
  will.topic = "w";
  write({put_session{make_session(1, "a")}, put_will{1, will, at_ms(1)}});
  raw_db(path()).exec("UPDATE wills SET packet = x'00'");
  expect_damaged(path());
}

}  // namespace
}  // namespace tern::store::testing
