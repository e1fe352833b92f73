// start_type lazy: the bridge waits for its local session's queue and
// leaves when idle (the decisions are start_policy's).
#include <spdlog/spdlog.h>

#include "bridge/bridge.hpp"
#include "session/broker.hpp"

namespace tern::bridge {
namespace asio = boost::asio;
using clock = std::chrono::steady_clock;

namespace {
// How often a lazy bridge reads its queue length while it waits: a post
// to one worker and back, cheap; the threshold is noticed within this.
constexpr std::chrono::milliseconds queue_poll{200};
}  // namespace

void bridge::look_at_queue() {
  if (stopped_) return;
  // The count is read on the session's owner worker and comes back here.
  broker_.count_waiting(options_.local_clientid,
                        [self = shared_from_this(), generation = generation_](std::uint64_t n) {
                          self->broker_.workers().post(self->worker_, [self, generation, n] {
                            self->on_queue_count(generation, n);
                          });
                        });
}

void bridge::on_queue_count(std::uint64_t generation, std::uint64_t waiting) {
  if (stopped_ || generation != generation_) return;
  if (policy_.queue_wants_link(waiting)) {
    spdlog::info("bridge {}: {} messages wait (threshold {})", options_.name, waiting,
                 options_.threshold);
    return connect_next();
  }
  restart_timer_.expires_after(queue_poll);
  restart_timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (!ec) self->look_at_queue();
  });
}

void bridge::arm_idle_timer() {
  const auto deadline = policy_.idle_deadline(relay_.last_message_at());
  if (!deadline) return;
  idle_timer_.expires_at(*deadline);
  idle_timer_.async_wait(
      [self = shared_from_this(), generation = generation_](const boost::system::error_code& ec) {
        if (!ec) self->on_idle_timer(generation);
      });
}

void bridge::on_idle_timer(std::uint64_t generation) {
  if (generation != generation_ || stopped_ || !relay_.is_up()) return;
  // A message crossed since the timer was set: count from that one.
  if (clock::now() < *policy_.idle_deadline(relay_.last_message_at())) return arm_idle_timer();
  spdlog::info("bridge {}: no message for {} s (idle_timeout); disconnecting", options_.name,
               options_.idle_timeout.count());
  idle_closing_ = true;
  relay_.go_idle();
  pump();
}

}  // namespace tern::bridge
