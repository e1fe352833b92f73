#pragma once
// When to try the remote broker again after a failed or lost connection:
// mosquitto's `restart_timeout`. One value is a constant delay; `BASE CAP`
// is exponential backoff with full jitter: the n-th retry in a row waits a
// random time between BASE and min(CAP, BASE * 2^n), so many gateways that
// lost the same backend do not all come back in the same second.
//
// Thread: its bridge's worker only.

#include <chrono>
#include <cstdint>
#include <optional>
#include <random>

namespace tern::bridge {

class backoff {
 public:
  backoff(std::chrono::seconds base, std::optional<std::chrono::seconds> cap,
          std::uint64_t seed = std::random_device{}())
      : base_(base), cap_(cap), rng_(seed) {}

  // The delay before the next attempt; each call counts one more failure.
  std::chrono::milliseconds next();
  // A connection succeeded: the next failure waits BASE-ish again.
  void reset() noexcept { failures_ = 0; }

 private:
  std::chrono::seconds base_;
  std::optional<std::chrono::seconds> cap_;
  std::mt19937_64 rng_;
  unsigned failures_ = 0;
};

}  // namespace tern::bridge
