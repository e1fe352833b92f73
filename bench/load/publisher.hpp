#pragma once
// A publishing client.
//
// Every message carries its send time and a sequence number in the first
// 20 payload bytes (payload_layout), so subscribers can measure latency and
// the runner can tell exactly which acknowledged messages never arrived.
//
// Two ways to send:
// - unpaced: at QoS 1/2 keep `window` messages unacknowledged and send the
//   next one as each PUBACK / PUBCOMP arrives ("as fast as the protocol
//   allows"); at QoS 0 send `window` messages per completed write;
// - paced: the runner calls send_up_to() from its tick with the number the
//   rate asks for by now; the window (QoS 1/2) or a byte cap on unsent
//   output (QoS 0) still applies, so a slow broker makes the publisher fall
//   behind instead of buffering without bound.
//
// Thread: the generator's only thread.

#include <cstdint>
#include <string>
#include <vector>

#include "bench/load/bench_client.hpp"
#include "bench/load/run_report.hpp"

namespace tern::bench {

// Offsets of the fields every benchmark payload starts with.
struct payload_layout {
  static constexpr std::size_t sent_ns = 0;     // u64, now_ns() when queued
  static constexpr std::size_t sequence = 8;    // u64, 0, 1, 2, ... per publisher
  static constexpr std::size_t publisher = 16;  // u32, publisher index
  static constexpr std::size_t size = 20;
};

struct publish_plan {
  std::string topic;
  mqtt::qos qos = mqtt::qos::at_least_once;
  std::size_t payload_size = 64;
  std::uint32_t window = 16;
  bool paced = false;
};

class publisher final : public bench_client {
 public:
  publisher(boost::asio::io_context& io, client_options options, client_observer& observer,
            std::uint32_t index, publish_plan plan);

  void begin();
  void send_up_to(std::uint64_t target);
  // No new messages after this; those in flight still complete.
  void stop() noexcept { stopped_ = true; }

  std::uint64_t sent() const noexcept { return sent_; }
  std::uint64_t acked() const noexcept { return acked_.count(); }
  std::uint64_t rejected() const noexcept { return rejected_; }
  std::uint64_t unexpected_acks() const noexcept { return unexpected_acks_; }
  std::uint32_t inflight() const noexcept { return inflight_; }
  const seq_set& acked_set() const noexcept { return acked_; }

 private:
  void on_connected() override;
  void on_publish(mqtt::publish& p, std::uint64_t now_ns) override;
  void on_packet(mqtt::packet& p) override;
  void on_output_drained() override;

  bool can_send() const noexcept;
  void publish_one(std::uint64_t now);
  mqtt::packet_id take_id(std::uint64_t seq);
  void complete(mqtt::packet_id id, mqtt::reason_code reason);

  std::uint32_t index_;
  publish_plan plan_;
  std::uint32_t window_;
  mqtt::publish template_;  // topic, QoS, payload size; the id changes per message
  std::size_t header_size_ = 0;
  bool started_ = false;
  bool stopped_ = false;
  std::uint64_t sent_ = 0;
  std::uint32_t inflight_ = 0;
  std::uint64_t rejected_ = 0;
  std::uint64_t unexpected_acks_ = 0;
  mqtt::packet_id next_id_ = 1;
  std::vector<std::int64_t> inflight_seq_;  // by packet id; -1 when free
  seq_set acked_;
};

}  // namespace tern::bench
