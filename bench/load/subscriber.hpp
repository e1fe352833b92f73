#pragma once
// A subscribing client: one SUBSCRIBE, then it acknowledges, timestamps and
// counts every PUBLISH.
//
// It expects messages from the publishers with index in [first, first +
// count) and keeps, per publisher, the set of sequence numbers received, so
// duplicates and reordering are counted and the runner can compute loss
// against what each publisher had acknowledged.
//
// Thread: the generator's only thread.

#include <cstdint>
#include <string>
#include <vector>

#include "bench/load/bench_client.hpp"
#include "bench/load/run_report.hpp"

namespace tern::bench {

struct subscribe_plan {
  std::string filter;
  mqtt::qos qos = mqtt::qos::at_least_once;
  std::uint32_t first_publisher = 0;
  std::uint32_t publisher_count = 1;
};

class subscriber final : public bench_client {
 public:
  subscriber(boost::asio::io_context& io, client_options options, client_observer& observer,
             subscribe_plan plan, delivery_log& log);

  const subscribe_plan& plan() const noexcept { return plan_; }
  // Received sequence numbers of publisher `index` (must be expected).
  const seq_set& received_from(std::uint32_t index) const {
    return received_[index - plan_.first_publisher];
  }
  std::uint64_t delivered() const noexcept { return delivered_; }
  std::uint64_t duplicates() const noexcept { return duplicates_; }
  std::uint64_t out_of_order() const noexcept { return out_of_order_; }
  std::uint64_t foreign() const noexcept { return foreign_; }

 private:
  void on_connected() override;
  void on_publish(mqtt::publish& p, std::uint64_t now_ns) override;
  void on_packet(mqtt::packet& p) override;

  subscribe_plan plan_;
  delivery_log& log_;
  std::vector<seq_set> received_;
  std::vector<std::int64_t> last_seq_;
  std::uint64_t delivered_ = 0;
  std::uint64_t duplicates_ = 0;
  std::uint64_t out_of_order_ = 0;
  std::uint64_t foreign_ = 0;  // not from an expected publisher
};

}  // namespace tern::bench
