#pragma once
// The broker's durable state, as the session layer sees it: events go in
// (submit), and are written in order by the store's own thread, grouped
// into one transaction per batch. An acknowledgement that promises
// durability waits until committed() reaches the position submit()
// returned for the last event it depends on.
//
// Thread: submit(), position() and committed() may be called from any
// thread; restore() only before the first submit(). The commit listener
// runs on the store's thread and must not block.

#include <cstdint>
#include <functional>
#include <vector>

#include "store/store_ops.hpp"

namespace tern::store {

// Figures for $SYS and /metrics. Read by any thread; each field is a
// separate relaxed read, so they need not add up to one instant.
struct store_stats {
  std::uint64_t file_bytes = 0;       // the database file and its WAL
  std::uint64_t commits = 0;          // transactions committed since start
  std::uint64_t commit_us_total = 0;  // their summed duration (write + commit)
  std::uint64_t commit_us_last = 0;   // the last one's
  std::uint64_t commit_us_max = 0;    // the longest since start
  std::uint64_t pending = 0;          // events submitted, not yet committed
  // Messages held (queued, inflight or retained; one with several receivers
  // once) and their stored bytes; counted at most every few seconds.
  std::uint64_t messages = 0, message_bytes = 0;
};

class durable_store {
 public:
  virtual ~durable_store() = default;

  // Loads what the store holds (start-up, before serving).
  virtual restored_state restore() = 0;

  // Queues one event; returns its position in the store's order (1, 2, ...).
  virtual std::uint64_t submit(store_op op) = 0;
  // Queues events that must be written in one transaction (a QoS 2 id with
  // the deliveries of its message: neither without the other after a
  // crash); returns the position of the last. `ops` is left empty.
  virtual std::uint64_t submit_all(std::vector<store_op>& ops) = 0;
  // The position of every event up to which is on disk (as far as the
  // configured synchronous level promises).
  virtual std::uint64_t committed() const noexcept = 0;
  // Called after each commit with the new committed() position.
  virtual void on_commit(std::function<void(std::uint64_t)> listener) = 0;
  // Writes what is queued and stops the store's thread (shutdown).
  virtual void flush_and_stop() = 0;
  // Whether writing is failing now (disk full, I/O error): what is
  // submitted waits, uncommitted, until a write succeeds again.
  virtual bool writes_failing() const noexcept { return false; }
  // Read-only figures; a store that keeps none reports zeros.
  virtual store_stats stats() const { return {}; }
};

}  // namespace tern::store
