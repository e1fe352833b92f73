#include "net/write_coalescer.hpp"

#include "net/connection.hpp"
#include "net/io_workers.hpp"

namespace tern::net {
namespace {

thread_local bool flushing_now = false;

// Marks this thread as running a flush for its lifetime.
class flush_scope {
 public:
  flush_scope() : saved_(flushing_now) { flushing_now = true; }
  flush_scope(const flush_scope&) = delete;
  flush_scope& operator=(const flush_scope&) = delete;
  ~flush_scope() { flushing_now = saved_; }

 private:
  bool saved_;
};

}  // namespace

write_coalescer::write_coalescer(io_workers& workers, unsigned self)
    : workers_(workers),
      timer_(workers.context(self)),
      outbox_(workers.size()),
      last_post_(workers.size(), clock::time_point{}) {}

bool write_coalescer::in_flush() noexcept {
  return flushing_now;
}

void write_coalescer::hold(std::shared_ptr<connection> c, clock::time_point due) {
  held_.push_back(std::move(c));
  arm(due);
}

void write_coalescer::hold_input(std::shared_ptr<connection> c, clock::time_point due) {
  held_input_.push_back(std::move(c));
  arm(due);
}

void write_coalescer::defer_post(unsigned target, std::function<void()> fn) {
  auto& box = outbox_[target];
  if (reading_inputs_) {  // flush() posts it once the held inputs are read
    box.push_back(std::move(fn));
    return;
  }
  const auto now = clock::now();
  if (box.empty() && now - last_post_[target] >= window) {
    // Quiet until now: no reason to wait.
    box.push_back(std::move(fn));
    send_batch(target);
    return;
  }
  box.push_back(std::move(fn));
  arm(last_post_[target] + window);
}

void write_coalescer::flush_posts_to(unsigned target) {
  if (!outbox_[target].empty()) send_batch(target);
}

void write_coalescer::send_batch(unsigned target) {
  last_post_[target] = clock::now();
  workers_.post_to_context(target, [batch = std::move(outbox_[target])]() mutable {
    flush_scope scope;
    for (auto& fn : batch)
      fn();
  });
  outbox_[target].clear();
}

void write_coalescer::arm(clock::time_point due) {
  // One timer serves everything held, set for the window of the first:
  // whatever is held after it goes at the same time, which is less than a
  // window after it was held. (Setting it again for an earlier window
  // would cost a timer update per connection and buy nothing.)
  if (armed_) return;
  armed_ = true;
  timer_.expires_at(due);
  timer_.async_wait([this](const boost::system::error_code& ec) { flush(ec); });
}

void write_coalescer::flush(const boost::system::error_code& ec) {
  armed_ = false;
  if (ec) return;  // destroyed with the server
  flush_scope scope;
  // A connection read now may hold its input again: that lands in
  // held_input_ and arms the next flush.
  reading_.swap(held_input_);
  reading_inputs_ = true;
  for (auto& c : reading_)
    c->release_input();
  reading_inputs_ = false;
  reading_.clear();
  for (unsigned target = 0; target < outbox_.size(); ++target)
    flush_posts_to(target);
  flushing_.swap(held_);
  for (auto& c : flushing_)
    c->release_output();
  flushing_.clear();
}

}  // namespace tern::net
