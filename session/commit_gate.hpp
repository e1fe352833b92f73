#pragma once
// Holds a connection's output until the store has committed what that
// output acknowledges (the durability promise in README: a PUBACK, PUBREC,
// PUBREL, PUBCOMP, SUBACK or CONNACK that depends on stored state leaves
// only after the transaction holding that state committed).
//
// A connection that submitted a durable event notes the store position;
// while the store's committed position is behind it, its output waits and
// it registers here. The store's thread reports each commit; the gate then
// wakes the waiting connections on their own workers, one post per worker.
//
// Thread: wait() from workers, committed() from the store's thread.

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "session/worker_pool.hpp"

namespace tern::broker {

class client_handler;

class commit_gate {
 public:
  explicit commit_gate(worker_pool& workers) : workers_(workers) {}

  std::uint64_t committed() const noexcept { return committed_.load(std::memory_order_acquire); }
  // Calls h->commit_reached() on `worker` once committed() >= position
  // (at once, by post, if it already is).
  void wait(std::uint64_t position, unsigned worker, std::weak_ptr<client_handler> h);
  // The store committed everything up to `position`.
  void committed(std::uint64_t position);

 private:
  struct waiter {
    std::uint64_t position;
    unsigned worker;
    std::weak_ptr<client_handler> handler;
  };
  void wake(std::vector<waiter>& ready);

  worker_pool& workers_;
  std::atomic<std::uint64_t> committed_{0};
  std::mutex mutex_;
  std::vector<waiter> waiting_;
};

}  // namespace tern::broker
