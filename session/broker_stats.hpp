#pragma once
// Broker-wide counters for $SYS and metrics. Relaxed atomics: each is an
// independent tally read now and then, never used to order other memory.

#include <atomic>
#include <cstdint>

namespace tern::broker {

struct broker_stats {
  std::atomic<std::uint64_t> messages_received{0};
  std::atomic<std::uint64_t> messages_sent{0};
  std::atomic<std::uint64_t> publish_received{0};
  std::atomic<std::uint64_t> publish_sent{0};
  std::atomic<std::uint64_t> bytes_received{0};
  std::atomic<std::uint64_t> bytes_sent{0};
  std::atomic<std::uint64_t> clients_connected{0};
  std::atomic<std::uint64_t> clients_maximum{0};
  std::atomic<std::uint64_t> clients_expired{0};
  std::atomic<std::uint64_t> dropped_qos0_backlog{0};  // slow consumer, QoS 0
  std::atomic<std::uint64_t> dropped_queue_full{0};    // max_queued_messages/bytes
  std::atomic<std::uint64_t> dropped_too_large{0};     // client's maximum packet size
  std::atomic<std::uint64_t> dropped_expired{0};       // v5 message expiry passed while queued

  static void add(std::atomic<std::uint64_t>& c, std::uint64_t n = 1) noexcept {
    c.fetch_add(n, std::memory_order_relaxed);
  }
  static std::uint64_t get(const std::atomic<std::uint64_t>& c) noexcept {
    return c.load(std::memory_order_relaxed);
  }
};

}  // namespace tern::broker
