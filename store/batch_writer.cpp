#include "store/batch_writer.hpp"

#include <algorithm>
#include <iterator>
#include <unordered_map>

#include "store/message_codec.hpp"

namespace tern::store {

std::int64_t to_unix_ms(wall_time t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

wall_time from_unix_ms(std::int64_t ms) {
  return wall_time(std::chrono::milliseconds(ms));
}

std::uint8_t pack_options(const mqtt::subscription_options& o) {
  return static_cast<std::uint8_t>(static_cast<unsigned>(o.max_qos) | (o.no_local ? 0x04 : 0) |
                                   (o.retain_as_published ? 0x08 : 0) |
                                   ((o.retain_handling & 0x03) << 4));
}

mqtt::subscription_options unpack_options(std::uint8_t bits) {
  mqtt::subscription_options o;
  o.max_qos = static_cast<mqtt::qos>(bits & 0x03);
  o.no_local = (bits & 0x04) != 0;
  o.retain_as_published = (bits & 0x08) != 0;
  o.retain_handling = static_cast<std::uint8_t>((bits >> 4) & 0x03);
  return o;
}

struct batch_writer::statements {
  explicit statements(sqlite_db& db)
      : put_session(db,
                    "INSERT OR REPLACE INTO sessions(id, client_id, version, expiry_interval, "
                    "disconnected_at) VALUES(?, ?, ?, ?, ?)"),
        remove_session(db, "DELETE FROM sessions WHERE id = ?"),
        remove_session_subscriptions(db, "DELETE FROM subscriptions WHERE session_id = ?"),
        find_session_deliveries(
            db, "SELECT message_id, inline_qos FROM deliveries WHERE session_id = ?"),
        remove_session_deliveries(db, "DELETE FROM deliveries WHERE session_id = ?"),
        remove_session_inbound(db, "DELETE FROM inbound_qos2 WHERE session_id = ?"),
        put_subscription(db,
                         "INSERT OR REPLACE INTO subscriptions(session_id, filter, options, "
                         "identifier) VALUES(?, ?, ?, ?)"),
        remove_subscription(db, "DELETE FROM subscriptions WHERE session_id = ? AND filter = ?"),
        put_delivery(db,
                     "INSERT OR REPLACE INTO deliveries(session_id, seq, message_id, qos, retain, "
                     "subscription_ids, inline_packet, inline_qos, inline_expires_at, "
                     "inline_publisher, share) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"),
        mark_delivery_sent(db,
                           "UPDATE deliveries SET packet_id = ?, released = ? WHERE session_id = ? "
                           "AND seq = ?"),
        find_delivery(db,
                      "SELECT message_id, inline_qos FROM deliveries WHERE session_id = ? AND "
                      "seq = ?"),
        remove_delivery(db, "DELETE FROM deliveries WHERE session_id = ? AND seq = ?"),
        put_inbound(db, "INSERT OR IGNORE INTO inbound_qos2(session_id, packet_id) VALUES(?, ?)"),
        remove_inbound(db, "DELETE FROM inbound_qos2 WHERE session_id = ? AND packet_id = ?"),
        find_retained(db, "SELECT message_id FROM retained WHERE topic = ?"),
        put_retained(db, "INSERT OR REPLACE INTO retained(topic, message_id) VALUES(?, ?)"),
        remove_retained(db, "DELETE FROM retained WHERE topic = ?"),
        put_will(db,
                 "INSERT OR REPLACE INTO wills(session_id, due, qos, packet) VALUES(?, ?, ?, ?)"),
        remove_will(db, "DELETE FROM wills WHERE session_id = ?"),
        add_message(db,
                    "INSERT INTO messages(id, refs, expires_at, publisher, qos, packet) "
                    "VALUES(?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET refs = refs + "
                    "excluded.refs"),
        delete_unused_message(db, "DELETE FROM messages WHERE id = ?1 AND refs + ?2 <= 0"),
        release_message(db, "UPDATE messages SET refs = refs + ?2 WHERE id = ?1") {}

  // No RETURNING: SQLite runs it through an ephemeral table, opened and
  // closed on every step, which took half the writer's time when every
  // acknowledged delivery was removed that way. A lookup by primary key
  // before the change costs a fraction of that.
  statement put_session, remove_session, remove_session_subscriptions, find_session_deliveries,
      remove_session_deliveries, remove_session_inbound, put_subscription, remove_subscription,
      put_delivery, mark_delivery_sent, find_delivery, remove_delivery, put_inbound, remove_inbound,
      find_retained, put_retained, remove_retained, put_will, remove_will, add_message,
      delete_unused_message, release_message;
};

namespace {

struct delivery_key {
  std::uint64_t session_id;
  std::uint64_t seq;
  auto operator<=>(const delivery_key&) const = default;
};

struct message_change {
  mqtt::message_ptr message;  // set when the batch adds a reference
  std::int64_t refs = 0;
};

template <class... F>
struct overloaded : F... {
  using F::operator()...;
};
// Spelled out for clang before 17, which deduces no aggregate's arguments
// (the fuzz build compiles with clang).
template <class... F>
overloaded(F...) -> overloaded<F...>;

}  // namespace

// One batch in progress: the deliveries that cancel out, the messages
// referenced more than once (the others are kept inline in their delivery's
// row), and the change in references per stored message, applied once at
// the end. Kept between batches so its buffers are reused.
struct batch_writer::batch {
  std::vector<delivery_key> puts, removes, cancelled;  // sorted
  std::vector<std::uint64_t> refs, shared;             // sorted
  std::unordered_map<std::uint64_t, message_change> messages;

  void plan(std::span<const store_op> ops) {
    puts.clear();
    removes.clear();
    cancelled.clear();
    refs.clear();
    shared.clear();
    messages.clear();
    for (const auto& op : ops) {
      if (const auto* put = std::get_if<put_delivery>(&op)) {
        puts.push_back({put->session_id, put->delivery.store_seq});
      } else if (const auto* rm = std::get_if<remove_delivery>(&op)) {
        removes.push_back({rm->session_id, rm->seq});
      }
    }
    std::sort(puts.begin(), puts.end());
    std::sort(removes.begin(), removes.end());
    std::set_intersection(puts.begin(), puts.end(), removes.begin(), removes.end(),
                          std::back_inserter(cancelled));
    for (const auto& op : ops) {
      if (const auto* put = std::get_if<put_delivery>(&op)) {
        if (!is_cancelled({put->session_id, put->delivery.store_seq}))
          refs.push_back(put->delivery.message->id);
      } else if (const auto* r = std::get_if<put_retained>(&op)) {
        refs.insert(refs.end(), 2, r->message->id);  // never inline: the slot refers to it
      }
    }
    std::sort(refs.begin(), refs.end());
    for (std::size_t i = 1; i < refs.size(); ++i)
      if (refs[i] == refs[i - 1] && (shared.empty() || shared.back() != refs[i]))
        shared.push_back(refs[i]);
  }
  bool is_cancelled(const delivery_key& k) const {
    return std::binary_search(cancelled.begin(), cancelled.end(), k);
  }
  bool is_shared(std::uint64_t message_id) const {
    return std::binary_search(shared.begin(), shared.end(), message_id);
  }

  void add_ref(const mqtt::message_ptr& m) {
    auto& change = messages[m->id];
    change.message = m;
    ++change.refs;
  }
  void drop_ref(std::uint64_t id) { --messages[id].refs; }
  // Rows found as (message_id[, inline_qos]), before they are deleted: an
  // inline message (its QoS not null) goes with its row and holds no
  // reference. The QoS column is read rather than an "IS NULL" expression,
  // which SQLite 3.40 answered wrongly for a column added by ALTER TABLE to
  // a WITHOUT ROWID table.
  void drop_refs_found(statement& s, bool has_inline_column = false) {
    while (s.step())
      if (!has_inline_column || s.column_is_null(1))
        drop_ref(static_cast<std::uint64_t>(s.column_int(0)));
    s.reset();
  }
};

batch_writer::batch_writer(sqlite_db& db)
    : db_(db), sql_(std::make_unique<statements>(db)), batch_(std::make_unique<batch>()) {}

batch_writer::~batch_writer() = default;

void batch_writer::write(std::span<const store_op> ops) {
  auto& b = *batch_;
  b.plan(ops);
  auto& s = *sql_;
  db_.exec("BEGIN");
  try {
    for (const auto& op : ops) {
      std::visit(overloaded{
                     [&](const put_session& o) {
                       const auto& r = o.session;
                       s.put_session.bind(1, static_cast<std::int64_t>(r.id))
                           .bind(2, r.client_id)
                           .bind(3, static_cast<std::int64_t>(r.version))
                           .bind(4, static_cast<std::int64_t>(r.expiry_interval));
                       if (r.disconnected_at) {
                         s.put_session.bind(5, to_unix_ms(*r.disconnected_at));
                       } else {
                         s.put_session.bind_null(5);
                       }
                       s.put_session.run();
                     },
                     [&](const remove_session& o) {
                       const auto id = static_cast<std::int64_t>(o.session_id);
                       s.remove_session.bind(1, id).run();
                       s.remove_session_subscriptions.bind(1, id).run();
                       s.find_session_deliveries.bind(1, id);
                       b.drop_refs_found(s.find_session_deliveries, true);
                       s.remove_session_deliveries.bind(1, id).run();
                       s.remove_session_inbound.bind(1, id).run();
                       s.remove_will.bind(1, id).run();
                     },
                     [&](const put_subscription& o) {
                       s.put_subscription.bind(1, static_cast<std::int64_t>(o.session_id))
                           .bind(2, o.filter)
                           .bind(3, pack_options(o.options))
                           .bind(4, static_cast<std::int64_t>(o.identifier))
                           .run();
                     },
                     [&](const remove_subscription& o) {
                       s.remove_subscription.bind(1, static_cast<std::int64_t>(o.session_id))
                           .bind(2, o.filter)
                           .run();
                     },
                     [&](const put_delivery& o) {
                       const auto& d = o.delivery;
                       if (b.is_cancelled({o.session_id, d.store_seq})) return;
                       const auto ids = encode_subscription_ids(d.subscription_ids);
                       s.put_delivery.bind(1, static_cast<std::int64_t>(o.session_id))
                           .bind(2, static_cast<std::int64_t>(d.store_seq))
                           .bind(3, static_cast<std::int64_t>(d.message->id))
                           .bind(4, static_cast<std::int64_t>(d.qos))
                           .bind(5, d.retain ? 1 : 0);
                       if (ids.empty()) {
                         s.put_delivery.bind_null(6);
                       } else {
                         s.put_delivery.bind_blob(6, ids);
                       }
                       if (!b.is_shared(d.message->id)) {
                         const auto& m = *d.message;
                         encode_stored_publish(m.packet, packet_);
                         s.put_delivery.bind_blob(7, packet_)
                             .bind(8, static_cast<std::int64_t>(m.packet.qos));
                         if (m.expires_at) s.put_delivery.bind(9, to_unix_ms(*m.expires_at));
                         s.put_delivery.bind(10, static_cast<std::int64_t>(m.publisher));
                       } else {
                         b.add_ref(d.message);
                       }
                       if (d.share) s.put_delivery.bind(11, *d.share);
                       s.put_delivery.run();
                     },
                     [&](const mark_delivery_sent& o) {
                       if (b.is_cancelled({o.session_id, o.seq})) return;
                       s.mark_delivery_sent.bind(1, o.packet_id)
                           .bind(2, o.released ? 1 : 0)
                           .bind(3, static_cast<std::int64_t>(o.session_id))
                           .bind(4, static_cast<std::int64_t>(o.seq))
                           .run();
                     },
                     [&](const remove_delivery& o) {
                       if (b.is_cancelled({o.session_id, o.seq})) return;
                       const auto session_id = static_cast<std::int64_t>(o.session_id);
                       const auto seq = static_cast<std::int64_t>(o.seq);
                       s.find_delivery.bind(1, session_id).bind(2, seq);
                       b.drop_refs_found(s.find_delivery, true);
                       s.remove_delivery.bind(1, session_id).bind(2, seq).run();
                     },
                     [&](const put_inbound_qos2& o) {
                       s.put_inbound.bind(1, static_cast<std::int64_t>(o.session_id))
                           .bind(2, o.packet_id)
                           .run();
                     },
                     [&](const remove_inbound_qos2& o) {
                       s.remove_inbound.bind(1, static_cast<std::int64_t>(o.session_id))
                           .bind(2, o.packet_id)
                           .run();
                     },
                     [&](const put_retained& o) {
                       const auto& topic = o.message->packet.topic;
                       s.find_retained.bind(1, topic);
                       b.drop_refs_found(s.find_retained);
                       s.put_retained.bind(1, topic)
                           .bind(2, static_cast<std::int64_t>(o.message->id))
                           .run();
                       b.add_ref(o.message);
                     },
                     [&](const remove_retained& o) {
                       s.find_retained.bind(1, o.topic);
                       b.drop_refs_found(s.find_retained);
                       s.remove_retained.bind(1, o.topic).run();
                     },
                     [&](const put_will& o) {
                       auto will = o.will;
                       const auto packet =
                           encode_stored_publish(mqtt::will_to_publish(std::move(will)));
                       s.put_will.bind(1, static_cast<std::int64_t>(o.session_id))
                           .bind(2, to_unix_ms(o.due))
                           .bind(3, static_cast<std::int64_t>(o.will.qos))
                           .bind_blob(4, packet)
                           .run();
                     },
                     [](const load_deliveries&) {},  // reads: sqlite_store runs them after
                     [](const load_messages&) {},
                     [&](const remove_will& o) {
                       s.remove_will.bind(1, static_cast<std::int64_t>(o.session_id)).run();
                     },
                 },
                 op);
    }
    for (const auto& [id, change] : b.messages) {
      if (change.refs > 0 && change.message) {
        const auto& m = *change.message;
        const auto packet = encode_stored_publish(m.packet);
        s.add_message.bind(1, static_cast<std::int64_t>(id)).bind(2, change.refs);
        if (m.expires_at) {
          s.add_message.bind(3, to_unix_ms(*m.expires_at));
        } else {
          s.add_message.bind_null(3);
        }
        s.add_message.bind(4, static_cast<std::int64_t>(m.publisher))
            .bind(5, static_cast<std::int64_t>(m.packet.qos))
            .bind_blob(6, packet)
            .run();
      } else if (change.refs < 0) {
        // Gone when nothing refers to it any more, else fewer references.
        const auto message_id = static_cast<std::int64_t>(id);
        if (s.delete_unused_message.bind(1, message_id).bind(2, change.refs).run() == 0)
          s.release_message.bind(1, message_id).bind(2, change.refs).run();
      }
    }
    db_.exec("COMMIT");
  } catch (...) {
    for (auto* st :
         {&s.put_session, &s.find_session_deliveries, &s.find_delivery, &s.find_retained})
      st->reset();
    try {
      db_.exec("ROLLBACK");
    } catch (const store_error&) {
      // No transaction left to roll back (SQLite already did): nothing to undo.
    }
    throw;
  }
}

}  // namespace tern::store
