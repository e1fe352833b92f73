#pragma once
// Writes a batch of store events as one transaction (group commit).
//
// A delivery that is stored and completed within the same batch (the
// common case under load: the subscriber acknowledged it while the previous
// commit was running) cancels out and never touches the disk. A message row
// counts the deliveries and retained slots that refer to it and goes when
// the count reaches zero, so each payload is stored once.
//
// Thread: the store's writer thread.

#include <memory>
#include <span>
#include <vector>

#include "store/sqlite_db.hpp"
#include "store/store_ops.hpp"

namespace tern::store {

class batch_writer {
 public:
  explicit batch_writer(sqlite_db& db);
  ~batch_writer();
  // Applies `ops` in one transaction; on error rolls back and throws
  // store_error, leaving the store as before the batch.
  void write(std::span<const store_op> ops);

 private:
  struct statements;
  struct batch;
  sqlite_db& db_;
  std::unique_ptr<statements> sql_;
  std::unique_ptr<batch> batch_;
  std::vector<std::uint8_t> packet_;  // encoding buffer, reused
};

// Time points as the store keeps them: unix milliseconds.
std::int64_t to_unix_ms(wall_time t);
wall_time from_unix_ms(std::int64_t ms);
// The SUBSCRIBE options byte (spec 3.8.3.1), as stored.
std::uint8_t pack_options(const mqtt::subscription_options& o);
mqtt::subscription_options unpack_options(std::uint8_t bits);

}  // namespace tern::store
