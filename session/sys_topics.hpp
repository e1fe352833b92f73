#pragma once
// The $SYS tree, with mosquitto's topic names so existing dashboards work,
// and the same figures as one value (sys_figures) for /metrics and the
// status page.
//
// publish() is called every sys_interval seconds (from any one thread) and
// publishes each figure as a retained QoS 0 message. Load figures are
// exponentially decaying averages per minute over 1, 5 and 15 minutes,
// like mosquitto's $SYS/broker/load/... topics.
//
// collect_figures() may be called from any thread: it reads relaxed
// counters and the registries' counts under their own locks.

#include <array>
#include <chrono>
#include <cstdint>
#include <string>

#include "store/durable_store.hpp"

namespace tern::broker {

class broker;

// One reading of every figure the broker keeps, at one moment (each field
// read separately: they need not add up exactly).
struct sys_figures {
  std::string version;
  std::uint64_t uptime_s = 0;
  std::uint64_t clients_connected = 0, clients_total = 0, clients_disconnected = 0,
                clients_maximum = 0, clients_expired = 0;
  std::uint64_t messages_received = 0, messages_sent = 0;  // every MQTT packet
  std::uint64_t publish_received = 0, publish_sent = 0;
  std::uint64_t bytes_received = 0, bytes_sent = 0;
  std::uint64_t input_reads = 0;
  std::uint64_t sockets_opened = 0, connects_received = 0;
  std::uint64_t subscriptions = 0, retained = 0;
  std::uint64_t heap_current = 0, heap_maximum = 0;  // bytes allocated by malloc
  // Messages dropped, by cause.
  std::uint64_t dropped_qos0_backlog = 0, dropped_queue_full = 0, dropped_too_large = 0,
                dropped_expired = 0, dropped_store_failing = 0;
  std::uint64_t dropped_total() const noexcept {
    return dropped_qos0_backlog + dropped_queue_full + dropped_too_large + dropped_expired +
           dropped_store_failing;
  }
  bool persistence = false;  // store below is meaningful
  store::store_stats store;
};

// `store` may be null (persistence off); `started` is when the broker started.
sys_figures collect_figures(broker& b, const store::durable_store* store,
                            std::chrono::steady_clock::time_point started,
                            std::chrono::steady_clock::time_point now);

class sys_topics {
 public:
  explicit sys_topics(broker& b, const store::durable_store* store = nullptr);
  void publish(std::chrono::steady_clock::time_point now);
  std::chrono::steady_clock::time_point started() const noexcept { return started_; }

 private:
  struct load {
    std::uint64_t last_total = 0;
    std::array<double, 3> average{};  // 1, 5, 15 minutes
  };
  void publish_value(const std::string& topic, const std::string& value);
  void publish_load(const std::string& name, load& l, std::uint64_t total, double interval_s);

  broker& broker_;
  const store::durable_store* store_;
  std::chrono::steady_clock::time_point started_;
  std::chrono::steady_clock::time_point last_;
  load messages_received_, messages_sent_, publish_received_, publish_sent_, bytes_received_,
      bytes_sent_, connects_received_, sockets_opened_;
};

}  // namespace tern::broker
