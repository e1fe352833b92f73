#pragma once
// Slows password guessing: each failed login from a source address doubles
// how long that address waits for its refusal, from 100 ms up to 5 s; a
// successful login from it starts again at 100 ms. A client that guesses in
// turn is held to one guess per 5 s per connection (and the waiting
// connection is not read meanwhile), without any thread blocking: the
// handler answers from a worker timer (worker_pool::post_after).
//
// Thread: any worker; a mutex guards the table (logins are rare next to
// packets, and nothing else is done under it).

#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace tern::broker {

class login_throttle {
 public:
  using clock = std::chrono::steady_clock;
  static constexpr std::chrono::milliseconds first_delay{100};
  static constexpr std::chrono::milliseconds max_delay{5000};
  // An address that has not failed for this long starts afresh.
  static constexpr std::chrono::minutes forget_after{10};
  // Addresses remembered at most, so a scan from many addresses cannot
  // grow the table without bound.
  static constexpr std::size_t max_addresses = 4096;

  // A login from `address` ("host:port" or "host") failed at `now`: how
  // long to wait before refusing it.
  std::chrono::milliseconds failed(std::string_view address, clock::time_point now);
  // A login from `address` succeeded: its next failure waits first_delay.
  void succeeded(std::string_view address);
  std::size_t tracked() const;

 private:
  struct record {
    unsigned failures = 0;
    clock::time_point last_failure{};
  };
  void make_room(clock::time_point now);  // under mutex_

  mutable std::mutex mutex_;
  std::unordered_map<std::string, record> by_host_;
};

}  // namespace tern::broker
