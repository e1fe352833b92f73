#include "store/store_loader.hpp"

#include "store/batch_writer.hpp"
#include "store/delivery_reader.hpp"
#include "store/message_codec.hpp"

namespace tern::store {
namespace {

void remove_orphans(sqlite_db& db) {
  db.exec("BEGIN");
  try {
    // References are counted per message; rows of sessions that are gone
    // give theirs back before they go.
    db.exec(R"sql(
    UPDATE messages SET refs = refs - (
      SELECT count(*) FROM deliveries d
      WHERE d.message_id = messages.id AND d.inline_qos IS NULL
        AND d.session_id NOT IN (SELECT id FROM sessions))
    WHERE id IN (SELECT message_id FROM deliveries
                 WHERE session_id NOT IN (SELECT id FROM sessions));
    DELETE FROM deliveries WHERE session_id NOT IN (SELECT id FROM sessions);
    DELETE FROM subscriptions WHERE session_id NOT IN (SELECT id FROM sessions);
    DELETE FROM inbound_qos2 WHERE session_id NOT IN (SELECT id FROM sessions);
    DELETE FROM wills WHERE session_id NOT IN (SELECT id FROM sessions);
    DELETE FROM messages WHERE refs <= 0;
  )sql");
    db.exec("COMMIT");
  } catch (...) {
    try {
      db.exec("ROLLBACK");
    } catch (const store_error&) {
      // SQLite already rolled back: nothing to undo.
    }
    throw;
  }
}

}  // namespace

restored_state load_store(sqlite_db& db) {
  remove_orphans(db);
  restored_state out;
  out.max_session_id = static_cast<std::uint64_t>(db.query_int("SELECT max(id) FROM sessions"));
  // Inline messages (schema 2) have no row in messages but keep their id.
  out.max_message_id = static_cast<std::uint64_t>(
      db.query_int("SELECT max(coalesce((SELECT max(id) FROM messages), 0), "
                   "coalesce((SELECT max(message_id) FROM deliveries), 0))"));

  statement sessions(db,
                     "SELECT id, client_id, version, expiry_interval, disconnected_at FROM "
                     "sessions");
  while (sessions.step()) {
    session_record r;
    r.id = static_cast<std::uint64_t>(sessions.column_int(0));
    r.client_id = std::string(sessions.column_text(1));
    r.version = static_cast<mqtt::protocol_version>(sessions.column_int(2));
    r.expiry_interval = static_cast<std::uint32_t>(sessions.column_int(3));
    if (!sessions.column_is_null(4)) r.disconnected_at = from_unix_ms(sessions.column_int(4));
    out.sessions.push_back(std::move(r));
  }

  statement subscriptions(db, "SELECT session_id, filter, options, identifier FROM subscriptions");
  while (subscriptions.step()) {
    put_subscription s;
    s.session_id = static_cast<std::uint64_t>(subscriptions.column_int(0));
    s.filter = std::string(subscriptions.column_text(1));
    s.options = unpack_options(static_cast<std::uint8_t>(subscriptions.column_int(2)));
    s.identifier = static_cast<std::uint32_t>(subscriptions.column_int(3));
    out.subscriptions.push_back(std::move(s));
  }

  delivery_reader deliveries(db);
  out.deliveries = deliveries.inflight();
  out.queued = deliveries.queued_counts();

  statement inbound(db, "SELECT session_id, packet_id FROM inbound_qos2");
  while (inbound.step())
    out.inbound_qos2.push_back({static_cast<std::uint64_t>(inbound.column_int(0)),
                                static_cast<mqtt::packet_id>(inbound.column_int(1))});

  // Topics and ids only: a retained message's body is read when a
  // subscription matches it, so start-up memory does not grow with them.
  statement retained(db,
                     "SELECT r.topic, r.message_id FROM retained r "
                     "JOIN messages m ON m.id = r.message_id");
  while (retained.step())
    out.retained.push_back(
        {std::string(retained.column_text(0)), static_cast<std::uint64_t>(retained.column_int(1))});

  statement wills(db, "SELECT session_id, due, qos, packet FROM wills");
  while (wills.step()) {
    restored_will w;
    w.session_id = static_cast<std::uint64_t>(wills.column_int(0));
    w.due = from_unix_ms(wills.column_int(1));
    auto p =
        decode_stored_publish(wills.column_blob(3), static_cast<mqtt::qos>(wills.column_int(2)));
    w.will = mqtt::publish_to_will(std::move(p));
    out.wills.push_back(std::move(w));
  }
  return out;
}

}  // namespace tern::store
