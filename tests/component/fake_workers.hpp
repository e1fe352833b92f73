#pragma once
// A broker::worker_pool with N simulated workers and no threads, so a test
// decides exactly how cross-worker work interleaves.
//
// post() appends to worker i's queue; nothing runs until the test calls
// run_all() (round robin, one task per worker per turn, until every queue is
// empty) or run_one(i). post_after() keeps the task aside, with its delay,
// until the test calls fire_delayed(): time passes when the test says so. current() is the worker
// whose task is running; calls made from the test body itself (a client's bytes arriving, a sweep)
// name their worker with act_as(i), as net/ would be running them on that worker's thread.
//
// Thread: the test's only; nothing here is synchronized.

#include <gtest/gtest.h>

#include <cassert>
#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <utility>
#include <vector>

#include "session/worker_pool.hpp"

namespace tern::broker::test {

class fake_workers final : public worker_pool {
 public:
  explicit fake_workers(unsigned n) : queues_(n) { assert(n > 0); }

  unsigned size() const noexcept override { return static_cast<unsigned>(queues_.size()); }
  void post(unsigned index, std::function<void()> fn) override {
    assert(index < queues_.size());
    queues_[index].push_back(std::move(fn));
  }
  void post_after(unsigned index, std::chrono::milliseconds delay,
                  std::function<void()> fn) override {
    assert(index < queues_.size());
    delayed_.push_back({index, delay, std::move(fn)});
  }
  // The delays asked of post_after() so far, oldest first.
  std::vector<std::chrono::milliseconds> delays() const {
    std::vector<std::chrono::milliseconds> out;
    for (const auto& d : delayed_)
      out.push_back(d.delay);
    return out;
  }
  // Their time has come: every delayed task joins its worker's queue.
  void fire_delayed() {
    for (auto& d : delayed_)
      queues_[d.index].push_back(std::move(d.fn));
    delayed_.clear();
  }
  // Counted, then queued like any post (the fake has no clock to wait on).
  void post_deferred(unsigned index, std::function<void()> fn) override {
    ++deferred_posts_;
    post(index, std::move(fn));
  }
  unsigned current() const noexcept override {
    // The broker only asks from a worker; a test body that forgot act_as()
    // would silently act as worker 0, so catch it.
    EXPECT_NE(current_, off_worker) << "broker called from the test body without act_as()";
    return current_;
  }

  // Makes the calling test body run as worker `index` until destroyed.
  class scope {
   public:
    scope(fake_workers& w, unsigned index) : w_(w), saved_(w.current_) { w_.current_ = index; }
    scope(const scope&) = delete;
    scope& operator=(const scope&) = delete;
    ~scope() { w_.current_ = saved_; }

   private:
    fake_workers& w_;
    unsigned saved_;
  };
  [[nodiscard]] scope act_as(unsigned index) {
    assert(index < queues_.size());
    return scope(*this, index);
  }

  // Runs the oldest task of worker `index`; false when it has none.
  bool run_one(unsigned index) {
    auto& q = queues_.at(index);
    if (q.empty()) return false;
    auto fn = std::move(q.front());
    q.pop_front();
    scope as(*this, index);
    fn();
    ++tasks_run_;
    return true;
  }

  // Round robin until every queue is empty; returns the tasks run. A loop
  // that never settles (tasks re-posting themselves forever) is a failure.
  std::size_t run_all(std::size_t limit = 1'000'000) {
    std::size_t ran = 0;
    for (bool any = true; any;) {
      any = false;
      for (unsigned i = 0; i < size(); ++i) {
        if (run_one(i)) {
          any = true;
          if (++ran >= limit) {
            ADD_FAILURE() << "workers still busy after " << limit << " tasks";
            return ran;
          }
        }
      }
    }
    return ran;
  }

  std::size_t pending(unsigned index) const { return queues_.at(index).size(); }
  std::size_t pending() const {
    std::size_t n = 0;
    for (const auto& q : queues_)
      n += q.size();
    return n;
  }
  std::size_t tasks_run() const noexcept { return tasks_run_; }
  std::size_t deferred_posts() const noexcept { return deferred_posts_; }

 private:
  static constexpr unsigned off_worker = ~0u;

  std::vector<std::deque<std::function<void()>>> queues_;
  struct delayed_task {
    unsigned index;
    std::chrono::milliseconds delay;
    std::function<void()> fn;
  };
  std::vector<delayed_task> delayed_;
  unsigned current_ = off_worker;
  std::size_t tasks_run_ = 0;
  std::size_t deferred_posts_ = 0;
};

}  // namespace tern::broker::test
