#pragma once
// Lets a worker's QoS 0 traffic wait a moment so that more of it shares
// each system call and each wake-up.
//
// A send() on loopback or a LAN costs a few microseconds of kernel time
// whatever it carries, and so does waking another worker (an eventfd write to
// interrupt it, a context switch, often a contended scheduler mutex). In
// fan-out (one publisher, 50 subscribers) these were most of the broker's
// CPU: each read of the publisher made one small write per subscriber and
// woke the other worker for its share. So, per worker:
//
// - a connection that wrote less than `window` ago holds QoS 0 output until
//   its window ends (hold()): a busy subscriber gets one write per window,
//   carrying everything since;
// - QoS 0 deliveries for another worker wait likewise when this worker
//   posted to it less than `window` ago (defer_post()), and go as one post;
// - a client that keeps sending QoS 0 PUBLISHes and nothing else is read
//   once per window rather than each time its socket turns readable
//   (hold_input()). Waking a worker costs more than what it then does for
//   one small read: in fan-in at 100,000 msg/s from four publishers, each
//   worker woke for every 1 ms batch of its publishers, and the wake-ups
//   were most of the broker's CPU.
//
// All are flushed by one timer, inputs first: what they route is written,
// and posted to other workers, in the same flush. So a message waits at
// most one window, plus the target's write right after the batch
// (in_flush() tells connections not to wait again). Quiet connections and
// workers are served at once, as is anything urgent (CONNACK,
// acknowledgements, QoS 1/2, whose windows pace the traffic). Like Nagle's
// algorithm and interrupt coalescing, but bounded in time rather than
// waiting for the peer's ACK or a packet count.
//
// Thread: one per worker, used by that worker only.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

namespace tern::net {

class io_workers;
class connection;

class write_coalescer {
 public:
  using clock = std::chrono::steady_clock;
  // The longest QoS 0 output waits for company: well under a network round
  // trip to a device, and below what mosquitto's Nagle delays cost it.
  static constexpr std::chrono::milliseconds window{5};

  write_coalescer(io_workers& workers, unsigned self);

  // Writes `c`'s output at the next flush, which is at `due` (when its
  // window ends) or earlier; call once until then.
  void hold(std::shared_ptr<connection> c, clock::time_point due);
  // Reads `c` at the next flush, which is at `due` or earlier; call once
  // until then (the connection waits for no readiness meanwhile).
  void hold_input(std::shared_ptr<connection> c, clock::time_point due);
  // Runs `fn` on worker `target`, later if this worker posted there
  // recently (see above).
  void defer_post(unsigned target, std::function<void()> fn);
  // The last task deferred for `target` that has not been sent, or null.
  std::function<void()>* unsent_to(unsigned target) {
    return outbox_[target].empty() ? nullptr : &outbox_[target].back();
  }
  // Before an immediate post to `target`: what was deferred goes first, so
  // the target sees this worker's work in order.
  void flush_posts_to(unsigned target);
  // True while this thread runs a flush or a deferred batch: output made
  // now has waited already.
  static bool in_flush() noexcept;

 private:
  void arm(clock::time_point due);
  void flush(const boost::system::error_code& ec);
  void send_batch(unsigned target);

  io_workers& workers_;
  boost::asio::steady_timer timer_;
  bool armed_ = false;
  // In flush(), reading held inputs: their deferred posts go at the flush's
  // end, with no timer of their own.
  bool reading_inputs_ = false;
  std::vector<std::shared_ptr<connection>> held_input_;
  std::vector<std::shared_ptr<connection>> reading_;  // kept for its capacity
  std::vector<std::shared_ptr<connection>> held_;
  std::vector<std::shared_ptr<connection>> flushing_;       // kept for its capacity
  std::vector<std::vector<std::function<void()>>> outbox_;  // per target worker
  std::vector<clock::time_point> last_post_;                // per target worker
};

}  // namespace tern::net
