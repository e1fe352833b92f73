#include "net/io_workers.hpp"

#include <memory>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

namespace tern::net {
namespace {
// The worker index of the calling thread; -1 (as unsigned) off the workers.
thread_local unsigned this_worker = static_cast<unsigned>(-1);
}  // namespace

io_workers::io_workers(unsigned count) {
  if (count == 0) count = 1;
  for (unsigned i = 0; i < count; ++i) {
    // Concurrency hint 1: each context is run by exactly one thread, so
    // Asio can skip locking inside the scheduler.
    contexts_.push_back(std::make_unique<boost::asio::io_context>(1));
    guards_.emplace_back(contexts_.back()->get_executor());
  }
  for (unsigned i = 0; i < count; ++i)
    coalescers_.push_back(std::make_unique<write_coalescer>(*this, i));
}

io_workers::~io_workers() {
  stop();
}

void io_workers::post(unsigned index, std::function<void()> fn) {
  if (this_worker < coalescers_.size()) coalescers_[this_worker]->flush_posts_to(index);
  boost::asio::post(*contexts_[index], std::move(fn));
}

void io_workers::post_after(unsigned index, std::chrono::milliseconds delay,
                            std::function<void()> fn) {
  // The pending wait owns its timer; a context destroyed at shutdown drops
  // both without running fn.
  auto timer = std::make_shared<boost::asio::steady_timer>(*contexts_[index], delay);
  timer->async_wait([timer, fn = std::move(fn)](const boost::system::error_code& ec) {
    if (!ec) fn();
  });
}

void io_workers::post_deferred(unsigned index, std::function<void()> fn) {
  if (this_worker >= coalescers_.size()) return post(index, std::move(fn));
  coalescers_[this_worker]->defer_post(index, std::move(fn));
}

unsigned io_workers::current() const noexcept {
  return this_worker;
}

void io_workers::start() {
  for (unsigned i = 0; i < contexts_.size(); ++i) {
    threads_.emplace_back([this, i] {
      this_worker = i;
      contexts_[i]->run();
    });
  }
}

void io_workers::stop() {
  for (auto& g : guards_)
    g.reset();
  for (auto& c : contexts_)
    c->stop();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

void io_workers::destroy_contexts() {
  coalescers_.clear();
  guards_.clear();
  contexts_.clear();
}

}  // namespace tern::net
