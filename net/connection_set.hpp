#pragma once
// The live connections of each worker, filed by deadline (keep alive,
// connect timeout) in one deadline_wheel per worker, so one timer per
// worker serves them all and shutdown can reach every connection.
//
// Thread: wheel i is touched only by worker i, or by the main thread once
// the workers have stopped.

#include <chrono>
#include <memory>
#include <vector>

#include "net/deadline_wheel.hpp"
#include "net/io_workers.hpp"

namespace tern::net {

class connection;

class connection_set {
 public:
  using clock = std::chrono::steady_clock;
  // Keep-alive deadlines are met within a quarter of a second; the wheel
  // turns in about two minutes (later deadlines come round again).
  static constexpr clock::duration tick = std::chrono::milliseconds(250);
  static constexpr std::size_t slots = 512;

  connection_set(io_workers& workers, clock::time_point now) : workers_(workers) {
    for (unsigned i = 0; i < workers.size(); ++i)
      per_worker_.push_back(std::make_unique<deadline_wheel<connection>>(tick, slots, now));
  }

  deadline_wheel<connection>& of(unsigned worker) { return *per_worker_[worker]; }
  write_coalescer& coalescer(unsigned worker) { return workers_.coalescer(worker); }
  readiness_poller& poller(unsigned worker) { return workers_.poller(worker); }

  // Lets the connections of `worker` whose deadline passed act on it.
  void advance(unsigned worker, clock::time_point now);
  // Every live connection of `worker`, held so none goes away meanwhile.
  std::vector<std::shared_ptr<connection>> all(unsigned worker);

 private:
  io_workers& workers_;
  std::vector<std::unique_ptr<deadline_wheel<connection>>> per_worker_;
};

}  // namespace tern::net
