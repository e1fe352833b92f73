// A store written by an older tern is carried forward: the schema version
// table says where it stands, and each migration takes it one step on.
#include <gtest/gtest.h>

#include "store/message_codec.hpp"
#include "store/schema.hpp"
#include "store_fixture.hpp"

namespace tern::store::testing {
namespace {

using StoreMigration = store_test;

// The tables as tern wrote them at schema version 1.
constexpr const char* schema_v1 = R"sql(
CREATE TABLE schema_version(version INTEGER NOT NULL);
INSERT INTO schema_version VALUES(1);
CREATE TABLE messages(id INTEGER PRIMARY KEY, refs INTEGER NOT NULL, expires_at INTEGER,
  publisher INTEGER NOT NULL, qos INTEGER NOT NULL, packet BLOB NOT NULL);
CREATE TABLE retained(topic TEXT PRIMARY KEY, message_id INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE sessions(id INTEGER PRIMARY KEY, client_id TEXT NOT NULL UNIQUE,
  version INTEGER NOT NULL, expiry_interval INTEGER NOT NULL, disconnected_at INTEGER);
CREATE TABLE subscriptions(session_id INTEGER NOT NULL, filter TEXT NOT NULL,
  options INTEGER NOT NULL, identifier INTEGER NOT NULL,
  PRIMARY KEY(session_id, filter)) WITHOUT ROWID;
CREATE TABLE deliveries(session_id INTEGER NOT NULL, seq INTEGER NOT NULL,
  message_id INTEGER NOT NULL, qos INTEGER NOT NULL, retain INTEGER NOT NULL,
  subscription_ids BLOB, packet_id INTEGER NOT NULL DEFAULT 0,
  released INTEGER NOT NULL DEFAULT 0, PRIMARY KEY(session_id, seq)) WITHOUT ROWID;
CREATE TABLE inbound_qos2(session_id INTEGER NOT NULL, packet_id INTEGER NOT NULL,
  PRIMARY KEY(session_id, packet_id)) WITHOUT ROWID;
CREATE TABLE wills(session_id INTEGER PRIMARY KEY, due INTEGER NOT NULL,
  qos INTEGER NOT NULL, packet BLOB NOT NULL);
INSERT INTO sessions VALUES(1, 'old-client', 4, 4294967295, 1700000000000);
)sql";

std::string hex(const std::vector<std::uint8_t>& bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (auto b : bytes) {
    out += digits[b >> 4];
    out += digits[b & 15];
  }
  return out;
}

TEST_F(StoreMigration, Version1StoreIsMigratedAndItsQueueRestored) {
  {
    raw_db db(path());
    db.exec(schema_v1);
    const auto packet = encode_stored_publish(make_message(7, "old/topic", "queued")->packet);
    db.exec("INSERT INTO messages VALUES(7, 1, NULL, 0, 1, x'" + hex(packet) + "')");
    db.exec(
        "INSERT INTO deliveries(session_id, seq, message_id, qos, retain) VALUES(1, 3, 7, 1, 0)");
  }
  const auto got = reopen();
  EXPECT_EQ(query("SELECT version FROM schema_version"), current_schema_version);
  ASSERT_EQ(got.sessions.size(), 1u);
  EXPECT_EQ(got.sessions[0].client_id, "old-client");
  ASSERT_EQ(got.deliveries.size(), 1u);
  EXPECT_EQ(got.deliveries[0].delivery.store_seq, 3u);
  EXPECT_EQ(got.deliveries[0].delivery.message->packet.topic, "old/topic");
  EXPECT_EQ(got.deliveries[0].delivery.message->packet.payload.view(), "queued");
  EXPECT_EQ(got.max_message_id, 7u);

  // Rows written before the migration keep working with the new writer.
  write({remove_delivery{1, 3}});
  EXPECT_EQ(message_rows(), 0);
  EXPECT_EQ(query("SELECT count(*) FROM deliveries"), 0);
}

}  // namespace
}  // namespace tern::store::testing
