#include "store/delivery_reader.hpp"

#include <spdlog/spdlog.h>

#include "store/batch_writer.hpp"
#include "store/message_codec.hpp"

namespace tern::store {
namespace {

// The delivery columns every query below selects, in this order, after its
// own leading columns.
#define TERN_DELIVERY_COLUMNS                                             \
  "seq, message_id, qos, retain, subscription_ids, packet_id, released, " \
  "inline_expires_at, inline_publisher, inline_qos, inline_packet, share"

}  // namespace

mqtt::message_ptr read_stored_message(const statement& s, int first, std::uint64_t id) {
  auto m = std::make_shared<mqtt::application_message>();
  if (!s.column_is_null(first)) m->expires_at = from_unix_ms(s.column_int(first));
  m->publisher = static_cast<std::uint64_t>(s.column_int(first + 1));
  m->packet = decode_stored_publish(s.column_blob(first + 3),
                                    static_cast<mqtt::qos>(s.column_int(first + 2)));
  m->id = id;
  return m;
}

message_reader::message_reader(sqlite_db& db)
    : select_(db, "SELECT expires_at, publisher, qos, packet FROM messages WHERE id = ?") {}

mqtt::message_ptr message_reader::get(std::uint64_t id) {
  auto [it, added] = cache_.try_emplace(id);
  if (added) it->second = read(id);
  return it->second;
}

mqtt::message_ptr message_reader::read(std::uint64_t id) {
  mqtt::message_ptr m;
  select_.bind(1, static_cast<std::int64_t>(id));
  if (select_.step()) m = read_stored_message(select_, 0, id);
  select_.reset();
  return m;
}

delivery_reader::delivery_reader(sqlite_db& db)
    : messages_(db),
      inflight_(db, "SELECT session_id, " TERN_DELIVERY_COLUMNS
                    " FROM deliveries WHERE packet_id != 0 ORDER BY session_id, seq"),
      counts_(db,
              "SELECT d.session_id, count(*), "
              "sum(coalesce(length(d.inline_packet), length(m.packet), 0)), max(d.seq) "
              "FROM deliveries d LEFT JOIN messages m ON m.id = d.message_id "
              "WHERE d.packet_id = 0 GROUP BY d.session_id"),
      page_(db, "SELECT session_id, " TERN_DELIVERY_COLUMNS
                " FROM deliveries WHERE session_id = ? AND seq >= ? AND packet_id = 0 "
                "ORDER BY seq LIMIT ?") {}

restored_delivery delivery_reader::read_row(const statement& s, int first) {
  restored_delivery r;
  r.session_id = static_cast<std::uint64_t>(s.column_int(0));
  r.delivery.store_seq = static_cast<std::uint64_t>(s.column_int(first));
  const auto message_id = static_cast<std::uint64_t>(s.column_int(first + 1));
  r.delivery.message = s.column_is_null(first + 9) ? messages_.get(message_id)
                                                   : read_stored_message(s, first + 7, message_id);
  r.delivery.qos = static_cast<mqtt::qos>(s.column_int(first + 2));
  r.delivery.retain = s.column_int(first + 3) != 0;
  r.delivery.subscription_ids = decode_subscription_ids(s.column_blob(first + 4));
  r.packet_id = static_cast<mqtt::packet_id>(s.column_int(first + 5));
  r.released = s.column_int(first + 6) != 0;
  if (!s.column_is_null(first + 11))
    r.delivery.share = std::make_shared<const std::string>(s.column_text(first + 11));
  return r;
}

std::vector<restored_delivery> delivery_reader::inflight() {
  std::vector<restored_delivery> out;
  while (inflight_.step()) {
    auto r = read_row(inflight_, 1);
    if (r.delivery.message) out.push_back(std::move(r));  // a missing row: refs went wrong
  }
  inflight_.reset();
  messages_.forget_all();
  return out;
}

std::vector<queued_count> delivery_reader::queued_counts() {
  std::vector<queued_count> out;
  while (counts_.step())
    out.push_back({static_cast<std::uint64_t>(counts_.column_int(0)),
                   static_cast<std::uint64_t>(counts_.column_int(1)),
                   static_cast<std::uint64_t>(counts_.column_int(2)),
                   static_cast<std::uint64_t>(counts_.column_int(3))});
  counts_.reset();
  return out;
}

std::vector<restored_delivery> delivery_reader::page(std::uint64_t session_id,
                                                     std::uint64_t from_seq, std::uint32_t limit) {
  std::vector<restored_delivery> out;
  page_.bind(1, static_cast<std::int64_t>(session_id))
      .bind(2, static_cast<std::int64_t>(from_seq))
      .bind(3, static_cast<std::int64_t>(limit));
  while (page_.step()) {
    try {
      auto r = read_row(page_, 1);
      if (r.delivery.message) out.push_back(std::move(r));
    } catch (const store_error& e) {
      // One damaged message must not hold back the rest of the queue.
      spdlog::error("store: skipping queued message {} of session {}: {}", page_.column_int(1),
                    session_id, e.what());
    }
  }
  page_.reset();
  // Messages are not kept between pages: memory follows what is loaded,
  // not what is stored.
  messages_.forget_all();
  return out;
}

}  // namespace tern::store
