#include "store/schema.hpp"

#include <array>

#include <fmt/format.h>

namespace tern::store {
namespace {

// Migration N takes the schema from version N to N + 1; entries are only
// ever appended, so an older store file is carried forward step by step.
constexpr std::array<const char*, current_schema_version> migrations = {
    // 0 -> 1: the first schema.
    R"sql(
CREATE TABLE messages(
  id INTEGER PRIMARY KEY,          -- application_message::id
  refs INTEGER NOT NULL,           -- deliveries and retained slots holding it
  expires_at INTEGER,              -- unix ms; NULL: never
  publisher INTEGER NOT NULL,      -- session id, for v5 No Local
  qos INTEGER NOT NULL,            -- as published (the packet is encoded at QoS 0)
  packet BLOB NOT NULL             -- the PUBLISH as MQTT 5 encodes it
);
CREATE TABLE retained(
  topic TEXT PRIMARY KEY,
  message_id INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE sessions(
  id INTEGER PRIMARY KEY,
  client_id TEXT NOT NULL UNIQUE,
  version INTEGER NOT NULL,
  expiry_interval INTEGER NOT NULL,
  disconnected_at INTEGER           -- unix ms; NULL while connected
);
CREATE TABLE subscriptions(
  session_id INTEGER NOT NULL,
  filter TEXT NOT NULL,
  options INTEGER NOT NULL,
  identifier INTEGER NOT NULL,
  PRIMARY KEY(session_id, filter)
) WITHOUT ROWID;
CREATE TABLE deliveries(
  session_id INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  message_id INTEGER NOT NULL,
  qos INTEGER NOT NULL,
  retain INTEGER NOT NULL,
  subscription_ids BLOB,
  packet_id INTEGER NOT NULL DEFAULT 0,
  released INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY(session_id, seq)
) WITHOUT ROWID;
CREATE TABLE inbound_qos2(
  session_id INTEGER NOT NULL,
  packet_id INTEGER NOT NULL,
  PRIMARY KEY(session_id, packet_id)
) WITHOUT ROWID;
CREATE TABLE wills(
  session_id INTEGER PRIMARY KEY,
  due INTEGER NOT NULL,             -- unix ms
  qos INTEGER NOT NULL,
  packet BLOB NOT NULL              -- the will as a PUBLISH, MQTT 5 encoding
);
)sql",
    // 1 -> 2: a message held by a single delivery is kept in the delivery's
    // row (one row written, one deleted: the common case of a message with
    // one subscriber costs a third of the statements). message_id still
    // names it; the messages table has no row for it.
    R"sql(
ALTER TABLE deliveries ADD COLUMN inline_packet BLOB;
ALTER TABLE deliveries ADD COLUMN inline_qos INTEGER;
ALTER TABLE deliveries ADD COLUMN inline_expires_at INTEGER;
ALTER TABLE deliveries ADD COLUMN inline_publisher INTEGER;
)sql",
    // 2 -> 3: the "$share/{group}/{filter}" a shared subscription group
    // chose the receiver by, so that after a restart a member that goes
    // away still hands the delivery to another member (spec 4.8.2).
    R"sql(
ALTER TABLE deliveries ADD COLUMN share TEXT;
)sql",
};

}  // namespace

void migrate(sqlite_db& db) {
  // The version lives in its own table rather than PRAGMA user_version so
  // that a file which is not ours is told apart from an empty one.
  const bool fresh = db.query_int("SELECT count(*) FROM sqlite_schema") == 0;
  if (fresh)
    db.exec(
        "CREATE TABLE schema_version(version INTEGER NOT NULL); INSERT INTO schema_version "
        "VALUES(0);");
  if (db.query_int("SELECT count(*) FROM sqlite_schema WHERE name = 'schema_version'") == 0)
    throw store_error(fmt::format("{} is an SQLite database but not a tern store; give "
                                  "persistence_file another name or move this file away",
                                  db.path()),
                      0);
  const auto version = db.query_int("SELECT version FROM schema_version");
  if (version > current_schema_version)
    throw store_error(fmt::format("{} has schema version {}, newer than this tern understands "
                                  "({}); run a newer tern or move the file away",
                                  db.path(), version, current_schema_version),
                      0);
  for (auto v = version; v < current_schema_version; ++v) {
    db.exec("BEGIN IMMEDIATE");
    try {
      db.exec(migrations[static_cast<std::size_t>(v)]);
      db.exec(fmt::format("UPDATE schema_version SET version = {}", v + 1).c_str());
      db.exec("COMMIT");
    } catch (...) {
      db.exec("ROLLBACK");
      throw;
    }
  }
}

}  // namespace tern::store
