#pragma once
// Lets a worker's QoS 0 traffic wait a moment so that more of it shares
// each system call and each wake-up.
//
// A send() on loopback or a LAN costs a few microseconds of kernel time
// whatever it carries, and so does waking another worker (an epoll_ctl to
// interrupt it, a context switch, often a contended scheduler mutex). In
// fan-out (one publisher, 50 subscribers) these were most of the broker's
// CPU: each read of the publisher made one small write per subscriber and
// woke the other worker for its share. So, per worker:
//
// - a connection that wrote less than `window` ago holds QoS 0 output until
//   its window ends (hold()): a busy subscriber gets one write per window,
//   carrying everything since;
// - QoS 0 deliveries for another worker wait likewise when this worker
//   posted to it less than `window` ago (defer_post()), and go as one post.
//
// Both are flushed by one timer, so a message waits at most one window,
// plus the target's write right after the batch (in_flush() tells
// connections not to wait again). Quiet connections and workers are served
// at once, as is anything urgent (CONNACK, acknowledgements, QoS 1/2, whose
// windows pace the traffic). Like Nagle's algorithm, but bounded in time
// rather than waiting for the peer's ACK.
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
  // Runs `fn` on worker `target`, later if this worker posted there
  // recently (see above).
  void defer_post(unsigned target, std::function<void()> fn);
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
  std::vector<std::shared_ptr<connection>> held_;
  std::vector<std::shared_ptr<connection>> flushing_;       // kept for its capacity
  std::vector<std::vector<std::function<void()>>> outbox_;  // per target worker
  std::vector<clock::time_point> last_post_;                // per target worker
};

}  // namespace tern::net
