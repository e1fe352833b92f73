#pragma once
// max_publish_rate: a token bucket per client. It holds at most a second's
// worth of tokens (the allowed burst) and refills at `per_second`. Each
// PUBLISH takes a token; one that finds none goes into debt, and the debt
// says how long the engine leaves the client's further input unparsed (and
// the connection unread): over time the client publishes at the rate and
// TCP backpressure slows it down, without a refusal a 3.1.1 client could
// not understand (MQTT 5's 0x96 Message rate too high ends the connection;
// a pause loses nothing).
//
// Thread: the connection's.

#include <algorithm>
#include <chrono>
#include <cstdint>

namespace tern::mqtt {

class publish_rate {
 public:
  using clock = std::chrono::steady_clock;

  publish_rate(std::uint32_t per_second, clock::time_point now)
      : per_second_(per_second), tokens_(per_second), last_(now) {}

  // A PUBLISH is handled at `now`: how long to wait before the next one
  // (zero: go on at once).
  std::chrono::milliseconds take(clock::time_point now) {
    const std::chrono::duration<double> elapsed = now - last_;
    last_ = now;
    tokens_ = std::min<double>(per_second_, tokens_ + elapsed.count() * per_second_);
    tokens_ -= 1;
    if (tokens_ >= 0) return std::chrono::milliseconds(0);
    // Until the debt is paid.
    const double seconds = -tokens_ / per_second_;
    return std::chrono::milliseconds(static_cast<std::int64_t>(seconds * 1000) + 1);
  }

 private:
  std::uint32_t per_second_;
  double tokens_;
  clock::time_point last_;
};

}  // namespace tern::mqtt
