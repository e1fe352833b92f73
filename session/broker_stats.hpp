#pragma once
// Broker-wide counters for $SYS and metrics. Relaxed atomics: each is an
// independent tally read now and then, never used to order other memory.
//
// The per-message tallies are bumped by every worker for every delivery:
// one shared atomic per tally made its cache line travel between cores on
// each increment, and a locked add also waits for the delivery's own
// stores to drain (together most of the delivery path's own time in
// fan-out). So those are sharded: each of the first threads owns a cache
// line that only it writes, with a plain (unlocked) add; reading sums the
// shards.

#include <algorithm>
#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>

namespace tern::broker {

class sharded_counter {
 public:
  void add(std::uint64_t n) noexcept {
    const std::size_t i = shard_of_this_thread();
    auto& v = shards_[i].value;
    if (i < owned_shards) {
      v.store(v.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);  // sole writer
    } else {
      v.fetch_add(n, std::memory_order_relaxed);  // shared by the threads beyond
    }
  }
  std::uint64_t get() const noexcept {
    std::uint64_t sum = 0;
    for (const auto& s : shards_)
      sum += s.value.load(std::memory_order_relaxed);
    return sum;
  }

 private:
  static constexpr std::size_t owned_shards = 15;  // workers and the main thread, usually
  struct alignas(64) shard {
    std::atomic<std::uint64_t> value{0};
  };
  static std::size_t shard_of_this_thread() noexcept {
    static std::atomic<std::size_t> next{0};
    thread_local const std::size_t mine =
        std::min(next.fetch_add(1, std::memory_order_relaxed), owned_shards);
    return mine;
  }
  std::array<shard, owned_shards + 1> shards_{};
};

struct broker_stats {
  sharded_counter messages_received;
  sharded_counter messages_sent;
  sharded_counter publish_received;
  sharded_counter publish_sent;
  sharded_counter bytes_received;
  sharded_counter bytes_sent;
  sharded_counter input_reads;        // reads that returned client input (on_bytes calls)
  sharded_counter sockets_opened;     // connections of any transport, bridges' included
  sharded_counter connects_received;  // CONNECT packets, accepted or not
  std::atomic<std::uint64_t> clients_connected{0};
  std::atomic<std::uint64_t> clients_maximum{0};
  sharded_counter clients_expired;
  sharded_counter dropped_qos0_backlog;   // slow consumer, QoS 0
  sharded_counter dropped_queue_full;     // max_queued_messages/bytes
  sharded_counter dropped_too_large;      // client's maximum packet size
  sharded_counter dropped_expired;        // v5 message expiry passed while queued
  sharded_counter dropped_store_failing;  // v5 QoS 1/2 refused while the store cannot write

  static void add(sharded_counter& c, std::uint64_t n = 1) noexcept { c.add(n); }
  static void add(std::atomic<std::uint64_t>& c, std::uint64_t n = 1) noexcept {
    c.fetch_add(n, std::memory_order_relaxed);
  }
  static std::uint64_t get(const sharded_counter& c) noexcept { return c.get(); }
  static std::uint64_t get(const std::atomic<std::uint64_t>& c) noexcept {
    return c.load(std::memory_order_relaxed);
  }
};

}  // namespace tern::broker
