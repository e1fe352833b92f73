#pragma once
// How the session layer reaches other threads without knowing Asio.
//
// The broker runs N workers, each one thread with its own event loop; a
// connection and its session live on one worker at a time. Work for another
// worker's session is handed over with post(); net/ implements this with
// asio::post on that worker's io_context.

#include <chrono>
#include <functional>

namespace tern::broker {

class worker_pool {
 public:
  virtual ~worker_pool() = default;
  virtual unsigned size() const noexcept = 0;
  // Runs `fn` on worker `index`'s thread, after what is already queued.
  virtual void post(unsigned index, std::function<void()> fn) = 0;
  // Runs `fn` on worker `index`'s thread once `delay` has passed (a timer,
  // no thread waits); dropped if the broker stops first.
  virtual void post_after(unsigned index, std::chrono::milliseconds delay,
                          std::function<void()> fn) = 0;
  // The same for work that may wait a few milliseconds to share the
  // target's next wake-up with more of its kind (QoS 0 deliveries). Runs
  // after what the calling worker posted to `index` before, and before
  // what it posts after.
  virtual void post_deferred(unsigned index, std::function<void()> fn) {
    post(index, std::move(fn));
  }
  // The last task the calling worker gave post_deferred() for `index` that
  // has not left yet, or null. The caller may add work to it (after
  // checking with std::function::target that it is of its own kind): the
  // work then runs in that task's place in the order, with no task of its
  // own to allocate and run.
  virtual std::function<void()>* unsent_deferred(unsigned /*index*/) { return nullptr; }
  // The worker the calling thread belongs to (undefined off the workers).
  virtual unsigned current() const noexcept = 0;
};

}  // namespace tern::broker
