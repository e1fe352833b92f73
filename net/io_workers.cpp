#include "net/io_workers.hpp"

#include <memory>
#include <utility>

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
  for (unsigned i = 0; i < count; ++i) {
    coalescers_.push_back(std::make_unique<write_coalescer>(*this, i));
    pollers_.push_back(std::make_unique<readiness_poller>(*contexts_[i]));
    inboxes_.push_back(std::make_unique<inbox>());
  }
}

io_workers::~io_workers() {
  stop();
}

void io_workers::post(unsigned index, std::function<void()> fn) {
  if (this_worker < coalescers_.size()) coalescers_[this_worker]->flush_posts_to(index);
  auto& box = *inboxes_[index];
  bool first;
  {
    std::lock_guard lock(box.mutex);
    box.tasks.push_back(std::move(fn));
    first = !std::exchange(box.drain_posted, true);
  }
  if (first) post_to_context(index, [this, index] { drain(index); });
}

void io_workers::drain(unsigned index) {
  auto& box = *inboxes_[index];
  // Per thread, and only this worker's thread drains this inbox; a task
  // never drains (it may post, which lands in the inbox for a later drain).
  thread_local std::vector<std::function<void()>> batch;
  {
    std::lock_guard lock(box.mutex);
    batch.swap(box.tasks);
    box.drain_posted = false;
  }
  for (auto& task : batch)
    task();
  batch.clear();
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

std::function<void()>* io_workers::unsent_deferred(unsigned index) {
  if (this_worker >= coalescers_.size()) return nullptr;
  return coalescers_[this_worker]->unsent_to(index);
}

unsigned io_workers::current() const noexcept {
  return this_worker;
}

void io_workers::start() {
  for (unsigned i = 0; i < contexts_.size(); ++i) {
    threads_.emplace_back([this, i] {
      this_worker = i;
      pollers_[i]->run();
    });
  }
}

void io_workers::stop() {
  for (auto& g : guards_)
    g.reset();
  for (unsigned i = 0; i < contexts_.size(); ++i) {
    contexts_[i]->stop();
    pollers_[i]->wake();
  }
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

void io_workers::destroy_contexts() {
  coalescers_.clear();
  // Tasks never drained, dropped while the contexts their captures may
  // refer to still exist; one whose destructor posts lands in an inbox
  // again, hence the loop.
  for (bool any = true; any;) {
    any = false;
    for (auto& box : inboxes_) {
      std::vector<std::function<void()>> dropped;
      {
        std::lock_guard lock(box->mutex);
        dropped.swap(box->tasks);
      }
      any = any || !dropped.empty();
    }
  }
  guards_.clear();
  pollers_.clear();
  contexts_.clear();
}

}  // namespace tern::net
