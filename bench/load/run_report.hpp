#pragma once
// What a run measures, and how it is printed.
//
// seq_set records which sequence numbers of one publisher were seen (acked
// by the broker, or received by a subscriber); comparing the two gives the
// exact number of acknowledged messages that never arrived. delivery_log
// collects one latency sample per first delivery and the per-second counts.
// run_report is the single JSON line the generator prints per scenario.
//
// Thread: the generator's only thread.

#include <cstdint>
#include <string>
#include <vector>

namespace tern::bench {

class seq_set {
 public:
  // True when `seq` was not in the set yet.
  bool insert(std::uint64_t seq) {
    if (seq >= seen_.size()) seen_.resize(std::max<std::size_t>(seq + 1, seen_.size() * 2), 0);
    if (seen_[seq] != 0) return false;
    seen_[seq] = 1;
    ++count_;
    return true;
  }
  bool contains(std::uint64_t seq) const noexcept { return seq < seen_.size() && seen_[seq] != 0; }
  std::uint64_t count() const noexcept { return count_; }
  std::uint64_t limit() const noexcept { return seen_.size(); }
  // Members of this set missing from `other`.
  std::uint64_t missing_from(const seq_set& other) const noexcept {
    std::uint64_t n = 0;
    for (std::uint64_t s = 0; s < seen_.size(); ++s)
      n += seen_[s] != 0 && !other.contains(s);
    return n;
  }

 private:
  std::vector<std::uint8_t> seen_;
  std::uint64_t count_ = 0;
};

class delivery_log {
 public:
  // The measured window starts at t0 and lasts `window_ns`.
  void start(std::uint64_t t0_ns, std::uint64_t window_ns) {
    t0_ = t0_ns;
    window_ = window_ns;
  }
  void record(std::uint64_t sent_ns, std::uint64_t now_ns) {
    latencies_.push_back(now_ns > sent_ns ? now_ns - sent_ns : 0);
    last_ns_ = now_ns;
    const std::uint64_t since = now_ns > t0_ ? now_ns - t0_ : 0;
    if (since < window_) ++in_window_;
    const std::size_t second = since / 1'000'000'000u;
    if (second >= per_second_.size()) per_second_.resize(second + 1, 0);
    ++per_second_[second];
  }
  std::uint64_t total() const noexcept { return latencies_.size(); }
  std::uint64_t in_window() const noexcept { return in_window_; }
  std::uint64_t last_ns() const noexcept { return last_ns_; }
  std::vector<std::uint64_t>& latencies() noexcept { return latencies_; }
  const std::vector<std::uint64_t>& per_second() const noexcept { return per_second_; }

 private:
  std::uint64_t t0_ = 0;
  std::uint64_t window_ = 0;
  std::uint64_t in_window_ = 0;
  std::uint64_t last_ns_ = 0;
  std::vector<std::uint64_t> latencies_;  // ns, one per first delivery
  std::vector<std::uint64_t> per_second_;
};

struct latency_summary {
  double p50_ms = 0;
  double p90_ms = 0;
  double p99_ms = 0;
  double p999_ms = 0;
  double max_ms = 0;
};

// Sorts `samples_ns` in place.
latency_summary summarize(std::vector<std::uint64_t>& samples_ns);

struct run_report {
  std::string scenario;
  int protocol = 4;
  int qos = 0;
  std::uint32_t publishers = 0;
  std::uint32_t subscribers = 0;
  std::uint32_t window = 0;
  double rate = 0;  // requested total msg/s, 0 = as fast as the window allows
  std::size_t payload = 0;
  double duration_s = 0;
  double drain_s = 0;
  bool drained = false;  // everything expected arrived before the drain timeout

  std::uint64_t sent = 0;
  std::uint64_t acked = 0;      // QoS 1/2: PUBACK / PUBCOMP received
  std::uint64_t rejected = 0;   // v5 acks with a failure reason code
  std::uint64_t unacked = 0;    // still in flight after the drain
  std::uint64_t expected = 0;   // deliveries owed: acked (QoS 0: sent) x matching subscribers
  std::uint64_t delivered = 0;  // first deliveries
  std::uint64_t delivered_in_window = 0;
  std::uint64_t duplicates = 0;
  std::uint64_t out_of_order = 0;
  std::uint64_t lost = 0;  // acked (QoS 0: sent) but never delivered
  std::uint64_t unexpected_acks = 0;
  latency_summary latency;
  std::vector<std::uint64_t> per_second;

  long broker_pid = 0;
  double broker_cpu_s = -1;  // -1: no --broker-pid
  double generator_cpu_s = 0;

  // idle scenario
  std::uint32_t connections = 0;
  double connect_s = 0;
  long rss_before_kib = -1;
  long rss_after_kib = -1;

  std::uint64_t client_failures = 0;
  std::vector<std::string> errors;  // the first few, verbatim

  std::string to_json() const;
};

}  // namespace tern::bench
