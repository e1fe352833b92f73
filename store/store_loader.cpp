#include "store/store_loader.hpp"

#include <unordered_map>

#include "store/batch_writer.hpp"
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

// A message from the columns (expires_at, publisher, qos, packet) starting
// at `first`.
mqtt::message_ptr read_message(const statement& s, int first, std::uint64_t id) {
  auto m = std::make_shared<mqtt::application_message>();
  if (!s.column_is_null(first)) m->expires_at = from_unix_ms(s.column_int(first));
  m->publisher = static_cast<std::uint64_t>(s.column_int(first + 1));
  m->packet = decode_stored_publish(s.column_blob(first + 3),
                                    static_cast<mqtt::qos>(s.column_int(first + 2)));
  m->id = id;
  return m;
}

class message_cache {
 public:
  explicit message_cache(sqlite_db& db)
      : select_(db, "SELECT expires_at, publisher, qos, packet FROM messages WHERE id = ?") {}

  // The message, read once however many rows refer to it; null if missing.
  mqtt::message_ptr get(std::uint64_t id) {
    auto [it, added] = cache_.try_emplace(id);
    if (!added) return it->second;
    select_.bind(1, static_cast<std::int64_t>(id));
    if (select_.step()) it->second = read_message(select_, 0, id);
    select_.reset();
    return it->second;
  }

 private:
  statement select_;
  std::unordered_map<std::uint64_t, mqtt::message_ptr> cache_;
};

}  // namespace

restored_state load_store(sqlite_db& db) {
  remove_orphans(db);
  restored_state out;
  out.max_session_id = static_cast<std::uint64_t>(db.query_int("SELECT max(id) FROM sessions"));
  // Inline messages (schema 2) have no row in messages but keep their id.
  out.max_message_id = static_cast<std::uint64_t>(
      db.query_int("SELECT max(coalesce((SELECT max(id) FROM messages), 0), "
                   "coalesce((SELECT max(message_id) FROM deliveries), 0))"));
  message_cache messages(db);

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

  statement deliveries(db,
                       "SELECT session_id, seq, message_id, qos, retain, subscription_ids, "
                       "packet_id, released, inline_expires_at, inline_publisher, inline_qos, "
                       "inline_packet FROM deliveries ORDER BY session_id, seq");
  while (deliveries.step()) {
    restored_delivery r;
    r.session_id = static_cast<std::uint64_t>(deliveries.column_int(0));
    r.delivery.store_seq = static_cast<std::uint64_t>(deliveries.column_int(1));
    const auto message_id = static_cast<std::uint64_t>(deliveries.column_int(2));
    r.delivery.message = deliveries.column_is_null(10) ? messages.get(message_id)
                                                       : read_message(deliveries, 8, message_id);
    if (!r.delivery.message) continue;  // cannot happen while refs are counted right
    r.delivery.qos = static_cast<mqtt::qos>(deliveries.column_int(3));
    r.delivery.retain = deliveries.column_int(4) != 0;
    r.delivery.subscription_ids = decode_subscription_ids(deliveries.column_blob(5));
    r.packet_id = static_cast<mqtt::packet_id>(deliveries.column_int(6));
    r.released = deliveries.column_int(7) != 0;
    out.deliveries.push_back(std::move(r));
  }

  statement inbound(db, "SELECT session_id, packet_id FROM inbound_qos2");
  while (inbound.step())
    out.inbound_qos2.push_back({static_cast<std::uint64_t>(inbound.column_int(0)),
                                static_cast<mqtt::packet_id>(inbound.column_int(1))});

  statement retained(db, "SELECT message_id FROM retained");
  while (retained.step())
    if (auto m = messages.get(static_cast<std::uint64_t>(retained.column_int(0))))
      out.retained.push_back(std::move(m));

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
