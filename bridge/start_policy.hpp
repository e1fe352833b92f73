#pragma once
// When a bridge connects and whether it comes back: mosquitto's
// `start_type` with lazy's `threshold` and `idle_timeout`
// (mosquitto.conf(5)). Decisions only; bridge.cpp owns the timers and asks.
//
//   automatic  connect at start-up; after a failure or a drop, again after
//              the backoff delay (restart_timeout)
//   once       connect at start-up; never again (but for the one retry
//              without the bridge marker a remote asked for)
//   lazy       prime the local session at start-up and connect once more
//              than `threshold` messages wait in it; close the link after
//              `idle_timeout` without a message crossing; after a failure
//              or a drop, look at the queue again after the backoff delay
//
// Thread: any (read-only after construction).

#include <chrono>
#include <cstdint>
#include <optional>

#include "bridge/bridge_options.hpp"

namespace tern::bridge {

class start_policy {
 public:
  using steady_time = std::chrono::steady_clock::time_point;

  explicit start_policy(const bridge_options& o)
      : start_(o.start), threshold_(o.threshold), idle_timeout_(o.idle_timeout) {}

  // Lazy: no connection until the local queue asks for one.
  bool waits_for_queue() const noexcept { return start_ == start_type::lazy; }
  // A connection failed or dropped (not closed for idleness): whether the
  // bridge tries again after the backoff delay.
  bool restarts(bool marker_just_refused) const noexcept {
    return start_ != start_type::once || marker_just_refused;
  }
  // Lazy: `waiting` messages queued for the bridge call for a connection.
  bool queue_wants_link(std::uint64_t waiting) const noexcept { return waiting > threshold_; }
  // Lazy: when a link whose last message crossed at `last_message` counts
  // as idle; never for the other start types.
  std::optional<steady_time> idle_deadline(steady_time last_message) const {
    if (start_ != start_type::lazy) return std::nullopt;
    return last_message + idle_timeout_;
  }

 private:
  start_type start_;
  std::uint64_t threshold_;
  std::chrono::seconds idle_timeout_;
};

}  // namespace tern::bridge
