#pragma once
// Reads messages and deliveries back from the store: the inflight window at
// start-up, and a session's queued deliveries page by page when it is
// resumed, so an offline queue lives on disk rather than in memory.
//
// Thread: the store's (start-up before the writer runs, then the writer).

#include <cstdint>
#include <unordered_map>
#include <vector>

#include "store/sqlite_db.hpp"
#include "store/store_ops.hpp"

namespace tern::store {

// A message from the columns (expires_at, publisher, qos, packet) of `s`
// starting at `first`.
mqtt::message_ptr read_stored_message(const statement& s, int first, std::uint64_t id);

// A message by id, read once however many rows refer to it.
class message_reader {
 public:
  explicit message_reader(sqlite_db& db);
  mqtt::message_ptr get(std::uint64_t id);   // null if there is no row
  mqtt::message_ptr read(std::uint64_t id);  // the same, bypassing the cache
  void forget_all() { cache_.clear(); }

 private:
  statement select_;
  std::unordered_map<std::uint64_t, mqtt::message_ptr> cache_;
};

class delivery_reader {
 public:
  explicit delivery_reader(sqlite_db& db);
  // Deliveries sent under a packet id (QoS 2 inflight), every session, in
  // session and sequence order.
  std::vector<restored_delivery> inflight();
  // Per session: deliveries waiting to be sent, and their encoded size.
  std::vector<queued_count> queued_counts();
  // Up to `limit` deliveries of `session_id` waiting to be sent, from
  // sequence `from_seq` on, in order.
  std::vector<restored_delivery> page(std::uint64_t session_id, std::uint64_t from_seq,
                                      std::uint32_t limit);

 private:
  restored_delivery read_row(const statement& s, int first);

  message_reader messages_;
  statement inflight_;
  statement counts_;
  statement page_;
};

}  // namespace tern::store
